# Makefile: build, run and test the VAWG forms service.  Read top to bottom.
#
#   make run       install what is missing, build, start the whole stack on
#                  http://127.0.0.1:8080/ with a private PostgreSQL under var/
#   make stop      stop what `make run` started
#   make test      the whole suite, from a fresh clone (installs what it needs)
#   make build     only build (into build/)
#   make asan      build with AddressSanitizer + UBSan (into build-asan/)
#   make psql      psql on the development database as its owner
#   make valgrind  the unit tests and core integration tests under valgrind
#   make chaos     the chaos run: database restarts and worker kills under
#                  load, then nothing confirmed lost or stored twice (~1 min)
#   make soak      the same for SOAK_SECONDS (600)
#   make structure the tree's own promises: rooms kept apart, the public
#                  binary unable to open an envelope, every file documented
#   make clean

# Where things go.  The sources: cgi-src/lib/ is libvawg, what the three
# programs share; cgi-src/public/, cgi-src/admin/ and cgi-src/ctl/ are the
# programs, each with its own header.  docs/ARCHITECTURE.md lists every file.
BUILD	?= build
SRC	 = cgi-src
VAR	?= $(CURDIR)/var

# Compilers.  The pools link with the C++ compiler because libvawg's
# view.o (the ctemplate bridge) is C++; vawgctl renders no page, so it
# links view.o not at all and uses the C compiler.
CC	 = gcc
CXX	 = g++
AR	 = ar
PKGS	 = fcgi libpq libsodium libctemplate liboath libqrencode

# Hardening (docs/THREAT-MODEL.md threat 16).  SAN is set for the
# sanitizer build.
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

# libvawg, by layer (the headers in cgi-src/lib/ name the same layers).
# Built once per flavour into $(BUILD)/libvawg.a; a program links only the
# members it calls, which is what lets `make test` prove with nm that
# vawg-public holds no envelope opener (keyfile.o, unseal.o, keyring.o).
LIB_BASE   = buf log json env file
LIB_TEXT   = utf8 urlenc csv cookie
LIB_CRYPTO = token seal keyfile unseal keyring totpseal
LIB_FORM   = form field pairs
LIB_STORE  = store store_submit store_forms answers \
	     spoolrec spoolwait spool spool_dir \
	     store_account store_throttle store_session store_audit \
	     store_export store_counts store_purge store_case store_case_act
LIB_EXPORT = export export_open
LIB_WEB	   = http pool pathmatch page
LIB	   = $(LIB_BASE) $(LIB_TEXT) $(LIB_CRYPTO) $(LIB_FORM) $(LIB_STORE) \
	     $(LIB_EXPORT) $(LIB_WEB)
LIB_O	   = $(LIB:%=$(BUILD)/lib/%.o) $(BUILD)/lib/view.o
LIBVAWG	   = $(BUILD)/libvawg.a

# The programs' own files.
PUBLIC	 = main config app msg form_render page_cache page_form page_misc
ADMIN	 = main config admin route msg page_login page_dashboard page_export
CTL	 = vawgctl ctl_keys ctl_account ctl_export ctl_purge
PUBLIC_O = $(PUBLIC:%=$(BUILD)/public/%.o)
ADMIN_O	 = $(ADMIN:%=$(BUILD)/admin/%.o)
CTL_O	 = $(CTL:%=$(BUILD)/ctl/%.o)
UNIT_SRC = $(wildcard tests/unit/*.c)

BINS	 = $(BUILD)/vawg-public $(BUILD)/vawg-admin $(BUILD)/vawgctl

.PHONY: all build lib asan run stop test unit unit-bin psql valgrind bench \
	clean deps

all: build
build: $(BINS)
lib: $(LIBVAWG)

# The library sees only its own headers; a program sees the library's and
# its own, so no program can include another's header.
$(BUILD)/lib/%.o: $(SRC)/lib/%.c $(wildcard $(SRC)/lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(SRC)/lib -c $< -o $@

$(BUILD)/lib/view.o: $(SRC)/lib/view.cc $(SRC)/lib/view.h $(SRC)/lib/base.h
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -I$(SRC)/lib -c $< -o $@

$(LIBVAWG): $(LIB_O)
	rm -f $@
	$(AR) rcs $@ $(LIB_O)

$(BUILD)/%.o: $(SRC)/%.c $(wildcard $(SRC)/lib/*.h $(SRC)/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(SRC)/lib -I$(dir $<) -c $< -o $@

$(BUILD)/vawg-public: $(PUBLIC_O) $(LIBVAWG)
	$(CXX) $(LDFLAGS) $(PUBLIC_O) $(LIBVAWG) $(LIBS) -o $@

$(BUILD)/vawg-admin: $(ADMIN_O) $(LIBVAWG)
	$(CXX) $(LDFLAGS) $(ADMIN_O) $(LIBVAWG) $(LIBS) -o $@

$(BUILD)/vawgctl: $(CTL_O) $(LIBVAWG)
	$(CC) $(LDFLAGS) $(CTL_O) $(LIBVAWG) \
	    $(shell pkg-config --libs libpq libsodium liboath libqrencode) -o $@

# The unit tests link the same library: each test pulls in only the
# members it calls (pure ones: no test touches a database or a socket).
$(BUILD)/unit-tests: $(UNIT_SRC) $(LIBVAWG) tests/unit/check.h
	$(CC) $(CFLAGS) -I$(SRC)/lib $(UNIT_SRC) $(LIBVAWG) $(LDFLAGS) \
	    $(shell pkg-config --libs libsodium) -o $@

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

# The tree's promises, checked (tests/structure.sh; make test runs it).
.PHONY: structure
structure: build
	bash tests/structure.sh $(BUILD)

clean:
	rm -rf build build-asan build-fuzz

# libFuzzer harnesses: make fuzz (long), make fuzz-smoke (what make test runs).
include tests/fuzz/fuzz.mk
