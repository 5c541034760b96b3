# -*- coding: utf-8 -*-
"""s3_bucket_policy against a moto_server of its own."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

boto3 = pytest.importorskip("boto3")

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.cdn import static_bucket_policy  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.modules import s3_bucket_policy  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    run_aws_module,
)

BUCKET = "meridian-test-static-us-east-1"
ARN = "arn:aws:cloudfront::123456789012:distribution/E1ABCDEF"


def run(moto_url, check=False, **args):
    return run_aws_module(s3_bucket_policy, moto_url, "us-east-1", dict({"bucket": BUCKET}, **args), check=check)


@pytest.fixture(scope="module")
def s3(moto_url):
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=BUCKET)
    client.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    return client


def test_check_put_idempotent_delete(moto_url, s3):
    policy = static_bucket_policy(BUCKET, ARN)
    planned = run(moto_url, check=True, policy=json.dumps(policy))
    assert (planned.result["changed"], planned.result["action"]) == (True, "put")
    assert planned.result["diff"] == {"before": {}, "after": policy}
    with pytest.raises(s3.exceptions.ClientError):
        s3.get_bucket_policy(Bucket=BUCKET)

    put = run(moto_url, policy=json.dumps(policy), expected_bucket_owner="123456789012")
    assert put.result["action"] == "put"
    assert json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"]) == policy

    # the same policy written differently (a one-element list, other key order) is equal
    same = dict(policy, Statement=[dict(policy["Statement"][0], Action=["s3:GetObject"])])
    for check in (True, False):
        again = run(moto_url, check=check, policy=json.dumps(same, sort_keys=False))
        assert (again.result["changed"], again.result["action"]) == (False, "none")

    other = static_bucket_policy(BUCKET, ARN[:-1] + "G")
    assert run(moto_url, check=True, policy=json.dumps(other)).result["action"] == "put"
    assert json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"]) == policy

    assert run(moto_url, state="absent").result["action"] == "delete"
    assert run(moto_url, state="absent").result["changed"] is False
    # the public access block is not touched
    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True


def test_every_call_names_the_expected_owner(monkeypatch):
    """S3 answers AccessDenied when the bucket belongs to another account than ExpectedBucketOwner; moto
    5.2.5 does not check the owner on bucket policies, so the calls are stubbed."""
    from botocore.stub import Stubber

    from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (
        botocore_client,
        fast_retries,
        use_aws_clients,
    )

    fast_retries(monkeypatch)
    client = botocore_client("s3")
    stubber = Stubber(client)
    stubber.activate()
    use_aws_clients(monkeypatch, {"s3": client})
    stubber.add_client_error("get_bucket_policy", "AccessDenied", "Access Denied", 403,
                             expected_params={"Bucket": BUCKET, "ExpectedBucketOwner": "210987654321"})
    failed = run_aws_module(s3_bucket_policy, None, "us-east-1", {"bucket": BUCKET, "expected_bucket_owner": "210987654321",
                                                                  "policy": json.dumps(static_bucket_policy(BUCKET, ARN))})
    assert isinstance(failed, ModuleFail)
    assert failed.result["msg"].startswith("s3 GetBucketPolicy (bucket %s) failed: AccessDenied" % BUCKET)
    stubber.assert_no_pending_responses()

    stubber.add_client_error("get_bucket_policy", "NoSuchBucketPolicy", "none", 404,
                             expected_params={"Bucket": BUCKET, "ExpectedBucketOwner": "123456789012"})
    stubber.add_response("put_bucket_policy", {}, {"Bucket": BUCKET, "ExpectedBucketOwner": "123456789012",
                                                   "Policy": json.dumps(static_bucket_policy(BUCKET, ARN), sort_keys=True)})
    done = run_aws_module(s3_bucket_policy, None, "us-east-1", {"bucket": BUCKET, "expected_bucket_owner": "123456789012",
                                                                "policy": json.dumps(static_bucket_policy(BUCKET, ARN))})
    assert done.result["action"] == "put"
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("args", [{}, {"policy": "not json"}, {"policy": "{}"}])
def test_a_bad_policy_fails_before_any_call(args):
    failed = run_aws_module(s3_bucket_policy, "http://127.0.0.1:9", "us-east-1", dict({"bucket": BUCKET}, **args))
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == "policy"
