
/*
 * Copyright (C) Partoo tryout module authors
 *
 * What a tryout sends: the latest sample of (org, event) from the samples
 * zone, else the event's default payload, wrapped in Partoo's envelope and
 * signed once.  Also the samples zone itself and its API.  A module of its
 * own, so its directives, request context and body filter stay apart from
 * the tryout handler's.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_SAMPLES_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_SAMPLES_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


typedef struct {
    ngx_str_t                        body;       /* in r->pool */
    ngx_str_t                        signature;  /* empty: no signing key */
    unsigned                         sample:1;   /* from the samples zone */
} ngx_http_partoo_tryout_document_t;


extern ngx_module_t  ngx_http_partoo_tryout_samples_module;


/* the "samples=NAME" parameter of partoo_tryout */
char *ngx_http_partoo_tryout_samples_bind(ngx_conf_t *cf, ngx_str_t *param);

/*
 * The document the location sends for "org_id" and "event", with its
 * X-Partoo-Signature-v1 value when partoo_tryout_signing_key is set.
 * NGX_ERROR only when memory or OpenSSL fail.
 */
ngx_int_t ngx_http_partoo_tryout_samples_document(ngx_http_request_t *r,
    int64_t org_id, ngx_uint_t event, ngx_http_partoo_tryout_document_t *doc);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_SAMPLES_H_INCLUDED_ */
