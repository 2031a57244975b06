# Two commands matter: `make run` and `make test`. Everything else is set up on demand.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
SYSPKGS := poppler-utils libnss3-tools softhsm2 qpdf wrk chromium fonts-dejavu-core zbar-tools faketime npm ghostscript
SYSCMDS := pdfsig certutil softhsm2-util qpdf wrk chromium zbarimg faketime npm gs

.PHONY: run test bench soak system-deps clean

# Debian packages the tests and benchmarks call (pdfsig, certutil, softhsm2, chromium, wrk).
# Installed only when one is missing, so a prepared machine skips apt entirely.
system-deps:
	@missing=""; for c in $(SYSCMDS); do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages (missing:$$missing)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(SYSPKGS) >/dev/null; \
	fi

$(BIN)/signering: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

run: system-deps $(BIN)/signering
	$(BIN)/signering run-demo

test: system-deps $(BIN)/signering
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: system-deps $(BIN)/signering
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance build *.egg-info

# The long crash loops: SIGKILL at random points, 50 rounds each (make test runs a few):
# a process running the workflow, and the whole server under HTTP traffic.
soak: system-deps $(BIN)/signering
	SIGNERING_CRASH_ROUNDS=50 SIGNERING_SERVER_CRASH_ROUNDS=50 $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/test_crash_recovery.py tests/test_server_crash.py
