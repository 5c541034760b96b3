# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ACM client wrapper of the collection: find the estate's certificates by their Name tag,
request, import, tag and delete them.

Build it from an ``AnsibleAWSModule``: ``AcmClient.from_module(module)`` (ACM is regional: the
module's ``region``). Every call goes through the collection's one retry policy (``common.retry``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError, AwsClient

# Every status: a certificate of the estate is found whatever became of it.
STATUSES = ["PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT", "REVOKED", "FAILED"]


class AcmClient(AwsClient):
    SERVICE = "acm"

    def tags(self, arn):
        response = self._call("list_tags_for_certificate", subject="certificate %s" % arn, CertificateArn=arn)
        return dict((t["Key"], t.get("Value", "")) for t in response.get("Tags", []))

    def describe(self, arn):
        """describe_certificate's ``Certificate``, or None when there is no such certificate."""
        try:
            return self._call("describe_certificate", subject="certificate %s" % arn, CertificateArn=arn)["Certificate"]
        except AwsApiError as err:
            if err.code == "ResourceNotFoundException":
                return None
            raise

    def named(self, name):
        """Every certificate of the region whose ``Name`` tag is ``name``: described, with ``Tags``."""
        found = []
        for summary in self._list("list_certificates", "CertificateSummaryList", CertificateStatuses=STATUSES,
                                  Includes={"keyTypes": ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1",
                                                         "EC_secp384r1", "EC_secp521r1"]}):
            arn = summary["CertificateArn"]
            tags = self.tags(arn)
            if tags.get("Name") != name:
                continue
            cert = self.describe(arn)
            if cert is not None:
                cert["Tags"] = tags
                found.append(cert)
        return found

    def request(self, names, token, tags, key_algorithm="RSA_2048"):
        kwargs = dict(DomainName=names[0], ValidationMethod="DNS", IdempotencyToken=token, KeyAlgorithm=key_algorithm,
                      Tags=[{"Key": k, "Value": str(v)} for k, v in sorted(tags.items())])
        if len(names) > 1:
            kwargs["SubjectAlternativeNames"] = list(names)
        return self._call("request_certificate", subject=names[0], **kwargs)["CertificateArn"]

    def import_(self, certificate_pem, private_key_pem, tags):
        return self._call("import_certificate", subject="self-signed certificate", Certificate=certificate_pem,
                          PrivateKey=private_key_pem,
                          Tags=[{"Key": k, "Value": str(v)} for k, v in sorted(tags.items())])["CertificateArn"]

    def set_tags(self, arn, to_set, to_remove):
        if to_remove:
            self._call("remove_tags_from_certificate", subject="certificate %s" % arn, CertificateArn=arn,
                       Tags=[{"Key": k} for k in to_remove])
        if to_set:
            self._call("add_tags_to_certificate", subject="certificate %s" % arn, CertificateArn=arn,
                       Tags=[{"Key": k, "Value": v} for k, v in sorted(to_set.items())])

    def delete(self, arn):
        """Delete a certificate; False when it was already gone."""
        try:
            self._call("delete_certificate", subject="certificate %s" % arn, CertificateArn=arn)
        except AwsApiError as err:
            if err.code == "ResourceNotFoundException":
                return False
            raise
        return True
