# SPDX-License-Identifier: GPL-2.0
#
# Driver for the time namespace series: prepares the trees, builds the
# kernels, boots them in QEMU and runs the tests. See README.md.
#
#   make run [CMD='...'] [KERNEL=ours|stripped|upstream] [KVM=1] [V=1]
#   make check
#   make export            work tree edits -> overlay files and patches/
#   make reset-tree        drop the work tree and recreate it from the repo

KERNEL ?= ours
TIMEOUT ?= 600
HARNESS := python3 tools/testing/timens/timens.py
OPTS := --kernel $(KERNEL) --timeout $(TIMEOUT) $(if $(KVM),--kvm) $(if $(filter 1,$(V)),--verbose)

.PHONY: all python3 deps prepare build run check export reset-tree clean distclean

all: build

# Everything below needs python3; install it first on a bare machine.
deps prepare build check export reset-tree: python3

python3:
	@command -v python3 >/dev/null || \
	{ [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq python3; } || \
	{ echo "timens: python3 is missing; as root run: apt-get update && apt-get install -y python3"; exit 1; }

deps prepare build export reset-tree:
	@$(HARNESS) $@ $(OPTS)

check:
	@$(HARNESS) check $(OPTS)

run: python3
	@$(HARNESS) run $(OPTS) --cmd "$$TIMENS_CMD"

run: export TIMENS_CMD = $(CMD)

clean:
	rm -rf build/*/out build/vm-*

distclean:
	rm -rf build
