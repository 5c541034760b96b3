#!/usr/bin/env python
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate a report directory (drift or compliance) against the formats' own schemas.

results.sarif against the SARIF 2.1.0 JSON schema (OASIS), junit.xml against the JUnit XSD and
ocsf.json against the OCSF 1.5.0 Compliance Finding schema, all in tests/data/schemas (their sources
and licences: tests/data/schemas/README.md).

Usage: validate_reports.py REPORT_DIR [REPORT_DIR ...]
Exit 0 when every file is valid; 1 naming each file, the path inside it and the error otherwise.
"""

import json
import os
import sys

import jsonschema
from lxml import etree

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMAS = os.path.join(ROOT, "tests", "data", "schemas")


def _json_schema(name, validator_class):
    with open(os.path.join(SCHEMAS, name)) as handle:
        schema = json.load(handle)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=jsonschema.FormatChecker())


def sarif_validator():
    return _json_schema("sarif-schema-2.1.0.json", jsonschema.Draft4Validator)


def ocsf_validator():
    return _json_schema("ocsf-1.5.0-compliance_finding.schema.json", jsonschema.Draft7Validator)


def junit_schema():
    return etree.XMLSchema(etree.parse(os.path.join(SCHEMAS, "JUnit.xsd")))


def schema_errors(validator, document):
    """Every error of a JSON document, as 'path: message'."""
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message) for e in validator.iter_errors(document)]


def junit_errors(schema, text):
    """Every error of a JUnit XML text against the XSD."""
    document = etree.fromstring(text.encode("utf-8"))
    if schema.validate(document):
        return []
    return [str(e) for e in schema.error_log]


def directory_errors(path):
    """Errors of the report directory's three schema-bound files, each prefixed with its file name."""
    errors = []
    checks = (("results.sarif", sarif_validator), ("ocsf.json", ocsf_validator))
    for name, make in checks:
        target = os.path.join(path, name)
        if not os.path.isfile(target):
            errors.append("%s: missing" % target)
            continue
        with open(target) as handle:
            document = json.load(handle)
        validator = make()
        # ocsf.json is a list of findings, each one a Compliance Finding
        for i, item in enumerate(document if isinstance(document, list) else [document]):
            where = "%s[%d]" % (target, i) if isinstance(document, list) else target
            errors.extend("%s: %s" % (where, e) for e in schema_errors(validator, item))
    target = os.path.join(path, "junit.xml")
    if not os.path.isfile(target):
        errors.append("%s: missing" % target)
    else:
        with open(target) as handle:
            errors.extend("%s: %s" % (target, e) for e in junit_errors(junit_schema(), handle.read()))
    return errors


def main(argv=None):
    dirs = (argv if argv is not None else sys.argv[1:])
    if not dirs:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    errors = []
    for path in dirs:
        errors.extend(directory_errors(path))
    for error in errors:
        print(error)
    if not errors:
        print("valid: %s" % ", ".join(dirs))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
