# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Compute Engine client of the collection: google-cloud-compute (``compute_v1``) over REST.

- Credentials (``auth_kind``): ``application`` (Application Default Credentials: the
  ``GOOGLE_APPLICATION_CREDENTIALS`` file, gcloud's user credentials, or the metadata server),
  ``serviceaccount`` (a service-account key file), ``accesstoken`` (an OAuth2 access token, for
  example ``gcloud auth print-access-token``) or ``none`` (anonymous, for the local emulator).
- ``api_endpoint`` overrides ``https://compute.googleapis.com`` (a URL with its scheme; plain
  ``http://127.0.0.1:PORT`` for the local emulator).
- Resources go in and out as dicts in the API's JSON shape (camelCase, as in the REST reference and
  the discovery document), converted to and from the client's messages here.
- Writes return an operation (``ExtendedOperation``), waited on until DONE with its ``result()``:
  the client polls the global, regional or zonal operations service the operation belongs to.
- Every call is retried with jittered exponential backoff (``common.retry``'s ``RETRIES``, ``DELAY``,
  ``MAX_DELAY``) on 429, 5xx (not 501) and the ``rateLimitExceeded`` / ``userRateLimitExceeded`` reasons
  (which Compute Engine sends with a 403); nothing else is retried.
- A failed call raises ``GceApiError``: one message naming the action, the resource (kind, name,
  project, region), the HTTP status, the reason, Google's message, and the module option of the field
  Google names (``Invalid value for field 'resource.ipCidrRange'`` → ``ip_cidr_range``).
- ``compute_v1`` comes from ``compute_v1_loader``: a run imports the services it uses, not all of them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import compute_v1_loader

try:
    from google.api_core import exceptions as gexc
    from google.api_core.client_options import ClientOptions
    from google.auth import exceptions as gauth_exceptions
    # the services a run uses, not the package's ~130 (compute_v1_loader)
    compute_v1 = compute_v1_loader.load()
    HAS_GOOGLE = True
except ImportError:  # pragma: no cover - modules report it with missing_required_lib
    HAS_GOOGLE = False
    gexc = gauth_exceptions = None

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import google_auth
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.google_auth import (  # noqa: F401
    RATE_REASONS,
    _FIELD_RE,
    _URL_PREFIX_RE,
    _errors,
    _reason,
    credentials,
    google_retry,
    retry_key,
    retryable,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

# The error of every Google client of the collection (``google_auth.GoogleApiError``), by its old name.
GceApiError = google_auth.GoogleApiError

# Seconds to wait for one operation to be DONE.
OPERATION_TIMEOUT = 600
# Resources per page of a list (the API's maximum is 500).
LIST_PAGE_SIZE = 500
_MISSING_RE = re.compile(r"resource 'projects/[^']*/([a-zA-Z]+)/[^'/]+' was not found")

# kind -> (client class name, message class name, path parameter, scope)
KINDS = {
    "network": ("NetworksClient", "Network", "network", "global"),
    "subnetwork": ("SubnetworksClient", "Subnetwork", "subnetwork", "regional"),
    "firewall": ("FirewallsClient", "Firewall", "firewall", "global"),
    "router": ("RoutersClient", "Router", "router", "regional"),
    # the global external Application Load Balancer (gce/lb_resources.py)
    "backend_service": ("BackendServicesClient", "BackendService", "backend_service", "global"),
    "backend_bucket": ("BackendBucketsClient", "BackendBucket", "backend_bucket", "global"),
    "ssl_policy": ("SslPoliciesClient", "SslPolicy", "ssl_policy", "global"),
    "ssl_certificate": ("SslCertificatesClient", "SslCertificate", "ssl_certificate", "global"),
    "url_map": ("UrlMapsClient", "UrlMap", "url_map", "global"),
    "target_https_proxy": ("TargetHttpsProxiesClient", "TargetHttpsProxy", "target_https_proxy", "global"),
    "global_forwarding_rule": ("GlobalForwardingRulesClient", "ForwardingRule", "forwarding_rule", "global"),
    "global_address": ("GlobalAddressesClient", "Address", "address", "global"),
    # health checks, instance templates, regional managed instance groups (gce/compute_resources.py)
    "health_check": ("HealthChecksClient", "HealthCheck", "health_check", "global"),
    "region_health_check": ("RegionHealthChecksClient", "HealthCheck", "health_check", "regional"),
    "instance_template": ("InstanceTemplatesClient", "InstanceTemplate", "instance_template", "global"),
    "region_instance_group_manager": ("RegionInstanceGroupManagersClient", "InstanceGroupManager",
                                      "instance_group_manager", "regional"),
    "region_instance_group": ("RegionInstanceGroupsClient", "InstanceGroup", "instance_group", "regional"),
    "region_autoscaler": ("RegionAutoscalersClient", "Autoscaler", "autoscaler", "regional"),
}
# Kinds whose patch/update name the resource in the body only (the client has no flattened name argument).
NAME_IN_BODY = ("region_autoscaler",)


def subject(kind, name, project, region=None):
    """``subnetwork web-eu (project p, region europe-west1)``"""
    where = "project %s" % project + (", region %s" % region if region else "")
    return "%s %s (%s)" % (kind, name, where)


def api_error(err, action, what, options=None):
    """A ``GceApiError`` for a google.api_core / google.auth error of ``action`` on ``what``.

    ``options`` maps API field names (``ipCidrRange``) to the module options that set them.
    """
    options = options or {}
    if gauth_exceptions is not None and isinstance(err, gauth_exceptions.GoogleAuthError):
        return GceApiError("%s %s failed: cannot get credentials: %s; check auth_kind, service_account_file or "
                           "access_token" % (action, what, err), field="auth_kind")
    if gexc is None or not isinstance(err, gexc.GoogleAPICallError):
        return GceApiError("%s %s failed: cannot reach the Compute Engine API: %s; check api_endpoint and network "
                           "access" % (action, what, err), field="api_endpoint")
    code = getattr(err, "code", None)
    reason = _reason(err)
    text = _URL_PREFIX_RE.sub("", getattr(err, "message", None) or str(err))
    details = [e.get("message") for e in _errors(err) if e.get("message") and e.get("message") != text]
    message = "%s %s failed: %s %s: %s" % (action, what, code, reason or "error", text)
    if details:
        message += " [%s]" % "; ".join(details)
    field = None
    match = _FIELD_RE.search(" ".join([text] + details)) or None
    api_field = None
    if match:
        api_field = (match.group(1) or match.group(2)).split(".")[0].split("[")[0]
    elif code == 404 and action != "get":
        # a write naming a missing resource it refers to: "The resource 'projects/p/global/networks/x' was not found"
        missing = _MISSING_RE.search(text)
        api_field = missing.group(1)[:-1] if missing and missing.group(1)[:-1] in options else None
    if api_field:
        field = options.get(api_field, api_field)
        message += " (option %s)" % field
    if code in (401, 403) and reason not in RATE_REASONS:
        message += "; the credentials (auth_kind) need the Compute Engine permission for this call " \
                   "(roles/compute.networkAdmin or roles/compute.securityAdmin for firewall rules)"
        field = field or "auth_kind"
    elif code == 409 or reason == "alreadyExists":
        message += "; it was created meanwhile by someone else: run again"
    elif code == 412 or reason == "conditionNotMet":
        message += "; it was changed meanwhile by someone else (stale fingerprint): run again"
    elif retryable(retry_key(err)):
        message += "; still failing after %d attempts: Compute Engine is throttling or unavailable, run again later" \
                   % retry.RETRIES
    return GceApiError(message, field=field, status=code, reason=reason)


def to_message(kind, body):
    """A compute_v1 message of ``kind`` from an API dict."""
    cls = getattr(compute_v1, KINDS[kind][1])
    try:
        return cls.from_json(json.dumps(body))
    except Exception as err:  # protobuf's ParseError: a field the message does not have
        raise GceApiError("%s: the body is not a valid %s: %s" % (kind, KINDS[kind][1], err), field=kind)


def to_dict(message):
    """An API dict (camelCase, enums as names) from a compute_v1 message."""
    return json.loads(type(message).to_json(message, use_integers_for_enums=False,
                                            always_print_fields_with_no_presence=False))


def _operations_on_endpoint(client, creds, client_options):
    """Make ``client`` poll its operations on the same endpoint as its calls.

    compute_v1 (1.57) builds the operations clients an ``ExtendedOperation`` polls lazily, with the
    credentials but without the client options, so a RUNNING operation would be polled on
    compute.googleapis.com whatever ``api_endpoint`` says; they are built here with the options, in
    the transport's cache of them, before the first call.
    """
    services = getattr(getattr(client, "_transport", None), "_extended_operations_services", None)
    if client_options is None or services is None:
        return
    for key, cls in (("global_operations", "GlobalOperationsClient"), ("region_operations", "RegionOperationsClient"),
                     ("zone_operations", "ZoneOperationsClient")):
        services[key] = getattr(compute_v1, cls)(credentials=creds, transport="rest", client_options=client_options)


class GceClient:
    """get / insert / patch / update / delete and dedicated calls on the kinds of ``KINDS``.

    ``clients`` maps a client class name (``NetworksClient``) to a built compute_v1 client; missing
    ones are built on first use with the credentials and endpoint given.
    """

    def __init__(self, project, creds=None, api_endpoint=None, clients=None, options=None):
        self.project = project
        self.creds = creds
        self.api_endpoint = api_endpoint
        self.clients = dict(clients or {})
        self.options = options or {}

    @classmethod
    def from_params(cls, params, options=None):
        """A client from the modules' auth options (``plugins/doc_fragments/gce.py``)."""
        creds, default_project = credentials(params.get("auth_kind") or "application",
                                             params.get("service_account_file"), params.get("access_token"))
        project = params.get("project") or default_project
        return cls(project, creds, params.get("api_endpoint"), options=options)

    def _client(self, kind):
        name = KINDS[kind][0]
        if name not in self.clients:
            client_options = ClientOptions(api_endpoint=self.api_endpoint) if self.api_endpoint else None
            client = getattr(compute_v1, name)(credentials=self.creds, transport="rest",
                                               client_options=client_options)
            _operations_on_endpoint(client, self.creds, client_options)
            self.clients[name] = client
        return self.clients[name]

    def _where(self, kind, region):
        args = {"project": self.project}
        if KINDS[kind][3] == "regional":
            args["region"] = region
        return args

    def _call(self, action, kind, name, region, method, wait=True, **kwargs):
        what = subject(kind, name, self.project, region if KINDS[kind][3] == "regional" else None)

        def _once():
            answer = getattr(self._client(kind), method)(retry=None, **dict(self._where(kind, region), **kwargs))
            if wait and hasattr(answer, "result"):
                answer.result(timeout=OPERATION_TIMEOUT)
            return answer

        try:
            return google_retry()(_once)()
        except MeridianError:
            raise
        except Exception as err:
            raise api_error(err, action, what, self.options)

    def get(self, kind, name, region=None):
        """The resource as a dict, or ``None`` when it does not exist."""
        try:
            answer = self._call("get", kind, name, region, "get", wait=False, **{KINDS[kind][2]: name})
        except GceApiError as err:
            if err.status == 404:
                return None
            raise
        return to_dict(answer)

    def insert(self, kind, body, region=None):
        self._call("create", kind, body["name"], region, "insert",
                   **{KINDS[kind][2] + "_resource": to_message(kind, body)})

    def _named(self, kind, name, body):
        args = {KINDS[kind][2] + "_resource": to_message(kind, body)}
        if kind not in NAME_IN_BODY:
            args[KINDS[kind][2]] = name
        return args

    def patch(self, kind, name, body, region=None):
        self._call("patch", kind, name, region, "patch", **self._named(kind, name, body))

    def update(self, kind, name, body, region=None):
        self._call("update", kind, name, region, "update", **self._named(kind, name, body))

    def delete(self, kind, name, region=None):
        self._call("delete", kind, name, region, "delete", **{KINDS[kind][2]: name})

    def set_target(self, kind, name, value, region=None):
        self._call("set the target of", kind, name, region, "set_target", forwarding_rule=name,
                   target_reference_resource=compute_v1.TargetReference(target=value))

    def expand_ip_cidr_range(self, kind, name, value, region=None):
        request = compute_v1.SubnetworksExpandIpCidrRangeRequest(ip_cidr_range=value)
        self._call("expand the primary range of", kind, name, region, "expand_ip_cidr_range",
                   subnetwork=name, subnetworks_expand_ip_cidr_range_request_resource=request)

    def set_private_ip_google_access(self, kind, name, value, region=None):
        request = compute_v1.SubnetworksSetPrivateIpGoogleAccessRequest(private_ip_google_access=bool(value))
        self._call("set Private Google Access on", kind, name, region, "set_private_ip_google_access",
                   subnetwork=name, subnetworks_set_private_ip_google_access_request_resource=request)

    def list(self, kind, region=None, filter_expression=None):
        """Every resource of ``kind`` as dicts, page by page (each page's call retried on its own).

        A regional kind without ``region`` is listed across regions (``aggregatedList``).
        ``filter_expression`` is the API's ``filter`` (``name = web-eu``, ``name eq web-.*``).
        """
        regional = KINDS[kind][3] == "regional"
        method = "aggregated_list" if regional and not region else "list"
        request = {"project": self.project, "max_results": LIST_PAGE_SIZE}
        if regional and region:
            request["region"] = region
        if filter_expression:
            request["filter"] = filter_expression
        what = "%ss (project %s%s)" % (kind, self.project, ", region %s" % region if regional and region else "")
        items, token = [], None
        call = getattr(self._client(kind), method)

        def _page(page_request):
            return next(iter(call(request=page_request, retry=None).pages))

        while True:
            try:
                page = to_dict(google_retry()(_page)(dict(request, page_token=token) if token else request))
            except Exception as err:
                raise api_error(err, "list", what, dict(self.options, filter="filter"))
            if method == "list":
                items.extend(page.get("items") or [])
            else:
                for scoped in (page.get("items") or {}).values():
                    for value in scoped.values():
                        if isinstance(value, list):
                            items.extend(value)
            token = page.get("nextPageToken")
            if not token:
                return items

    def instance_group_managers(self):
        """Every managed instance group of the project, zonal and regional (instanceGroupManagers.aggregatedList,
        which the regional client has not), as dicts."""
        what = "instance groups (project %s)" % self.project

        def _once():
            client = self.clients.get("InstanceGroupManagersClient")
            if client is None:
                client = self._client_of("InstanceGroupManagersClient")
            out = []
            for _scope, scoped in client.aggregated_list(request={"project": self.project}, retry=None):
                out.extend(to_dict(item) for item in scoped.instance_group_managers)
            return out

        try:
            return google_retry()(_once)()
        except Exception as err:
            raise api_error(err, "list", what, self.options)

    def _client_of(self, name):
        client_options = ClientOptions(api_endpoint=self.api_endpoint) if self.api_endpoint else None
        client = getattr(compute_v1, name)(credentials=self.creds, transport="rest", client_options=client_options)
        _operations_on_endpoint(client, self.creds, client_options)
        self.clients[name] = client
        return client

    def set_instance_template(self, kind, name, value, region=None):
        request = compute_v1.RegionInstanceGroupManagersSetTemplateRequest(instance_template=value)
        self._call("set the instance template of", kind, name, region, "set_instance_template",
                   instance_group_manager=name, region_instance_group_managers_set_template_request_resource=request)

    def resize(self, kind, name, value, region=None):
        self._call("resize", kind, name, region, "resize", instance_group_manager=name, size=int(value))

    def set_named_ports(self, kind, name, ports, fingerprint, region=None):
        request = compute_v1.RegionInstanceGroupsSetNamedPortsRequest(
            named_ports=[compute_v1.NamedPort(name=p["name"], port=p["port"]) for p in ports], fingerprint=fingerprint)
        self._call("set the named ports of", kind, name, region, "set_named_ports",
                   instance_group=name, region_instance_groups_set_named_ports_request_resource=request)
