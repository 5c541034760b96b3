# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the estate's TLS certificates (module_utils/aws/tls): names and the inventory's checks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.tls import certificate_names, local_endpoint, tls_settings_errors
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


@filter_errors(field="names", shape=(TypeError, AttributeError), expected="a list of DNS names")
def tls_certificate_names(names):
    """The names of one certificate: checked, lower-case, without duplicates or names a wildcard covers."""
    return certificate_names(names)


@filter_errors(shape=(TypeError, AttributeError, KeyError), name="tls_settings_errors")
def tls_settings_errors_filter(source, env, regions, zone, region_names, cdn_names, arns, self_signed_allowed,
                               cdn=True):
    """What is wrong with the inventory's certificate settings (messages naming the variable to set)."""
    return tls_settings_errors(source, env, regions, zone, region_names, cdn_names, arns, self_signed_allowed, cdn)


@filter_errors(field="endpoint_url", shape=(TypeError, AttributeError), expected="a URL or an empty string")
def tls_local_endpoint(endpoint_url):
    """Whether the AWS endpoint is an imitation on this machine (a loopback address)."""
    return local_endpoint(endpoint_url)


class FilterModule(object):
    def filters(self):
        return {"tls_certificate_names": tls_certificate_names, "tls_local_endpoint": tls_local_endpoint,
                "tls_settings_errors": tls_settings_errors_filter}
