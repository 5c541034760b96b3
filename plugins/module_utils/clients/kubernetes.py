# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes API client of the collection: read a namespaced object, change it by server-side apply.

- The connection comes from a kubeconfig (``kubernetes.config.new_client_from_config``: an explicit
  file and context, else ``KUBECONFIG`` / ``~/.kube/config`` and its current context), or from the
  pod's service account when there is no kubeconfig and the code runs in a cluster.
- ``get`` reads an object through the typed APIs (``AutoscalingV2Api``, ``AppsV1Api``) and returns it
  as a dict in the API's camelCase shape (as in a manifest; fields the client's models do not know
  are left out), or ``None`` on 404.
- ``apply`` sends a server-side apply (``PATCH``, ``Content-Type: application/apply-patch+yaml``)
  with a field manager (``meridian-scaling`` by default), ``force`` false unless asked, and
  ``dryRun=All`` for a check-mode run: the API server runs admission and reports conflicts, and
  persists nothing.
- Calls are retried by ``common.retry.http_retry`` (jittered backoff) on 429 and 5xx only.
- A failed call raises ``KubernetesApiError`` naming the action, the object, the HTTP status, the
  Status' reason and message, and the fields its ``details.causes`` name (for an apply conflict:
  the field and the manager that owns it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

try:
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config
    from kubernetes.client.rest import ApiException
    from kubernetes.config.config_exception import ConfigException
    HAS_KUBERNETES = True
except ImportError:  # pragma: no cover - modules report it with missing_required_lib
    k8s_client = k8s_config = None
    HAS_KUBERNETES = False

    class ApiException(Exception):
        status = None

    class ConfigException(Exception):
        pass

try:
    from urllib3.exceptions import HTTPError as _Urllib3Error
except ImportError:  # pragma: no cover - urllib3 comes with the kubernetes client
    _Urllib3Error = OSError

from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

FIELD_MANAGER = "meridian-scaling"
APPLY_CONTENT_TYPE = "application/apply-patch+yaml"
# Seconds: connecting, then reading one answer.
REQUEST_TIMEOUT = (10, 60)

# kind -> (group/version, resource (plural), typed API class, its read method)
RESOURCES = {
    "HorizontalPodAutoscaler": ("autoscaling/v2", "horizontalpodautoscalers", "AutoscalingV2Api",
                                "read_namespaced_horizontal_pod_autoscaler"),
    "Deployment": ("apps/v1", "deployments", "AppsV1Api", "read_namespaced_deployment"),
}


class KubernetesApiError(MeridianError):
    """A Kubernetes API call failed for good, or the connection could not be set up.

    ``status`` is the HTTP status (``None`` without an answer), ``reason`` the Status' reason
    (``Conflict``, ``NotFound``, ...), ``causes`` its ``details.causes`` (dicts with ``field``,
    ``reason``, ``message``).
    """

    def __init__(self, message, field=None, status=None, reason=None, causes=()):
        self.status = status
        self.reason = reason
        self.causes = list(causes)
        super(KubernetesApiError, self).__init__(field, message, prefix=False)


def subject(kind, namespace, name):
    """``HorizontalPodAutoscaler meridian-local/web``"""
    return "%s %s/%s" % (kind, namespace, name)


def _status(err):
    """The Kubernetes ``Status`` object of an ``ApiException``'s body, or ``{}``."""
    body = getattr(err, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not body:
        return {}
    try:
        status = json.loads(body)
    except ValueError:
        return {"message": body.strip()[:500]}
    return status if isinstance(status, dict) else {}


def api_error(err, action, what, field_manager=None):
    """A ``KubernetesApiError`` for an ``ApiException`` (or a connection error) of ``action`` on ``what``
    (``get HorizontalPodAutoscaler ns/name``)."""
    what = "%s %s" % (action, what)
    if field_manager:
        what += " (field manager %s)" % field_manager
    if not isinstance(err, ApiException):
        return KubernetesApiError("%s failed: cannot reach the API server: %s; check kubernetes.kubeconfig, "
                                  "kubernetes.context and network access to the cluster" % (what, err),
                                  field="kubernetes.kubeconfig")
    status = _status(err)
    code = err.status
    reason = status.get("reason") or err.reason
    text = status.get("message") or err.reason or "no message"
    causes = [c for c in ((status.get("details") or {}).get("causes") or []) if isinstance(c, dict)]
    message = "%s failed: %s %s: %s" % (what, code, reason, text)
    if causes:
        message += " [%s]" % "; ".join(
            "field %s: %s" % (c.get("field"), c.get("message") or c.get("reason")) if c.get("field")
            else str(c.get("message") or c.get("reason")) for c in causes)
    field = None
    if code == 409 and any(c.get("reason") == "FieldManagerConflict" for c in causes):
        message += ("; another field manager owns the field with a different value: stop it from setting the "
                    "field, or let %s take it over with kubernetes.force_conflicts: true" % (field_manager or "this manager"))
        field = "kubernetes.force_conflicts"
    elif code in (401, 403):
        message += "; the credentials of kubernetes.kubeconfig / kubernetes.context need get and patch on it"
        field = "kubernetes.kubeconfig"
    elif code == 404:
        message += "; render and deliver the manifests first: run provision.yml"
        field = "name"
    elif retry.http_retryable(code):
        message += "; still failing after %d attempts: the API server is overloaded or unavailable, run again later" \
                   % retry.RETRIES
    return KubernetesApiError(message, field=field, status=code, reason=reason, causes=causes)


def _has_kubeconfig():
    return any(os.path.exists(os.path.expanduser(path))
               for path in k8s_config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION.split(
                   k8s_config.kube_config.ENV_KUBECONFIG_PATH_SEPARATOR) if path)


def _in_cluster():
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST"))


class KubernetesClient:
    """Read and server-side apply namespaced objects of the kinds in ``RESOURCES``."""

    def __init__(self, api_client):
        self.api_client = api_client

    @classmethod
    def from_config(cls, kubeconfig=None, context=None):
        """A client from ``kubeconfig`` (a path; empty: ``KUBECONFIG`` or ``~/.kube/config``) and
        ``context`` (empty: the kubeconfig's current one), or in-cluster when there is no kubeconfig
        and the process runs in a pod. The kubeconfig is never written back."""
        try:
            if kubeconfig or context or _has_kubeconfig() or not _in_cluster():
                return cls(k8s_config.new_client_from_config(config_file=kubeconfig or None, context=context or None,
                                                             persist_config=False))
            configuration = k8s_client.Configuration()
            k8s_config.load_incluster_config(client_configuration=configuration)
            return cls(k8s_client.ApiClient(configuration))
        except (ConfigException, OSError, ValueError, TypeError) as err:
            field = "kubernetes.context" if context and "context" in str(err).lower() else "kubernetes.kubeconfig"
            where = kubeconfig or "KUBECONFIG / ~/.kube/config"
            raise KubernetesApiError("%s: cannot load the Kubernetes connection from %s%s: %s" % (
                field, where, " (context %s)" % context if context else "", err), field=field)

    @staticmethod
    def _resource(kind):
        try:
            return RESOURCES[kind]
        except KeyError:
            raise KubernetesApiError("kubernetes.kind: %r is not one of %s" % (kind, ", ".join(sorted(RESOURCES))),
                                     field="kubernetes.kind")

    def get(self, kind, namespace, name):
        """The object as the API server has it (a dict), or ``None`` when it does not exist."""
        _version, _plural, api_class, read = self._resource(kind)
        method = getattr(getattr(k8s_client, api_class)(self.api_client), read)
        try:
            model = retry.http_retry()(method)(name, namespace, _request_timeout=REQUEST_TIMEOUT)
        except ApiException as err:
            if err.status == 404:
                return None
            raise api_error(err, "get", subject(kind, namespace, name))
        except _Urllib3Error as err:
            raise api_error(err, "get", subject(kind, namespace, name))
        return self.api_client.sanitize_for_serialization(model)

    def apply(self, body, dry_run=False, force=False, field_manager=FIELD_MANAGER):
        """Server-side apply ``body`` (a dict with apiVersion, kind, metadata.name and .namespace);
        returns the object as the API server answered (as it would be, with ``dry_run``)."""
        kind = body.get("kind")
        meta = body.get("metadata") or {}
        what = subject(kind, meta.get("namespace"), meta.get("name"))
        version, plural, _api_class, _read = self._resource(kind)
        query = []
        if dry_run:
            query.append(("dryRun", "All"))
        query.append(("fieldManager", field_manager))
        query.append(("force", "true" if force else "false"))
        call = retry.http_retry()(self.api_client.call_api)
        try:
            answer = call("/apis/%s/namespaces/{namespace}/%s/{name}" % (version, plural), "PATCH",
                          path_params={"namespace": meta.get("namespace"), "name": meta.get("name")},
                          query_params=query,
                          header_params={"Accept": "application/json", "Content-Type": APPLY_CONTENT_TYPE},
                          body=body, auth_settings=["BearerToken"],
                          # the raw answer, decoded here: the client's own decoding option changed name
                          # between releases (response_type, response_types_map)
                          _return_http_data_only=True, _preload_content=False, _request_timeout=REQUEST_TIMEOUT)
        except (ApiException, _Urllib3Error) as err:
            raise api_error(err, "server-side apply%s of" % (" (dry run)" if dry_run else ""), what,
                            field_manager=field_manager)
        data = answer.data
        return json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
