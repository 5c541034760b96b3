# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``gce_info``: which read a task asks for, checked before any call.

The kinds are those of ``clients.gce.KINDS`` (the registry the resource modules use): a kind added
there is readable by ``gce_info`` with no other change. Nothing here calls an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.engine import GceError, check_name
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.resources import check_project, check_region


def info_request(params, kinds):
    """``{"kind", "name", "region", "filter", "regional"}`` from the options; ``kinds`` maps a kind to
    its ``(client, message, path parameter, scope)`` (``clients.gce.KINDS``)."""
    check_project(params)
    kind = params.get("kind")
    if kind not in kinds:
        raise GceError("kind", "%r is not one of %s" % (kind, ", ".join(sorted(kinds))))
    regional = kinds[kind][3] == "regional"
    region = params.get("region")
    if region is not None:
        if not regional:
            raise GceError("region", "a %s is global: leave region out" % kind)
        check_region(params)
    name = params.get("name")
    if name is not None:
        check_name(name)
        if params.get("filter"):
            raise GceError("filter", "give name or filter, not both")
        if regional and region is None:
            raise GceError("region", "is required to read a %s by name (a %s is regional)" % (kind, kind))
    expression = params.get("filter")
    if expression is not None and not str(expression).strip():
        raise GceError("filter", "is empty: leave it out to list every %s" % kind)
    return {"kind": kind, "name": name, "region": region, "filter": expression, "regional": regional}
