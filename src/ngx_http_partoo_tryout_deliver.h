
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Delivery of a tryout: one HTTPS POST, by the native engine (nginx's own
 * connections, see ngx_http_partoo_tryout_client.h), or with libcurl run
 * in an nginx thread pool ("partoo_tryout_thread_pool").
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_DELIVER_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_DELIVER_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_addr.h"
#include "ngx_http_partoo_tryout_event.h"


/* Debian's bundle, as libcurl's own default there */
#ifndef NGX_HTTP_PARTOO_TRYOUT_CA_BUNDLE
#define NGX_HTTP_PARTOO_TRYOUT_CA_BUNDLE  "/etc/ssl/certs/ca-certificates.crt"
#endif


/* the fixed "error" codes of the 200 answer */

typedef enum {
    NGX_HTTP_PARTOO_TRYOUT_DELIVERED = 0,        /* "error": null */
    NGX_HTTP_PARTOO_TRYOUT_ERR_TIMEOUT,
    NGX_HTTP_PARTOO_TRYOUT_ERR_DNS,
    NGX_HTTP_PARTOO_TRYOUT_ERR_CONNECT,
    NGX_HTTP_PARTOO_TRYOUT_ERR_TLS,
    NGX_HTTP_PARTOO_TRYOUT_ERR_BLOCKED,
    NGX_HTTP_PARTOO_TRYOUT_ERR_REDIRECT,
    NGX_HTTP_PARTOO_TRYOUT_ERR_STATUS,
    NGX_HTTP_PARTOO_TRYOUT_ERR_TOO_LARGE
} ngx_http_partoo_tryout_deliver_error_e;


/* the location's delivery settings */

typedef struct {
    ngx_msec_t                               connect_timeout;
    ngx_msec_t                               timeout;
    size_t                                   max_response_size;
    ngx_uint_t                               max_in_flight;

    ngx_str_t                                user_agent;
    ngx_str_t                                trusted_certificate;

    /* of ngx_http_partoo_tryout_addr_cidr_t, NULL when none */
    ngx_array_t                             *allow_address;

    /* set from the above at merge time: what curl is given */
    char                                    *user_agent_header;
    char                                    *cainfo;
    ngx_http_partoo_tryout_addr_allow_t      allow;

    /* the native engine's: TLS context, pool for getaddrinfo() */
    ngx_ssl_t                               *ssl;

#if (NGX_THREADS)
    ngx_thread_pool_t                       *thread_pool;
    ngx_thread_pool_t                       *resolve_pool;
#endif
} ngx_http_partoo_tryout_deliver_conf_t;


typedef struct ngx_http_partoo_tryout_transfer_s
    ngx_http_partoo_tryout_transfer_t;

typedef struct ngx_http_partoo_tryout_diag_s
    ngx_http_partoo_tryout_diag_t;


#define NGX_HTTP_PARTOO_TRYOUT_NOT_REACHED     ((ngx_msec_t) -1)


/* one delivery, in the request's context */

typedef struct {
    /* in: url and body stay valid until the delivery is done */
    ngx_str_t                                url;        /* NUL-terminated */
    ngx_str_t                                body;
    ngx_str_t                                signature;  /* empty: none */

    void                                   (*handler)(ngx_http_request_t *r);

    /* out, once done */
    ngx_http_partoo_tryout_deliver_error_e   error;
    ngx_uint_t                               response_status;  /* 0: none */
    ngx_msec_t                               duration;

    ngx_http_partoo_tryout_transfer_t       *transfer;  /* while in flight */

    /*
     * What the native engine saw, for metrics and diagnostics: the
     * address connected to (peer_len 0: none), and the times, in ms since
     * the start, at which the name was resolved, the TCP connection made,
     * the TLS handshake done, the first byte of the answer read
     * (NGX_HTTP_PARTOO_TRYOUT_NOT_REACHED: never).
     */
    struct sockaddr_storage                  peer;
    socklen_t                                peer_len;
    ngx_msec_t                               resolve_time;
    ngx_msec_t                               connect_time;
    ngx_msec_t                               tls_time;
    ngx_msec_t                               first_byte_time;
    void                                    *client;   /* native, busy */

    /* partoo_tryout_diagnostics on: what else the engine saw */
    ngx_http_partoo_tryout_diag_t           *diag;     /* NULL: off */

    unsigned                                 done:1;
    unsigned                                 reused:1;  /* a kept conn */
} ngx_http_partoo_tryout_delivery_t;


/* defaults, checks, and what curl is given, built once */
char *ngx_http_partoo_tryout_deliver_merge_conf(ngx_conf_t *cf,
    ngx_http_partoo_tryout_deliver_conf_t *conf,
    ngx_http_partoo_tryout_deliver_conf_t *prev);

/* for a location that delivers: its CA bundle can be read */
char *ngx_http_partoo_tryout_deliver_check_conf(ngx_conf_t *cf,
    ngx_http_partoo_tryout_deliver_conf_t *conf);

ngx_int_t ngx_http_partoo_tryout_deliver_init_process(ngx_cycle_t *cycle);
void ngx_http_partoo_tryout_deliver_exit_process(ngx_cycle_t *cycle);

/*
 * Starts the delivery of d->body to d->url with the item's custom headers,
 * on the location's engine (conf->ssl set: the native one).
 * NGX_AGAIN: in flight, d->handler(r) is called once it is done, from an
 * nginx event; the caller must not finalize r before.  NGX_OK: done
 * at once (an IP-literal host that is blocked), the handler is not called.
 * NGX_BUSY: partoo_tryout_max_in_flight deliveries are already running in
 * this worker.  NGX_ERROR: out of memory or a libcurl failure.
 */
ngx_int_t ngx_http_partoo_tryout_deliver(ngx_http_request_t *r,
    ngx_http_partoo_tryout_deliver_conf_t *conf,
    ngx_http_partoo_tryout_delivery_t *d,
    const ngx_http_partoo_tryout_header_t *headers, size_t nheaders);

/* NULL for success, else the code of the answer's "error" field */
ngx_str_t *ngx_http_partoo_tryout_deliver_error_name(
    ngx_http_partoo_tryout_deliver_error_e error);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_DELIVER_H_INCLUDED_ */
