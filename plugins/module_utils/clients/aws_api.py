# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the collection's AWS client wrappers, and the error they raise.

Every call goes through ``common.retry``: single calls through the retrying client
(``aws_retry=True``), listings through ``paginate_all``. A botocore error that is left after the
retries (or is not retryable) becomes an ``AwsApiError`` naming the service, the operation, the
resource, the AWS error code and what to do about it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing library.

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry

_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthFailure",
           "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException",
           "UnrecognizedClientException", "AllAccessDisabled")


def _camel(operation):
    return "".join(part.capitalize() for part in operation.split("_"))


class AwsApiError(MeridianError):
    """An AWS call failed for good. ``code`` is the AWS error code (or the botocore error's class
    name), ``operation`` the boto3 operation, ``error`` the botocore exception."""

    def __init__(self, service, operation, code, message, field=None, error=None):
        self.service = service
        self.operation = operation
        self.code = code
        self.error = error
        super(AwsApiError, self).__init__(field, message)


def api_error(service, operation, err, subject=None, permission=None, field=None):
    """An ``AwsApiError`` for a botocore error, with the fix for the usual causes.

    ``subject`` names the resource (``bucket my-bucket``); ``permission`` the IAM action the call
    needs when it is not ``<service>:<Operation>``.
    """
    if isinstance(err, botocore.exceptions.ClientError):
        detail = err.response.get("Error", {})
        code = str(detail.get("Code") or "Unknown")
        text = detail.get("Message") or str(err)
    else:
        code = type(err).__name__
        text = str(err)
    what = "%s %s%s" % (service, _camel(operation), " (%s)" % subject if subject else "")
    message = "%s failed: %s: %s" % (what, code, text)
    if code in _DENIED:
        message += "; allow %s to the credentials the task runs with" % (permission or "%s:%s" % (service, _camel(operation)))
    elif retry.retryable(code):
        message += "; still failing after %d attempts, AWS is throttling or unavailable: run again later " \
                   "or with fewer forks" % retry.RETRIES
    elif not isinstance(err, botocore.exceptions.ClientError):
        message += "; check the region, endpoint_url, credentials and network access to AWS"
    return AwsApiError(service, operation, code, message, field=field, error=err)


class AwsClient:
    """Base of one service's wrapper. ``client`` is a boto3 client or amazon.aws's retrying wrapper
    (``common.retry.retrying_client``); a plain client is wrapped with the collection's policy."""

    SERVICE = None

    def __init__(self, client):
        if not isinstance(client, RetryingBotoClientWrapper):
            client = RetryingBotoClientWrapper(client, retry.aws_retry())
        self.client = client

    @classmethod
    def from_module(cls, module, region=None):
        return cls(retry.retrying_client(module, cls.SERVICE, region=region))

    def _call(self, operation, subject=None, permission=None, **kwargs):
        """One call, retried on throttling and transient errors."""
        try:
            return getattr(self.client, operation)(aws_retry=True, **kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
            raise api_error(self.SERVICE, operation, err, subject, permission)

    def _list(self, operation, key, subject=None, permission=None, **kwargs):
        """Every item of a paginated listing, the whole listing retried as one unit."""
        try:
            return retry.paginate_all(self.client.client, operation, **kwargs).get(key, [])
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
            raise api_error(self.SERVICE, operation, err, subject, permission)
