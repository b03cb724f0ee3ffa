# The counter kiosk: build, run, test. The only entry points a person needs.
#   make          build kiosk and kioskctl
#   make deps     install the missing Debian packages (apt-get; sudo when not root)
#   make test     deps, build, every test, one summary line at the end
#   make asan     the same tests under AddressSanitizer and UBSan
#   make fuzz     the libFuzzer harnesses, FUZZ_SECONDS each
#   make bench    the benchmarks; figures go to docs/performance.md
#   make demo     the kiosk in demo (trainer) mode on its own data directory

CC      ?= cc
BUILD   ?= build
WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Werror
CFLAGS  ?= -O2 -g
override CFLAGS += -std=c17 -D_GNU_SOURCE $(WARN) -I. -I/usr/include/PCSC -MMD -MP \
           -DKIOSK_CONFIG_DIR='"$(abspath kiosk-config)"'
LDLIBS  := -linih -lsqlite3 -lcrypto -lqrencode -lcurl -lcjson -lpcsclite
CURSES  := -lncursesw
CMOCKA  := -lcmocka

DEB_PACKAGES := build-essential pkg-config libncurses-dev libsqlite3-dev libssl-dev \
                libinih-dev libcmocka-dev libcjson-dev libcurl4-openssl-dev \
                libqrencode-dev libpcsclite-dev pcscd sqlite3 clang \
                libmicrohttpd-dev vsmartcard-vpcd pcsc-tools opensc \
                libclang-rt-14-dev tmux zbar-tools valgrind time openssl curl

LIB_SRC   := $(sort $(shell find core forms db -name "*.c"))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libkiosk.a
FLOW_SRC  := $(sort $(shell find tui/flow -name "*.c"))
FLOW_OBJ  := $(FLOW_SRC:%.c=$(BUILD)/%.o)
FLOW_LIB  := $(BUILD)/libflow.a
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_RUN  := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/%-replay)
SIM_SRC   := $(wildcard tests/sim/*.c)
SIM_BIN   := $(SIM_SRC:tests/sim/%.c=$(BUILD)/tests/sim/%)
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BIN  := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/tests/%)

.PHONY: all deps test check asan fuzz bench demo clean
all: $(BUILD)/kiosk $(BUILD)/kioskctl

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/kiosk: $(patsubst %.c,$(BUILD)/%.o,$(shell find tui -name "*.c")) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(LDLIBS) $(CURSES) $(LDFLAGS)

$(BUILD)/kioskctl: $(patsubst %.c,$(BUILD)/%.o,$(wildcard ctl/*.c)) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(LDLIBS) $(LDFLAGS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(CMOCKA) $(LDFLAGS)

# The flows of tui/flow (no curses) as an archive, for the tests that drive
# them without a terminal: tests/unit/test_flow*.c link it before the library.
# (The kiosk links the same objects directly.)
$(FLOW_LIB): $(FLOW_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests/test_flow%: tests/unit/test_flow%.c $(FLOW_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(FLOW_LIB) $(LIB) $(LDLIBS) -lpthread $(CMOCKA) $(LDFLAGS)

# Fuzz harnesses are built twice: with a replay driver (plain cc, part of make test,
# runs the seed corpus) and with libFuzzer (clang, make fuzz).
$(BUILD)/tests/fuzz_%-replay: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/fuzz/replay.c $(LIB) $(LDLIBS) $(LDFLAGS)

# Simulators at the farthest edge: the card behind vpcd, the payment gateway.
$(BUILD)/tests/sim/%: tests/sim/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lmicrohttpd $(LDFLAGS)

# Small programs the shell tests use (no library needed).
$(BUILD)/tests/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/tests/bench_%: tests/bench/bench_%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(LDFLAGS)

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing </dev/null; \
	fi

test: deps
	$(MAKE) --no-print-directory check

check: all $(UNIT_BIN) $(FUZZ_RUN) $(TOOL_BIN) $(SIM_BIN)
	@BUILD=$(BUILD) sh tests/run.sh

asan: deps
	$(MAKE) --no-print-directory BUILD=build-asan CC=clang \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" check

FUZZ_SECONDS ?= 30
fuzz: deps
	@mkdir -p $(BUILD)/fuzz
	@set -e; for f in $(FUZZ_SRC); do \
	  n=$$(basename $$f .c); \
	  clang -std=c17 -D_GNU_SOURCE -I. -I/usr/include/PCSC -g -O1 -fsanitize=fuzzer,address,undefined \
	    -DKIOSK_CONFIG_DIR='"$(abspath kiosk-config)"' -o $(BUILD)/fuzz/$$n $$f $(LIB_SRC) $(LDLIBS); \
	  mkdir -p $(BUILD)/fuzz/$$n.corpus; \
	  echo "== $$n ($(FUZZ_SECONDS) s)"; \
	  $(BUILD)/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    $(BUILD)/fuzz/$$n.corpus tests/fuzz/corpus/$$n; \
	done

bench: deps all $(BENCH_BIN) $(SIM_BIN)
	@BUILD=$(BUILD) sh tests/bench/run.sh

DEMO_DIR ?= $(HOME)/.local/share/kiosk-demo
demo: deps all
	$(BUILD)/kiosk --demo --data-dir $(DEMO_DIR)

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
