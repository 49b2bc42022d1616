
/*
 * Copyright (C) Partoo tryout module authors
 */


#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE  1      /* inet_aton() under -std=c99 */
#endif

#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "ngx_http_partoo_tryout_addr.h"


/* longer hosts are left to the check at connect time */
#define NGX_HTTP_PARTOO_TRYOUT_ADDR_HOSTLEN  256


typedef struct {
    unsigned char                        addr[16];
    unsigned int                         bits;
    const char                          *text;
} ngx_http_partoo_tryout_addr_range_t;


/* IPv4 ranges are kept IPv4-mapped, as the allow list is */

#define NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(a, b, c, d, n)                         \
    { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d }, 96 + (n),     \
      #a "." #b "." #c "." #d "/" #n }

#define NGX_HTTP_PARTOO_TRYOUT_ADDR_G(g)  (((g) >> 8) & 0xff), ((g) & 0xff)

#define NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(g0, g1, g2, g3, g4, g5, g6, g7, n, t)  \
    { { NGX_HTTP_PARTOO_TRYOUT_ADDR_G(g0), NGX_HTTP_PARTOO_TRYOUT_ADDR_G(g1), \
        NGX_HTTP_PARTOO_TRYOUT_ADDR_G(g2), NGX_HTTP_PARTOO_TRYOUT_ADDR_G(g3), \
        NGX_HTTP_PARTOO_TRYOUT_ADDR_G(g4), NGX_HTTP_PARTOO_TRYOUT_ADDR_G(g5), \
        NGX_HTTP_PARTOO_TRYOUT_ADDR_G(g6), NGX_HTTP_PARTOO_TRYOUT_ADDR_G(g7)  \
      }, n, t }


/* first match names the range in the log: narrow ranges come first */

static const ngx_http_partoo_tryout_addr_range_t
    ngx_http_partoo_tryout_addr_deny4[] =
{
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(0, 0, 0, 0, 8),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(10, 0, 0, 0, 8),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(100, 64, 0, 0, 10),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(127, 0, 0, 0, 8),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(169, 254, 0, 0, 16),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(172, 16, 0, 0, 12),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(192, 0, 0, 0, 24),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(192, 0, 2, 0, 24),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(192, 88, 99, 0, 24),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(192, 168, 0, 0, 16),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(198, 18, 0, 0, 15),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(198, 51, 100, 0, 24),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(203, 0, 113, 0, 24),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(224, 0, 0, 0, 4),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(255, 255, 255, 255, 32),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V4(240, 0, 0, 0, 4)
};


/*
 * Every IPv6 form that embeds an IPv4 address is refused as a whole
 * range, whatever the IPv4 inside: a gateway or the kernel may carry it
 * to that IPv4 host.  ::ffff:0:0:0/96 (SIIT, RFC 2765) is such a form
 * too, though the contract does not name it.
 */

static const ngx_http_partoo_tryout_addr_range_t
    ngx_http_partoo_tryout_addr_deny6[] =
{
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0, 0, 0, 0, 0, 0, 0, 0, 128, "::/128"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0, 0, 0, 0, 0, 0, 0, 1, 128, "::1/128"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0, 0, 0, 0, 0, 0xffff, 0, 0, 96,
                                   "::ffff:0:0/96"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0, 0, 0, 0, 0, 0, 0, 0, 96, "::/96"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0, 0, 0, 0, 0xffff, 0, 0, 0, 96,
                                   "::ffff:0:0:0/96"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0x64, 0xff9b, 0, 0, 0, 0, 0, 0, 96,
                                   "64:ff9b::/96"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0x64, 0xff9b, 1, 0, 0, 0, 0, 0, 48,
                                   "64:ff9b:1::/48"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0x2002, 0, 0, 0, 0, 0, 0, 0, 16,
                                   "2002::/16"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0x2001, 0, 0, 0, 0, 0, 0, 0, 32,
                                   "2001::/32"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0xfc00, 0, 0, 0, 0, 0, 0, 0, 7,
                                   "fc00::/7"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0xfe80, 0, 0, 0, 0, 0, 0, 0, 10,
                                   "fe80::/10"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0xfec0, 0, 0, 0, 0, 0, 0, 0, 10,
                                   "fec0::/10"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0xff00, 0, 0, 0, 0, 0, 0, 0, 8,
                                   "ff00::/8"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0, 32,
                                   "2001:db8::/32"),
    NGX_HTTP_PARTOO_TRYOUT_ADDR_V6(0x100, 0, 0, 0, 0, 0, 0, 0, 64,
                                   "100::/64")
};


static int
ngx_http_partoo_tryout_addr_match(const unsigned char *addr,
    const unsigned char *net, unsigned int bits)
{
    unsigned int   full;
    unsigned char  mask;

    full = bits / 8;

    if (memcmp(addr, net, full) != 0) {
        return 0;
    }

    if (bits % 8 == 0) {
        return 1;
    }

    mask = (unsigned char) (0xff << (8 - bits % 8));

    return (addr[full] & mask) == (net[full] & mask);
}


static const char *
ngx_http_partoo_tryout_addr_deny(const unsigned char *addr,
    const ngx_http_partoo_tryout_addr_range_t *range, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (ngx_http_partoo_tryout_addr_match(addr, range[i].addr,
                                              range[i].bits))
        {
            return range[i].text;
        }
    }

    return NULL;
}


const char *
ngx_http_partoo_tryout_addr_cidr_parse(const char *text, size_t len,
    ngx_http_partoo_tryout_addr_cidr_t *cidr)
{
    char             buf[NGX_HTTP_PARTOO_TRYOUT_ADDR_STRLEN];
    size_t           alen, plen, i;
    unsigned int     bits, max, skip;
    unsigned char    mask;
    const char      *slash, *p;
    struct in_addr   in;
    struct in6_addr  in6;

    memset(cidr, 0, sizeof(ngx_http_partoo_tryout_addr_cidr_t));

    if (memchr(text, '\0', len) != NULL) {
        return "invalid address";
    }

    slash = memchr(text, '/', len);
    alen = (slash != NULL) ? (size_t) (slash - text) : len;

    if (alen == 0 || alen >= sizeof(buf)) {
        return "invalid address";
    }

    memcpy(buf, text, alen);
    buf[alen] = '\0';

    /* inet_pton(), not inet_aton(): no "127.1" surprises in a config */

    if (inet_pton(AF_INET, buf, &in) == 1) {
        cidr->family = AF_INET;
        cidr->addr[10] = 0xff;
        cidr->addr[11] = 0xff;
        memcpy(&cidr->addr[12], &in, 4);
        max = 32;
        skip = 96;

    } else if (inet_pton(AF_INET6, buf, &in6) == 1) {
        cidr->family = AF_INET6;
        memcpy(cidr->addr, &in6, 16);
        max = 128;
        skip = 0;

    } else {
        return "invalid address";
    }

    bits = max;

    if (slash != NULL) {
        p = slash + 1;
        plen = len - alen - 1;

        if (plen == 0 || plen > 3 || (plen > 1 && p[0] == '0')) {
            return "invalid prefix length";
        }

        bits = 0;

        for (i = 0; i < plen; i++) {
            if (p[i] < '0' || p[i] > '9') {
                return "invalid prefix length";
            }

            bits = bits * 10 + (unsigned int) (p[i] - '0');
        }

        if (bits > max) {
            return (max == 32) ? "prefix length is above 32 for IPv4"
                               : "prefix length is above 128 for IPv6";
        }
    }

    cidr->bits = skip + bits;

    for (i = 0; i < 16; i++) {

        if (i * 8 >= cidr->bits) {
            mask = 0xff;

        } else if ((i + 1) * 8 <= cidr->bits) {
            mask = 0;

        } else {
            mask = (unsigned char) (0xff >> (cidr->bits - i * 8));
        }

        if (cidr->addr[i] & mask) {
            return "address has bits set beyond the prefix length";
        }
    }

    return NULL;
}


/*
 * The allow list sees an IPv4 address and its IPv4-mapped form as one
 * address.  The other embedded forms (::a.b.c.d, NAT64, 6to4, Teredo)
 * are not unwrapped: they reach their IPv4 host only through a gateway
 * that may not be the one the operator means, so allowing one takes an
 * IPv6 range written out, e.g. "64:ff9b::10.20.0.0/112".
 */

const char *
ngx_http_partoo_tryout_addr_blocked(const struct sockaddr *sa, socklen_t len,
    const ngx_http_partoo_tryout_addr_allow_t *allow)
{
    size_t                                      i, n;
    unsigned char                               addr[16];
    struct sockaddr_in                          sin;
    struct sockaddr_in6                         sin6;
    const ngx_http_partoo_tryout_addr_range_t  *deny;

    if (sa == NULL || len < sizeof(sa->sa_family)) {
        return "no address";
    }

    switch (sa->sa_family) {

    case AF_INET:
        if (len < sizeof(struct sockaddr_in)) {
            return "truncated address";
        }

        memcpy(&sin, sa, sizeof(struct sockaddr_in));
        memset(addr, 0, 10);
        addr[10] = 0xff;
        addr[11] = 0xff;
        memcpy(&addr[12], &sin.sin_addr, 4);
        deny = ngx_http_partoo_tryout_addr_deny4;
        n = sizeof(ngx_http_partoo_tryout_addr_deny4)
            / sizeof(ngx_http_partoo_tryout_addr_range_t);
        break;

    case AF_INET6:
        if (len < sizeof(struct sockaddr_in6)) {
            return "truncated address";
        }

        memcpy(&sin6, sa, sizeof(struct sockaddr_in6));
        memcpy(addr, &sin6.sin6_addr, 16);
        deny = ngx_http_partoo_tryout_addr_deny6;
        n = sizeof(ngx_http_partoo_tryout_addr_deny6)
            / sizeof(ngx_http_partoo_tryout_addr_range_t);
        break;

    default:
        return "not an IP address";
    }

    if (allow != NULL) {
        for (i = 0; i < allow->nelts; i++) {
            if (ngx_http_partoo_tryout_addr_match(addr, allow->elts[i].addr,
                                                  allow->elts[i].bits))
            {
                return NULL;
            }
        }
    }

    return ngx_http_partoo_tryout_addr_deny(addr, deny, n);
}


size_t
ngx_http_partoo_tryout_addr_format(const struct sockaddr *sa, socklen_t len,
    char *buf, size_t size)
{
    struct sockaddr_in   sin;
    struct sockaddr_in6  sin6;

    if (size == 0) {
        return 0;
    }

    buf[0] = '\0';

    if (sa == NULL || len < sizeof(sa->sa_family)) {
        return 0;
    }

    if (size > NGX_HTTP_PARTOO_TRYOUT_ADDR_STRLEN) {
        size = NGX_HTTP_PARTOO_TRYOUT_ADDR_STRLEN;
    }

    switch (sa->sa_family) {

    case AF_INET:
        if (len < sizeof(struct sockaddr_in)) {
            return 0;
        }

        memcpy(&sin, sa, sizeof(struct sockaddr_in));

        if (inet_ntop(AF_INET, &sin.sin_addr, buf, (socklen_t) size)
            == NULL)
        {
            buf[0] = '\0';
            return 0;
        }

        break;

    case AF_INET6:
        if (len < sizeof(struct sockaddr_in6)) {
            return 0;
        }

        memcpy(&sin6, sa, sizeof(struct sockaddr_in6));

        if (inet_ntop(AF_INET6, &sin6.sin6_addr, buf, (socklen_t) size)
            == NULL)
        {
            buf[0] = '\0';
            return 0;
        }

        break;

    default:
        return 0;
    }

    return strlen(buf);
}


static int
ngx_http_partoo_tryout_addr_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/* "text" without brackets; the zone id ("%25eth0", "%eth0") is dropped */

static int
ngx_http_partoo_tryout_addr_literal6(const char *text, size_t len,
    struct sockaddr_storage *ss, socklen_t *sslen)
{
    char                 buf[NGX_HTTP_PARTOO_TRYOUT_ADDR_STRLEN];
    const char          *zone;
    struct sockaddr_in6  sin6;

    zone = memchr(text, '%', len);

    if (zone != NULL) {
        len = (size_t) (zone - text);
    }

    if (len == 0 || len >= sizeof(buf) || memchr(text, '\0', len) != NULL) {
        return 0;
    }

    memcpy(buf, text, len);
    buf[len] = '\0';

    memset(&sin6, 0, sizeof(struct sockaddr_in6));
    sin6.sin6_family = AF_INET6;

    if (inet_pton(AF_INET6, buf, &sin6.sin6_addr) != 1) {
        return 0;
    }

    memset(ss, 0, sizeof(struct sockaddr_storage));
    memcpy(ss, &sin6, sizeof(struct sockaddr_in6));
    *sslen = sizeof(struct sockaddr_in6);

    return 1;
}


/*
 * Stricter than libcurl on purpose where it costs nothing: libcurl would
 * resolve "127.0.0.1." or "%31%32%37.0.0.1" as names and reach 127.0.0.1
 * all the same, so they are refused as the literals they are; IPv6 text
 * without its brackets is taken as the address it is, too.
 */

ngx_http_partoo_tryout_addr_host_e
ngx_http_partoo_tryout_addr_literal(const char *host, size_t len,
    struct sockaddr_storage *ss, socklen_t *sslen)
{
    int                  hi, lo;
    char                 c, buf[NGX_HTTP_PARTOO_TRYOUT_ADDR_HOSTLEN];
    size_t               i, n;
    struct sockaddr_in   sin;

    if (len == 0) {
        return NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME;
    }

    if (host[0] == '[') {

        if (len > 2 && host[len - 1] == ']'
            && ngx_http_partoo_tryout_addr_literal6(host + 1, len - 2,
                                                    ss, sslen))
        {
            return NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL;
        }

        return NGX_HTTP_PARTOO_TRYOUT_ADDR_BAD_LITERAL;
    }

    if (memchr(host, ':', len) != NULL) {
        return ngx_http_partoo_tryout_addr_literal6(host, len, ss, sslen)
               ? NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL
               : NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        c = host[i];

        if (c == '%') {
            if (len - i < 3) {
                return NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME;
            }

            hi = ngx_http_partoo_tryout_addr_hex(host[i + 1]);
            lo = ngx_http_partoo_tryout_addr_hex(host[i + 2]);

            if (hi < 0 || lo < 0) {
                return NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME;
            }

            c = (char) (hi * 16 + lo);
            i += 2;
        }

        /*
         * glibc's inet_aton() stops at white space and accepts the rest:
         * only the characters of the BSD forms may reach it
         */

        if (!(ngx_http_partoo_tryout_addr_hex(c) >= 0
              || c == '.' || c == 'x' || c == 'X'))
        {
            return NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME;
        }

        if (n == sizeof(buf) - 1) {
            return NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME;
        }

        buf[n++] = c;
    }

    if (n > 1 && buf[n - 1] == '.') {
        n--;
    }

    buf[n] = '\0';

    memset(&sin, 0, sizeof(struct sockaddr_in));
    sin.sin_family = AF_INET;

    if (inet_aton(buf, &sin.sin_addr) == 0) {
        return NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME;
    }

    memset(ss, 0, sizeof(struct sockaddr_storage));
    memcpy(ss, &sin, sizeof(struct sockaddr_in));
    *sslen = sizeof(struct sockaddr_in);

    return NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL;
}


/*
 * Appends what fits of [p, p + n) at *out, up to *last (room for the NUL
 * is the caller's).  Spaces, control bytes, non-ASCII and '"' are written
 * as %XX: a log line is one line, and its quotes end where the url ends.
 * Once something does not fit, *last = *out: the text is cut there.
 */

static void
ngx_http_partoo_tryout_addr_append(char **out, char **last, const char *p,
    size_t n)
{
    size_t                c;
    static const char     hex[] = "0123456789ABCDEF";

    while (n--) {
        c = (unsigned char) *p++;

        if (c > 0x20 && c < 0x7f && c != '"') {
            if (*out == *last) {
                return;
            }

            *(*out)++ = (char) c;
            continue;
        }

        if (*last - *out < 3) {
            *last = *out;
            return;
        }

        *(*out)++ = '%';
        *(*out)++ = hex[c >> 4];
        *(*out)++ = hex[c & 0xf];
    }
}


size_t
ngx_http_partoo_tryout_addr_log_url(const char *url, size_t len, char *buf,
    size_t size)
{
    char         c, *out, *last;
    size_t       i, n, scheme, auth, host, colon, port, path;
    const char  *unparsed = "(invalid-url)";

    out = buf;
    last = buf + size - 1;

    /* "scheme://": a letter, then letters, digits, "+-." (RFC 3986) */

    for (scheme = 0; scheme < len; scheme++) {
        c = (char) (url[scheme] | 0x20);

        if (c >= 'a' && c <= 'z') {
            continue;
        }

        if (scheme == 0
            || !((url[scheme] >= '0' && url[scheme] <= '9')
                 || url[scheme] == '+' || url[scheme] == '-'
                 || url[scheme] == '.'))
        {
            break;
        }
    }

    if (scheme == 0 || len - scheme < 3
        || memcmp(url + scheme, "://", 3) != 0)
    {
        ngx_http_partoo_tryout_addr_append(&out, &last, unparsed,
                                           strlen(unparsed));
        *out = '\0';
        return (size_t) (out - buf);
    }

    auth = scheme + 3;

    /* the authority ends at the path, the query or the fragment */

    for (path = auth; path < len; path++) {
        if (url[path] == '/' || url[path] == '?' || url[path] == '#') {
            break;
        }
    }

    /* the last "@": whatever a parser takes for userinfo is before it */

    host = auth;

    for (i = auth; i < path; i++) {
        if (url[i] == '@') {
            host = i + 1;
        }
    }

    /*
     * A port that is not all digits is no port: a password with a raw
     * "?" or "#" ("u:pw?x@h") ends the authority inside the userinfo
     */

    colon = path;

    for (i = path; i > host; i--) {
        if (url[i - 1] == ']') {
            break;
        }

        if (url[i - 1] == ':') {
            colon = i - 1;
            break;
        }
    }

    port = colon;

    for (i = colon + 1; i < path; i++) {
        if (url[i] < '0' || url[i] > '9') {
            port = path;
            break;
        }
    }

    /* and the host ends at its first ':' then, after an IPv6 literal */

    if (port == path && colon != path) {
        i = host;

        for (n = host; n < colon; n++) {
            if (url[n] == ']') {
                i = n + 1;
            }
        }

        while (url[i] != ':') {
            i++;
        }

        colon = i;
    }

    for (i = path; i < len; i++) {
        if (url[i] == '?' || url[i] == '#') {
            break;
        }
    }

    ngx_http_partoo_tryout_addr_append(&out, &last, url, auth);
    ngx_http_partoo_tryout_addr_append(&out, &last, url + host, colon - host);

    if (port != path) {
        ngx_http_partoo_tryout_addr_append(&out, &last, url + port,
                                           path - port);
    }

    ngx_http_partoo_tryout_addr_append(&out, &last, url + path, i - path);

    *out = '\0';

    return (size_t) (out - buf);
}
