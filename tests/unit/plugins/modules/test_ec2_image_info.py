# -*- coding: utf-8 -*-
"""ec2_image_info against a moto_server of its own, and with botocore's Stubber where moto cannot show it.

moto 5.2.5 serves the public Amazon Linux parameters per region (a different AMI ID in each) and holds
the images they name, which is what real regions do.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

boto3 = pytest.importorskip("boto3")

from ansible_collections.meridian.global_infra.plugins.modules import ec2_image_info  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    botocore_client,
    fast_retries,
    run_aws_module,
    run_module,
    use_aws_clients,
)

AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


def run(moto_url, region, **args):
    return run_aws_module(ec2_image_info, moto_url, region, args, check=True, diff=False)


def _parameter(moto_url, region, name=AL2023):
    ssm = boto3.client("ssm", region_name=region, endpoint_url=moto_url, aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    return ssm.get_parameter(Name=name)["Parameter"]["Value"]


def test_the_parameter_gives_each_region_its_own_image(moto_url):
    found = {}
    for region in ("us-east-1", "eu-west-1", "eu-central-1"):
        result = run(moto_url, region, ssm_parameter=AL2023, instance_types=["t3.small", "t3.medium"]).result
        assert "failed" not in result, result
        assert result["changed"] is False
        image = result["image"]
        assert image["image_id"] == _parameter(moto_url, region)
        assert image["source"] == "ssm" and image["parameter"] == AL2023 and image["architecture"] == "x86_64"
        assert image["name"].startswith("al2023-ami-")
        assert set(result["instance_types"]) == {"t3.small", "t3.medium"}
        assert all("x86_64" in archs for archs in result["instance_types"].values())
        found[region] = image["image_id"]
    assert len(set(found.values())) == 3, found


def test_an_explicit_id_is_read_back_and_resolve_ssm_is_accepted(moto_url):
    own = _parameter(moto_url, "eu-west-1")
    result = run(moto_url, "eu-west-1", image_id=own, instance_types=["t3.small"]).result
    assert result["image"]["image_id"] == own and result["image"]["source"] == "id"
    result = run(moto_url, "eu-west-1", image_id="resolve:ssm:" + AL2023).result
    assert result["image"]["image_id"] == own and result["image"]["source"] == "ssm"


def test_another_regions_id_fails_naming_the_region(moto_url):
    # The shipped inventories' old mistake: us-east-1's ID used in eu-west-1.
    other = _parameter(moto_url, "us-east-1")
    failed = run(moto_url, "eu-west-1", image_id=other, instance_types=["t3.small"])
    assert isinstance(failed, ModuleFail)
    assert failed.result["msg"] == ("compute_image_ids.eu-west-1 names %s, which is not an image in eu-west-1 (AMI IDs "
                                    "are regional): give the ID of the image in eu-west-1" % other)


def test_an_instance_type_that_cannot_boot_the_image_fails(moto_url):
    failed = run(moto_url, "eu-west-1", ssm_parameter=AL2023, instance_types=["t3.small", "t4g.small"])
    assert isinstance(failed, ModuleFail)
    assert "which instance type t4g.small cannot boot (it runs arm64)" in failed.result["msg"]
    assert "t3.small" not in failed.result["msg"]


def test_a_missing_parameter_fails_naming_the_option(moto_url):
    failed = run(moto_url, "eu-west-1", ssm_parameter="/meridian/images/none")
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == "ssm_parameter"
    assert "SSM parameter /meridian/images/none does not exist in eu-west-1" in failed.result["msg"]


@pytest.mark.parametrize("args, field", [
    ({"image_id": "ami-XYZ"}, "image_id"),
    ({"ssm_parameter": "no spaces allowed"}, "ssm_parameter"),
    ({}, "ssm_parameter"),
])
def test_bad_input_fails_before_any_call(monkeypatch, args, field):
    def no_client(*_args, **_kwargs):
        raise AssertionError("no AWS client may be built for bad input")

    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
    monkeypatch.setattr(AnsibleAWSModule, "client", no_client)
    failed = run("http://127.0.0.1:9", "eu-west-1", **args)
    assert isinstance(failed, ModuleFail)
    assert failed.result["msg"].startswith(field + ":") or failed.result.get("field") == field


def test_throttled_calls_are_retried_and_access_denied_names_the_permission(monkeypatch):
    """moto never throttles: the Stubber throttles GetParameter and DescribeImages once each."""
    from botocore.stub import Stubber

    sleeps = fast_retries(monkeypatch)
    ssm, ec2 = botocore_client("ssm", "eu-west-1"), botocore_client("ec2", "eu-west-1")
    ssm_stub, ec2_stub = Stubber(ssm), Stubber(ec2)
    ssm_stub.activate()
    ec2_stub.activate()
    use_aws_clients(monkeypatch, {"ssm": ssm, "ec2": ec2})
    ssm_stub.add_client_error("get_parameter", "ThrottlingException", "Rate exceeded", 400, expected_params={"Name": AL2023})
    ssm_stub.add_response("get_parameter", {"Parameter": {"Name": AL2023, "Type": "String", "Value": "ami-087fc0fcee2c7570a"}},
                          {"Name": AL2023})
    ec2_stub.add_client_error("describe_images", "RequestLimitExceeded", "Request limit exceeded.", 503,
                              expected_params={"ImageIds": ["ami-087fc0fcee2c7570a"]})
    ec2_stub.add_response("describe_images", {"Images": [{"ImageId": "ami-087fc0fcee2c7570a", "Architecture": "x86_64",
                                                          "State": "available", "Name": "al2023-ami-x"}]},
                          {"ImageIds": ["ami-087fc0fcee2c7570a"]})
    result = run_module(ec2_image_info, {"region": "eu-west-1", "ssm_parameter": AL2023}, check=True).result
    assert "failed" not in result, result
    assert result["image"]["image_id"] == "ami-087fc0fcee2c7570a" and len(sleeps) == 2
    ssm_stub.assert_no_pending_responses()
    ec2_stub.assert_no_pending_responses()

    ssm_stub.add_client_error("get_parameter", "AccessDeniedException", "not authorized", 400, expected_params={"Name": AL2023})
    failed = run_module(ec2_image_info, {"region": "eu-west-1", "ssm_parameter": AL2023}, check=True)
    assert isinstance(failed, ModuleFail) and len(sleeps) == 2
    assert "ssm GetParameter (parameter %s) failed: AccessDeniedException" % AL2023 in failed.result["msg"]
    assert "allow ssm:GetParameter" in failed.result["msg"]
