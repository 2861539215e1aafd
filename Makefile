# pipeproc - one non-recursive Makefile.
#
#   make                 library, node, CLI (into build/)
#   make test            every test (unit, integration, CLI, man lint)
#   make test-some T="build/test/x_test test/y_test.sh"   only those
#   make demo            a small end-to-end run on a spawned node
#   make bench           benchmarks (JSON lines)
#   make bench-peers     the same workloads against Redis Streams (installs
#                        redis-server and libhiredis-dev: make deps-peers)
#   make fuzz            libFuzzer harnesses, FUZZ_SECONDS (20) each
#   make soak            SOAK_CYCLES (20) kill -9 cycles under load, audited
#   make SANITIZE=address,undefined test   the same under ASan+UBSan,
#                        built into build/asan so objects never mix
#   make install PREFIX=/usr DESTDIR=/tmp/stage
#   make V=1             show full commands

# ---- configuration ---------------------------------------------------------
PREFIX       ?= /usr/local
bindir       ?= $(PREFIX)/bin
libdir       ?= $(PREFIX)/lib
includedir   ?= $(PREFIX)/include
mandir       ?= $(PREFIX)/share/man
pkgconfigdir ?= $(libdir)/pkgconfig
plugindir    ?= $(libdir)/pipeproc/plugins
bashcompdir  ?= $(PREFIX)/share/bash-completion/completions

CC      ?= cc
VERSION := 0.1.0
SOMAJOR := 0

SANITIZE ?=
ifeq ($(SANITIZE),)
B := build
SANFLAGS :=
else
B := build/asan
SANFLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
endif

# The installed node path and plugin directory are compiled in; the
# generated header changes only when bindir or plugindir does, so `make install PREFIX=...` rebuilds what uses it.
CONFIG_H := $(B)/gen/pp_config.h
PROJECT_CPPFLAGS := -D_GNU_SOURCE -Iinclude -Ilib -include $(CONFIG_H)
PROJECT_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -fPIC \
	-fvisibility=hidden -pthread -MMD -MP $(SANFLAGS)
MSGPACK_CFLAGS := $(shell pkg-config --cflags msgpack 2>/dev/null)
MSGPACK_LIBS   := $(shell pkg-config --libs msgpack 2>/dev/null || echo -lmsgpackc)
# Each binary links only what it uses: the library NNG, msgpack,
# mbedTLS (lib/tls.c) and LMDB (lib/lmdb_*.c, lib/local*.c: local reads
# of the node's store); the worker adds libdl.
LIB_LIBS    := -lnng $(MSGPACK_LIBS) -lmbedtls -lmbedx509 -lmbedcrypto -llmdb -lpthread
NODE_LIBS   := $(LIB_LIBS)
WORKER_LIBS := $(LIB_LIBS) -ldl
BENCH_LIBS  := $(LIB_LIBS) -lnats

FINAL_CPPFLAGS := $(PROJECT_CPPFLAGS) $(MSGPACK_CFLAGS) $(CPPFLAGS)
FINAL_CFLAGS   := $(PROJECT_CFLAGS) $(CFLAGS)
FINAL_LDFLAGS  := $(SANFLAGS) -pthread $(LDFLAGS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---- sources ----------------------------------------------------------------
LIB_SRC    := $(wildcard lib/*.c)
NODE_SRC   := $(wildcard node/*.c node/store/*.c)
CLI_SRC    := $(wildcard tools/cli/*.c)
BENCH_SRC  := $(wildcard tools/bench/*.c)
SOAK_SRC   := $(wildcard tools/soak/*.c)
PEERS_SRC  := $(wildcard tools/bench-peers/*.c)
TEST_SRC   := $(wildcard test/*_test.c)
TEST_AUX   := $(filter-out $(TEST_SRC),$(wildcard test/*.c))
DEMO_SRC   := $(wildcard examples/demo*.c)
WORKER_SRC := $(wildcard worker/*.c)
PLUGIN_SRC := $(wildcard examples/plugins/*.c)
TPLUGIN_SRC := $(wildcard test/plugins/*.c)
# The NATS JetStream bridge plugin (libnats), several files of its own.
JETSTREAM_SRC := $(wildcard worker/plugins/jetstream/*.c)
NODEJS_SRC := $(wildcard bindings/nodejs/src/*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

LIB_A   := $(B)/lib/libpipeproc.a
LIB_SO  := $(B)/lib/libpipeproc.so.$(VERSION)
NODE    := $(B)/bin/pipeproc-node
CLI     := $(B)/bin/pipeproc
BENCH   := $(B)/bin/pipeproc-bench
SOAK    := $(B)/bin/pipeproc-soak
PEERS   := $(B)/bin/pipeproc-bench-peers
DEMO    := $(B)/bin/pipeproc-demo
WORKER  := $(B)/bin/pipeproc-worker
GENCERTS := $(B)/bin/pipeproc-gen-certs
PLUGINS := $(patsubst examples/plugins/%.c,$(B)/plugins/%.so,$(PLUGIN_SRC))
# The exec plugin (processors in any language) ships with pipeproc.
EXEC_SRC := $(wildcard worker/plugins/exec/*.c)
EXEC_PLUGIN := $(B)/plugins/exec.so
TPLUGINS := $(patsubst test/plugins/%.c,$(B)/test/plugins/%.so,$(TPLUGIN_SRC))
JETSTREAM := $(B)/plugins/jetstream.so
NATS_ADMIN := $(B)/test/nats-admin
TESTS   := $(patsubst test/%.c,$(B)/test/%,$(TEST_SRC))
# Keep the test objects: as intermediates make would delete them
# and print "rm ..." after the test summary, the last line of `make test`.
.SECONDARY: $(call obj,$(TEST_SRC) $(TEST_AUX))
PCFILE  := $(B)/pipeproc.pc
# The Node.js addon (bindings/nodejs): links the shared library.
NODEJS  := $(B)/nodejs/pipeproc.node
NODE_INCLUDE ?= /usr/include/node

.PHONY: all all-tests deps test test-some check fuzz fuzz-seeds soak bench-peers deps-peers bench demo install uninstall clean lint-man \
	nodejs nodejs-pack

# A plain `make` only builds: it never installs packages (make deps does,
# and test, demo and bench run it first).
all: $(LIB_A) $(LIB_SO) $(NODE) $(CLI) $(WORKER) $(GENCERTS) $(PLUGINS) \
	$(EXEC_PLUGIN) $(JETSTREAM) $(PCFILE)

# Installs the Debian packages the build needs, only when one is missing.
DEB_PKGS := liblmdb-dev libnng-dev libmbedtls-dev libmsgpack-dev pkg-config \
	groff-base lmdb-utils iproute2 clang libclang-rt-14-dev python3 nodejs \
	libnats-dev nats-server
deps:
	$(Q)missing=""; for p in $(DEB_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	[ -e $(NODE_INCLUDE)/node_api.h ] || missing="$$missing libnode-dev"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(CONFIG_H): FORCE
	@mkdir -p $(dir $@)
	@echo '#define PP_NODE_INSTALL_PATH "$(bindir)/pipeproc-node"' > $@.tmp
	@echo '#define PP_PLUGIN_INSTALL_DIR "$(plugindir)"' >> $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

.PHONY: FORCE
FORCE:

$(B)/obj/%.o: %.c $(CONFIG_H)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(FINAL_CPPFLAGS) $(FINAL_CFLAGS) -c -o $@ $<

$(LIB_A): $(call obj,$(LIB_SRC))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

# The shared library exports only pp_* (hidden visibility + version script).
$(LIB_SO): $(call obj,$(LIB_SRC)) lib/libpipeproc.map
	@mkdir -p $(dir $@)
	$(Q)$(CC) -shared -Wl,-soname,libpipeproc.so.$(SOMAJOR) \
	  -Wl,--version-script=lib/libpipeproc.map $(FINAL_LDFLAGS) -o $@ \
	  $(call obj,$(LIB_SRC)) $(LIB_LIBS)
	$(Q)ln -sf libpipeproc.so.$(VERSION) $(B)/lib/libpipeproc.so.$(SOMAJOR)
	$(Q)ln -sf libpipeproc.so.$(VERSION) $(B)/lib/libpipeproc.so

$(NODE): $(call obj,$(NODE_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(NODE_LIBS)

$(CLI): $(call obj,$(CLI_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

$(WORKER): $(call obj,$(WORKER_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(WORKER_LIBS)

# Certificates and a token for trying tls+tcp:// out (and for the tests).
$(GENCERTS): $(call obj,tools/gen-certs/gen-certs.c)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(FINAL_LDFLAGS) -o $@ $^ -lmbedtls -lmbedx509 -lmbedcrypto

# Plugins see only include/pipeproc_plugin.h and never link libpipeproc
# (pipeproc_plugin(7)); -z defs makes a stray pp_* call a link error. No
# -fvisibility=hidden: the descriptor must be exported.
PLUGIN_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -fPIC -pthread $(SANFLAGS)
PLUGIN_LDFLAGS := -shared -pthread -Wl,-z,defs $(SANFLAGS)
$(B)/plugins/%.so: examples/plugins/%.c include/pipeproc_plugin.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  PLUGIN  $<")
	$(Q)$(CC) -Iinclude $(PLUGIN_CFLAGS) $(CFLAGS) $(PLUGIN_LDFLAGS) \
	  $(LDFLAGS) -o $@ $<

# Several files, one plugin; the same flags as the examples.
$(EXEC_PLUGIN): $(EXEC_SRC) $(wildcard worker/plugins/exec/*.h) \
	include/pipeproc_plugin.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  PLUGIN  $@")
	$(Q)$(CC) -Iinclude $(PLUGIN_CFLAGS) $(CFLAGS) $(PLUGIN_LDFLAGS) \
	  $(LDFLAGS) -o $@ $(EXEC_SRC)

# The jetstream plugin: plugin flags (its descriptor is exported), libnats,
# and -z nodelete: libnats keeps threads running after the worker's
# dlclose(), so the code they run must stay mapped.
$(B)/obj/worker/plugins/jetstream/%.o: worker/plugins/jetstream/%.c \
	include/pipeproc_plugin.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) -D_GNU_SOURCE -Iinclude -MMD -MP $(PLUGIN_CFLAGS) $(CFLAGS) \
	  -c -o $@ $<

$(JETSTREAM): $(call obj,$(JETSTREAM_SRC))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  PLUGIN  $@")
	$(Q)$(CC) $(PLUGIN_LDFLAGS) -Wl,-z,nodelete $(LDFLAGS) -o $@ $^ -lnats

# The tests' JetStream helper (test/lib_nats.sh); not a test itself.
$(NATS_ADMIN): test/nats/admin.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) -D_GNU_SOURCE $(PLUGIN_CFLAGS) $(CFLAGS) $(FINAL_LDFLAGS) \
	  -o $@ $< -lnats

# Broken plugins for the ABI checks (test/worker_check_test.sh).
$(B)/test/plugins/%.so: test/plugins/%.c include/pipeproc_plugin.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  PLUGIN  $<")
	$(Q)$(CC) -Iinclude $(PLUGIN_CFLAGS) $(CFLAGS) $(PLUGIN_LDFLAGS) \
	  $(LDFLAGS) -o $@ $<

# N-API 8 against the installed Node.js headers; no node-gyp. The rpath
# finds an installed libpipeproc; tests point LD_LIBRARY_PATH at the build.
$(call obj,$(NODEJS_SRC)): FINAL_CPPFLAGS += -I$(NODE_INCLUDE) \
	-DNODE_GYP_MODULE_NAME=pipeproc -DPPN_PLUGINDIR='"$(plugindir)"'
$(NODEJS): $(call obj,$(NODEJS_SRC)) $(LIB_SO)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -shared $(FINAL_LDFLAGS) -o $@ $(call obj,$(NODEJS_SRC)) \
	  -L$(B)/lib -lpipeproc -Wl,--enable-new-dtags,-rpath,$(libdir)

nodejs: $(NODEJS)

# The npm package: the binding's files and the addon, packed by npm into
# $(B)/nodejs/pipeproc-$(VERSION).tgz. It works where libpipeproc is
# installed (make install: the addon's rpath is $(libdir)).
NODEJS_PKG := $(B)/nodejs/pkg
nodejs-pack: $(NODEJS)
	$(Q)rm -rf $(NODEJS_PKG) && mkdir -p $(NODEJS_PKG)/build
	$(Q)cp -R bindings/nodejs/package.json bindings/nodejs/index.js \
	  bindings/nodejs/index.d.ts bindings/nodejs/README.md \
	  bindings/nodejs/lib $(NODEJS_PKG)/
	$(Q)cp $(NODEJS) $(NODEJS_PKG)/build/pipeproc.node
	$(Q)cd $(NODEJS_PKG) && npm pack --silent \
	  --pack-destination $(CURDIR)/$(B)/nodejs >/dev/null
	@echo "$(B)/nodejs/pipeproc-$(VERSION).tgz"

$(BENCH): $(call obj,$(BENCH_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(BENCH_LIBS)

# bench-peers reuses the benchmark's helpers (all of tools/bench but its
# main) and links hiredis, which only make deps-peers installs.
$(PEERS): $(call obj,$(PEERS_SRC) $(filter-out tools/bench/bench.c,\
	$(BENCH_SRC))) $(LIB_A)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(BENCH_LIBS) -lhiredis

$(call obj,$(PEERS_SRC)): FINAL_CPPFLAGS += -Itools/bench

$(SOAK): $(call obj,$(SOAK_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

$(DEMO): $(call obj,$(DEMO_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

$(B)/test/%: $(B)/obj/test/%.o $(call obj,$(TEST_AUX)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(LIB_LIBS)

# The exec plugin's frame decoder, tested on its own (and fuzzable).
$(B)/test/exec_frame_test: $(call obj,worker/plugins/exec/frame.c)

$(PCFILE): pipeproc.pc.in Makefile
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@libdir@|$(libdir)|' \
	  -e 's|@includedir@|$(includedir)|' -e 's|@VERSION@|$(VERSION)|' \
	  $< > $@

# ---- test, demo, bench --------------------------------------------------------
# Tests find the programs through these variables, never through PATH.
# XDG_RUNTIME_DIR is emptied so that default addresses live under each
# test's own TMPDIR (lib/user.h), never in the shared runtime directory.
TEST_ENV := XDG_RUNTIME_DIR= PIPEPROC_NODE=$(CURDIR)/$(NODE) PIPEPROC_CLI=$(CURDIR)/$(CLI) \
	PIPEPROC_BUILD=$(CURDIR)/$(B) PIPEPROC_LIB_SO=$(CURDIR)/$(LIB_SO) \
	PIPEPROC_WORKER=$(CURDIR)/$(WORKER) \
	PIPEPROC_GEN_CERTS=$(CURDIR)/$(GENCERTS) \
	PIPEPROC_PLUGINS=$(CURDIR)/$(B)/plugins \
	PIPEPROC_TEST_PLUGINS=$(CURDIR)/$(B)/test/plugins \
	PIPEPROC_NATS_ADMIN=$(CURDIR)/$(NATS_ADMIN) \
	PIPEPROC_SANITIZE=$(SANITIZE) \
	PIPEPROC_NODEJS_ADDON=$(CURDIR)/$(NODEJS)

test check: deps
	$(Q)$(MAKE) --no-print-directory all-tests
	$(Q)$(TEST_ENV) sh test/run.sh $(TESTS)

# Only the named tests (programs or scripts): make test-some T="..."
test-some: deps
	$(Q)$(MAKE) --no-print-directory all-tests
	$(Q)$(TEST_ENV) PP_ONLY=1 sh test/run.sh $(T)

# Everything the tests run, built after deps (so -j never races apt).
all-tests: all $(TESTS) $(TPLUGINS) $(NATS_ADMIN) $(NODEJS)

lint-man:
	$(Q)sh test/man_test.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all $(DEMO)
	$(Q)$(TEST_ENV) $(DEMO)

# The C workloads, then the Node.js binding's (tools/bench-nodejs/bench.js:
# each against its C twin measured in the same run).
bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH) $(NODEJS)
	$(Q)$(TEST_ENV) $(BENCH) $(BENCH_ARGS)
	$(Q)$(TEST_ENV) PIPEPROC_BENCH=$(CURDIR)/$(BENCH) \
	  LD_LIBRARY_PATH=$(CURDIR)/$(B)/lib node tools/bench-nodejs/bench.js \
	  $(filter -q,$(BENCH_ARGS))

# The same workloads against Redis Streams, Redis as the baseline
# (tools/bench-peers/peers.h). Optional: deps-peers installs redis-server
# and libhiredis-dev; make test never needs them.
PEER_PKGS := redis-server libhiredis-dev
deps-peers: deps
	$(Q)missing=""; for p in $(PEER_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

bench-peers: deps-peers
	$(Q)$(MAKE) --no-print-directory all $(PEERS)
	$(Q)$(TEST_ENV) $(PEERS) $(BENCH_ARGS)

# kill -9 cycles under load, then an audit (tools/soak/soak.h)
SOAK_CYCLES ?= 20
soak: deps
	$(Q)$(MAKE) --no-print-directory all $(SOAK)
	$(Q)$(TEST_ENV) $(SOAK) --cycles $(SOAK_CYCLES) $(SOAK_ARGS)

# ---- fuzzing --------------------------------------------------------------------
# make fuzz: the libFuzzer harnesses test/fuzz/fuzz_*.c, built by clang
# under ASan+UBSan against the library's own sources (build/fuzz), each run
# for FUZZ_SECONDS from its checked-in seeds test/fuzz/corpus/NAME; any
# finding fails the target and leaves its input in build/fuzz/artifacts/.
# make fuzz-seeds rewrites the seeds with the library's encoders.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 20
FB           := build/fuzz
FUZZ_SRC     := $(wildcard test/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst test/fuzz/%.c,$(FB)/%,$(FUZZ_SRC))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=c11 -Wall -Wextra -Werror -g -O1 -pthread \
	-fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_LIB_OBJ := $(patsubst %.c,$(FB)/obj/%.o,$(LIB_SRC))
FUZZ_SEEDS   := $(B)/bin/pipeproc-fuzz-seeds
.SECONDARY: $(FUZZ_LIB_OBJ) $(patsubst %.c,$(FB)/obj/%.o,$(FUZZ_SRC)) \
	$(FB)/obj/worker/plugins/exec/frame.o \
	$(FB)/obj/worker/plugins/exec/command.o \
	$(FB)/obj/worker/plugins/jetstream/config.o

$(FB)/obj/%.o: %.c $(CONFIG_H)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FINAL_CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FB)/fuzz_%: $(FB)/obj/test/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -pthread -o $@ $^ \
	  $(LIB_LIBS)

# Harnesses of code outside lib/ name it here.
$(FB)/fuzz_exec_frame: $(FB)/obj/worker/plugins/exec/frame.o
$(FB)/fuzz_plugin_config: $(FB)/obj/worker/plugins/exec/command.o \
	$(FB)/obj/worker/plugins/jetstream/config.o

$(FUZZ_SEEDS): $(call obj,test/fuzz/seeds.c) $(LIB_A)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(LIB_LIBS)


fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)mkdir -p $(FB)/artifacts; for h in $(FUZZ_BINS); do \
	  n=$$(basename $$h); n=$${n#fuzz_}; \
	  rm -rf $(FB)/work/$$n; mkdir -p $(FB)/work/$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
	  $$h -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=$(FB)/artifacts/$$n- \
	    $(FB)/work/$$n test/fuzz/corpus/$$n 2>$(FB)/work/$$n.log || \
	    { tail -n 60 $(FB)/work/$$n.log; echo "fuzz: $$n FAILED"; exit 1; }; \
	  grep -E "stat::number_of_executed_units|stat::new_units_added" \
	    $(FB)/work/$$n.log | sed "s/^/  /"; \
	done

fuzz-seeds: $(FUZZ_SEEDS)
	$(Q)rm -rf test/fuzz/corpus.new
	$(Q)$(FUZZ_SEEDS) test/fuzz/corpus.new
	$(Q)for d in test/fuzz/corpus.new/*; do n=$$(basename $$d); \
	  rm -rf test/fuzz/corpus/$$n; mkdir -p test/fuzz/corpus; \
	  mv $$d test/fuzz/corpus/$$n; done; rm -rf test/fuzz/corpus.new

# ---- install --------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir) \
	  $(DESTDIR)$(includedir) $(DESTDIR)$(pkgconfigdir) \
	  $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man3 \
	  $(DESTDIR)$(mandir)/man7 $(DESTDIR)$(mandir)/man8
	install -m 755 $(NODE) $(CLI) $(WORKER) $(GENCERTS) $(DESTDIR)$(bindir)/
	install -m 644 $(LIB_A) $(DESTDIR)$(libdir)/
	install -m 755 $(LIB_SO) $(DESTDIR)$(libdir)/
	ln -sf libpipeproc.so.$(VERSION) $(DESTDIR)$(libdir)/libpipeproc.so.$(SOMAJOR)
	ln -sf libpipeproc.so.$(VERSION) $(DESTDIR)$(libdir)/libpipeproc.so
	install -m 644 include/pipeproc.h include/pipeproc_plugin.h \
	  $(DESTDIR)$(includedir)/
	install -m 644 $(PCFILE) $(DESTDIR)$(pkgconfigdir)/
	for s in 1 3 7 8; do for f in man/*.$$s; do [ -e "$$f" ] || continue; \
	  install -m 644 $$f $(DESTDIR)$(mandir)/man$$s/; done; done
	install -d $(DESTDIR)$(plugindir) $(DESTDIR)$(bashcompdir)
	install -m 755 $(PLUGINS) $(EXEC_PLUGIN) $(JETSTREAM) \
	  $(DESTDIR)$(plugindir)/
	install -m 644 tools/cli/pipeproc.bash $(DESTDIR)$(bashcompdir)/pipeproc
	@# Into the system's library path as root: refresh the linker cache,
	@# else programs linked with -lpipeproc exit 127 until ldconfig runs.
	$(Q)if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	  PATH=$$PATH:/sbin:/usr/sbin; \
	  if command -v ldconfig >/dev/null 2>&1; then ldconfig; \
	  ldconfig -p | grep -q '$(libdir)/libpipeproc.so.$(SOMAJOR)' || \
	  echo "note: $(libdir) is not in the dynamic linker's search path;" \
	    "add it to /etc/ld.so.conf.d/ and run ldconfig, or set" \
	    "LD_LIBRARY_PATH (README, Install)"; fi; fi

uninstall:
	rm -f $(DESTDIR)$(bindir)/pipeproc-node $(DESTDIR)$(bindir)/pipeproc
	rm -f $(DESTDIR)$(bindir)/pipeproc-worker
	rm -f $(DESTDIR)$(bindir)/pipeproc-gen-certs
	rm -f $(DESTDIR)$(libdir)/libpipeproc.a $(DESTDIR)$(libdir)/libpipeproc.so*
	rm -f $(DESTDIR)$(includedir)/pipeproc.h
	rm -f $(DESTDIR)$(includedir)/pipeproc_plugin.h
	rm -f $(DESTDIR)$(pkgconfigdir)/pipeproc.pc
	rm -f $(patsubst $(B)/plugins/%,$(DESTDIR)$(plugindir)/%,$(PLUGINS) \
	  $(EXEC_PLUGIN) $(JETSTREAM))
	rmdir $(DESTDIR)$(plugindir) $(DESTDIR)$(libdir)/pipeproc 2>/dev/null || true
	rm -f $(DESTDIR)$(bashcompdir)/pipeproc
	for s in 1 3 7 8; do for f in man/*.$$s; do [ -e "$$f" ] || continue; \
	  rm -f $(DESTDIR)$(mandir)/man$$s/$$(basename $$f); done; done

clean:
	rm -rf build

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
