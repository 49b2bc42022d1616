
/*
 * Copyright (C) Partoo tryout module authors
 *
 * samples_source: a sample the samples zone lacks, fetched from the
 * operator's location by an in-memory subrequest, kept in the zone for
 * samples_ttl.  The tryouts of a worker that miss the same (org, event)
 * of the same source meanwhile wait for the one subrequest.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_SOURCE_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_SOURCE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_event.h"


typedef enum {
    NGX_HTTP_PARTOO_TRYOUT_SOURCE_NONE = 0,       /* not asked (again) */
    NGX_HTTP_PARTOO_TRYOUT_SOURCE_OK,             /* a document */
    NGX_HTTP_PARTOO_TRYOUT_SOURCE_NOT_FOUND,      /* 404 */
    NGX_HTTP_PARTOO_TRYOUT_SOURCE_ERROR           /* the default is sent */
} ngx_http_partoo_tryout_source_result_e;


typedef struct ngx_http_partoo_tryout_source_pending_s
    ngx_http_partoo_tryout_source_pending_t;


/* a tryout's fetch, in its context */

typedef struct {
    ngx_http_request_t                       *request;

    ngx_http_partoo_tryout_source_result_e    result;
    ngx_str_t                                 data;        /* OK */
    ngx_uint_t                                generation;  /* OK, stored */
    unsigned                                  stored:1;

    /* while the subrequest runs */
    ngx_http_partoo_tryout_source_pending_t  *pending;
    ngx_http_request_t                       *subrequest;  /* the owner's */
    ngx_int_t                                 status;
    ngx_queue_t                               queue;       /* a waiter's */
    ngx_event_t                               wake;        /* a waiter's */
    ngx_http_event_handler_pt                 handler;
    unsigned                                  failed:1;
    unsigned                                  cleanup:1;
} ngx_http_partoo_tryout_source_fetch_t;


/*
 * Asks "uri"?org_id=..&event_type=.. for the sample of (org_id, event),
 * or waits for the fetch of it another tryout of the worker runs, then
 * stores the answer in "zone" for "ttl" ms.  NGX_AGAIN: fetch->handler
 * runs once the answer is in (or, for a waiter whose fetch went with its
 * request, once a new one is to be asked: fetch->result stays NONE).
 */
ngx_int_t ngx_http_partoo_tryout_source_fetch(ngx_http_request_t *r,
    ngx_shm_zone_t *zone, ngx_str_t *uri, ngx_msec_t ttl, int64_t org_id,
    ngx_http_partoo_tryout_event_e event,
    ngx_http_partoo_tryout_source_fetch_t *fetch);

/*
 * Called first by fetch->handler: NGX_AGAIN while the fetch runs (the
 * handler is run again), NGX_OK once fetch->result is final.
 */
ngx_int_t ngx_http_partoo_tryout_source_done(
    ngx_http_partoo_tryout_source_fetch_t *fetch);

/* "ok", "not_found", "error"; NULL for NONE */
const char *ngx_http_partoo_tryout_source_result_name(
    ngx_http_partoo_tryout_source_result_e result);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_SOURCE_H_INCLUDED_ */
