# parcours — build, tests, benchmarks, demo.
#
#   make            build bin/parcours
#   make demo       install missing packages (as root), run the shipped scenarios, write the report
#   make check      unit, statistical-validation and end-to-end tests, the rendered report,
#                   layers, headers, globals
#   make check-sanitize   the same tests under AddressSanitizer and UndefinedBehaviorSanitizer
#   make bench      benchmarks (figures printed, never asserted)
#   make deps       install (as root) or name the Debian packages the project needs
#   make fuzz       coverage-guided fuzzing of the parsers and the engine (clang, libFuzzer)

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla -Wformat=2
STD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OMP     ?= -fopenmp
GSL_CFLAGS := $(shell pkg-config --cflags gsl 2>/dev/null)
GSL_LIBS   := $(shell pkg-config --libs gsl 2>/dev/null || echo -lgsl -lgslcblas -lm)
XLSX_LIBS  := $(shell pkg-config --libs xlsxwriter 2>/dev/null || echo -lxlsxwriter -lz)
ALL_CFLAGS  = $(STD) $(WARN) $(OMP) $(GSL_CFLAGS) -Isim -MMD -MP $(CFLAGS)
LDLIBS_ALL  = $(OMP) -lcsv -linih $(GSL_LIBS) $(XLSX_LIBS) -lm $(LDLIBS)

BUILD   ?= build
BIN     ?= bin
PACKAGES := libgsl-dev libcsv-dev libinih-dev librandom123-dev libxlsxwriter-dev gnuplot-nox pkgconf

# Layers, each using only those before it: core (model, engine, Monte Carlo, files),
# study (compare, sensitivity, calibration, sizing), present (charts, report),
# cli (one file per command).  The library is the first three.
LIB_SRC  := $(wildcard sim/core/*.c sim/study/*.c sim/present/*.c)
LIB_OBJ  := $(LIB_SRC:sim/%.c=$(BUILD)/sim/%.o)
CLI_SRC  := $(wildcard sim/cli/*.c)
CLI_OBJ  := $(CLI_SRC:sim/%.c=$(BUILD)/sim/%.o)
CMD_OBJ  := $(filter-out $(BUILD)/sim/cli/main.o,$(CLI_OBJ)) # the commands, for the unit tests
TEST_SRC := $(wildcard tests/*.c)
TEST_OBJ := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%.o)
BENCH_SRC := $(wildcard bench/*.c)

.PHONY: all demo demo-france check check-unit check-e2e check-render check-sanitize check-headers check-globals \
        check-layers check-format check-format-if-present check-mpi bench clean deps fuzz mpi

all: $(BIN)/parcours

$(BUILD)/sim/%.o: sim/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -c $< -o $@

$(BUILD)/libparcours.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN)/parcours: $(CLI_OBJ) $(BUILD)/libparcours.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BIN)/test_parcours: $(TEST_OBJ) $(CMD_OBJ) $(BUILD)/libparcours.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BIN)/bench_parcours: $(BENCH_SRC) $(BUILD)/libparcours.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

deps:
	@sh tests/deps.sh $(PACKAGES)

check: deps
	@$(MAKE) --no-print-directory check-unit check-e2e check-render check-headers check-globals \
	    check-layers check-mpi check-format-if-present

check-unit: $(BIN)/test_parcours
	$(BIN)/test_parcours

check-e2e: $(BIN)/parcours
	sh tests/e2e.sh $(BIN)/parcours
	sh tests/report_e2e.sh $(BIN)/parcours
	sh tests/compare_e2e.sh $(BIN)/parcours
	sh tests/fit_e2e.sh $(BIN)/parcours
	sh tests/test_reliability.sh $(BIN)/parcours
	sh tests/france_e2e.sh $(BIN)/parcours
	sh tests/backtest_e2e.sh $(BIN)/parcours

# A small report rendered as a person sees it (tests/render_e2e.sh: images, no overflow at
# 1400 and 900 px, the PDF's page count, the workbook): the Drôme baseline and one
# alternative, 8 replications, with --pdf, in a temporary folder; the reference's band
# without drivers must be narrower than with them.  SKIP without Chromium.
check-render: $(BIN)/parcours
	@if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then \
	    echo "SKIP render: chromium not on PATH (Debian package chromium)"; exit 0; fi; \
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/parcours-render-check-XXXXXX") && \
	trap 'rm -rf "$$tmp"' EXIT INT TERM && \
	$(BIN)/parcours report scenarios/drome/baseline.ini scenarios/drome/orientation-2-mois.ini \
	    --reps 8 --seed 2019 --threads 2 --pdf --quiet --out "$$tmp/drome" >/dev/null && \
	with=$$(grep -o 'data-band-with="[^"]*"' "$$tmp/drome/index.html" | cut -d'"' -f2) && \
	without=$$(grep -o 'data-band-without="[^"]*"' "$$tmp/drome/index.html" | cut -d'"' -f2) && \
	if awk -v a="$$with" -v b="$$without" 'BEGIN { exit !(b < a) }'; then \
	    echo "ok   render: Drôme: the 90 % band without drivers ($$without) is narrower than with them ($$with)"; \
	else echo "FAIL render: Drôme: band without drivers $$without, with $$with"; exit 1; fi && \
	sh tests/render_e2e.sh "$$tmp/drome"

check-sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build/sanitize BIN=build/sanitize/bin \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" PARCOURS_QUICK=1 check-unit check-e2e

check-headers:
	@for h in sim/*/*.h; do \
	    printf '#include "%s"\n' "$${h#sim/}" | $(CC) $(STD) $(WARN) $(GSL_CFLAGS) -Isim -x c -fsyntax-only - \
	    || { echo "header $$h does not compile on its own"; exit 1; }; \
	done; echo "headers: each compiles on its own"

# Each layer includes only the layers before it (core, study, present, cli), and the
# library does not print; the second script shows the first catches violations.
check-layers:
	@sh tests/layers.sh sim
	@sh tests/layers_test.sh

# Writable data (.data, .bss, thread-local) in the library is mutable global state;
# read-only data after relocation (.data.rel.ro) is not.
check-globals: $(LIB_OBJ)
	@bad=$$(objdump -t $(LIB_OBJ) | awk '$$4 ~ /^\.(data|bss|tdata|tbss)($$|\.)/ && $$4 !~ /^\.data\.rel\.ro/ && $$NF != $$4 {print $$NF}'); \
	if [ -n "$$bad" ]; then echo "mutable globals or statics: $$bad"; exit 1; fi; \
	echo "globals: no mutable global or static data"

check-format:
	clang-format --dry-run --Werror sim/*/*.c sim/*/*.h tests/*.c tests/*.h bench/*.c

# make check runs the format check where clang-format is installed (CI installs it).
check-format-if-present:
	@if command -v clang-format >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory check-format && echo "format: clang-format clean"; \
	else echo "format: clang-format not installed (Debian package clang-format), not checked"; fi

# The Drôme-sized model on 1 and 2 threads, then the national model (2 replications,
# 1 thread): figures printed, never asserted.
bench: deps $(BIN)/bench_parcours $(BIN)/parcours
	$(BIN)/bench_parcours --reps 400 --threads 1
	$(BIN)/bench_parcours --reps 400 --threads 2
	$(BIN)/bench_parcours --model models/france/rsa.ini --reps 2 --threads 1

demo: deps $(BIN)/parcours
	sh tests/demo.sh $(BIN)/parcours

# the demo and the national report (about a minute more)
demo-france: deps $(BIN)/parcours
	PARCOURS_DEMO_FRANCE_REPS=4 sh tests/demo.sh $(BIN)/parcours

# Optional MPI build (Debian: libopenmpi-dev openmpi-bin): bin/parcours-mpi, where
# `mpirun -np N bin/parcours-mpi run ...` shares the replications among N ranks.
mpi:
	@$(MAKE) --no-print-directory CC=mpicc BUILD=build/mpi BIN=build/mpi/bin \
	    CFLAGS="$(CFLAGS) -DPARCOURS_MPI" build/mpi/bin/parcours
	@mkdir -p $(BIN) && cp build/mpi/bin/parcours $(BIN)/parcours-mpi

# The MPI build gives the same files as the threaded one (skipped without MPI).
check-mpi: $(BIN)/parcours
	@if command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory mpi && sh tests/mpi_e2e.sh $(BIN)/parcours $(BIN)/parcours-mpi; \
	else echo "SKIP mpi: mpicc or mpirun not installed (apt-get install libopenmpi-dev openmpi-bin)"; fi

# Coverage-guided fuzzing with clang's libFuzzer (FUZZ_SECONDS, default 60): the parsers,
# then one short replication of each model that loads, under the harness's limits
# (tests/fuzz/fuzz_model.c).  The corpus grows in build/fuzz/corpus; findings are
# written as build/fuzz/crash-*, timeout-* or oom-*.
FUZZ_SECONDS ?= 60
FUZZ_SRC := sim/core/cfg.c $(wildcard sim/core/mdl*.c) sim/core/err.c sim/core/eng.c \
            sim/core/rec.c sim/core/rng.c
fuzz: deps
	@mkdir -p build/fuzz/corpus
	clang $(STD) -g -O1 -fsanitize=fuzzer,address,undefined $(GSL_CFLAGS) -Isim \
	    tests/fuzz/fuzz_model.c $(FUZZ_SRC) -o build/fuzz/fuzz_model -lcsv -linih $(GSL_LIBS) -lm
	sh tests/fuzz/seeds.sh build/fuzz/seeds
	build/fuzz/fuzz_model -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=20 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build/fuzz/ \
	    build/fuzz/corpus build/fuzz/seeds

clean:
	rm -rf build bin

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
