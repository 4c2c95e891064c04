# tests/fuzz/fuzz.mk: libFuzzer harnesses for every parser
# (docs/THREAT-MODEL.md threat 16).  Included from the top Makefile; also
# usable alone from the repository root:  make -f tests/fuzz/fuzz.mk fuzz-smoke
#
#   make fuzz        each harness for FUZZ_SECONDS (60) on a working copy
#                    of its seed corpus; prints fuzz_<name>_execs and
#                    fuzz_<name>_crashes, then "N passed, N failed"
#   make fuzz-smoke  the same for FUZZ_SMOKE_SECONDS (10), corpus copied
#                    afresh; what `make test` runs
#   make fuzz-build  only build the harnesses
#   make fuzz-clean  remove build-fuzz/
#
# Harnesses run one after the other (the machine has two cores).  New inputs
# and crash files go under build-fuzz/run-{smoke,long}/<name>/, never into the
# committed tests/fuzz/corpus/.  Every variable here starts with FUZZ_ so
# nothing clashes with the Makefile that includes this file.

# Where this file lives, and so where the repository root is.
FUZZ_DIR	:= $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
FUZZ_MK		:= $(FUZZ_DIR)/fuzz.mk
FUZZ_ROOT	:= $(abspath $(FUZZ_DIR)/../..)
FUZZ_SRC	 = $(FUZZ_ROOT)/cgi-src

# Outputs (git-ignored), and how long each harness runs.
FUZZ_BUILD		?= $(FUZZ_ROOT)/build-fuzz
FUZZ_SECONDS		?= 60
FUZZ_SMOKE_SECONDS	?= 10
FUZZ_RSS_MB		?= 2048

# clang 14 carries libFuzzer; the sanitizers make a wrong access a crash.
FUZZ_CC		?= clang
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
FUZZ_CFLAGS	 = -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra $(FUZZ_SAN) \
		   -I$(FUZZ_SRC)/lib $(shell pkg-config --cflags libsodium)
FUZZ_LIBS	 = $(shell pkg-config --libs libsodium 2>/dev/null || echo -lsodium)

# The harnesses link the fuzz flavour of libvawg: every library source
# instrumented for coverage, archived once; each harness pulls in only the
# members it calls (all pure: no harness touches a database or a socket).
FUZZ_LIB_SRC	 = $(wildcard $(FUZZ_SRC)/lib/*.c)
FUZZ_LIB_O	 = $(FUZZ_LIB_SRC:$(FUZZ_SRC)/lib/%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_LIBVAWG	 = $(FUZZ_BUILD)/libvawg.a
FUZZ_TARGETS	 = urlenc utf8 token envelope form csv cookie spoolrec
FUZZ_BINS	 = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_PKG_CFLAGS	 = $(shell pkg-config --cflags fcgi libpq liboath 2>/dev/null)

# Keep whatever default goal the including Makefile has.
FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-clean
# The objects are intermediate to make's mind; keep them between runs.
.SECONDARY: $(FUZZ_LIB_O)

fuzz-build: $(FUZZ_BINS)

# Library sources: instrumented for coverage, not linked with libFuzzer's
# main.  No -Werror here: clang's warnings on code others are writing must
# not stop the fuzzing; the harnesses themselves are built with -Werror.
$(FUZZ_BUILD)/obj/%.o: $(FUZZ_SRC)/lib/%.c $(wildcard $(FUZZ_SRC)/lib/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_PKG_CFLAGS) \
	    -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIBVAWG): $(FUZZ_LIB_O)
	rm -f $@
	ar rcs $@ $(FUZZ_LIB_O)

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/fuzz_common.h \
    $(FUZZ_LIBVAWG)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -fsanitize=fuzzer $< \
	    $(FUZZ_LIBVAWG) $(FUZZ_LIBS) -o $@

# The runner builds each harness itself (through this file), so a harness
# that does not build counts as one failure instead of stopping the rest.
FUZZ_RUN = FUZZ_MAKE='$(MAKE)' FUZZ_MK='$(FUZZ_MK)' FUZZ_BUILD='$(FUZZ_BUILD)' \
	   FUZZ_RSS_MB='$(FUZZ_RSS_MB)' FUZZ_DIR='$(FUZZ_DIR)' \
	   bash $(FUZZ_DIR)/fuzz-run.sh

fuzz:
	@$(FUZZ_RUN) long $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke:
	@$(FUZZ_RUN) smoke $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
