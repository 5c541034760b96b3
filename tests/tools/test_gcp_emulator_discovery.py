# -*- coding: utf-8 -*-
"""The emulator's routing and validation against Google's discovery documents (no server).

The expectations come from the documents themselves (compute.v1.json, storage.v1.json shipped in
google-api-python-client): every method's path routes back to that method, and the enums, types,
patterns and annotations.required of the schemas are what the validator enforces.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "local_stack"))

from gcp_emulator import discovery  # noqa: E402
from gcp_emulator.errors import ApiError  # noqa: E402

COMPUTE = discovery.load("compute")
STORAGE = discovery.load("storage")


def _body_error(api, method_id, body):
    with pytest.raises(ApiError) as caught:
        api.validate_body(api.methods[method_id], body)
    return caught.value


def _sample(name):
    # A value for a path parameter that matches the usual resource-name patterns.
    return "a" + re.sub(r"[^a-z0-9]", "", name.lower())[:20] + "1"


@pytest.mark.parametrize("api", [COMPUTE, STORAGE], ids=["compute", "storage"])
def test_every_method_path_routes_back_to_its_method(api):
    # The path the official clients build for a method is its template with the parameters filled in.
    misrouted = []
    for method in api.methods.values():
        concrete = method.expand({p: _sample(p) for p in method.path_params})
        found, params = api.route(method.http_method, concrete)
        same = (found.http_method, found.path) == (method.http_method, method.path)
        if not same or any(params[p] != _sample(p) for p in method.path_params):
            misrouted.append((method.id, found.id))
    assert len(api.methods) > (900 if api is COMPUTE else 50)
    assert misrouted == []


def test_a_literal_segment_wins_over_a_parameter():
    # projects/{project}/global/networks/{network}/getEffectiveFirewalls is not networks.get
    method, params = COMPUTE.route("GET", "projects/p1/global/networks/n1/getEffectiveFirewalls")
    assert method.id == "compute.networks.getEffectiveFirewalls" and params == {"project": "p1", "network": "n1"}
    method = COMPUTE.route("GET", "projects/p1/aggregated/subnetworks/listUsable")[0]
    assert method.id == "compute.subnetworks.listUsable"


def test_an_unknown_path_is_404_and_a_wrong_verb_405():
    with pytest.raises(ApiError) as caught:
        COMPUTE.route("GET", "projects/p1/global/nonsense/n1")
    assert caught.value.code == 404
    with pytest.raises(ApiError) as caught:
        COMPUTE.route("PUT", "projects/p1/global/networks/n1")
    assert caught.value.code == 405


def test_an_unknown_top_level_field_is_rejected_naming_it():
    err = _body_error(COMPUTE, "compute.networks.insert", {"name": "n1", "autoCreateSubnetwork": False})
    assert (err.code, err.reason) == (400, "invalid")
    assert '"autoCreateSubnetwork"' in err.message and "Cannot find field" in err.message
    assert err.body()["error"]["errors"][0]["reason"] == "invalid"


def test_an_unknown_nested_field_is_rejected_with_its_path():
    body = {"name": "f1", "network": "global/networks/n1", "allowed": [{"IPProtocol": "tcp", "port": ["22"]}]}
    err = _body_error(COMPUTE, "compute.firewalls.insert", body)
    assert "Unknown name \"port\" at 'resource.allowed[0]'" in err.message
    assert err.field == "resource.allowed[0].port"


@pytest.mark.parametrize("schema,field,method_id", [
    ("Firewall", "direction", "compute.firewalls.insert"),
    ("Subnetwork", "stackType", "compute.subnetworks.insert"),
    ("BackendService", "loadBalancingScheme", "compute.backendServices.insert"),
    ("SslPolicy", "minTlsVersion", "compute.sslPolicies.insert"),
    ("SslPolicy", "profile", "compute.sslPolicies.insert"),
    ("TargetHttpsProxy", "quicOverride", "compute.targetHttpsProxies.insert"),
    ("ForwardingRule", "IPProtocol", "compute.globalForwardingRules.insert"),
])
def test_enum_values_come_from_the_document(schema, field, method_id):
    allowed = COMPUTE.schemas[schema]["properties"][field]["enum"]
    for value in allowed:  # every documented value passes
        COMPUTE.validate_body(COMPUTE.methods[method_id], {"name": "x1", field: value})
    err = _body_error(COMPUTE, method_id, {"name": "x1", field: allowed[0].lower() + "-not-a-value"})
    assert err.message.startswith("Invalid value at 'resource.%s' (TYPE_ENUM)" % discovery.snake(field))


def test_a_bad_enum_deep_in_a_referenced_schema_is_rejected():
    body = {"name": "n1", "routingConfig": {"routingMode": "WORLDWIDE"}}
    err = _body_error(COMPUTE, "compute.networks.insert", body)
    assert err.message == "Invalid value at 'resource.routing_config.routing_mode' (TYPE_ENUM), \"WORLDWIDE\""
    assert err.field == "resource.routing_config.routing_mode"


@pytest.mark.parametrize("field,value,type_name", [
    ("priority", "high", "TYPE_INT32"),       # integer/int32 given a word
    ("priority", 2 ** 31, "TYPE_INT32"),      # out of int32 range
    ("priority", True, "TYPE_INT32"),         # a boolean is not an integer
    ("disabled", "yes", "TYPE_BOOL"),
    ("sourceRanges", "10.0.0.0/8", "TYPE_LIST"),
    ("description", 12, "TYPE_STRING"),
    ("logConfig", [], "TYPE_MESSAGE"),
])
def test_wrong_json_types_are_rejected(field, value, type_name):
    err = _body_error(COMPUTE, "compute.firewalls.insert", {"name": "f1", field: value})
    assert "(%s)" % type_name in err.message and discovery.snake(field) in err.message


def test_int64_fields_take_decimal_strings_or_numbers_only():
    assert COMPUTE.schemas["BackendService"]["properties"]["id"]["format"] == "uint64"
    method = COMPUTE.methods["compute.instanceTemplates.insert"]
    props = {"machineType": "e2-small", "disks": [{"diskSizeGb": "20", "boot": True}]}
    COMPUTE.validate_body(method, {"name": "t1", "properties": props})
    props["disks"][0]["diskSizeGb"] = 20
    COMPUTE.validate_body(method, {"name": "t1", "properties": props})
    props["disks"][0]["diskSizeGb"] = "20GB"
    err = _body_error(COMPUTE, "compute.instanceTemplates.insert", {"name": "t1", "properties": props})
    assert err.message == "Invalid value at 'resource.properties.disks[0].disk_size_gb' (TYPE_INT64), \"20GB\""


def test_required_fields_follow_annotations_for_the_method_only():
    # Network.name is required by networks.insert (annotations.required), not by networks.patch.
    assert "compute.networks.insert" in COMPUTE.schemas["Network"]["properties"]["name"]["annotations"]["required"]
    err = _body_error(COMPUTE, "compute.networks.insert", {"autoCreateSubnetworks": False})
    assert (err.code, err.reason, err.message) == (400, "required", "Required field 'resource.name' not specified")
    COMPUTE.validate_body(COMPUTE.methods["compute.networks.patch"], {"mtu": 1500})
    # InstanceGroupManager.targetSize is required on insert; a nested required field (InstanceProperties.machineType)
    err = _body_error(COMPUTE, "compute.regionInstanceGroupManagers.insert", {"name": "g1"})
    assert "resource.target_size" in err.message
    err = _body_error(COMPUTE, "compute.instanceTemplates.insert", {"name": "t1", "properties": {}})
    assert err.message == "Required field 'resource.properties.machine_type' not specified"


def test_every_violation_is_reported_not_only_the_first():
    err = _body_error(COMPUTE, "compute.firewalls.insert", {"nmae": "f1", "direction": "IN", "priority": "x"})
    reasons = [e["reason"] for e in err.body()["error"]["errors"]]
    messages = " | ".join(e["message"] for e in err.body()["error"]["errors"])
    assert reasons == ["invalid", "invalid", "invalid", "required"]
    for part in ('"nmae"', "resource.direction", "resource.priority", "resource.name"):
        assert part in messages


def test_a_property_pattern_is_enforced():
    assert "pattern" in COMPUTE.schemas["Network"]["properties"]["name"]
    err = _body_error(COMPUTE, "compute.networks.insert", {"name": "Bad_Name"})
    assert err.message.startswith("Invalid value for field 'resource.name': 'Bad_Name'. Must be a match of regex")


def test_maps_validate_their_values():
    method = COMPUTE.methods["compute.instanceTemplates.insert"]
    COMPUTE.validate_body(method, {"name": "t1", "properties": {"machineType": "e2", "labels": {"env": "prod"}}})
    err = _body_error(COMPUTE, "compute.instanceTemplates.insert",
                      {"name": "t1", "properties": {"machineType": "e2", "labels": {"env": 3}}})
    assert "resource.properties.labels[env]" in err.message


def test_query_parameters_are_checked_by_the_method():
    method = COMPUTE.methods["compute.networks.list"]
    assert COMPUTE.validate_params(method, {"project": "p1"}, {"maxResults": ["5"], "prettyPrint": ["false"]}) == {
        "project": "p1", "maxResults": 5, "prettyPrint": False}
    with pytest.raises(ApiError) as caught:
        COMPUTE.validate_params(method, {"project": "p1"}, {"maxResult": ["5"]})
    assert 'Unknown name "maxResult"' in caught.value.message and caught.value.reason == "invalid"
    with pytest.raises(ApiError) as caught:
        COMPUTE.validate_params(method, {"project": "p1"}, {"maxResults": ["five"]})
    assert "maxResults" in caught.value.message
    with pytest.raises(ApiError) as caught:  # the project pattern of the document
        COMPUTE.validate_params(method, {"project": "Bad_Project"}, {})
    assert "project" in caught.value.message


def test_a_required_query_parameter_and_a_boolean_one():
    method = STORAGE.methods["storage.buckets.insert"]
    with pytest.raises(ApiError) as caught:
        STORAGE.validate_params(method, {}, {})
    assert (caught.value.reason, caught.value.message) == ("required", "Required parameter: project")
    with pytest.raises(ApiError) as caught:
        STORAGE.validate_params(method, {}, {"project": ["p1"], "enableObjectRetention": ["maybe"]})
    assert "enableObjectRetention" in caught.value.message
    with pytest.raises(ApiError) as caught:
        STORAGE.validate_params(method, {}, {"project": ["p1"], "projection": ["everything"]})
    assert "projection" in caught.value.message


def test_storage_bodies_are_validated_too():
    err = _body_error(STORAGE, "storage.buckets.insert", {"name": "b1", "versioning": {"enable": True}})
    assert 'Unknown name "enable"' in err.message
    err = _body_error(STORAGE, "storage.buckets.insert", {"location": "EU"})
    assert err.reason == "required" and "resource.name" in err.message
