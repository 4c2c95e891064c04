# tests/fuzz/fuzz.mk: libFuzzer harnesses for every parser (STYLE.md 15,
# SECURITY.md threat 16).  Included from the top Makefile; also usable
# alone from the repository root:  make -f tests/fuzz/fuzz.mk fuzz-smoke
#
#   make fuzz        each harness for FUZZ_SECONDS (60) on a working copy
#                    of its seed corpus; prints fuzz_<name>_execs and
#                    fuzz_<name>_crashes, then "N passed, N failed"
#   make fuzz-smoke  the same for FUZZ_SMOKE_SECONDS (10), corpus copied
#                    afresh; what `make test` runs
#   make fuzz-build  only build the harnesses
#   make fuzz-clean  remove build-fuzz/
#
# Harnesses run one after the other (the machine has two cores).  New
# inputs and crash files go under build-fuzz/run-{smoke,long}/<name>/,
# never into the committed tests/fuzz/corpus/.  Every variable here starts with FUZZ_ so
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
		   -I$(FUZZ_SRC) $(shell pkg-config --cflags libsodium)
FUZZ_LIBS	 = $(shell pkg-config --libs libsodium 2>/dev/null || echo -lsodium)

# The project's pure sources (the same list the unit tests link), plus
# csv.c and spoolrec.c once they exist.  Harnesses: one per parser; csv,
# cookie and spoolrec join in when their module is there (admin.c holds
# the admin pool's Cookie header parser).
FUZZ_HAVE	 = $(if $(wildcard $(FUZZ_SRC)/$(1).c),$(if $(wildcard \
		   $(FUZZ_DIR)/fuzz_$(2).c),$(2)))
FUZZ_PURE	 = buf log utf8 urlenc json token seal form \
		   $(if $(wildcard $(FUZZ_SRC)/csv.c),csv) \
		   $(if $(wildcard $(FUZZ_SRC)/spoolrec.c),spoolrec)
FUZZ_TARGETS	 = urlenc utf8 token envelope form $(call FUZZ_HAVE,csv,csv) \
		   $(call FUZZ_HAVE,admin,cookie) \
		   $(call FUZZ_HAVE,spoolrec,spoolrec)
FUZZ_PURE_O	 = $(FUZZ_PURE:%=$(FUZZ_BUILD)/obj/%.o)
FUZZ_BINS	 = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

# admin.c also signs people in, so the cookie harness links the SQL side
# (never called) and its libraries too.
FUZZ_COOKIE_O	 = $(FUZZ_BUILD)/obj/admin.o $(FUZZ_BUILD)/obj/store_admin.o \
		   $(FUZZ_BUILD)/obj/store.o
FUZZ_COOKIE_PKGS = libpq liboath

# Keep whatever default goal the including Makefile has.
FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-clean
# The objects are intermediate to make's mind; keep them between runs.
.SECONDARY: $(FUZZ_PURE_O) $(FUZZ_COOKIE_O)

fuzz-build: $(FUZZ_BINS)

# Project sources: instrumented for coverage, not linked with libFuzzer's
# main.  No -Werror here: clang's warnings on code others are writing must
# not stop the fuzzing; the harnesses themselves are built with -Werror.
$(FUZZ_BUILD)/obj/%.o: $(FUZZ_SRC)/%.c $(FUZZ_SRC)/vawg.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_EXTRA_CFLAGS) \
	    -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/fuzz_common.h \
    $(FUZZ_PURE_O) $(FUZZ_SRC)/vawg.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_EXTRA_CFLAGS) -Werror \
	    -fsanitize=fuzzer $< $(filter %.o,$^) $(FUZZ_LIBS) \
	    $(FUZZ_EXTRA_LIBS) -o $@

$(FUZZ_BUILD)/fuzz_cookie: $(FUZZ_COOKIE_O)
$(FUZZ_BUILD)/fuzz_cookie $(FUZZ_COOKIE_O): FUZZ_EXTRA_CFLAGS = \
    $(shell pkg-config --cflags $(FUZZ_COOKIE_PKGS))
$(FUZZ_BUILD)/fuzz_cookie: FUZZ_EXTRA_LIBS = \
    $(shell pkg-config --libs $(FUZZ_COOKIE_PKGS))

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
