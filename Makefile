# zcbench - paired zero-copy IO benchmarks.
#   make            build build/zcbench
#   make bench      run the whole suite, write results/<machine>/<UTC time>-<commit>.json
#   make replicate  the suite twice, and how well run 2 lands in run 1's intervals
#   make test       unit tests (cmocka), end-to-end tests (bats), sanitizer build
#   make fleet INVENTORY=FILE   make bench on every host of an Ansible inventory
#   make deps       install the Debian packages (as root)
# bench, test, crosscheck and report check the packages first (installing them as root),
# then build in a sub-make: pkg-config must run after the packages are there, not when
# this file is parsed.

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
STD     := -std=gnu11
PKGS    := libxxhash libcrypto jansson liburing gsl zlib
BUILD   ?= build
# Builds use every core (the compiles are independent); tests and benchmarks never run
# side by side: only the recipes below that build pass it.
JOBS    := -j$(shell nproc 2>/dev/null || echo 1)

# zcbench profile's bpf tracer: its kernel half is built with clang -target bpf against a
# vmlinux.h that bpftool dumps from this machine's BTF (CO-RE relocates it wherever it
# loads) and embedded through a bpftool skeleton. Without BTF here, zcbench is built
# without it and profile uses perf, saying why.
BPF_OK := $(shell test -r /sys/kernel/btf/vmlinux && command -v bpftool >/dev/null 2>&1 && pkg-config --exists libbpf 2>/dev/null && command -v clang >/dev/null 2>&1 && echo 1)
ifeq ($(BPF_OK),1)
PKGS += libbpf
BPF_SKEL := $(BUILD)/ioprof.skel.h
ALL_BPF_CFLAGS := -DZC_HAVE_BPF=1
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LIBS       := $(PKG_LIBS) -lm

GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# Dirty: tracked files differ from the commit, results/ aside (make bench regenerates its
# index, which does not change what is measured).
GIT_DIRTY  := $(shell test -z "$$(git status --porcelain --untracked-files=no -- . ':!results' 2>/dev/null)" && echo 0 || echo 1)
HARNESS_DIRS := harness $(wildcard harness/*/)
ALL_CFLAGS  = $(STD) $(CFLAGS) $(WARN) $(PKG_CFLAGS) $(addprefix -I,$(HARNESS_DIRS)) -Ibenches/common -I$(BUILD) -MMD -MP $(ALL_BPF_CFLAGS)

HARNESS_SRC := $(filter-out harness/app/main.c,$(wildcard harness/*.c harness/*/*.c))

BENCH_SRC   := $(wildcard benches/*.c benches/common/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)

objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
HARNESS_OBJ := $(call objs,$(HARNESS_SRC))
BENCH_OBJ   := $(call objs,$(BENCH_SRC))
MAIN_OBJ    := $(call objs,harness/app/main.c)
UNIT_BIN    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# Keep the unit tests' objects (make would delete them as intermediates).
.SECONDARY: $(call objs,$(UNIT_SRC))

.PHONY: test-bins fleet replicate profiles profile-check tune tune-reset valgrind report crosscheck bench-sweep all built bench test unit bats asan check deps check-deps clean testdata
.DELETE_ON_ERROR:

all: $(BUILD)/zcbench

# Build facts recorded in every result; rewritten only when they change.
$(BUILD)/buildinfo.h: FORCE
	@mkdir -p $(BUILD)
	@printf '#define ZC_GIT_COMMIT "%s"\n#define ZC_GIT_DIRTY %s\n#define ZC_CFLAGS "%s"\n#define ZC_LIBURING_VERSION "%s"\n' \
	  '$(GIT_COMMIT)' '$(GIT_DIRTY)' 'CC=$(CC) $(STD) $(CFLAGS) $(WARN)' \
	  '$(shell pkg-config --modversion liburing 2>/dev/null || echo unknown)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
FORCE:

$(BUILD)/obj/harness/machine/fingerprint.o: $(BUILD)/buildinfo.h
$(BUILD)/obj/harness/machine/fingerprint.o: ALL_CFLAGS += -include $(BUILD)/buildinfo.h

$(BUILD)/bpf/vmlinux.h:
	@mkdir -p $(dir $@)
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@
# -g for the BTF that CO-RE needs; llvm-strip -g then drops the DWARF (a 2 MB skeleton less).
$(BUILD)/bpf/ioprof.bpf.o: harness/trace/bpf/ioprof.bpf.c harness/trace/bpf/ioprof_bpf.h $(BUILD)/bpf/vmlinux.h
	clang -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86 -I$(BUILD)/bpf -Iharness/trace/bpf -c $< -o $@.tmp
	llvm-strip -g $@.tmp && mv $@.tmp $@
$(BUILD)/ioprof.skel.h: $(BUILD)/bpf/ioprof.bpf.o
	bpftool gen skeleton $< name zc_ioprof_bpf > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/harness/trace/bpf_tracer.o: $(BPF_SKEL)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/zcbench: $(MAIN_OBJ) $(HARNESS_OBJ) $(BENCH_OBJ)
	$(CC) $(CFLAGS) $^ -o $@ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(HARNESS_OBJ) $(BENCH_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ -o $@ $(LIBS) -lcmocka

# Tests replace it with a stand-in to simulate a machine without the packages.
CHECK_DEPS ?= scripts/check-deps
check-deps:
	@$(CHECK_DEPS)

deps:
	@$(CHECK_DEPS) --install

# Sub-make: a fresh parse, after check-deps, so that pkg-config sees new packages.
built: check-deps
	@$(MAKE) --no-print-directory $(JOBS) all

testdata: built
	@$(BUILD)/zcbench --make-testdata $(if $(SWEEP),--sweep)

# The results folder: one machine, named by zcbench (hostname + a short id of what makes
# the machine: hypervisor, CPU, cores, memory, kernel build) unless MACHINE= says.
MACHINE ?=
bench: built
	@scripts/run-bench $(BUILD)/zcbench "$(MACHINE)" $(GIT_COMMIT) $(GIT_DIRTY) $(BENCH_DEFAULTS) $(BENCH_ARGS)

# make bench of this commit on every host of an Ansible inventory, each run fetched into
# results/<machine>/ and the atlas regenerated (scripts/fleet; FLEET_PARALLEL=N hosts at once).
INVENTORY ?=
fleet: check-deps
	@test -n "$(INVENTORY)" || { echo "make fleet: name the hosts: make fleet INVENTORY=FILE" >&2; exit 2; }
	@FLEET_BENCH_ARGS="$(BENCH_ARGS)" scripts/fleet "$(INVENTORY)"

# The suite twice in a row and the replicate report: how many of run 2's ratios land in run
# 1's intervals and in the prediction intervals, and every verdict that differs.
replicate: built
	@scripts/replicate $(BUILD)/zcbench "$(MACHINE)" $(GIT_COMMIT) $(GIT_DIRTY) $(BENCH_DEFAULTS) $(BENCH_ARGS)

# The file pairs at every size from 4 KiB to 1 GiB (needs ~1.4 GiB of test data, a few minutes).
bench-sweep:
	@$(MAKE) --no-print-directory bench BENCH_ARGS="--sweep $(BENCH_ARGS)"

# zcbench profile on cp, dd and nginx (sendfile off/on) into results/<machine>/profiles/
# (needs root, and nginx and wrk: apt-get install nginx wrk).
profiles: built
	@scripts/profile-examples

# zcbench profile checked against strace -f -yy on 8 programs (20 profiles each), with
# each mechanism, and what each costs dd bs=512, into results/<machine>/profiles/ (root;
# apt-get install strace nginx curl linux-perf). perf's check is expected to find the
# descriptors it loses to short-lived programs: its table is kept, its status is not.
profile-check: built
	@d=results/$$($(BUILD)/zcbench --machine-name)/profiles; \
	  scripts/profile-crosscheck --mechanism bpf $$d; scripts/profile-crosscheck --mechanism perf $$d || true; \
	  scripts/profile-overhead $$d

# Reports next to every committed run, and the results index.
report: built
	@scripts/report
	@scripts/pairs-table $(BUILD)/zcbench >/dev/null

# Machine state for benchmarking (root): governor, boost, THP=$(THP) and
# FAULT_AROUND=$(FAULT_AROUND) (bytes) if given; and back.
tune: built
	@$(BUILD)/zcbench --tune $(if $(THP),--thp $(THP)) $(if $(FAULT_AROUND),--fault-around $(FAULT_AROUND))
tune-reset: built
	@$(BUILD)/zcbench --tune-reset

# memcheck over the unit tests and a small quick run (one param of each pair), its
# invocations (re-executed zcbench) included. Not over test_replication: its simulations
# make the same calls thousands of times (30 s under memcheck), and the zcbench run below
# makes them under memcheck (its analysis of the invocations).
VALGRIND := valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
VALGRIND_UNIT := $(filter-out %/test_replication,$(UNIT_BIN))
valgrind: all $(UNIT_BIN)
	@set -e; for t in $(VALGRIND_UNIT); do echo "== valgrind $$t"; $(VALGRIND) $$t >/dev/null; done
	@echo "== valgrind zcbench --quick (one param per pair)"
	@$(VALGRIND) --trace-children=yes $(BUILD)/zcbench --quick --invocations 2 --format none --filter \
	  "$$(scripts/first-params $(BUILD)/zcbench)" \
	  2>$(BUILD)/valgrind-zcbench.log || { cat $(BUILD)/valgrind-zcbench.log; exit 1; }
	@grep -c '^\[1/' $(BUILD)/valgrind-zcbench.log | sed 's/^/   pair params run clean under memcheck, each in 2 invocations: /'

# zcbench profile's fixture: static, so that no loader IO comes before its own.
$(BUILD)/tests/io_fixture: tests/fixtures/io_fixture.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) -O2 $(WARN) -static $< -o $@ -luring -lpthread

# What the tests run, built (scripts/run-tests builds it on every core first).
test-bins: all $(UNIT_BIN) $(BUILD)/tests/io_fixture

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

bats: all $(BUILD)/tests/io_fixture
	ZCBENCH=$(abspath $(BUILD)/zcbench) IO_FIXTURE=$(abspath $(BUILD)/tests/io_fixture) bats tests/bats

# The same tests against an address/undefined-behaviour sanitizer build.
ASAN_FLAGS := BUILD=build/asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
asan:
	$(MAKE) --no-print-directory $(JOBS) $(ASAN_FLAGS) test-bins
	$(MAKE) --no-print-directory $(ASAN_FLAGS) unit bats

# Static checks: the clang build with -Werror, and cppcheck (not on the BPF program, which
# clang -target bpf -Wall -Werror and the kernel's verifier check).
check:
	$(MAKE) --no-print-directory $(JOBS) BUILD=build/clang CC=clang all
	cppcheck --enable=warning,performance,portability --error-exitcode=1 --inline-suppr -q \
	  --std=c11 $(addprefix -I,$(HARNESS_DIRS)) -iharness/trace/bpf harness benches tests/unit

test: check-deps
	@scripts/run-tests

# zcbench against Google Benchmark, xxhsum -b and openssl speed on the same work; the
# evidence goes to results/<host>/crosscheck/.
$(BUILD)/gbench_memcpy: tests/crosscheck/gbench_memcpy.cc
	@mkdir -p $(BUILD)
	$(CXX) -O2 $< -o $@ -lbenchmark -lpthread
$(BUILD)/xxh3_alignment: tests/crosscheck/xxh3_alignment.c
	@mkdir -p $(BUILD)
	$(CC) $(STD) -O2 $(WARN) $< -o $@ -lxxhash
crosscheck: built
	@$(MAKE) --no-print-directory $(BUILD)/gbench_memcpy $(BUILD)/xxh3_alignment
	@scripts/crosscheck $(BUILD) results/$$($(BUILD)/zcbench $(if $(MACHINE),--machine $(MACHINE)) --machine-name)/crosscheck $(GIT_COMMIT)$(if $(filter 1,$(GIT_DIRTY)),-dirty)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
