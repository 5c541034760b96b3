#!/usr/bin/env python
"""Compile one OCSF event class into a JSON Schema (draft 7), from a checkout of the OCSF schema.

    tools/reports/ocsf_schema.py OCSF_SCHEMA_DIR CLASS_PATH OUTPUT [--profile NAME]...

e.g. tools/reports/ocsf_schema.py ../ocsf-schema events/findings/compliance_finding.json \
        tests/data/schemas/ocsf-1.5.0-compliance_finding.schema.json --profile cloud

The OCSF repository (github.com/ocsf/ocsf-schema) defines classes and objects as JSON files that
extend one another, with types in dictionary.json; its own server compiles them. This does the part
the report tests need, the way the OCSF validator reads them: an event or object has exactly the
attributes of its chain (``extends``) and its ``$include`` files, no others; ``required`` ones must
be there (a profile's only when the profile is named with --profile); values have their
dictionary type (an object type becomes a $ref), arrays where ``is_array``, and enum attributes one
of the enum's keys (the dictionary's and the class's together); ``at_least_one`` / ``just_one``
constraints hold. Descriptions are left out.
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import sys

SCALARS = {"string_t": {"type": "string"}, "integer_t": {"type": "integer"}, "long_t": {"type": "integer"},
           "float_t": {"type": "number"}, "boolean_t": {"type": "boolean"}, "json_t": {}, "object": {"type": "object"}}


class Compiler(object):
    def __init__(self, root, profiles):
        self.root = root
        self.profiles = set(profiles)
        self.dictionary = self._load("dictionary.json")
        self.types = self.dictionary["types"]["attributes"]
        self.definitions = {}

    def _load(self, rel):
        with open(os.path.join(self.root, rel), encoding="utf-8") as handle:
            return json.load(handle)

    def _base_type(self, name):
        while name not in SCALARS and name in self.types and self.types[name].get("type"):
            name = self.types[name]["type"]
        return name

    def _merged(self, rel, folder):
        """(attributes, constraints) of a class or object file with its extends chain and includes."""
        data = self._load(rel)
        attributes, constraints = {}, {}
        parent = data.get("extends")
        if parent:
            parent_rel = self._find(parent, folder, rel)
            attributes, constraints = self._merged(parent_rel, folder)
        own = dict(data.get("attributes") or {})
        for include in own.pop("$include", []):
            included = self._load(include)
            profile = included.get("name") if included.get("meta") == "profile" else None
            for name, spec in (included.get("attributes") or {}).items():
                spec = dict(spec)
                if profile and profile not in self.profiles and spec.get("requirement") == "required":
                    spec["requirement"] = "optional"
                attributes[name] = dict(attributes.get(name, {}), **spec)
        for name, spec in own.items():
            attributes[name] = dict(attributes.get(name, {}), **(spec or {}))
        constraints.update(data.get("constraints") or {})
        return attributes, constraints

    def _find(self, name, folder, child_rel):
        if folder == "objects":
            return "objects/%s.json" % name
        here = os.path.dirname(child_rel)
        for candidate in (os.path.join(here, name + ".json"), os.path.join(os.path.dirname(here), name + ".json"),
                          os.path.join("events", name + ".json")):
            if os.path.exists(os.path.join(self.root, candidate)):
                return candidate
        raise SystemExit("cannot find %s (extended by %s)" % (name, child_rel))

    def _attribute(self, name, spec):
        entry = self.dictionary["attributes"].get(name)
        if entry is None:
            raise SystemExit("attribute %s is not in dictionary.json" % name)
        kind = spec.get("type") or entry.get("type")
        base = self._base_type(kind)
        if base in SCALARS:
            schema = dict(SCALARS[base])
        else:
            self._object(kind)
            schema = {"$ref": "#/definitions/%s" % kind}
        enum = dict(entry.get("enum") or {})
        enum.update(spec.get("enum") or {})
        if enum:
            values = sorted(int(k) if base in ("integer_t", "long_t") else k for k in enum)
            schema = dict(schema, enum=values)
        if entry.get("is_array") or spec.get("is_array"):
            schema = {"type": "array", "items": schema}
        return schema

    def _schema(self, attributes, constraints):
        properties = dict((name, self._attribute(name, spec)) for name, spec in sorted(attributes.items()))
        schema = {"type": "object", "additionalProperties": False, "properties": properties,
                  "required": sorted(n for n, s in attributes.items() if s.get("requirement") == "required")}
        if constraints.get("at_least_one"):
            schema["anyOf"] = [{"required": [n]} for n in constraints["at_least_one"]]
        if constraints.get("just_one"):
            schema["oneOf"] = [{"required": [n]} for n in constraints["just_one"]]
        return schema

    def _object(self, name):
        if name in self.definitions:
            return
        self.definitions[name] = None  # cycles: a $ref to a definition being built is fine
        self.definitions[name] = self._schema(*self._merged("objects/%s.json" % name, "objects"))

    def _category(self, rel):
        data = self._load(rel)
        if data.get("category"):
            return data["category"]
        if not data.get("extends"):
            raise SystemExit("%s has no category in its chain" % rel)
        return self._category(self._find(data["extends"], "events", rel))

    def compile(self, class_rel):
        data = self._load(class_rel)
        version = self._load("version.json")["version"]
        schema = self._schema(*self._merged(class_rel, "events"))
        # The ids the OCSF server derives: category_uid from categories.json, class_uid = category * 1000
        # + the class's uid, type_uid = class_uid * 100 + activity_id.
        category = self._category(class_rel)
        category_uid = self._load("categories.json")["attributes"][category]["uid"]
        class_uid = category_uid * 1000 + data["uid"]
        properties = schema["properties"]
        properties["category_uid"] = {"type": "integer", "enum": [category_uid]}
        properties["class_uid"] = {"type": "integer", "enum": [class_uid]}
        properties["type_uid"] = {"type": "integer",
                                  "enum": [class_uid * 100 + a for a in properties["activity_id"]["enum"]]}
        schema.update({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": "OCSF %s %s (class %s), compiled from %s" % (version, data["caption"], data.get("uid"), class_rel),
            "definitions": dict(sorted(self.definitions.items())),
        })
        return schema


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("root")
    parser.add_argument("class_path")
    parser.add_argument("output")
    parser.add_argument("--profile", action="append", default=[])
    args = parser.parse_args(argv)
    schema = Compiler(args.root, args.profile).compile(args.class_path)
    with open(args.output, "w", encoding="utf-8") as handle:
        json.dump(schema, handle, indent=1, sort_keys=True)
        handle.write("\n")
    print("%s: %d object definitions" % (args.output, len(schema["definitions"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
