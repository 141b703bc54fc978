# Playhouse: `make run` to try it, `make test` to check it.
# Everything it needs that the machine lacks is installed here: ansible-core in a
# project-local venv, and for the tests Debian's sshd and chromium.

ANSIBLE_CORE := 2.19.14
PYTHON ?= python3
VENV := .venv
SWIFT_BUILD_FLAGS ?=
PORT ?= 8080
TEST_PACKAGES := openssh-server chromium chromium-driver curl postgresql

.PHONY: run test build setup test-setup apt bench clean

run: setup build
	mkdir -p var
	.build/debug/playhouse serve --port $(PORT) --projects examples --database var/playhouse.sqlite

build:
	swift build $(SWIFT_BUILD_FLAGS)

setup: $(VENV)/.ansible-$(ANSIBLE_CORE)

$(VENV)/.ansible-$(ANSIBLE_CORE):
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || $(MAKE) --no-print-directory apt PACKAGES=python3-venv
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet ansible-core==$(ANSIBLE_CORE)
	touch $@

# Debian packages the tests need: sshd for the SSH test hosts, chromium for the page test,
# PostgreSQL binaries for the store tests (each test starts its own server).
test-setup: setup
	@missing=""; \
	for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then $(MAKE) --no-print-directory apt PACKAGES="$$missing"; fi

apt:
	@if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	echo "installing Debian packages:$(PACKAGES)"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(PACKAGES)

test: test-setup
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	swift test --skip-build $(SWIFT_BUILD_FLAGS)

clean:
	rm -rf .build var
