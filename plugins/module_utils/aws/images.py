# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The machine image of each region: where it comes from, and whether the instances can boot it.

AMI IDs are regional: an image copied to another region gets another ID. A region's image is either
an explicit AMI ID (``compute_image_ids`` / ``compute_image_id``) or the value of an SSM parameter
read in that region (``compute_image_ssm_parameter``, e.g. the public Amazon Linux 2023 parameter),
which gives each region its own ID. Pure code: the module ``ec2_image_info`` fetches, this judges.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

IMAGE_ID_RE = re.compile(r"^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
# SSM parameter names: a path of letters, digits and . - _ / (the public AMI parameters live under /aws/service/).
PARAMETER_RE = re.compile(r"^/?[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)*$")
RESOLVE_PREFIX = "resolve:ssm:"
# Architectures an instance type runs, as DescribeInstanceTypes reports them (ProcessorInfo.SupportedArchitectures)
# and an image's Architecture (DescribeImages).
ARCHITECTURES = ("i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac")


class ImageError(MeridianError):
    """An image setting or an image that cannot be used."""


def image_source(image_id, parameter, region, field="compute_image_id", parameter_field="compute_image_ssm_parameter"):
    """Where the region's image comes from: ``{"kind": "id", "image_id": ...}`` or
    ``{"kind": "ssm", "parameter": ...}``.

    ``image_id`` is an AMI ID, ``resolve:ssm:<parameter>`` (the launch-template syntax) or empty;
    empty falls back to ``parameter`` (``compute_image_ssm_parameter``). Raises ``ImageError``
    naming the field (``field`` or ``parameter_field``) when neither is usable.
    """
    image_id = (image_id or "").strip()
    parameter = (parameter or "").strip()
    if image_id.startswith(RESOLVE_PREFIX):
        parameter, image_id = image_id[len(RESOLVE_PREFIX):], ""
        field_p = field
    else:
        field_p = parameter_field
    if image_id:
        if not IMAGE_ID_RE.match(image_id):
            raise ImageError(field, "%r for %s is not an AMI ID (ami- and 8 or 17 hex digits); give the ID of the "
                                    "image in %s, or leave it empty to resolve compute_image_ssm_parameter there"
                             % (image_id, region, region))
        return {"kind": "id", "image_id": image_id}
    if parameter:
        if not PARAMETER_RE.match(parameter):
            raise ImageError(field_p, "%r is not an SSM parameter name (for example "
                                      "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64)" % parameter)
        return {"kind": "ssm", "parameter": parameter}
    raise ImageError(field, "no image for %s: set compute_image_ids.%s to the AMI ID of that region, or "
                            "compute_image_ssm_parameter to an SSM parameter that names one in every region"
                     % (region, region))


def image_plan_errors(regions):
    """Errors of the estate's image settings, before any API call.

    ``regions`` is a list of ``{"host", "region", "image_id", "parameter"}`` (one per AWS region host,
    ``image_id`` the host's explicit setting, possibly empty). Refuses a setting that is neither an
    AMI ID nor a parameter, and the same explicit AMI ID in two regions (an AMI exists in one region
    only, so at most one of them could launch). Returns a sorted list of messages naming the field
    and the fix.
    """
    errors = []
    by_id = {}
    for entry in regions:
        region = entry.get("region") or ""
        try:
            source = image_source(entry.get("image_id"), entry.get("parameter"), region)
        except ImageError as err:
            errors.append("%s (host %s)" % (err, entry.get("host", region)))
            continue
        if source["kind"] == "id":
            by_id.setdefault(source["image_id"], set()).add(region)
    for image_id, regions_of in sorted(by_id.items()):
        if len(regions_of) > 1:
            names = sorted(regions_of)
            errors.append(
                "compute_image_ids: %s is given for %s; an AMI ID names an image in one region only: give each "
                "region the ID of its own copy (aws ec2 copy-image), or remove these entries and let "
                "compute_image_ssm_parameter resolve the image in each region" % (image_id, " and ".join(names)))
    return errors


def image_errors(image, instance_types, region, source):
    """Errors of a resolved image against the instance types that will boot it.

    ``image`` is a DescribeImages entry (or ``None`` when the region has no such image);
    ``instance_types`` maps an instance type to its supported architectures (DescribeInstanceTypes)
    or to ``None`` when the region does not offer it. ``source`` is ``image_source``'s answer.
    """
    where = ("SSM parameter %s" % source["parameter"]) if source["kind"] == "ssm" else "compute_image_ids.%s" % region
    if not image:
        return ["%s names %s, which is not an image in %s (AMI IDs are regional): give the ID of the image "
                "in %s" % (where, source.get("image_id") or "an image", region, region)]
    errors = []
    if image.get("State", "available") != "available":
        errors.append("%s names %s in %s, whose state is %s, not available" % (where, image["ImageId"], region, image["State"]))
    arch = image.get("Architecture")
    for itype, archs in sorted(instance_types.items()):
        if archs is None:
            errors.append("instance type %s is not offered in %s: choose another aws.instance_type in "
                          "meridian_services" % (itype, region))
        elif arch and arch not in archs:
            errors.append("%s names %s (%s), which instance type %s cannot boot (it runs %s): use an image for %s "
                          "or an instance type for %s" % (where, image["ImageId"], arch, itype, ", ".join(archs),
                                                          "/".join(archs), arch))
    return errors


def image_summary(image, source):
    """The module's return value for a resolved image."""
    return {
        "image_id": image["ImageId"],
        "name": image.get("Name", ""),
        "architecture": image.get("Architecture", ""),
        "creation_date": image.get("CreationDate", ""),
        "owner_id": image.get("OwnerId", ""),
        "source": source["kind"],
        "parameter": source.get("parameter", ""),
    }


SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def service_artifact_errors(url, sha256=""):
    """Errors of the service artifact settings (``compute_service_artifact_url`` / ``_sha256``).

    Empty URL: the collection's own service file, nothing to check. Otherwise the URL must be https
    (or s3 through a presigned https URL) and the checksum 64 lowercase hex digits, so an instance
    never runs a download it did not verify.
    """
    url = (url or "").strip()
    sha256 = (sha256 or "").strip()
    errors = []
    if not url:
        if sha256:
            errors.append("compute_service_artifact_sha256 is set without compute_service_artifact_url: set the URL of "
                          "the release it checks, or remove it")
        return errors
    if not url.startswith("https://"):
        errors.append("compute_service_artifact_url: %r is not an https:// URL; instances download the release over "
                      "HTTPS only (use a presigned S3 URL or an HTTPS release server)" % url)
    if not SHA256_RE.match(sha256):
        errors.append("compute_service_artifact_sha256: must be the release's SHA-256 (64 lowercase hex digits, "
                      "sha256sum FILE) so that instances refuse any other download; got %r" % sha256)
    return errors
