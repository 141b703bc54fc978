# Playhouse: `make run` to try it, `make test` to check it.
# Everything it needs that the machine lacks is installed here: ansible-core in a
# project-local venv, and for the tests and benchmarks the Debian packages they need.
# `make bench` measures Playhouse against plain ansible-playbook into BENCHMARKS.md.

ANSIBLE_CORE := 2.19.14
ANSIBLE_RUNNER := 2.4.3
# bcrypt lets Ansible open passphrase-protected SSH keys (ssh credentials with a passphrase).
BCRYPT := 4.3.0
PYTHON ?= python3
VENV := .venv
ANSIBLE_READY := $(VENV)/.ansible-$(ANSIBLE_CORE)-bcrypt-$(BCRYPT)
# schemathesis fuzzes the API against its OpenAPI document in `make test`; it has a venv of
# its own, so that its dependencies never meet Ansible's.
SCHEMATHESIS := 4.32.5
# aiosmtpd is the real SMTP server (STARTTLS, AUTH) the email notification tests send to,
# in the same venv.
AIOSMTPD := 1.4.6
TEST_VENV := .venv-test
SWIFT_BUILD_FLAGS ?=
# Suites that keep both cores busy for minutes (real servers killed and restarted, the API
# fuzzed): they run after the rest, so the rest's requests are not starved into timeouts.
HEAVY_TESTS := KillMatrixTests|OpenAPIFuzzTests
PORT ?= 8080
TEST_PACKAGES := openssh-server chromium chromium-driver curl postgresql iproute2 openssl
BENCH_PACKAGES := openssh-server postgresql wrk sqlite3
# What the build links: zlib, for the compacted logs (compress-nio).
BUILD_PACKAGES := zlib1g-dev
BENCH_FLAGS ?=

.PHONY: run test build setup test-setup packages apt bench clean format lint

run: setup build
	mkdir -p var
	.build/debug/playhouse serve --port $(PORT) --projects examples --database var/playhouse.sqlite

build:
	swift build $(SWIFT_BUILD_FLAGS)

setup: $(ANSIBLE_READY)
	@$(MAKE) --no-print-directory packages PACKAGES="$(BUILD_PACKAGES)"

$(ANSIBLE_READY):
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || $(MAKE) --no-print-directory apt PACKAGES=python3-venv
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet ansible-core==$(ANSIBLE_CORE) bcrypt==$(BCRYPT)
	touch $@

# Debian packages the tests need: sshd for the SSH test hosts, chromium for the page test,
# PostgreSQL binaries for the store tests (each test starts its own server), iproute2 for
# the loopback of the fuzzed server's own network namespace, openssl for the certificate of
# the SMTP test server.
test-setup: setup $(TEST_VENV)/.schemathesis-$(SCHEMATHESIS) $(TEST_VENV)/.aiosmtpd-$(AIOSMTPD)
	@$(MAKE) --no-print-directory packages PACKAGES="$(TEST_PACKAGES)"

$(TEST_VENV)/.schemathesis-$(SCHEMATHESIS):
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || $(MAKE) --no-print-directory apt PACKAGES=python3-venv
	$(PYTHON) -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/pip install --quiet schemathesis==$(SCHEMATHESIS)
	touch $@

$(TEST_VENV)/.aiosmtpd-$(AIOSMTPD): $(TEST_VENV)/.schemathesis-$(SCHEMATHESIS)
	$(TEST_VENV)/bin/pip install --quiet aiosmtpd==$(AIOSMTPD)
	touch $@

# Installs whichever of PACKAGES the machine lacks.
packages:
	@missing=""; \
	for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then $(MAKE) --no-print-directory apt PACKAGES="$$missing"; fi

apt:
	@if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	echo "installing Debian packages:$(PACKAGES)"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(PACKAGES)

# The house format (.swift-format: swift-format ships with the toolchain) applied, and checked.
SWIFT_SOURCES := Sources Tests Benchmarks Package.swift
format:
	swift format --configuration .swift-format --in-place --recursive --parallel $(SWIFT_SOURCES)

lint:
	swift format lint --configuration .swift-format --strict --recursive --parallel $(SWIFT_SOURCES)
	@long=$$(find Sources Tests Benchmarks -name '*.swift' | xargs awk 'length > 140 { print FILENAME ":" FNR }'); \
	if [ -n "$$long" ]; then echo "lines over 140 columns:"; echo "$$long"; exit 1; fi

# `make -n bench` first: the benchmarks run rarely, so a rule of theirs that broke would
# otherwise go unseen.
test: test-setup lint
	@$(MAKE) --no-print-directory -n bench >/dev/null || { echo "make bench is broken: see make -n bench"; exit 1; }
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	swift test --skip-build $(SWIFT_BUILD_FLAGS) --skip '$(HEAVY_TESTS)'
	swift test --skip-build $(SWIFT_BUILD_FLAGS) --filter '$(HEAVY_TESTS)'

# The benchmarks: ansible-runner beside ansible-core (the comparison), sshd and PostgreSQL
# (test hosts and the worker setup), wrk (HTTP load) and sqlite3 (bulk-loading the large
# store); then the release build, then BENCHMARKS.md. BENCH_FLAGS passes options, e.g.
# BENCH_FLAGS="--only dispatch --launches 50".
bench: setup $(VENV)/.ansible-runner-$(ANSIBLE_RUNNER)
	@$(MAKE) --no-print-directory packages PACKAGES="$(BENCH_PACKAGES)"
	swift build -c release $(SWIFT_BUILD_FLAGS)
	.build/release/playhouse-bench --output BENCHMARKS.md $(BENCH_FLAGS)

$(VENV)/.ansible-runner-$(ANSIBLE_RUNNER): $(ANSIBLE_READY)
	$(VENV)/bin/pip install --quiet ansible-runner==$(ANSIBLE_RUNNER)
	touch $@

clean:
	rm -rf .build var
