#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: scaling_target
short_description: Apply a capacity decision to a scaling target (EC2 Auto Scaling group, Kubernetes HPA, Compute Engine MIG)
version_added: 0.1.0
description:
  - Applies one decision returned by M(meridian.global_infra.capacity_forecast) to a scaling target, through
    the provider named by O(provider).
  - Refuses, changing nothing, when the decision could not be computed (C(ok=false)), and validates
    C(min <= desired <= max) for the capacity and every schedule step before any API call.
  - B(aws_asg), an EC2 Auto Scaling group. Sets the group's desired capacity (and, by default, its minimum and
    maximum size) to the decision. Turns the decision's forecast schedule into one-time scheduled actions,
    named deterministically from O(scheduled_action_prefix) and the step's UTC time, so that capacity follows
    the forecast between runs. Optionally keeps a native EC2 Auto Scaling C(PredictiveScaling) policy in place
    next to it.
  - B(k8s_hpa), a Kubernetes HorizontalPodAutoscaler (O(kubernetes)). The decision's capacity for now becomes
    its floor, C(spec.minReplicas), clamped to the decision's C(min_capacity) (at least 1) and the HPA's
    C(spec.maxReplicas); a service without an HPA (O(kubernetes.kind=Deployment)) gets it as its Deployment's
    C(spec.replicas). Nothing else of the object changes (C(maxReplicas), C(behavior), C(metrics), labels).
  - Kubernetes has no scheduled actions, so with B(k8s_hpa) the later steps of the forecast schedule are not
    applied; they are returned in RV(pending_steps), and the next run (the scale job runs every interval) sets
    the floor it then needs. A forecast rise is applied now, never deferred to the decision's C(time_to_execute).
  - With B(k8s_hpa) the AWS options (O(capacity_mode), O(manage_bounds), the scheduled action options and the
    AWS connection options) are ignored, no AWS credentials are needed, and O(predictive_policy) is refused.
  - B(gce_mig), the autoscaler of a regional Compute Engine managed instance group (O(gce); version 0.2.0). The
    decision's capacity for now becomes the autoscaler's floor, C(minNumReplicas), clamped to the decision's
    C(min_capacity) (at least 1) and the autoscaler's C(maxNumReplicas); each later rise of the forecast schedule
    becomes a scaling schedule ahead of the step (named from O(scheduled_action_prefix) and the step's UTC time,
    holding C(minRequiredReplicas) until the next step), within O(max_scheduled_actions) and O(min_lead_time).
    Managed schedules that ended or that the forecast no longer wants are deleted (a cron expression has no
    year, so a kept one would fire again a year later), except one running or starting within O(min_lead_time).
    Other schedules, C(maxNumReplicas) and the autoscaler's signals are kept. One update of the autoscaler.
  - The planning code is provider-neutral (C(scaling.plan) module utils); each provider is a file in
    C(scaling/providers).
author:
  - Meridian platform engineering (@meridian)
options:
  provider:
    description:
      - The kind of scaling target, the provider the plan is applied through.
      - V(aws_asg), an EC2 Auto Scaling group.
      - V(k8s_hpa), a Kubernetes HorizontalPodAutoscaler (or, without one, the service's Deployment); needs O(kubernetes).
      - V(gce_mig), the autoscaler of a regional Compute Engine managed instance group (named like the group,
        as M(meridian.global_infra.gce_instance_group) makes it); needs O(gce).
    type: str
    choices: [aws_asg, k8s_hpa, gce_mig]
    default: aws_asg
  name:
    description:
      - Name of the Auto Scaling group, or of the HorizontalPodAutoscaler or Deployment (the service
        catalogue's C(target_name)).
    type: str
    required: true
    aliases: [group_name]
  mode:
    description:
      - V(ForecastAndScale) applies the decision.
      - V(ForecastOnly) is a preview, named after the EC2 Auto Scaling predictive policy mode that forecasts
        without scaling; the module reads the target, computes the plan and reports what it would set
        (RV(would_change), RV(operations), the diff), and makes no change and no write call (not even a
        dry run); it reports C(changed=false). The same for every provider.
      - Not to be confused with O(predictive_policy.mode), the mode of the native AWS policy.
      - A decision whose C(mode) is V(forecast_only) (the service catalogue's C(scaling.mode)) is always run as
        V(ForecastOnly), whatever this option says (version 0.2.0).
    type: str
    choices: [ForecastAndScale, ForecastOnly]
    default: ForecastAndScale
  gce:
    description:
      - Where the managed instance group is, and the Compute Engine credentials, for O(provider=gce_mig)
        (required then, ignored otherwise). The same options as the gce modules' (doc fragment C(meridian.global_infra.gce)).
    type: dict
    version_added: 0.2.0
    suboptions:
      project:
        description: The project id. Falls back to E(GCP_PROJECT).
        type: str
      region:
        description: The group's region, for example V(europe-west1).
        type: str
        required: true
      auth_kind:
        description: V(application), V(serviceaccount), V(accesstoken) or V(none) (the local emulator). Falls back to E(GCP_AUTH_KIND).
        type: str
        choices: [application, serviceaccount, accesstoken, none]
      service_account_file:
        description: A service-account key file, with O(gce.auth_kind=serviceaccount). Falls back to E(GCP_SERVICE_ACCOUNT_FILE).
        type: path
      access_token:
        description: An OAuth2 access token, with O(gce.auth_kind=accesstoken). Falls back to E(GCP_ACCESS_TOKEN).
        type: str
      api_endpoint:
        description: Instead of V(https://compute.googleapis.com) (the emulator's URL locally). Falls back to E(GCE_API_ENDPOINT).
        type: str
  kubernetes:
    description:
      - Where the Kubernetes object is, for O(provider=k8s_hpa) (required then, ignored otherwise).
      - Checked before any read, each error naming its suboption.
    type: dict
    suboptions:
      delivery:
        description:
          - V(gitops) rewrites the rendered manifest
            C(<gitops_dir>/<cluster>/<namespace>/horizontalpodautoscaler-<name>.yaml) (or C(deployment-<name>.yaml)),
            changing only the floor (the file stays byte-identical otherwise); the GitOps controller delivers it.
            The file must exist, as rendered by M(meridian.global_infra.k8s_manifests) (run C(provision.yml) first).
          - V(apply) changes the live object by server-side apply with the field manager C(meridian-scaling),
            sending only the floor (C(dryRun=All) in check mode). A field owned by another manager with a
            different value is a conflict, reported with the field and the manager; see O(kubernetes.force_conflicts).
        type: str
        choices: [gitops, apply]
        default: gitops
      gitops_dir:
        description: Absolute path of the rendered tree's root. Required with O(kubernetes.delivery=gitops).
        type: path
      cluster:
        description: The cluster's directory in the rendered tree (C(meridian_kubernetes.cluster)). Required with O(kubernetes.delivery=gitops).
        type: str
      namespace:
        description: Namespace of the object.
        type: str
        required: true
      kubeconfig:
        description:
          - Path of the kubeconfig, with O(kubernetes.delivery=apply). Empty uses C(KUBECONFIG) or C(~/.kube/config),
            and the pod's service account when there is none and the module runs in a cluster.
        type: path
      context:
        description: Kube context, with O(kubernetes.delivery=apply). Empty uses the kubeconfig's current context.
        type: str
      kind:
        description:
          - V(HorizontalPodAutoscaler) sets its C(spec.minReplicas).
          - V(Deployment), for a service without an HPA, sets its C(spec.replicas).
        type: str
        choices: [HorizontalPodAutoscaler, Deployment]
        default: HorizontalPodAutoscaler
      force_conflicts:
        description:
          - With O(kubernetes.delivery=apply), take the field over when another field manager owns it with a
            different value (server-side apply C(force=true)); false reports the conflict and changes nothing.
        type: bool
        default: false
  decision:
    description:
      - One item of the C(decisions) list returned by M(meridian.global_infra.capacity_forecast).
      - Keys used are C(ok), C(service), C(action), C(target_capacity), C(min_capacity), C(max_capacity),
        C(time_to_execute), C(schedule) (a list of C(time), C(capacity)) and C(mode) (V(forecast_only) changes
        nothing); C(strategy), C(chosen_policy), C(reason), C(cost_per_hour), C(cost_per_day), C(over_budget) and
        C(slo_risk) are copied into RV(decision) when present.
    type: dict
    required: true
  capacity_mode:
    description:
      - V(desired) sets the group's desired capacity to the decision and its bounds to the decision's min/max.
      - V(floor) also raises the group's minimum to the decision, so reactive policies may add capacity
        on top of the forecast but never remove it.
    type: str
    choices: [desired, floor]
    default: desired
  manage_bounds:
    description:
      - Set MinSize and MaxSize to the decision's C(min_capacity) and C(max_capacity).
      - When false the group's bounds stay and the decision must fit inside them.
    type: bool
    default: true
  scheduled_actions:
    description: Create one-time scheduled actions for the steps of the forecast schedule where capacity changes.
    type: bool
    default: true
  scheduled_action_prefix:
    description:
      - Prefix of the scheduled actions this module manages (C(<prefix>-YYYYmmddTHHMMSSZ)).
      - Scheduled actions with other names are never touched.
    type: str
    default: meridian-forecast
  max_scheduled_actions:
    description: At most this many scheduled steps are kept (EC2 Auto Scaling allows 125 per group).
    type: int
    default: 24
  min_lead_time:
    description: Schedule steps that start sooner than this many seconds from now are skipped.
    type: int
    default: 120
  purge_scheduled_actions:
    description:
      - Delete managed scheduled actions (those with O(scheduled_action_prefix)) that the decision no longer contains.
      - When false they are left in place; EC2 Auto Scaling removes one-time actions after they run.
    type: bool
    default: false
  predictive_policy:
    description:
      - A native EC2 Auto Scaling C(PredictiveScaling) policy to keep in place next to the forecast.
      - Omit to leave any existing policy alone.
    type: dict
    suboptions:
      state:
        description: V(absent) deletes the policy called O(predictive_policy.name).
        type: str
        choices: [present, absent]
        default: present
      name:
        description: Policy name.
        type: str
        default: meridian-predictive
      metric_type:
        description: The predefined metric pair the policy forecasts.
        type: str
        choices: [ASGCPUUtilization, ASGNetworkIn, ASGNetworkOut, ALBRequestCount]
        default: ASGCPUUtilization
      target_value:
        description: The metric's target per instance (for example V(50) for 50 % CPU). Required when O(predictive_policy.state=present).
        type: float
      resource_label:
        description: The target group resource label, required for V(ALBRequestCount).
        type: str
      mode:
        description: V(ForecastOnly) only forecasts; V(ForecastAndScale) also scales.
        type: str
        choices: [ForecastOnly, ForecastAndScale]
        default: ForecastOnly
      scheduling_buffer_time:
        description: Seconds ahead of the forecast time that instances are launched (0-3600).
        type: int
        default: 300
      max_capacity_breach_behavior:
        description: Whether the forecast may exceed the group's maximum size.
        type: str
        choices: [HonorMaxCapacity, IncreaseMaxCapacity]
        default: HonorMaxCapacity
      max_capacity_buffer:
        description: Percent above the forecast the maximum may grow to, with V(IncreaseMaxCapacity).
        type: int
        default: 10
attributes:
  check_mode:
    support: full
    description:
      - Computes the plan and reports C(changed) without any write call.
      - With O(provider=k8s_hpa) and O(kubernetes.delivery=apply), a change is sent as a server-side apply
        dry run (C(dryRun=All)), so admission and ownership conflicts show; nothing is persisted.
  diff_mode:
    support: full
    description:
      - Returns the group's bounds, desired capacity, managed scheduled actions and policy before and after, keys sorted.
      - With O(provider=k8s_hpa), the floor before and after and, with O(kubernetes.delivery=gitops), the file text.
      - With O(provider=gce_mig), the autoscaler's floor and managed scaling schedules before and after.
notes:
  - Scheduled action times are UTC. Steps of the schedule whose capacity equals the previous step are not scheduled.
  - Idempotent for a given decision; a new decision moves the schedule, and O(purge_scheduled_actions=true) removes the steps it dropped.
  - With O(provider=k8s_hpa) the same decision applied twice reports C(changed=false) and makes no write call.
  - With O(provider=gce_mig) the same decision applied twice reports C(changed=false) and makes no write call.
requirements:
  - kubernetes (the Python client), for O(provider=k8s_hpa) with O(kubernetes.delivery=apply)
  - google-cloud-compute, for O(provider=gce_mig)
seealso:
  - module: meridian.global_infra.capacity_forecast
  - module: meridian.global_infra.k8s_manifests
  - module: kubernetes.core.k8s_info
  - name: Server-Side Apply
    description: Field management and conflicts of server-side apply.
    link: https://kubernetes.io/docs/reference/using-api/server-side-apply/
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Forecast the web service
  meridian.global_infra.capacity_forecast:
    prometheus_url: http://127.0.0.1:9190
    services:
      - name: web
        dimensions:
          - name: requests
            query: sum(rate(http_requests_total{service="web"}[5m]))
            unit_capacity: 120
            target_utilization: 0.7
        min_capacity: 2
        max_capacity: 20
  register: forecast

- name: Set the web group to the forecast and schedule the next steps
  meridian.global_infra.scaling_target:
    name: meridian-prod-web
    region: eu-west-1
    decision: "{{ forecast.decisions[0] }}"
    purge_scheduled_actions: true

- name: Keep the forecast as a floor under reactive scaling, with a native predictive policy alongside
  meridian.global_infra.scaling_target:
    name: meridian-prod-api
    region: us-east-1
    decision: "{{ forecast.decisions[1] }}"
    capacity_mode: floor
    predictive_policy:
      metric_type: ASGCPUUtilization
      target_value: 55
      mode: ForecastOnly

- name: Raise the web HPA's floor in the rendered GitOps tree (the controller delivers it)
  meridian.global_infra.scaling_target:
    provider: k8s_hpa
    name: meridian-prod-web
    decision: "{{ forecast.decisions[0] }}"
    kubernetes:
      delivery: gitops
      gitops_dir: /srv/meridian/gitops
      cluster: prod-eu-west-1
      namespace: meridian-prod

- name: Preview the floor of the api HPA on the live cluster (changes nothing)
  meridian.global_infra.scaling_target:
    provider: k8s_hpa
    name: meridian-prod-api
    decision: "{{ forecast.decisions[1] }}"
    mode: ForecastOnly
    kubernetes:
      delivery: apply
      kubeconfig: ~/.kube/prod.yaml
      context: prod-eu-west-1
      namespace: meridian-prod
  register: preview

- name: A service without an HPA, on the live cluster (server-side apply of spec.replicas)
  meridian.global_infra.scaling_target:
    provider: k8s_hpa
    name: meridian-prod-worker
    decision: "{{ forecast.decisions[2] }}"
    kubernetes:
      delivery: apply
      namespace: meridian-prod
      kind: Deployment
"""

RETURN = r"""
group:
  description: The group's capacity after the run (as planned in check mode and with O(mode=ForecastOnly)).
  returned: when O(provider=aws_asg)
  type: dict
  contains:
    name:
      description: Group name.
      type: str
      sample: meridian-prod-web
    min_size:
      description: Minimum size.
      type: int
      sample: 2
    max_size:
      description: Maximum size.
      type: int
      sample: 20
    desired_capacity:
      description: Desired capacity.
      type: int
      sample: 6
scheduled_actions:
  description: The managed scheduled actions after the run, sorted by name.
  returned: when O(provider=aws_asg)
  type: list
  elements: dict
  sample:
    - name: meridian-forecast-20250131T120000Z
      start_time: "2025-01-31T12:00:00Z"
      desired_capacity: 8
predictive_policy:
  description: The PredictiveScaling configuration after the run (snake_case), or null.
  returned: when O(provider=aws_asg)
  type: dict
  sample: {"mode": "ForecastOnly", "scheduling_buffer_time": 300}
operations:
  description:
    - The writes made (or, in check mode and with O(mode=ForecastOnly), that would be made), in order.
    - V(aws_asg) lists Auto Scaling API calls; V(k8s_hpa) lists C(write_file) (gitops) or C(server_side_apply) (apply).
  returned: always
  type: list
  elements: dict
  sample:
    - operation: update_auto_scaling_group
      arguments: {"AutoScalingGroupName": "meridian-prod-web", "MinSize": 2, "MaxSize": 20, "DesiredCapacity": 6}
    - operation: server_side_apply
      arguments:
        field_manager: meridian-scaling
        force: false
        dry_run: false
        body: {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
               "metadata": {"name": "meridian-prod-web", "namespace": "meridian-prod"}, "spec": {"minReplicas": 6}}
stale_scheduled_actions:
  description: Managed scheduled actions that the decision no longer contains (deleted only with O(purge_scheduled_actions)).
  returned: when O(provider=aws_asg)
  type: list
  elements: str
  sample: ["meridian-forecast-20250131T100000Z"]
decision:
  description:
    - The part of the decision that was applied, with the strategy's account when the decision carries one
      (C(strategy), C(mode), C(chosen_policy), C(reason), C(cost_per_hour), C(cost_per_day), C(over_budget),
      C(slo_risk)).
  returned: always
  type: dict
  sample: {"service": "web", "action": "scale_up", "target_capacity": 6, "strategy": "hybrid",
           "chosen_policy": "scheduled", "mode": "forecast_and_scale"}
mode:
  description: The mode of the run (V(ForecastOnly) also when the decision's C(mode) is V(forecast_only)).
  returned: always
  type: str
  sample: ForecastAndScale
would_change:
  description: Whether the decision changes the target; with O(mode=ForecastOnly) nothing was changed even when true.
  returned: always
  type: bool
  sample: true
target:
  description: The Kubernetes object and its floor, with O(provider=k8s_hpa).
  returned: when O(provider=k8s_hpa)
  type: dict
  contains:
    kind:
      description: V(HorizontalPodAutoscaler) or V(Deployment).
      type: str
      sample: HorizontalPodAutoscaler
    name:
      description: Object name.
      type: str
      sample: meridian-prod-web
    namespace:
      description: Namespace.
      type: str
      sample: meridian-prod
    delivery:
      description: V(gitops) or V(apply).
      type: str
      sample: gitops
    path:
      description: The rendered file (gitops), else null.
      type: str
      sample: /srv/meridian/gitops/prod-eu-west-1/meridian-prod/horizontalpodautoscaler-meridian-prod-web.yaml
    field:
      description: The field set, C(spec.minReplicas) or C(spec.replicas).
      type: str
      sample: spec.minReplicas
    before:
      description: Its value before the run.
      type: int
      sample: 2
    after:
      description: Its value after the run (as planned in check mode and with O(mode=ForecastOnly)).
      type: int
      sample: 6
    max_replicas:
      description: The HPA's C(spec.maxReplicas) (kept), null for a Deployment.
      type: int
      sample: 20
    clamped:
      description: True when the decision's capacity was outside the bounds and the floor was clamped.
      type: bool
      sample: false
autoscaler:
  description: The managed instance group's autoscaler and its floor, with O(provider=gce_mig).
  returned: when O(provider=gce_mig)
  type: dict
  contains:
    name:
      description: The autoscaler's (and group's) name.
      type: str
      sample: web
    region:
      description: Its region.
      type: str
      sample: europe-west1
    field:
      description: The field set, C(autoscalingPolicy.minNumReplicas).
      type: str
    before:
      description: The floor before the run.
      type: int
      sample: 2
    after:
      description: The floor after the run (as planned in check mode and with O(mode=ForecastOnly)).
      type: int
      sample: 6
    max_replicas:
      description: The autoscaler's C(maxNumReplicas) (kept).
      type: int
      sample: 20
    clamped:
      description: True when the decision's capacity was outside the bounds and the floor was clamped.
      type: bool
    scaling_schedules:
      description: The managed scaling schedules after the run, by name.
      type: dict
pending_steps:
  description:
    - With O(provider=k8s_hpa), the forecast schedule's later steps where the floor changes (clamped like the
      floor). Kubernetes has no scheduled actions, so they are not applied; the next run sets the floor it then needs.
    - With O(provider=gce_mig), the steps set as scaling schedules.
  returned: when O(provider=k8s_hpa) or O(provider=gce_mig)
  type: list
  elements: dict
  sample:
    - time: "2025-01-31T12:30:00Z"
      capacity: 8
"""

import datetime
import os
import re

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    HAS_YAML = False

from ansible.module_utils.basic import env_fallback, missing_required_lib
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_autoscaling import (
    AutoScalingApiError,
    AutoScalingClient,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.kubernetes import (
    FIELD_MANAGER,
    HAS_KUBERNETES,
    KubernetesClient,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s import layout
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.plan import (
    ScalingPlanError,
    desired_state,
    plan_changes,
    validate_decision,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.providers.aws_asg import AWS_MAX_SCHEDULED_ACTIONS
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.providers.registry import provider

GCE_SPEC = dict(
    project=dict(type="str", fallback=(env_fallback, ["GCP_PROJECT"])),
    region=dict(type="str", required=True),
    auth_kind=dict(type="str", choices=["application", "serviceaccount", "accesstoken", "none"],
                   fallback=(env_fallback, ["GCP_AUTH_KIND"])),
    service_account_file=dict(type="path", fallback=(env_fallback, ["GCP_SERVICE_ACCOUNT_FILE"])),
    access_token=dict(type="str", no_log=True, fallback=(env_fallback, ["GCP_ACCESS_TOKEN"])),
    api_endpoint=dict(type="str", fallback=(env_fallback, ["GCE_API_ENDPOINT"])),
)

PREDICTIVE_POLICY_SPEC = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    name=dict(type="str", default="meridian-predictive"),
    metric_type=dict(type="str", default="ASGCPUUtilization",
                     choices=["ASGCPUUtilization", "ASGNetworkIn", "ASGNetworkOut", "ALBRequestCount"]),
    target_value=dict(type="float"),
    resource_label=dict(type="str"),
    mode=dict(type="str", choices=["ForecastOnly", "ForecastAndScale"], default="ForecastOnly"),
    scheduling_buffer_time=dict(type="int", default=300),
    max_capacity_breach_behavior=dict(type="str", choices=["HonorMaxCapacity", "IncreaseMaxCapacity"],
                                      default="HonorMaxCapacity"),
    max_capacity_buffer=dict(type="int", default=10),
)

KUBERNETES_SPEC = dict(
    delivery=dict(type="str", choices=["gitops", "apply"], default="gitops"),
    gitops_dir=dict(type="path"),
    cluster=dict(type="str"),
    namespace=dict(type="str", required=True),
    kubeconfig=dict(type="path", no_log=False),
    context=dict(type="str"),
    kind=dict(type="str", choices=["HorizontalPodAutoscaler", "Deployment"], default="HorizontalPodAutoscaler"),
    force_conflicts=dict(type="bool", default=False),
)

ARGUMENT_SPEC = dict(
    provider=dict(type="str", choices=["aws_asg", "k8s_hpa", "gce_mig"], default="aws_asg"),
    name=dict(type="str", required=True, aliases=["group_name"]),
    decision=dict(type="dict", required=True),
    mode=dict(type="str", choices=["ForecastAndScale", "ForecastOnly"], default="ForecastAndScale"),
    capacity_mode=dict(type="str", choices=["desired", "floor"], default="desired"),
    manage_bounds=dict(type="bool", default=True),
    scheduled_actions=dict(type="bool", default=True),
    scheduled_action_prefix=dict(type="str", default="meridian-forecast"),
    max_scheduled_actions=dict(type="int", default=24),
    min_lead_time=dict(type="int", default=120),
    purge_scheduled_actions=dict(type="bool", default=False),
    predictive_policy=dict(type="dict", options=PREDICTIVE_POLICY_SPEC),
    kubernetes=dict(type="dict", options=KUBERNETES_SPEC),
    gce=dict(type="dict", options=GCE_SPEC),
)

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# layout.LayoutError fields -> this module's options
_LAYOUT_FIELDS = {"cluster": "kubernetes.cluster", "namespace": "kubernetes.namespace", "metadata.name": "name",
                  "kind": "kubernetes.kind"}


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def check_options(params):
    """Option checks argument_spec cannot express; raise ScalingPlanError naming the option."""
    prefix = params["scheduled_action_prefix"]
    if not prefix or len(prefix) > 200 or any(c.isspace() for c in prefix):
        raise ScalingPlanError("scheduled_action_prefix", "give a non-empty name prefix without spaces (at most 200 characters)")
    if not 0 <= params["max_scheduled_actions"] <= AWS_MAX_SCHEDULED_ACTIONS:
        raise ScalingPlanError("max_scheduled_actions", "must be 0..%d (the EC2 Auto Scaling limit per group)"
                               % AWS_MAX_SCHEDULED_ACTIONS)
    if params["min_lead_time"] < 0:
        raise ScalingPlanError("min_lead_time", "must be >= 0 seconds")


def check_kubernetes(params):
    """The ``kubernetes`` settings of a k8s_hpa run, checked before any read; ScalingPlanError names the option.

    Returns them with ``path`` (the rendered file, relative to ``gitops_dir``) added for gitops.
    """
    options = params.get("kubernetes")
    if not options:
        raise ScalingPlanError("kubernetes", "required with provider k8s_hpa: give delivery, namespace and, for "
                               "gitops, gitops_dir and cluster (meridian_kubernetes)")
    settings = dict(options)
    name = params["name"]
    if not isinstance(name, str) or len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        raise ScalingPlanError("name", "%r is not a Kubernetes object name (lower-case letters, digits, '-' and '.')"
                               % (name,))
    namespace = settings.get("namespace")
    if not isinstance(namespace, str) or len(namespace) > 63 or not _DNS_LABEL.match(namespace):
        raise ScalingPlanError("kubernetes.namespace", "%r is not a namespace name (a DNS-1123 label: lower-case "
                               "letters, digits and '-', at most 63)" % (namespace,))
    settings["path"] = None
    if settings["delivery"] == "gitops":
        root = settings.get("gitops_dir")
        if not root:
            raise ScalingPlanError("kubernetes.gitops_dir", "required with delivery gitops: the root of the rendered "
                                   "tree (meridian_kubernetes.gitops_dir)")
        if not os.path.isabs(root):
            raise ScalingPlanError("kubernetes.gitops_dir", "%r is not an absolute path" % (root,))
        if not settings.get("cluster"):
            raise ScalingPlanError("kubernetes.cluster", "required with delivery gitops: the cluster's directory in "
                                   "the rendered tree (meridian_kubernetes.cluster)")
        try:
            settings["path"] = layout.manifest_path(settings["cluster"], namespace, settings["kind"], name)
        except layout.LayoutError as err:
            raise ScalingPlanError(_LAYOUT_FIELDS.get(err.field, "kubernetes"), err.message)
    else:
        kubeconfig = settings.get("kubeconfig")
        if kubeconfig and not os.path.isfile(kubeconfig):
            raise ScalingPlanError("kubernetes.kubeconfig", "%s is not a file: give the kubeconfig's path, or leave it "
                                   "empty for KUBECONFIG / ~/.kube/config" % kubeconfig)
    return settings


def gitops_tree(root):
    """The rendered tree under ``root`` (read, atomic write); imported on the gitops path only."""
    from ansible_collections.meridian.global_infra.plugins.module_utils.clients.gitops_tree import GitopsTree

    return GitopsTree(root)


def read_rendered(tree, settings):
    """``(text, manifest)`` of the rendered file; refuses a missing file or one not in the rendered form
    (which scaling could not rewrite changing the floor alone)."""
    rel = settings["path"]
    text = tree.read(rel)
    where = os.path.join(settings["gitops_dir"], rel)
    if text is None:
        raise ScalingPlanError("kubernetes.gitops_dir", "%s does not exist: render the manifests first: run "
                               "provision.yml" % where)
    try:
        manifest = layout.load(text)
    except yaml.YAMLError as err:
        raise ScalingPlanError("kubernetes.gitops_dir", "%s is not YAML (%s): render the manifests again with "
                               "provision.yml" % (where, err))
    if not isinstance(manifest, dict) or layout.dump(manifest) != text:
        raise ScalingPlanError("kubernetes.gitops_dir", "%s is not in the rendered form (edited by hand?), so it "
                               "cannot be rewritten changing the floor alone: render the manifests again with "
                               "provision.yml" % where)
    return text, manifest


def _result(name, plan, operations, decision):
    after = plan["diff"]["after"]
    actions = [dict(name=n, **a) for n, a in sorted(after["scheduled_actions"].items())]
    policy = after["native_policy"]
    return dict(
        changed=plan["changed"],
        group=dict(name=name, min_size=after["min_size"], max_size=after["max_size"],
                   desired_capacity=after["desired_capacity"]),
        scheduled_actions=actions,
        predictive_policy=camel_dict_to_snake_dict(policy) if policy else None,
        operations=[dict(operation=op, arguments=args) for op, args in operations],
        stale_scheduled_actions=plan["scheduled_stale"],
        decision=_decision_summary(decision),
    )


# The strategy's account of a decision (capacity_forecast 0.2.0), copied into the result when present.
_STRATEGY_KEYS = ("strategy", "mode", "chosen_policy", "reason", "cost_per_hour", "cost_per_day", "over_budget",
                  "slo_risk")


def _decision_summary(decision):
    out = dict(service=decision["service"], action=decision["action"], target_capacity=decision["target_capacity"],
               min_capacity=decision["min_capacity"], max_capacity=decision["max_capacity"])
    out.update((key, decision[key]) for key in _STRATEGY_KEYS if decision.get(key) is not None)
    return out


def run_aws(module, params, decision, forecast_only):
    """An EC2 Auto Scaling group (provider aws_asg)."""
    name = params["name"]
    policy_options = params["predictive_policy"]
    try:
        check_options(params)
        asg = provider(params["provider"], policy_name=(policy_options or {}).get("name") or "meridian-predictive")
        native = asg.native_policy(policy_options)
    except ScalingPlanError as err:
        fail_on_error(module, err, note="nothing was changed")

    client = AutoScalingClient.from_module(module)
    try:
        group = client.describe_group(name)
        if group is None:
            module.fail_json(msg="name: Auto Scaling group %s not found in region %s; create it first (role compute) "
                                 "or fix the name" % (name, module.region), field="name")
        scheduled = client.describe_scheduled_actions(name)
        policies = client.describe_policies(name) if policy_options is not None else []
        current = asg.normalise_state(group, scheduled, policies)
        desired = desired_state(
            decision, current, _utcnow(),
            capacity_mode=params["capacity_mode"],
            manage_bounds=params["manage_bounds"],
            scheduled_actions=params["scheduled_actions"],
            prefix=params["scheduled_action_prefix"],
            max_scheduled_actions=params["max_scheduled_actions"],
            min_lead_time=params["min_lead_time"],
            native_policy=native,
        )
        plan = plan_changes(current, desired, prefix=params["scheduled_action_prefix"],
                            purge_scheduled_actions=params["purge_scheduled_actions"])
        operations = asg.operations(name, plan)
        if not module.check_mode and not forecast_only:
            for operation, kwargs in operations:
                client.call(operation, kwargs)
    except ScalingPlanError as err:
        fail_on_error(module, err, note="nothing was changed")
    except AutoScalingApiError as err:
        if err.error is not None:
            module.fail_json_aws(err.error, msg=str(err))
        module.fail_json(msg=str(err))

    result = _result(name, plan, operations, decision)
    if module._diff:
        result["diff"] = plan["diff"]
    return result


def run_k8s(module, params, decision, forecast_only):
    """A HorizontalPodAutoscaler or Deployment (provider k8s_hpa): no AWS client, no AWS options."""
    name = params["name"]
    try:
        settings = check_kubernetes(params)
        target = provider(params["provider"], kind=settings["kind"], namespace=settings["namespace"])
        target.native_policy(params["predictive_policy"])
    except ScalingPlanError as err:
        fail_on_error(module, err, note="nothing was changed")
    gitops = settings["delivery"] == "gitops"
    if gitops and not HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"))
    if not gitops and not HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib("kubernetes"), field="kubernetes.delivery")

    where = os.path.join(settings["gitops_dir"], settings["path"]) if gitops else None
    text = client = None
    try:
        if gitops:
            tree = gitops_tree(settings["gitops_dir"])
            text, obj = read_rendered(tree, settings)
            source = where
        else:
            client = KubernetesClient.from_config(kubeconfig=settings.get("kubeconfig"), context=settings.get("context"))
            obj = client.get(settings["kind"], settings["namespace"], name)
            source = "the API server"
            if obj is None:
                raise ScalingPlanError("name", "%s %s/%s not found on the cluster: render and deliver the manifests "
                                       "first: run provision.yml" % (settings["kind"], settings["namespace"], name))
        target.check_object(obj, name, source)
        current = target.normalise_state(obj)
        desired = target.desired_state(decision, current)
        plan = plan_changes(current, desired)
        before, after = target.current_value(obj), target.value(plan)
        operations = []
        new_text = text
        if plan["changed"]:
            if gitops:
                new_text = layout.dump(target.changed_object(obj, after))
                operations.append(("write_file", {"path": where, "field": target.field, "value": after}))
            else:
                for operation, kwargs in target.operations(name, plan):
                    operations.append((operation, dict(kwargs, field_manager=FIELD_MANAGER,
                                                       force=settings["force_conflicts"], dry_run=module.check_mode)))
        if not forecast_only:
            for operation, kwargs in operations:
                if operation == "write_file" and not module.check_mode:
                    tree.write(settings["path"], new_text)
                elif operation == "server_side_apply":
                    answer = client.apply(kwargs["body"], dry_run=module.check_mode, force=kwargs["force"])
                    got = (answer or {}).get("spec", {}).get(target.path[1])
                    if got is not None and got != after:
                        module.warn("the API server answered %s=%s for %s %s/%s, not %s (a webhook or another "
                                    "manager changed it)" % (target.field, got, settings["kind"],
                                                             settings["namespace"], name, after))
    except (MeridianError, OSError) as err:  # OSError: the rendered tree could not be read or written
        fail_on_error(module, err, note="nothing was changed")

    low, high = target.bounds(decision, current)
    result = dict(
        changed=plan["changed"],
        target=dict(kind=settings["kind"], name=name, namespace=settings["namespace"], delivery=settings["delivery"],
                    path=where, field=target.field, before=before, after=after,
                    max_replicas=current["max_size"],
                    clamped=not low <= decision["target_capacity"] <= high),
        pending_steps=target.pending_steps(decision, current, _utcnow()),
        operations=[dict(operation=op, arguments=args) for op, args in operations],
        decision=_decision_summary(decision),
    )
    if module._diff:
        diff = [{"before": {target.field: before}, "after": {target.field: after},
                 "before_header": "%s %s/%s" % (settings["kind"], settings["namespace"], name),
                 "after_header": "%s %s/%s" % (settings["kind"], settings["namespace"], name)}]
        if gitops:
            diff.append({"before": text, "after": new_text, "before_header": where, "after_header": where})
        result["diff"] = diff
    return result


def gce_client(settings):
    """The Compute Engine client (clients.gce); imported on the gce_mig path only."""
    from ansible_collections.meridian.global_infra.plugins.module_utils.clients.gce import GceClient

    params = dict(settings, auth_kind=settings.get("auth_kind") or "application")
    return GceClient.from_params(params)


def check_gce(params):
    """The ``gce`` settings of a gce_mig run, checked before any read; ScalingPlanError names the option."""
    settings = params.get("gce")
    if not settings:
        raise ScalingPlanError("gce", "required with provider gce_mig: give region and project (or GCP_PROJECT), and "
                               "the credentials as for the gce modules")
    if not settings.get("project") or not re.match(r"^[a-z][-a-z0-9.:]{4,61}[a-z0-9]$", settings["project"]):
        raise ScalingPlanError("gce.project", "%r is not a Google Cloud project id; set gce.project or GCP_PROJECT"
                               % (settings.get("project"),))
    if not re.match(r"^[a-z]+(?:-[a-z0-9]+)+$", settings.get("region") or ""):
        raise ScalingPlanError("gce.region", "%r is not a Compute Engine region (for example europe-west1)"
                               % (settings.get("region"),))
    if not re.match(r"^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$", params["name"]):
        raise ScalingPlanError("name", "%r is not a Compute Engine name (the group's and its autoscaler's)"
                               % (params["name"],))
    return settings


def run_gce(module, params, decision, forecast_only):
    """A regional managed instance group's autoscaler (provider gce_mig): no AWS client, no AWS options."""
    name = params["name"]
    try:
        settings = check_gce(params)
        check_options(params)
        target = provider(params["provider"], prefix=params["scheduled_action_prefix"],
                          min_lead_time=params["min_lead_time"], max_schedules=params["max_scheduled_actions"])
        target.native_policy(params["predictive_policy"])
    except ScalingPlanError as err:
        fail_on_error(module, err, note="nothing was changed")
    region = settings["region"]
    try:
        client = gce_client(settings)
        autoscaler = client.get("region_autoscaler", name, region)
        if autoscaler is None:
            raise ScalingPlanError("name", "the managed instance group %s in %s has no autoscaler (project %s): create "
                                   "it with gce_instance_group autoscaling (role compute)"
                                   % (name, region, settings["project"]))
        current = target.normalise_state(autoscaler)
        desired = target.desired_state(decision, current, _utcnow())
        plan = plan_changes(current, desired, prefix=target.prefix, purge_scheduled_actions=True)
        operations = target.operations(name, plan, autoscaler)
        if not module.check_mode and not forecast_only:
            for _operation, kwargs in operations:
                client.update("region_autoscaler", kwargs["name"], kwargs["body"], region)
    except MeridianError as err:
        fail_on_error(module, err, note="nothing was changed")

    low, high = target.bounds(decision, current)
    after = plan["diff"]["after"]
    result = dict(
        changed=plan["changed"],
        autoscaler=dict(name=name, region=region, field=target.field, before=current["min_size"],
                        after=after["min_size"], max_replicas=current["max_size"],
                        clamped=not low <= decision["target_capacity"] <= high,
                        scaling_schedules=after["scheduled_actions"]),
        pending_steps=target.pending_steps(plan),
        stale_scheduled_actions=plan["scheduled_stale"],
        operations=[dict(operation=op, arguments=dict(name=args["name"])) for op, args in operations],
        decision=_decision_summary(decision),
    )
    if module._diff:
        result["diff"] = plan["diff"]
    return result


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                              required_if=[("provider", "k8s_hpa", ["kubernetes"]), ("provider", "gce_mig", ["gce"])])
    params = module.params
    if isinstance(params["decision"], dict) and params["decision"].get("mode") == "forecast_only":
        params["mode"] = "ForecastOnly"
    forecast_only = params["mode"] == "ForecastOnly"
    try:
        decision = validate_decision(params["decision"])
    except ScalingPlanError as err:
        fail_on_error(module, err, note="nothing was changed")

    if params["provider"] == "k8s_hpa":
        result = run_k8s(module, params, decision, forecast_only)
    elif params["provider"] == "gce_mig":
        result = run_gce(module, params, decision, forecast_only)
    else:
        result = run_aws(module, params, decision, forecast_only)
    # A preview computes everything and writes nothing: it reports what would change, changed=false.
    result["would_change"] = result["changed"]
    if forecast_only:
        result["changed"] = False
    result["mode"] = params["mode"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
