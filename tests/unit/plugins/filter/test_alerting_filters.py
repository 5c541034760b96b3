# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.meridian.global_infra.plugins.filter.alerting import FilterModule
from ansible_collections.meridian.global_infra.plugins.filter.slo import FilterModule as SloFilters

FILTERS = FilterModule().filters()


def test_every_filter_is_registered_and_documented():
    import os
    here = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "filter")
    for name in FILTERS:
        assert os.path.exists(os.path.join(here, name + ".yml")), name


def test_errors_are_lists_and_bad_input_is_a_filter_error():
    assert FILTERS["sns_subscription_errors"]([{"protocol": "email", "endpoint": "x@example.com"}]) == []
    assert FILTERS["alertmanager_receiver_errors"]({"critical": {"webhook_configs": [{}]}}) == [
        "monitoring_alertmanager_severity_receivers.critical.webhook_configs[0].url: is required "
        "(the endpoint that receives the alerts as JSON)"]
    with pytest.raises(AnsibleFilterError, match="alertmanager_target_groups: monitoring_alertmanager_targets\\[0\\]"):
        FILTERS["alertmanager_target_groups"](["nohost"])
    with pytest.raises(AnsibleFilterError, match="sns_topic_policy: topic_arn"):
        FILTERS["sns_topic_policy"]("arn:aws:sqs:x", "p-")


def test_receivers_and_missing():
    receivers = FILTERS["alertmanager_receivers"](["global"], ["critical"], {"critical": {"webhook_configs": [{"url": "https://x"}]}})
    assert [r["name"] for r in receivers] == ["default", "global-critical"]
    assert FILTERS["alertmanager_receivers_missing"](receivers, ["critical"]) == []


def test_slo_rule_groups_adds_the_absence_group_when_asked():
    slos = [{"name": "db", "type": "replication_lag", "service": "db", "lag_metric": "lag_seconds", "max_seconds": 30}]
    groups = SloFilters().filters()["slo_rule_groups"](slos, scrape_jobs=["db-us-east-1"], push_jobs=[])["groups"]
    assert [r["alert"] for r in groups[-1]["rules"]] == ["DbDataMissing", "MeridianScrapeTargetDown"]
