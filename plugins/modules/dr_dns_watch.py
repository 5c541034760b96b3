#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dr_dns_watch
short_description: Wait until a DNS name stops answering with a failed region's addresses
version_added: 0.2.0
description:
  - Polls O(name) every O(interval) seconds through the controller's resolver (as a user's program
    resolves it, caches included) until its answer holds none of the failed region's addresses, and
    returns when that happened.
  - The failed region's addresses are O(away_from), or those O(away_from_name) resolves to when the
    module starts (for example the primary load balancer's DNS name, the value of the PRIMARY
    failover record).
  - A lookup that fails counts as a poll and the watch goes on; an answer that mixes old and new
    addresses is not yet away.
  - The failover drill runs it on a real account (C(dr_failover_detection=route53)) to measure how long
    Route 53's health checkers and the resolver took to send users to the standby. Route 53 is not
    served as DNS by moto, so the local stack does not run it.
  - Read-only.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The name to watch (the failover record's name).
    type: str
    required: true
  type:
    description: The address type to resolve.
    type: str
    default: A
    choices: [A, AAAA]
  away_from:
    description: The failed region's addresses. One of O(away_from) and O(away_from_name) is required.
    type: list
    elements: str
  away_from_name:
    description: A name whose addresses, resolved when the module starts, are the failed region's.
    type: str
  timeout:
    description: Seconds to wait before failing.
    type: float
    default: 300
  interval:
    description: Seconds between two lookups.
    type: float
    default: 1
attributes:
  check_mode:
    support: full
    description: Read-only; runs in full.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to show.
notes:
  - Run it as an asynchronous task (C(async), C(poll=0)) from the fault on and collect it with
    C(ansible.builtin.async_status), so the drill's promotion runs beside the detection, as it would in an outage.
seealso:
  - module: meridian.global_infra.route53_failover
    description: Reads the failover records (the PRIMARY value whose addresses to move away from).
  - module: meridian.global_infra.dr_report
    description: Reports the watch's end as the measured detection (event C(dns_answer_changed)).
"""

EXAMPLES = r"""
- name: Watch the failover name move away from the failed load balancer
  meridian.global_infra.dr_dns_watch:
    name: primary.meridian.example.com
    away_from_name: meridian-prod-1234567890.us-east-1.elb.amazonaws.com
    timeout: 300
  async: 330
  poll: 0
  register: dns_watch
"""

RETURN = r"""
changed_at:
  description: When the answer held none of the failed region's addresses (epoch seconds).
  returned: success
  type: float
  sample: 1738324871.5
answer:
  description: That answer.
  returned: success
  type: list
  elements: str
  sample: [198.51.100.20]
away_from:
  description: The failed region's addresses the answer moved away from.
  returned: always
  type: list
  elements: str
  sample: [192.0.2.10]
polls:
  description: Lookups made.
  returned: success
  type: int
  sample: 72
failed_polls:
  description: Lookups that failed (counted in RV(polls)).
  returned: success
  type: int
  sample: 0
seconds:
  description: Seconds from the first lookup to RV(changed_at).
  returned: success
  type: float
  sample: 71.5
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.dns_watch import DnsWatcher, DnsWatchError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error


def run(params, watcher):
    if params["timeout"] <= 0:
        raise DnsWatchError("timeout", "must be seconds > 0, got %r" % (params["timeout"],))
    away = list(params["away_from"] or [])
    if params["away_from_name"]:
        try:
            away = sorted(set(away) | set(watcher.answer(params["away_from_name"], params["type"])))
        except DnsWatchError as err:
            raise DnsWatchError("away_from_name", err.message)
    result = watcher.wait_until_away(params["name"], params["type"], away, params["timeout"], params["interval"])
    return dict(result, changed=False, away_from=away)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            type=dict(type="str", default="A", choices=["A", "AAAA"]),
            away_from=dict(type="list", elements="str"),
            away_from_name=dict(type="str"),
            timeout=dict(type="float", default=300),
            interval=dict(type="float", default=1),
        ),
        required_one_of=[("away_from", "away_from_name")],
        supports_check_mode=True,
    )
    try:
        module.exit_json(**run(module.params, DnsWatcher()))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
