# patsift build. `make help` lists the targets.
#
# Layout: src/<layer>/*.c -> build/libpatsift.a; src/cli -> build/patsift;
# tests/unit/test_*.c -> one Criterion binary each; tests/fuzz/fuzz_*.c ->
# libFuzzer targets (make fuzz) and plain replay drivers (make test).
# SAN=1 builds everything with ASan+UBSan into build/asan (make asan).

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
SAN ?= 0

ifeq ($(SAN),1)
BUILD ?= build/asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ALLOC_LIBS :=
else
BUILD ?= build
SANFLAGS :=
ALLOC_LIBS := -ljemalloc
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
        -Wpointer-arith -Wcast-qual -Wundef
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) \
              $(SANFLAGS) -fopenmp -Iinclude -Isrc -MMD -MP
LDLIBS := -lstemmer -lutf8proc -lexpat -ljson-c -ljansson -lxxhash -lzstd -lz -lm
LDFLAGS ?=
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS) -fopenmp -pthread

LIB_SRC := $(sort $(wildcard src/common/*.c src/analyze/*.c src/corpus/*.c src/sketch/*.c src/index/*.c src/search/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))

LIB := $(BUILD)/libpatsift.a
BIN := $(BUILD)/patsift
GEN := $(BUILD)/patsift-gen
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
REPLAYS := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)
FUZZERS := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=build/fuzz/libfuzzer_%)
BENCHES := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps demo test unit cli-test fuzz-replay asan fuzz bench bench-1m bench-smoke install \
        uninstall clean help
.DEFAULT_GOAL := all

all: $(BIN) $(GEN)

help:
	@echo "make            build build/patsift and build/patsift-gen"
	@echo "make deps       check libraries, apt-get what is missing"
	@echo "make demo       run patsift on the bundled corpus (corpus/sample)"
	@echo "make test       everything CI runs: unit, CLI, fuzz replay, bench smoke, ASan+UBSan unit"
	@echo "make asan       unit tests and fuzz replays under ASan+UBSan"
	@echo "make fuzz       libFuzzer targets; FUZZ_SECONDS=60 make fuzz runs each that long"
	@echo "make bench      throughput benchmarks, patsift vs Lucene/Xapian/FTS5; results in bench/results/"
	@echo "make bench-1m   the same at 1,000,000 generated documents (long)"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)"

deps:
	@scripts/deps.sh build test

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS) $(ALLOC_LIBS)

$(GEN): corpus/gen/corpus_gen.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) $(SANFLAGS) -o $@ $< -ljansson -lm

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(LIB) $(LDLIBS) -lcriterion $(ALL_LDFLAGS)

$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay_main.c $(LIB) $(LDLIBS) $(ALL_LDFLAGS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(ALL_LDFLAGS) $(ALLOC_LIBS)

# libFuzzer needs clang; these objects are built apart from the gcc ones.
# Undefined behaviour stops the run, so libFuzzer saves the input.
FUZZ_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Iinclude -Isrc \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fopenmp
build/fuzz/libfuzzer_%: tests/fuzz/fuzz_%.c $(LIB_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(LDLIBS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

demo: deps all
	@scripts/demo.sh $(BIN)

unit: $(TESTS)
	@set -e; for t in $(TESTS); do echo "== $$t"; $$t --jobs 2; done

cli-test: $(BIN) $(GEN)
	@tests/cli/run.sh $(BIN) $(GEN)

fuzz-replay: $(REPLAYS)
	@set -e; for r in $(REPLAYS); do n=$${r##*/replay_}; \
	  $$r tests/fuzz/corpus/$$n tests/fuzz/regress/$$n; done

bench-smoke: $(BIN) $(GEN) $(BENCHES)
	@bench/run.sh --smoke $(BUILD)

test: deps
	@$(MAKE) --no-print-directory all $(TESTS) $(REPLAYS) $(BENCHES)
	@$(MAKE) --no-print-directory unit cli-test fuzz-replay bench-smoke
	@$(MAKE) --no-print-directory asan

asan:
	@$(MAKE) --no-print-directory SAN=1 unit fuzz-replay

fuzz:
	@scripts/deps.sh build fuzz
	@$(MAKE) --no-print-directory $(FUZZERS)
	@set -e; for f in $(FUZZERS); do n=$${f##*/libfuzzer_}; mkdir -p build/fuzz/work/$$n; \
	  echo "== fuzzing $$n for $${FUZZ_SECONDS:-30}s"; \
	  $$f -max_total_time=$${FUZZ_SECONDS:-30} -max_len=65536 \
	      -artifact_prefix=tests/fuzz/regress/$$n/ build/fuzz/work/$$n tests/fuzz/corpus/$$n; done

bench: deps all $(BENCHES)
	@scripts/deps.sh build bench
	@bench/run.sh $(BUILD)

# the same at 1,000,000 generated documents, peers included: an hour or more
bench-1m: deps all $(BENCHES)
	@scripts/deps.sh build bench
	@BENCH_SCALE=1m bench/run.sh $(BUILD)

install: $(BIN) $(GEN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/patsift $(DESTDIR)$(PREFIX)/lib
	install -m 755 $(BIN) $(GEN) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 include/patsift/*.h $(DESTDIR)$(PREFIX)/include/patsift/
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/patsift $(DESTDIR)$(PREFIX)/bin/patsift-gen
	rm -f $(DESTDIR)$(PREFIX)/lib/libpatsift.a
	rm -rf $(DESTDIR)$(PREFIX)/include/patsift

clean:
	rm -rf build
