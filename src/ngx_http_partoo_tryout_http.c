
/*
 * Copyright (C) Partoo tryout module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_http.h"


static ngx_int_t ngx_http_partoo_tryout_json_media_type(ngx_http_request_t *r);
static ngx_int_t ngx_http_partoo_tryout_body_append(ngx_http_request_t *r,
    ngx_http_partoo_tryout_body_t *body, u_char *data, size_t len);


static ngx_str_t  ngx_http_partoo_tryout_err_method =
    ngx_string("{\"errors\":{\"json\":\"method not allowed\"}}");

ngx_str_t  ngx_http_partoo_tryout_err_too_large =
    ngx_string("{\"errors\":{\"json\":\"request body too large\"}}");

static ngx_str_t  ngx_http_partoo_tryout_err_media_type =
    ngx_string("{\"errors\":{\"json\":"
               "\"Unsupported media type. Please use application/json\"}}");


ngx_int_t
ngx_http_partoo_tryout_not_allowed(ngx_http_request_t *r, ngx_str_t *allow)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "Allow");
    h->value = *allow;

    return ngx_http_partoo_tryout_reject(r, NGX_HTTP_NOT_ALLOWED,
                                         &ngx_http_partoo_tryout_err_method);
}


ngx_int_t
ngx_http_partoo_tryout_body_check(ngx_http_request_t *r, size_t max,
    ngx_str_t **err)
{
    if (ngx_http_partoo_tryout_json_media_type(r) != NGX_OK) {
        *err = &ngx_http_partoo_tryout_err_media_type;
        return NGX_HTTP_UNSUPPORTED_MEDIA_TYPE;
    }

    /* the announced size; a chunked body is counted as it comes */

    if (r->headers_in.content_length_n > (off_t) max) {
        *err = &ngx_http_partoo_tryout_err_too_large;
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_body_read(ngx_http_request_t *r,
    ngx_http_partoo_tryout_body_t *body,
    ngx_http_client_body_handler_pt post_handler)
{
    ngx_int_t  rc;

    body->reading = 1;

    rc = ngx_http_read_client_request_body(r, post_handler);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


ngx_int_t
ngx_http_partoo_tryout_body_read_early(ngx_http_request_t *r,
    ngx_http_partoo_tryout_body_t *body, size_t max,
    ngx_http_client_body_handler_pt post_handler)
{
    ngx_int_t  rc;

    /* again once read: the phases go on from this handler */

    if (body->early || !r->headers_in.chunked || r != r->main) {
        return NGX_DECLINED;
    }

    /* never stored: the filter keeps the bytes, see body_read_resume() */

    body->max = max;
    body->stored = 0;
    body->early = 1;

    rc = ngx_http_partoo_tryout_body_read(r, body, post_handler);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    /* as mirror's own handler: the read holds a reference to the request */
    ngx_http_finalize_request(r, NGX_DONE);

    return NGX_DONE;
}


void
ngx_http_partoo_tryout_body_read_resume(ngx_http_request_t *r,
    ngx_http_partoo_tryout_body_t *body)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    body->reading = 0;

    if (body->too_large) {
        ngx_http_finalize_request(r,
                    ngx_http_partoo_tryout_reject(r,
                                        NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                        &ngx_http_partoo_tryout_err_too_large));
        return;
    }

    /*
     * nginx kept only the last, empty buffer: the body the filter kept is
     * put in its place, for mirror_request_body and any other reader
     */

    b = ngx_calloc_buf(r->pool);
    cl = ngx_alloc_chain_link(r->pool);

    if (b == NULL || cl == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    b->pos = body->data;
    b->last = body->data + body->len;
    b->start = b->pos;
    b->end = b->last;
    b->memory = (body->len != 0);
    b->last_buf = 1;

    cl->buf = b;
    cl->next = NULL;

    r->request_body->bufs = cl;

    /* read again by the content handler, after any precontent reader */
    r->preserve_body = 1;

    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


/*
 * So a body over "max" is never stored whole, in memory or on disk: the
 * excess is consumed and dropped, and the body handler answers 413.
 * Chunked bodies included, which a Content-Length check cannot see.  Only
 * the last (empty) buffer reaches nginx's save filter, to mark the end.
 */

ngx_int_t
ngx_http_partoo_tryout_body_take(ngx_http_request_t *r,
    ngx_http_partoo_tryout_body_t *body, ngx_chain_t *in,
    ngx_http_request_body_filter_pt next)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl, last;

    if (body->stored && !body->too_large) {
        for (cl = in; cl; cl = cl->next) {
            body->received += cl->buf->last - cl->buf->pos;
        }

        if (body->received <= body->max) {
            return next(r, in);
        }

        body->too_large = 1;
    }

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;

        if (!body->stored
            && ngx_http_partoo_tryout_body_append(r, body, b->pos,
                                                  b->last - b->pos)
               != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        b->pos = b->last;

        if (b->last_buf) {
            last.buf = b;
            last.next = NULL;

            return next(r, &last);
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_body_collect(ngx_http_request_t *r,
    ngx_http_partoo_tryout_body_t *body)
{
    off_t         offset;
    size_t        len;
    ssize_t       n;
    u_char        buf[4096];
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    /* the answer is 413 whatever was kept; read early, the body is all here */
    if (r->request_body == NULL || body->too_large || body->early) {
        return NGX_OK;
    }

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (!b->in_file) {
            if (ngx_http_partoo_tryout_body_append(r, body, b->pos,
                                                   b->last - b->pos)
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            continue;
        }

        for (offset = b->file_pos; offset < b->file_last; offset += n) {
            len = ngx_min((off_t) sizeof(buf), b->file_last - offset);

            n = ngx_read_file(b->file, buf, len, offset);
            if (n <= 0) {
                ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                              "partoo_tryout: read %z of %O bytes "
                              "from \"%V\"", n, b->file_last - offset,
                              &b->file->name);
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            if (ngx_http_partoo_tryout_body_append(r, body, buf, n)
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            if (body->too_large) {
                return NGX_OK;
            }
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_partoo_tryout_body_append(ngx_http_request_t *r,
    ngx_http_partoo_tryout_body_t *body, u_char *data, size_t len)
{
    size_t   size;
    u_char  *p;

    if (body->too_large || len == 0) {
        return NGX_OK;
    }

    if (len > body->max - body->len) {
        body->too_large = 1;
        return NGX_OK;
    }

    if (body->len + len > body->size) {

        /* a known length is allocated once; chunked bodies grow by doubling */

        if (r->headers_in.content_length_n > 0) {
            size = r->headers_in.content_length_n;

        } else {
            size = ngx_max(2 * body->size, 4096);
        }

        size = ngx_min(ngx_max(size, body->len + len), body->max);

        p = ngx_pnalloc(r->pool, size);
        if (p == NULL) {
            return NGX_ERROR;
        }

        if (body->len) {
            ngx_memcpy(p, body->data, body->len);
        }

        body->data = p;
        body->size = size;
    }

    ngx_memcpy(body->data + body->len, data, len);
    body->len += len;

    return NGX_OK;
}


/* "application/json", any letter case, optionally followed by parameters */

static ngx_int_t
ngx_http_partoo_tryout_json_media_type(ngx_http_request_t *r)
{
    u_char     *p, *last;
    ngx_str_t  *type;

    static u_char  json[] = "application/json";

    if (r->headers_in.content_type == NULL) {
        return NGX_DECLINED;
    }

    type = &r->headers_in.content_type->value;

    if (type->len < sizeof(json) - 1
        || ngx_strncasecmp(type->data, json, sizeof(json) - 1) != 0)
    {
        return NGX_DECLINED;
    }

    p = type->data + sizeof(json) - 1;
    last = type->data + type->len;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p == last || *p == ';') {
        return NGX_OK;
    }

    return NGX_DECLINED;
}


ngx_int_t
ngx_http_partoo_tryout_reject(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *body)
{
    ngx_int_t  rc;

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_partoo_tryout_send(r, status, body->data, body->len);
}


ngx_int_t
ngx_http_partoo_tryout_send(ngx_http_request_t *r, ngx_uint_t status,
    u_char *body, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;

    if (body == NULL) {
        r->headers_out.content_length_n = 0;
        r->header_only = 1;

        return ngx_http_send_header(r);
    }

    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, &out);
}


ngx_int_t
ngx_http_partoo_tryout_parse_org_id(u_char *p, u_char *last,
    int64_t *org_id)
{
    uint64_t  n;

    if (p >= last) {
        return NGX_ERROR;
    }

    for (n = 0; p < last; p++) {
        if (*p < '0' || *p > '9') {
            return NGX_ERROR;
        }

        if (n > ((uint64_t) INT64_MAX - (*p - '0')) / 10) {
            return NGX_ERROR;
        }

        n = n * 10 + (*p - '0');
    }

    if (n == 0) {
        return NGX_ERROR;
    }

    *org_id = (int64_t) n;

    return NGX_OK;
}


/*
 * The org_id query argument: NGX_DECLINED when absent, NGX_OK with a
 * positive decimal integer that fits in 63 bits, NGX_ERROR for anything
 * else, a repeated org_id included.  The name is matched exactly, not in
 * any letter case as ngx_http_arg() would.
 */

ngx_int_t
ngx_http_partoo_tryout_org_id_arg(ngx_str_t *args, int64_t *org_id)
{
    u_char      *p, *q, *last;
    int64_t      n;
    ngx_uint_t   found;

    static u_char  name[] = "org_id";

    found = 0;
    n = 0;

    p = args->data;
    last = p + args->len;

    while (p < last) {

        q = ngx_strlchr(p, last, '&');
        if (q == NULL) {
            q = last;
        }

        if (q - p < (ssize_t) sizeof(name) - 1
            || ngx_strncmp(p, name, sizeof(name) - 1) != 0
            || (q - p > (ssize_t) sizeof(name) - 1
                && p[sizeof(name) - 1] != '='))
        {
            p = q + 1;
            continue;
        }

        if (found++) {
            return NGX_ERROR;
        }

        if (ngx_http_partoo_tryout_parse_org_id(p + sizeof(name), q, &n)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        p = q + 1;
    }

    if (!found) {
        return NGX_DECLINED;
    }

    *org_id = n;

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_zone_arg(ngx_conf_t *cf, ngx_str_t *arg,
    ngx_str_t *name, ssize_t *size)
{
    u_char     *p, *last;
    ngx_str_t   s;

    name->data = arg->data + sizeof("zone=") - 1;
    last = arg->data + arg->len;

    p = ngx_strlchr(name->data, last, ':');

    if (p == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\"", arg);
        return NGX_ERROR;
    }

    name->len = p - name->data;

    s.data = p + 1;
    s.len = last - s.data;

    *size = ngx_parse_size(&s);

    if (name->len == 0 || *size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid zone \"%V\"", arg);
        return NGX_ERROR;
    }

    /* the slab allocator's own pages, and room for samples or keys */

    if (*size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is too small, at least %uzk",
                           arg, 8 * ngx_pagesize / 1024);
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_access_handler_add(ngx_conf_t *cf,
    ngx_http_handler_pt handler)
{
    ngx_uint_t                  n;
    ngx_http_handler_pt        *h, *handlers;
    ngx_http_core_main_conf_t  *cmcf;

    /* nginx runs a phase's handlers from the last added: go first */

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    handlers = cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers.elts;
    n = cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers.nelts;

    ngx_memmove(&handlers[1], &handlers[0],
                (n - 1) * sizeof(ngx_http_handler_pt));
    handlers[0] = handler;

    return NGX_OK;
}
