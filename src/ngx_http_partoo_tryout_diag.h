
/*
 * Copyright (C) Partoo tryout module authors
 *
 * The delivery's diagnostics (partoo_tryout_diagnostics on): what the
 * engine saw, kept in the request's pool while it runs, and written as
 * the "diagnostics" member of the answer's item.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_DIAG_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_DIAG_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_partoo_tryout_deliver.h"


/* what is kept of the answer */
#define NGX_HTTP_PARTOO_TRYOUT_DIAG_HEADERS  32
#define NGX_HTTP_PARTOO_TRYOUT_DIAG_HEADER   256    /* a name, a value */
#define NGX_HTTP_PARTOO_TRYOUT_DIAG_BODY     1024


struct ngx_http_partoo_tryout_diag_s {
    ngx_pool_t                *pool;         /* the request's */

    ngx_str_t                  reason;       /* data NULL: none */
    ngx_str_t                  request;      /* the head sent, NULL: none */
    ngx_str_t                  status_line;  /* data NULL: none */
    ngx_array_t               *headers;      /* of ngx_str_t "Name: value" */
    u_char                    *body;         /* DIAG_BODY bytes once read */
    size_t                     body_len;
    off_t                      body_seen;    /* bytes of it, kept or not */

    unsigned                   response:1;   /* the engine can see it */
};


/* sets the reason, a copy of "fmt"'s text; NGX_ERROR: out of memory */
ngx_int_t ngx_http_partoo_tryout_diag_reason(
    ngx_http_partoo_tryout_diag_t *diag, const char *fmt, ...);

/*
 * The reason of a delivery that is done, from its error and what the
 * engine said ("reason", NULL: nothing); a success has none.
 */
ngx_int_t ngx_http_partoo_tryout_diag_verdict(
    ngx_http_partoo_tryout_diag_t *diag,
    ngx_http_partoo_tryout_deliver_error_e error, ngx_uint_t status,
    const char *blocked_addr, const char *blocked_range, const char *reason);

/* the answer's status line, which a 1xx answer's headers give way to */
ngx_int_t ngx_http_partoo_tryout_diag_status(
    ngx_http_partoo_tryout_diag_t *diag, ngx_uint_t version,
    u_char *status, size_t len);

ngx_int_t ngx_http_partoo_tryout_diag_header(
    ngx_http_partoo_tryout_diag_t *diag, u_char *name, size_t nlen,
    u_char *value, size_t vlen);

/* body bytes as they are read; the first DIAG_BODY are kept */
ngx_int_t ngx_http_partoo_tryout_diag_body(
    ngx_http_partoo_tryout_diag_t *diag, u_char *data, size_t len);

/* the "diagnostics" object of a delivery that is done, in r's pool */
ngx_int_t ngx_http_partoo_tryout_diag_render(ngx_pool_t *pool,
    ngx_http_partoo_tryout_delivery_t *d, ngx_str_t *out);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_DIAG_H_INCLUDED_ */
