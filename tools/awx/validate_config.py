#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the AWX configuration as code in awx/ offline, without a controller.

    .venv/bin/python tools/awx/validate_config.py [--config-dir awx] [--project-dir .]

Every item of every ``controller_*`` list is validated against the argument spec of the awx.awx
module that applies it, loaded from the installed collection (the module's ``main()`` is run up to
the point where it builds its module object, which is where the spec is captured: nothing is copied).
Then, against the project:

- every playbook a template names exists in the project, and every inventory, project, credential,
  execution environment, notification and job template an item names is defined;
- every inventory source's ``source_path`` exists in the project;
- every survey is well formed (AWX's survey_spec format), every survey variable is read by the
  playbook (the playbook, the playbooks it imports and the roles it uses), and every variable the
  playbook requires (``- VAR is defined`` in an assert) is a required survey question;
- a playbook that refuses to run outside check (diff) mode has a template of job type check (diff mode on);
- a sliced template (job_slice_count above 1) runs a playbook that is correct when sliced
  (SLICEABLE: provision.yml) and skips the tag of what spans regions (``skip_tags: meridian_global``),
  and a workflow runs an unsliced template of the same playbook on its success (that run builds
  what spans regions);
- every schedule's RRULE is in AWX's form (one DTSTART, one RRULE), parses with python-dateutil and
  fires again after now;
- every workflow node names a defined template, and every node its edges name exists.

Each error names the list and the item (``controller_templates[meridian provision]: ...``). Exit 0 when
there is none, 1 otherwise (each error on its own line).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import datetime
import glob
import importlib
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTION = "meridian.global_infra"

# infra.aap_configuration variable -> the awx.awx module that applies its items
MODULES = {
    "controller_organizations": "organization",
    "controller_execution_environments": "execution_environment",
    "controller_projects": "project",
    "controller_inventories": "inventory",
    "controller_inventory_sources": "inventory_source",
    "controller_credential_types": "credential_type",
    "controller_notifications": "notification_template",
    "controller_templates": "job_template",
    "controller_schedules": "schedule",
    "controller_workflows": "workflow_job_template",
}
# variables of awx/ that no awx.awx module applies (checked here, used by playbooks/awx_configure.yml)
OWN_VARIABLES = ("meridian_awx_credentials", "meridian_awx_builtin_credential_types")

SURVEY_TYPES = ("text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect")
SURVEY_KEYS = ("question_name", "question_description", "required", "type", "variable", "default", "choices",
               "min", "max", "new_question")
# playbooks correct when AWX slices them -> the tag a sliced template must skip (its tasks read
# other regions' hosts or write what regions share; an unsliced run of the playbook does them after)
SLICEABLE = {"playbooks/provision.yml": "meridian_global"}
NODE_TYPES = ("job_template", "workflow_job_template", "project", "inventory_source", "workflow_approval")
EDGES = ("success_nodes", "failure_nodes", "always_nodes")


class _Captured(Exception):
    def __init__(self, argument_spec):
        super(_Captured, self).__init__("captured")
        self.argument_spec = argument_spec


class _CaptureModule(object):
    """Stands in for ControllerAPIModule: records the argument spec main() builds, and stops main()."""

    def __init__(self, argument_spec=None, **kwargs):
        raise _Captured(argument_spec)


def _ensure_collection_loader():
    try:
        from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
        import ansible.utils.collection_loader._collection_finder as finder
        if getattr(finder, "_meta_yml_to_dict", None) is None or not any(
                isinstance(f, _AnsibleCollectionFinder) for f in sys.meta_path):
            from ansible.plugins.loader import init_plugin_loader
            init_plugin_loader([])
    except ImportError:  # pragma: no cover - ansible-core is a requirement
        pass


def module_argument_spec(name):
    """The argument spec of awx.awx.NAME, as its main() builds it (from the installed collection)."""
    _ensure_collection_loader()
    module = importlib.import_module("ansible_collections.awx.awx.plugins.modules.%s" % name)
    saved = {}
    for attr in ("ControllerAPIModule", "ControllerAWXKitModule", "ControllerModule"):
        if hasattr(module, attr):
            saved[attr] = getattr(module, attr)
            setattr(module, attr, _CaptureModule)
    try:
        module.main()
    except _Captured as captured:
        return captured.argument_spec
    finally:
        for attr, value in saved.items():
            setattr(module, attr, value)
    raise RuntimeError("awx.awx.%s main() built no module" % name)


def validate_item(argument_spec, item):
    """Errors of one item against a module's argument spec (unknown options, types, choices, required)."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    result = ArgumentSpecValidator(argument_spec).validate(dict(item))
    return [str(error) for error in result.errors]


def load_config(config_dir):
    """All variables of the YAML files of CONFIG_DIR, merged (a variable defined twice is an error)."""
    config, errors = {}, []
    for path in sorted(glob.glob(os.path.join(config_dir, "*.yml"))):
        with open(path) as handle:
            data = yaml.safe_load(handle) or {}
        if not isinstance(data, dict):
            errors.append("%s: not a mapping of variables" % os.path.basename(path))
            continue
        for key, value in data.items():
            if key in config:
                errors.append("%s: %s is also defined in another file" % (os.path.basename(path), key))
            config[key] = value
    return config, errors


# --- what a playbook reads ----------------------------------------------------------------------

def _read(path):
    with open(path, errors="replace") as handle:
        return handle.read()


def _role_files(project_dir, role):
    base = os.path.join(project_dir, "roles", role)
    files = []
    for dirpath, _dirs, names in os.walk(base):
        for name in names:
            if name.endswith((".yml", ".yaml", ".j2", ".json")):
                files.append(os.path.join(dirpath, name))
    return sorted(files)


def playbook_sources(project_dir, playbook):
    """Text of PLAYBOOK, the playbooks it imports and every file of the roles they use (recursively)."""
    roles_dir = os.path.join(project_dir, "roles")
    known_roles = set(os.listdir(roles_dir)) if os.path.isdir(roles_dir) else set()
    texts, seen_files, seen_roles = [], set(), set()
    pending = [os.path.join(project_dir, playbook)]
    while pending:
        path = os.path.normpath(pending.pop())
        if path in seen_files or not os.path.isfile(path):
            continue
        seen_files.add(path)
        text = _read(path)
        texts.append(text)
        for imported in re.findall(r"import_playbook:\s*[\"']?([\w./-]+\.ya?ml)", text):
            pending.append(os.path.join(os.path.dirname(path), imported))
        names = set(re.findall(r"%s\.(\w+)" % re.escape(COLLECTION), text))
        names.update(re.findall(r"^\s*-\s*(?:role:\s*)?([a-z_][a-z0-9_]*)\s*$", text, re.M))
        for role in sorted(names & known_roles - seen_roles):
            seen_roles.add(role)
            pending.extend(_role_files(project_dir, role))
    return "\n".join(texts), sorted(seen_roles)


def required_variables(project_dir, playbook):
    """Variables PLAYBOOK asserts are defined (``- VAR is defined`` under an assert's that)."""
    return sorted(set(re.findall(r"^\s*-\s*([a-z_][a-z0-9_]*) is defined\s*$", _read(os.path.join(project_dir, playbook)),
                                 re.M)))


def mode_requirements(project_dir, playbook):
    """(check mode required, diff mode required): the playbook asserts ansible_check_mode / ansible_diff_mode."""
    text = _read(os.path.join(project_dir, playbook))
    return (bool(re.search(r"^\s*-\s*ansible_check_mode\s*$", text, re.M)),
            bool(re.search(r"^\s*-\s*ansible_diff_mode\s*$", text, re.M)))


# --- surveys ------------------------------------------------------------------------------------

def survey_errors(spec):
    """Errors of a survey_spec against AWX's format (what the controller's API refuses)."""
    errors = []
    if not isinstance(spec, dict):
        return ["survey_spec is not a mapping"]
    for key in ("name", "description", "spec"):
        if key not in spec:
            errors.append("survey_spec has no %s" % key)
    questions = spec.get("spec")
    if not isinstance(questions, list) or not questions:
        return errors + ["survey_spec.spec must be a non-empty list of questions"]
    seen = set()
    for index, question in enumerate(questions):
        where = "survey question %d" % index
        if not isinstance(question, dict):
            errors.append("%s is not a mapping" % where)
            continue
        variable = question.get("variable")
        where = "survey question %s" % (variable or index)
        for key in sorted(set(question) - set(SURVEY_KEYS)):
            errors.append("%s: unknown key %s" % (where, key))
        for key in ("question_name", "variable", "type", "required"):
            if key not in question:
                errors.append("%s: %s is missing" % (where, key))
        if variable is not None and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", str(variable)):
            errors.append("%s: variable is not a valid variable name" % where)
        if variable in seen:
            errors.append("%s: variable asked twice" % where)
        seen.add(variable)
        if "required" in question and not isinstance(question["required"], bool):
            errors.append("%s: required must be true or false" % where)
        qtype = question.get("type")
        if qtype not in SURVEY_TYPES:
            errors.append("%s: type %r is not one of %s" % (where, qtype, ", ".join(SURVEY_TYPES)))
        if qtype in ("multiplechoice", "multiselect"):
            choices = question.get("choices")
            if isinstance(choices, str):
                choices = choices.split("\n")
            if not isinstance(choices, list) or not choices:
                errors.append("%s: a %s question needs choices" % (where, qtype))
                choices = []
            default = question.get("default")
            defaults = default.split("\n") if qtype == "multiselect" and isinstance(default, str) else [default]
            for value in defaults:
                if value not in (None, "") and value not in choices:
                    errors.append("%s: default %r is not one of the choices" % (where, value))
        if question.get("default") == "" and qtype in ("text", "textarea", "password"):
            # AWX passes a default that satisfies the question as the variable's value: an empty string
            # would override the playbook's own default (dr_drill.yml's hosts: would match nothing)
            errors.append("%s: an empty default is passed to the playbook as the value; leave default out" % where)
        for key in ("min", "max"):
            if key in question and not isinstance(question[key], int):
                errors.append("%s: %s must be an integer" % (where, key))
        if isinstance(question.get("min"), int) and isinstance(question.get("max"), int) and question["min"] > question["max"]:
            errors.append("%s: min is above max" % where)
    return errors


# --- schedules ----------------------------------------------------------------------------------

def parse_rrule(rrule):
    """A dateutil rule from AWX's one-line form ``DTSTART;TZID=Z:YYYYMMDDTHHMMSS RRULE:...``.

    Raises ValueError naming what is wrong (AWX refuses the same: no or several DTSTART, no RRULE,
    FREQ=SECONDLY, COUNT above 999)."""
    from dateutil import rrule as du_rrule

    if not isinstance(rrule, str) or not rrule.strip():
        raise ValueError("rrule is empty")
    text = rrule.strip()
    if len(re.findall(r"DTSTART", text)) != 1:
        raise ValueError("rrule must hold exactly one DTSTART")
    if not re.match(r"^DTSTART(;TZID=[^:]+)?:\d{8}T\d{6}Z?\s+RRULE:", text):
        raise ValueError("rrule must be 'DTSTART[;TZID=ZONE]:YYYYMMDDTHHMMSS[Z] RRULE:...'")
    if len(re.findall(r"RRULE:", text)) != 1:
        raise ValueError("rrule must hold exactly one RRULE")
    if "FREQ=SECONDLY" in text:
        raise ValueError("FREQ=SECONDLY is not supported by AWX")
    count = re.search(r"COUNT=(\d+)", text)
    if count and int(count.group(1)) > 999:
        raise ValueError("COUNT above 999 is not supported by AWX")
    try:
        return du_rrule.rrulestr(re.sub(r"\s+RRULE:", "\nRRULE:", text))
    except (ValueError, TypeError) as exc:
        raise ValueError("rrule does not parse: %s" % exc)


def occurrences(rrule, after, count):
    """The next COUNT occurrences of RRULE strictly after the aware datetime AFTER."""
    rule = parse_rrule(rrule)
    found, moment = [], after
    for _i in range(count):
        moment = rule.after(moment)
        if moment is None:
            break
        found.append(moment)
    return found


# --- the whole configuration --------------------------------------------------------------------

def _names(config, var):
    return set(item.get("name") for item in config.get(var) or [] if isinstance(item, dict))


def validate(config_dir, project_dir=ROOT, now=None):
    """Every error of the configuration in CONFIG_DIR (an empty list: valid)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    config, errors = load_config(config_dir)
    for key in sorted(config):
        if key not in MODULES and key not in OWN_VARIABLES:
            errors.append("%s: not a variable this configuration knows (%s)" % (key, ", ".join(sorted(MODULES))))

    specs = {}
    for var, module in sorted(MODULES.items()):
        items = config.get(var) or []
        if not isinstance(items, list):
            errors.append("%s: must be a list" % var)
            continue
        specs[var] = module_argument_spec(module)
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                errors.append("%s[%d]: not a mapping" % (var, index))
                continue
            for error in validate_item(specs[var], item):
                errors.append("%s[%s]: awx.awx.%s: %s" % (var, item.get("name", index), module, error))

    organizations = _names(config, "controller_organizations")
    projects = _names(config, "controller_projects")
    inventories = _names(config, "controller_inventories")
    environments = _names(config, "controller_execution_environments")
    notifications = _names(config, "controller_notifications")
    templates = _names(config, "controller_templates")
    workflows = _names(config, "controller_workflows")
    credential_types = _names(config, "controller_credential_types") | set(
        config.get("meridian_awx_builtin_credential_types") or [])
    credentials = {}
    for item in config.get("meridian_awx_credentials") or []:
        credentials[item.get("name")] = item.get("credential_type")
        if item.get("credential_type") not in credential_types:
            errors.append("meridian_awx_credentials[%s]: credential type %r is neither declared in controller_credential_types "
                          "nor a built-in one" % (item.get("name"), item.get("credential_type")))

    def refs(var, item, key, known, what):
        value = item.get(key)
        for name in value if isinstance(value, list) else [value]:
            if name is not None and name not in known:
                errors.append("%s[%s]: %s %r is not defined" % (var, item.get("name"), what, name))

    for var in MODULES:
        for item in config.get(var) or []:
            if not isinstance(item, dict):
                continue
            refs(var, item, "organization", organizations, "organization")
            for key in ("notification_templates_started", "notification_templates_success",
                        "notification_templates_error", "notification_templates_approvals"):
                refs(var, item, key, notifications, "notification")

    for item in config.get("controller_projects") or []:
        refs("controller_projects", item, "default_environment", environments, "execution environment")

    for item in config.get("controller_inventory_sources") or []:
        var = "controller_inventory_sources"
        refs(var, item, "inventory", inventories, "inventory")
        refs(var, item, "source_project", projects, "project")
        if item.get("source") == "scm":
            path = item.get("source_path") or ""
            if not os.path.exists(os.path.join(project_dir, path)):
                errors.append("%s[%s]: source_path %s does not exist in the project" % (var, item.get("name"), path))

    for item in config.get("controller_templates") or []:
        var, name = "controller_templates", item.get("name")
        refs(var, item, "project", projects, "project")
        refs(var, item, "inventory", inventories, "inventory")
        refs(var, item, "execution_environment", environments, "execution environment")
        refs(var, item, "credentials", credentials, "credential")
        playbook = item.get("playbook") or ""
        if not os.path.isfile(os.path.join(project_dir, playbook)):
            errors.append("%s[%s]: playbook %s does not exist in the project" % (var, name, playbook))
            continue
        errors.extend(slicing_errors(var, item))
        check, diff = mode_requirements(project_dir, playbook)
        if check and item.get("job_type") != "check":
            errors.append("%s[%s]: %s runs only in check mode: job_type must be check" % (var, name, playbook))
        if diff and not item.get("diff_mode"):
            errors.append("%s[%s]: %s runs only with diff: diff_mode must be true" % (var, name, playbook))
        text, _roles = playbook_sources(project_dir, playbook)
        questions = []
        if item.get("survey_spec") is not None:
            for error in survey_errors(item["survey_spec"]):
                errors.append("%s[%s]: %s" % (var, name, error))
            questions = [q for q in (item["survey_spec"].get("spec") or []) if isinstance(q, dict)]
        elif item.get("survey_enabled"):
            errors.append("%s[%s]: survey_enabled without a survey_spec" % (var, name))
        for question in questions:
            variable = question.get("variable")
            if variable and not re.search(r"\b%s\b" % re.escape(str(variable)), text):
                errors.append("%s[%s]: survey variable %s is read by neither %s nor the roles it uses"
                              % (var, name, variable, playbook))
        asked = dict((q.get("variable"), q) for q in questions)
        for variable in required_variables(project_dir, playbook):
            if variable not in asked:
                errors.append("%s[%s]: %s requires %s, which the survey does not ask" % (var, name, playbook, variable))
            elif not asked[variable].get("required"):
                errors.append("%s[%s]: %s requires %s: its survey question must be required" % (var, name, playbook, variable))
            elif not item.get("survey_enabled"):
                errors.append("%s[%s]: %s requires %s: survey_enabled must be true" % (var, name, playbook, variable))

    for item in config.get("controller_schedules") or []:
        var, name = "controller_schedules", item.get("name")
        refs(var, item, "unified_job_template", templates | workflows, "job or workflow template")
        try:
            upcoming = occurrences(item.get("rrule"), now, 1)
        except ValueError as exc:
            errors.append("%s[%s]: %s" % (var, name, exc))
            continue
        if not upcoming:
            errors.append("%s[%s]: rrule never fires after %s" % (var, name, now.isoformat()))

    for item in config.get("controller_workflows") or []:
        var, name = "controller_workflows", item.get("name")
        refs(var, item, "inventory", inventories, "inventory")
        nodes = item.get("workflow_nodes") or []
        identifiers = [node.get("identifier") for node in nodes if isinstance(node, dict)]
        if len(identifiers) != len(set(identifiers)) or None in identifiers:
            errors.append("%s[%s]: every workflow node needs its own identifier" % (var, name))
        for node in nodes:
            if not isinstance(node, dict):
                errors.append("%s[%s]: a workflow node is not a mapping" % (var, name))
                continue
            ujt = node.get("unified_job_template") or {}
            kind = ujt.get("type")
            if kind not in NODE_TYPES:
                errors.append("%s[%s]: node %s: unified_job_template.type %r is not one of %s"
                              % (var, name, node.get("identifier"), kind, ", ".join(NODE_TYPES)))
            known = {"job_template": templates, "workflow_job_template": workflows}.get(kind)
            if known is not None and ujt.get("name") not in known:
                errors.append("%s[%s]: node %s: %s %r is not defined"
                              % (var, name, node.get("identifier"), kind, ujt.get("name")))
            for edge in (node.get("related") or {}):
                if edge not in EDGES:
                    errors.append("%s[%s]: node %s: unknown edge %s" % (var, name, node.get("identifier"), edge))
                    continue
                for target in node["related"][edge] or []:
                    if target.get("identifier") not in identifiers:
                        errors.append("%s[%s]: node %s: %s names node %r, which is not defined"
                                      % (var, name, node.get("identifier"), edge, target.get("identifier")))
    errors.extend(sliced_follow_up_errors(config))
    return errors


def _sliced(item):
    return (item.get("job_slice_count") or 1) > 1


def _skipped_tags(item):
    return [tag.strip() for tag in str(item.get("skip_tags") or "").split(",") if tag.strip()]


def slicing_errors(var, item):
    """A sliced template must run a SLICEABLE playbook and skip its tag of what spans regions."""
    if not _sliced(item):
        return []
    name, playbook, count = item.get("name"), item.get("playbook"), item.get("job_slice_count")
    if playbook not in SLICEABLE:
        return ["%s[%s]: job_slice_count %s: %s is not correct when sliced (only %s; docs/operations.md, "
                "\"Scaling out\"); set job_slice_count: 1" % (var, name, count, playbook, ", ".join(sorted(SLICEABLE)))]
    tag = SLICEABLE[playbook]
    if tag not in _skipped_tags(item):
        return ["%s[%s]: job_slice_count %s: skip_tags must include %s (the tasks of %s that read other regions or "
                "write what regions share; a slice has only its own regions)" % (var, name, count, tag, playbook)]
    return []


def sliced_follow_up_errors(config):
    """Every sliced template is followed, on success in a workflow, by an unsliced run of its playbook."""
    templates = dict((t.get("name"), t) for t in config.get("controller_templates") or [] if isinstance(t, dict))
    followed = set()
    for workflow in config.get("controller_workflows") or []:
        nodes = dict((n.get("identifier"), n) for n in workflow.get("workflow_nodes") or [] if isinstance(n, dict))
        for node in nodes.values():
            source = templates.get((node.get("unified_job_template") or {}).get("name"))
            if not source or not _sliced(source):
                continue
            for target in ((node.get("related") or {}).get("success_nodes") or []):
                after = templates.get(((nodes.get(target.get("identifier")) or {}).get("unified_job_template") or {}).get("name"))
                if (after and not _sliced(after) and after.get("playbook") == source.get("playbook")
                        and SLICEABLE.get(source.get("playbook")) not in _skipped_tags(after)):
                    followed.add(source.get("name"))
    errors = []
    for name, item in sorted(templates.items()):
        if _sliced(item) and item.get("playbook") in SLICEABLE and name not in followed:
            errors.append("controller_templates[%s]: sliced, but no workflow runs an unsliced template of %s on its "
                          "success: what spans regions would never be built" % (name, item.get("playbook")))
    return errors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--config-dir", default=os.path.join(ROOT, "awx"))
    parser.add_argument("--project-dir", default=ROOT)
    args = parser.parse_args(argv)
    errors = validate(args.config_dir, args.project_dir)
    for error in errors:
        print(error)
    if errors:
        print("%d error(s) in %s" % (len(errors), args.config_dir), file=sys.stderr)
        return 1
    print("AWX configuration in %s: valid" % args.config_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
