
/*
 * Copyright (C) Partoo tryout module authors
 *
 * libFuzzer target for the address policy's parsers (make fuzz): the same
 * bytes as a "partoo_tryout_allow_address" CIDR, as the host of a url
 * (IP literals as libcurl reads them), and as a delivery url to log.
 *
 * Besides the sanitizers, it checks what each parser promises: a parsed
 * range is allowed by an allow list of itself; a literal formats and
 * parses back to the same address; a logged url holds no query, fragment
 * or userinfo, is cut cleanly, and logging it again changes nothing.
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_partoo_tryout_addr.h"


#define ngx_http_partoo_tryout_fuzz_assert(cond)                              \
    if (!(cond)) {                                                            \
        fprintf(stderr, "addr_fuzz: %s:%d: %s\n", __FILE__, __LINE__,         \
                #cond);                                                       \
        abort();                                                              \
    }


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
ngx_http_partoo_tryout_fuzz_cidr(const char *text, size_t len)
{
    socklen_t                            sslen;
    const char                          *err;
    struct sockaddr_in                   sin;
    struct sockaddr_in6                  sin6;
    ngx_http_partoo_tryout_addr_cidr_t   cidr;
    ngx_http_partoo_tryout_addr_allow_t  allow;

    err = ngx_http_partoo_tryout_addr_cidr_parse(text, len, &cidr);

    if (err != NULL) {
        ngx_http_partoo_tryout_fuzz_assert(strlen(err) > 0);
        return;
    }

    ngx_http_partoo_tryout_fuzz_assert(cidr.bits <= 128);
    ngx_http_partoo_tryout_fuzz_assert(cidr.family == AF_INET
                                       || cidr.family == AF_INET6);

    /* the range's own first address passes an allow list of the range */

    allow.elts = &cidr;
    allow.nelts = 1;

    if (cidr.family == AF_INET) {
        ngx_http_partoo_tryout_fuzz_assert(cidr.bits >= 96);

        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        memcpy(&sin.sin_addr, &cidr.addr[12], 4);
        sslen = sizeof(sin);

        ngx_http_partoo_tryout_fuzz_assert(
            ngx_http_partoo_tryout_addr_blocked((struct sockaddr *) &sin,
                                                sslen, &allow) == NULL);

    } else {
        memset(&sin6, 0, sizeof(sin6));
        sin6.sin6_family = AF_INET6;
        memcpy(&sin6.sin6_addr, cidr.addr, 16);
        sslen = sizeof(sin6);

        ngx_http_partoo_tryout_fuzz_assert(
            ngx_http_partoo_tryout_addr_blocked((struct sockaddr *) &sin6,
                                                sslen, &allow) == NULL);
    }
}


static void
ngx_http_partoo_tryout_fuzz_literal(const char *text, size_t len)
{
    size_t                               n;
    socklen_t                            sslen, sslen2;
    struct sockaddr_storage              ss, ss2;
    ngx_http_partoo_tryout_addr_host_e   kind;

    /* an address, and the same in brackets as a url host writes it */
    char  buf[NGX_HTTP_PARTOO_TRYOUT_ADDR_STRLEN];
    char  brackets[NGX_HTTP_PARTOO_TRYOUT_ADDR_STRLEN + 2];

    kind = ngx_http_partoo_tryout_addr_literal(text, len, &ss, &sslen);

    ngx_http_partoo_tryout_fuzz_assert(
        kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME
        || kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL
        || kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_BAD_LITERAL);

    if (kind != NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL) {
        return;
    }

    ngx_http_partoo_tryout_fuzz_assert(
        (ss.ss_family == AF_INET && sslen == sizeof(struct sockaddr_in))
        || (ss.ss_family == AF_INET6
            && sslen == sizeof(struct sockaddr_in6)));

    /* never crashes, whatever the address; NULL allow list is valid */

    (void) ngx_http_partoo_tryout_addr_blocked((struct sockaddr *) &ss, sslen,
                                               NULL);

    n = ngx_http_partoo_tryout_addr_format((struct sockaddr *) &ss, sslen,
                                           buf, sizeof(buf));
    ngx_http_partoo_tryout_fuzz_assert(n > 0 && n == strlen(buf));

    /* the canonical text is a literal of the same address */

    if (ss.ss_family == AF_INET6) {
        n = (size_t) snprintf(brackets, sizeof(brackets), "[%s]", buf);

    } else {
        n = (size_t) snprintf(brackets, sizeof(brackets), "%s", buf);
    }

    kind = ngx_http_partoo_tryout_addr_literal(brackets, n, &ss2, &sslen2);

    ngx_http_partoo_tryout_fuzz_assert(
        kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL);
    ngx_http_partoo_tryout_fuzz_assert(sslen2 == sslen);

    if (ss.ss_family == AF_INET) {
        ngx_http_partoo_tryout_fuzz_assert(
            memcmp(&((struct sockaddr_in *) &ss)->sin_addr,
                   &((struct sockaddr_in *) &ss2)->sin_addr, 4) == 0);

    } else {
        ngx_http_partoo_tryout_fuzz_assert(
            memcmp(&((struct sockaddr_in6 *) &ss)->sin6_addr,
                   &((struct sockaddr_in6 *) &ss2)->sin6_addr, 16) == 0);
    }
}


static void
ngx_http_partoo_tryout_fuzz_log_url(const char *text, size_t len)
{
    char        full[NGX_HTTP_PARTOO_TRYOUT_ADDR_URL_LOG_LEN * 9];
    char        again[sizeof(full)], cut[17];
    char       *auth, *slash, *at;
    size_t      n, m, c;

    /* room for every byte escaped: the whole is never cut */

    if (len >= NGX_HTTP_PARTOO_TRYOUT_ADDR_URL_LOG_LEN * 3) {
        len = NGX_HTTP_PARTOO_TRYOUT_ADDR_URL_LOG_LEN * 3 - 1;
    }

    n = ngx_http_partoo_tryout_addr_log_url(text, len, full, sizeof(full));

    ngx_http_partoo_tryout_fuzz_assert(n < sizeof(full));
    ngx_http_partoo_tryout_fuzz_assert(n == strlen(full));
    ngx_http_partoo_tryout_fuzz_assert(n <= 3 * len
                                       || strcmp(full, "(invalid-url)") == 0);

    /* one line, printable ASCII, its quotes kept */

    for (m = 0; m < n; m++) {
        ngx_http_partoo_tryout_fuzz_assert(full[m] > 0x20 && full[m] < 0x7f
                                           && full[m] != '"');
    }

    /* no query, no fragment, no userinfo */

    ngx_http_partoo_tryout_fuzz_assert(strchr(full, '?') == NULL);
    ngx_http_partoo_tryout_fuzz_assert(strchr(full, '#') == NULL);

    auth = strstr(full, "://");

    if (auth != NULL) {
        auth += 3;
        slash = strchr(auth, '/');
        at = strchr(auth, '@');

        ngx_http_partoo_tryout_fuzz_assert(at == NULL
                                           || (slash != NULL && at > slash));
    }

    /* what is logged is logged unchanged */

    m = ngx_http_partoo_tryout_addr_log_url(full, n, again, sizeof(again));

    ngx_http_partoo_tryout_fuzz_assert(m == n && memcmp(again, full, n) == 0);

    /* a small buffer holds a prefix of the whole, an escape cut whole */

    c = ngx_http_partoo_tryout_addr_log_url(text, len, cut, sizeof(cut));

    ngx_http_partoo_tryout_fuzz_assert(c < sizeof(cut) && c == strlen(cut));
    ngx_http_partoo_tryout_fuzz_assert(n < sizeof(cut) ? c == n
                                                       : c <= sizeof(cut) - 1
                                                         && c + 2
                                                            >= sizeof(cut) - 1);
    ngx_http_partoo_tryout_fuzz_assert(memcmp(cut, full, c) == 0);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char  *copy;

    /* an exact-size copy, so ASan sees any read past the input */

    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    ngx_http_partoo_tryout_fuzz_cidr(copy, size);
    ngx_http_partoo_tryout_fuzz_literal(copy, size);
    ngx_http_partoo_tryout_fuzz_log_url(copy, size);

    free(copy);

    return 0;
}
