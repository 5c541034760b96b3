# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleLookupError

from ansible_collections.meridian.global_infra.plugins.lookup.region_select import LookupModule


def test_keyword_options():
    result = LookupModule().run([], markets=["JP"], regions=1, max_cities_per_market=10)
    assert isinstance(result, list) and len(result) == 1
    entry = result[0]["regions"][0]
    assert entry["provider"] in ("aws", "gcp")
    assert entry["markets"] == ["JP"]
    assert entry["failover_region"]


def test_mapping_term_and_keyword_override():
    spec = {"markets": ["BR"], "regions": 1, "providers": ["gcp"], "max_cities_per_market": 10}
    result = LookupModule().run([spec], providers=["aws"])[0]
    assert result["regions"][0]["provider"] == "aws"
    assert result["regions"][0]["region"] == "sa-east-1"


def test_errors_name_the_field():
    with pytest.raises(AnsibleLookupError, match=r"markets\[0\]: unknown country code"):
        LookupModule().run([], markets=["QQ"])
    with pytest.raises(AnsibleLookupError, match="unknown option colour"):
        LookupModule().run([], markets=["DE"], colour="red")
    with pytest.raises(AnsibleLookupError, match="term 0 must be a mapping"):
        LookupModule().run(["DE"])
