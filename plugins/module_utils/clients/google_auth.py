# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's Google clients (``clients.gce``, ``clients.gcs``) share, without loading either API.

- ``AUTH_SPEC``: the modules' auth options (``plugins/doc_fragments/gce.py``), and ``credentials``:
  the credentials of ``auth_kind`` (``application`` (ADC), ``serviceaccount``, ``accesstoken``,
  ``none`` for the local emulator) and the project they name.
- The retry policy: ``google_retry()``, jittered exponential backoff (``common.retry``'s ``RETRIES``,
  ``DELAY``, ``MAX_DELAY``) on 429, 5xx (not 501) and the ``rateLimitExceeded`` /
  ``userRateLimitExceeded`` reasons; nothing else is retried.
- ``GoogleApiError``, the error every Google client raises, and the parsing of Google's error answers
  (their reason, the field they name).

Only google-auth and google-api-core are imported here: a Cloud Storage module does not pay for
loading the Compute Engine client (about 0.8 s of CPU for the services a run uses).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from google.api_core import exceptions as gexc
    import google.auth
    from google.auth import credentials as gcredentials
    from google.auth import exceptions as gauth_exceptions
    from google.oauth2 import credentials as oauth2_credentials
    from google.oauth2 import service_account
    HAS_GOOGLE_AUTH = True
except ImportError:  # pragma: no cover - modules report it with missing_required_lib
    HAS_GOOGLE_AUTH = False
    gexc = gauth_exceptions = None

from ansible.module_utils.basic import env_fallback

from ansible_collections.amazon.aws.plugins.module_utils.cloud import CloudRetry

from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
AUTH_KINDS = ("application", "serviceaccount", "accesstoken", "none")
RATE_REASONS = ("rateLimitExceeded", "userRateLimitExceeded")
_URL_PREFIX_RE = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE) \S+: ")
# The field in Google's messages: "Invalid value for field 'resource.ipCidrRange'", "Invalid value at
# 'resource.direction' (TYPE_ENUM)", "Required field 'resource.network' not specified", "Unknown name \"x\"".
_FIELD_RE = re.compile(r"(?:field|at) '(?:resource\.)?([A-Za-z0-9_.\[\]]+)'|Unknown name \"([A-Za-z0-9_]+)\"")

# The auth options of every module of the gce group (deep-copy it).
AUTH_SPEC = dict(
    project=dict(type="str", required=True, fallback=(env_fallback, ["GCP_PROJECT"])),
    auth_kind=dict(type="str", default="application", choices=list(AUTH_KINDS),
                   fallback=(env_fallback, ["GCP_AUTH_KIND"])),
    service_account_file=dict(type="path", fallback=(env_fallback, ["GCP_SERVICE_ACCOUNT_FILE"])),
    access_token=dict(type="str", no_log=True, fallback=(env_fallback, ["GCP_ACCESS_TOKEN"])),
    api_endpoint=dict(type="str", fallback=(env_fallback, ["GCE_API_ENDPOINT"])),
)


class GoogleApiError(MeridianError):
    """A Google API call (Compute Engine, Cloud Storage) failed for good, or its credentials could not be
    had. ``status`` is the HTTP status (``None`` without an
    answer), ``reason`` Google's reason (``notFound``, ``alreadyExists``, ``invalid``, ...)."""

    def __init__(self, message, field=None, status=None, reason=None):
        self.status = status
        self.reason = reason
        super(GoogleApiError, self).__init__(field, message, prefix=False)


def _errors(err):
    """Google's ``error.errors`` items of an exception, as dicts (REST answers and operation errors)."""
    out = []
    for item in getattr(err, "errors", None) or []:
        if isinstance(item, dict):
            out.append(item)
        else:
            out.append(dict((k, getattr(item, k, None)) for k in ("reason", "message", "location", "code")))
    return out


def _reason(err):
    reasons = [e.get("reason") or e.get("code") for e in _errors(err)]
    reasons.append(getattr(err, "reason", None))
    return next((r for r in reasons if r), None)


def retry_key(err):
    """What the retry policy looks at: the rate-limit reason when Google gives one, else the HTTP status."""
    reason = _reason(err)
    if reason in RATE_REASONS:
        return reason
    return getattr(err, "code", None)


def retryable(key):
    """True for 429, 5xx but 501 (Not Implemented, which no retry changes) and the rate-limit reasons."""
    return key in RATE_REASONS or (retry.http_retryable(key) and key != 501)


class GoogleRetry(CloudRetry):
    """amazon.aws's CloudRetry keyed on a google.api_core error's status and reason."""

    base_class = Exception

    @staticmethod
    def status_code_from_exception(error):
        return retry_key(error) if gexc is not None and isinstance(error, gexc.GoogleAPICallError) else None

    @staticmethod
    def found(response_code, catch_extra_error_codes=None):
        return retryable(response_code)


def google_retry():
    """The jittered backoff of ``common.retry`` (its ``RETRIES``, ``DELAY``, ``MAX_DELAY`` as they are now)."""
    return GoogleRetry.jittered_backoff(retries=retry.RETRIES, delay=retry.DELAY, max_delay=retry.MAX_DELAY)


def credentials(auth_kind, service_account_file=None, access_token=None):
    """The credentials of ``auth_kind`` and the project they name (ADC and key files name one), or None."""
    try:
        if auth_kind == "application":
            creds, project = google.auth.default(scopes=list(SCOPES))
            return creds, project
        if auth_kind == "serviceaccount":
            if not service_account_file:
                raise GoogleApiError("service_account_file: is required with auth_kind=serviceaccount",
                                     field="service_account_file")
            creds = service_account.Credentials.from_service_account_file(service_account_file, scopes=list(SCOPES))
            return creds, creds.project_id
        if auth_kind == "accesstoken":
            if not access_token:
                raise GoogleApiError("access_token: is required with auth_kind=accesstoken", field="access_token")
            return oauth2_credentials.Credentials(token=access_token), None
        if auth_kind == "none":
            return gcredentials.AnonymousCredentials(), None
    except MeridianError:
        raise
    except (gauth_exceptions.GoogleAuthError, OSError, ValueError) as err:
        field = "service_account_file" if auth_kind == "serviceaccount" else "auth_kind"
        raise GoogleApiError("%s: cannot load the %s credentials: %s" % (field, auth_kind, err), field=field)
    raise GoogleApiError("auth_kind: %r is not one of %s" % (auth_kind, ", ".join(AUTH_KINDS)), field="auth_kind")
