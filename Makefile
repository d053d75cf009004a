# iommubench — top-level Makefile.  See README.md and docs/.
#   make deps | build | module | test | run SUITE=x [TARGET=auto|host|lab] [ARGS='...']
#   make lab | peer-check | plots RUN=dir | compare A= B= | dkms-install | dkms-remove | gpu-check | format | clean
SHELL := /bin/bash
.DEFAULT_GOAL := build

# Variables from the command line or the environment are data, never make
# syntax: a value holding '$' is frozen to its literal text here, before
# anything expands it (make would otherwise run a $(shell ...) in it, even
# just to export it).  Recipes never paste a user's value into shell text:
# they read it from the environment ("$$SUITE"), and the scripts validate it
# (one line, exit 1).  tests/reliability/test_make_inject.sh.
$(foreach v,$(.VARIABLES),$(if $(filter command line environment,$(origin $v)),\
  $(if $(findstring $$,$(value $v)),$(eval override $v := $$(value $v))$(eval export $v))))

BUILD    ?= build
BIN      := $(BUILD)/iommubench
PKGS     := hwloc numa jansson papi liburing libzstd
CC       ?= cc
# User CFLAGS (environment or `make CFLAGS=...`) pick the optimisation and
# debug flags; the project's own flags are always appended (override), so a
# command-line CFLAGS never loses the include paths or -Werror.
CFLAGS   ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
            -Iharness/include -Ikernels/include/uapi -D_GNU_SOURCE \
            -DIB_VERSION=\"$(shell cat VERSION 2>/dev/null || echo 0.0.0)\" \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread

# SANITIZE=1: ASan + UBSan (any UBSan report is fatal); used with
# BUILD=build/san by `make sanitize` and tests/reliability/test_sanitize.sh.
# hwloc dlopens its PCI plugin and unloads it (with libpciaccess) at
# hwloc_topology_destroy(); what libpciaccess still reached from its globals
# then looks leaked.  Linking libpciaccess keeps it loaded, so LeakSanitizer
# reports only real leaks.
ifeq ($(SANITIZE),1)
override CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
PCIACCESS_LINK := -Wl,--no-as-needed -l:libpciaccess.so.0 -Wl,--as-needed
LDLIBS   += $(if $(wildcard /usr/lib/x86_64-linux-gnu/libpciaccess.so.0),$(PCIACCESS_LINK))
endif

SRCS     := $(wildcard harness/src/*/*.c)
OBJS     := $(patsubst harness/src/%.c,$(BUILD)/obj/%.o,$(SRCS))
LIBOBJS  := $(filter-out $(BUILD)/obj/cli/main.o,$(OBJS))
TESTSRC  := $(wildcard tests/unit/test_*.c)
TESTBINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TESTSRC))
# Small static test tools that run inside the lab guest.
LABTOOLS := $(patsubst tests/lab/tools/%.c,$(BUILD)/labtools/%,$(wildcard tests/lab/tools/*.c))

# The lab kernel: LAB_KERNEL=<release> (6.12.117+deb12-amd64) or <series>
# (6.12); unset: the release Debian's linux-headers-amd64 points to (the 6.1
# ABI on bookworm).  One rule for make, lab.py and deps: scripts/lab/kernel.sh.
LAB_KERNEL ?=
export LAB_KERNEL
# The module sources; module-lab builds them per kernel under
# $(BUILD)/module/<release>/ (links), so kernels never share objects.
MODSRC   := $(filter-out %.mod.c %/conftest.h,$(wildcard kernels/iommubench/*.[ch])) \
            kernels/iommubench/Kbuild kernels/iommubench/conftest.sh kernels/iommubench/btf_func.py
# KDIR for `make module`: default /lib/modules/$(uname -r)/build; when that is
# missing, scripts/host.sh says in one line what to install (exit 3).
KDIR     ?=
# make dkms-install: the releases to build and install for (default: running).
DKMS_KERNEL ?=

SUITE    ?= smoke
TARGET   ?= auto
# make deps: which set (scripts/deps.sh): host, lab, test or all (default)
DEPS     ?= all
export SUITE TARGET DEPS KDIR DKMS_KERNEL RUN A B W
# ARGS='--only map ...': more `iommubench run` options for make run, read by
# scripts/run.sh from the environment (split by shlex, never by the shell).
ARGS     ?=
export ARGS

.PHONY: build deps module module-lab dkms-install dkms-remove labtools test unit run lab plots compare format clean help sanitize bench-probe-cost gpu-check peer-check

help:
	@sed -n '2,3p' Makefile

# The MPI shim (harness/mpi/, docs/harness.md "Ranks"): the harness dlopens
# it under mpirun; built only where MPI's headers are (libopenmpi-dev), so
# a build without MPI works and build/iommubench never links libmpi.
MPI_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null)
MPI_LIBS   := $(shell pkg-config --libs ompi-c 2>/dev/null)
MPI_SHIM   := $(if $(MPI_LIBS),$(BUILD)/libiommubench-mpi.so)

build: $(BIN) $(MPI_SHIM)

$(BUILD)/libiommubench-mpi.so: harness/mpi/ib_mpi_shim.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MPI_CFLAGS) -shared -fPIC -o $@ $< $(MPI_LIBS)

# Header dependencies: each object and unit test records the headers it
# read (-MMD -MP: $(BUILD)/obj/<dir>/<file>.d; unit tests and lab tools in
# $(BUILD)/dep/, never beside the binaries that run.sh and lab.py list), so
# a header change rebuilds only what includes it.  An object built before
# its .d existed depends on every header, once.
DEPFLAGS := -MMD -MP
HDRS     := $(wildcard harness/include/*.h harness/src/*/*.h kernels/include/uapi/*.h)
-include $(OBJS:.o=.d) $(TESTBINS:$(BUILD)/%=$(BUILD)/dep/%.d)
$(foreach o,$(OBJS),$(if $(wildcard $(o:.o=.d)),,$(eval $(o): $(HDRS))))
$(foreach t,$(TESTBINS),$(if $(wildcard $(t:$(BUILD)/%=$(BUILD)/dep/%.d)),,$(eval $(t): $(HDRS) tests/unit/test_util.h)))

$(BUILD)/obj/%.o: harness/src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BIN): $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBOBJS)
	@mkdir -p $(@D) $(BUILD)/dep/tests
	$(CC) $(CFLAGS) $(DEPFLAGS) -MF $(BUILD)/dep/tests/$(@F).d -Itests/unit -o $@ $< $(LIBOBJS) $(LDLIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/labtools/%: tests/lab/tools/%.c
	@mkdir -p $(@D) $(BUILD)/dep/labtools
	$(CC) -static -O2 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ikernels/include/uapi $(DEPFLAGS) -MF $(BUILD)/dep/labtools/$(@F).d -o $@ $< -lpthread
-include $(LABTOOLS:$(BUILD)/%=$(BUILD)/dep/%.d)
$(foreach t,$(LABTOOLS),$(if $(wildcard $(t:$(BUILD)/%=$(BUILD)/dep/%.d)),,$(eval $(t): $(wildcard kernels/include/uapi/*.h))))

labtools: $(LABTOOLS)

deps:
	@bash scripts/deps.sh "$$DEPS"

module:
	@kd=$$KDIR; [ -n "$$kd" ] || kd=$$(bash scripts/host.sh kdir) || exit $$?; \
	[ -f "$$kd/Makefile" ] || { echo "module: KDIR=$$kd: no kernel build directory there (expected its Makefile)" >&2; exit 1; }; \
	$(MAKE) -C "$$kd" M=$(CURDIR)/kernels/iommubench modules

# DKMS (docs/module.md): /usr/src/iommubench-<VERSION>, built and installed
# for DKMS_KERNEL (default: the running kernel) and every later kernel.
dkms-install:
	@bash scripts/dkms.sh install $(MODSRC) kernels/iommubench/Makefile

dkms-remove:
	@bash scripts/dkms.sh remove

# The module for the lab kernel: $(BUILD)/module/<release>/iommubench.ko,
# built against the headers unpacked in build/lab/kernels/<release>.
module-lab:
	@kv=$$(bash scripts/lab/kernel.sh check) || exit $$?; \
	kt=$$(bash scripts/lab/kernel.sh dir) || exit $$?; \
	d=$(abspath $(BUILD))/module/$$kv; mkdir -p "$$d" && \
	for f in $(MODSRC); do ln -sfn $(CURDIR)/$$f "$$d"/; done && \
	flock "$$d/.lock" $(MAKE) -C "$$kt/usr/src/linux-headers-$$kv" M="$$d" IB_UAPI=$(CURDIR)/kernels/include/uapi W="$$W" modules

# The fake CUDA driver, for tests only (IOMMUBENCH_LIBCUDA selects it; docs/gpu.md).
CUDA_FAKE := $(BUILD)/tests/libcuda_fake.so
$(CUDA_FAKE): tests/fakes/libcuda_fake.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -shared -fPIC -fvisibility=hidden -o $@ $<

unit: $(TESTBINS) $(CUDA_FAKE)

# The harness and the unit tests built with ASan/UBSan in build/san.
sanitize:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/san SANITIZE=1 build unit

# deps first (the test set: host, lab and what the tests use), then a fresh
# make so pkg-config sees the installed libraries.  The lab's guest tests
# run on the default lab kernel and on each of LAB_EXTRA_KERNELS (default
# 6.12; LAB_EXTRA_KERNELS= for none): deps fetches them, and
# tests/lab/guest-kernel.sh builds their modules.
test: export LAB_EXTRA_KERNELS ?= 6.12
test:
	@bash scripts/deps.sh test
	@$(MAKE) --no-print-directory build module-lab unit labtools
	@bash tests/run.sh

# make itself exits 2 on any failure; its "Error N" line carries the
# contract code (1 bad input, 2 failed, 3 resource missing, 4 skipped), and
# scripts/run.sh returns N directly.  make run installs the host set only;
# run.sh adds the lab set when it boots the lab (TARGET=lab, or auto on a
# host that cannot run the suite).
run:
	@bash scripts/run.sh --check-args "$$SUITE" "$$TARGET"
	@bash scripts/deps.sh host
	@$(MAKE) -s --no-print-directory build
	@bash scripts/run.sh "$$SUITE" "$$TARGET"

lab:
	@bash scripts/deps.sh lab
	@$(MAKE) --no-print-directory build module-lab labtools
	@python3 scripts/lab/lab.py build

# Benchmark, not a test: each counter source's cost to the timed path, in
# the lab (docs/counters.md).
bench-probe-cost:
	@bash scripts/deps.sh lab
	@$(MAKE) --no-print-directory build module-lab
	@bash scripts/bench-probe-cost.sh

# On a GPU host, first: the gpu suite (<= 8 min), derive and report (docs/gpu.md).
gpu-check:
	@bash scripts/gpu-check.sh

# The kernel's dma_map_benchmark next to our map engine, one lab boot
# (docs/peer-check.md); needs linux-source-<series> (scripts/deps.sh peer).
# Not part of make test: several minutes of emulated time.
peer-check:
	@$(MAKE) -s --no-print-directory build
	@bash scripts/peer/peer-check.sh

plots:
	@test -n "$$RUN" || { echo "plots: set RUN=results/<suite>/<run-id>" >&2; exit 1; }
	@test -d "$$RUN" || { echo "plots: RUN=$$RUN: no such run directory" >&2; exit 1; }
	$(BIN) report "$$RUN"

compare: build
	@test -n "$$A" -a -n "$$B" || { echo "compare: set A=<run dir> B=<run dir>" >&2; exit 1; }
	@for v in "$$A" "$$B"; do test -d "$$v" || { echo "compare: $$v: no such run directory (A=, B=)" >&2; exit 1; }; \
	b=$$(basename -- "$$v"); [[ $$b =~ ^[A-Za-z0-9._+-]+$$ ]] || { echo "compare: $$v: a run directory's name is letters, digits and . _ + - only" >&2; exit 1; }; done; \
	d=results/compare/$$(basename -- "$$A")-vs-$$(basename -- "$$B"); mkdir -p "$$d" && \
	$(BIN) compare "$$A" "$$B" -o "$$d/compare.csv"

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C kernels/iommubench clean >/dev/null 2>&1 || true
