# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: region_select
short_description: Choose cloud regions from user demand, latency, data residency and cost
version_added: 0.1.0
description:
  - Chooses which AWS and GCP regions to run so that every market is served from a region that
    may hold its data (residency is a hard constraint), the latency SLO holds for each market's
    population, the number of regions stays within bounds, and population-weighted mean latency
    plus O(cost_weight) times the price index of the chosen regions is minimal.
  - The choice is exact; it is a facility-location mixed-integer programme solved with HiGHS
    through C(scipy.optimize.milp). A greedy search is used only when scipy is missing, and the
    result then says C(solver.optimal=false).
  - Demand comes from the population of the packaged GeoNames cities of each market unless
    weights or cities are given.
  - Latency is the measured AWS inter-region p50 RTT where it exists, otherwise a distance model
    calibrated on that matrix (see C(docs/region_select.md)).
  - Residency defaults per jurisdiction and data class ship with the collection, cite their legal
    source and are not legal advice; override them with O(residency).
  - Options can be given as keyword arguments, or as one mapping in the first term (for example an
    inventory variable); keyword arguments win.
  - Returns one element, a mapping; use C(query(...)[0]) or C(lookup(..., wantlist=false)).
author:
  - Meridian Platform Team (@meridian)
extends_documentation_fragment:
  - meridian.global_infra.region_select
options:
  _terms:
    description: Optional mapping of all options (for example a variable holding them).
    required: false
notes:
  - Runs on the controller and needs C(numpy) and C(scipy) (C(scipy.optimize.milp)).
  - Residency rules are engineering defaults, not legal advice.
seealso:
  - name: Region selection guide
    description: Inputs, outputs, the model and its measured accuracy.
    link: https://github.com/meridian/global_infra/tree/main/docs/region_select.md
"""

EXAMPLES = r"""
- name: Choose up to three regions for Europe, the US and Japan
  ansible.builtin.set_fact:
    chosen: "{{ query('meridian.global_infra.region_select', markets=['DE', 'FR', 'GB', 'US', 'JP'],
                latency_slo_ms=150, max_regions=3, cost_weight=5)[0] }}"

- name: Weighted markets, payment data for India, AWS only
  ansible.builtin.set_fact:
    chosen: "{{ query('meridian.global_infra.region_select',
                markets={'IN': 3, 'SG': 1}, data_classes=['pii', 'payment'], providers=['aws'])[0] }}"

- name: All options from an inventory variable
  ansible.builtin.set_fact:
    chosen: "{{ query('meridian.global_infra.region_select', my_region_options)[0] }}"

- name: One host per chosen region
  ansible.builtin.add_host:
    name: "{{ item.provider }}-{{ item.region }}"
    groups: [regions]
    meridian_provider: "{{ item.provider }}"
    meridian_region: "{{ item.region }}"
    meridian_failover_region: "{{ item.failover_region }}"
    meridian_markets: "{{ item.markets }}"
  loop: "{{ chosen.regions }}"
"""

RETURN = r"""
_raw:
  description: One mapping describing the choice.
  type: list
  elements: dict
  contains:
    regions:
      description: Chosen regions, largest population share first.
      type: list
      elements: dict
      contains:
        provider: {description: C(aws) or C(gcp)., type: str, sample: aws}
        region: {description: The cloud's region code., type: str, sample: eu-west-1}
        failover_region: {description: Partner region code (null if none exists)., type: str, sample: eu-central-1}
        failover_provider: {description: Provider of the partner., type: str, sample: aws}
        failover_distance_km: {description: Great-circle distance to the partner., type: float}
        failover_rtt_ms: {description: RTT to the partner (measured or modelled)., type: float}
        failover_rtt_source: {description: C(measured) or C(model)., type: str}
        failover_is_active: {description: Whether the partner is itself a chosen region., type: bool}
        markets: {description: Labels of the markets (some of) whose population this region serves., type: list, elements: str, sample: [DE, FR]}
        population_share: {description: Share of total demand served., type: float}
        top_cities: {description: Up to ten most populous cities served., type: list, elements: str}
        name: {description: Region name., type: str}
        city: {description: Region location., type: str}
        country: {description: Region country (ISO alpha-2)., type: str}
        jurisdiction: {description: Region jurisdiction in the residency policy., type: str}
        price_index: {description: Reference instance price / AWS us-east-1 m5.large price., type: float}
        price_usd_hour: {description: On-demand USD/hour of the reference instance (null if not recorded)., type: float}
        price_estimated: {description: True when the price index is the provider median., type: bool}
        reference_instance: {description: The reference instance type., type: str}
        az_count: {description: Availability zones., type: int}
        opt_in: {description: "C(not-required), C(opt-in-required) or C(separate-partition).", type: str}
    markets:
      description: Per market label, the expected latency over its population and where it is served from.
      type: dict
      sample: {DE: {country: DE, jurisdiction: EU, p50_ms: 14.2, p95_ms: 18.0, mean_ms: 14.5,
               slo_quantile_ms: 18.0, meets_slo: true, population_share: 0.08, regions: {eu-central-1: 1.0}}}
    cost:
      description: C(price_index_total) of the chosen regions, its USD/hour for one reference instance per region, and the cost weight.
      type: dict
    objective:
      description: C(value) = C(mean_latency_ms) + C(cost_term).
      type: dict
    rejected:
      description: Every catalog region not chosen, with the reason.
      type: list
      elements: dict
      sample: [{provider: gcp, region: europe-west1, reason: "not optimal: replacing eu-west-1 with it raises the objective by 0.412"}]
    solver:
      description: C(method) (C(milp-highs) or C(greedy)), C(optimal), problem size.
      type: dict
    constraints:
      description: The constraints applied, including the residency rules per jurisdiction with their sources.
      type: dict
    latency_model:
      description: Calibrated distance model, C(intercept_ms) + C(ms_per_km) * km.
      type: dict
    disclaimer:
      description: The residency policy is not legal advice.
      type: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.meridian.global_infra.plugins.plugin_utils.region_select import choose


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        options = {}
        for i, term in enumerate(terms or []):
            if not isinstance(term, dict):
                raise AnsibleLookupError("region_select: term %d must be a mapping of options, got %r" % (i, term))
            options.update(term)
        options.update(kwargs)
        return [choose(options, AnsibleLookupError)]
