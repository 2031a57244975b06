# Two commands matter: `make run` and `make test`. Everything else is set up on demand.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
# command:Debian package. Only the packages whose command is missing are installed: asking apt for
# one that is already provided another way (npm comes with NodeSource's nodejs) can conflict.
SYSDEPS := pdfsig:poppler-utils certutil:libnss3-tools softhsm2-util:softhsm2 qpdf:qpdf wrk:wrk \
           chromium:chromium zbarimg:zbar-tools faketime:faketime npm:npm gs:ghostscript \
           /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core \
           /usr/lib/postgresql/*/bin/initdb:postgresql

.PHONY: run test bench bench-scale soak system-deps clean

# Debian packages the tests and benchmarks call (pdfsig, certutil, softhsm2, chromium, wrk).
# Installed only when one is missing, so a prepared machine skips apt entirely.
system-deps:
	@missing=""; for dep in $(SYSDEPS); do c=$${dep%%:*}; p=$${dep#*:}; \
	  case $$c in /*) ls $$c >/dev/null 2>&1 || missing="$$missing $$p";; \
	              *) command -v $$c >/dev/null 2>&1 || missing="$$missing $$p";; esac; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BIN)/signering: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

run: system-deps $(BIN)/signering
	$(BIN)/signering run-demo

# Three test processes on two cores: much of the suite waits on servers, browsers and mail.
# Each test file stays in one process (its module fixtures: a server, a browser).
test: system-deps $(BIN)/signering
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 3 --dist loadfile

bench: system-deps $(BIN)/signering
	$(BIN)/python bench/run.py

# How the costs grow with the registry: an empty database, a municipality's year and the country's
# ten years (bench/generate.py), on SQLite and PostgreSQL; SCALE_ARGS=--country-scale 0.1 for a quick run.
bench-scale: system-deps $(BIN)/signering
	$(BIN)/python bench/scale.py $(SCALE_ARGS)

clean:
	rm -rf $(VENV) instance build *.egg-info

# The long crash loops: SIGKILL at random points, 50 rounds each (make test runs a few):
# a process running the workflow, and the whole server under HTTP traffic.
soak: system-deps $(BIN)/signering
	SIGNERING_CRASH_ROUNDS=50 SIGNERING_SERVER_CRASH_ROUNDS=50 $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/test_crash_recovery.py tests/test_server_crash.py
