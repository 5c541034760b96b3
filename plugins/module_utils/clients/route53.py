# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Route 53 client wrapper of the collection (hosted zones, failover records, health checks).

Build it from an ``AnsibleAWSModule``: ``Route53Client.from_module(module)``. Route 53 throttles
hardest during a failover (``Throttling``, ``PriorRequestNotComplete``); every call here goes
through the collection's one retry policy (``common.retry``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError, AwsClient

# A failover pair is two record sets and the listing starts at them: the first page holds them.
_RECORD_PAGE = 100


def _fqdn(name):
    return name.rstrip(".").lower() + "."


class Route53Client(AwsClient):
    SERVICE = "route53"

    def public_zone_id(self, zone):
        """The id (without ``/hostedzone/``) of the public hosted zone named ``zone``, or None."""
        for hz in self._list("list_hosted_zones", "HostedZones"):
            if _fqdn(hz["Name"]) == _fqdn(zone) and not hz.get("Config", {}).get("PrivateZone"):
                return hz["Id"].split("/")[-1]
        return None

    def failover_records(self, zone_id, name, rtype):
        """The failover record sets (boto3 shape) of ``name`` and ``rtype`` in the zone."""
        sets = self._list("list_resource_record_sets", "ResourceRecordSets", subject="zone %s" % zone_id,
                          HostedZoneId=zone_id, StartRecordName=_fqdn(name), StartRecordType=rtype,
                          PaginationConfig={"MaxItems": _RECORD_PAGE})
        return [rr for rr in sets if _fqdn(rr["Name"]) == _fqdn(name) and rr["Type"] == rtype and rr.get("Failover")]

    def health_check_config(self, health_check_id):
        """The ``HealthCheckConfig`` of a health check, or None when there is no such check."""
        try:
            response = self._call("get_health_check", subject="health check %s" % health_check_id,
                                  HealthCheckId=health_check_id)
        except AwsApiError as err:
            if err.code == "NoSuchHealthCheck":
                return None
            raise
        return response["HealthCheck"]["HealthCheckConfig"]

    def health_check_reports(self, health_check_id):
        """The checkers' last status reports (``Success: ...``, ``Failure: ...``), or None when there
        is no such check."""
        try:
            response = self._call("get_health_check_status", subject="health check %s" % health_check_id,
                                  HealthCheckId=health_check_id)
        except AwsApiError as err:
            if err.code == "NoSuchHealthCheck":
                return None
            raise
        return [o.get("StatusReport", {}).get("Status", "") for o in response.get("HealthCheckObservations", [])]

    def set_inverted(self, health_check_id, inverted):
        """Invert (or stop inverting) a health check; returns its ``HealthCheckConfig`` afterwards."""
        response = self._call("update_health_check", subject="health check %s" % health_check_id,
                              HealthCheckId=health_check_id, Inverted=bool(inverted))
        config = (response.get("HealthCheck") or {}).get("HealthCheckConfig")
        return config if config is not None else self.health_check_config(health_check_id)
