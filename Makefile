# ltfsee-globus: the daemon (ltfsee-globusd), the stage app
# (ltfsee-globus-stage) and the tape simulator used by the tests and demo.
#
#   make            build bin/ltfsee-globusd and bin/ltfsee-globus-stage
#   make check      install missing packages, build, run every test
#   make run        the daemon on 127.0.0.1:8000 over a simulated library
#   make demo       a Globus transfer against a simulated tape library
#   make lint       width, banned calls, mandoc -Tlint
#   make install    PREFIX, DESTDIR, SYSCONFDIR, LOCALSTATEDIR, UNITDIR
#   make uninstall  (keeps an edited configuration and a non-empty state)
#   make SANITIZE=address,undefined check   (or SANITIZE=thread)
#   make fuzz       clang libFuzzer targets, FUZZ_SECONDS each (FUZZ=names)
#   make stress     load and fault tests against the daemon (loopback)

VERSION = 0.1.0

CC ?= cc
OPT ?= -O2 -g
WARN = -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
	-Wmissing-declarations -Wshadow -Wpointer-arith -Wcast-qual \
	-Wsign-compare -Wformat=2 -Wno-unused-parameter -Wvla
ifeq ($(CI),true)
WARN += -Werror
endif

include third_party/deps.mk

CPPFLAGS += -D_GNU_SOURCE -DLTFSEE_GLOBUS_VERSION=\"$(VERSION)\" \
	-DSYSCONFDIR=\"$(SYSCONFDIR)\" -DLOCALSTATEDIR=\"$(LOCALSTATEDIR)\" \
	-Isrc $(DEPS_CFLAGS)
CFLAGS += $(OPT) $(WARN) -std=c11 -pthread
LDFLAGS += -pthread

# A sanitizer build lives in its own object and binary tree.
ifneq ($(SANITIZE),)
SANFLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
CFLAGS += $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
BUILD = $(subst $(comma),-,$(SANITIZE))
else
BUILD = default
endif
comma = ,
OBJ = obj/$(BUILD)
BIN = bin
ifneq ($(SANITIZE),)
BIN = bin/$(BUILD)
endif

# SYSCONFDIR and LOCALSTATEDIR are compiled in as the default paths.
# $(PATHS_STAMP) holds their values and is rewritten only when they
# change; every object depends on it, so "make install SYSCONFDIR=..."
# after a plain "make" rebuilds with the new paths.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
STATEDIR = $(LOCALSTATEDIR)/lib/ltfsee-globus
INI = $(DESTDIR)$(SYSCONFDIR)/ltfsee-globus.ini
UNIT = tools/systemd/ltfsee-globusd.service
PATHS_STAMP = $(OBJ)/paths.stamp
PATHS_VALUE = SYSCONFDIR=$(SYSCONFDIR) LOCALSTATEDIR=$(LOCALSTATEDIR)
$(shell mkdir -p '$(OBJ)' && \
	[ "$$(cat '$(PATHS_STAMP)' 2>/dev/null)" = '$(PATHS_VALUE)' ] || \
	printf '%s\n' '$(PATHS_VALUE)' > '$(PATHS_STAMP)')

# Modules: every src/*.c but main.c is shared by the daemon and the tests;
# every client/*.c but stage.c is shared by the stage app and the tests.
DAEMON_MAIN = src/main.c
DAEMON_LIB = $(filter-out $(DAEMON_MAIN),$(wildcard src/*.c)) $(INIH_SRCS)
CLIENT_MAIN = client/stage.c
CLIENT_LIB = $(filter-out $(CLIENT_MAIN),$(wildcard client/*.c))
# The daemon modules the stage app links as well.
CLIENT_SHARED = $(wildcard src/log.c src/json.c src/config.c src/util.c) \
	$(INIH_SRCS)
SIM_SRCS = $(wildcard tools/eeadm-sim/*.c)
TEST_SRCS = $(wildcard tests/check_*.c)
TEST_HELPERS = $(filter-out $(TEST_SRCS),$(wildcard tests/*.c))

o = $(patsubst %.c,$(OBJ)/%.o,$(1))

PROGS = $(BIN)/ltfsee-globusd $(BIN)/ltfsee-globus-stage
ifneq ($(SIM_SRCS),)
PROGS += $(BIN)/eeadm-sim
endif
TESTS = $(patsubst tests/%.c,$(BIN)/tests/%,$(TEST_SRCS))
# Stand-alone programs the integration tests drive (one .c each).
TEST_TOOLS = $(patsubst tests/tools/%.c,$(BIN)/tests/tools/%,\
	$(wildcard tests/tools/*.c))

# Fuzz targets: tests/fuzz/fuzz_NAME.c, each with the modules it needs
# (FUZZ_SRCS_NAME; a target that reaches static functions includes its
# module's .c itself).  "make fuzz" builds them with clang and libFuzzer
# into bin/fuzz/; "make tests" builds them with CC and a main that
# replays files into $(BIN)/tests/fuzz/, run by tests/integration/fuzz.sh
# over tests/fuzz/corpus/NAME and tests/fuzz/regress/NAME.
FUZZ_NAMES = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SRCS_http = src/http.c src/util.c
FUZZ_SRCS_json = src/json.c src/util.c
FUZZ_SRCS_eeadm = src/eeadm.c src/util.c src/log.c
FUZZ_SRCS_config = src/config.c src/util.c src/log.c $(INIH_SRCS)
FUZZ_SRCS_remap = client/remap.c src/util.c src/log.c
FUZZ_SRCS_pem = src/util.c src/log.c
FUZZ_SRCS_tls_hello = src/util.c src/log.c
FUZZ_SRCS_hclient = client/hclient.c client/ctls.c client/url.c \
	client/answer.c src/json.c src/util.c src/log.c src/config.c \
	$(INIH_SRCS)
FUZZ_REPLAY = $(patsubst %,$(BIN)/tests/fuzz/%,$(FUZZ_NAMES))
FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60
FUZZ ?= $(FUZZ_NAMES)

all: $(PROGS)

$(BIN)/ltfsee-globusd: $(call o,$(DAEMON_MAIN) $(DAEMON_LIB))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPS_LIBS)

$(BIN)/ltfsee-globus-stage: $(call o,$(CLIENT_MAIN) $(CLIENT_LIB) \
	$(CLIENT_SHARED))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPS_LIBS)

$(BIN)/eeadm-sim: $(call o,$(SIM_SRCS))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lm

# Tests link archives, so each takes only the modules it uses.
$(BIN)/tests/%: $(OBJ)/tests/%.o $(call o,$(TEST_HELPERS)) \
	$(OBJ)/libclient.a $(OBJ)/libdaemon.a \
	$(if $(SIM_SRCS),$(OBJ)/tools/eeadm-sim/lib.a)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPS_LIBS) $(CHECK_LIBS) -lm

$(OBJ)/libdaemon.a: $(call o,$(DAEMON_LIB))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(OBJ)/libclient.a: $(call o,$(CLIENT_LIB))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# The simulator's modules (but its main) are a library for its tests.
$(OBJ)/tools/eeadm-sim/lib.a: $(call o,$(filter-out \
	tools/eeadm-sim/main.c,$(SIM_SRCS)))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# The cache benchmark links the daemon's state module.
$(BIN)/tests/tools/cachebench: tests/tools/cachebench.c $(OBJ)/libdaemon.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(DEPS_LIBS)

$(BIN)/tests/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(OBJ)/tests/%.o: tests/%.c $(PATHS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Iclient -Itools/eeadm-sim $(CHECK_CFLAGS) \
		$(CFLAGS) -MMD -MP -c -o $@ $<

$(OBJ)/%.o: %.c $(PATHS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Iclient $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find obj -name '*.d' 2>/dev/null)

# Written at parse time above; this rule only serves "make clean all".
$(PATHS_STAMP):
	@mkdir -p $(@D)
	printf '%s\n' '$(PATHS_VALUE)' > $@

deps:
	@third_party/install-deps

tests: $(PROGS) $(TESTS) $(TEST_TOOLS) $(FUZZ_REPLAY)

# Every Check suite, then every integration script; stop at the first
# failure but name it.
check: deps
	@$(MAKE) --no-print-directory tests
	@tests/run-all $(BIN)

# Each target for FUZZ_SECONDS, two at a time at most; artifacts (a
# crash, a leak) go to a temporary directory that is named on failure.
fuzz: $(patsubst %,bin/fuzz/fuzz_%,$(FUZZ))
	@tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ)

stress: all $(TEST_TOOLS)
	@LTFSEE_TEST_BIN=$(CURDIR)/$(BIN) LTFSEE_TOP=$(CURDIR) \
		sh tests/stress/run

run: all $(BIN)/eeadm-sim
	@tests/run-daemon $(BIN)

# A simulated tape library, the daemon and a Globus transfer (tools/demo.sh).
demo: all
	@LTFSEE_BIN=$(CURDIR)/$(BIN) tools/demo.sh

lint:
	@tools/lint
	@mandoc -Tlint -Wwarning man/*.[0-9]

# The man pages name the configured paths.  The sample INI never replaces
# an existing one: it goes beside it as ltfsee-globus.ini.sample.  It is
# mode 0644, since the daemon (user ltfsee-globus) and the stage app
# (every transferring user) read it, and holds no key: keys go in files
# under SYSCONFDIR/ltfsee-globus/ (see ltfsee-globusd(8); a key file's
# group is set by hand, as make install cannot create users).  The
# unit's paths follow SBINDIR/SYSCONFDIR.
install: all
	install -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR) \
		$(DESTDIR)$(SYSCONFDIR)/ltfsee-globus $(DESTDIR)$(UNITDIR)
	install -d -m 0700 $(DESTDIR)$(STATEDIR)
	install -m 0755 $(BIN)/ltfsee-globusd $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(BIN)/ltfsee-globus-stage $(DESTDIR)$(BINDIR)/
	@mkdir -p $(OBJ)/man
	for m in $(wildcard man/*.[0-9]); do \
		sed -e 's|/etc/ltfsee-globus|$(SYSCONFDIR)/ltfsee-globus|g' \
		    -e 's|/var/lib/ltfsee-globus|$(STATEDIR)|g' \
		    $$m > $(OBJ)/$$m || exit 1; \
	done
	install -m 0644 $(patsubst %,$(OBJ)/%,$(wildcard man/*.1)) \
		$(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(patsubst %,$(OBJ)/%,$(wildcard man/*.5)) \
		$(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(patsubst %,$(OBJ)/%,$(wildcard man/*.8)) \
		$(DESTDIR)$(MANDIR)/man8/
	if [ -e $(INI) ]; then \
		install -m 0644 ltfsee-globus.ini $(INI).sample; \
	else \
		install -m 0644 ltfsee-globus.ini $(INI); \
	fi
	sed -e 's|/usr/sbin/|$(SBINDIR)/|' \
	    -e 's|/etc/ltfsee-globus|$(SYSCONFDIR)/ltfsee-globus|g' \
	    $(UNIT) > $(OBJ)/ltfsee-globusd.service
	install -m 0644 $(OBJ)/ltfsee-globusd.service $(DESTDIR)$(UNITDIR)/ltfsee-globusd.service

# Removes what install put there, but a configuration that differs from
# the sample, a state directory that still holds a journal and a key
# directory that holds keys.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ltfsee-globusd \
		$(DESTDIR)$(BINDIR)/ltfsee-globus-stage \
		$(DESTDIR)$(UNITDIR)/ltfsee-globusd.service \
		$(INI).sample
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man1/%,$(wildcard man/*.1)) \
		$(patsubst man/%,$(DESTDIR)$(MANDIR)/man5/%,$(wildcard man/*.5)) \
		$(patsubst man/%,$(DESTDIR)$(MANDIR)/man8/%,$(wildcard man/*.8))
	if [ -f $(INI) ] && cmp -s ltfsee-globus.ini $(INI); then \
		rm -f $(INI); \
	elif [ -e $(INI) ]; then \
		echo "kept $(INI): it differs from the sample"; \
	fi
	-rmdir $(DESTDIR)$(STATEDIR) 2>/dev/null
	-rmdir $(DESTDIR)$(SYSCONFDIR)/ltfsee-globus 2>/dev/null

# Second expansion lets a fuzz target list its own modules.
.SECONDEXPANSION:
bin/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.c $$(FUZZ_SRCS_$$*)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -Iclient -Itests/fuzz $(FUZZ_CFLAGS) \
		-std=c11 -o $@ $^ $(DEPS_LIBS) -lm

$(BIN)/tests/fuzz/%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.c \
	tests/fuzz/standalone.c $$(FUZZ_SRCS_$$*)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Iclient -Itests/fuzz -DFUZZ_STANDALONE $(CFLAGS) \
		$(LDFLAGS) -o $@ $^ $(DEPS_LIBS) -lm

clean:
	rm -rf obj bin

.PHONY: all deps tests check run demo lint clean install uninstall fuzz \
	stress
