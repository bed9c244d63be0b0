# tnsgw — plain Makefile over pkg-config.
#   make            build/tnsgw, build/tnsgw-load, build/tnsgw-smsc
#   make SAN=1      the same with ASan+UBSan in build-san/
#   make test       unit + integration tests (needs redis-server)
#   make fuzz       libFuzzer targets (clang) in build-fuzz/
#   make bench      benchmarks (print figures, assert nothing)

CC      ?= cc
PKGS    := libevent libevent_extra libsmpp34 hiredis libconfig libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN    := -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wwrite-strings \
           -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -Werror
HARDEN  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(WARN) $(PKG_CFLAGS) -Isrc
LDFLAGS += -pie -Wl,-z,relro,-z,now

ifeq ($(SAN),1)
B       := build-san
CFLAGS  := $(filter-out -O2,$(CFLAGS)) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
HARDEN  := -fstack-protector-strong -fPIE
else
B       := build
endif
CFLAGS  += $(HARDEN)

# The core library: everything in src/ but the programs' main files.
PROG_SRCS := src/main.c src/load_main.c src/smsc_main.c
CORE_SRCS := $(filter-out $(PROG_SRCS),$(wildcard src/*.c))
CORE_OBJS := $(CORE_SRCS:src/%.c=$(B)/obj/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

all: $(B)/tnsgw $(B)/tnsgw-load $(B)/tnsgw-smsc $(if $(wildcard tools/backoffice.c),$(B)/tnsgw-backoffice)

$(B)/obj/%.o: src/%.c $(wildcard src/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/libtnsgw.a: $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/tnsgw: $(B)/obj/main.o $(B)/libtnsgw.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tnsgw-load: $(B)/obj/load_main.o $(B)/libtnsgw.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tnsgw-smsc: $(B)/obj/smsc_main.o $(B)/libtnsgw.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The back office's side of the provisioning stream (keys, open entries).
$(B)/obj/backoffice.o: tools/backoffice.c $(wildcard src/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/tnsgw-backoffice: $(B)/obj/backoffice.o $(B)/libtnsgw.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libtnsgw.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libtnsgw.a $(PKG_LIBS) $(CMOCKA_LIBS)

unit: $(UNIT_BINS)
	@bash tests/run-all.sh $(B) unit

integration: all
	@bash tests/run-all.sh $(B) integration

test: all $(UNIT_BINS)
	@bash tests/run-all.sh $(B)

# Fuzz targets: clang + libFuzzer, built apart from the rest.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Isrc $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined
build-fuzz/%: tests/fuzz/%.c $(CORE_SRCS)
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< $(CORE_SRCS) $(PKG_LIBS)
fuzz: $(FUZZ_BINS)
fuzz-run: fuzz
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); echo "== $$n ($${FUZZ_SECONDS:-20} s)"; \
	  mkdir -p build-fuzz/corpus/$$n; \
	  $$f -max_total_time=$${FUZZ_SECONDS:-20} -rss_limit_mb=1024 -print_final_stats=0 \
	    build-fuzz/corpus/$$n tests/fuzz/corpus/$$n 2>build-fuzz/$$n.log || \
	    { tail -n 40 build-fuzz/$$n.log; exit 1; }; \
	  grep -E '^#[0-9]+.*DONE' build-fuzz/$$n.log | tail -n 1; done

bench: all
	@bash tests/bench/run.sh $(B)

# Case B under kill -9 (issue 3): 1,000 dialogs, 30 kills, then the checks.
crash-test: all
	bash tests/crash/run.sh $(B)
.PHONY: crash-test

clean:
	rm -rf build build-san build-fuzz

.PHONY: all unit integration test fuzz fuzz-run bench clean

# Development aid while modules are written side by side: build and run one
# unit test against just the sources it names, e.g.
#   make dev-test T=parse SRCS="src/parse.c"
dev-test:
	@mkdir -p build/dev
	$(CC) $(CFLAGS) $(LDFLAGS) -o build/dev/test_$(T) tests/unit/test_$(T).c $(SRCS) src/log.c $(PKG_LIBS) $(CMOCKA_LIBS)
	./build/dev/test_$(T)
.PHONY: dev-test
