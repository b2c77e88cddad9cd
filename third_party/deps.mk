# Where the build finds BearSSL, inih, jsmn and Check.
#
# A source tree dropped by an operator into third_party/NAME/ wins over the
# system copy; otherwise the distribution's packages are used.  BearSSL and
# inih are linked statically so the installed programs need only libc.

LIBDIR ?= $(shell for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib \
	/usr/local/lib; do [ -d $$d ] && echo $$d && break; done)

# BearSSL: third_party/bearssl/ is a built BearSSL tree (inc/, build/).
ifneq ($(wildcard third_party/bearssl/inc/bearssl.h),)
BEARSSL_CFLAGS = -Ithird_party/bearssl/inc
BEARSSL_LIBS = third_party/bearssl/build/libbearssl.a
else
BEARSSL_CFLAGS =
BEARSSL_LIBS = $(firstword $(wildcard $(LIBDIR)/libbearssl.a) -lbearssl)
endif

# inih: third_party/inih/ holds ini.c and ini.h of an upstream release.
ifneq ($(wildcard third_party/inih/ini.c),)
INIH_CFLAGS = -Ithird_party/inih
INIH_SRCS = third_party/inih/ini.c
INIH_LIBS =
else
INIH_CFLAGS =
INIH_SRCS =
INIH_LIBS = $(firstword $(wildcard $(LIBDIR)/libinih.a) -linih)
endif

# jsmn is header-only; third_party/jsmn/jsmn.h wins if present.
ifneq ($(wildcard third_party/jsmn/jsmn.h),)
JSMN_CFLAGS = -Ithird_party/jsmn
else
JSMN_CFLAGS =
endif

# Check is used only by the tests, linked the usual (dynamic) way.
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || \
	echo -lcheck -lsubunit -lrt -lm -pthread)

DEPS_CFLAGS = $(BEARSSL_CFLAGS) $(INIH_CFLAGS) $(JSMN_CFLAGS)
DEPS_LIBS = $(BEARSSL_LIBS) $(INIH_LIBS)
