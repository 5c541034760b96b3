# -*- coding: utf-8 -*-
"""tools/k8s/import_crd.py: an upstream CRD (YAML) to the shipped schema module, reproducibly."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import json
import os
import subprocess
import sys
import types

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tools", "k8s", "import_crd.py")
CRDS = os.path.join(ROOT, "plugins", "module_utils", "k8s", "data", "crds")

UPSTREAM = """
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: other.example.com}
spec: {group: example.com, names: {kind: Other}, versions: []}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          description: A widget.
          type: object
          properties:
            spec:
              description: The spec.
              type: object
              x-kubernetes-validations: [{rule: "self.size > 0"}]
              properties:
                description: {type: string, description: "a field called description"}
                size: {type: integer, minimum: 1, example: 3}
                pattern: {type: string, pattern: '^a\\\\b"$'}
    - name: v0
      served: false
      storage: false
      schema: {openAPIV3Schema: {type: object}}
"""


def _load(path):
    spec = importlib.util.spec_from_file_location("crd_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_conversion_keeps_the_served_schemas_without_documentation(tmp_path):
    source = tmp_path / "upstream.yaml"
    source.write_text(UPSTREAM)
    out = tmp_path / "widget_example_com.py"
    command = [sys.executable, SCRIPT, str(source), "widgets.example.com", "--source", "example/widgets v1.0 (abc)",
               "-o", str(out)]
    subprocess.check_call(command)
    first = out.read_bytes()
    subprocess.check_call(command)
    assert out.read_bytes() == first  # reproducible
    module = _load(str(out))
    assert module.NAME == "widgets.example.com" and "example/widgets v1.0 (abc)" in module.__doc__
    data = json.loads(module.DATA)
    assert data["group"] == "example.com" and data["kind"] == "Widget" and list(data["versions"]) == ["v1"]
    spec = data["versions"]["v1"]["properties"]["spec"]
    assert "description" not in data["versions"]["v1"] and "description" not in spec
    assert "x-kubernetes-validations" not in spec
    assert spec["properties"]["description"] == {"type": "string"}  # a field called description stays
    assert spec["properties"]["size"] == {"type": "integer", "minimum": 1}
    assert spec["properties"]["pattern"]["pattern"] == yaml.safe_load(UPSTREAM.split("---")[2])[
        "spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["pattern"]["pattern"]

    plain = subprocess.check_output([sys.executable, SCRIPT, str(source), "widgets.example.com"])
    assert json.loads(plain) == data


def test_an_unknown_crd_is_an_error(tmp_path):
    source = tmp_path / "upstream.yaml"
    source.write_text(UPSTREAM)
    failed = subprocess.run([sys.executable, SCRIPT, str(source), "gadgets.example.com"], capture_output=True, text=True,
                            check=False)
    assert failed.returncode != 0 and "no CustomResourceDefinition named gadgets.example.com" in failed.stderr


def test_the_shipped_modules_name_their_source():
    for name in sorted(os.listdir(CRDS)):
        if name.endswith(".py") and name != "__init__.py":
            module = _load(os.path.join(CRDS, name))
            assert os.path.isfile(os.path.join(CRDS, name + ".SOURCE.md"))
            with open(os.path.join(CRDS, name + ".SOURCE.md")) as handle:
                text = handle.read()
            assert "Apache License 2.0" in text and module.NAME in text and "commit" in module.__doc__
            assert isinstance(json.loads(module.DATA)["versions"], dict)
            assert isinstance(module, types.ModuleType)
