# -*- coding: utf-8 -*-
"""clients/gce with the real compute_v1 REST client against scripted HTTP answers on 127.0.0.1.

The official client builds every request and parses every answer; the tests assert what goes on the
wire (method, path, body), that operations are waited on, which errors are retried (429, 5xx,
rateLimitExceeded) and which are not, and the one message an error becomes (resource, status, reason,
the option of the field Google names).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gce  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.gce import resources  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import options_of  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import fast_retries  # noqa: E402

PROJECT = "meridian-test"
BASE = "/compute/v1/projects/meridian-test"


def _op(name, status="DONE", scope="global", error=None):
    op = {"kind": "compute#operation", "name": name, "status": status,
          "selfLink": "http://x%s/%s/operations/%s" % (BASE, scope, name)}
    if scope.startswith("regions/"):
        op["region"] = "http://x%s/%s" % (BASE, scope)
    if error:
        op.update(error)
    return op


def _error(code, reason, message):
    return code, {"error": {"code": code, "message": message, "errors": [
        {"domain": "global", "reason": reason, "message": message}]}}


class Scripted:
    """A 127.0.0.1 HTTP server answering from a script: (method, path) -> list of (status, body)."""

    def __init__(self):
        self.script = {}
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                outer.requests.append((self.command, path, json.loads(body) if body else None))
                answers = outer.script.get((self.command, path))
                status, payload = answers.pop(0) if answers else _error(404, "notFound", "not scripted")
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def on(self, method, path, *answers):
        self.script.setdefault((method, BASE + path), []).extend(answers)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api(monkeypatch):
    fast_retries(monkeypatch)
    server = Scripted()
    yield server
    server.close()


def client_for(api, kind="subnetwork"):
    params = {"project": PROJECT, "auth_kind": "none", "api_endpoint": api.url}
    return gce.GceClient.from_params(params, options=options_of(resources.KINDS[kind]))


def test_get_returns_the_api_dict_and_none_on_404(api):
    network = {"kind": "compute#network", "name": "vpc", "id": "12", "autoCreateSubnetworks": False, "mtu": 1460}
    api.on("GET", "/global/networks/vpc", (200, network))
    client = client_for(api, "network")
    assert client.get("network", "vpc") == {"kind": "compute#network", "name": "vpc", "id": "12",
                                            "autoCreateSubnetworks": False, "mtu": 1460}
    assert client.get("network", "missing") is None


def test_regional_insert_sends_the_body_and_waits_for_the_operation(api):
    api.on("POST", "/regions/europe-west1/subnetworks", (200, _op("op-1", "RUNNING", "regions/europe-west1")))
    api.on("POST", "/regions/europe-west1/operations/op-1/wait", (200, _op("op-1", "DONE", "regions/europe-west1")))
    api.on("GET", "/regions/europe-west1/operations/op-1", (200, _op("op-1", "DONE", "regions/europe-west1")))
    body = {"name": "app", "network": "projects/meridian-test/global/networks/vpc", "ipCidrRange": "10.20.0.0/20",
            "secondaryIpRanges": [{"rangeName": "pods", "ipCidrRange": "10.64.0.0/14"}]}
    client_for(api).insert("subnetwork", body, "europe-west1")
    method, path, sent = api.requests[0]
    assert (method, path, sent) == ("POST", BASE + "/regions/europe-west1/subnetworks", body)
    # the RUNNING operation was polled on the regional operations service until DONE
    assert any("/regions/europe-west1/operations/op-1" in r[1] for r in api.requests[1:])


def test_operation_error_becomes_one_message_naming_the_option(api):
    failed = {"httpErrorStatusCode": 400, "httpErrorMessage": "BAD REQUEST", "error": {"errors": [
        {"code": "INVALID_USAGE", "message": "Invalid value for field 'resource.ipCidrRange': '10.20.0.0/33'."}]}}
    api.on("POST", "/regions/europe-west1/subnetworks", (200, _op("op-2", "DONE", "regions/europe-west1", failed)))
    with pytest.raises(gce.GceApiError) as err:
        client_for(api).insert("subnetwork", {"name": "app", "ipCidrRange": "10.20.0.0/33"}, "europe-west1")
    text = str(err.value)
    assert text.startswith("create subnetwork app (project meridian-test, region europe-west1) failed: 400")
    assert "(option ip_cidr_range)" in text
    assert err.value.field == "ip_cidr_range"


@pytest.mark.parametrize("first", [
    (429, {"error": {"code": 429, "message": "Too many", "errors": [{"reason": "rateLimitExceeded", "message": "x"}]}}),
    (503, {"error": {"code": 503, "message": "backend", "errors": [{"reason": "backendError", "message": "y"}]}}),
    (403, {"error": {"code": 403, "message": "Rate Limit Exceeded",
                     "errors": [{"reason": "rateLimitExceeded", "message": "Rate Limit Exceeded"}]}}),
])
def test_throttling_and_transient_errors_are_retried(api, first):
    api.on("GET", "/global/firewalls/fw", first, (200, {"name": "fw", "priority": 1000}))
    assert client_for(api, "firewall").get("firewall", "fw") == {"name": "fw", "priority": 1000}
    assert [r[1] for r in api.requests] == [BASE + "/global/firewalls/fw"] * 2


def test_other_errors_are_not_retried_and_name_the_resource_and_field(api):
    message = "Invalid value for field 'resource.sourceRanges[0]': '10.0.0.1/8'. Must be a CIDR."
    api.on("POST", "/global/firewalls", _error(400, "invalid", message))
    with pytest.raises(gce.GceApiError) as err:
        client_for(api, "firewall").insert("firewall", {"name": "fw", "sourceRanges": ["10.0.0.1/8"]})
    assert len(api.requests) == 1
    assert err.value.field == "source_ranges"
    assert (err.value.status, err.value.reason) == (400, "invalid")
    assert "create firewall fw (project meridian-test) failed: 400 invalid: Invalid value" in str(err.value)


def test_retries_stop_after_the_policy_s_attempts(api, monkeypatch):
    from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry

    monkeypatch.setattr(retry, "RETRIES", 3)
    api.on("GET", "/global/networks/vpc", *[_error(503, "backendError", "unavailable")] * 5)
    with pytest.raises(gce.GceApiError) as err:
        client_for(api, "network").get("network", "vpc")
    assert len(api.requests) == 3
    assert "still failing after 3 attempts" in str(err.value)


@pytest.mark.parametrize("code, reason, hint", [
    (409, "alreadyExists", "created meanwhile"),
    (412, "conditionNotMet", "stale fingerprint"),
    (403, "forbidden", "roles/compute.networkAdmin"),
])
def test_conflicts_and_permissions_say_what_to_do(api, code, reason, hint):
    api.on("PATCH", "/regions/europe-west1/subnetworks/app", _error(code, reason, "nope"))
    with pytest.raises(gce.GceApiError) as err:
        client_for(api).patch("subnetwork", "app", {"name": "app", "fingerprint": "old="}, "europe-west1")
    assert hint in str(err.value)
    assert api.requests[0][2] == {"name": "app", "fingerprint": "old="}


def test_not_implemented_is_not_retried(api):
    api.on("POST", "/regions/europe-west1/subnetworks/app/expandIpCidrRange",
           _error(501, "notImplemented", "not implemented"), (200, _op("op-6", "DONE", "regions/europe-west1")))
    with pytest.raises(gce.GceApiError) as err:
        client_for(api).expand_ip_cidr_range("subnetwork", "app", "10.20.0.0/19", "europe-west1")
    assert (len(api.requests), err.value.status) == (1, 501)


def test_dedicated_calls_and_firewall_put(api):
    api.on("POST", "/regions/europe-west1/subnetworks/app/expandIpCidrRange",
           (200, _op("op-2", "DONE", "regions/europe-west1")))
    api.on("POST", "/regions/europe-west1/subnetworks/app/setPrivateIpGoogleAccess",
           (200, _op("op-3", "DONE", "regions/europe-west1")))
    api.on("PUT", "/global/firewalls/fw", (200, _op("op-4")))
    api.on("DELETE", "/global/networks/vpc", (200, _op("op-5")))
    client = client_for(api)
    client.expand_ip_cidr_range("subnetwork", "app", "10.20.0.0/19", "europe-west1")
    client.set_private_ip_google_access("subnetwork", "app", True, "europe-west1")
    client.update("firewall", "fw", {"name": "fw", "allowed": [{"IPProtocol": "tcp", "ports": ["443"]}]})
    client.delete("network", "vpc")
    assert [(r[0], r[1].replace(BASE, ""), r[2]) for r in api.requests] == [
        ("POST", "/regions/europe-west1/subnetworks/app/expandIpCidrRange", {"ipCidrRange": "10.20.0.0/19"}),
        ("POST", "/regions/europe-west1/subnetworks/app/setPrivateIpGoogleAccess", {"privateIpGoogleAccess": True}),
        ("PUT", "/global/firewalls/fw", {"name": "fw", "allowed": [{"IPProtocol": "tcp", "ports": ["443"]}]}),
        ("DELETE", "/global/networks/vpc", None)]


def test_unreachable_endpoint_names_api_endpoint(monkeypatch):
    fast_retries(monkeypatch)
    client = gce.GceClient.from_params({"project": PROJECT, "auth_kind": "none", "api_endpoint": "http://127.0.0.1:9"})
    with pytest.raises(gce.GceApiError) as err:
        client.get("network", "vpc")
    assert err.value.field == "api_endpoint"


@pytest.mark.parametrize("params, field", [
    ({"auth_kind": "serviceaccount"}, "service_account_file"),
    ({"auth_kind": "serviceaccount", "service_account_file": "/nonexistent/key.json"}, "service_account_file"),
    ({"auth_kind": "accesstoken"}, "access_token"),
])
def test_credentials_options_are_named(params, field):
    with pytest.raises(gce.GceApiError) as err:
        gce.GceClient.from_params(dict(params, project=PROJECT))
    assert err.value.field == field


def test_access_token_is_sent_as_bearer(api):
    seen = []

    api.on("GET", "/global/networks/vpc", (200, {"name": "vpc"}))
    original = api.server.RequestHandlerClass._answer

    def spy(handler):
        seen.append(handler.headers.get("Authorization"))
        return original(handler)

    api.server.RequestHandlerClass.do_GET = spy
    client = gce.GceClient.from_params({"project": PROJECT, "auth_kind": "accesstoken", "access_token": "ya29.t0ken",
                                        "api_endpoint": api.url})
    client.get("network", "vpc")
    assert seen == ["Bearer ya29.t0ken"]


@pytest.mark.parametrize("message, field", [
    ("Invalid value at 'resource.direction' (TYPE_ENUM), \"SIDEWAYS\"", "direction"),
    ("Invalid JSON payload received. Unknown name \"sourceRange\" at 'resource': Cannot find field.", "sourceRange"),
    ("Required field 'resource.network' not specified", "network"),
    ("Invalid value for field 'resource.targetTags[0]': 'Web'. Must be a match of regex", "target_tags"),
])
def test_the_field_google_names_becomes_the_option(api, message, field):
    api.on("POST", "/global/firewalls", _error(400, "invalid", message))
    with pytest.raises(gce.GceApiError) as err:
        client_for(api, "firewall").insert("firewall", {"name": "fw"})
    assert err.value.field == field
    assert str(err.value).endswith("(option %s)" % field)
