# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OCSF report (ocsf.json) for security tooling (security data lakes, SIEMs): a JSON array of
OCSF 1.5.0 Compliance Finding events (class 2003 in the Findings category), one per finding.

Mapping: ``finding_info.uid`` is the fingerprint; ``compliance.control`` the rule,
``compliance.standards`` the report's standard (``meridian-policy`` for compliance findings,
``meridian-code`` for drift and unmanaged resources: the code is the baseline), ``compliance.status``
Fail; ``resources[0]`` the resource (uid, type, region, cloud partition); ``cloud`` the provider and
region; ``remediation.desc`` how to fix; the field, expected and actual values under
``unmapped.meridian``. The events apply the ``cloud`` profile (``metadata.profiles``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

OCSF_VERSION = "1.5.0"
CATEGORY_UID = 2  # Findings
CLASS_UID = 2003  # Compliance Finding = category * 1000 + class id 3
ACTIVITY_CREATE = 1
SEVERITY_IDS = {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
SEVERITY_CAPTIONS = {1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}
COMPLIANCE_FAIL = 3
STATUS_NEW = 1
VENDOR = "meridian.global_infra"
_PROVIDERS = {"aws": "AWS", "gcp": "GCP", "azure": "Azure", "kubernetes": "Kubernetes"}
_TITLES = {"drift": "Live setting differs from the code", "unmanaged": "Resource not declared by the code",
           "compliance": "Policy rule fails"}


def event(finding, tool, time_ms, tool_version=None):
    """One Compliance Finding event. ``time_ms``: milliseconds since the epoch (OCSF timestamp_t)."""
    severity_id = SEVERITY_IDS[finding.severity]
    provider = _PROVIDERS.get(finding.provider, finding.provider)
    product = {"name": tool, "vendor_name": VENDOR}
    if tool_version:
        product["version"] = str(tool_version)
    resource = {"uid": finding.resource_id, "name": finding.resource_id, "type": finding.resource_type or None,
                "region": finding.region or None}
    if finding.provider == "aws" and finding.region.startswith("cn-"):
        resource["cloud_partition"] = "aws-cn"
    elif finding.provider == "aws" and finding.region.startswith("us-gov-"):
        resource["cloud_partition"] = "aws-us-gov"
    elif finding.provider == "aws":
        resource["cloud_partition"] = "aws"
    cloud = {"provider": provider}
    if finding.region:
        cloud["region"] = finding.region
    result = {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Compliance Finding: Create",
        "time": time_ms,
        "severity_id": severity_id,
        "severity": SEVERITY_CAPTIONS[severity_id],
        "status_id": STATUS_NEW,
        "status": "New",
        "message": finding.message,
        "metadata": {"version": OCSF_VERSION, "product": product, "uid": finding.fingerprint,
                     "labels": [finding.kind], "profiles": ["cloud"]},
        "finding_info": {"uid": finding.fingerprint, "title": "%s: %s" % (_TITLES[finding.kind], finding.rule),
                         "desc": finding.message, "types": [finding.kind], "created_time": time_ms},
        "compliance": {"control": finding.rule,
                       "standards": ["meridian-policy" if finding.kind == "compliance" else "meridian-code"],
                       "status_id": COMPLIANCE_FAIL, "status": "Fail"},
        "resources": [dict((k, v) for k, v in resource.items() if v is not None)],
        "cloud": cloud,
        "unmapped": {"meridian": {"kind": finding.kind, "field": finding.field, "expected": finding.expected,
                                  "actual": finding.actual, "fingerprint": finding.fingerprint}},
    }
    if finding.remediation:
        result["remediation"] = {"desc": finding.remediation}
    return result


def render(findings, tool, time_ms, tool_version=None):
    return json.dumps([event(f, tool, time_ms, tool_version) for f in findings], indent=2, sort_keys=True) + "\n"
