# -*- coding: utf-8 -*-
"""The predictive_scaling role reads each service's floor from the rendered gitops tree (read_k8s.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

from ansible_collections.meridian.global_infra.plugins.module_utils.k8s import layout

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "predictive_scaling_k8s.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
DIRECTORY = os.path.join("local-eu-west-1", "meridian-local")


def _play(gitops_dir, out="/dev/null"):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", PLAYBOOK, "-e", "gitops_dir=" + gitops_dir,
                           "-e", "out=" + out, "-e", "ansible_python_interpreter=" + sys.executable],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def _render(root, hpa=True):
    directory = root / DIRECTORY
    directory.mkdir(parents=True)
    if hpa:
        (directory / "horizontalpodautoscaler-web.yaml").write_text(layout.dump({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": "meridian-local"},
            "spec": {"minReplicas": 3, "maxReplicas": 6,
                     "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}}))
    (directory / "deployment-worker.yaml").write_text(layout.dump({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "worker", "namespace": "meridian-local"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app.kubernetes.io/name": "worker"}}}}))


def test_the_floor_of_each_service_is_read_from_its_rendered_file(tmp_path):
    _render(tmp_path / "gitops")
    rc, out = _play(str(tmp_path / "gitops"), str(tmp_path / "read.json"))
    assert rc == 0, out
    read = json.loads((tmp_path / "read.json").read_text())
    assert read["current"] == {"meridian-local-web": 3, "meridian-local-worker": 2}
    assert read["kinds"] == {"web": "HorizontalPodAutoscaler", "worker": "Deployment"}


def test_a_missing_file_says_to_render_first(tmp_path):
    _render(tmp_path, hpa=False)
    rc, out = _play(str(tmp_path))
    assert rc != 0
    assert "HorizontalPodAutoscaler of service web not found under" in out
    assert "render the manifests first: run playbooks/provision.yml" in out
