# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options of regions.plan.select_regions, shared by the region_select lookup and inventory plugin.
    DOCUMENTATION = r"""
options:
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
  candidate_regions:
    description:
      - Only these regions are candidates, as C(code) or C(provider/code); empty means every
        catalog region (after the other filters). The failover partner is a candidate too.
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
"""
