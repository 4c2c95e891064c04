# Makefile: build, run and test the VAWG forms service.  Read top to bottom.
#
#   make run       install what is missing, build, start the whole stack on
#                  http://127.0.0.1:8080/ with a private PostgreSQL under var/
#   make stop      stop what `make run` started
#   make test      the whole suite, from a fresh clone (installs what it needs)
#   make build     only build (into build/)
#   make asan      build with AddressSanitizer + UBSan (into build-asan/)
#   make psql      psql on the development database as its owner
#   make valgrind  the unit tests under valgrind
#   make chaos     the chaos run: database restarts and worker kills under
#                  load, then nothing confirmed lost or stored twice (~1 min)
#   make soak      the same for SOAK_SECONDS (600)
#   make clean

# Where things go.
BUILD	?= build
SRC	 = cgi-src
VAR	?= $(CURDIR)/var

# Compilers.  Final binaries link with the C++ compiler (view.cc uses
# ctemplate).
CC	 = gcc
CXX	 = g++
PKGS	 = fcgi libpq libsodium libctemplate liboath libqrencode

# Hardening (SECURITY.md threat 16).  SAN is set for the sanitizer build.
HARDEN	 = -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
OPT	?= -O2
SAN	?=
WARN	 = -Wall -Wextra -Werror
CFLAGS	 = -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(OPT) -g $(HARDEN) $(SAN) \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CXXFLAGS = -std=c++11 $(WARN) $(OPT) -g $(HARDEN) $(SAN) \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS	 = -pie -Wl,-z,relro,-z,now -pthread $(SAN)
LIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# Objects, by program.  PURE are free of I/O: the unit tests link them.
PURE	 = buf log utf8 urlenc json token seal form spoolrec
PUBLIC	 = $(PURE) store spool config http app page pool page_misc page_form main_public
# vawgctl replays the spool, so it links the storage side too.
CTL	 = buf log utf8 json token seal form spoolrec store spool keyring csv \
	   export export_open store_admin ctl_admin vawgctl

ADMIN	 = $(PURE) keyring csv export export_open store store_admin config http page \
	   pool admin page_admin main_admin

PURE_O	 = $(PURE:%=$(BUILD)/%.o)
PUBLIC_O = $(PUBLIC:%=$(BUILD)/%.o) $(BUILD)/view.o
CTL_O	 = $(CTL:%=$(BUILD)/%.o)
ADMIN_O	 = $(ADMIN:%=$(BUILD)/%.o) $(BUILD)/view.o
UNIT_SRC = $(wildcard tests/unit/*.c)

BINS	 = $(BUILD)/vawg-public $(BUILD)/vawg-admin $(BUILD)/vawgctl

.PHONY: all build asan run stop test unit unit-bin psql valgrind bench clean deps

all: build
build: $(BINS)

$(BUILD)/%.o: $(SRC)/%.c $(wildcard $(SRC)/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/view.o: $(SRC)/view.cc $(SRC)/view.h $(SRC)/vawg.h
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(BUILD)/vawg-public: $(PUBLIC_O)
	$(CXX) $(LDFLAGS) $(PUBLIC_O) $(LIBS) -o $@

$(BUILD)/vawg-admin: $(ADMIN_O)
	$(CXX) $(LDFLAGS) $(ADMIN_O) $(LIBS) -o $@

$(BUILD)/vawgctl: $(CTL_O)
	$(CC) $(LDFLAGS) $(CTL_O) \
	    $(shell pkg-config --libs libpq libsodium liboath libqrencode) -o $@

# The unit tests also cover the admin side's pure modules, which the public
# pool does not link.
UNIT_O	 = $(PURE_O) $(BUILD)/keyring.o $(BUILD)/csv.o

$(BUILD)/unit-tests: $(UNIT_SRC) $(UNIT_O) tests/unit/check.h
	$(CC) $(CFLAGS) -I$(SRC) $(UNIT_SRC) $(UNIT_O) $(LDFLAGS) -lsodium -o $@

# The same sources with AddressSanitizer and UndefinedBehaviorSanitizer;
# any report aborts the process, so a test sees it as a failure.
asan:
	$(MAKE) BUILD=build-asan OPT=-O1 \
	    HARDEN="-fPIE" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    build unit-bin

# Debian packages the project needs (conf/stack.sh installs what is missing).
deps:
	bash conf/stack.sh deps

run: deps build
	bash conf/stack.sh start

stop:
	bash conf/stack.sh stop

psql:
	bash conf/stack.sh psql

unit-bin: $(BUILD)/unit-tests

unit: unit-bin
	$(BUILD)/unit-tests

# Everything, from a fresh clone.  tests/run.sh prints one summary line.
test: deps
	bash tests/run.sh

# The chaos run (tests/chaos/chaos.py) against its own throwaway stack;
# CHAOS_SECONDS sets its length (60).  soak is the long version.
SOAK_SECONDS ?= 600
.PHONY: chaos soak
chaos: build
	python3 tests/chaos/chaos.py --bin $(BUILD)

soak: build
	CHAOS_SECONDS=$(SOAK_SECONDS) python3 tests/chaos/chaos.py --bin $(BUILD)

# The benchmark (bench/run.sh, issue 6): a stack of its own on a free port,
# wrk and pgbench over loopback, about six minutes; prints a table and the
# ratios, writes bench/results/latest.txt.
bench: build
	bash bench/run.sh

# The unit tests, then the core integration tests with both pools under
# memcheck: 0 errors and 0 bytes definitely lost, or it fails.
valgrind: build unit-bin
	bash tests/valgrind.sh

clean:
	rm -rf build build-asan build-fuzz

# libFuzzer harnesses: make fuzz (long), make fuzz-smoke (what make test runs).
include tests/fuzz/fuzz.mk
