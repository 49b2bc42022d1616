
/*
 * Copyright (C) Partoo tryout module authors
 *
 * What the tryout's units share about a request: its location
 * configuration and its context, found again after internal redirects.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_MODULE_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_event.h"
#include "ngx_http_partoo_tryout_deliver.h"
#include "ngx_http_partoo_tryout_keys.h"
#include "ngx_http_partoo_tryout_document.h"
#include "ngx_http_partoo_tryout_http.h"


typedef struct {
    ngx_flag_t                             enable;
    ngx_flag_t                             diagnostics;
    size_t                                 max_body_size;
    ngx_shm_zone_t                        *keys;     /* keys=NAME */
    ngx_uint_t                             roles;    /* ROLE_* mask */

    ngx_http_partoo_tryout_document_conf_t  document;
    ngx_http_partoo_tryout_deliver_conf_t   deliver;
} ngx_http_partoo_tryout_loc_conf_t;


typedef struct {
    ngx_http_request_t                    *request;
    ngx_http_partoo_tryout_auth_t          auth;     /* from x-APIKey */
    ngx_http_partoo_tryout_body_t          body;

    ngx_http_partoo_tryout_event_e         event;
    ngx_http_partoo_tryout_delivery_t      delivery;

    ngx_http_partoo_tryout_source_fetch_t  fetch;    /* samples_source */
    ngx_http_partoo_tryout_origin_e        origin;   /* of the payload */

    unsigned                               head_passed:1;
    unsigned                               metered:1;  /* see metrics */
} ngx_http_partoo_tryout_ctx_t;


ngx_http_partoo_tryout_ctx_t *ngx_http_partoo_tryout_find_ctx(
    ngx_http_request_t *r);
ngx_http_partoo_tryout_ctx_t *ngx_http_partoo_tryout_get_ctx(
    ngx_http_request_t *r);


extern ngx_module_t  ngx_http_partoo_tryout_module;


#endif /* _NGX_HTTP_PARTOO_TRYOUT_MODULE_H_INCLUDED_ */
