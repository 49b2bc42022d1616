
/*
 * Copyright (C) Partoo tryout module authors
 *
 * What the tryout handler and the samples API do alike: read a bounded
 * JSON body, check its media type, answer in JSON, take org_id from the
 * query, parse a zone=NAME:SIZE parameter.  Each module keeps its own
 * context and body filter; they share the logic.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_HTTP_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_HTTP_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* a request body of at most "max" bytes, embedded in a request context */

typedef struct {
    u_char                          *data;      /* in r->pool */
    size_t                           len;
    size_t                           size;
    size_t                           max;
    size_t                           received;  /* "stored" bodies only */

    unsigned                         reading:1;
    unsigned                         too_large:1;

    /*
     * nginx keeps the bytes as client_body_buffer_size says, in a temporary
     * file if need be, and body_collect() gathers them; else the filter
     * copies them as they arrive and they are never stored
     */
    unsigned                         stored:1;

    /* read in the access phase: a chunked body, see body_read_early() */
    unsigned                         early:1;
} ngx_http_partoo_tryout_body_t;


/* the 413 answer, also given once the body is read */
extern ngx_str_t  ngx_http_partoo_tryout_err_too_large;


/* the 405 answer, with "allow" for the Allow header */
ngx_int_t ngx_http_partoo_tryout_not_allowed(ngx_http_request_t *r,
    ngx_str_t *allow);

/*
 * The media type step (application/json, parameters allowed), then the
 * size step on the announced Content-Length: NGX_OK, or the status of the
 * answer with "err" set to its body.
 */
ngx_int_t ngx_http_partoo_tryout_body_check(ngx_http_request_t *r,
    size_t max, ngx_str_t **err);

/*
 * Reads the body of at most body->max bytes through the module's filter.
 * NGX_DONE: "post_handler" finalizes; else the status to return from the
 * content handler.
 */
ngx_int_t ngx_http_partoo_tryout_body_read(ngx_http_request_t *r,
    ngx_http_partoo_tryout_body_t *body,
    ngx_http_client_body_handler_pt post_handler);

/*
 * For the access handler, once the head has passed: a chunked body, which
 * no announced size bounds, is read there, "max" bytes kept at most, so
 * that mirror or any other precontent reader finds it read and one over
 * the limit is answered 413 before they run.  A body with a Content-Length
 * was judged by its announced size and is left to the content handler.
 * Returns what the access handler returns; "post_handler" calls
 * body_read_resume().
 */
ngx_int_t ngx_http_partoo_tryout_body_read_early(ngx_http_request_t *r,
    ngx_http_partoo_tryout_body_t *body, size_t max,
    ngx_http_client_body_handler_pt post_handler);

/* the body read early: 413, or the phases go on */
void ngx_http_partoo_tryout_body_read_resume(ngx_http_request_t *r,
    ngx_http_partoo_tryout_body_t *body);

/*
 * The body filter's work while "body" is reading: counts the bytes and
 * drops them, all but the last buffer, once there are more than "max".
 */
ngx_int_t ngx_http_partoo_tryout_body_take(ngx_http_request_t *r,
    ngx_http_partoo_tryout_body_t *body, ngx_chain_t *in,
    ngx_http_request_body_filter_pt next);

/*
 * Appends what nginx kept in r->request_body, in memory or in a file, to
 * "body": a stored body, or one another module read before ours.  NGX_OK
 * (check too_large) or the status of the answer.
 */
ngx_int_t ngx_http_partoo_tryout_body_collect(ngx_http_request_t *r,
    ngx_http_partoo_tryout_body_t *body);

/* an answer given before the body is read: the body is discarded */
ngx_int_t ngx_http_partoo_tryout_reject(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *body);

/* a JSON body; "body" NULL sends no body, as 201 and 204 of the samples API */
ngx_int_t ngx_http_partoo_tryout_send(ngx_http_request_t *r,
    ngx_uint_t status, u_char *body, size_t len);

/* Partoo's org_id: a positive decimal integer that fits in 63 bits */
ngx_int_t ngx_http_partoo_tryout_parse_org_id(u_char *p, u_char *last,
    int64_t *org_id);

/*
 * The org_id query argument, one rule for every handler: NGX_DECLINED when
 * absent, NGX_OK with a valid org_id, NGX_ERROR for anything else, a
 * repeated org_id included.  The name is matched exactly.
 */
ngx_int_t ngx_http_partoo_tryout_org_id_arg(ngx_str_t *args,
    int64_t *org_id);


/*
 * The "zone=NAME:SIZE" parameter of a zone directive, "arg" whole:
 * NGX_OK with "name" (in "arg") and "size", else NGX_ERROR, logged.
 */
ngx_int_t ngx_http_partoo_tryout_zone_arg(ngx_conf_t *cf, ngx_str_t *arg,
    ngx_str_t *name, ssize_t *size);

/*
 * Adds a handler that runs after the access phase's other handlers
 * (allow/deny, auth_basic...), whichever module added them first.
 */
ngx_int_t ngx_http_partoo_tryout_access_handler_add(ngx_conf_t *cf,
    ngx_http_handler_pt handler);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_HTTP_H_INCLUDED_ */
