# meridian.global_infra: one entry point for set-up, the main job, the tests and the benchmarks.
# Every target sets up what it needs (tools/setup.sh is idempotent and quick once done).
SHELL := /bin/bash
VENV := $(CURDIR)/.venv
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# Mitogen's mitogen_linear: each host's modules run in one persistent Python instead of a new process
# per task (about half the CPU of a run, docs/development.md "Mitogen"). ANSIBLE_STRATEGY=linear make ... runs
# ansible-core's own strategy.
export ANSIBLE_STRATEGY ?= mitogen_linear
# Collections from .collections only (the links tools/setup.sh makes), not the 92 the ansible
# package bundles: Mitogen lists every visible collection before each task (docs/development.md, "Mitogen").
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := False
INVENTORY ?= inventories/local

.PHONY: help setup provision scale teardown dr-drill drift compliance test lint sanity units promtool edge molecule bench \
        stack-start stack-stop stack-status build docs release clean

help:
	@echo "make provision   set up, start the local stack, provision $(INVENTORY)"
	@echo "make test        set up, then lint + sanity + unit + build + docs + promtool + edge + Molecule (stops the stack)"
	@echo "make edge        the edge functions' tests on njs, after the CloudFront runtime check"
	@echo "make docs        build the artifact and its HTML docs into .state/docs (sphinx-build -W)"
	@echo "make bench       benchmarks and their figures in docs/images (not part of the tests)"
	@echo "make release     changelog of galaxy.yml's version (CHANGELOG.md), then the checked artifact"
	@echo "make teardown TEARDOWN_CONFIRM=<env> [TEARDOWN_DELETE_DATA=true]   remove the estate of INVENTORY (refuses without it)"
	@echo "make drift       live estate of INVENTORY vs the code, report in $(DRIFT_REPORT_DIR); exit 0 none, 2 drift, 1 error"
	@echo "make compliance  live estate of INVENTORY vs the policy, report in $(COMPLIANCE_REPORT_DIR); exit 0/2/1 likewise"
	@echo "make stack-start|stack-stop|stack-status|build|clean"

setup:
	@tools/setup.sh

stack-start: setup
	@tools/local_stack/start
	@$(VENV)/bin/python tools/local_stack/backfill_prometheus.py

stack-stop:
	@tools/local_stack/stop

stack-status:
	@tools/local_stack/status

provision: stack-start
	ansible-playbook playbooks/provision.yml -i $(INVENTORY)

scale: stack-start
	ansible-playbook playbooks/scale.yml -i $(INVENTORY)

dr-drill: stack-start
	ansible-playbook playbooks/dr_drill.yml -i $(INVENTORY)

# Reports (docs/reports.md): findings.json, junit.xml, results.sarif, summary.md, ocsf.json in the
# report directory. tools/report_run.py gives the exit code like terraform plan -detailed-exitcode
# (0 no finding, 2 findings, 1 error with the reason) and passes the directory to the playbook as
# MERIDIAN_REPORT_DIR. drift: the provision roles in check mode with diff; the drift_report callback
# writes the report. compliance: the read-only compliance_check over the live estate; the playbook
# fails (exit 2, a host failed) when a rule fails, which counts only with a report that has findings.
# DRIFT_ARGS: more ansible-playbook options (e.g. --limit 'all:!k8s_clusters'); tools/drift.sh is the same.
DRIFT_REPORT_DIR ?= reports/drift
COMPLIANCE_REPORT_DIR ?= reports/compliance
DRIFT_ARGS ?=
drift: stack-start
	@tools/report_run.py --name drift --report-dir $(DRIFT_REPORT_DIR) -- \
	  env ANSIBLE_CALLBACKS_ENABLED=meridian.global_infra.drift_report \
	  ansible-playbook playbooks/drift.yml -i $(INVENTORY) $(DRIFT_ARGS) --check --diff

compliance: stack-start
	@tools/report_run.py --name compliance --report-dir $(COMPLIANCE_REPORT_DIR) --accept-rc 2 -- \
	  ansible-playbook playbooks/compliance.yml -i $(INVENTORY)

# Refuses, before any change, unless TEARDOWN_CONFIRM names the inventory's environment (meridian_env);
# the local stack is started only for a confirmed run. TEARDOWN_DELETE_DATA=true also removes the
# versioned buckets, the final snapshots and the flow log group (docs/aws.md, "Teardown and data safety").
TEARDOWN_CONFIRM ?=
TEARDOWN_DELETE_DATA ?=
teardown: setup $(if $(TEARDOWN_CONFIRM),stack-start)
	ansible-playbook playbooks/teardown.yml -i $(INVENTORY) \
	  $(if $(TEARDOWN_CONFIRM),-e teardown_confirm=$(TEARDOWN_CONFIRM)) \
	  $(if $(TEARDOWN_DELETE_DATA),-e teardown_delete_data=$(TEARDOWN_DELETE_DATA))

test: setup
	@tools/run_tests.sh

lint: setup
	ansible-lint --profile production

sanity: setup
	tools/sanity.sh

units: setup
	pytest -q -n 2 --dist worksteal

# The edge functions (roles/cdn/files/edge_functions): runtime check, then each test on njs.
edge: setup
	@tools/run_tests.sh edge

molecule: setup
	@tools/run_tests.sh molecule

bench: setup
	@tools/run_bench.sh

# The artifact in .state/build, with the docs/*.md guides as extra docs (tools/check_build.sh).
build: setup
	@tools/check_build.sh

docs: setup
	@tools/check_build.sh
	@tools/check_docs.sh site

# docs/development.md, "Releasing": set the version in galaxy.yml and add a release_summary fragment first.
release: setup
	antsibull-changelog lint
	@# antsibull-changelog lists the new plugins with ansible-doc on a copy of its own, whose
	@# dependencies come from the ansible package: the links of .collections are not on its path
	env -u ANSIBLE_COLLECTIONS_SCAN_SYS_PATH antsibull-changelog release
	@tools/check_build.sh
	@tools/check_docs.sh lint importer
	@echo "publish: ansible-galaxy collection publish $$(ls .state/build/*.tar.gz) --api-key \$$GALAXY_API_KEY"

clean: stack-stop
	rm -rf .state .collections .pytest_cache tests/output .venv/var/ansiballz-bytecode
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
