#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_instance_group
short_description: Ensure a regional managed instance group and its autoscaler, with check mode and diff
version_added: 0.2.0
description:
  - Creates, updates or deletes one regional managed instance group (MIG) through the official
    C(google-cloud-compute) client, with its zones and distribution shape, auto-healing, named ports, and
    its autoscaler (named like the group) in the same task.
  - The group is read first and compared with the API's server-side defaults filled in, so a second run
    reports no change (it never inserts an existing group, so it never fails with C(alreadyExists) or
    C(memberAlreadyExists)).
  - A different O(instance_template) is applied with C(setInstanceTemplate) (new instances use it; the group
    is never recreated). Running instances are not replaced by this module.
  - O(target_size) sets the size when the group is created, and afterwards only while the group has no
    autoscaler; once an autoscaler exists it owns the size (and M(meridian.global_infra.scaling_target) may move
    its floor), so the size is not compared.
  - O(zones) cannot change on an existing group; a difference fails naming the option.
  - The autoscaler's floor may be raised by M(meridian.global_infra.scaling_target) (provider V(gce_mig)), which
    also keeps forecast scaling schedules on it; this module keeps both (O(autoscaling.keep_forecast)), so
    provisioning and scaling do not undo each other.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The group's name (its autoscaler has the same name).
    type: str
    required: true
  region:
    description: The region, for example V(europe-west1).
    type: str
    required: true
  state:
    description: V(present) creates or updates the group; V(absent) deletes its autoscaler, then the group and its instances.
    type: str
    choices: [present, absent]
    default: present
  instance_template:
    description: The instance template (name or selfLink). Required with O(state=present).
    type: str
  base_instance_name:
    description: The prefix of the instances' names (at most 58 characters). Not given, O(name). Cannot change.
    type: str
  target_size:
    description:
      - The number of instances (0-1000). Required without O(autoscaling).
      - With O(autoscaling), the size at creation (default O(autoscaling.min_replicas)), then left to the autoscaler.
    type: int
  zones:
    description:
      - The zones of the region the instances spread over, for example V([europe-west1-b, europe-west1-c]).
      - Not given, the API chooses (three zones of the region) at creation, and they are not compared.
    type: list
    elements: str
  target_shape:
    description: How instances spread over the zones. Not given, not compared (the API's default is V(EVEN)).
    type: str
    choices: [EVEN, BALANCED, ANY, ANY_SINGLE_ZONE]
  auto_healing:
    description: Auto-healing. Not given, not touched.
    type: dict
    suboptions:
      health_check:
        description:
          - The health check (a name for a global one, C(regions/R/healthChecks/N) for a regional one, or a selfLink).
        type: str
        required: true
      initial_delay_sec:
        description: Seconds a new instance is given to boot before its health counts (0-3600).
        type: int
        default: 300
  named_ports:
    description: The named ports of the group (what backend services and health checks name), the whole list. Not given, not touched.
    type: list
    elements: dict
    suboptions:
      name:
        description: The port's name, for example V(http).
        type: str
        required: true
      port:
        description: The port number.
        type: int
        required: true
  autoscaling:
    description: The group's autoscaler. Not given, not touched.
    type: dict
    suboptions:
      enabled:
        description: V(false) deletes the autoscaler (the size then stays where it is, and O(target_size) applies).
        type: bool
        default: true
      min_replicas:
        description:
          - The lowest floor. M(meridian.global_infra.scaling_target) (provider V(gce_mig)) may raise the floor
            above it to the forecast; with O(autoscaling.keep_forecast) a run keeps a raised floor (up to
            O(autoscaling.max_replicas)) and raises a lower one to this.
        type: int
        default: 1
      keep_forecast:
        description:
          - V(true) keeps what M(meridian.global_infra.scaling_target) (provider V(gce_mig)) set on the autoscaler,
            a floor raised above O(autoscaling.min_replicas) and the schedules named C(<forecast_prefix>-...).
          - V(false) makes O(autoscaling.min_replicas) the floor exactly and removes those schedules (a group that
            scaling_target does not manage).
        type: bool
        default: true
      forecast_prefix:
        description:
          - The scaling schedules named C(<forecast_prefix>-...) belong to M(meridian.global_infra.scaling_target)
            (its O(meridian.global_infra.scaling_target#module:scheduled_action_prefix)); they are kept as they are
            and cannot be given in O(autoscaling.scaling_schedules).
        type: str
        default: meridian-forecast
      max_replicas:
        description: The ceiling. Required when enabled.
        type: int
      cool_down_period_sec:
        description: Seconds a new instance's metrics are ignored while it starts.
        type: int
        default: 60
      cpu_utilization_target:
        description:
          - The CPU utilisation to keep, a fraction (V(0.6) is 60%).
          - Without this and O(autoscaling.lb_utilization_target), the API's default CPU target 0.6 applies.
        type: float
      lb_utilization_target:
        description: The load balancer serving capacity utilisation to keep, a fraction.
        type: float
      predictive_method:
        description: V(OPTIMIZE_AVAILABILITY) scales out ahead of forecast CPU load (needs O(autoscaling.cpu_utilization_target)).
        type: str
        choices: [NONE, OPTIMIZE_AVAILABILITY]
        default: NONE
      mode:
        description: V(ON), V(OFF) (recommendations only) or V(ONLY_SCALE_OUT).
        type: str
        choices: ['ON', 'OFF', ONLY_SCALE_OUT]
        default: 'ON'
      scaling_schedules:
        description: Scheduled floors, the whole list (not given or V([]), none but the forecast's).
        type: list
        elements: dict
        suboptions:
          name:
            description: The schedule's name.
            type: str
            required: true
          min_required_replicas:
            description: The floor while the schedule is active.
            type: int
            required: true
          schedule:
            description: When it starts, in unix-cron (V(30 7 * * MON-FRI)).
            type: str
            required: true
          duration_sec:
            description: How long it lasts (at least 300).
            type: int
            required: true
          time_zone:
            description: The schedule's time zone (IANA name).
            type: str
            default: UTC
          disabled:
            description: Keep the schedule but do not apply it.
            type: bool
            default: false
          description:
            description: A description.
            type: str
attributes:
  check_mode:
    support: full
    description: Reads the group, its named ports and its autoscaler, and reports what would change without changing anything.
  diff_mode:
    support: full
    description: The group's managed fields, its named ports and its autoscaler before and after, normalised.
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_instance_template
  - module: meridian.global_infra.gce_health_check
  - module: meridian.global_infra.scaling_target
"""

EXAMPLES = r"""
- name: The web tier across three zones, auto-healed, autoscaled on CPU with predictive scaling
  meridian.global_infra.gce_instance_group:
    project: meridian-prod
    region: europe-west1
    name: web
    instance_template: "{{ web_template.template_name }}"
    zones: [europe-west1-b, europe-west1-c, europe-west1-d]
    target_shape: EVEN
    auto_healing:
      health_check: web-http
      initial_delay_sec: 180
    named_ports:
      - {name: http, port: 8080}
    autoscaling:
      min_replicas: 3
      max_replicas: 30
      cpu_utilization_target: 0.6
      predictive_method: OPTIMIZE_AVAILABILITY
      cool_down_period_sec: 90
      scaling_schedules:
        - name: weekday-morning
          schedule: 30 7 * * MON-FRI
          duration_sec: 36000
          min_required_replicas: 6
          time_zone: Europe/Paris
"""

RETURN = r"""
action:
  description: What was done to the group (or would be, in check mode); V(update) too when only its named ports or autoscaler change.
  returned: always
  type: str
  choices: [none, create, update, delete]
autoscaler_action:
  description: What was done to the autoscaler.
  returned: when O(state=present)
  type: str
  choices: [none, create, update, delete]
changes:
  description: The options whose values differed (sorted); every given option for a creation.
  returned: always
  type: list
  elements: str
  sample: [autoscaling, instance_template]
calls:
  description: The update calls made to the group (V(patch), V(set_instance_template), V(resize)).
  returned: when the group is updated
  type: list
  elements: str
  sample: [set_instance_template]
resource:
  description: The group as the API returns it after the run (snake_case keys); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
autoscaler:
  description: The autoscaler as the API returns it after the run (snake_case keys); empty when there is none.
  returned: always
  type: dict
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.compute_module import run_instance_group, run_module
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.compute_resources import desired_instance_group
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        region=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        instance_template=dict(type="str"),
        base_instance_name=dict(type="str"),
        target_size=dict(type="int"),
        zones=dict(type="list", elements="str"),
        target_shape=dict(type="str", choices=["EVEN", "BALANCED", "ANY", "ANY_SINGLE_ZONE"]),
        auto_healing=dict(type="dict", options=dict(
            health_check=dict(type="str", required=True),
            initial_delay_sec=dict(type="int", default=300),
        )),
        named_ports=dict(type="list", elements="dict", options=dict(
            name=dict(type="str", required=True),
            port=dict(type="int", required=True),
        )),
        autoscaling=dict(type="dict", options=dict(
            enabled=dict(type="bool", default=True),
            min_replicas=dict(type="int", default=1),
            keep_forecast=dict(type="bool", default=True),
            forecast_prefix=dict(type="str", default="meridian-forecast"),
            max_replicas=dict(type="int"),
            cool_down_period_sec=dict(type="int", default=60),
            cpu_utilization_target=dict(type="float"),
            lb_utilization_target=dict(type="float"),
            predictive_method=dict(type="str", default="NONE", choices=["NONE", "OPTIMIZE_AVAILABILITY"]),
            mode=dict(type="str", default="ON", choices=["ON", "OFF", "ONLY_SCALE_OUT"]),
            scaling_schedules=dict(type="list", elements="dict", options=dict(
                name=dict(type="str", required=True),
                min_required_replicas=dict(type="int", required=True),
                schedule=dict(type="str", required=True),
                duration_sec=dict(type="int", required=True),
                time_zone=dict(type="str", default="UTC"),
                disabled=dict(type="bool", default=False),
                description=dict(type="str"),
            )),
        )),
    ))
    run_module(module, run_instance_group, desired_instance_group)


if __name__ == "__main__":
    main()
