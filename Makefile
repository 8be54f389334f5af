# Every target does its own set-up: a .venv with memload installed (editable) and its dev extras.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LINTED := memload analysis locustfiles

.PHONY: run test check lint test-slow bench install install-mem0 browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# mem0's own OSS server for tests/run/test_mem0_server.py (slow): the mem0-server extra, 50 packages
install-mem0: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,mem0-server]'

run: $(STAMP)
	$(BIN)/memload run smoke

# ruff (lint + format check) and mypy over the installed package: zero findings
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/python tests/helpers/typecheck.py

# the fast loop: lint and every test that starts no real process (under a minute)
check: lint
	$(BIN)/python -m pytest -m 'not slow and not integration' -q

# Debian's chromium and chromedriver for the web UI test (tests/run/test_web_ui_browser.py), from apt
# when missing (root, or sudo); without them that test says it was not run, and why
browser:
	@command -v chromedriver >/dev/null && command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null 2>&1 && $$SUDO apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; } || \
	  echo "make browser: could not install chromium and chromium-driver (apt); the web UI browser test will say it was not run"; }

# the full default suite, what CI runs (.ci/run)
test: lint browser
	$(BIN)/python -m pytest

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

# every benchmark with its defaults, one after another (tens of minutes: one load at a time)
BENCHMARKS := bench_target bench_harness bench_report bench_truth bench_capacity
bench: $(STAMP)
	for name in $(BENCHMARKS); do echo "== benchmarks/$$name.py"; $(BIN)/python benchmarks/$$name.py || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
