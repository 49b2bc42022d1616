
/*
 * Copyright (C) Partoo tryout module authors
 *
 * The native delivery engine: the HTTPS POST of a tryout made on nginx's
 * own connections, resolver, TLS and HTTP parsers, with no libcurl.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_CLIENT_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_CLIENT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_deliver.h"


/*
 * At merge time, for a location on the native engine: its TLS context
 * (the trusted bundle, TLS 1.2 and 1.3) and, without threads, nothing
 * else; the thread pool "default" for name lookups where no "resolver"
 * is configured.
 */
char *ngx_http_partoo_tryout_client_merge(ngx_conf_t *cf,
    ngx_http_partoo_tryout_deliver_conf_t *conf,
    ngx_http_partoo_tryout_deliver_conf_t *prev);

/* as ngx_http_partoo_tryout_deliver(), once the in-flight cap passed */
ngx_int_t ngx_http_partoo_tryout_client_start(ngx_http_request_t *r,
    ngx_http_partoo_tryout_deliver_conf_t *conf,
    ngx_http_partoo_tryout_delivery_t *d,
    const ngx_http_partoo_tryout_header_t *headers, size_t nheaders);

/* deliveries of the native engine in flight in this worker */
ngx_uint_t ngx_http_partoo_tryout_client_in_flight(void);

void ngx_http_partoo_tryout_client_exit_process(ngx_cycle_t *cycle);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_CLIENT_H_INCLUDED_ */
