# -*- coding: utf-8 -*-
"""The Kubernetes clusters' preflight: every manifest of every inventory is rendered and validated
against the cluster version's schemas before anything is written or applied.

The shipped staging and prod inventories use apply delivery against clusters this machine cannot
reach: their run passes the preflight play on every cluster and then stops at the first call to
the cluster (the kubeconfig points at a closed port), which proves the manifests are valid and that
nothing was applied before the check. Bad input on the local inventory (gitops delivery, into a
throw-away tree) fails in preflight naming the field, and no file is written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil

import pytest
import yaml

from ansible_collections.meridian.global_infra.tests.preflight.playbook import ROOT, run_playbook

CLOSED_KUBECONFIG = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [{"name": "closed", "cluster": {"server": "http://127.0.0.1:9"}}],
    "users": [{"name": "nobody", "user": {}}],
    "contexts": [{"name": "closed", "context": {"cluster": "closed", "user": "nobody"}}],
    "current-context": "closed",
}


def _inventory(tmp_path, env, cluster_overrides=None, group_vars=None):
    """A copy of inventories/<env> whose clusters point at a closed API server and a throw-away tree."""
    inv = tmp_path / env
    shutil.copytree(os.path.join(ROOT, "inventories", env), str(inv))
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(CLOSED_KUBECONFIG))
    path = inv / "group_vars" / "k8s_clusters.yml"
    data = yaml.safe_load(path.read_text())
    data["meridian_kubernetes"].update({"kubeconfig": str(kubeconfig), "context": "closed",
                                        "gitops_dir": str(tmp_path / "gitops")})
    data["meridian_kubernetes"].update(cluster_overrides or {})
    path.write_text(yaml.safe_dump(data))
    if group_vars:
        (inv / "group_vars" / "all" / "zz_test.yml").write_text(yaml.safe_dump(group_vars))
    return str(inv)


def _rendered(tmp_path):
    tree = tmp_path / "gitops"
    return sorted(str(p.relative_to(tree)) for p in tree.rglob("*")) if tree.exists() else []


def _preflight_ok(out, hosts):
    recap = out.split("Deploy the services to every cluster")[0]
    return all(re.search(r"ok: \[%s\] => \(item=routing\)" % re.escape(h), recap) for h in hosts) and "FAILED" not in recap


@pytest.mark.parametrize("env,hosts", [
    ("staging", ["k8s-us-east-1", "k8s-eu-west-1"]),
    ("prod", ["k8s-us-east-1", "k8s-eu-central-1"]),
])
def test_shipped_inventories_validate_and_stop_at_the_cluster(tmp_path, env, hosts):
    rc, out = run_playbook(_inventory(tmp_path, env), "kubernetes.yml")
    assert rc != 0
    assert _preflight_ok(out, hosts), out[-3000:]
    # The first call to the cluster is the server-side apply of the namespace; it fails on the closed
    # port, and nothing was applied before it.
    deploy = out.split("Deploy the services to every cluster")[1]
    first_failure = deploy.split("fatal:")[0]
    assert "Apply them server-side" in first_failure.split("TASK [")[-1]
    assert "Connection refused" in deploy
    assert "changed: [" not in first_failure


def test_bad_override_fails_in_preflight_and_writes_nothing(tmp_path):
    services = yaml.safe_load(open(os.path.join(ROOT, "inventories", "local", "group_vars", "all", "services.yml")))
    web = services["meridian_services"][0]
    web["k8s"]["overrides"] = {"deployment": {"spec": {"template": {"spec": {"terminationGracePeriodSecondz": 30}}}}}
    rc, out = run_playbook(_inventory(tmp_path, "local", group_vars={"meridian_services": services["meridian_services"]}),
                           "kubernetes.yml")
    assert rc != 0
    assert "terminationGracePeriodSecondz" in out
    assert "Deployment/web" in out
    assert "Deploy the services to every cluster" not in out
    assert _rendered(tmp_path) == []


@pytest.mark.parametrize("overrides,field", [
    ({"version": "1.19"}, "meridian_kubernetes.version"),
    ({"delivery": "push"}, "meridian_kubernetes.delivery"),
    ({"zones": []}, "meridian_kubernetes.zones"),
])
def test_bad_cluster_settings_fail_in_preflight(tmp_path, overrides, field):
    rc, out = run_playbook(_inventory(tmp_path, "local", cluster_overrides=overrides), "kubernetes.yml")
    assert rc != 0
    assert field in out
    assert _rendered(tmp_path) == []


def test_unknown_region_of_the_cloud_fails_in_preflight(tmp_path):
    inv = _inventory(tmp_path, "local")
    path = os.path.join(inv, "host_vars", "k8s-eu-west-1.yml")
    data = yaml.safe_load(open(path))
    data["meridian_region"] = "eu-wset-1"
    with open(path, "w") as handle:
        yaml.safe_dump(data, handle)
    rc, out = run_playbook(inv, "kubernetes.yml")
    assert rc != 0
    assert "Check that the cluster's region exists on its cloud" in out and "eu-wset-1" in out
    assert _rendered(tmp_path) == []
