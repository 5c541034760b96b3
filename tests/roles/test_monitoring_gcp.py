# -*- coding: utf-8 -*-
"""The Prometheus configuration the monitoring role writes for an estate of one aws and two gcp regions
(playbooks/monitoring.yml on tests/roles/fixtures/monitoring_gcp, nothing cloud-side): with the clouds'
discovery the gcp regions get gce_sd_configs per zone, relabelled like the ec2 jobs; with file discovery
they get file_sd targets like the aws region; the SLO rules cover every region; promtool accepts it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INVENTORY = os.path.join(ROOT, "tests", "roles", "fixtures", "monitoring_gcp", "hosts.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
PROMTOOL = shutil.which("promtool")


def render(tmp_path, *extra):
    args = [ANSIBLE_PLAYBOOK, "-i", INVENTORY, os.path.join(ROOT, "playbooks", "monitoring.yml"),
            "-e", "monitoring_prometheus_dir=%s" % tmp_path, "-e", "ansible_python_interpreter=" + sys.executable,
            "-e", "monitoring_validate=%s" % bool(PROMTOOL)] + list(extra)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "gcp) has no cloud-side alarms" in proc.stdout
    with open(os.path.join(str(tmp_path), "prometheus.yml")) as handle:
        config = yaml.safe_load(handle)
    if PROMTOOL:
        check = subprocess.run([PROMTOOL, "check", "config", os.path.join(str(tmp_path), "prometheus.yml")],
                               capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
    return dict((job["job_name"], job) for job in config["scrape_configs"])


def test_gcp_regions_are_discovered_by_gce_sd_and_ruled_like_aws(tmp_path):
    jobs = render(tmp_path)
    assert sorted(jobs) == ["prometheus", "web-eu-west-1", "web-europe-west1", "web-us-east1"]
    assert "ec2_sd_configs" in jobs["web-eu-west-1"] and "gce_sd_configs" not in jobs["web-eu-west-1"]
    gce = jobs["web-europe-west1"]
    assert [c["zone"] for c in gce["gce_sd_configs"]] == ["europe-west1-b", "europe-west1-c", "europe-west1-d"]
    assert all(c["project"] == "meridian-rolestest" and c["port"] == 8080 for c in gce["gce_sd_configs"])
    assert gce["gce_sd_configs"][0]["filter"] == '(name eq "meridian-rolestest-web-[a-z0-9]{4}") (status eq "RUNNING")'
    relabel = gce["relabel_configs"]
    assert relabel[0] == {"source_labels": ["__meta_gce_tags"], "regex": ".*,meridian-rolestest-app,.*", "action": "keep"}
    labels = dict((r["target_label"], r.get("replacement")) for r in relabel[1:])
    ec2_labels = dict((r["target_label"], r.get("replacement")) for r in jobs["web-eu-west-1"]["relabel_configs"])
    assert sorted(labels) == sorted(ec2_labels) == ["instance", "region", "service", "zone"]
    assert (labels["service"], labels["region"]) == ("web", "europe-west1")
    assert [c["zone"] for c in jobs["web-us-east1"]["gce_sd_configs"]] == ["us-east1-b", "us-east1-c", "us-east1-d"]
    with open(os.path.join(str(tmp_path), "rules", "meridian_slo.yml")) as handle:
        rules = handle.read()
    for job in ("web-eu-west-1", "web-europe-west1", "web-us-east1"):
        assert job in rules  # the data-absent alerts of every scrape job


def test_file_discovery_gives_gcp_regions_file_sd_targets(tmp_path):
    jobs = render(tmp_path, "-e", "monitoring_discovery=file", "-e", '{"monitoring_gcp_zones": {}}')
    for region in ("eu-west-1", "europe-west1", "us-east1"):
        job = jobs["web-" + region]
        assert "gce_sd_configs" not in job and "ec2_sd_configs" not in job
        (files,) = job["file_sd_configs"]
        assert files["files"] == [os.path.join(str(tmp_path), "file_sd", "web-%s.json" % region)]
        with open(files["files"][0]) as handle:
            assert json.load(handle) == [{"targets": ["127.0.0.1:8080"], "labels": {"service": "web", "region": region}}]
