
/*
 * Copyright (C) Partoo tryout module authors
 *
 * The delivery's diagnostics.  The engines fill them as they go, only
 * when the location asks (d->diag set), so the default path keeps no
 * more of the answer than it did; the object is written once, when the
 * answer is.  Every text goes out as valid JSON whatever bytes the
 * receiver sent: invalid UTF-8 in a header is U+FFFD, a body excerpt
 * that is not UTF-8 is base64.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_partoo_tryout_diag.h"


/* counts (p NULL), then writes: one walk for the length and the text */

typedef struct {
    u_char                  *p;
    size_t                   len;
} ngx_http_partoo_tryout_diag_out_t;


#define ngx_http_partoo_tryout_diag_lit(o, text)                              \
    ngx_http_partoo_tryout_diag_raw(o, text, sizeof(text) - 1)


static void ngx_http_partoo_tryout_diag_raw(
    ngx_http_partoo_tryout_diag_out_t *o, const void *data, size_t len);
static void ngx_http_partoo_tryout_diag_string(
    ngx_http_partoo_tryout_diag_out_t *o, u_char *data, size_t len);
static void ngx_http_partoo_tryout_diag_lines(
    ngx_http_partoo_tryout_diag_out_t *o, const char *first,
    ngx_str_t *head);
static void ngx_http_partoo_tryout_diag_response(
    ngx_http_partoo_tryout_diag_out_t *o, ngx_http_partoo_tryout_diag_t *g);
static void ngx_http_partoo_tryout_diag_timings(
    ngx_http_partoo_tryout_diag_out_t *o, ngx_http_partoo_tryout_delivery_t *d);
static void ngx_http_partoo_tryout_diag_write(
    ngx_http_partoo_tryout_diag_out_t *o, ngx_http_partoo_tryout_delivery_t *d);
static uint32_t ngx_http_partoo_tryout_diag_utf8(u_char **p, u_char *end);
static size_t ngx_http_partoo_tryout_diag_text_len(u_char *data, size_t len,
    ngx_uint_t cut);


ngx_int_t
ngx_http_partoo_tryout_diag_reason(ngx_http_partoo_tryout_diag_t *diag,
    const char *fmt, ...)
{
    u_char   *p, buf[NGX_MAX_ERROR_STR];
    va_list   args;

    va_start(args, fmt);
    p = ngx_vslprintf(buf, buf + sizeof(buf), fmt, args);
    va_end(args);

    diag->reason.data = ngx_pnalloc(diag->pool, p - buf);
    if (diag->reason.data == NULL) {
        return NGX_ERROR;
    }

    diag->reason.len = p - buf;
    ngx_memcpy(diag->reason.data, buf, p - buf);

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_diag_verdict(ngx_http_partoo_tryout_diag_t *diag,
    ngx_http_partoo_tryout_deliver_error_e error, ngx_uint_t status,
    const char *blocked_addr, const char *blocked_range, const char *reason)
{
    switch (error) {

    case NGX_HTTP_PARTOO_TRYOUT_DELIVERED:
        return NGX_OK;

    case NGX_HTTP_PARTOO_TRYOUT_ERR_REDIRECT:
        return ngx_http_partoo_tryout_diag_reason(diag,
                              "the receiver answered %ui, a redirect, which "
                              "is never followed", status);

    case NGX_HTTP_PARTOO_TRYOUT_ERR_STATUS:
        return ngx_http_partoo_tryout_diag_reason(diag,
                              "the receiver answered %ui, not a 2xx", status);

    default:
        break;
    }

    if (error == NGX_HTTP_PARTOO_TRYOUT_ERR_BLOCKED && blocked_range) {
        return ngx_http_partoo_tryout_diag_reason(diag,
                                   "no address allowed: %s is in %s",
                                   blocked_addr, blocked_range);
    }

    if (reason) {
        return ngx_http_partoo_tryout_diag_reason(diag, "%s", reason);
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_diag_status(ngx_http_partoo_tryout_diag_t *diag,
    ngx_uint_t version, u_char *status, size_t len)
{
    u_char  *p;

    len = ngx_min(len, NGX_HTTP_PARTOO_TRYOUT_DIAG_HEADER);

    p = ngx_pnalloc(diag->pool, sizeof("HTTP/. ") - 1 + 2 * NGX_INT_T_LEN
                                + len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    diag->status_line.data = p;
    diag->status_line.len = ngx_sprintf(p, "HTTP/%ui.%ui %*s",
                                        version / 1000, version % 1000,
                                        len, status)
                            - p;

    /* an interim answer's headers are not the final one's */

    if (diag->headers) {
        diag->headers->nelts = 0;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_diag_header(ngx_http_partoo_tryout_diag_t *diag,
    u_char *name, size_t nlen, u_char *value, size_t vlen)
{
    u_char     *p;
    ngx_str_t  *h;

    if (diag->headers == NULL) {
        diag->headers = ngx_array_create(diag->pool, 8, sizeof(ngx_str_t));
        if (diag->headers == NULL) {
            return NGX_ERROR;
        }
    }

    if (diag->headers->nelts == NGX_HTTP_PARTOO_TRYOUT_DIAG_HEADERS) {
        return NGX_OK;
    }

    nlen = ngx_min(nlen, NGX_HTTP_PARTOO_TRYOUT_DIAG_HEADER);
    vlen = ngx_min(vlen, NGX_HTTP_PARTOO_TRYOUT_DIAG_HEADER);

    h = ngx_array_push(diag->headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    p = ngx_pnalloc(diag->pool, nlen + sizeof(": ") - 1 + vlen);
    if (p == NULL) {
        return NGX_ERROR;
    }

    h->data = p;
    p = ngx_cpymem(p, name, nlen);
    *p++ = ':';
    *p++ = ' ';
    p = ngx_cpymem(p, value, vlen);
    h->len = p - h->data;

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_diag_body(ngx_http_partoo_tryout_diag_t *diag,
    u_char *data, size_t len)
{
    size_t  n;

    diag->body_seen += len;

    n = ngx_min(len, NGX_HTTP_PARTOO_TRYOUT_DIAG_BODY - diag->body_len);

    if (n == 0) {
        return NGX_OK;
    }

    if (diag->body == NULL) {
        diag->body = ngx_pnalloc(diag->pool, NGX_HTTP_PARTOO_TRYOUT_DIAG_BODY);
        if (diag->body == NULL) {
            return NGX_ERROR;
        }
    }

    ngx_memcpy(diag->body + diag->body_len, data, n);
    diag->body_len += n;

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_diag_render(ngx_pool_t *pool,
    ngx_http_partoo_tryout_delivery_t *d, ngx_str_t *out)
{
    ngx_http_partoo_tryout_diag_out_t  o;

    o.p = NULL;
    o.len = 0;

    ngx_http_partoo_tryout_diag_write(&o, d);

    out->data = ngx_pnalloc(pool, o.len);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    o.p = out->data;
    o.len = 0;

    ngx_http_partoo_tryout_diag_write(&o, d);

    out->len = o.len;

    return NGX_OK;
}


static void
ngx_http_partoo_tryout_diag_write(ngx_http_partoo_tryout_diag_out_t *o,
    ngx_http_partoo_tryout_delivery_t *d)
{
    u_char                          text[NGX_SOCKADDR_STRLEN];
    size_t                          len;
    ngx_http_partoo_tryout_diag_t  *g;

    g = d->diag;

    ngx_http_partoo_tryout_diag_lit(o, "{\"reason\":");

    if (g->reason.data) {
        ngx_http_partoo_tryout_diag_string(o, g->reason.data, g->reason.len);

    } else {
        ngx_http_partoo_tryout_diag_lit(o, "null");
    }

    ngx_http_partoo_tryout_diag_lit(o, ",\"request\":");

    if (g->request.data) {
        ngx_http_partoo_tryout_diag_lines(o, "{\"request_line\":",
                                          &g->request);

    } else {
        ngx_http_partoo_tryout_diag_lit(o, "null");
    }

    ngx_http_partoo_tryout_diag_lit(o, ",\"response\":");
    ngx_http_partoo_tryout_diag_response(o, g);

    ngx_http_partoo_tryout_diag_lit(o, ",\"timings\":");
    ngx_http_partoo_tryout_diag_timings(o, d);

    ngx_http_partoo_tryout_diag_lit(o, ",\"address\":");

    if (d->peer_len) {
        len = ngx_sock_ntop((struct sockaddr *) &d->peer, d->peer_len, text,
                            NGX_SOCKADDR_STRLEN, 1);
        ngx_http_partoo_tryout_diag_string(o, text, len);

    } else {
        ngx_http_partoo_tryout_diag_lit(o, "null");
    }

    if (d->reused) {
        ngx_http_partoo_tryout_diag_lit(o, ",\"reused\":true}");

    } else {
        ngx_http_partoo_tryout_diag_lit(o, ",\"reused\":false}");
    }
}


/*
 * A head of "line\r\nName: value\r\n...": {first "line", "headers":
 * ["Name: value", ...]}
 */

static void
ngx_http_partoo_tryout_diag_lines(ngx_http_partoo_tryout_diag_out_t *o,
    const char *first, ngx_str_t *head)
{
    u_char      *p, *end, *eol;
    ngx_uint_t   n;

    p = head->data;
    end = head->data + head->len;

    ngx_http_partoo_tryout_diag_raw(o, first, ngx_strlen(first));

    for (n = 0; p < end; n++) {
        eol = ngx_strlchr(p, end, '\r');
        if (eol == NULL) {
            eol = end;
        }

        if (eol == p) {
            break;
        }

        if (n == 1) {
            ngx_http_partoo_tryout_diag_lit(o, ",\"headers\":[");

        } else if (n > 1) {
            ngx_http_partoo_tryout_diag_lit(o, ",");
        }

        ngx_http_partoo_tryout_diag_string(o, p, eol - p);

        p = (eol + 2 <= end) ? eol + 2 : end;
    }

    if (n > 1) {
        ngx_http_partoo_tryout_diag_lit(o, "]}");

    } else {
        ngx_http_partoo_tryout_diag_lit(o, ",\"headers\":[]}");
    }
}


static void
ngx_http_partoo_tryout_diag_response(ngx_http_partoo_tryout_diag_out_t *o,
    ngx_http_partoo_tryout_diag_t *g)
{
    u_char      *b64;
    size_t       len;
    ngx_str_t    src, dst, *h;
    ngx_uint_t   i, cut;

    if (!g->response || g->status_line.data == NULL) {
        ngx_http_partoo_tryout_diag_lit(o, "null");
        return;
    }

    ngx_http_partoo_tryout_diag_lit(o, "{\"status_line\":");
    ngx_http_partoo_tryout_diag_string(o, g->status_line.data,
                                       g->status_line.len);

    ngx_http_partoo_tryout_diag_lit(o, ",\"headers\":[");

    if (g->headers) {
        h = g->headers->elts;

        for (i = 0; i < g->headers->nelts; i++) {
            if (i) {
                ngx_http_partoo_tryout_diag_lit(o, ",");
            }

            ngx_http_partoo_tryout_diag_string(o, h[i].data, h[i].len);
        }
    }

    ngx_http_partoo_tryout_diag_lit(o, "],\"body\":");

    /* a character cut by the 1 KiB limit is left out, not a reason */

    cut = (g->body_seen > (off_t) g->body_len);
    len = ngx_http_partoo_tryout_diag_text_len(g->body, g->body_len, cut);

    if (len != (size_t) -1) {
        ngx_http_partoo_tryout_diag_string(o, g->body, len);
        ngx_http_partoo_tryout_diag_lit(o, ",\"body_base64\":false");

    } else {
        len = ngx_base64_encoded_length(g->body_len);

        if (o->p) {
            b64 = o->p + o->len + 1;
            src.data = g->body;
            src.len = g->body_len;
            dst.data = b64;
            ngx_encode_base64(&dst, &src);
        }

        ngx_http_partoo_tryout_diag_lit(o, "\"");
        o->len += len;
        ngx_http_partoo_tryout_diag_lit(o, "\"");
        ngx_http_partoo_tryout_diag_lit(o, ",\"body_base64\":true");
    }

    if (cut) {
        ngx_http_partoo_tryout_diag_lit(o, ",\"body_truncated\":true}");

    } else {
        ngx_http_partoo_tryout_diag_lit(o, ",\"body_truncated\":false}");
    }
}


/*
 * Each step's own time, in ms; the engines give each as the time since
 * the start at which it ended (NOT_REACHED: never)
 */

static void
ngx_http_partoo_tryout_diag_timings(ngx_http_partoo_tryout_diag_out_t *o,
    ngx_http_partoo_tryout_delivery_t *d)
{
    u_char      buf[NGX_INT_T_LEN + 32];
    ngx_msec_t  prev, at[4];
    ngx_uint_t  i;

    static const char  *names[] = {
        "{\"dns_ms\":", ",\"connect_ms\":", ",\"tls_ms\":",
        ",\"first_byte_ms\":"
    };

    at[0] = d->resolve_time;
    at[1] = d->connect_time;
    at[2] = d->tls_time;
    at[3] = d->first_byte_time;

    prev = 0;

    for (i = 0; i < 4; i++) {
        ngx_http_partoo_tryout_diag_raw(o, names[i], ngx_strlen(names[i]));

        if (at[i] == NGX_HTTP_PARTOO_TRYOUT_NOT_REACHED) {
            ngx_http_partoo_tryout_diag_lit(o, "null");
            continue;
        }

        ngx_http_partoo_tryout_diag_raw(o, buf,
                            ngx_sprintf(buf, "%M",
                                        at[i] > prev ? at[i] - prev : 0)
                            - buf);
        prev = ngx_max(prev, at[i]);
    }

    ngx_http_partoo_tryout_diag_raw(o, buf,
                        ngx_sprintf(buf, ",\"total_ms\":%M}", d->duration)
                        - buf);
}


static void
ngx_http_partoo_tryout_diag_raw(ngx_http_partoo_tryout_diag_out_t *o,
    const void *data, size_t len)
{
    if (o->p) {
        ngx_memcpy(o->p + o->len, data, len);
    }

    o->len += len;
}


/* a JSON string; a byte that is not UTF-8 is U+FFFD */

static void
ngx_http_partoo_tryout_diag_string(ngx_http_partoo_tryout_diag_out_t *o,
    u_char *data, size_t len)
{
    u_char    *p, *start, *end, esc[8];
    uint32_t   u;

    ngx_http_partoo_tryout_diag_lit(o, "\"");

    p = data;
    end = data + len;

    while (p < end) {
        start = p;

        if (*p >= 0x80) {
            u = ngx_http_partoo_tryout_diag_utf8(&p, end);

            if (u == (uint32_t) -1) {
                ngx_http_partoo_tryout_diag_lit(o, "\\ufffd");

            } else {
                ngx_http_partoo_tryout_diag_raw(o, start, p - start);
            }

            continue;
        }

        p++;

        if (*start == '"' || *start == '\\') {
            esc[0] = '\\';
            esc[1] = *start;
            ngx_http_partoo_tryout_diag_raw(o, esc, 2);

        } else if (*start < 0x20 || *start == 0x7f) {
            ngx_http_partoo_tryout_diag_raw(o, esc,
                             ngx_sprintf(esc, "\\u%04xd", (int) *start) - esc);

        } else {
            ngx_http_partoo_tryout_diag_raw(o, start, 1);
        }
    }

    ngx_http_partoo_tryout_diag_lit(o, "\"");
}


/* one character at *p (>= 0x80), *p moved past it; -1: not UTF-8 */

static uint32_t
ngx_http_partoo_tryout_diag_utf8(u_char **p, u_char *end)
{
    u_char    *start;
    uint32_t   u;

    start = *p;

    u = ngx_utf8_decode(p, end - start);

    if (u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff)) {
        *p = start + 1;
        return (uint32_t) -1;
    }

    return u;
}


/*
 * The length of "data" to write as text, -1 when it is not UTF-8; "cut":
 * the body went on, an incomplete last character is dropped.
 */

static size_t
ngx_http_partoo_tryout_diag_text_len(u_char *data, size_t len,
    ngx_uint_t cut)
{
    u_char    *p, *start, *end;
    uint32_t   u;

    p = data;
    end = data + len;

    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }

        start = p;
        u = ngx_utf8_decode(&p, end - start);

        if (u == 0xfffffffe && cut && end - start < 4) {
            return start - data;
        }

        if (u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff)) {
            return (size_t) -1;
        }
    }

    return len;
}
