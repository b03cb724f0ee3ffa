# The counter kiosk: build, run, test. The only entry points a person needs.
#   make          build kiosk and kioskctl (release builds)
#   make deps     install the missing Debian packages (apt-get; sudo when not root),
#                 PostgreSQL and libpq among them (the hall: db/pg, kioskctl)
#   make test     deps, build, every test, one summary line at the end
#   make asan     the same tests under AddressSanitizer and UBSan
#   make fuzz     the libFuzzer harnesses, FUZZ_SECONDS each
#   make bench    the benchmarks; figures go to docs/performance.md
#   make demo     the kiosk in demo (trainer) mode on its own data directory
#                 (DEMO_PACKAGES and the kiosk alone: no PostgreSQL, no test tools)
#   make demo-reset  a fresh training day (the demo database archived)
#
# Release and test builds. A release build's clock is the system's: it ignores
# $KIOSK_NOW (with a warning), so no one at a counter can lift a lockout or
# open cases on a closed day by moving it. A test build takes the clock from
# $KIOSK_NOW. Only core/base/clock.c differs (TEST_ONLY_SRC, compiled again
# with TEST_CLOCK_FLAGS into $(BUILD)/test/), so the test build costs one
# object, one archive ($(BUILD)/test/libkiosk.a) and two links:
#   $(BUILD)/kiosk, $(BUILD)/kioskctl             release (make, make demo)
#   $(BUILD)/test/kiosk, $(BUILD)/test/kioskctl   test builds, run by the tests
# Every test program (unit, flow, fuzz replay, simulator, benchmark) links the
# test archive; make check, asan and bench build and run the test builds.

CC      ?= cc
BUILD   ?= build
WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Werror
CFLAGS  ?= -O2 -g
override CFLAGS += -std=c17 -D_GNU_SOURCE $(WARN) -I. -I/usr/include/PCSC -MMD -MP \
           -DKIOSK_CONFIG_DIR='"$(abspath kiosk-config)"'
LDLIBS  := -linih -lsqlite3 -lcrypto -lqrencode -lcurl -lcjson -lpcsclite -lz
CURSES  := -lncursesw
CMOCKA  := -lcmocka

# The hall's central store (db/pg, kioskctl hall): libpq to build kioskctl,
# and a PostgreSQL server that the tests and the benchmark start themselves.
# Not needed by make demo, which builds the kiosk alone.
HALL_PACKAGES := libpq-dev postgresql
# What building and running the demo needs (make demo installs only these,
# and builds the kiosk alone), then what the tests add (make test installs all).
DEMO_PACKAGES := build-essential pkg-config libncurses-dev libsqlite3-dev libssl-dev \
                 libinih-dev libcjson-dev libcurl4-openssl-dev libqrencode-dev \
                 libpcsclite-dev zlib1g-dev
DEB_PACKAGES := $(DEMO_PACKAGES) \
                libcmocka-dev pcscd sqlite3 clang \
                libmicrohttpd-dev vsmartcard-vpcd pcsc-tools opensc yubico-piv-tool \
                libclang-rt-14-dev tmux zbar-tools valgrind time openssl curl \
                $(HALL_PACKAGES)

LIB_SRC   := $(sort $(shell find core forms db -path db/pg -prune -o -name "*.c" -print))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libkiosk.a
# db/pg (libpq) is an archive of its own, linked only by kioskctl and the
# hall's benchmark: the kiosk never links libpq.
HALL_SRC  := $(sort $(shell find db/pg -name "*.c"))
HALL_OBJ  := $(HALL_SRC:%.c=$(BUILD)/%.o)
HALL_LIB  := $(BUILD)/libhall.a
PQ        := -lpq
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
TBUILD        := $(BUILD)/test
TEST_CLOCK_FLAGS := -DKIOSK_TEST_CLOCK
TEST_ONLY_SRC := core/base/clock.c
TEST_ONLY_OBJ := $(TEST_ONLY_SRC:%.c=$(TBUILD)/%.o)
TEST_LIB      := $(TBUILD)/libkiosk.a
TEST_PROGS    := $(TBUILD)/kiosk $(TBUILD)/kioskctl
TUI_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(shell find tui -name "*.c"))
CTL_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(wildcard ctl/*.c))

.PHONY: all test-progs deps demo-deps print-packages test check asan fuzz bench demo demo-reset clean
all: $(BUILD)/kiosk $(BUILD)/kioskctl
test-progs: $(TEST_PROGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The test build's objects (more specific than the rule above, so it wins).
$(TBUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_CLOCK_FLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# The release archive's objects with the test-only ones swapped in.
$(TEST_LIB): $(filter-out $(TEST_ONLY_SRC:%.c=$(BUILD)/%.o),$(LIB_OBJ)) $(TEST_ONLY_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(HALL_LIB): $(HALL_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/kiosk: $(TUI_OBJ) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(LDLIBS) $(CURSES) $(LDFLAGS)

$(BUILD)/kioskctl: $(CTL_OBJ) $(HALL_LIB) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(HALL_LIB) $(LIB) $(LDLIBS) $(PQ) $(LDFLAGS)

$(TBUILD)/kiosk: $(TUI_OBJ) $(TEST_LIB)
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(TEST_LIB) $(LDLIBS) $(CURSES) $(LDFLAGS)

$(TBUILD)/kioskctl: $(CTL_OBJ) $(HALL_LIB) $(TEST_LIB)
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(HALL_LIB) $(TEST_LIB) $(LDLIBS) $(PQ) $(LDFLAGS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(TEST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(TEST_LIB) $(LDLIBS) $(CMOCKA) $(LDFLAGS)

# The flows of tui/flow (no curses) as an archive, for the tests that drive
# them without a terminal: tests/unit/test_flow*.c link it before the library.
# (The kiosk links the same objects directly.)
$(FLOW_LIB): $(FLOW_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests/test_flow%: tests/unit/test_flow%.c $(FLOW_LIB) $(TEST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(FLOW_LIB) $(TEST_LIB) $(LDLIBS) -lpthread $(CMOCKA) $(LDFLAGS)

# The kiosk's screens and frame without main(), for the tests of what they
# lay out (tests/unit/test_tui*.c: the footer of every screen).
TUI_APP_OBJ := $(filter-out $(BUILD)/tui/kiosk.o,$(TUI_OBJ))
$(BUILD)/tests/test_tui%: tests/unit/test_tui%.c $(TUI_APP_OBJ) $(TEST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(TUI_APP_OBJ) $(TEST_LIB) $(LDLIBS) $(CURSES) -lpthread $(CMOCKA) $(LDFLAGS)

# Fuzz harnesses are built twice: with a replay driver (plain cc, part of make test,
# runs the seed corpus) and with libFuzzer (clang, make fuzz).
$(BUILD)/tests/fuzz_%-replay: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(TEST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/fuzz/replay.c $(TEST_LIB) $(LDLIBS) $(LDFLAGS)

# Simulators at the farthest edge: the card behind vpcd, the payment gateway.
$(BUILD)/tests/sim/%: tests/sim/%.c $(TEST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(TEST_LIB) $(LDLIBS) -lmicrohttpd $(LDFLAGS)

# Small programs the shell tests use (no library needed).
$(BUILD)/tests/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/tests/bench_%: tests/bench/bench_%.c $(TEST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(TEST_LIB) $(LDLIBS) $(LDFLAGS)

# The hall's benchmark ships to a real PostgreSQL: it links db/pg and libpq.
$(BUILD)/tests/bench_hall: tests/bench/bench_hall.c $(HALL_LIB) $(TEST_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(HALL_LIB) $(TEST_LIB) $(LDLIBS) $(PQ) $(LDFLAGS)

# $(call install_missing,PACKAGES): apt-get install those not installed yet.
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing </dev/null; \
	fi
endef

deps:
	$(call install_missing,$(DEB_PACKAGES))

demo-deps:
	$(call install_missing,$(DEMO_PACKAGES))

# For tests/cli/test_make.sh: the two lists.
print-packages:
	@echo "demo: $(DEMO_PACKAGES)"
	@echo "test: $(DEB_PACKAGES)"

test: deps
	$(MAKE) --no-print-directory check

check: all $(TEST_PROGS) $(UNIT_BIN) $(FUZZ_RUN) $(TOOL_BIN) $(SIM_BIN) $(BUILD)/tests/bench_token
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
	  clang -std=c17 -D_GNU_SOURCE $(TEST_CLOCK_FLAGS) -I. -I/usr/include/PCSC -g -O1 -fsanitize=fuzzer,address,undefined \
	    -DKIOSK_CONFIG_DIR='"$(abspath kiosk-config)"' -o $(BUILD)/fuzz/$$n $$f $(LIB_SRC) $(LDLIBS); \
	  mkdir -p $(BUILD)/fuzz/$$n.corpus; \
	  echo "== $$n ($(FUZZ_SECONDS) s)"; \
	  $(BUILD)/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    $(BUILD)/fuzz/$$n.corpus tests/fuzz/corpus/$$n; \
	done

bench: deps all $(TEST_PROGS) $(BENCH_BIN) $(SIM_BIN)
	@BUILD=$(BUILD) sh tests/bench/run.sh

DEMO_DIR ?= $(HOME)/.local/share/kiosk-demo
demo: demo-deps $(BUILD)/kiosk
	$(BUILD)/kiosk --demo --data-dir $(DEMO_DIR)

# A fresh training day: the demo database (closed day, scores and all) is
# moved, whole, into $(DEMO_DIR)/archive/, with the demo gateway's orders
# (their trade numbers come from the case numbers, which start again) and the
# day's papers (slips/: a new case 0001 must not find the old 0001's), and
# the next make demo starts a new one. Run it with the demo kiosk stopped.
demo-reset:
	@db=$(DEMO_DIR)/demo.db; \
	if [ ! -e "$$db" ]; then echo "no demo database at $$db: nothing to reset"; exit 0; fi; \
	ts=$$(date +%Y%m%d-%H%M%S); mkdir -p $(DEMO_DIR)/archive && chmod 700 $(DEMO_DIR)/archive && \
	for s in "" -wal -shm; do \
	  if [ -e "$$db$$s" ]; then mv "$$db$$s" "$(DEMO_DIR)/archive/demo-$$ts.db$$s" || exit 1; fi; \
	done; \
	if [ -e $(DEMO_DIR)/demo-pay.orders ]; then mv $(DEMO_DIR)/demo-pay.orders "$(DEMO_DIR)/archive/demo-$$ts.pay.orders" || exit 1; fi; \
	if [ -e $(DEMO_DIR)/slips ]; then mv $(DEMO_DIR)/slips "$(DEMO_DIR)/archive/demo-$$ts.slips" || exit 1; fi; \
	echo "the demo database is now $(DEMO_DIR)/archive/demo-$$ts.db; make demo starts a fresh training day"

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
