# tnsgw — plain Makefile over pkg-config.
#   make              build/tnsgw and the tools (tnsgw-load, tnsgw-smsc, tnsgw-backoffice)
#   make SAN=1        the same with ASan+UBSan in build-san/
#   make test         layer check, unit, adapter and integration tests (needs redis-server)
#   make check-layers fails when src/core/ includes an adapter library or header
#   make fuzz         libFuzzer targets (clang) in build-fuzz/
#   make bench        benchmarks: each figure beside its goal (asserts nothing)
#   make bench-smoke  every benchmark step with tiny sizes (CI: each step ran)
#   make crash-redis  Redis killed -9 during a case-B load (always, everysec): the figures
#   make install      PREFIX [/usr/local], DESTDIR: the programs, /etc/tnsgw, the units,
#                     sysusers.d, the man pages (README "Running it against an operator")
#
# Layout (DESIGN.md §2): src/core/ is the pure core, built alone as
# build/libtnsgw-core.a; src/daemon/ the adapters, the glue and main;
# tools/<tool>/ each other program, tools/common/ what the tools share.
# Every folder compiles with the include path of its layer only, so a core
# file cannot even find a daemon header.

.DEFAULT_GOAL := all
CC      ?= cc
PKGS    := libevent libevent_extra libsmpp34 hiredis libconfig libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN    := -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wwrite-strings \
           -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -Werror
HARDEN  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(WARN) $(PKG_CFLAGS) -MMD -MP
LDFLAGS += -pie -Wl,-z,relro,-z,now -Wl,--as-needed

ifeq ($(SAN),1)
B       := build-san
CFLAGS  := $(filter-out -O2,$(CFLAGS)) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
HARDEN  := -fstack-protector-strong -fPIE
else
B       := build
endif
CFLAGS  += $(HARDEN)

# Sources per layer; each program's main file stays out of its library so
# the tests can link the rest.
CORE_SRCS   := $(wildcard src/core/*.c)
DAEMON_SRCS := $(filter-out src/daemon/main.c,$(wildcard src/daemon/*.c))
COMMON_SRCS := $(wildcard tools/common/*.c)
LOAD_SRCS   := $(filter-out tools/load/load_main.c,$(wildcard tools/load/*.c))
SMSC_SRCS   := $(filter-out tools/smsc/smsc_main.c,$(wildcard tools/smsc/*.c))
BO_SRCS     := $(filter-out tools/backoffice/backoffice_main.c,$(wildcard tools/backoffice/*.c))

obj = $(1:%.c=$(B)/obj/%.o)

# Include paths: a layer sees itself and the layers below it.
INC_CORE   := -Isrc/core
INC_DAEMON := $(INC_CORE) -Isrc/daemon
INC_TOOLS  := $(INC_DAEMON) -Itools/common
$(B)/obj/src/core/%.o:        INC := $(INC_CORE)
$(B)/obj/src/daemon/%.o:      INC := $(INC_DAEMON)
$(B)/obj/tools/common/%.o:    INC := $(INC_TOOLS)
$(B)/obj/tools/load/%.o:      INC := $(INC_TOOLS) -Itools/load
$(B)/obj/tools/smsc/%.o:      INC := $(INC_CORE) -Itools/smsc
$(B)/obj/tools/backoffice/%.o: INC := $(INC_TOOLS) -Itools/backoffice
INC_TESTS := $(INC_TOOLS) -Itools/load -Itools/smsc -Itools/backoffice

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC) $(DEFS) -c -o $@ $<

# The release every program's --version prints, and the git describe of
# the tree when built from git. Only version.o sees them; the stamp
# changes (and rebuilds it) when either does.
VERSION      := 0.5
GIT_DESCRIBE := $(shell git -C '$(CURDIR)' describe --tags --always --dirty 2>/dev/null)
$(B)/obj/src/core/version.o: DEFS := -DTNSGW_VERSION='"$(VERSION)"' -DTNSGW_GIT='"$(GIT_DESCRIBE)"'
$(B)/obj/src/core/version.o: $(B)/version.stamp
FORCE:
$(B)/version.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(VERSION) $(GIT_DESCRIBE)' | cmp -s - $@ || echo '$(VERSION) $(GIT_DESCRIBE)' >$@

LIB_CORE   := $(B)/libtnsgw-core.a
LIB_DAEMON := $(B)/libtnsgw-daemon.a
LIB_COMMON := $(B)/libtnsgw-common.a
LIB_LOAD   := $(B)/libtnsgw-load.a
LIB_SMSC   := $(B)/libtnsgw-smsc.a
LIB_BO     := $(B)/libtnsgw-backoffice.a
LIBS_ALL   := $(LIB_LOAD) $(LIB_SMSC) $(LIB_BO) $(LIB_COMMON) $(LIB_DAEMON) $(LIB_CORE)

$(LIB_CORE):   $(call obj,$(CORE_SRCS))
$(LIB_DAEMON): $(call obj,$(DAEMON_SRCS))
$(LIB_COMMON): $(call obj,$(COMMON_SRCS))
$(LIB_LOAD):   $(call obj,$(LOAD_SRCS))
$(LIB_SMSC):   $(call obj,$(SMSC_SRCS))
$(LIB_BO):     $(call obj,$(BO_SRCS))
$(LIBS_ALL):
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^ $(if $^,,$(B)/obj/empty.o)

# An empty archive is not portable: a folder with only its main file gets
# one empty object.
$(B)/obj/empty.o:
	@mkdir -p $(dir $@)
	echo 'typedef int tnsgw_empty;' | $(CC) -x c -c -o $@ -
$(filter-out $(LIB_CORE),$(LIBS_ALL)): | $(B)/obj/empty.o

PROGS := $(B)/tnsgw $(B)/tnsgw-load $(B)/tnsgw-smsc $(B)/tnsgw-backoffice
all: $(PROGS)

# Each program links its own objects and the layers it uses, nothing more.
$(B)/tnsgw: $(B)/obj/src/daemon/main.o $(LIB_DAEMON) $(LIB_CORE)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(B)/tnsgw-load: $(B)/obj/tools/load/load_main.o $(LIB_LOAD) $(LIB_COMMON) $(LIB_DAEMON) $(LIB_CORE)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(B)/tnsgw-smsc: $(B)/obj/tools/smsc/smsc_main.o $(LIB_SMSC) $(LIB_CORE)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(B)/tnsgw-backoffice: $(B)/obj/tools/backoffice/backoffice_main.o $(LIB_BO) $(LIB_COMMON) $(LIB_DAEMON) $(LIB_CORE)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Tests: tests/unit/ (pure, no Redis, no socket) and tests/adapter/ (one
# adapter against a real redis-server or socket). Each links the libraries;
# the archives give it only the objects it uses.
UNIT_SRCS    := $(wildcard tests/unit/test_*.c)
ADAPTER_SRCS := $(wildcard tests/adapter/test_*.c)
TEST_BINS    := $(UNIT_SRCS:tests/%.c=$(B)/tests/%) $(ADAPTER_SRCS:tests/%.c=$(B)/tests/%)

$(B)/tests/%: tests/%.c $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_TESTS) $(LDFLAGS) -o $@ $< $(LIBS_ALL) $(PKG_LIBS) $(CMOCKA_LIBS)

check-layers:
	@bash tests/check-layers.sh

unit: check-layers $(TEST_BINS)
	@bash tests/run-all.sh $(B) unit

integration: all
	@bash tests/run-all.sh $(B) integration

test: check-layers all $(TEST_BINS)
	@bash tests/run-all.sh $(B)

# Fuzz targets: clang + libFuzzer, built apart from the rest, from the core
# and the pure parsers of the tools.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
FUZZ_LIBSRCS := $(CORE_SRCS) tools/load/load_csv.c tools/load/load_plan.c tools/smsc/smsc_script.c tools/smsc/smsc_dlr.c tools/smsc/smsc_screen.c
COMMA := ,
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 $(INC_TESTS) $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined
# The shared sources are compiled once (-fsanitize=fuzzer-no-link: the
# coverage instrumentation without libFuzzer's main), each target links them.
FUZZ_OBJS := $(FUZZ_LIBSRCS:%.c=build-fuzz/obj/%.o)
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(subst -fsanitize=fuzzer$(COMMA),-fsanitize=fuzzer-no-link$(COMMA),$(FUZZ_CFLAGS)) -MMD -MP -c -o $@ $<
build-fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS)
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_OBJS) $(PKG_LIBS)
-include $(wildcard build-fuzz/obj/*/*.d build-fuzz/obj/*/*/*.d)
.SECONDARY: $(FUZZ_OBJS)
fuzz: $(FUZZ_BINS)
# Two targets at a time (FUZZ_JOBS), each FUZZ_SECONDS; a crash prints the
# end of its log and fails the run.
fuzz-run: fuzz
	@printf '%s\n' $(FUZZ_BINS) | xargs -P $${FUZZ_JOBS:-2} -I{} sh -c \
	  'f={}; n=$$(basename $$f); mkdir -p build-fuzz/corpus/$$n; \
	  if $$f -max_total_time=$${FUZZ_SECONDS:-20} -rss_limit_mb=1024 -print_final_stats=0 \
	    build-fuzz/corpus/$$n tests/fuzz/corpus/$$n 2>build-fuzz/$$n.log; then \
	    echo "== $$n ($${FUZZ_SECONDS:-20} s): $$(grep -E "^#[0-9]+.*DONE" build-fuzz/$$n.log | tail -n 1)"; \
	  else echo "== $$n FAILED"; tail -n 40 build-fuzz/$$n.log; exit 255; fi'

# Every figure of issue 11 beside its goal (README "Benchmarks"; ~15 min,
# sizes from BENCH_* in the environment). bench-smoke: every step with tiny
# sizes (seconds); fails only when a step did not run.
bench: all
	@bash tests/bench/run.sh $(B)

bench-smoke: all
	@BENCH_SMOKE=1 bash tests/bench/run.sh $(B)

# Case B under kill -9 (issue 3): 1,000 dialogs, 30 kills, then the checks.
crash-test: all
	bash tests/crash/run.sh $(B)

# Redis killed -9 during a case-B load, restarted on its AOF: the figures of
# README "Redis in production" (appendfsync always, then everysec).
crash-redis: all
	bash tests/crash/redis_kill.sh $(B) always
	bash tests/crash/redis_kill.sh $(B) everysec

# Install (DESIGN.md §4). The config lives in $(CONFDIR) whatever the
# PREFIX; systemd and sysusers read $(PREFIX)/lib/... for /usr and
# /usr/local alike.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
SYSCONFDIR  ?= /etc
CONFDIR     ?= $(SYSCONFDIR)/tnsgw
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
MAN_PAGES   := $(wildcard tools/man/*.[158])
SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	    -e 's|@CONFDIR@|$(CONFDIR)|g' -e 's|/etc/tnsgw/|$(CONFDIR)/|g'

# The units and the production config with the installed paths; the
# stamp changes (and remakes them) when a path does.
UNITS := $(B)/systemd/tnsgw.service $(B)/systemd/tnsgw@.service
$(B)/paths.stamp: FORCE
	@mkdir -p $(B)
	@echo "$(SUBST)" | cmp -s - $@ || echo "$(SUBST)" >$@
$(B)/systemd/%: systemd/%.in $(B)/paths.stamp
	@mkdir -p $(dir $@)
	$(SUBST) $< >$@
$(B)/tnsgw.conf: etc/tnsgw-production.conf $(B)/paths.stamp
	$(SUBST) $< >$@
units: $(UNITS)

# An existing $(CONFDIR)/tnsgw.conf is never overwritten: the new template
# goes beside it as tnsgw.conf.dist. The catalogue is replaced (the
# daemon's screens need this release's texts). Run as root without
# DESTDIR, the tnsgw user is created (systemd-sysusers) and the config and
# keys/ get group tnsgw; a package does that in its own scripts.
install: all $(UNITS) $(B)/tnsgw.conf
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(CONFDIR)/messages
	install -d -m 0750 $(DESTDIR)$(CONFDIR)/keys
	install -m 0755 $(B)/tnsgw $(DESTDIR)$(SBINDIR)/tnsgw
	install -m 0755 $(B)/tnsgw-load $(B)/tnsgw-smsc $(B)/tnsgw-backoffice $(DESTDIR)$(BINDIR)/
	install -m 0644 $(UNITS) $(DESTDIR)$(UNITDIR)/
	install -m 0644 systemd/tnsgw.sysusers $(DESTDIR)$(SYSUSERSDIR)/tnsgw.conf
	install -m 0644 etc/messages/*.conf $(DESTDIR)$(CONFDIR)/messages/
	for m in $(MAN_PAGES); do \
	    install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/ || exit 1; done
	@if [ -e '$(DESTDIR)$(CONFDIR)/tnsgw.conf' ]; then \
	    echo 'install -m 0640 $(B)/tnsgw.conf $(DESTDIR)$(CONFDIR)/tnsgw.conf.dist (tnsgw.conf exists: kept)'; \
	    install -m 0640 $(B)/tnsgw.conf '$(DESTDIR)$(CONFDIR)/tnsgw.conf.dist'; \
	else \
	    echo 'install -m 0640 $(B)/tnsgw.conf $(DESTDIR)$(CONFDIR)/tnsgw.conf'; \
	    install -m 0640 $(B)/tnsgw.conf '$(DESTDIR)$(CONFDIR)/tnsgw.conf'; \
	fi
	@if [ -z '$(DESTDIR)' ] && [ "$$(id -u)" = 0 ]; then \
	    if command -v systemd-sysusers >/dev/null; then \
	        echo 'systemd-sysusers $(SYSUSERSDIR)/tnsgw.conf'; \
	        systemd-sysusers '$(SYSUSERSDIR)/tnsgw.conf' || exit 1; fi; \
	    if getent group tnsgw >/dev/null; then \
	        echo 'chgrp tnsgw $(CONFDIR)/keys $(CONFDIR)/tnsgw.conf*'; \
	        chgrp tnsgw '$(CONFDIR)/keys' '$(CONFDIR)'/tnsgw.conf*; fi; \
	fi

clean:
	rm -rf build build-san build-fuzz

.PHONY: FORCE all units install check-layers unit integration test fuzz fuzz-run bench bench-smoke crash-test crash-redis clean

-include $(shell find $(B)/obj $(B)/tests -name '*.d' 2>/dev/null)
