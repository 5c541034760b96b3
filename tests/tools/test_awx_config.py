# -*- coding: utf-8 -*-
"""tools/awx/validate_config.py: the AWX configuration as code in awx/, checked offline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "awx"))

import validate_config  # noqa: E402

UTC = datetime.timezone.utc


def _schedule(name):
    config, _errors = validate_config.load_config(os.path.join(ROOT, "awx"))
    return next(item for item in config["controller_schedules"] if item["name"] == name)


@pytest.fixture
def config_copy(tmp_path):
    """A copy of awx/ to break, and a function that edits one of its items."""
    target = tmp_path / "awx"
    shutil.copytree(os.path.join(ROOT, "awx"), str(target))

    def edit(filename, var, name, change):
        path = target / filename
        data = yaml.safe_load(path.read_text())
        item = next(i for i in data[var] if i["name"] == name)
        change(item)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(target), edit


def test_shipped_configuration_is_valid():
    assert validate_config.validate(os.path.join(ROOT, "awx")) == []


def test_the_cli_exits_0_on_the_shipped_configuration():
    run = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "awx", "validate_config.py")],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "valid" in run.stdout


def test_every_job_has_a_template():
    config, _errors = validate_config.load_config(os.path.join(ROOT, "awx"))
    playbooks = sorted(set(t["playbook"] for t in config["controller_templates"]))
    assert playbooks == sorted("playbooks/%s.yml" % p for p in
                               ("provision", "scale", "dr_drill", "teardown", "drift", "compliance"))


def test_argument_spec_comes_from_the_installed_awx_collection():
    import ansible_collections.awx.awx.plugins.modules.job_template as installed

    spec = validate_config.module_argument_spec("job_template")
    assert os.path.join("ansible_collections", "awx", "awx") in installed.__file__
    assert spec["job_type"]["choices"] == ["run", "check"]
    assert spec["survey_spec"]["type"] == "dict"
    # the module is left as it was (the capture is undone)
    assert installed.ControllerAPIModule.__name__ == "ControllerAPIModule"


def test_a_template_naming_a_missing_playbook_fails_with_its_name(config_copy):
    config_dir, edit = config_copy
    edit("templates.yml", "controller_templates", "meridian scale",
         lambda item: item.update(playbook="playbooks/no_such_job.yml"))
    errors = validate_config.validate(config_dir)
    assert errors == ["controller_templates[meridian scale]: playbook playbooks/no_such_job.yml does not exist in the project"]


def test_a_survey_variable_no_playbook_reads_fails_with_its_name(config_copy):
    config_dir, edit = config_copy

    def add_question(item):
        item["survey_spec"]["spec"].append({"question_name": "Unused", "required": False, "type": "text",
                                            "variable": "meridian_nobody_reads_this"})
    edit("templates.yml", "controller_templates", "meridian dr_drill", add_question)
    errors = validate_config.validate(config_dir)
    assert errors == ["controller_templates[meridian dr_drill]: survey variable meridian_nobody_reads_this is read by neither "
                      "playbooks/dr_drill.yml nor the roles it uses"]


@pytest.mark.parametrize("rrule, reason", [
    ("RRULE:FREQ=MINUTELY;INTERVAL=15", "exactly one DTSTART"),
    ("DTSTART;TZID=UTC:20260101T000000 RRULE:FREQ=EVERY15MIN", "does not parse"),
    ("DTSTART;TZID=UTC:20260101T000000 RRULE:FREQ=SECONDLY;INTERVAL=5", "SECONDLY"),
    ("DTSTART;TZID=UTC:20200101T000000 RRULE:FREQ=DAILY;COUNT=3", "never fires"),
])
def test_a_bad_rrule_fails_with_the_schedule_named(config_copy, rrule, reason):
    config_dir, edit = config_copy
    edit("schedules.yml", "controller_schedules", "meridian drift nightly", lambda item: item.update(rrule=rrule))
    errors = validate_config.validate(config_dir)
    assert len(errors) == 1, errors
    assert errors[0].startswith("controller_schedules[meridian drift nightly]: ")
    assert reason in errors[0]


def test_an_option_the_module_does_not_take_fails(config_copy):
    config_dir, edit = config_copy
    edit("templates.yml", "controller_templates", "meridian scale", lambda item: item.update(job_type="audit", forkz=3))
    errors = validate_config.validate(config_dir)
    assert len(errors) == 2, errors
    assert all(e.startswith("controller_templates[meridian scale]: awx.awx.job_template: ") for e in errors)
    assert any("job_type must be one of: run, check, got: audit" in e for e in errors)
    assert any(": forkz. Supported parameters include" in e for e in errors)


def test_a_required_variable_must_be_a_required_question(config_copy):
    config_dir, edit = config_copy
    edit("templates.yml", "controller_templates", "meridian teardown",
         lambda item: item["survey_spec"].update(spec=item["survey_spec"]["spec"][1:]))
    errors = validate_config.validate(config_dir)
    assert errors == ["controller_templates[meridian teardown]: playbooks/teardown.yml requires teardown_confirm, "
                      "which the survey does not ask"]


def test_drift_must_run_in_check_mode_with_diff(config_copy):
    config_dir, edit = config_copy
    edit("templates.yml", "controller_templates", "meridian drift", lambda item: item.update(job_type="run", diff_mode=False))
    errors = validate_config.validate(config_dir)
    assert errors == ["controller_templates[meridian drift]: playbooks/drift.yml runs only in check mode: job_type must be check",
                      "controller_templates[meridian drift]: playbooks/drift.yml runs only with diff: diff_mode must be true"]


def test_the_sliced_template_skips_what_spans_regions_and_is_followed_by_a_full_run():
    config, _errors = validate_config.load_config(os.path.join(ROOT, "awx"))
    sliced = [t for t in config["controller_templates"] if (t.get("job_slice_count") or 1) > 1]
    assert [(t["name"], t["playbook"], t["skip_tags"]) for t in sliced] == [
        ("meridian provision regions", "playbooks/provision.yml", "meridian_global")]
    workflow = next(w for w in config["controller_workflows"] if w["name"] == "meridian provision and check")
    nodes = dict((n["identifier"], n) for n in workflow["workflow_nodes"])
    assert nodes["regions"]["unified_job_template"]["name"] == "meridian provision regions"
    assert nodes["regions"]["related"]["success_nodes"] == [{"identifier": "provision"}]
    assert nodes["provision"]["unified_job_template"]["name"] == "meridian provision"


def test_a_sliced_template_of_another_playbook_is_refused(config_copy):
    config_dir, edit = config_copy
    edit("templates.yml", "controller_templates", "meridian scale", lambda item: item.update(job_slice_count=2))
    errors = validate_config.validate(config_dir)
    assert errors == ["controller_templates[meridian scale]: job_slice_count 2: playbooks/scale.yml is not correct when "
                      "sliced (only playbooks/provision.yml; docs/operations.md, \"Scaling out\"); set job_slice_count: 1"]


def test_a_sliced_provision_must_skip_what_spans_regions(config_copy):
    config_dir, edit = config_copy
    edit("templates.yml", "controller_templates", "meridian provision regions", lambda item: item.pop("skip_tags"))
    errors = validate_config.validate(config_dir)
    assert errors == ["controller_templates[meridian provision regions]: job_slice_count 2: skip_tags must include "
                      "meridian_global (the tasks of playbooks/provision.yml that read other regions or write what "
                      "regions share; a slice has only its own regions)"]


def test_a_sliced_provision_must_be_followed_by_an_unsliced_one(config_copy):
    config_dir, edit = config_copy
    edit("workflows.yml", "controller_workflows", "meridian provision and check",
         lambda item: item["workflow_nodes"][0]["related"].update(success_nodes=[{"identifier": "compliance"}]))
    errors = validate_config.validate(config_dir)
    assert errors == ["controller_templates[meridian provision regions]: sliced, but no workflow runs an unsliced "
                      "template of playbooks/provision.yml on its success: what spans regions would never be built"]
    # nor does a second sliced run count as the full one
    edit("templates.yml", "controller_templates", "meridian provision",
         lambda item: item.update(job_slice_count=3, skip_tags="meridian_global"))
    edit("workflows.yml", "controller_workflows", "meridian provision and check",
         lambda item: item["workflow_nodes"][0]["related"].update(success_nodes=[{"identifier": "provision"}]))
    errors = validate_config.validate(config_dir)
    assert sorted(errors) == [
        "controller_templates[meridian provision regions]: sliced, but no workflow runs an unsliced template of "
        "playbooks/provision.yml on its success: what spans regions would never be built",
        "controller_templates[meridian provision]: sliced, but no workflow runs an unsliced template of "
        "playbooks/provision.yml on its success: what spans regions would never be built"]


def test_references_must_be_defined(config_copy):
    config_dir, edit = config_copy
    edit("templates.yml", "controller_templates", "meridian compliance",
         lambda item: item.update(inventory="meridian-qa", credentials=["meridian-aws", "meridian-azure"]))
    edit("workflows.yml", "controller_workflows", "meridian provision and check",
         lambda item: next(n for n in item["workflow_nodes"] if n["identifier"] == "compliance")
         ["unified_job_template"].update(name="meridian audit"))
    errors = validate_config.validate(config_dir)
    assert sorted(errors) == sorted([
        "controller_templates[meridian compliance]: inventory 'meridian-qa' is not defined",
        "controller_templates[meridian compliance]: credential 'meridian-azure' is not defined",
        "controller_workflows[meridian provision and check]: node compliance: job_template 'meridian audit' is not defined",
    ])


def test_an_empty_text_default_is_refused(config_copy):
    config_dir, edit = config_copy

    def add_question(item):
        item["survey_spec"]["spec"].append({"question_name": "Primary region host", "required": False, "type": "text",
                                            "variable": "dr_drill_host", "default": ""})
    edit("templates.yml", "controller_templates", "meridian dr_drill", add_question)
    errors = validate_config.validate(config_dir)
    assert errors == ["controller_templates[meridian dr_drill]: survey question dr_drill_host: an empty default is passed "
                      "to the playbook as the value; leave default out"]


def test_a_bad_survey_is_refused(config_copy):
    config_dir, edit = config_copy

    def break_survey(item):
        question = item["survey_spec"]["spec"][0]
        question.update(type="choice", default="sometimes")
    edit("templates.yml", "controller_templates", "meridian compliance", break_survey)
    errors = validate_config.validate(config_dir)
    assert errors == ["controller_templates[meridian compliance]: survey question compliance_fail_on_findings: type 'choice' "
                      "is not one of text, textarea, password, integer, float, multiplechoice, multiselect"]


def test_scale_fires_every_15_minutes():
    after = datetime.datetime(2026, 12, 1, 10, 7, tzinfo=UTC)
    fires = validate_config.occurrences(_schedule("meridian scale every 15 minutes")["rrule"], after, 5)
    assert [f.astimezone(UTC).strftime("%H:%M") for f in fires] == ["10:15", "10:30", "10:45", "11:00", "11:15"]


@pytest.mark.parametrize("name, time", [("meridian drift nightly", "02:00"), ("meridian compliance nightly", "02:30")])
def test_drift_and_compliance_fire_nightly(name, time):
    after = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    fires = validate_config.occurrences(_schedule(name)["rrule"], after, 3)
    assert [f.astimezone(UTC).strftime("%m-%d %H:%M") for f in fires] == ["12-02 " + time, "12-03 " + time, "12-04 " + time]


@pytest.mark.parametrize("after, expected", [
    # Tuesdays 10:00 in Berlin: 09:00 UTC in winter, 08:00 UTC in summer (daylight saving followed)
    (datetime.datetime(2026, 12, 2, 0, 0, tzinfo=UTC), ["2026-12-08 09:00", "2026-12-15 09:00"]),
    (datetime.datetime(2026, 7, 1, 0, 0, tzinfo=UTC), ["2026-07-07 08:00", "2026-07-14 08:00"]),
])
def test_the_drill_fires_weekly_on_tuesday_morning(after, expected):
    fires = validate_config.occurrences(_schedule("meridian dr_drill weekly")["rrule"], after, 2)
    assert [f.astimezone(UTC).strftime("%Y-%m-%d %H:%M") for f in fires] == expected
    assert all(f.weekday() == 1 for f in fires)


def _configure_tasks():
    with open(os.path.join(ROOT, "playbooks", "awx_configure.yml")) as handle:
        play = yaml.safe_load(handle)[0]
    tasks = {}
    for task in play["tasks"]:
        for key, value in task.items():
            if key.startswith("awx.awx."):
                tasks[key[len("awx.awx."):]] = (task, value)
    return tasks


def test_awx_configure_applies_every_list_and_every_option_the_configuration_uses():
    config, _errors = validate_config.load_config(os.path.join(ROOT, "awx"))
    tasks = _configure_tasks()
    for var, module in validate_config.MODULES.items():
        assert module in tasks, "playbooks/awx_configure.yml has no awx.awx.%s task for %s" % (module, var)
        task, options = tasks[module]
        assert task["loop"] == "{{ %s }}" % var
        used = set(key for item in config.get(var) or [] for key in item)
        assert used - set(options) == set(), "%s: options the play does not pass to awx.awx.%s" % (var, module)
        # and every option the play passes is one the module takes
        assert set(options) - set(validate_config.module_argument_spec(module)) == set()


def test_awx_configure_passes_syntax_check():
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "--syntax-check",
                          os.path.join(ROOT, "playbooks", "awx_configure.yml")],
                         capture_output=True, text=True, check=False, cwd=ROOT, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
