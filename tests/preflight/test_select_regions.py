# -*- coding: utf-8 -*-
"""playbooks/select_regions.yml: the pinned and the fresh choice of a region_select inventory."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.meridian.global_infra.tests.preflight.region_inventory import PIN_NAME, ROOT, copy_selected, run


def test_shows_pinned_and_fresh_choice_and_accepting_the_same_changes_nothing(tmp_path):
    inv = copy_selected(tmp_path)
    before = (inv / PIN_NAME).read_text()
    rc, out, err = run("ansible-playbook", "playbooks/select_regions.yml", "-i", str(inv), "-e", "region_select_accept=true")
    assert rc == 0, out + err
    shown = " ".join(out.split())
    assert "none: the fresh choice is the pinned one" in shown
    assert "accept: nothing to accept" in shown
    assert "ok: [aws-us-east-1 -> localhost]" in out  # the pin file, rewritten with the same text
    assert (inv / PIN_NAME).read_text() == before


def test_shows_the_change_without_writing_it(tmp_path):
    inv = copy_selected(tmp_path, markets={"US": 1, "DE": 4, "FR": 1, "GB": 1})
    before = (inv / PIN_NAME).read_text()
    rc, out, err = run("ansible-playbook", "playbooks/select_regions.yml", "-i", str(inv))
    assert rc == 0, out + err
    shown = " ".join(out.split())
    assert "order aws/us-east-1, aws/eu-west-1 -> aws/eu-west-1, aws/us-east-1 (the first region is the primary)" in shown
    assert "ansible-playbook meridian.global_infra.select_regions -i %s -e region_select_accept=true" % (
        inv / "local.region_select.yml") in shown
    assert (inv / PIN_NAME).read_text() == before


def test_a_static_inventory_is_refused():
    rc, out, err = run("ansible-playbook", "playbooks/select_regions.yml", "-i", os.path.join(ROOT, "inventories", "local"))
    assert rc != 0
    assert "region choice applies to an inventory with a *.region_select.yml source" in " ".join(out.split())
