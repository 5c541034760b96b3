# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight checks of the drill that need no network: whether the standby may hold the data.

Each check is a dict ``{name, passed, detail}`` as the drill report records it; a bad input is a
failed check whose detail names the variable to fix, never an exception, so that the report says
why the drill did not start.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.residency import copy_violations

STANDBY_RESIDENCY = "standby satisfies residency"


def standby_residency(data_class, primary_region, standby_region, overrides=None, provider="aws",
                      field="meridian_database.data_class"):
    """The residency check of the drill's standby, by the collection's one policy.

    Failing over copies the database (``data_class``, held in ``primary_region``) to
    ``standby_region``: the same rule as a bucket's replication or the database's read replica
    (regions.residency.copy_violations, with the inventory's ``overrides``). ``field`` is the
    variable that holds the data class, named when it is missing or unknown.
    """
    check = {"name": STANDBY_RESIDENCY, "passed": False}
    try:
        found = copy_violations([{"name": "database", "data_class": data_class, "field": field}],
                                primary_region, standby_region, overrides, provider)
    except MeridianError as err:
        check["detail"] = str(err)
        return check
    if not found:
        check["passed"] = True
        check["detail"] = "%s may hold the %s data of %s" % (standby_region, data_class, primary_region)
        return check
    v = found[0]
    check["detail"] = ("%s (%s) may not hold the database's %s data of %s (%s: %s rules allow only %s; %s); fail over "
                       "to a region inside the boundary, or override the rule in meridian_residency if your legal "
                       "basis allows the transfer"
                       % (standby_region, v["to"], data_class, primary_region, v["from"], v["jurisdiction"],
                          ", ".join(v["allowed"]), v["source"]))
    return check
