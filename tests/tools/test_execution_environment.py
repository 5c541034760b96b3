# -*- coding: utf-8 -*-
"""execution-environment.yml: ansible-builder writes its build context offline, with our dependency files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILDER = os.path.join(os.path.dirname(sys.executable), "ansible-builder")
DEPENDENCY_FILES = ("requirements.txt", "requirements.yml", "bindep.txt")


def _create(tmp_path, with_artifact):
    """ansible-builder create on a copy of the EE definition and its files; the context directory."""
    work = tmp_path / "project"
    work.mkdir()
    for name in ("execution-environment.yml",) + DEPENDENCY_FILES:
        shutil.copy(os.path.join(ROOT, name), str(work / name))
    if with_artifact:  # what `make build` leaves (tools/check_build.sh)
        (work / ".state" / "build").mkdir(parents=True)
        (work / ".state" / "build" / "meridian-global_infra-9.9.9.tar.gz").write_bytes(b"artifact")
    context = work / "context"
    run = subprocess.run([BUILDER, "create", "-f", "execution-environment.yml", "-c", str(context),
                          "--output-filename", "Containerfile"],
                         cwd=str(work), capture_output=True, text=True, check=False, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return context, run


def test_definition_is_version_3_and_names_our_dependency_files():
    with open(os.path.join(ROOT, "execution-environment.yml")) as handle:
        definition = yaml.safe_load(handle)
    assert definition["version"] == 3
    assert definition["dependencies"]["python"] == "requirements.txt"
    assert definition["dependencies"]["galaxy"] == "requirements.yml"
    assert definition["dependencies"]["system"] == "bindep.txt"


def test_create_writes_the_context_with_the_three_dependency_files(tmp_path):
    context, _run = _create(tmp_path, with_artifact=True)
    containerfile = (context / "Containerfile").read_text()
    for name in DEPENDENCY_FILES:
        with open(os.path.join(ROOT, name)) as handle:
            assert (context / "_build" / name).read_text() == handle.read(), name
    assert containerfile.startswith('ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9"')
    # Python from requirements.txt (introspected), collections from requirements.yml, system packages from bindep.txt
    assert "introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert "RUN /output/scripts/install-from-bindep" in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core>=2.19,<2.20 ansible-runner>=2.4,<3"' in containerfile
    # the collection itself, installed in the final image from the artifact copied into the context
    assert (context / "_build" / "meridian" / "meridian-global_infra-9.9.9.tar.gz").read_bytes() == b"artifact"
    final = containerfile[containerfile.index("FROM base AS final"):]
    assert "COPY _build/meridian/ /tmp/meridian/" in final
    assert ("RUN ansible-galaxy collection install --offline /tmp/meridian/meridian-global_infra-*.tar.gz "
            "-p /usr/share/ansible/collections") in final
    assert final.index("collection install --offline") < final.index("USER 1000")


def test_create_without_the_artifact_says_so(tmp_path):
    context, run = _create(tmp_path, with_artifact=False)
    assert "No matches for '.state/build/meridian-global_infra-*.tar.gz'" in run.stdout + run.stderr
    assert (context / "Containerfile").exists()
    assert not (context / "_build" / "meridian").exists()
