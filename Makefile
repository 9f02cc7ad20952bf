# ktrio: generator, consumer and delete-records for Apache Kafka.
#
#   make            build the three programs into build/bin
#   make test       set-up, unit tests, then integration tests against a local broker
#   make asan test  the same, built with AddressSanitizer + UBSan (into build/asan)
#   make valgrind   unit tests under valgrind memcheck
#   make install    PREFIX=/usr/local DESTDIR=

VERSION  := 0.1.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share/ktrio
MANDIR   ?= $(PREFIX)/share/man
COMPDIR  ?= $(PREFIX)/share/bash-completion/completions

PKGS     := rdkafka libcjson libpcre2-8
CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude \
            -DKT_VERSION='"$(VERSION)"' -DKT_DATADIR='"$(DATADIR)"' \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
DEPFLAGS  = -MMD -MP

# `make asan <target>` builds everything into its own folder with sanitizers,
# so sanitized and plain objects never mix.
ifneq ($(filter asan,$(MAKECMDGOALS)),)
  BUILD   := build/asan
  CFLAGS  += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
else
  BUILD   := build
endif

PROGRAMS  := generator consumer delete-records
BINS      := $(addprefix $(BUILD)/bin/,$(PROGRAMS))
# The shared library: what two or more programs use.
LIB_SRC   := $(wildcard src/lib/*.c)
LIB_OBJ   := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
LIB       := $(BUILD)/libktrio.a
# Each program's own modules (its folder but main.c), in an archive of its own.
mod_src    = $(filter-out src/$(1)/main.c,$(wildcard src/$(1)/*.c))
mod_obj    = $(patsubst src/%.c,$(BUILD)/obj/%.o,$(call mod_src,$(1)))
MODS      := $(foreach p,$(PROGRAMS),$(BUILD)/mod/$(p).a)
ALL_SRC   := $(LIB_SRC) $(foreach p,$(PROGRAMS),$(wildcard src/$(p)/*.c))
# Unit tests follow the same split: tests/unit/{lib,<program>}/test_<module>.c,
# plus the cross-program ones at the top of tests/unit.
UNIT_SRC  := $(wildcard tests/unit/test_*.c tests/unit/*/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
MAN_SRC   := $(wildcard docs/*.scd)
MAN_PAGES := $(patsubst docs/%.scd,$(BUILD)/man/%,$(MAN_SRC))

.PHONY: all asan test test-cluster unit integration valgrind setup demo bench soak fuzz \
        install clean format format-check man

.SECONDARY:

all: $(BINS) $(MAN_PAGES)

asan: all

$(BUILD)/obj/%.o: src/%.c Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

define program_rules
$(BUILD)/mod/$(1).a: $(call mod_obj,$(1))
	@mkdir -p $$(@D)
	rm -f $$@ && $$(AR) rcs $$@ $$^

$(BUILD)/bin/$(1): $(BUILD)/obj/$(1)/main.o $(BUILD)/mod/$(1).a $(LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rules,$(p))))

# Tests reach a program's private headers as "consumer/window.h" (-Isrc).
$(BUILD)/tests/%.o: tests/unit/%.c Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) -Isrc -Itests/unit -DKT_SOURCE_DIR='"$(CURDIR)"' -c $< -o $@

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(MODS) $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# test_json_swar: the JSON tests on json.c without its SSE2 string scan
# (KT_JSON_NO_SIMD), which hides the portable one on x86-64.
$(BUILD)/obj/lib/json-nosimd.o: src/lib/json.c Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DKT_JSON_NO_SIMD $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/lib/test_json_swar: $(BUILD)/tests/lib/test_json_swar.o $(BUILD)/obj/lib/json-nosimd.o $(MODS) $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# test_sketch_portable: the sketch tests on sketch.c without its SSE2 key
# lookup (KT_SKETCH_NO_SIMD).
$(BUILD)/obj/consumer/sketch-nosimd.o: src/consumer/sketch.c Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DKT_SKETCH_NO_SIMD $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/consumer/test_sketch_portable: $(BUILD)/tests/consumer/test_sketch_portable.o $(BUILD)/obj/consumer/sketch-nosimd.o $(MODS) $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

# Man pages are generated when scdoc is there; without it they are skipped.
$(BUILD)/man/%: docs/%.scd
	@mkdir -p $(@D)
	@if command -v scdoc >/dev/null; then scdoc < $< > $@; else echo "scdoc missing: skipping $@"; fi

setup:
	@scripts/setup.sh

test: setup
	@$(MAKE) --no-print-directory $(if $(filter asan,$(MAKECMDGOALS)),asan) all unit-bins
	@scripts/run-tests.sh $(BUILD) all

unit: $(UNIT_BINS)
	@scripts/run-tests.sh $(BUILD) unit

integration: all
	@scripts/run-tests.sh $(BUILD) integration

# The three-broker cluster tests (tests/integration/t07xx-cluster-*.sh):
# leader, coordinator and ISR failures; each starts its own cluster.
test-cluster: setup
	@$(MAKE) --no-print-directory $(if $(filter asan,$(MAKECMDGOALS)),asan) all
	@scripts/run-tests.sh $(BUILD) cluster

.PHONY: unit-bins
unit-bins: $(UNIT_BINS)

valgrind: $(UNIT_BINS)
	@scripts/run-tests.sh $(BUILD) valgrind

demo: setup
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(BUILD)

bench: setup
	@$(MAKE) --no-print-directory all
	@scripts/bench.sh $(BUILD)

soak: setup
	@$(MAKE) --no-print-directory all
	@scripts/soak.sh $(BUILD)

fuzz:
	@scripts/fuzz.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(COMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 644 templates/*.json $(DESTDIR)$(DATADIR)/templates/
	for p in $(MAN_PAGES); do [ -s $$p ] && install -m 644 $$p $(DESTDIR)$(MANDIR)/man1/; done; true
	for p in $(PROGRAMS); do install -m 644 completions/ktrio.bash $(DESTDIR)$(COMPDIR)/$$p; done

format:
	clang-format -i src/*/*.[ch] include/ktrio/*.h tests/unit/*.c tests/unit/*/*.c

format-check:
	clang-format --dry-run --Werror src/*/*.[ch] include/ktrio/*.h tests/unit/*.c tests/unit/*/*.c

clean:
	rm -rf build

-include $(patsubst src/%.c,$(BUILD)/obj/%.d,$(ALL_SRC)) $(UNIT_BINS:=.d) $(BUILD)/obj/lib/json-nosimd.d \
	    $(BUILD)/obj/consumer/sketch-nosimd.d
