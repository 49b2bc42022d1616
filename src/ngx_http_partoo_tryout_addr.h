
/*
 * Copyright (C) Partoo tryout module authors
 *
 * SSRF address policy for webhook test deliveries (README "The SSRF policy").
 * Plain C on POSIX socket types: no nginx types and no mutable state, so
 * it is unit-tested alone and is safe to call from any thread, including
 * libcurl's CURLOPT_OPENSOCKETFUNCTION in a thread pool.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_ADDR_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_ADDR_H_INCLUDED_


#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>


/* room for any text ..._addr_format() writes, NUL included */
#define NGX_HTTP_PARTOO_TRYOUT_ADDR_STRLEN  INET6_ADDRSTRLEN


/*
 * One "partoo_tryout_allow_address" range.  IPv4 is kept in its
 * IPv4-mapped form (::ffff:a.b.c.d, prefix + 96), so "allow 127.0.0.1"
 * covers both 127.0.0.1 and ::ffff:127.0.0.1, as the kernel treats them
 * as the same destination.
 */

typedef struct {
    unsigned char                        addr[16];
    unsigned int                         bits;    /* over the 128 bits */
    int                                  family;  /* as written */
} ngx_http_partoo_tryout_addr_cidr_t;


/* a view on caller-owned ranges, e.g. the elts of an ngx_array_t */

typedef struct {
    const ngx_http_partoo_tryout_addr_cidr_t  *elts;
    size_t                                     nelts;
} ngx_http_partoo_tryout_addr_allow_t;


typedef enum {
    NGX_HTTP_PARTOO_TRYOUT_ADDR_NAME = 0,     /* not an IP literal */
    NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL,      /* the address is filled in */
    NGX_HTTP_PARTOO_TRYOUT_ADDR_BAD_LITERAL   /* "[...]" but no IPv6 address */
} ngx_http_partoo_tryout_addr_host_e;


/*
 * Parses "len" bytes of "text": "10.20.0.0/16", "127.0.0.1" (/32),
 * "::1" (/128), "fd00::/8".  Only canonical dotted quads are accepted
 * here, not the BSD short forms.  Returns NULL, or a static message for
 * the "nginx -t" error.
 */
const char *ngx_http_partoo_tryout_addr_cidr_parse(const char *text,
    size_t len, ngx_http_partoo_tryout_addr_cidr_t *cidr);

/*
 * NULL when a connection to "sa" is permitted, else the deny range that
 * refuses it as static text ("10.0.0.0/8") for the log.  The allow list
 * ("allow" may be NULL) wins over the deny list.  Anything that is not
 * a complete AF_INET or AF_INET6 address is refused.
 */
const char *ngx_http_partoo_tryout_addr_blocked(const struct sockaddr *sa,
    socklen_t len, const ngx_http_partoo_tryout_addr_allow_t *allow);

/*
 * Writes "127.0.0.1" or "::1" into "buf" (NUL-terminated); returns the
 * length, or 0 when the address or the buffer does not fit.
 */
size_t ngx_http_partoo_tryout_addr_format(const struct sockaddr *sa,
    socklen_t len, char *buf, size_t size);

/*
 * Interprets the host part of a url as libcurl would when it is an IP
 * literal: the BSD forms of inet_aton ("2130706433", "0177.0.0.1",
 * "0x7f.1"), also percent-encoded or with one trailing dot, and "[v6]"
 * with an optional zone id ("[fe80::1%25eth0]"), which is dropped.  On
 * LITERAL, "ss" and "sslen" hold the address, port 0.  NAME is left to
 * the resolver and the check of every address at connect time.
 */
ngx_http_partoo_tryout_addr_host_e ngx_http_partoo_tryout_addr_literal(
    const char *host, size_t len, struct sockaddr_storage *ss,
    socklen_t *sslen);

/*
 * A delivery url as it may be logged: scheme, host, port and path, with
 * no userinfo, query or fragment, where receivers put credentials
 * ("https://u:pw@h:8443/x?token=t#f" is "https://h:8443/x"); spaces,
 * control bytes, non-ASCII and '"' as %XX.  Writes at most "size" - 1
 * bytes and a NUL into "buf" (size > 0), cutting a longer url; returns
 * the length written.  Text without "scheme://" is written as
 * "(invalid-url)": nothing of it can be told safe.  Any bytes, any
 * thread; "buf" of NGX_HTTP_PARTOO_TRYOUT_ADDR_URL_LOG_LEN holds any url
 * the validator accepts.
 */
size_t ngx_http_partoo_tryout_addr_log_url(const char *url, size_t len,
    char *buf, size_t size);

#define NGX_HTTP_PARTOO_TRYOUT_ADDR_URL_LOG_LEN  2049


#endif /* _NGX_HTTP_PARTOO_TRYOUT_ADDR_H_INCLUDED_ */
