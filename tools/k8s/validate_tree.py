#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate a rendered gitops tree: every manifest against the Kubernetes version's schemas.

    tools/k8s/validate_tree.py GITOPS_DIR --version 1.33 [--json]

Every ``*.yaml`` under GITOPS_DIR but the kustomizations is validated with the collection's own
validation (kubernetes-validate in strict mode for built-in kinds, the copied CRD schemas for
custom resources); each kustomization must list exactly the files and directories beside it.
Exit 0 when all is valid, 1 with one line per problem otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, ".collections"))

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s import layout  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.schema import validate_manifests  # noqa: E402


def check_tree(root, version):
    """(manifest count, problems) of the tree under ``root``."""
    problems = []
    count = 0
    for dirpath, dirnames, files in os.walk(root):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, root)
        entries = sorted(f for f in files if f.endswith(".yaml") and f != layout.KUSTOMIZATION) + sorted(dirnames)
        if entries:
            if layout.KUSTOMIZATION not in files:
                if rel_dir != ".":
                    problems.append("%s: no %s" % (rel_dir, layout.KUSTOMIZATION))
            else:
                with open(os.path.join(dirpath, layout.KUSTOMIZATION)) as handle:
                    listed = sorted((layout.load(handle.read()) or {}).get("resources") or [])
                if listed != sorted(entries):
                    problems.append("%s/%s lists %s, the directory holds %s" % (rel_dir, layout.KUSTOMIZATION, listed, sorted(entries)))
        for name in sorted(files):
            if not name.endswith(".yaml") or name == layout.KUSTOMIZATION:
                continue
            path = os.path.join(dirpath, name)
            with open(path) as handle:
                text = handle.read()
            manifest = layout.load(text)
            count += 1
            try:
                validate_manifests([manifest], version)
            except MeridianError as err:
                problems.append("%s: %s" % (os.path.relpath(path, root), err))
                continue
            if layout.dump(manifest) != text:
                problems.append("%s: not in the collection's stable layout (re-render it)" % os.path.relpath(path, root))
    return count, problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("root")
    parser.add_argument("--version", required=True, help="Kubernetes minor version, e.g. 1.33")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.root):
        print("%s: not a directory" % args.root, file=sys.stderr)
        return 1
    count, problems = check_tree(args.root, args.version)
    if args.json:
        print(json.dumps({"manifests": count, "problems": problems}))
    else:
        for line in problems:
            print(line)
        print("%d manifests, %d problems" % (count, len(problems)))
    return 1 if problems or not count else 0


if __name__ == "__main__":
    sys.exit(main())
