
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Unit tests of the SSRF address policy; TAP output, exit 1 on failure.
 * Addresses are built with inet_pton() here, independently of the unit.
 */


#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/un.h>

#include "ngx_http_partoo_tryout_addr.h"


typedef struct {
    const char                          *addr;
    const char                          *range;   /* NULL: allowed */
} ngx_http_partoo_tryout_addr_test_t;


typedef struct {
    const char                          *host;
    ngx_http_partoo_tryout_addr_host_e   kind;
    const char                          *addr;    /* when LITERAL */
} ngx_http_partoo_tryout_addr_test_host_t;


typedef struct {
    const char                          *text;
    int                                  family;
    unsigned int                         bits;
    const char                          *error;   /* NULL: valid */
} ngx_http_partoo_tryout_addr_test_cidr_t;


static unsigned int  ngx_http_partoo_tryout_addr_test_run;
static unsigned int  ngx_http_partoo_tryout_addr_test_failed;


static void
ngx_http_partoo_tryout_addr_test_ok(int pass, const char *fmt, ...)
{
    va_list  args;

    ngx_http_partoo_tryout_addr_test_run++;

    if (!pass) {
        ngx_http_partoo_tryout_addr_test_failed++;
    }

    printf("%s %u - ", pass ? "ok" : "not ok",
           ngx_http_partoo_tryout_addr_test_run);

    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);

    printf("\n");
}


static int
ngx_http_partoo_tryout_addr_test_same(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }

    return strcmp(a, b) == 0;
}


/* the sockaddr libcurl would hand to CURLOPT_OPENSOCKETFUNCTION */

static socklen_t
ngx_http_partoo_tryout_addr_test_sockaddr(const char *text,
    struct sockaddr_storage *ss)
{
    struct sockaddr_in   sin;
    struct sockaddr_in6  sin6;

    memset(ss, 0, sizeof(struct sockaddr_storage));

    if (strchr(text, ':') == NULL) {
        memset(&sin, 0, sizeof(struct sockaddr_in));
        sin.sin_family = AF_INET;
        sin.sin_port = htons(443);

        if (inet_pton(AF_INET, text, &sin.sin_addr) != 1) {
            printf("# bad test address \"%s\"\n", text);
            return 0;
        }

        memcpy(ss, &sin, sizeof(struct sockaddr_in));
        return sizeof(struct sockaddr_in);
    }

    memset(&sin6, 0, sizeof(struct sockaddr_in6));
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(443);

    if (inet_pton(AF_INET6, text, &sin6.sin6_addr) != 1) {
        printf("# bad test address \"%s\"\n", text);
        return 0;
    }

    memcpy(ss, &sin6, sizeof(struct sockaddr_in6));
    return sizeof(struct sockaddr_in6);
}


static void
ngx_http_partoo_tryout_addr_test_blocked(
    const ngx_http_partoo_tryout_addr_test_t *t, size_t n,
    const ngx_http_partoo_tryout_addr_allow_t *allow, const char *with)
{
    size_t                    i;
    socklen_t                 len;
    const char               *range;
    struct sockaddr_storage   ss;

    for (i = 0; i < n; i++) {
        len = ngx_http_partoo_tryout_addr_test_sockaddr(t[i].addr, &ss);
        range = ngx_http_partoo_tryout_addr_blocked(
                                    (struct sockaddr *) &ss, len, allow);

        ngx_http_partoo_tryout_addr_test_ok(
            len != 0 && ngx_http_partoo_tryout_addr_test_same(range,
                                                              t[i].range),
            "%s%s %s%s%s", t[i].addr, with,
            t[i].range ? "blocked by " : "allowed",
            t[i].range ? t[i].range : "",
            (range != NULL && t[i].range == NULL) ? " (got blocked)"
            : (range == NULL && t[i].range != NULL) ? " (got allowed)"
            : "");
    }
}


/* first and last address of every range, and a neighbour outside it */

static const ngx_http_partoo_tryout_addr_test_t
    ngx_http_partoo_tryout_addr_test_deny4[] =
{
    { "0.0.0.0", "0.0.0.0/8" },
    { "0.255.255.255", "0.0.0.0/8" },
    { "1.0.0.0", NULL },

    { "9.255.255.255", NULL },
    { "10.0.0.0", "10.0.0.0/8" },
    { "10.255.255.255", "10.0.0.0/8" },
    { "11.0.0.0", NULL },

    { "100.63.255.255", NULL },
    { "100.64.0.0", "100.64.0.0/10" },
    { "100.127.255.255", "100.64.0.0/10" },
    { "100.128.0.0", NULL },

    { "126.255.255.255", NULL },
    { "127.0.0.0", "127.0.0.0/8" },
    { "127.0.0.1", "127.0.0.0/8" },
    { "127.255.255.255", "127.0.0.0/8" },
    { "128.0.0.0", NULL },

    { "169.253.255.255", NULL },
    { "169.254.0.0", "169.254.0.0/16" },
    { "169.254.169.254", "169.254.0.0/16" },
    { "169.254.255.255", "169.254.0.0/16" },
    { "169.255.0.0", NULL },

    { "172.15.255.255", NULL },
    { "172.16.0.0", "172.16.0.0/12" },
    { "172.31.255.255", "172.16.0.0/12" },
    { "172.32.0.0", NULL },

    { "191.255.255.255", NULL },
    { "192.0.0.0", "192.0.0.0/24" },
    { "192.0.0.255", "192.0.0.0/24" },
    { "192.0.1.0", NULL },

    { "192.0.1.255", NULL },
    { "192.0.2.0", "192.0.2.0/24" },
    { "192.0.2.255", "192.0.2.0/24" },
    { "192.0.3.0", NULL },

    { "192.88.98.255", NULL },
    { "192.88.99.0", "192.88.99.0/24" },
    { "192.88.99.255", "192.88.99.0/24" },
    { "192.88.100.0", NULL },

    { "192.167.255.255", NULL },
    { "192.168.0.0", "192.168.0.0/16" },
    { "192.168.255.255", "192.168.0.0/16" },
    { "192.169.0.0", NULL },

    { "198.17.255.255", NULL },
    { "198.18.0.0", "198.18.0.0/15" },
    { "198.19.255.255", "198.18.0.0/15" },
    { "198.20.0.0", NULL },

    { "198.51.99.255", NULL },
    { "198.51.100.0", "198.51.100.0/24" },
    { "198.51.100.255", "198.51.100.0/24" },
    { "198.51.101.0", NULL },

    { "203.0.112.255", NULL },
    { "203.0.113.0", "203.0.113.0/24" },
    { "203.0.113.255", "203.0.113.0/24" },
    { "203.0.114.0", NULL },

    /* 224/4, 240/4 and the broadcast run to the end of the space */
    { "223.255.255.255", NULL },
    { "224.0.0.0", "224.0.0.0/4" },
    { "239.255.255.255", "224.0.0.0/4" },
    { "240.0.0.0", "240.0.0.0/4" },
    { "255.255.255.254", "240.0.0.0/4" },
    { "255.255.255.255", "255.255.255.255/32" },

    /* public */
    { "8.8.8.8", NULL },
    { "1.1.1.1", NULL },
    { "93.184.215.14", NULL }
};


static const ngx_http_partoo_tryout_addr_test_t
    ngx_http_partoo_tryout_addr_test_deny6[] =
{
    /* ::/128 and ::1/128 lie inside ::/96, named first */
    { "::", "::/128" },
    { "::1", "::1/128" },
    { "::2", "::/96" },
    { "::ffff:ffff", "::/96" },
    { "::1:0:0", NULL },

    { "::fffe:ffff:ffff", NULL },
    { "::ffff:0:0", "::ffff:0:0/96" },
    { "::ffff:ffff:ffff", "::ffff:0:0/96" },
    { "::1:0:0:0", NULL },

    { "::fffe:ffff:ffff:ffff", NULL },
    { "::ffff:0:0:0", "::ffff:0:0:0/96" },
    { "::ffff:0:ffff:ffff", "::ffff:0:0:0/96" },
    { "::ffff:1:0:0", NULL },

    { "64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
    { "64:ff9b::", "64:ff9b::/96" },
    { "64:ff9b::ffff:ffff", "64:ff9b::/96" },
    { "64:ff9b::1:0:0", NULL },

    { "64:ff9b:0:ffff:ffff:ffff:ffff:ffff", NULL },
    { "64:ff9b:1::", "64:ff9b:1::/48" },
    { "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "64:ff9b:1::/48" },
    { "64:ff9b:2::", NULL },

    { "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
    { "2002::", "2002::/16" },
    { "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2002::/16" },
    { "2003::", NULL },

    { "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
    { "2001::", "2001::/32" },
    { "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", "2001::/32" },
    { "2001:1::", NULL },

    { "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
    { "fc00::", "fc00::/7" },
    { "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fc00::/7" },
    { "fe00::", NULL },

    { "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
    { "fe80::", "fe80::/10" },
    { "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::/10" },

    /* fec0::/10 borders fe80::/10 below and ff00::/8 above */
    { "fec0::", "fec0::/10" },
    { "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::/10" },

    { "ff00::", "ff00::/8" },
    { "ff02::1", "ff00::/8" },
    { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ff00::/8" },

    { "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
    { "2001:db8::", "2001:db8::/32" },
    { "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::/32" },
    { "2001:db9::", NULL },

    { "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
    { "100::", "100::/64" },
    { "100::ffff:ffff:ffff:ffff", "100::/64" },
    { "100:0:0:1::", NULL },

    /* public */
    { "2606:4700::1111", NULL },
    { "2a00:1450::", NULL },
    { "2001:4860:4860::8888", NULL },

    /* IPv4 embedded in IPv6, public IPv4 inside: refused all the same */
    { "::ffff:8.8.8.8", "::ffff:0:0/96" },
    { "::ffff:127.0.0.1", "::ffff:0:0/96" },
    { "::8.8.8.8", "::/96" },
    { "::127.0.0.1", "::/96" },
    { "::ffff:0:8.8.8.8", "::ffff:0:0:0/96" },
    { "64:ff9b::8.8.8.8", "64:ff9b::/96" },
    { "64:ff9b::127.0.0.1", "64:ff9b::/96" },
    { "64:ff9b:1:808:808::", "64:ff9b:1::/48" },
    { "2002:808:808::1", "2002::/16" },
    { "2002:7f00:1::1", "2002::/16" },
    { "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::/32" }
};


static const char *ngx_http_partoo_tryout_addr_test_allowed[] = {
    "127.0.0.1",
    "10.20.0.0/16",
    "::1",
    "fd00::/8"
};


static const ngx_http_partoo_tryout_addr_test_t
    ngx_http_partoo_tryout_addr_test_allow[] =
{
    { "127.0.0.1", NULL },
    { "127.0.0.2", "127.0.0.0/8" },
    { "126.255.255.255", NULL },

    { "10.20.0.0", NULL },
    { "10.20.0.1", NULL },
    { "10.20.255.255", NULL },
    { "10.19.255.255", "10.0.0.0/8" },
    { "10.21.0.0", "10.0.0.0/8" },

    { "::1", NULL },
    { "::2", "::/96" },
    { "::", "::/128" },

    { "fd00::", NULL },
    { "fd00::1", NULL },
    { "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
    { "fc00::1", "fc00::/7" },
    { "fe80::1", "fe80::/10" },

    /* the IPv4-mapped form is the IPv4 address, for allowing too */
    { "::ffff:127.0.0.1", NULL },
    { "::ffff:127.0.0.2", "::ffff:0:0/96" },
    { "::ffff:10.20.30.40", NULL },
    { "::ffff:10.21.0.1", "::ffff:0:0/96" },

    /* other embedded forms are not unwrapped */
    { "::127.0.0.1", "::/96" },
    { "::ffff:0:127.0.0.1", "::ffff:0:0:0/96" },
    { "64:ff9b::127.0.0.1", "64:ff9b::/96" },
    { "64:ff9b::10.20.0.1", "64:ff9b::/96" },
    { "2002:7f00:1::", "2002::/16" },
    { "2002:a14:1::", "2002::/16" },

    { "8.8.8.8", NULL },
    { "2606:4700::1111", NULL }
};


static const char *ngx_http_partoo_tryout_addr_test_allowed_mapped[] = {
    "::ffff:192.168.1.0/120",
    "64:ff9b::10.20.0.0/112",
    "2001:db8::/32"
};


static const ngx_http_partoo_tryout_addr_test_t
    ngx_http_partoo_tryout_addr_test_allow_mapped[] =
{
    { "192.168.1.7", NULL },
    { "::ffff:192.168.1.7", NULL },
    { "192.168.2.7", "192.168.0.0/16" },
    { "64:ff9b::10.20.0.9", NULL },
    { "64:ff9b::10.21.0.9", "64:ff9b::/96" },
    { "10.20.0.9", "10.0.0.0/8" },
    { "2001:db8::1", NULL },
    { "2001:db9::1", NULL }
};


static const char *ngx_http_partoo_tryout_addr_test_allowed_all4[] = {
    "0.0.0.0/0"
};


static const ngx_http_partoo_tryout_addr_test_t
    ngx_http_partoo_tryout_addr_test_allow_all4[] =
{
    { "127.0.0.1", NULL },
    { "255.255.255.255", NULL },
    { "::ffff:10.0.0.1", NULL },
    { "::1", "::1/128" },
    { "fe80::1", "fe80::/10" },
    { "::10.0.0.1", "::/96" }
};


static const ngx_http_partoo_tryout_addr_test_cidr_t
    ngx_http_partoo_tryout_addr_test_cidrs[] =
{
    { "127.0.0.1", AF_INET, 128, NULL },
    { "10.20.0.0/16", AF_INET, 112, NULL },
    { "0.0.0.0/0", AF_INET, 96, NULL },
    { "255.255.255.255/32", AF_INET, 128, NULL },
    { "::1", AF_INET6, 128, NULL },
    { "fd00::/8", AF_INET6, 8, NULL },
    { "::/0", AF_INET6, 0, NULL },
    { "fe80::/10", AF_INET6, 10, NULL },
    { "::ffff:127.0.0.1", AF_INET6, 128, NULL },
    { "2001:db8::/32", AF_INET6, 32, NULL },
    { "10.20.0.0/15", AF_INET, 111, NULL },
    { "fe80::/9", AF_INET6, 9, NULL },
    { "10.21.0.0/15", AF_INET, 0, "address has bits set beyond the prefix"
                                  " length" },

    { "", 0, 0, "invalid address" },
    { "/8", 0, 0, "invalid address" },
    { "garbage", 0, 0, "invalid address" },
    { "localhost", 0, 0, "invalid address" },
    { "10.20.0.0.0/16", 0, 0, "invalid address" },
    { "256.0.0.0/8", 0, 0, "invalid address" },
    { "127.1", 0, 0, "invalid address" },
    { "0x7f.0.0.1", 0, 0, "invalid address" },
    { "2130706433", 0, 0, "invalid address" },
    { " 127.0.0.1", 0, 0, "invalid address" },
    { "127.0.0.1 ", 0, 0, "invalid address" },
    { "[::1]", 0, 0, "invalid address" },
    { "fe80::1%eth0", 0, 0, "invalid address" },
    { "1:2:3:4:5:6:7:8:9", 0, 0, "invalid address" },
    { "0000:0000:0000:0000:0000:0000:0000:0000:0000", 0, 0,
      "invalid address" },

    { "10.20.0.0/", 0, 0, "invalid prefix length" },
    { "10.20.0.0/x", 0, 0, "invalid prefix length" },
    { "10.20.0.0/-1", 0, 0, "invalid prefix length" },
    { "10.20.0.0/+16", 0, 0, "invalid prefix length" },
    { "10.20.0.0/ 16", 0, 0, "invalid prefix length" },
    { "10.20.0.0/16 ", 0, 0, "invalid prefix length" },
    { "10.20.0.0/016", 0, 0, "invalid prefix length" },
    { "10.20.0.0/1000", 0, 0, "invalid prefix length" },
    { "10.20.0.0/16/8", 0, 0, "invalid prefix length" },
    { "10.20.0.0/0x10", 0, 0, "invalid prefix length" },

    { "10.0.0.0/33", 0, 0, "prefix length is above 32 for IPv4" },
    { "0.0.0.0/999", 0, 0, "prefix length is above 32 for IPv4" },
    { "::/129", 0, 0, "prefix length is above 128 for IPv6" },

    { "10.20.1.0/16", 0, 0, "address has bits set beyond the prefix length" },
    { "10.20.0.1/31", 0, 0, "address has bits set beyond the prefix length" },
    { "128.0.0.0/0", 0, 0, "address has bits set beyond the prefix length" },
    { "fd00::1/8", 0, 0, "address has bits set beyond the prefix length" },
    { "fd80::/8", 0, 0, "address has bits set beyond the prefix length" },
    { "fe80::/8", 0, 0, "address has bits set beyond the prefix length" },
    { "::1/127", 0, 0, "address has bits set beyond the prefix length" }
};


static const ngx_http_partoo_tryout_addr_test_host_t
    ngx_http_partoo_tryout_addr_test_hosts[] =
{
    { "127.0.0.1", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "127.0.0.1" },
    { "2130706433", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "127.0.0.1" },
    { "0177.0.0.1", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "127.0.0.1" },
    { "0177.0000.0000.0001", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL,
      "127.0.0.1" },
    { "017700000001", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "127.0.0.1" },
    { "0x7f.0.0.1", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "127.0.0.1" },
    { "0X7F.0x0.0x0.0x1", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "127.0.0.1" },
    { "0x7f000001", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "127.0.0.1" },
    { "127.1", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "127.0.0.1" },
    { "127.0.1", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "127.0.0.1" },
    { "0x7f.1", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "127.0.0.1" },
    { "0", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "0.0.0.0" },
    { "169.254.43518", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL,
      "169.254.169.254" },
    { "10.1", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "10.0.0.1" },
    { "8.8.8.8", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "8.8.8.8" },
    { "127.0.0.1.", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "127.0.0.1" },
    { "%31%32%37.0.0.1", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "127.0.0.1" },
    { "%30x7f%2e1", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "127.0.0.1" },

    { "[::1]", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "::1" },
    { "[::]", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "::" },
    { "[fe80::1%25eth0]", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "fe80::1" },
    { "[fe80::1%eth0]", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "fe80::1" },
    { "[FE80::1%251]", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "fe80::1" },
    { "[::ffff:127.0.0.1]", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL,
      "::ffff:127.0.0.1" },
    { "[::ffff:7f00:1]", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL,
      "::ffff:127.0.0.1" },
    { "[64:ff9b::7f00:1]", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL,
      "64:ff9b::7f00:1" },
    { "[2606:4700::1111]", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL,
      "2606:4700::1111" },

    { "[]", NGX_HTTP_PARTOO_TRYOUT_ADDR_BAD_LITERAL, NULL },
    { "[", NGX_HTTP_PARTOO_TRYOUT_ADDR_BAD_LITERAL, NULL },
    { "[::1", NGX_HTTP_PARTOO_TRYOUT_ADDR_BAD_LITERAL, NULL },
    { "[::1]:443", NGX_HTTP_PARTOO_TRYOUT_ADDR_BAD_LITERAL, NULL },
    { "[%25eth0]", NGX_HTTP_PARTOO_TRYOUT_ADDR_BAD_LITERAL, NULL },
    { "[127.0.0.1]", NGX_HTTP_PARTOO_TRYOUT_ADDR_BAD_LITERAL, NULL },
    { "[example.com]", NGX_HTTP_PARTOO_TRYOUT_ADDR_BAD_LITERAL, NULL },

    { "", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "example.com", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "127.0.0.1.nip.io", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "localhost", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "deadbeef", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "cafe.be", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "1.2.3.4.5", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "256.0.0.1", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "4294967296", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "08.0.0.1", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "127..1", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { ".127.0.0.1", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "127.0.0.1 x", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "127.0.0.1%", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "127.0.0.1%2", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "127.0.0.1%00", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },
    { "0x7f.0.0.1:443", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL },

    /* without brackets libcurl refuses the url; taken as the address */
    { "::1", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "::1" },
    { "fe80::1%25eth0", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL, "fe80::1" },
    { "::ffff:127.0.0.1", NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL,
      "::ffff:127.0.0.1" },
    { "example.com:443", NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME, NULL }
};


static void
ngx_http_partoo_tryout_addr_test_allow_list(const char **texts, size_t n,
    ngx_http_partoo_tryout_addr_cidr_t *cidrs,
    ngx_http_partoo_tryout_addr_allow_t *allow)
{
    size_t       i;
    const char  *err;

    for (i = 0; i < n; i++) {
        err = ngx_http_partoo_tryout_addr_cidr_parse(texts[i],
                                                     strlen(texts[i]),
                                                     &cidrs[i]);
        ngx_http_partoo_tryout_addr_test_ok(err == NULL,
                                            "allow list entry \"%s\" parses",
                                            texts[i]);
    }

    allow->elts = cidrs;
    allow->nelts = n;
}


static void
ngx_http_partoo_tryout_addr_test_cidr(void)
{
    size_t                                          i, n;
    const char                                     *err;
    ngx_http_partoo_tryout_addr_cidr_t              cidr;
    const ngx_http_partoo_tryout_addr_test_cidr_t  *t;

    t = ngx_http_partoo_tryout_addr_test_cidrs;
    n = sizeof(ngx_http_partoo_tryout_addr_test_cidrs)
        / sizeof(ngx_http_partoo_tryout_addr_test_cidr_t);

    for (i = 0; i < n; i++) {
        err = ngx_http_partoo_tryout_addr_cidr_parse(t[i].text,
                                                     strlen(t[i].text),
                                                     &cidr);

        if (t[i].error == NULL) {
            ngx_http_partoo_tryout_addr_test_ok(
                err == NULL && cidr.family == t[i].family
                && cidr.bits == t[i].bits,
                "cidr \"%s\" parses to family %d, %u bits (%s)", t[i].text,
                t[i].family, t[i].bits, err ? err : "ok");

        } else {
            ngx_http_partoo_tryout_addr_test_ok(
                ngx_http_partoo_tryout_addr_test_same(err, t[i].error),
                "cidr \"%s\" is refused: %s (got %s)", t[i].text,
                t[i].error, err ? err : "no error");
        }
    }

    /* nginx strings are not NUL-terminated */

    err = ngx_http_partoo_tryout_addr_cidr_parse("10.20.0.0/16trailer", 12,
                                                 &cidr);
    ngx_http_partoo_tryout_addr_test_ok(
        err == NULL && cidr.family == AF_INET && cidr.bits == 96 + 16,
        "cidr parse honours the length of an unterminated string");

    err = ngx_http_partoo_tryout_addr_cidr_parse("127.0.0.1\0/8", 12, &cidr);
    ngx_http_partoo_tryout_addr_test_ok(err != NULL,
                                        "cidr with an embedded NUL is "
                                        "refused");
}


static void
ngx_http_partoo_tryout_addr_test_hosts_run(void)
{
    size_t                                          i, n, len;
    char                                            text[64];
    socklen_t                                       sslen;
    struct sockaddr_storage                         ss;
    ngx_http_partoo_tryout_addr_host_e              kind;
    const ngx_http_partoo_tryout_addr_test_host_t  *t;

    t = ngx_http_partoo_tryout_addr_test_hosts;
    n = sizeof(ngx_http_partoo_tryout_addr_test_hosts)
        / sizeof(ngx_http_partoo_tryout_addr_test_host_t);

    for (i = 0; i < n; i++) {
        memset(&ss, 0xaa, sizeof(struct sockaddr_storage));
        sslen = 0;
        text[0] = '\0';

        kind = ngx_http_partoo_tryout_addr_literal(t[i].host,
                                                   strlen(t[i].host),
                                                   &ss, &sslen);

        if (kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL) {
            len = ngx_http_partoo_tryout_addr_format((struct sockaddr *) &ss,
                                                     sslen, text,
                                                     sizeof(text));
            if (len == 0) {
                strcpy(text, "(unformattable)");
            }
        }

        ngx_http_partoo_tryout_addr_test_ok(
            kind == t[i].kind
            && (t[i].addr == NULL || strcmp(text, t[i].addr) == 0),
            "host \"%s\" is %s%s (got %d %s)", t[i].host,
            t[i].kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL ? "literal "
            : t[i].kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME ? "not a literal"
            : "a bad literal",
            t[i].addr ? t[i].addr : "", (int) kind, text);
    }

    /* every literal form of 127.0.0.1 is blocked, and allowed explicitly */

    kind = ngx_http_partoo_tryout_addr_literal("0x7f.1", 6, &ss, &sslen);
    ngx_http_partoo_tryout_addr_test_ok(
        kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL
        && sslen == sizeof(struct sockaddr_in)
        && ss.ss_family == AF_INET
        && ngx_http_partoo_tryout_addr_test_same(
               ngx_http_partoo_tryout_addr_blocked((struct sockaddr *) &ss,
                                                   sslen, NULL),
               "127.0.0.0/8"),
        "literal \"0x7f.1\" is blocked by 127.0.0.0/8");

    kind = ngx_http_partoo_tryout_addr_literal("[fe80::1%25eth0]", 16,
                                               &ss, &sslen);
    ngx_http_partoo_tryout_addr_test_ok(
        kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL
        && sslen == sizeof(struct sockaddr_in6)
        && ss.ss_family == AF_INET6
        && ngx_http_partoo_tryout_addr_test_same(
               ngx_http_partoo_tryout_addr_blocked((struct sockaddr *) &ss,
                                                   sslen, NULL),
               "fe80::/10"),
        "literal \"[fe80::1%%25eth0]\" is blocked by fe80::/10");

    /* the length bounds the host, not a NUL */

    kind = ngx_http_partoo_tryout_addr_literal("127.1:443", 5, &ss, &sslen);
    ngx_http_partoo_tryout_addr_test_ok(
        kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL,
        "host length bounds an unterminated literal");

    kind = ngx_http_partoo_tryout_addr_literal("[::1]/path", 5, &ss, &sslen);
    ngx_http_partoo_tryout_addr_test_ok(
        kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL,
        "host length bounds an unterminated IPv6 literal");

    kind = ngx_http_partoo_tryout_addr_literal("127.0.0.1\0.x", 12,
                                               &ss, &sslen);
    ngx_http_partoo_tryout_addr_test_ok(
        kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME,
        "host with an embedded NUL is not a literal");
}


static void
ngx_http_partoo_tryout_addr_test_misc(void)
{
    char                     buf[NGX_HTTP_PARTOO_TRYOUT_ADDR_STRLEN];
    size_t                   len;
    socklen_t                sslen;
    struct sockaddr_un       sun;
    struct sockaddr_storage  ss;

    sslen = ngx_http_partoo_tryout_addr_test_sockaddr("127.0.0.1", &ss);
    len = ngx_http_partoo_tryout_addr_format((struct sockaddr *) &ss, sslen,
                                             buf, sizeof(buf));
    ngx_http_partoo_tryout_addr_test_ok(len == 9
                                        && strcmp(buf, "127.0.0.1") == 0,
                                        "format 127.0.0.1");

    sslen = ngx_http_partoo_tryout_addr_test_sockaddr("::1", &ss);
    len = ngx_http_partoo_tryout_addr_format((struct sockaddr *) &ss, sslen,
                                             buf, sizeof(buf));
    ngx_http_partoo_tryout_addr_test_ok(len == 3 && strcmp(buf, "::1") == 0,
                                        "format ::1");

    sslen = ngx_http_partoo_tryout_addr_test_sockaddr(
                                 "ffff:ffff:ffff:ffff:ffff:ffff:1.2.3.4", &ss);
    len = ngx_http_partoo_tryout_addr_format((struct sockaddr *) &ss, sslen,
                                             buf, sizeof(buf));
    ngx_http_partoo_tryout_addr_test_ok(len == strlen(buf) && len > 0
                                        && len < sizeof(buf),
                                        "format the longest IPv6 text: %s",
                                        buf);

    sslen = ngx_http_partoo_tryout_addr_test_sockaddr("255.255.255.255", &ss);
    len = ngx_http_partoo_tryout_addr_format((struct sockaddr *) &ss, sslen,
                                             buf, 8);
    ngx_http_partoo_tryout_addr_test_ok(len == 0 && buf[0] == '\0',
                                        "format into a short buffer gives "
                                        "an empty string");

    len = ngx_http_partoo_tryout_addr_format((struct sockaddr *) &ss,
                                             sslen - 1, buf, sizeof(buf));
    ngx_http_partoo_tryout_addr_test_ok(len == 0 && buf[0] == '\0',
                                        "format a truncated sockaddr");

    memset(&sun, 0, sizeof(struct sockaddr_un));
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, "/tmp/sock");

    len = ngx_http_partoo_tryout_addr_format((struct sockaddr *) &sun,
                                             sizeof(struct sockaddr_un),
                                             buf, sizeof(buf));
    ngx_http_partoo_tryout_addr_test_ok(len == 0, "format AF_UNIX fails");

    /* anything that is not a whole IP address is refused */

    ngx_http_partoo_tryout_addr_test_ok(
        ngx_http_partoo_tryout_addr_blocked((struct sockaddr *) &sun,
                                            sizeof(struct sockaddr_un),
                                            NULL) != NULL,
        "AF_UNIX is blocked");

    ngx_http_partoo_tryout_addr_test_ok(
        ngx_http_partoo_tryout_addr_blocked(NULL, 0, NULL) != NULL,
        "no address is blocked");

    sslen = ngx_http_partoo_tryout_addr_test_sockaddr("8.8.8.8", &ss);
    ngx_http_partoo_tryout_addr_test_ok(
        ngx_http_partoo_tryout_addr_blocked((struct sockaddr *) &ss,
                                            sslen - 1, NULL) != NULL,
        "a truncated IPv4 sockaddr is blocked");

    sslen = ngx_http_partoo_tryout_addr_test_sockaddr("2606:4700::1111", &ss);
    ngx_http_partoo_tryout_addr_test_ok(
        ngx_http_partoo_tryout_addr_blocked((struct sockaddr *) &ss,
                                            sslen - 1, NULL) != NULL,
        "a truncated IPv6 sockaddr is blocked");
}


typedef struct {
    const char                          *url;
    const char                          *logged;
} ngx_http_partoo_tryout_addr_test_log_url_t;


static const ngx_http_partoo_tryout_addr_test_log_url_t
    ngx_http_partoo_tryout_addr_test_log_urls[] = {
    { "https://example.com/hook", "https://example.com/hook" },
    { "https://example.com", "https://example.com" },
    { "https://example.com:8443/a/b", "https://example.com:8443/a/b" },
    { "https://user:SECRETPW@example.com:8443/x?token=SECRET#frag",
      "https://example.com:8443/x" },
    { "https://user@example.com/x", "https://example.com/x" },
    { "https://a@b:c@example.com/x", "https://example.com/x" },
    { "https://user:pw@example.com?token=SECRET", "https://example.com" },
    { "https://example.com#SECRET", "https://example.com" },
    { "https://u:p@[::1]:443/x?q", "https://[::1]:443/x" },
    { "https://example.com/x@y?z", "https://example.com/x@y" },
    { "HTTPS://User:PW@Example.COM/X", "HTTPS://Example.COM/X" },
    { "https://u:SECRET?x@example.com/", "https://u" },
    { "https://u:SECRET#x@example.com/", "https://u" },
    { "https://example.com:/x", "https://example.com:/x" },
    { "https://a:b:SECRET?@h", "https://a" },
    { "https://a:b:443/x", "https://a:b:443/x" },
    { "https://[::1]:SECRET#@h", "https://[::1]" },
    { "https://[::1]/x", "https://[::1]/x" },
    { "https://[fe80::1%25eth0]:8443", "https://[fe80::1%25eth0]:8443" },
    { "example.com/x?token=SECRET", "(invalid-url)" },
    { "://example.com", "(invalid-url)" },
    { "1https://example.com", "(invalid-url)" },
    { "https:/example.com?SECRET", "(invalid-url)" },
    { "", "(invalid-url)" },
    { "https://h/a b\r\n\"x\"\xc3\xa9?q",
      "https://h/a%20b%0D%0A%22x%22%C3%A9" },
};


static void
ngx_http_partoo_tryout_addr_test_log_url(void)
{
    char         buf[NGX_HTTP_PARTOO_TRYOUT_ADDR_URL_LOG_LEN], small[12];
    size_t       i, len;
    const char  *url;

    for (i = 0;
         i < sizeof(ngx_http_partoo_tryout_addr_test_log_urls)
             / sizeof(ngx_http_partoo_tryout_addr_test_log_urls[0]);
         i++)
    {
        url = ngx_http_partoo_tryout_addr_test_log_urls[i].url;

        len = ngx_http_partoo_tryout_addr_log_url(url, strlen(url), buf,
                                                  sizeof(buf));

        ngx_http_partoo_tryout_addr_test_ok(
            len == strlen(buf)
            && strcmp(buf, ngx_http_partoo_tryout_addr_test_log_urls[i].logged)
               == 0,
            "log url \"%s\": \"%s\"", url, buf);
    }

    /* cut at the buffer, NUL-terminated */

    url = "https://u:pw@example.com/long/path?q";
    len = ngx_http_partoo_tryout_addr_log_url(url, strlen(url), small,
                                              sizeof(small));
    ngx_http_partoo_tryout_addr_test_ok(len == 11
                                        && strcmp(small, "https://exa") == 0,
                                        "log url cut: \"%s\"", small);

    len = ngx_http_partoo_tryout_addr_log_url(url, strlen(url), small, 1);
    ngx_http_partoo_tryout_addr_test_ok(len == 0 && small[0] == '\0',
                                        "log url in one byte");

    /* an escape is cut whole */

    url = "https://h/\r\n";
    len = ngx_http_partoo_tryout_addr_log_url(url, strlen(url), small,
                                              sizeof(small));
    ngx_http_partoo_tryout_addr_test_ok(len == 10
                                        && strcmp(small, "https://h/") == 0,
                                        "log url cut before an escape: \"%s\"",
                                        small);

    /* "len" bytes only: a NUL or more text after them is not read */

    len = ngx_http_partoo_tryout_addr_log_url("https://h/x?q", 10, buf,
                                              sizeof(buf));
    ngx_http_partoo_tryout_addr_test_ok(len == 10
                                        && strcmp(buf, "https://h/") == 0,
                                        "log url of a prefix: \"%s\"", buf);
}


int
main(void)
{
    ngx_http_partoo_tryout_addr_cidr_t   cidrs[8];
    ngx_http_partoo_tryout_addr_allow_t  allow, empty;

#define ngx_http_partoo_tryout_addr_test_n(a)  (sizeof(a) / sizeof(a[0]))

    ngx_http_partoo_tryout_addr_test_blocked(
        ngx_http_partoo_tryout_addr_test_deny4,
        ngx_http_partoo_tryout_addr_test_n(
            ngx_http_partoo_tryout_addr_test_deny4),
        NULL, "");

    ngx_http_partoo_tryout_addr_test_blocked(
        ngx_http_partoo_tryout_addr_test_deny6,
        ngx_http_partoo_tryout_addr_test_n(
            ngx_http_partoo_tryout_addr_test_deny6),
        NULL, "");

    empty.elts = NULL;
    empty.nelts = 0;

    ngx_http_partoo_tryout_addr_test_blocked(
        ngx_http_partoo_tryout_addr_test_deny4, 6, &empty,
        " (empty allow list)");

    ngx_http_partoo_tryout_addr_test_allow_list(
        ngx_http_partoo_tryout_addr_test_allowed,
        ngx_http_partoo_tryout_addr_test_n(
            ngx_http_partoo_tryout_addr_test_allowed),
        cidrs, &allow);

    ngx_http_partoo_tryout_addr_test_blocked(
        ngx_http_partoo_tryout_addr_test_allow,
        ngx_http_partoo_tryout_addr_test_n(
            ngx_http_partoo_tryout_addr_test_allow),
        &allow, " (allow 127.0.0.1 10.20.0.0/16 ::1 fd00::/8)");

    ngx_http_partoo_tryout_addr_test_allow_list(
        ngx_http_partoo_tryout_addr_test_allowed_mapped,
        ngx_http_partoo_tryout_addr_test_n(
            ngx_http_partoo_tryout_addr_test_allowed_mapped),
        cidrs, &allow);

    ngx_http_partoo_tryout_addr_test_blocked(
        ngx_http_partoo_tryout_addr_test_allow_mapped,
        ngx_http_partoo_tryout_addr_test_n(
            ngx_http_partoo_tryout_addr_test_allow_mapped),
        &allow, " (allow ::ffff:192.168.1.0/120 64:ff9b::10.20.0.0/112"
                " 2001:db8::/32)");

    ngx_http_partoo_tryout_addr_test_allow_list(
        ngx_http_partoo_tryout_addr_test_allowed_all4,
        ngx_http_partoo_tryout_addr_test_n(
            ngx_http_partoo_tryout_addr_test_allowed_all4),
        cidrs, &allow);

    ngx_http_partoo_tryout_addr_test_blocked(
        ngx_http_partoo_tryout_addr_test_allow_all4,
        ngx_http_partoo_tryout_addr_test_n(
            ngx_http_partoo_tryout_addr_test_allow_all4),
        &allow, " (allow 0.0.0.0/0)");

    ngx_http_partoo_tryout_addr_test_cidr();
    ngx_http_partoo_tryout_addr_test_hosts_run();
    ngx_http_partoo_tryout_addr_test_misc();
    ngx_http_partoo_tryout_addr_test_log_url();

    printf("1..%u\n", ngx_http_partoo_tryout_addr_test_run);

    if (ngx_http_partoo_tryout_addr_test_failed) {
        printf("# %u of %u tests failed\n",
               ngx_http_partoo_tryout_addr_test_failed,
               ngx_http_partoo_tryout_addr_test_run);
        return 1;
    }

    return 0;
}
