# ngx_http_partoo_tryout_module
#
#   make demo    nginx on 127.0.0.1:8080 with the module, end to end
#   make test    unit tests + the Test::Nginx suite
#   make deps | build | fuzz | bench | validate-time | clean

SHELL        := /bin/bash
TOP          := $(CURDIR)
BUILD        := $(TOP)/build
NGX_SRC      := /usr/share/nginx/src
NGX_TREE     := $(BUILD)/nginx-src
MODULE       := $(NGX_TREE)/objs/ngx_http_partoo_tryout_module.so
NGINX        ?= /usr/sbin/nginx

DEB_PACKAGES := nginx nginx-dev libjansson-dev libpcre2-dev \
                libcurl4-openssl-dev libssl-dev zlib1g-dev pkg-config gcc \
                make perl libtest-base-perl libio-socket-ssl-perl openssl \
                curl valgrind clang libclang-rt-14-dev ca-certificates \
                libnet-dns-perl

MODULE_SRCS  := config ngx_http_partoo_tryout_module.c \
                $(wildcard src/*.c src/*.h)

UNIT_CFLAGS  := -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -O1 -g -Isrc
UNIT_LIBS     = $(shell pkg-config --libs jansson libpcre2-8 libcurl \
                  libcrypto 2>/dev/null)
UNIT_TESTS   := $(patsubst %.c,%,$(wildcard t/unit/*_test.c))

# the validator timed as nginx compiles it
TIME_CFLAGS  := $(filter-out -O1,$(UNIT_CFLAGS)) -O2

FUZZ_TIME    ?= 60

export TEST_NGINX_BINARY       ?= $(NGINX)
export TEST_NGINX_LOAD_MODULES ?= $(MODULE)

.PHONY: all deps build unit test demo demo-stop fuzz bench validate-time \
        clean

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

t/unit/%_test: t/unit/%_test.c src/ngx_http_partoo_tryout_%.c \
               $(wildcard src/*.h)
	$(CC) $(UNIT_CFLAGS) $< src/ngx_http_partoo_tryout_$*.c \
	    $(UNIT_LIBS) -o $@

unit: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do echo "# $$t"; ./$$t || exit 1; done

# the files that deliver, run again on the libcurl event engine
DELIVERY_TESTS := $(wildcard t/00[7-9]-*.t t/01[0-9]-*.t) \
                  t/030-payload-defaults.t t/033-signing.t

test: deps build unit
	prove -r t
	TEST_NGINX_PARTOO_ENGINE=curl prove $(DELIVERY_TESTS)

demo: deps build
	@bash conf-examples/demo.sh start

demo-stop:
	@bash conf-examples/demo.sh stop

t/fuzz/validate_fuzz: t/fuzz/validate_fuzz.c \
                      src/ngx_http_partoo_tryout_validate.c \
                      src/ngx_http_partoo_tryout_validate.h
	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc $< \
	    src/ngx_http_partoo_tryout_validate.c $(UNIT_LIBS) -o $@

fuzz: deps t/fuzz/validate_fuzz
	rm -rf $(BUILD)/fuzz-corpus && mkdir -p $(BUILD)/fuzz-corpus
	cp t/fuzz/corpus/validate/* $(BUILD)/fuzz-corpus/
	./t/fuzz/validate_fuzz -max_total_time=$(FUZZ_TIME) -max_len=4096 \
	    -dict=t/fuzz/validate.dict $(BUILD)/fuzz-corpus

t/unit/validate_time: t/unit/validate_time.c \
                      src/ngx_http_partoo_tryout_validate.c \
                      src/ngx_http_partoo_tryout_validate.h
	$(CC) $(TIME_CFLAGS) $< src/ngx_http_partoo_tryout_validate.c \
	    $(UNIT_LIBS) -o $@

# nanoseconds per validation of typical bodies: a tuning aid, not a test
validate-time: t/unit/validate_time
	./t/unit/validate_time

# wrk, and the echo module for a receiver that answers after 1 s
bench: DEB_PACKAGES += wrk libnginx-mod-http-echo libnginx-mod-http-js
bench: deps build
	perl bench/run

clean:
	rm -rf $(BUILD) t/servroot* $(UNIT_TESTS) t/unit/validate_time \
	    t/fuzz/validate_fuzz demo/run
