# pktlens — see README.md. `make` builds build/pktlens; `make test` runs
# every test; `make run` shows pktlens live on the lab.
BUILD    ?= build
CLANG    ?= clang
CC       ?= cc
BPFTOOL  ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -std=gnu11 -D_GNU_SOURCE -I$(BUILD) -Isrc
LDLIBS   := -lbpf -lpcap -lelf -lz -lmnl -lm
# --anonymize (AES, HMAC: libcrypto) and --redact l7:keep-suffix (libpsl),
# in every binary that formats records (src/privacy/)
PRIV_PKGS := libcrypto libpsl
LDLIBS   += $(shell pkg-config --libs $(PRIV_PKGS) 2>/dev/null || echo -lcrypto -lpsl) -lpthread
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# A target whose recipe fails is removed, so a half-written file (a 0-byte
# skeleton after `make BPFTOOL=false`) is never taken as up to date.
.DELETE_ON_ERROR:

# Each object records the headers it included (-MMD, -MP: a deleted header
# is no error) in a .d file beside it; make reads them all at the end.
DEPFLAGS := -MMD -MP

BPF_SRCS := $(wildcard src/bpf/*.bpf.c)
SKELS    := $(patsubst src/bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
# user space: main and options, commands, the runtime, output, sinks, util,
# the parser and the filter compiler; src/detect/detect.c is shared C,
# included by the BPF programs (through detect.bpf.h) and by
# src/detect/host.c, like the parser
USER_DIRS := src src/cmd src/cmd/tcp src/cmd/agent src/runtime src/output src/sinks src/util \
	src/privacy
USER_SRCS := $(wildcard $(addsuffix /*.c,$(USER_DIRS))) src/parse/parse.c src/filter/compile.c src/filter/cbpf.c src/filter/procterms.c
USER_SRCS += $(filter-out src/detect/detect.c,$(wildcard src/detect/*.c))
USER_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(USER_SRCS))

.PHONY: all deps test test-build check unit run lab-up lab-down bench bench-build fuzz truncate clean install soak deb

all: $(BUILD)/pktlens

deps:
	@bash scripts/deps.sh

$(BUILD)/vmlinux.h:
	@mkdir -p $(BUILD)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) -I$(BUILD) -Isrc

# Static pattern rules, so that make keeps every stage (an intermediate
# file of an implicit chain would be deleted after the build).
BPF_OBJS  := $(patsubst src/bpf/%.c,$(BUILD)/%.o,$(BPF_SRCS))
ALL_BPF   := $(BPF_OBJS) $(BUILD)/xdp_pass.bpf.o
STRIPPED  := $(patsubst $(BUILD)/%,$(BUILD)/stripped/%,$(ALL_BPF))
ALL_SKELS := $(SKELS) $(BUILD)/xdp_pass.skel.h

# tcp: atomic fetch-and-add and compare-and-swap (the connection table)
# need BPF ISA v3
$(BUILD)/tcp.bpf.o: BPF_CFLAGS += -mcpu=v3

$(BPF_OBJS): $(BUILD)/%.bpf.o: src/bpf/%.bpf.c $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -Wno-unused-function $(DEPFLAGS) -c $< -o $@

# The skeletons embed the objects stripped of DWARF (bpftool gen object
# keeps BTF and the CO-RE relocations); the file name, and so the skeleton's
# name, stays <name>.bpf.o.
$(STRIPPED): $(BUILD)/stripped/%.bpf.o: $(BUILD)/%.bpf.o
	@mkdir -p $(dir $@)
	$(BPFTOOL) gen object $@ $<

$(ALL_SKELS): $(BUILD)/%.skel.h: $(BUILD)/stripped/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

# Objects that include a skeleton find it through their .d file once built;
# the first build makes every skeleton before any object (order-only).
$(BUILD)/obj/%.o: src/%.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/pktlens: $(USER_OBJS)
	$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, the man page and
# the bash completion (bash-completion looks under PREFIX/share too)
PREFIX ?= /usr/local
install: $(BUILD)/pktlens
	install -D -m 0755 $(BUILD)/pktlens $(DESTDIR)$(PREFIX)/bin/pktlens
	install -D -m 0644 docs/pktlens.8 $(DESTDIR)$(PREFIX)/share/man/man8/pktlens.8
	install -D -m 0644 contrib/bash-completion/pktlens \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/pktlens

# make deb: build/pktlens_VERSION_ARCH.deb (scripts/mkdeb.sh, dpkg-deb)
deb: $(BUILD)/pktlens
	@bash scripts/mkdeb.sh

# Host unit tests and tools built with ASan/UBSan, from objects of their
# own: build/san/<path>.o for <path>.c.
SAN_CFLAGS := $(WARN) -std=gnu11 -D_GNU_SOURCE -g -O1 $(SAN) -Isrc -I$(BUILD)
san = $(patsubst %.c,$(BUILD)/san/%.o,$(1))

$(BUILD)/san/%.o: %.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CLANG) $(SAN_CFLAGS) $(DEPFLAGS) -c $< -o $@

# the record writer and the packet records on it
OUT_SRCS   := src/output/output.c src/output/json.c
# --anonymize and --redact: what the records go through on their way out
PRIV_SRCS  := src/privacy/privacy.c src/privacy/cryptopan.c src/privacy/rewrite.c
UNIT_TESTS := test_output test_json test_parser test_filter test_htab test_hist test_community_id \
	test_quic test_privacy test_cgroup test_procterms
UNIT_BINS  := $(addprefix $(BUILD)/san/,$(UNIT_TESTS))
UNIT_LIB   := src/parse/parse.c src/filter/compile.c src/filter/cbpf.c $(OUT_SRCS) src/output/flow_output.c \
	src/util/htab.c src/sinks/prom_text.c src/util/community_id.c src/util/log.c $(PRIV_SRCS) \
	src/util/cgroup.c src/filter/procterms.c
# flow records carry the Community ID (SHA1 from OpenSSL)
$(UNIT_BINS): $(BUILD)/san/%: $(BUILD)/san/tests/unit/%.o $(call san,$(UNIT_LIB))
	$(CLANG) $(SAN) $^ $(LDLIBS) -lcrypto -o $@

# librdkafka's mock cluster in a process of its own: the Kafka suite and
# bench/kafka.sh produce to it and consume from it with kcat
$(BUILD)/kafka_mock: tests/kafka/mockcluster.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) $< -lrdkafka -o $@

# The filter differential's matcher (tests/filter/batch.c): read's capture
# reader, filter compiler and matcher, many filters in one process
$(BUILD)/filter_batch: $(call san,tests/filter/batch.c src/cmd/capture.c src/sinks/pcapng_read.c \
		src/parse/parse.c src/filter/compile.c src/filter/cbpf.c src/filter/procterms.c src/util/log.c)
	$(CLANG) $(SAN) $^ $(LDLIBS) -o $@

# What tests/run.sh builds first: pktlens, the unit tests, the parity test,
# the filter matcher and every benchmark
test-build: all $(UNIT_BINS) $(BUILD)/parity $(BUILD)/filter_batch $(BUILD)/kafka_mock $(BUILD)/attr_check \
	bench-build

# make unit: build and run the unit tests (PASS/FAIL lines each)
unit: $(UNIT_BINS)
	@rc=0; for t in $(UNIT_BINS); do $$t || rc=1; done; exit $$rc

# make check: every host-only suite, no root needed (tests/run.sh --host)
check:
	@bash tests/run.sh --host

# libFuzzer build: objects instrumented with fuzzer-no-link, then linked
# with the fuzzer's main (docs/fuzzing.md).
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := $(WARN) -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) \
	-Isrc -I$(BUILD)
$(BUILD)/fuzz/%.o: %.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(BUILD)/fuzz/src/sinks/ipfix.o: FUZZ_CFLAGS += $(shell pkg-config --cflags libfixbuf 2>/dev/null)

FUZZERS := fuzz_parser fuzz_filter fuzz_read fuzz_config fuzz_detect fuzz_quic
fuzz: $(addprefix $(BUILD)/,$(FUZZERS))
fuzz_objs = $(patsubst %.c,$(BUILD)/fuzz/%.o,$(1))
$(BUILD)/fuzz_parser: $(call fuzz_objs,tests/fuzz/fuzz_parser.c src/parse/parse.c $(OUT_SRCS) \
		src/privacy/rewrite.c)
	$(CLANG) -fsanitize=fuzzer $(FUZZ_SAN) $^ -lcrypto -o $@
$(BUILD)/fuzz_quic: $(call fuzz_objs,tests/fuzz/fuzz_quic.c src/parse/parse.c $(OUT_SRCS))
	$(CLANG) -fsanitize=fuzzer $(FUZZ_SAN) $^ -lcrypto -o $@
$(BUILD)/fuzz_filter: $(call fuzz_objs,tests/fuzz/fuzz_filter.c src/parse/parse.c src/filter/compile.c src/filter/procterms.c \
		src/filter/cbpf.c)
	$(CLANG) -fsanitize=fuzzer $(FUZZ_SAN) $^ $(LDLIBS) -o $@
$(BUILD)/fuzz_detect: $(call fuzz_objs,tests/fuzz/fuzz_detect.c src/detect/host.c src/util/htab.c \
		src/detect/config.c src/detect/alert.c src/parse/parse.c $(OUT_SRCS) $(PRIV_SRCS) src/util/log.c)
	$(CLANG) -fsanitize=fuzzer $(FUZZ_SAN) $^ $(LDLIBS) -o $@
# read and the agent's configuration reach into most of pktlens: every
# object but main's
FUZZ_PROGRAM := $(call fuzz_objs,$(filter-out src/main.c,$(USER_SRCS)))
$(BUILD)/fuzz_read $(BUILD)/fuzz_config: $(BUILD)/%: $(BUILD)/fuzz/tests/fuzz/%.o $(FUZZ_PROGRAM)
	$(CLANG) -fsanitize=fuzzer $(FUZZ_SAN) $^ $(LDLIBS) \
		$(shell pkg-config --libs $(FLOW_PKGS) 2>/dev/null) -o $@

# The truncation sweep of read (tests/fuzz/truncate.c), in process under
# ASan/UBSan, on read's own code: every object of pktlens but main's.
$(BUILD)/san/src/sinks/ipfix.o: SAN_CFLAGS += $(shell pkg-config --cflags libfixbuf 2>/dev/null)
$(BUILD)/san/truncate: $(call san,tests/fuzz/truncate.c $(filter-out src/main.c,$(USER_SRCS)))
	$(CLANG) $(SAN) $^ $(LDLIBS) $(shell pkg-config --libs $(FLOW_PKGS) 2>/dev/null) -o $@

# make truncate: the full sweep, every capture, every case (docs/fuzzing.md);
# make test runs a slice of it (the truncate suite)
truncate: $(BUILD)/san/truncate
	@bash tests/fuzz/truncate.sh 1

# make test: every suite; make test T=NAME: the suite NAME alone
# (tests/run.sh --list names them)
test: deps
	@bash tests/run.sh $(T)

# make soak: the agent for SOAK_MINUTES (default 30) under churn, reloads and
# scrapes (tests/soak/soak.sh, docs/soak.md); not part of make test
soak: deps all $(BUILD)/soak_churn
	@bash tests/soak/soak.sh

$(BUILD)/soak_churn: tests/soak/churn.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) $< -o $@

run: deps all
	@bash scripts/run-demo.sh

lab-up: deps
	@bash scripts/lab.sh up

lab-down:
	@bash scripts/lab.sh down

bench: deps all
	@bash bench/run.sh

clean:
	rm -rf $(BUILD)

# Kernel/host parity through BPF_PROG_TEST_RUN (host side under ASan/UBSan).
$(BUILD)/parity: $(call san,tests/kernel/parity.c tests/kernel/frames.c src/parse/parse.c \
		src/filter/compile.c src/filter/cbpf.c src/runtime/hostflows.c src/runtime/percpu.c \
		src/util/htab.c $(PRIV_SRCS) src/util/log.c)
	$(CLANG) $(SAN) $^ $(LDLIBS) -o $@

# Detector parity: the kernel's and the host's detectors on crafted frames.
$(BUILD)/detect_parity: $(call san,tests/kernel/detect_parity.c tests/kernel/frames.c \
		src/detect/host.c src/util/htab.c src/detect/config.c src/detect/pin.c src/util/log.c src/parse/parse.c)
	$(CLANG) $(SAN) $^ $(LDLIBS) -o $@

# ---- bench: kernel micro-benchmark (bench/kbench.c, run by bench/run.sh) ----
# The bare XDP_PASS baseline; its skeleton comes from the %.skel.h rule above.
$(BUILD)/xdp_pass.bpf.o: bench/xdp_pass.bpf.c $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

# bench objects: build/bench/<name>.o, with the user-space objects' flags
$(BUILD)/bench/%.o: bench/%.c | $(SKELS) $(BUILD)/xdp_pass.skel.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ibench $(DEPFLAGS) -c $< -o $@

obj = $(patsubst src/%.c,$(BUILD)/obj/%.o,$(1))

# kbench loads the flow tables as flows and top do (src/runtime/flowtab.c)
KBENCH_LIB := src/parse/parse.c src/filter/compile.c src/filter/cbpf.c src/filter/procterms.c src/runtime/flowtab.c \
	src/runtime/percpu.c \
	src/runtime/skel_common.c src/runtime/attach.c src/runtime/ifaces.c src/opts.c \
	$(OUT_SRCS) src/util/log.c src/util/clock.c src/util/btf.c $(PRIV_SRCS) src/util/htab.c
$(BUILD)/kbench: $(BUILD)/bench/kbench.o $(call obj,$(KBENCH_LIB))
	$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# detect's cost: kbench's frames with the detectors and a 10,000-prefix drop list
$(BUILD)/kbench_detect: $(BUILD)/bench/kbench_detect.o $(call obj,$(KBENCH_LIB) \
		src/detect/config.c src/detect/pin.c)
	$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# ---- flows, top, agent (docs/flows.md, docs/agent.md) ----
# skel_common.c compiles the filter through opts.c (pl_opts_compile_filter)
FLOW_LIB := src/runtime/flowtab.c src/runtime/percpu.c src/runtime/skel_common.c src/runtime/attach.c \
	src/runtime/ifaces.c src/util/log.c src/util/clock.c src/util/btf.c \
	$(OUT_SRCS) src/opts.c src/filter/compile.c src/filter/cbpf.c src/filter/procterms.c src/parse/parse.c \
	$(PRIV_SRCS) src/util/htab.c
$(BUILD)/flowbench: $(BUILD)/bench/flowbench.o $(call obj,$(FLOW_LIB))
	$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# ---- pktlens tcp (docs/tcp.md): a short-connection storm for bench/tcp.sh ----
$(BUILD)/tcpstorm: $(BUILD)/bench/tcpstorm.o
	$(CC) $(CFLAGS) -pthread $^ -o $@
$(BUILD)/bench/tcpstorm.o: CFLAGS += -pthread

# Every benchmark binary, built (never run) by `make test` so that a broken
# benchmark fails there and not first in `make bench`.
BENCH_BINS := $(BUILD)/kbench $(BUILD)/kbench_detect $(BUILD)/flowbench $(BUILD)/tcpstorm $(BUILD)/xdp_pass.bpf.o \
	$(BUILD)/kafka_mock
bench-build: $(BENCH_BINS)

# top (ncurses), agent (libmicrohttpd, libyaml, libfixbuf, librdkafka; OpenSSL for the
# Community ID): only pktlens links them
FLOW_PKGS := ncursesw libmicrohttpd yaml-0.1 libfixbuf rdkafka libcrypto
$(BUILD)/pktlens: LDLIBS += $(shell pkg-config --libs $(FLOW_PKGS) 2>/dev/null)
$(BUILD)/obj/sinks/ipfix.o: CFLAGS += $(shell pkg-config --cflags libfixbuf 2>/dev/null)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# --attribute in the kernel through BPF_PROG_TEST_RUN (tests/kernel/attr_check.c)
$(BUILD)/attr_check: $(call san,tests/kernel/attr_check.c src/runtime/attr.c src/filter/procterms.c src/util/htab.c src/util/clock.c \
		src/util/cgroup.c src/util/log.c)
	$(CLANG) $(SAN) $^ $(LDLIBS) -o $@
