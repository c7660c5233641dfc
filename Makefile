# mmapdemo: one kernel buffer shared with user space through mmap().
#
#   make demo      install what is missing, boot a guest, show the sharing
#   make check     install what is missing, run every test
#   make bench     install what is missing, benchmark in a guest; results
#                  in build/results/bench/ (table, CSV, JSON, PNG plot);
#                  KERNEL="stock trixie-backports" for both, side by side;
#                  ICOUNT=1 counts instructions instead of time
#
#   make [all]     module (for the running kernel) and user space
#   make modules   the module for the running kernel, into build/modules/KVER/
#                  (KVER=release, or KDIR=/path/to/kernel/build, for another)
#   make user      libmmapdemo, the mmapdemo tool, examples, guest tests
#   make lint      checkpatch --strict, sparse, W=1
#   make planted-bug  prove the debug kernel catches a planted use-after-free
#   make fuzz      the random-operation fuzzer on the debug kernel, longer
#                  than in make check: OPS=20000 PROCS=4 SEED=(fresh)
#                  MAXSECS=(none)
#   make install   module (modules_install), library, header, tool, man pages, udev rule
#   make deb       Debian packages (mmapdemo-dkms, libmmapdemo1, -dev,
#                  mmapdemo-tools, python3-mmapdemo) into build/deb/, lintian
#   make dkms-install   the module through DKMS, for KVER and later kernels
#   make dkms-remove    every DKMS build of it, and its sources in /usr/src
#                  (dkms-* refuse when the mmapdemo-dkms package is installed)
#   make report    build/results/report.md from the last run's results
#   make clean
#
# demo, check, lint, planted-bug, bench, fuzz and dkms-* need root.

SHELL := /bin/bash
ROOT := $(CURDIR)
B := $(ROOT)/build
# The running kernel, unless KVER or KDIR say otherwise (with only KDIR,
# KVER is that tree's release).
ifeq ($(origin KVER),undefined)
ifneq ($(origin KDIR),undefined)
KVER := $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
endif
endif
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
MODDIR := $(B)/modules/$(KVER)
PREFIX ?= /usr/local
DESTDIR ?=

# Targets that install packages, chroot, run mmdebstrap or unshare, or
# write to /lib/modules and /usr/src: a normal user's run stops here, in
# one line, before anything is done (scripts/root.sh does the same for
# the scripts run directly).
ROOT_GOALS := demo check lint planted-bug bench fuzz dkms-install dkms-remove
ifneq ($(filter $(ROOT_GOALS),$(MAKECMDGOALS)),)
ifneq ($(shell id -u),0)
$(error mmapdemo: make $(filter $(ROOT_GOALS),$(MAKECMDGOALS)) needs root; run it as root or with sudo)
endif
endif

all: modules user

deps:
	@scripts/deps.sh

modules:
	@scripts/build-module.sh $(KDIR) $(MODDIR)

user:
	$(MAKE) -C user O=$(B)/user all
	$(MAKE) -C user/tests/guest O=$(B)/user
	$(MAKE) -C user/examples O=$(B)/user

demo: deps
	@scripts/demo.sh

check:
	@scripts/check.sh

lint: deps
	@scripts/lint.sh

# Shows that the debug stage catches bugs: a planted use-after-free
# (PLANT=oob for an out-of-bounds read) must produce a KASAN report.
PLANT ?= uaf
planted-bug: deps
	@scripts/planted-bug.sh $(PLANT)

# KERNEL="stock trixie-backports": the kernels to benchmark, side by side;
# TRACE=1: perf profiles of the 4 KiB setups instead (scripts/bench.sh).
# ICOUNT=1: instructions counted by a TCG plugin instead of time, into
# build/results/bench/KERNEL/icount.{txt,json,png}; PROFILE=VARIANT: a
# flat profile of its first write touch (scripts/icount/).
KERNEL ?= stock
bench: deps
	@KERNEL='$(KERNEL)' TRACE='$(TRACE)' ICOUNT='$(ICOUNT)' PROFILE='$(PROFILE)' \
		scripts/bench.sh

# The fuzzer (user/tests/guest/fuzz.c) on the debug kernel: SEED replays.
OPS ?= 20000
PROCS ?= 4
SEED ?=
MAXSECS ?=
fuzz: deps
	@MMAPDEMO_FUZZ_OPS='$(OPS)' MMAPDEMO_FUZZ_PROCS='$(PROCS)' \
		MMAPDEMO_FUZZ_SEED='$(SEED)' MMAPDEMO_FUZZ_MAXSECS='$(MAXSECS)' \
		scripts/fuzz.sh

install: modules user
	$(MAKE) -C $(KDIR) M=$(MODDIR)/src INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=extra modules_install
	$(MAKE) -C user O=$(B)/user PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) install

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/extra/mmapdemo.ko
	$(MAKE) -C user O=$(B)/user PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) uninstall

# For KVER (the running kernel by default); AUTOINSTALL in dkms.conf
# covers the kernels installed later.
DKMS_KVER = $(KVER)
dkms-install:
	scripts/dkms.sh add
	scripts/dkms.sh build $(DKMS_KVER)
	scripts/dkms.sh install $(DKMS_KVER)

dkms-remove:
	scripts/dkms.sh remove

deb: deps
	@scripts/deb.sh

# build/results/report.md from the last make check, make bench and make
# fuzz: the kernel table, the per-stage summary, the bench tables, the
# fuzz, fail-nth and stress summaries (scripts/report.sh).
report:
	@scripts/report.sh

clean:
	rm -rf $(B)

.PHONY: all deps modules user demo check lint planted-bug bench fuzz install uninstall clean \
	dkms-install dkms-remove deb report
