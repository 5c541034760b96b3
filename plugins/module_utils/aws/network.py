# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure reading of a region's AWS security groups: what each one exposes, to whom, on which ports.
Nothing here calls an API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError


class SecurityGroupError(MeridianError):
    """Security groups that cannot be read; ``field`` names the input."""


_WORLD = ("0.0.0.0/0", "::/0")


def _port_range(permission):
    """'all', a port, or 'from-to' for one IP permission (snake_case, as the info modules return it)."""
    if str(permission.get("ip_protocol")) == "-1":
        return "all"
    low, high = permission.get("from_port"), permission.get("to_port")
    return low if low == high else "%s-%s" % (low, high)


def _sort_ports(ports):
    return sorted(set(ports), key=lambda p: (isinstance(p, str), str(p) if isinstance(p, str) else p))


def _direction(permissions, names):
    world, groups, cidrs = [], {}, {}
    for permission in permissions or []:
        port = _port_range(permission)
        ranges = [r.get("cidr_ip") for r in permission.get("ip_ranges") or []]
        ranges += [r.get("cidr_ipv6") for r in permission.get("ipv6_ranges") or []]
        for cidr in ranges:
            if cidr in _WORLD:
                world.append(port)
            else:
                cidrs.setdefault(cidr, []).append(port)
        for pair in permission.get("user_id_group_pairs") or []:
            source = names.get(pair.get("group_id"), pair.get("group_id"))
            groups.setdefault(source, []).append(port)
    return {
        "world": _sort_ports(world),
        "groups": dict((k, _sort_ports(v)) for k, v in sorted(groups.items())),
        "cidrs": dict((k, _sort_ports(v)) for k, v in sorted(cidrs.items())),
    }


def security_group_exposure(groups, prefix=""):
    """Who may reach each security group, from ec2_security_group_info's ``security_groups``.

    Returns {group: {"ingress": {...}, "egress": {...}}}, where each direction lists the ports open
    to the whole internet (``world``: 0.0.0.0/0 or ::/0), per peer security group (``groups``, by
    name) and per other CIDR (``cidrs``). Group names lose ``prefix`` (``meridian-local-alb`` with
    prefix ``meridian-local-`` is ``alb``) so that checks read the same in every environment.
    A port is an int, ``"from-to"`` for a range, or ``"all"`` for every protocol.
    """
    if not isinstance(groups, (list, tuple)):
        raise SecurityGroupError("security_groups", "expected the list ec2_security_group_info returns, got %r" % (groups,))

    def short(name):
        return name[len(prefix):] if prefix and name.startswith(prefix) else name

    names = dict((g.get("group_id"), short(g.get("group_name", ""))) for g in groups)
    out = {}
    for group in groups:
        out[short(group.get("group_name", ""))] = {
            "ingress": _direction(group.get("ip_permissions"), names),
            "egress": _direction(group.get("ip_permissions_egress"), names),
        }
    return out
