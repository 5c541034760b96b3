# -*- coding: utf-8 -*-
"""k8s.gitops.plan_component: the files of one component in the tree (pure; texts in, texts out)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.k8s import layout
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.gitops import (
    GitopsError,
    current_manifests,
    diff,
    plan_component,
)

CLUSTER = "local-eu-west-1"
NS = "meridian-local"
DIR = "%s/%s" % (CLUSTER, NS)


def obj(kind, name, component, namespace=NS, **spec):
    meta = {"name": name, "annotations": {"meridian.global_infra/component": component}}
    if kind != "Namespace":
        meta["namespace"] = namespace
    return {"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": spec}


def compute(replicas=2):
    return [obj("Deployment", "web", "compute", replicas=replicas), obj("Service", "web", "compute")]


def apply(current, plan):
    """The tree after a plan (a dict of path -> text)."""
    tree = dict(current)
    for path in plan["deletes"]:
        del tree[path]
    tree.update(plan["writes"])
    return tree


def fresh(component, manifests, current=None, namespaces=()):
    return plan_component(CLUSTER, NS, component, manifests, current or {}, namespaces)


def test_first_render_writes_the_files_and_both_kustomizations():
    plan = fresh("compute", compute())
    assert plan["files"] == [CLUSTER + "/kustomization.yaml", DIR + "/deployment-web.yaml", DIR + "/kustomization.yaml",
                             DIR + "/service-web.yaml"]
    assert plan["deletes"] == [] and plan["remove_dirs"] == []
    assert plan["writes"][DIR + "/deployment-web.yaml"] == layout.dump(compute()[0])
    assert layout.load(plan["writes"][DIR + "/kustomization.yaml"])["resources"] == ["deployment-web.yaml",
                                                                                     "service-web.yaml"]
    assert layout.load(plan["writes"][CLUSTER + "/kustomization.yaml"])["resources"] == [NS]
    assert all(plan["before"][path] is None for path in plan["files"])


def test_an_unchanged_tree_gives_an_empty_plan_and_identical_text():
    tree = apply({}, fresh("compute", compute()))
    again = fresh("compute", compute(), tree)
    assert again["files"] == [] and again["writes"] == {} and again["deletes"] == []
    assert apply(tree, again) == tree
    # the same input renders the same bytes
    assert fresh("compute", compute())["writes"] == fresh("compute", compute())["writes"]


def test_a_changed_object_rewrites_only_its_file():
    tree = apply({}, fresh("compute", compute()))
    plan = fresh("compute", compute(replicas=3), tree)
    assert plan["files"] == [DIR + "/deployment-web.yaml"]
    assert plan["before"][DIR + "/deployment-web.yaml"] == tree[DIR + "/deployment-web.yaml"]
    [entry] = diff(plan)
    assert entry["before_header"] == entry["after_header"] == DIR + "/deployment-web.yaml"
    assert "replicas: 2" in entry["before"] and "replicas: 3" in entry["after"]


def test_a_stale_file_of_the_component_is_removed_and_other_components_are_kept():
    tree = apply({}, fresh("compute", compute()))
    tree = apply(tree, fresh("routing", [obj("DestinationRule", "web", "routing")], tree))
    tree[DIR + "/notes.yaml"] = "hand: written\n"  # not the collection's: kept, and listed
    plan = fresh("compute", compute()[:1], tree)
    assert plan["deletes"] == [DIR + "/service-web.yaml"]
    assert sorted(plan["writes"]) == [DIR + "/kustomization.yaml"]
    after = apply(tree, plan)
    assert DIR + "/destinationrule-web.yaml" in after and DIR + "/notes.yaml" in after
    assert layout.load(after[DIR + "/kustomization.yaml"])["resources"] == [
        "deployment-web.yaml", "destinationrule-web.yaml", "notes.yaml"]
    assert current_manifests(after, "routing") == [obj("DestinationRule", "web", "routing")]


def test_absent_removes_the_component_and_then_the_empty_directories():
    tree = apply({}, fresh("compute", compute()))
    tree = apply(tree, fresh("routing", [obj("DestinationRule", "web", "routing")], tree))
    plan = fresh("compute", [], tree)
    assert plan["deletes"] == [DIR + "/deployment-web.yaml", DIR + "/service-web.yaml"]
    assert plan["remove_dirs"] == []
    tree = apply(tree, plan)
    plan = fresh("routing", [], tree)
    assert plan["deletes"] == [CLUSTER + "/kustomization.yaml", DIR + "/destinationrule-web.yaml",
                               DIR + "/kustomization.yaml"]
    assert plan["writes"] == {} and plan["remove_dirs"] == [DIR, CLUSTER]
    assert apply(tree, plan) == {}
    assert fresh("routing", [], {})["files"] == []


def test_other_namespaces_stay_in_the_cluster_kustomization():
    plan = fresh("compute", compute(), namespaces=["other-prod"])
    assert layout.load(plan["writes"][CLUSTER + "/kustomization.yaml"])["resources"] == [NS, "other-prod"]
    tree = apply({}, plan)
    gone = fresh("compute", [], tree, namespaces=["other-prod"])
    assert gone["remove_dirs"] == [DIR]
    assert layout.load(gone["writes"][CLUSTER + "/kustomization.yaml"])["resources"] == ["other-prod"]


def test_the_namespace_object_lives_in_namespace_yaml():
    plan = fresh("namespace", [obj("Namespace", NS, "namespace")])
    assert DIR + "/namespace.yaml" in plan["writes"]


def test_a_file_of_another_component_or_a_hand_written_one_is_never_replaced():
    tree = apply({}, fresh("routing", [obj("Service", "web", "routing")]))
    with pytest.raises(GitopsError, match="component routing's"):
        fresh("compute", compute(), tree)
    with pytest.raises(GitopsError, match="not managed by the collection"):
        fresh("compute", compute(), {DIR + "/service-web.yaml": "kind: Service\n"})
    with pytest.raises(GitopsError, match="not managed by the collection"):
        fresh("compute", compute(), {DIR + "/service-web.yaml": "{not yaml: ["})


@pytest.mark.parametrize("manifest, message", [
    (obj("Service", "web", "routing"), "not 'compute'"),
    ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": NS}}, "None"),
    (obj("Service", "web", "compute", namespace="elsewhere"), "namespace 'elsewhere'"),
])
def test_desired_manifests_must_belong_to_the_component_and_namespace(manifest, message):
    with pytest.raises(GitopsError, match=message) as exc:
        fresh("compute", [manifest])
    assert exc.value.field == "Service/web"


def test_an_object_rendered_twice_is_refused():
    with pytest.raises(GitopsError, match="rendered twice"):
        fresh("compute", compute() + compute()[:1])


def test_current_files_outside_the_namespace_directory_are_refused():
    with pytest.raises(GitopsError, match="not a file of"):
        fresh("compute", compute(), {CLUSTER + "/other/x.yaml": ""})
