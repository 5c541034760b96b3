#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: k8s_manifests
short_description: Render, validate and deliver the Kubernetes manifests of one component of the service catalogue
version_added: 0.1.0
description:
  - Renders the Kubernetes objects of one O(component) of a cluster from the service catalogue
    (C(meridian_services)) and the cluster's settings (C(meridian_kubernetes)), validates every one of
    them against the real schemas of the cluster's Kubernetes version (built-in kinds with
    kubernetes-validate, no unknown field allowed; Istio C(DestinationRule) and C(ServiceMonitor)
    against their upstream CRD schemas), then delivers them.
  - C(delivery=gitops) (in O(cluster)) writes one file per object under
    C(<gitops_dir>/<cluster>/<namespace>/), removes the files of this component that are no longer
    rendered and rewrites the namespace's and the cluster's C(kustomization.yaml). Files of other
    components and files the collection does not manage are left alone. Each file is replaced
    atomically; a file is rewritten only when its bytes change, so a second run reports no change.
  - C(delivery=apply) writes nothing; RV(manifests) are returned for M(kubernetes.core.k8s) with
    C(apply=true) and the server-side apply field manager C(meridian).
  - Fields that the scale job owns (for a service whose C(scaling.strategy) is not C(static), the
    HorizontalPodAutoscaler's C(spec.minReplicas), or the Deployment's C(spec.replicas) without HPA)
    keep their current value, clamped into C(capacity.min)..C(capacity.max), taken from the file in
    the tree (gitops) or from O(existing) (apply).
  - Every option is validated and every manifest checked before anything is written; an error names
    the option, the catalogue field, or the object (C(<Kind>/<name>)) and its field path.
author:
  - Meridian platform engineering (@meridian)
options:
  component:
    description:
      - The set of objects to render. V(namespace) the Namespace; V(network) its NetworkPolicies;
        V(compute) per service a Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget;
        V(monitoring) per service a ServiceMonitor (with the Prometheus operator); V(routing) per
        service an Istio DestinationRule with locality failover (with Istio).
    type: str
    required: true
    choices: [namespace, network, compute, monitoring, routing]
  services:
    description: The service catalogue (C(meridian_services)); each service needs its C(k8s) block.
    type: list
    elements: dict
    required: true
  cluster:
    description:
      - The cluster's settings (C(meridian_kubernetes)), with C(cloud), C(cluster), C(version),
        C(delivery), C(gitops_dir), C(namespace), C(zones), C(istio), C(prometheus_operator),
        C(ingress_namespace), ... See the inventory documentation.
    type: dict
    required: true
  project:
    description: The project (C(meridian_project)); objects carry it as C(app.kubernetes.io/part-of).
    type: str
    required: true
  env:
    description: The environment (C(meridian_env)); the default namespace is C(<project>-<env>).
    type: str
    required: true
  region:
    description: The region the cluster runs in (C(meridian_region)).
    type: str
    required: true
  failover_region:
    description: The partner region (C(meridian_failover_region)); empty for none.
    type: str
    default: ""
  existing:
    description:
      - With C(delivery=apply), the live objects of the component (for example read with
        M(kubernetes.core.k8s_info)), whose scale-job-owned fields are kept. Ignored with gitops, where
        the files in the tree are the current objects.
    type: list
    elements: dict
    default: []
  state:
    description:
      - V(present) renders and delivers the component; V(absent) removes its files from the tree
        (gitops) or returns the objects to delete (apply).
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Renders, validates and reports the files that would change; writes nothing.
  diff_mode:
    support: full
    description: One diff per changed file of the tree, its text before and after.
requirements:
  - kubernetes-validate
  - jsonschema
notes:
  - The CEL rules (C(x-kubernetes-validations)) of the CRD schemas are not evaluated.
seealso:
  - module: kubernetes.core.k8s
    description: Applies the returned manifests with C(delivery=apply).
"""

EXAMPLES = r"""
- name: Write the compute objects of the catalogue to the gitops tree
  meridian.global_infra.k8s_manifests:
    component: compute
    services: "{{ meridian_services }}"
    cluster: "{{ meridian_kubernetes }}"
    project: "{{ meridian_project }}"
    env: "{{ meridian_env }}"
    region: "{{ meridian_region }}"
    failover_region: "{{ meridian_failover_region | default('') }}"

- name: Read the live HPAs and Deployments (apply delivery)
  kubernetes.core.k8s_info:
    kind: HorizontalPodAutoscaler
    namespace: "{{ meridian_kubernetes.namespace }}"
  register: live_hpas

- name: Render and validate the compute objects for a server-side apply
  meridian.global_infra.k8s_manifests:
    component: compute
    services: "{{ meridian_services }}"
    cluster: "{{ meridian_kubernetes }}"
    project: "{{ meridian_project }}"
    env: "{{ meridian_env }}"
    region: "{{ meridian_region }}"
    existing: "{{ live_hpas.resources }}"
  register: compute

- name: Apply them
  kubernetes.core.k8s:
    definition: "{{ item }}"
    apply: true
    server_side_apply:
      field_manager: meridian
  loop: "{{ compute.manifests }}"

- name: Remove the routing files of the cluster from the tree
  meridian.global_infra.k8s_manifests:
    component: routing
    services: "{{ meridian_services }}"
    cluster: "{{ meridian_kubernetes }}"
    project: "{{ meridian_project }}"
    env: "{{ meridian_env }}"
    region: "{{ meridian_region }}"
    state: absent
"""

RETURN = r"""
manifests:
  description:
    - The rendered objects of the component, validated (with the scale-job-owned fields kept).
    - With O(state=absent), the objects to delete (apply), or those of the files removed (gitops).
  returned: always
  type: list
  elements: dict
files:
  description: The paths (relative to C(gitops_dir)) written or deleted, or that would be in check mode; empty with apply.
  returned: always
  type: list
  elements: str
  sample: [local-eu-west-1/meridian-local/deployment-web.yaml, local-eu-west-1/meridian-local/kustomization.yaml]
validated:
  description: How many manifests were checked against their schema.
  returned: always
  type: int
  sample: 8
delivery:
  description: The cluster's delivery, V(gitops) or V(apply).
  returned: always
  type: str
  sample: gitops
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.gitops_tree import GitopsTree
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s import gitops
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.cluster import cluster_settings
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.keep import keep_owned_fields
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.layout import KUSTOMIZATION
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.schema import (
    HAS_JSONSCHEMA,
    HAS_KUBERNETES_VALIDATE,
    validate_manifests,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.workloads import manifests_for
from ansible_collections.meridian.global_infra.plugins.module_utils.services.catalogue import catalogue

COMPONENTS = ["namespace", "network", "compute", "monitoring", "routing"]


def read_current(tree, cluster, namespace):
    """``(current_files, namespaces)`` for ``gitops.plan_component``: the files of the namespace
    directory and the cluster kustomization, and the other namespace directories that have a kustomization."""
    ns_dir = gitops.namespace_dir(cluster, namespace)
    current = {}
    for name in tree.list(ns_dir):
        if gitops.is_resource(name) or name == KUSTOMIZATION:
            current["%s/%s" % (ns_dir, name)] = tree.read("%s/%s" % (ns_dir, name))
    cluster_kustomization = "%s/%s" % (cluster, KUSTOMIZATION)
    text = tree.read(cluster_kustomization)
    if text is not None:
        current[cluster_kustomization] = text
    namespaces = [d for d in tree.subdirs(cluster)
                  if d != namespace and KUSTOMIZATION in tree.list("%s/%s" % (cluster, d))]
    return current, namespaces


def act(tree, plan):
    """Carry out a plan: resource files first, the kustomizations last, then the emptied directories."""
    kustomizations = [p for p in plan["files"] if p.rsplit("/", 1)[-1] == KUSTOMIZATION]
    done = []
    try:
        for path in [p for p in plan["files"] if p not in kustomizations] + kustomizations:
            if path in plan["writes"]:
                tree.write(path, plan["writes"][path])
            else:
                tree.delete(path)
            done.append(path)
        for directory in plan["remove_dirs"]:
            tree.remove_dir(directory)
    except MeridianError as err:
        err.done = done
        raise


def run(module):
    p = module.params
    component, project, env = p["component"], p["project"], p["env"]
    cluster = cluster_settings(p["cluster"], project, env, p["region"], p["failover_region"])
    services = catalogue(p["services"], project, env, providers=("k8s",))
    result = {"changed": False, "files": [], "delivery": cluster["delivery"]}

    if cluster["delivery"] == "apply":
        manifests = manifests_for(component, services, cluster, project, env)
        if p["state"] == "present":
            manifests = keep_owned_fields(manifests, p["existing"], services)
        result["validated"] = validate_manifests(manifests, cluster["version"])
        result["manifests"] = manifests
        return result

    tree = GitopsTree(cluster["gitops_dir"])
    current, namespaces = read_current(tree, cluster["cluster"], cluster["namespace"])
    ours = gitops.current_manifests(current, component)
    if p["state"] == "present":
        manifests = manifests_for(component, services, cluster, project, env)
        manifests = keep_owned_fields(manifests, ours, services)
        result["validated"] = validate_manifests(manifests, cluster["version"])
    else:
        manifests, result["validated"] = [], 0
    plan = gitops.plan_component(cluster["cluster"], cluster["namespace"], component, manifests, current, namespaces)
    if plan["files"] and not module.check_mode:
        act(tree, plan)
    result.update(changed=bool(plan["files"]), files=plan["files"],
                  manifests=manifests if p["state"] == "present" else ours)
    if module._diff:
        result["diff"] = gitops.diff(plan)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            component=dict(type="str", required=True, choices=COMPONENTS),
            services=dict(type="list", elements="dict", required=True),
            cluster=dict(type="dict", required=True),
            project=dict(type="str", required=True),
            env=dict(type="str", required=True),
            region=dict(type="str", required=True),
            failover_region=dict(type="str", default=""),
            existing=dict(type="list", elements="dict", default=[]),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    if not HAS_KUBERNETES_VALIDATE:
        module.fail_json(msg=missing_required_lib("kubernetes-validate"))
    if not HAS_JSONSCHEMA:
        module.fail_json(msg=missing_required_lib("jsonschema"))
    try:
        module.exit_json(**run(module))
    except MeridianError as err:
        done = getattr(err, "done", None)
        if done is None:
            fail_on_error(module, err, note="nothing was written")
        else:
            fail_on_error(module, err, note="written before the error: %s" % (", ".join(done) or "nothing"), files=done)


if __name__ == "__main__":
    main()
