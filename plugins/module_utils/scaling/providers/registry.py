# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scaling target kinds, by name: where a new provider (a GCE managed instance group, a
Kubernetes HPA) plugs in with one line."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.plan import ScalingPlanError
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.providers.aws_asg import AwsAsgProvider
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.providers.gce_mig import GceMigProvider
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.providers.k8s_hpa import K8sHpaProvider

PROVIDERS = {AwsAsgProvider.name: AwsAsgProvider, K8sHpaProvider.name: K8sHpaProvider}
PROVIDERS[GceMigProvider.name] = GceMigProvider


def provider(name, **kwargs):
    """The scaling target kind called ``name`` (``aws_asg``, ``k8s_hpa``)."""
    try:
        return PROVIDERS[name](**kwargs)
    except KeyError:
        raise ScalingPlanError("provider", "%r is not one of %s" % (name, ", ".join(sorted(PROVIDERS))))
