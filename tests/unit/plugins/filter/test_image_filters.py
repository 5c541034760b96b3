# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.meridian.global_infra.plugins.filter.images import FilterModule

FILTERS = FilterModule().filters()
AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"


def test_the_image_filters_are_registered_under_their_names():
    assert sorted(FILTERS) == ["image_plan_errors", "service_artifact_errors"]


def test_image_plan_errors_names_the_field_and_the_fix():
    plan = [{"host": "aws-us-east-1", "region": "us-east-1", "image_id": "ami-0123456789abcdef0", "parameter": AL2023},
            {"host": "aws-eu-west-1", "region": "eu-west-1", "image_id": "ami-0123456789abcdef0", "parameter": AL2023}]
    errors = FILTERS["image_plan_errors"](plan)
    assert len(errors) == 1 and errors[0].startswith("compute_image_ids: ami-0123456789abcdef0 is given for eu-west-1 "
                                                     "and us-east-1")
    assert FILTERS["image_plan_errors"]([dict(plan[0], image_id="")]) == []


def test_a_malformed_input_becomes_a_filter_error():
    with pytest.raises(AnsibleFilterError, match=r"image_plan_errors: _input: must be a list of"):
        FILTERS["image_plan_errors"](["aws-us-east-1"])


def test_service_artifact_errors():
    assert FILTERS["service_artifact_errors"]("", "") == []
    assert FILTERS["service_artifact_errors"]("https://releases.example.com/x", "f" * 64) == []
    assert FILTERS["service_artifact_errors"]("https://releases.example.com/x")[0].startswith(
        "compute_service_artifact_sha256: must be")
