# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The residency judge of the ``data-residency`` rule, over the policy region selection uses.

``judge(data_class, from_region, to_region)`` is ``regions.residency.ResidencyPolicy.violation``
between the two regions' countries: None when a copy of ``data_class`` data from one region to the
other stays inside its boundary, else the violation (jurisdiction, allowed locations, legal source).

A module cannot read the package's data files (only Python reaches it), so the controller hands it
the policy document and the regions' countries (``residency_inputs``, through the
``compliance_residency`` filter); code that runs on the controller can leave both out.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import load_policy, regions
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.residency import (
    DEFAULT_JURISDICTION,
    ResidencyPolicy,
)


def residency_inputs(overrides=None, provider="aws"):
    """What a module needs to judge residency: ``{overrides, document, region_countries}``."""
    return {"overrides": overrides or {}, "document": load_policy(),
            "region_countries": dict((r["code"], r["country"]) for r in regions() if r["provider"] == provider)}


def known_classes(policy):
    return sorted(policy.jurisdictions[DEFAULT_JURISDICTION]["rules"])


def build_judge(inputs=None, field="residency"):
    """``(judge, classes)`` from ``residency_inputs``' result (or the packaged data when None)."""
    inputs = inputs or {}
    if not isinstance(inputs, dict):
        raise MeridianError(field, "expected {overrides, document, region_countries}, got %r" % (inputs,))
    document = inputs.get("document")
    countries = inputs.get("region_countries")
    if document is None or countries is None:
        defaults = residency_inputs(inputs.get("overrides"))
        document = document if document is not None else defaults["document"]
        countries = countries if countries is not None else defaults["region_countries"]
    policy = ResidencyPolicy(overrides=inputs.get("overrides") or None, document=document)
    classes = known_classes(policy)

    def judge(data_class, from_region, to_region):
        if data_class not in classes:
            return {"data_class": data_class, "jurisdiction": "no rule for this data class", "from": None,
                    "to": None, "allowed": ["a data class of the policy: %s" % ", ".join(classes)], "source": ""}
        source, target = countries.get(from_region), countries.get(to_region)
        if not source or not target:
            unknown = from_region if not source else to_region
            return {"data_class": data_class, "jurisdiction": "unknown region %s" % unknown, "from": source,
                    "to": target, "allowed": ["a region of the catalog"], "source": ""}
        return policy.violation(data_class, source, target)

    return judge, classes
