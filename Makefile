# ipcity - build, run and test.  See README.md.
#
#   make          build build/ipcity
#   make run      install missing packages, build, start the server (SQLite, demo region)
#   make test     install missing packages, build, run every test (unit, API, sanitizers);
#                 the storage unit tests and the API suite run on SQLite and again on
#                 PostgreSQL: a private cluster (scripts/pg.sh, build/pg, 127.0.0.1 port
#                 IPCITY_PG_PORT, default 55432) is started before and stopped after
#   make pg-start start the test cluster (make pg-stop stops it); then e.g.
#                 IPCITY_TEST_PG=$(scripts/pg.sh url) node --test tests/api/
#   make asan     build with AddressSanitizer + UBSan into build/asan and run the suite there
#   make fuzz     libFuzzer targets (tests/fuzz) in build/fuzz, each run FUZZ_SECONDS (60)
#   make bench    benchmarks (wrk, import, search); never part of make test
#   make clean

CC ?= gcc
PKGS := libmicrohttpd jansson sqlite3 libsodium libxml-2.0 libzip xlsxwriter libpq pangocairo cairo
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

BUILD ?= build
CSTD := -std=c17 -D_GNU_SOURCE
WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wshadow -Wformat=2 -Wno-format-nonliteral -Wvla
OPT ?= -O2 -g
SAN ?=
CFLAGS_ALL := $(CSTD) $(WARN) $(OPT) $(SAN) $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS_ALL := $(PKG_LIBS) -lpthread -lm $(SAN)

SRCS := $(sort $(wildcard src/*/*.c))
MAIN_SRC := src/cli/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all run test unit api asan bench clean deps deps-run web fuzz fuzz-build fuzz-bins pg-start pg-stop

all: $(BUILD)/ipcity

deps:
	@scripts/deps.sh

# make run needs no PostgreSQL: the same packages without the test cluster's
deps-run:
	@scripts/deps.sh run

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libipcity.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/ipcity: $(MAIN_OBJ) $(BUILD)/libipcity.a
	$(CC) $(OPT) $^ -o $@ $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libipcity.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags cmocka) $< -o $@ $(BUILD)/libipcity.a $(LDLIBS_ALL) $(shell pkg-config --libs cmocka)

web:
	@scripts/web.sh

run: deps-run all web
	@mkdir -p var
	$(BUILD)/ipcity serve --init-demo

unit: $(UNIT_BINS)

test: deps
	@$(MAKE) --no-print-directory all unit web
	@$(MAKE) --no-print-directory BUILD=build/asan CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" all unit
	@$(MAKE) --no-print-directory fuzz-build
	@scripts/pg.sh start || echo "make test: the PostgreSQL test cluster did not start; its suites will fail"
	@trap 'scripts/pg.sh stop; exit 130' INT TERM; rc=0; tests/run.sh || rc=$$?; scripts/pg.sh stop; exit $$rc

pg-start: deps
	@scripts/pg.sh start

pg-stop:
	@scripts/pg.sh stop

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" all unit
	@IPCITY_SUITES=asan tests/run.sh

# libFuzzer targets: the library objects (all but src/cli/main.c, libFuzzer
# supplies main) built with clang's coverage instrumentation (fuzzer-no-link)
# + ASan + UBSan into build/fuzz, each tests/fuzz/fuzz_X.c linked with
# -fsanitize=fuzzer into build/fuzz/bin/fuzz_X.  See tests/fuzz/README.md.
FUZZ_SECONDS ?= 60
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/bin/%)

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" fuzz-bins

fuzz-bins: $(FUZZ_BINS)

$(BUILD)/bin/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(BUILD)/libipcity.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer $< -o $@ $(BUILD)/libipcity.a $(LDLIBS_ALL) -fsanitize=fuzzer

fuzz: deps fuzz-build
	@tests/fuzz/run.sh -t $(FUZZ_SECONDS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libipcity.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $< -o $@ $(BUILD)/libipcity.a $(LDLIBS_ALL)

bench: deps all $(BUILD)/bench/search_bench
	@bench/run.sh

clean:
	@[ ! -d build/pg ] || scripts/pg.sh stop
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
