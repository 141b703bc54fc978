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
# pyotp computes TOTP codes independently of Playhouse's own code, for the two-factor tests.
PYOTP := 2.9.0
# Django and django-oidc-provider are the real OpenID Connect provider the OIDC sign-in tests
# sign in through (Tests/Scripts/oidc-provider.py), in the same venv.
DJANGO := 5.2.19
DJANGO_OIDC_PROVIDER := 0.9.0
TEST_VENV := .venv-test
SWIFT_BUILD_FLAGS ?=
# Suites that keep both cores busy for minutes (real servers killed and restarted, the API
# fuzzed): they run after the rest, so the rest's requests are not starved into timeouts.
HEAVY_TESTS := KillMatrixTests|OpenAPIFuzzTests|DatabaseRestartTests
# Suites that drive headless Chromium: one browser at a time, so they run on their own, where
# a run they watch live is not stretched by every other suite's ansible-playbook.
BROWSER_TESTS := BrowserTests|PageTests|SignInHardeningTests
PORT ?= 8080
TEST_PACKAGES := openssh-server chromium chromium-driver curl postgresql iproute2 openssl nginx zbar-tools librsvg2-bin
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
# the SMTP test server (and of the proxy in test-deploy), nginx for test-deploy, zbar-tools
# (zbarimg) and librsvg2-bin (rsvg-convert) to read back the QR codes of two-factor setup
# with a real decoder.
test-setup: setup $(TEST_VENV)/.schemathesis-$(SCHEMATHESIS) $(TEST_VENV)/.aiosmtpd-$(AIOSMTPD) $(TEST_VENV)/.pyotp-$(PYOTP) \
	$(TEST_VENV)/.oidc-provider-$(DJANGO_OIDC_PROVIDER)-django-$(DJANGO)
	@$(MAKE) --no-print-directory packages PACKAGES="$(TEST_PACKAGES)"

$(TEST_VENV)/.schemathesis-$(SCHEMATHESIS):
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || $(MAKE) --no-print-directory apt PACKAGES=python3-venv
	$(PYTHON) -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/pip install --quiet schemathesis==$(SCHEMATHESIS)
	touch $@

$(TEST_VENV)/.aiosmtpd-$(AIOSMTPD): $(TEST_VENV)/.schemathesis-$(SCHEMATHESIS)
	$(TEST_VENV)/bin/pip install --quiet aiosmtpd==$(AIOSMTPD)
	touch $@

$(TEST_VENV)/.pyotp-$(PYOTP): $(TEST_VENV)/.schemathesis-$(SCHEMATHESIS)
	$(TEST_VENV)/bin/pip install --quiet pyotp==$(PYOTP)
	touch $@

$(TEST_VENV)/.oidc-provider-$(DJANGO_OIDC_PROVIDER)-django-$(DJANGO): $(TEST_VENV)/.schemathesis-$(SCHEMATHESIS)
	$(TEST_VENV)/bin/pip install --quiet django==$(DJANGO) django-oidc-provider==$(DJANGO_OIDC_PROVIDER)
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
	swift test --skip-build $(SWIFT_BUILD_FLAGS) --skip '$(HEAVY_TESTS)|$(BROWSER_TESTS)'
	swift test --skip-build $(SWIFT_BUILD_FLAGS) --filter '$(BROWSER_TESTS)'
	swift test --skip-build $(SWIFT_BUILD_FLAGS) --filter '$(HEAVY_TESTS)'
	@$(MAKE) --no-print-directory test-deploy

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

# `make install` builds playhouse in release mode and installs it under PREFIX (DESTDIR in
# front, for packaging):
#   PREFIX/lib/playhouse/playhouse                  the binary
#   PREFIX/lib/playhouse/playhouse_*.resources      its resources: pages and the OpenAPI
#                                                   document, the Ansible callback plugin
#   PREFIX/bin/playhouse                            a link to the binary
#   PREFIX/share/playhouse/                         systemd units and environment file,
#                                                   the nginx site, the Grafana dashboard
# The binary finds its resources (Bundle.module) beside its own path with links resolved,
# so they share a folder and bin/ holds a link; the units' ExecStart is set to the
# PREFIX. CONFIGURATION=debug installs the debug build instead: test-deploy (the last step
# of `make test`) installs that way, so a fresh clone's `make test` does not pay for a
# release build on top of the debug one (`make bench` builds release). The same rule runs
# either way. The binary loads the Swift runtime from the toolchain's usr/lib/swift/linux
# (its RUNPATH): the toolchain stays where it is, readable by the user that runs Playhouse.
PREFIX ?= /usr/local
DESTDIR ?=
CONFIGURATION ?= release
# The resource bundles of the playhouse product's targets (a stale one of a removed
# target may lie beside them in .build).
RESOURCE_BUNDLES := playhouse_PlayhouseServer.resources playhouse_PlayhouseEngine.resources

.PHONY: install uninstall test-deploy

install:
	@$(MAKE) --no-print-directory packages PACKAGES="$(BUILD_PACKAGES)"
	swift build -c $(CONFIGURATION) $(SWIFT_BUILD_FLAGS) --product playhouse
	@set -e; \
	built=$$(swift build -c $(CONFIGURATION) $(SWIFT_BUILD_FLAGS) --show-bin-path); \
	lib="$(DESTDIR)$(PREFIX)/lib/playhouse"; share="$(DESTDIR)$(PREFIX)/share/playhouse"; \
	echo "installing playhouse ($(CONFIGURATION)) into $(DESTDIR)$(PREFIX)"; \
	install -d "$$lib" "$(DESTDIR)$(PREFIX)/bin" "$$share/systemd" "$$share/nginx"; \
	install -m 0755 "$$built/playhouse" "$$lib/.playhouse.new"; \
	mv -f "$$lib/.playhouse.new" "$$lib/playhouse"; \
	for bundle in $(RESOURCE_BUNDLES); do \
		test -d "$$built/$$bundle" || { echo "$$built/$$bundle is missing: the build made no such bundle"; exit 1; }; \
		rm -rf "$$lib/$$bundle"; \
		cp -R "$$built/$$bundle" "$$lib/$$bundle"; \
	done; \
	find "$$lib" -name __pycache__ -prune -exec rm -rf {} +; \
	chmod -R u=rwX,go=rX "$$lib"; \
	ln -sfn ../lib/playhouse/playhouse "$(DESTDIR)$(PREFIX)/bin/playhouse"; \
	for unit in playhouse.service playhouse-worker.service; do \
		sed 's|/usr/local/bin/playhouse|$(PREFIX)/bin/playhouse|' "deploy/systemd/$$unit" > "$$share/systemd/$$unit"; \
		chmod 0644 "$$share/systemd/$$unit"; \
	done; \
	install -m 0644 deploy/systemd/playhouse.env "$$share/systemd/playhouse.env"; \
	install -m 0644 deploy/nginx/playhouse.conf "$$share/nginx/playhouse.conf"; \
	install -m 0644 deploy/grafana-dashboard.json "$$share/grafana-dashboard.json"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/playhouse"
	rm -rf "$(DESTDIR)$(PREFIX)/lib/playhouse" "$(DESTDIR)$(PREFIX)/share/playhouse"

# The installed binary behind nginx: `make install` into a temporary PREFIX (debug; or
# `make test-deploy CONFIGURATION=release`), then serve through the example nginx site
# over HTTPS on loopback, a job followed live through it (Tests/Scripts/deploy-test.sh).
test-deploy: test-setup
	Tests/Scripts/deploy-test.sh
