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
options:
  _terms:
    description: Optional mapping of all options (for example the inventory variable C(meridian_region_select)).
    required: false
  markets:
    description:
      - Where users are. A list of ISO 3166-1 alpha-2 country codes (demand = city populations);
        a mapping of country code to weight (weights must sum to a positive number, each market's
        weight is spread over its cities by population); or a list mixing country codes and city
        entries C({city, country, weight}) (a packaged city) or C({name, latitude, longitude,
        country, weight}).
      - A city entry is a market of its own, labelled C(CC/City).
    type: raw
    required: true
  data_classes:
    description:
      - Data classes stored per region; each market's data must be allowed in the serving region
        (and in its failover partner) for every class.
      - A list of class names from the policy (C(pii), C(content_metadata), C(operational),
        C(payment)), or a mapping of class name to null (use the policy) or, for a class of your
        own, to its rules (a mapping of jurisdiction to a list of locations, C(*) being the default
        jurisdiction).
      - A location is C(*), a policy group (C(EEA), C(EU_ADEQUATE), C(UK_ADEQUATE), C(CH_ADEQUATE))
        or a country code.
    type: raw
    default: [pii, content_metadata, operational]
  residency:
    description:
      - Overrides of the packaged policy, a mapping of jurisdiction to a mapping of data class to
        either a list of allowed locations or a mapping with C(allowed) and C(denied) lists. A new
        jurisdiction needs a C(countries) list.
      - Jurisdictions are C(EU), C(UK), C(CH), C(JP), C(SG), C(IN), C(BR), C(CA), C(US), C(AU),
        C(KR), C(CN), C(HK) and C(default).
    type: dict
  latency_slo_ms:
    description: Latency SLO; the O(latency_percentile) of each market's population RTT must not exceed it.
    type: float
  latency_percentile:
    description: Percentile of the SLO, over population.
    type: float
    default: 95
  regions:
    description: Exact number of regions (instead of O(min_regions)/O(max_regions)).
    type: int
  min_regions:
    description: Minimum number of regions.
    type: int
    default: 1
  max_regions:
    description: Maximum number of regions; defaults to 3 (or O(min_regions) if larger).
    type: int
  providers:
    description: Providers allowed.
    type: list
    elements: str
    choices: [aws, gcp]
    default: [aws, gcp]
  required_features:
    description: Features every chosen region must offer (reference instance types such as C(m5.large), C(n2-standard-2), C(c3-standard-4), and C(spot)).
    type: list
    elements: str
    default: []
  min_azs:
    description: Minimum number of availability zones.
    type: int
    default: 0
  cost_weight:
    description:
      - Milliseconds of population-weighted mean latency worth one unit of price index (the
        on-demand price of a 2 vCPU / 8 GiB reference instance divided by AWS us-east-1 m5.large).
        0 ignores cost.
    type: float
    default: 0
  exclude_regions:
    description: Regions never chosen, as C(code) or C(provider/code).
    type: list
    elements: str
    default: []
  include_opt_in:
    description: Whether AWS opt-in regions are candidates.
    type: bool
    default: true
  include_restricted_partitions:
    description: Whether regions of separate partitions (AWS China, AWS GovCloud) are candidates.
    type: bool
    default: false
  failover_min_km:
    description: Minimum great-circle distance between a region and its failover partner.
    type: float
    default: 300
  failover_required:
    description: Serve a market only from regions that have a partner at least O(failover_min_km) away satisfying the market's residency.
    type: bool
    default: true
  max_cities_per_market:
    description: Use only the N most populous cities of each country market (0 = all packaged cities).
    type: int
    default: 0
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
    chosen: "{{ query('meridian.global_infra.region_select', meridian_region_select)[0] }}"

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

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.plugins.lookup import LookupBase

try:
    from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import RegionSelectionError
    from ansible_collections.meridian.global_infra.plugins.module_utils.regions.plan import DEFAULTS, select_regions
    from ansible_collections.meridian.global_infra.plugins.module_utils.regions.optimize import HAS_NUMPY
    IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised only without numpy/scipy
    IMPORT_ERROR = exc


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if IMPORT_ERROR is not None or not HAS_NUMPY:
            raise AnsibleLookupError("region_select needs numpy and scipy on the controller: pip install numpy scipy (%s)"
                                     % (IMPORT_ERROR,))
        options = {}
        for i, term in enumerate(terms or []):
            if not isinstance(term, dict):
                raise AnsibleLookupError("region_select: term %d must be a mapping of options, got %r" % (i, term))
            options.update(term)
        options.update(kwargs)
        unknown = sorted(set(options) - set(DEFAULTS))
        if unknown:
            raise AnsibleLookupError("region_select: unknown option %s; known: %s" % (unknown[0], ", ".join(sorted(DEFAULTS))))
        try:
            result = select_regions(options)
        except RegionSelectionError as err:
            raise AnsibleLookupError("region_select: %s" % err)
        except (ValueError, TypeError) as err:
            raise AnsibleError("region_select: unexpected input: %s" % err)
        return [result]
