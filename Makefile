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
LDLIBS   := -lbpf -lpcap -lelf -lz
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_SRCS := $(wildcard src/bpf/*.bpf.c)
SKELS    := $(patsubst src/bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
PARSE_SRCS := $(wildcard src/parse/*.c src/parse/*.h src/filter/*.c src/filter/*.h src/records/*.h)
# user space: main and options, commands, the runtime, output, sinks, util
USER_DIRS := src src/cmd src/cmd/tcp src/cmd/agent src/runtime src/output src/sinks src/util
USER_SRCS := $(wildcard $(addsuffix /*.c,$(USER_DIRS))) src/parse/parse.c src/filter/compile.c
USER_HDRS := $(wildcard $(addsuffix /*.h,$(USER_DIRS)))
# detect: src/detect/detect.c is shared C, included by the BPF programs
# (through detect.bpf.h) and by src/detect/host.c, like the parser
PARSE_SRCS += $(wildcard src/detect/*.c src/detect/*.h)
USER_SRCS += $(filter-out src/detect/detect.c,$(wildcard src/detect/*.c))
USER_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(USER_SRCS))

.PHONY: all deps test run lab-up lab-down bench fuzz clean install unit

all: $(BUILD)/pktlens

deps:
	@bash scripts/deps.sh

$(BUILD)/vmlinux.h:
	@mkdir -p $(BUILD)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(BUILD)/%.bpf.o: src/bpf/%.bpf.c $(BUILD)/vmlinux.h $(PARSE_SRCS)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) \
		-Wno-unused-function -I$(BUILD) -Isrc -c $< -o $@

$(BUILD)/tcp.bpf.o: src/records/tcp_events.h

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/obj/%.o: src/%.c $(SKELS) $(PARSE_SRCS) $(USER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/pktlens: $(USER_OBJS)
	$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

install: $(BUILD)/pktlens
	install -m 0755 $(BUILD)/pktlens /usr/local/bin/pktlens
	install -D -m 0644 docs/pktlens.8 /usr/local/share/man/man8/pktlens.8

# Host unit tests and tools built with ASan/UBSan.
$(BUILD)/san/%: tests/unit/%.c $(PARSE_SRCS) src/output/output.c src/output/output.h
	@mkdir -p $(dir $@)
	$(CLANG) $(WARN) -std=gnu11 -D_GNU_SOURCE -g -O1 $(SAN) -Isrc -I$(BUILD) \
		$< src/parse/parse.c src/filter/compile.c src/output/output.c -o $@

fuzz: $(BUILD)/fuzz_parser
$(BUILD)/fuzz_parser: tests/fuzz/fuzz_parser.c $(PARSE_SRCS) src/output/output.c
	@mkdir -p $(BUILD)
	$(CLANG) $(WARN) -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Isrc $< src/parse/parse.c src/output/output.c -o $@

test: deps
	@bash tests/run.sh

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
$(BUILD)/parity: tests/kernel/parity.c tests/kernel/frames.c $(SKELS) $(PARSE_SRCS)
	$(CLANG) $(WARN) -std=gnu11 -D_GNU_SOURCE -g -O1 $(SAN) -Isrc -I$(BUILD) \
		$< tests/kernel/frames.c src/parse/parse.c src/filter/compile.c $(LDLIBS) -o $@

# Detector parity: the kernel's and the host's detectors on crafted frames.
$(BUILD)/detect_parity: tests/kernel/detect_parity.c tests/kernel/frames.c $(SKELS) $(PARSE_SRCS)
	$(CLANG) $(WARN) -std=gnu11 -D_GNU_SOURCE -g -O1 $(SAN) -Isrc -I$(BUILD) \
		$< tests/kernel/frames.c src/detect/host.c src/detect/config.c src/detect/pin.c \
		src/util/log.c $(LDLIBS) -o $@

# ---- bench: kernel micro-benchmark (bench/kbench.c, run by bench/run.sh) ----
# The bare XDP_PASS baseline; its skeleton comes from the %.skel.h rule above.
$(BUILD)/xdp_pass.bpf.o: bench/xdp_pass.bpf.c $(BUILD)/vmlinux.h
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) \
		-I$(BUILD) -c $< -o $@

# kbench loads the flow tables as flows and top do (src/runtime/flowtab.c)
KBENCH_LIB := src/parse/parse.c src/filter/compile.c src/runtime/flowtab.c \
	src/runtime/skel_common.c src/runtime/attach.c src/opts.c \
	src/output/output.c src/util/log.c
$(BUILD)/kbench: bench/kbench.c $(SKELS) $(BUILD)/xdp_pass.skel.h $(PARSE_SRCS) $(KBENCH_LIB)
	$(CC) $(CFLAGS) $< $(KBENCH_LIB) $(LDLIBS) -o $@

# detect's cost: kbench's frames with the detectors and a 10,000-prefix drop list
$(BUILD)/kbench_detect: bench/kbench_detect.c bench/kbench.c $(SKELS) $(BUILD)/xdp_pass.skel.h $(PARSE_SRCS) $(KBENCH_LIB)
	$(CC) $(CFLAGS) -Ibench $< $(KBENCH_LIB) src/detect/config.c src/detect/pin.c \
		$(LDLIBS) -o $@

# ---- flows, top, agent (docs/flows.md, docs/agent.md) ----
$(BUILD)/packet.bpf.o: src/bpf/flow_account.h src/records/flow_record.h
# skel_common.c compiles the filter through opts.c (pl_opts_compile_filter)
FLOW_LIB := src/runtime/flowtab.c src/runtime/skel_common.c src/runtime/attach.c src/util/log.c src/output/output.c \
	src/opts.c src/filter/compile.c
$(BUILD)/flowbench: bench/flowbench.c $(FLOW_LIB) $(SKELS) $(USER_HDRS)
	$(CC) $(CFLAGS) $< $(FLOW_LIB) $(LDLIBS) -o $@

# Every benchmark binary, built (never run) by `make test` so that a broken
# benchmark fails there and not first in `make bench`.
BENCH_BINS := $(BUILD)/kbench $(BUILD)/kbench_detect $(BUILD)/flowbench $(BUILD)/tcpstorm $(BUILD)/xdp_pass.bpf.o
.PHONY: bench-build
bench-build: $(BENCH_BINS)

# ---- pktlens tcp (docs/tcp.md): a short-connection storm for bench/tcp.sh ----
$(BUILD)/tcpstorm: bench/tcpstorm.c
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -pthread $< -o $@

# top (ncurses), agent (libmicrohttpd, libyaml, libfixbuf): only pktlens links them
FLOW_PKGS := ncursesw libmicrohttpd yaml-0.1 libfixbuf
$(BUILD)/pktlens: LDLIBS += $(shell pkg-config --libs $(FLOW_PKGS) 2>/dev/null)
$(BUILD)/obj/sinks/ipfix.o: CFLAGS += $(shell pkg-config --cflags libfixbuf 2>/dev/null)
