# ngx_http_partoo_tryout_module
#
#   make demo    nginx on 127.0.0.1:8080 with the module, end to end
#   make fleet   three nodes behind a balancer, checked, then stopped
#                (ports FLEET_PORT..FLEET_PORT+5, 31000 by default)
#   make test    unit tests + the Test::Nginx suite
#   make deb     build/deb/libnginx-mod-http-partoo-tryout_*.deb
#   make deb-check   install it, serve one tryout with the stock nginx, purge
#   make compat NGINX_SRC=DIR   build in another nginx source tree, -Werror
#   make test-upstream TEST_NGINX_LIB=DIR   the suite on openresty's runner
#   make deps | build | fuzz | bench | validate-time | clean

SHELL        := /bin/bash
TOP          := $(CURDIR)
BUILD        := $(TOP)/build
NGX_SRC      := /usr/share/nginx/src
NGX_TREE     := $(BUILD)/nginx-src
MODULE       := $(NGX_TREE)/objs/ngx_http_partoo_tryout_module.so
NGINX        ?= /usr/sbin/nginx

# what building the module and make demo need; targets add their own below
DEB_PACKAGES := nginx nginx-dev libjansson-dev libpcre2-dev \
                libcurl4-openssl-dev libssl-dev zlib1g-dev pkg-config gcc \
                make openssl curl ca-certificates
TEST_PACKAGES := perl libtest-base-perl libio-socket-ssl-perl \
                 libnet-dns-perl prometheus \
                 $(if $(TEST_NGINX_USE_VALGRIND),valgrind)

MODULE_SRCS  := config ngx_http_partoo_tryout_module.c \
                $(wildcard src/*.c src/*.h)

UNIT_CFLAGS  := -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -O1 -g -Isrc
UNIT_LIBS     = $(shell pkg-config --libs jansson libpcre2-8 libcurl \
                  libcrypto 2>/dev/null)
UNIT_TESTS   := $(patsubst %.c,%,$(wildcard t/unit/*_test.c))
UTIL_SRC     := src/ngx_http_partoo_tryout_util.c

# the validator timed as nginx compiles it
TIME_CFLAGS  := $(filter-out -O1,$(UNIT_CFLAGS)) -O2

# libFuzzer targets: t/fuzz/NAME_fuzz.c, linked with the src/ units listed
# in FUZZ_SRCS_NAME, run by "make fuzz" for FUZZ_TIME seconds each from
# t/fuzz/corpus/NAME (and with t/fuzz/NAME.dict when there is one)
FUZZ_TIME    ?= 60
FUZZ_TARGETS := validate addr payload keys_file
FUZZ_SRCS_validate := validate
FUZZ_SRCS_addr     := addr
FUZZ_SRCS_payload  := payload
FUZZ_SRCS_keys_file := keys_file
FUZZ_BINS     = $(patsubst %,t/fuzz/%_fuzz,$(FUZZ_TARGETS))

export TEST_NGINX_BINARY       ?= $(NGINX)
export TEST_NGINX_LOAD_MODULES ?= $(MODULE)

VERSION      := $(shell sed -n 's/^\#define NGX_HTTP_PARTOO_TRYOUT_VERSION  *"\(.*\)"/\1/p' \
                  ngx_http_partoo_tryout_module.c)
DEB_NAME     := libnginx-mod-http-partoo-tryout
DEB_OUT      := $(BUILD)/deb
DEB_FILE     := $(DEB_OUT)/$(DEB_NAME)_$(VERSION)_$(shell \
                  dpkg --print-architecture 2>/dev/null).deb

.PHONY: all deps build unit test demo demo-stop fleet fuzz bench validate-time \
        clean deb deb-check compat test-upstream

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	        | grep -q '^install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	cmd="apt-get install -y --no-install-recommends $$(echo $$missing)"; \
	if [ "$$(id -u)" = 0 ]; then \
	    echo "deps: $$cmd"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -q && $$cmd; \
	else \
	    echo "deps: missing packages; run as root:"; \
	    echo "    $$cmd"; exit 1; \
	fi

build: $(MODULE)

# Debian's nginx-dev ships the headers and configure of the exact nginx it
# packages; its conf_flags keep the module binary-compatible (--with-compat).
$(NGX_TREE)/objs/Makefile: config
	rm -rf $(NGX_TREE)
	mkdir -p $(BUILD)
	cp -a $(NGX_SRC) $(NGX_TREE)
	cd $(NGX_TREE) && . ./conf_flags && ./configure "$${NGX_CONF_FLAGS[@]}" \
	    --with-cc-opt="-g -O2 -fstack-protector-strong -Wformat \
	        -Werror=format-security -fPIC -D_FORTIFY_SOURCE=2" \
	    --with-ld-opt="-Wl,-z,relro -Wl,-z,now -fPIC" \
	    --add-dynamic-module=$(TOP) > $(BUILD)/configure.log \
	    || { tail -20 $(BUILD)/configure.log; exit 1; }

$(MODULE): $(NGX_TREE)/objs/Makefile $(MODULE_SRCS)
	$(MAKE) -s -C $(NGX_TREE) -f objs/Makefile modules

# each unit with the shared helpers it may use
t/unit/%_test: t/unit/%_test.c src/ngx_http_partoo_tryout_%.c \
               $(UTIL_SRC) $(wildcard src/*.h)
	$(CC) $(UNIT_CFLAGS) $< src/ngx_http_partoo_tryout_$*.c $(UTIL_SRC) \
	    $(UNIT_LIBS) -o $@

unit: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do echo "# $$t"; ./$$t || exit 1; done

# the files that deliver, run again on the libcurl thread-pool engine
DELIVERY_TESTS := $(wildcard t/00[7-9]-*.t t/01[0-9]-*.t) \
                  t/027-metrics.t t/030-payload-defaults.t t/033-signing.t \
                  t/040-faults.t t/045-delivery-diagnostics.t

test: DEB_PACKAGES += $(TEST_PACKAGES)
test: deps build unit
	prove -r t
	TEST_NGINX_PARTOO_ENGINE=thread prove $(DELIVERY_TESTS)

demo: deps build
	@bash conf-examples/demo.sh start

demo-stop:
	@bash conf-examples/demo.sh stop

# not part of make test: it starts four nginx instances on fixed ports
fleet: deps build
	@bash conf-examples/fleet.sh check

t/fuzz/%_fuzz: t/fuzz/%_fuzz.c $(wildcard src/*.c src/*.h)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc $< \
	    $(patsubst %,src/ngx_http_partoo_tryout_%.c,$(FUZZ_SRCS_$*)) \
	    $(UTIL_SRC) $(UNIT_LIBS) -o $@

fuzz: DEB_PACKAGES += clang libclang-rt-14-dev
# each target from a fresh copy of its corpus; stops at the first crash
fuzz: deps $(FUZZ_BINS)
	@for f in $(FUZZ_TARGETS); do \
	    corpus=$(BUILD)/fuzz-corpus/$$f; \
	    rm -rf $$corpus && mkdir -p $$corpus; \
	    cp t/fuzz/corpus/$$f/* $$corpus/; \
	    dict=; [ -f t/fuzz/$$f.dict ] && dict=-dict=t/fuzz/$$f.dict; \
	    echo "fuzz: $$f for $(FUZZ_TIME) s, log in $(BUILD)/fuzz-$$f.log"; \
	    ./t/fuzz/$${f}_fuzz -max_total_time=$(FUZZ_TIME) -max_len=4096 \
	        -artifact_prefix=$(BUILD)/fuzz-$$f- $$dict $$corpus \
	        > $(BUILD)/fuzz-$$f.log 2>&1 \
	    || { tail -30 $(BUILD)/fuzz-$$f.log; exit 1; }; \
	    grep -E '^Done [0-9]+ runs' $(BUILD)/fuzz-$$f.log; \
	done

t/unit/validate_time: t/unit/validate_time.c \
                      src/ngx_http_partoo_tryout_validate.c $(UTIL_SRC) \
                      $(wildcard src/*.h)
	$(CC) $(TIME_CFLAGS) $< src/ngx_http_partoo_tryout_validate.c \
	    $(UTIL_SRC) $(UNIT_LIBS) -o $@

# nanoseconds per validation of typical bodies: a tuning aid, not a test
validate-time: t/unit/validate_time
	./t/unit/validate_time

# wrk, and the echo module for a receiver that answers after 1 s
bench: DEB_PACKAGES += wrk libnginx-mod-http-echo libnginx-mod-http-js
bench: deps build
	perl bench/run

# the files of the tree, NUL-separated: what git sees (tracked or not
# ignored), or outside a git checkout everything but build/
source_files  = { git ls-files -z --cached --others --exclude-standard $(1) \
                      2>/dev/null || find ./$(1) -path ./build -prune -o \
                      -path ./.git -prune -o -type f -print0; }

# Built from a copy of the files git sees (tracked or not ignored), so neither an earlier build nor
# the debhelper files dpkg-buildpackage writes show up in the tree.
deb: DEB_PACKAGES += dpkg-dev debhelper fakeroot
deb: deps
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version); \
	if [ "$$v" != "$(VERSION)" ]; then \
	    echo "deb: debian/changelog is $$v, the module is $(VERSION)"; \
	    exit 1; fi
	rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)/$(DEB_NAME)-$(VERSION)
	$(call source_files) | tar --null -T - -cf - \
	    | tar -xf - -C $(DEB_OUT)/$(DEB_NAME)-$(VERSION)
	cd $(DEB_OUT)/$(DEB_NAME)-$(VERSION) && dpkg-buildpackage -us -uc -b
	@echo "deb: $(DEB_FILE)"

deb-check: deb
	bash t/deb/check.sh $(DEB_FILE)

# NGINX_SRC: an unpacked release tarball, or `git archive` of a release tag
# of nginx/nginx (configure is then auto/configure).  Built in a copy under
# build/compat, threaded (the resolver's thread pool) and with --with-debug
# (the debug log lines), every warning an error.
COMPAT_DIR    = $(BUILD)/compat/$(notdir $(abspath $(NGINX_SRC)))

compat: deps
	@[ -n "$(NGINX_SRC)" ] || { echo "usage: make compat NGINX_SRC=DIR"; \
	    exit 2; }
	rm -rf $(COMPAT_DIR) && mkdir -p $(dir $(COMPAT_DIR))
	cp -a $(abspath $(NGINX_SRC)) $(COMPAT_DIR)
	cd $(COMPAT_DIR) && { [ -x configure ] && c=./configure \
	                       || c=auto/configure; } \
	    && $$c --with-compat --with-threads --with-debug \
	       --with-cc-opt="-Werror" \
	       --add-dynamic-module=$(TOP) > configure.log 2>&1 \
	    || { tail -20 $(COMPAT_DIR)/configure.log; exit 1; }
	$(MAKE) -s -C $(COMPAT_DIR) -f objs/Makefile modules
	@v=$$(sed -n 's/^#define NGINX_VERSION *"\(.*\)"/\1/p' \
	    $(COMPAT_DIR)/src/core/nginx.h); \
	echo "compat: built with nginx $$v:" \
	    "$(COMPAT_DIR)/objs/ngx_http_partoo_tryout_module.so"

# The suite on another Test::Nginx, openresty's test-nginx: TEST_NGINX_LIB is
# its lib/ (or its checkout).  Run on a copy of t/ without the project's own
# Test::Nginx, which t/lib would otherwise put first; README.md goes along
# for t/050, which checks its examples.
UPSTREAM_DIR := $(BUILD)/upstream

test-upstream: DEB_PACKAGES += $(TEST_PACKAGES) libtest-longstring-perl \
                               liblist-moreutils-perl libhttp-message-perl \
                               liburi-perl libtext-diff-perl
test-upstream: deps build
	@[ -n "$(TEST_NGINX_LIB)" ] || { echo "usage: make test-upstream" \
	    "TEST_NGINX_LIB=DIR (openresty/test-nginx's lib/)"; exit 2; }
	@lib=$(abspath $(TEST_NGINX_LIB)); \
	[ -f $$lib/Test/Nginx/Socket.pm ] || lib=$$lib/lib; \
	[ -f $$lib/Test/Nginx/Socket.pm ] || { echo "test-upstream: no" \
	    "Test/Nginx/Socket.pm in $(TEST_NGINX_LIB)"; exit 2; }; \
	rm -rf $(UPSTREAM_DIR) && mkdir -p $(UPSTREAM_DIR); \
	$(call source_files,t README.md ngx_http_partoo_tryout_module.c) \
	    | tar --null -T - -cf - | tar -xf - -C $(UPSTREAM_DIR); \
	rm -rf $(UPSTREAM_DIR)/t/lib/Test/Nginx; \
	echo "test-upstream: prove -I$$lib -r t in $(UPSTREAM_DIR)"; \
	cd $(UPSTREAM_DIR) && prove -I$$lib -r t

clean:
	rm -rf $(BUILD) t/servroot* $(UNIT_TESTS) t/unit/validate_time \
	    $(FUZZ_BINS) demo/run demo/fleet
