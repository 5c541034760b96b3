# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.meridian.global_infra.plugins.filter.aws_stack import FilterModule as StackFilters
from ansible_collections.meridian.global_infra.plugins.filter.residency import FilterModule as ResidencyFilters

STACK = StackFilters().filters()
RESIDENCY = ResidencyFilters().filters()

BUCKETS = [
    {"name": "static", "data_class": "operational", "encryption": "AES256", "replicate": True, "noncurrent_days": 30},
    {"name": "user-data", "data_class": "pii", "encryption": "aws:kms", "replicate": True, "noncurrent_days": 90},
]


def test_the_stack_filters_are_registered_under_their_names():
    assert sorted(STACK) == ["alb_listeners", "asg_drift", "asg_tags", "bucket_drift", "cloudfront_bucket_policy",
                             "cloudfront_drift", "cloudfront_settings", "launch_instance_types", "launch_template_drift",
                             "mixed_instances_errors", "mixed_instances_policy", "security_group_exposure",
                             "stale_target_tracking_policies", "target_tracking_policy"]
    assert sorted(RESIDENCY) == ["bucket_layout", "residency_violations"]


def test_a_plan_error_becomes_a_filter_error_naming_the_field():
    with pytest.raises(AnsibleFilterError, match=r"asg_drift: autoscaling_groups"):
        STACK["asg_drift"]({"results": []}, [], [], {})
    with pytest.raises(AnsibleFilterError, match="cdn_minimum_protocol_version"):
        STACK["cloudfront_settings"]("n", "alb.example", "bucket", "us-east-1", minimum_protocol_version="TLSv1_2016")
    with pytest.raises(AnsibleFilterError, match="cloudfront_bucket_policy: distribution_arn"):
        STACK["cloudfront_bucket_policy"]("bucket", "")


def test_cloudfront_bucket_policy_filter():
    arn = "arn:aws:cloudfront::123456789012:distribution/E1ABC"
    policy = STACK["cloudfront_bucket_policy"]("bucket", arn)
    assert policy["Statement"][0]["Condition"] == {"StringEquals": {"AWS:SourceArn": arn}}


def test_pii_replicated_from_eu_west_1_to_us_east_1_is_a_violation():
    layout = RESIDENCY["bucket_layout"](BUCKETS, "meridian-local", "eu-west-1", "us-east-1")
    assert [b["bucket"] for b in layout] == ["meridian-local-static-eu-west-1", "meridian-local-user-data-eu-west-1"]
    violations = RESIDENCY["residency_violations"](layout, "eu-west-1", "us-east-1")
    assert [(v["name"], v["data_class"], v["from"], v["to"]) for v in violations] == [("user-data", "pii", "IE", "US")]


def test_pii_replicated_inside_the_eu_is_allowed():
    layout = RESIDENCY["bucket_layout"](BUCKETS, "meridian-local", "eu-west-1", "eu-central-1")
    assert RESIDENCY["residency_violations"](layout, "eu-west-1", "eu-central-1") == []


def test_an_unknown_failover_region_is_a_filter_error():
    layout = RESIDENCY["bucket_layout"](BUCKETS, "meridian-local", "eu-west-1", "eu-nowhere-1")
    with pytest.raises(AnsibleFilterError, match="meridian_failover_region"):
        RESIDENCY["residency_violations"](layout, "eu-west-1", "eu-nowhere-1")


def test_a_bad_bucket_is_a_filter_error_naming_the_field():
    with pytest.raises(AnsibleFilterError, match=r"bucket_layout: meridian_buckets\[0\]\.encryption"):
        RESIDENCY["bucket_layout"]([dict(BUCKETS[0], encryption="des")], "meridian-local", "eu-west-1", "us-east-1")


def test_a_database_replica_is_judged_by_the_same_filter():
    database = [{"name": "meridian-local-db", "data_class": "pii", "field": "meridian_database.data_class"}]
    violations = RESIDENCY["residency_violations"](database, "eu-west-1", "us-east-1")
    assert [(v["name"], v["data_class"], v["jurisdiction"]) for v in violations] == [("meridian-local-db", "pii", "EU")]
    assert RESIDENCY["residency_violations"](database, "us-east-1", "eu-west-1") == []


def test_a_database_without_data_class_is_a_filter_error_naming_the_variable():
    with pytest.raises(AnsibleFilterError, match=r"residency_violations: meridian_database\.data_class: no data class"):
        RESIDENCY["residency_violations"]([{"name": "db", "field": "meridian_database.data_class"}], "eu-west-1", "us-east-1")


def test_buckets_not_replicated_are_not_judged():
    layout = RESIDENCY["bucket_layout"]([dict(BUCKETS[1], replicate=False)], "meridian-local", "eu-west-1", "us-east-1")
    assert RESIDENCY["residency_violations"](layout, "eu-west-1", "us-east-1") == []
