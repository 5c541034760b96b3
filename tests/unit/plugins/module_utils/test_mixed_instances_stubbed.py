# -*- coding: utf-8 -*-
"""The mixed instances policy against EC2 Auto Scaling's own API model (botocore's Stubber).

moto 5.2.5 returns a mixed group's policy exactly as it was given and accepts values AWS refuses,
so two things are shown here instead: the request built from the plan (the way
amazon.aws.autoscaling_group turns its options into the API's) passes botocore's validation of
CreateAutoScalingGroup, and a DescribeAutoScalingGroups answer in AWS's shape (the template only
inside the policy, the distribution's defaults filled in: SpotInstancePools, an empty SpotMaxPrice),
read as autoscaling_group_info reads it, is no drift. Nothing reaches the network.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import os

import botocore.session
import pytest
import yaml
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict, snake_dict_to_camel_dict
from botocore.stub import Stubber

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.compute import asg_drift, mixed_instances_policy
from ansible_collections.meridian.global_infra.plugins.module_utils.services.catalogue import catalogue

HERE = os.path.dirname(__file__)
with open(os.path.join(HERE, "..", "..", "..", "..", "inventories", "local", "group_vars", "all", "services.yml")) as _h:
    SERVICES = catalogue(yaml.safe_load(_h)["meridian_services"], "meridian", "local")
MIXED = [s for s in SERVICES if mixed_instances_policy(s)]
SUBNETS = ["subnet-1", "subnet-2"]
TAGS = {"meridian:env": "local"}


@pytest.fixture
def autoscaling():
    client = botocore.session.get_session().create_client(
        "autoscaling", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber


def _request(service, policy):
    """CreateAutoScalingGroup's parameters as amazon.aws.autoscaling_group builds them from its options."""
    spec = {"LaunchTemplateId": "lt-0123456789abcdef0", "Version": "$Latest"}
    return {
        "AutoScalingGroupName": service["target_name"], "MinSize": 1, "MaxSize": service["capacity"]["max"],
        "DesiredCapacity": 1, "VPCZoneIdentifier": ",".join(SUBNETS),
        "MixedInstancesPolicy": {
            "LaunchTemplate": {"LaunchTemplateSpecification": spec,
                               "Overrides": [{"InstanceType": t} for t in policy["instance_types"]]},
            "InstancesDistribution": snake_dict_to_camel_dict(policy["instances_distribution"], capitalize_first=True),
        },
    }


def _aws_group(service, policy):
    """A mixed group as DescribeAutoScalingGroups returns it on AWS (no top-level LaunchTemplate)."""
    distribution = snake_dict_to_camel_dict(policy["instances_distribution"], capitalize_first=True)
    distribution.update(SpotInstancePools=2, SpotMaxPrice="")
    name = service["target_name"]
    return {
        "AutoScalingGroupName": name, "AutoScalingGroupARN": "arn:aws:autoscaling:us-east-1:123456789012:group/" + name,
        "MixedInstancesPolicy": {
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateId": "lt-0123456789abcdef0", "LaunchTemplateName": name,
                                                "Version": "$Latest"},
                "Overrides": [{"InstanceType": t} for t in policy["instance_types"]]},
            "InstancesDistribution": distribution},
        "MinSize": service["capacity"]["min"], "MaxSize": service["capacity"]["max"],
        "DesiredCapacity": service["capacity"]["initial"], "DefaultCooldown": 300,
        "AvailabilityZones": ["us-east-1a", "us-east-1b"], "HealthCheckType": "ELB", "HealthCheckGracePeriod": 120,
        "CreatedTime": datetime.datetime(2026, 1, 1), "VPCZoneIdentifier": ",".join(SUBNETS),
        "TargetGroupARNs": ["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/%s/1" % name],
        "EnabledMetrics": [{"Metric": "GroupInServiceInstances", "Granularity": "1Minute"}],
        "Tags": [{"ResourceId": name, "ResourceType": "auto-scaling-group", "Key": k, "Value": v, "PropagateAtLaunch": True}
                 for k, v in dict(TAGS, **{"Name": name, "meridian:service": service["name"]}).items()],
    }


def test_the_local_inventory_has_a_mixed_service():
    assert MIXED, "inventories/local gives no service an instance mix"


@pytest.mark.parametrize("service", MIXED, ids=lambda s: s["name"])
def test_the_planned_policy_is_a_valid_create_request(autoscaling, service):
    client, stubber = autoscaling
    request = _request(service, mixed_instances_policy(service))
    stubber.add_response("create_auto_scaling_group", {}, request)
    client.create_auto_scaling_group(**copy.deepcopy(request))  # botocore validates names and types first
    stubber.assert_no_pending_responses()
    distribution = request["MixedInstancesPolicy"]["InstancesDistribution"]
    assert distribution["SpotAllocationStrategy"] == "capacity-optimized" and "SpotMaxPrice" not in distribution
    assert 0 <= distribution["OnDemandPercentageAboveBaseCapacity"] <= 100


@pytest.mark.parametrize("service", MIXED, ids=lambda s: s["name"])
def test_an_aws_shaped_read_back_is_no_drift(autoscaling, service):
    client, stubber = autoscaling
    policy = mixed_instances_policy(service)
    stubber.add_response("describe_auto_scaling_groups", {"AutoScalingGroups": [_aws_group(service, policy)]},
                         {"AutoScalingGroupNames": [service["target_name"]]})
    raw = client.describe_auto_scaling_groups(AutoScalingGroupNames=[service["target_name"]])["AutoScalingGroups"][0]
    group = camel_dict_to_snake_dict(raw)  # what autoscaling_group_info returns
    group["target_group_names"] = [service["target_name"]]
    assert "launch_template" not in group
    assert asg_drift([group], [service], SUBNETS, TAGS) == {}
    raw["MixedInstancesPolicy"]["InstancesDistribution"]["OnDemandBaseCapacity"] += 1
    drift = asg_drift([camel_dict_to_snake_dict(dict(raw, TargetGroupARNs=[]))], [service], SUBNETS, TAGS)
    assert "mixed_instances" in drift[service["name"]]["differs"]
