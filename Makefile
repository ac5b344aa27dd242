# SPDX-License-Identifier: GPL-2.0
#
# Driver for the time namespace series: prepares the trees, builds the
# kernels, boots them in QEMU and runs the tests. See README.md.
#
#   make run [CMD='...'] [KERNEL=ours|stripped|upstream] [KVM=1] [V=1]
#   make check
#   make bench             stripped vs ours vs upstream, written to
#                          tools/testing/timens/bench/results/
#   make export            work tree edits -> overlay files and patches/
#   make reset-tree        drop the work tree and recreate it from the repo
#   make series [BUILD_EACH=1 [BOOT_EACH=1] [FROM=N]]  git format-patch
#                          series + cover letter in build/series;
#                          BUILD_EACH builds every step (from patch N),
#                          BOOT_EACH boots each and runs its tests

KERNEL ?= ours
TIMEOUT ?= 600
HARNESS := python3 tools/testing/timens/timens.py
OPTS := --kernel $(KERNEL) --timeout $(TIMEOUT) $(if $(KVM),--kvm) $(if $(filter 1,$(V)),--verbose) \
	$(if $(BUILD_EACH),--build-each) $(if $(BOOT_EACH),--boot-each) \
	$(if $(FROM),--from $(FROM))

.PHONY: all python3 deps prepare build run guest-run check bench export reset-tree series clean distclean

all: build

# Everything below needs python3; install it first on a bare machine.
deps prepare build check bench export reset-tree series: python3

python3:
	@command -v python3 >/dev/null || \
	{ [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq python3; } || \
	{ echo "timens: python3 is missing; as root run: apt-get update && apt-get install -y python3"; exit 1; }

deps prepare build export reset-tree series:
	@$(HARNESS) $@ $(OPTS)

check:
	@$(HARNESS) check $(OPTS)

bench:
	@$(HARNESS) bench $(OPTS)

# make itself can only exit 0, 1 or 2; "make run" hands back the guest
# command's own status through a small plugin. Without a compiler the
# plugin is not built and a failing command gives make's usual status 2.
EXIT_PLUGIN := build/make/exit_status.so
ifneq ($(filter run,$(MAKECMDGOALS)),)
-load $(EXIT_PLUGIN)
endif

$(EXIT_PLUGIN): tools/testing/timens/make/exit_status.c
	@mkdir -p $(dir $@)
	@gcc -shared -fPIC -O2 -Wall -o $@ $< 2>/dev/null || true

run: guest-run
	@$(exit-status $(file < build/run.status))
	@exit $$(cat build/run.status)

guest-run: python3
	@mkdir -p build
	@$(HARNESS) run $(OPTS) --cmd "$$TIMENS_CMD"; echo $$? > build/run.status

guest-run: export TIMENS_CMD = $(value CMD)

clean:
	rm -rf build/*/out build/vm-*

distclean:
	rm -rf build
