# -*- coding: utf-8 -*-
"""The pure image rules: where a region's image comes from, the same AMI ID in two regions, boot checks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.images import (
    ImageError,
    image_errors,
    image_plan_errors,
    image_source,
    image_summary,
    service_artifact_errors,
)

AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
# DescribeImages as moto 5.2.5 answers for the AL2023 parameter's value in eu-west-1.
IMAGE = {"ImageId": "ami-087fc0fcee2c7570a", "Name": "al2023-ami-2023.12.20260930.0-kernel-6.18-x86_64",
         "Architecture": "x86_64", "State": "available", "OwnerId": "137112412989", "CreationDate": "2026-09-30T00:00:00.000Z"}


def _entry(host, region, image_id="", parameter=AL2023):
    return {"host": host, "region": region, "image_id": image_id, "parameter": parameter}


@pytest.mark.parametrize("image_id,parameter,expected", [
    ("ami-0123456789abcdef0", AL2023, {"kind": "id", "image_id": "ami-0123456789abcdef0"}),
    ("ami-12345678", "", {"kind": "id", "image_id": "ami-12345678"}),
    ("", AL2023, {"kind": "ssm", "parameter": AL2023}),
    ("resolve:ssm:" + AL2023, "", {"kind": "ssm", "parameter": AL2023}),
    ("  ", "/meridian/images/web", {"kind": "ssm", "parameter": "/meridian/images/web"}),
])
def test_image_source(image_id, parameter, expected):
    assert image_source(image_id, parameter, "eu-west-1") == expected


@pytest.mark.parametrize("image_id,parameter,field,words", [
    ("ami-XYZ", AL2023, "compute_image_id", "is not an AMI ID"),
    ("ami-0123", AL2023, "compute_image_id", "is not an AMI ID"),
    ("", "", "compute_image_id", "set compute_image_ids.eu-west-1"),
    ("", "not a parameter!", "compute_image_ssm_parameter", "is not an SSM parameter name"),
    ("resolve:ssm:bad name", "", "compute_image_id", "is not an SSM parameter name"),
])
def test_image_source_refuses_with_the_field(image_id, parameter, field, words):
    with pytest.raises(ImageError) as err:
        image_source(image_id, parameter, "eu-west-1")
    assert err.value.field == field
    assert words in str(err.value)


def test_the_same_explicit_id_in_two_regions_is_refused_naming_the_field_and_the_fix():
    # The shipped inventories before: one ID for three regions.
    errors = image_plan_errors([_entry("aws-us-east-1", "us-east-1", "ami-04681a1dbd79675a5"),
                                _entry("aws-eu-west-1", "eu-west-1", "ami-04681a1dbd79675a5"),
                                _entry("aws-eu-central-1", "eu-central-1", "ami-04681a1dbd79675a5")])
    assert errors == [
        "compute_image_ids: ami-04681a1dbd79675a5 is given for eu-central-1 and eu-west-1 and us-east-1; an AMI ID "
        "names an image in one region only: give each region the ID of its own copy (aws ec2 copy-image), or remove "
        "these entries and let compute_image_ssm_parameter resolve the image in each region"]


def test_the_ssm_parameter_in_every_region_and_own_ids_per_region_pass():
    assert image_plan_errors([_entry("aws-us-east-1", "us-east-1"), _entry("aws-eu-west-1", "eu-west-1")]) == []
    assert image_plan_errors([_entry("aws-us-east-1", "us-east-1", "ami-0d27e0fb3bac4d724"),
                              _entry("aws-eu-west-1", "eu-west-1", "ami-087fc0fcee2c7570a"),
                              _entry("aws-eu-central-1", "eu-central-1")]) == []


def test_one_explicit_id_and_a_parameter_elsewhere_pass_and_bad_entries_name_their_host():
    errors = image_plan_errors([_entry("aws-us-east-1", "us-east-1", "ami-0d27e0fb3bac4d724"),
                                _entry("aws-eu-west-1", "eu-west-1", "ami-nothex", ""),
                                _entry("aws-eu-central-1", "eu-central-1", "", "")])
    assert len(errors) == 2
    assert errors[0].startswith("compute_image_id: 'ami-nothex' for eu-west-1 is not an AMI ID")
    assert errors[0].endswith("(host aws-eu-west-1)")
    assert "no image for eu-central-1" in errors[1] and errors[1].endswith("(host aws-eu-central-1)")


def test_image_errors_for_a_usable_image_are_none():
    source = {"kind": "ssm", "parameter": AL2023, "image_id": IMAGE["ImageId"]}
    assert image_errors(IMAGE, {"t3.small": ["i386", "x86_64"], "t3.medium": ["i386", "x86_64"]}, "eu-west-1", source) == []


def test_image_errors_missing_image_wrong_architecture_and_unknown_type():
    source = {"kind": "id", "image_id": "ami-04681a1dbd79675a5"}
    missing = image_errors(None, {"t3.small": ["x86_64"]}, "eu-west-1", source)
    assert missing == ["compute_image_ids.eu-west-1 names ami-04681a1dbd79675a5, which is not an image in eu-west-1 "
                       "(AMI IDs are regional): give the ID of the image in eu-west-1"]
    errors = image_errors(IMAGE, {"t4g.small": ["arm64"], "t9.huge": None}, "eu-west-1",
                          {"kind": "ssm", "parameter": AL2023, "image_id": IMAGE["ImageId"]})
    assert errors == [
        "SSM parameter %s names ami-087fc0fcee2c7570a (x86_64), which instance type t4g.small cannot boot (it runs "
        "arm64): use an image for arm64 or an instance type for x86_64" % AL2023,
        "instance type t9.huge is not offered in eu-west-1: choose another aws.instance_type in meridian_services",
    ]
    assert "state is deregistered" in image_errors(dict(IMAGE, State="deregistered"), {}, "eu-west-1", source)[0]


def test_image_summary():
    source = {"kind": "ssm", "parameter": AL2023, "image_id": IMAGE["ImageId"]}
    assert image_summary(IMAGE, source) == {
        "image_id": "ami-087fc0fcee2c7570a", "name": IMAGE["Name"], "architecture": "x86_64",
        "creation_date": IMAGE["CreationDate"], "owner_id": "137112412989", "source": "ssm", "parameter": AL2023}


SHA = "a" * 64


@pytest.mark.parametrize("url,sha256,fields", [
    ("", "", []),
    ("https://releases.example.com/meridian/region-service-1.0.0", SHA, []),
    ("", SHA, ["compute_image_artifact_sha256 is set without"]),
    ("http://releases.example.com/x", SHA, ["compute_service_artifact_url: 'http://releases.example.com/x' is not an https:// URL"]),
    ("https://releases.example.com/x", "", ["compute_service_artifact_sha256: must be"]),
    ("https://releases.example.com/x", SHA.upper(), ["compute_service_artifact_sha256: must be"]),
])
def test_service_artifact_errors(url, sha256, fields):
    errors = service_artifact_errors(url, sha256)
    assert len(errors) == len(fields)
    for error, start in zip(errors, fields):
        assert error.startswith(start.replace("compute_image_artifact", "compute_service_artifact"))
