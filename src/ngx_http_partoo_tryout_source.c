
/*
 * Copyright (C) Partoo tryout module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_source.h"
#include "ngx_http_partoo_tryout_samples.h"
#include "ngx_http_partoo_tryout_payload.h"
#include "ngx_http_partoo_tryout_metrics.h"


/*
 * A subrequest in flight and the tryouts waiting for it, per worker: one
 * per zone, sample and source URI, as two locations sharing a zone may ask
 * different sources.
 */

struct ngx_http_partoo_tryout_source_pending_s {
    ngx_queue_t                               queue;
    ngx_shm_zone_t                           *zone;
    ngx_str_t                                *uri;
    ngx_msec_t                                ttl;
    int64_t                                   org_id;
    ngx_http_partoo_tryout_event_e            event;

    /* the tryout whose subrequest it is */
    ngx_http_partoo_tryout_source_fetch_t    *owner;
    ngx_queue_t                               waiters;
};


static ngx_int_t ngx_http_partoo_tryout_source_subrequest(
    ngx_http_request_t *r, ngx_http_partoo_tryout_source_pending_t *p,
    ngx_http_partoo_tryout_source_fetch_t *fetch);
static ngx_int_t ngx_http_partoo_tryout_source_answered(
    ngx_http_request_t *sr, void *data, ngx_int_t rc);
static ngx_http_partoo_tryout_source_result_e
    ngx_http_partoo_tryout_source_check(
    ngx_http_partoo_tryout_source_fetch_t *fetch, ngx_str_t *data,
    const char **reason);
static void ngx_http_partoo_tryout_source_wake(
    ngx_http_partoo_tryout_source_fetch_t *fetch);
static void ngx_http_partoo_tryout_source_wake_handler(ngx_event_t *ev);
static void ngx_http_partoo_tryout_source_cleanup(void *data);


static ngx_queue_t  ngx_http_partoo_tryout_source_pending;


ngx_int_t
ngx_http_partoo_tryout_source_fetch(ngx_http_request_t *r,
    ngx_shm_zone_t *zone, ngx_str_t *uri, ngx_msec_t ttl, int64_t org_id,
    ngx_http_partoo_tryout_event_e event,
    ngx_http_partoo_tryout_source_fetch_t *fetch)
{
    ngx_queue_t                              *q;
    ngx_pool_cleanup_t                       *cln;
    ngx_http_partoo_tryout_source_pending_t  *p;

    if (ngx_http_partoo_tryout_source_pending.prev == NULL) {
        ngx_queue_init(&ngx_http_partoo_tryout_source_pending);
    }

    if (!fetch->cleanup) {
        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            return NGX_ERROR;
        }

        cln->handler = ngx_http_partoo_tryout_source_cleanup;
        cln->data = fetch;
        fetch->cleanup = 1;
    }

    fetch->request = r;
    fetch->result = NGX_HTTP_PARTOO_TRYOUT_SOURCE_NONE;

    for (q = ngx_queue_head(&ngx_http_partoo_tryout_source_pending);
         q != ngx_queue_sentinel(&ngx_http_partoo_tryout_source_pending);
         q = ngx_queue_next(q))
    {
        p = ngx_queue_data(q, ngx_http_partoo_tryout_source_pending_t,
                           queue);

        if (p->zone == zone && p->org_id == org_id && p->event == event
            && p->uri->len == uri->len
            && ngx_strncmp(p->uri->data, uri->data, uri->len) == 0)
        {
            ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "partoo_tryout: waits for the source's %s sample "
                           "of org %L",
                           ngx_http_partoo_tryout_event_name(event), org_id);

            ngx_queue_insert_tail(&p->waiters, &fetch->queue);
            fetch->pending = p;

            return NGX_AGAIN;
        }
    }

    p = ngx_alloc(sizeof(ngx_http_partoo_tryout_source_pending_t),
                  r->connection->log);
    if (p == NULL) {
        return NGX_ERROR;
    }

    p->zone = zone;
    p->uri = uri;
    p->ttl = ttl;
    p->org_id = org_id;
    p->event = event;
    p->owner = fetch;
    ngx_queue_init(&p->waiters);

    if (ngx_http_partoo_tryout_source_subrequest(r, p, fetch) != NGX_OK) {
        ngx_free(p);
        return NGX_ERROR;
    }

    ngx_queue_insert_tail(&ngx_http_partoo_tryout_source_pending, &p->queue);
    fetch->pending = p;

    return NGX_AGAIN;
}


/*
 * GET uri?org_id=N&event_type=T, with none of the caller's headers (its
 * x-APIKey is no business of the source) and no body
 */

static ngx_int_t
ngx_http_partoo_tryout_source_subrequest(ngx_http_request_t *r,
    ngx_http_partoo_tryout_source_pending_t *p,
    ngx_http_partoo_tryout_source_fetch_t *fetch)
{
    size_t                       len;
    ngx_str_t                    args;
    const char                  *type;
    ngx_http_request_t          *sr;
    ngx_http_post_subrequest_t  *ps;

    type = ngx_http_partoo_tryout_event_name(p->event);

    len = sizeof("org_id=&event_type=") - 1 + NGX_INT64_LEN
          + ngx_strlen(type);

    args.data = ngx_pnalloc(r->pool, len);
    if (args.data == NULL) {
        return NGX_ERROR;
    }

    args.len = ngx_sprintf(args.data, "org_id=%L&event_type=%s", p->org_id,
                           type)
               - args.data;

    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    if (ps == NULL) {
        return NGX_ERROR;
    }

    ps->handler = ngx_http_partoo_tryout_source_answered;
    ps->data = fetch;

    if (ngx_http_subrequest(r, p->uri, &args, &sr, ps,
                            NGX_HTTP_SUBREQUEST_IN_MEMORY
                            |NGX_HTTP_SUBREQUEST_WAITED)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_list_init(&sr->headers_in.headers, r->pool, 1,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    sr->headers_in.content_length = NULL;
    sr->headers_in.content_length_n = -1;
    sr->headers_in.transfer_encoding = NULL;
    sr->headers_in.chunked = 0;
    sr->request_body = NULL;

    fetch->subrequest = sr;
    fetch->status = 0;
    fetch->failed = 0;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "partoo_tryout: asks the source \"%V?%V\" (ttl %M)",
                   p->uri, &args, p->ttl);

    return NGX_OK;
}


/*
 * Run at each finalization of the subrequest: the last one says.  An
 * error of the source's own is its answer, not the tryout's: the
 * subrequest ends quietly and the tryout goes on with the default.
 */

static ngx_int_t
ngx_http_partoo_tryout_source_answered(ngx_http_request_t *sr, void *data,
    ngx_int_t rc)
{
    ngx_http_partoo_tryout_source_fetch_t  *fetch = data;

    if (rc == NGX_HTTP_CLIENT_CLOSED_REQUEST
        || rc == NGX_HTTP_REQUEST_TIME_OUT
        || sr->connection->error)
    {
        /* the tryout's client went: see the cleanup */
        return rc;
    }

    if (rc == NGX_ERROR) {
        fetch->failed = 1;
        return NGX_OK;
    }

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        fetch->status = rc;
        return NGX_OK;
    }

    fetch->status = sr->headers_out.status;

    return rc;
}


ngx_int_t
ngx_http_partoo_tryout_source_done(ngx_http_partoo_tryout_source_fetch_t *fetch)
{
    size_t                                    len;
    u_char                                   *data;
    ngx_int_t                                 rc;
    ngx_uint_t                                generation;
    ngx_queue_t                              *q;
    const char                               *reason;
    ngx_http_request_t                       *r;
    ngx_http_partoo_tryout_source_result_e    result;
    ngx_http_partoo_tryout_source_fetch_t    *w;
    ngx_http_partoo_tryout_source_pending_t  *p;

    p = fetch->pending;

    if (p == NULL) {
        /* woken, yet run by another event first: run once */
        if (fetch->wake.posted) {
            ngx_delete_posted_event(&fetch->wake);
        }

        return NGX_OK;
    }

    if (p->owner != fetch || !fetch->subrequest->done) {
        return NGX_AGAIN;
    }

    r = fetch->request;

    result = ngx_http_partoo_tryout_source_check(fetch, &fetch->data,
                                                 &reason);

    generation = 0;
    rc = NGX_DECLINED;

    if (result == NGX_HTTP_PARTOO_TRYOUT_SOURCE_OK
        || result == NGX_HTTP_PARTOO_TRYOUT_SOURCE_NOT_FOUND)
    {
        rc = ngx_http_partoo_tryout_samples_store_source(p->zone, p->org_id,
                                                    p->event,
                                                    fetch->data.data,
                                                    fetch->data.len, p->ttl,
                                                    &generation,
                                                    r->connection->log);
    }

    if (result == NGX_HTTP_PARTOO_TRYOUT_SOURCE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "partoo_tryout: samples_source \"%V\" for the %s "
                      "sample of org %L: %s, the default payload is sent",
                      p->uri, ngx_http_partoo_tryout_event_name(p->event),
                      p->org_id, reason);

    } else {
        ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "partoo_tryout: the source's %s sample of org %L: %s",
                       ngx_http_partoo_tryout_event_name(p->event),
                       p->org_id,
                       ngx_http_partoo_tryout_source_result_name(result));
    }

    ngx_http_partoo_tryout_metrics_samples_fetched(&p->zone->shm.name,
                                                   result - 1);

    fetch->result = result;
    fetch->stored = (rc == NGX_OK || rc == NGX_DONE);
    fetch->generation = generation;

    /* each waiter gets its own copy: its request may outlive this one */

    while (!ngx_queue_empty(&p->waiters)) {
        q = ngx_queue_head(&p->waiters);
        w = ngx_queue_data(q, ngx_http_partoo_tryout_source_fetch_t, queue);

        w->result = result;
        w->stored = fetch->stored;
        w->generation = generation;

        if (result == NGX_HTTP_PARTOO_TRYOUT_SOURCE_OK) {
            len = fetch->data.len;
            data = ngx_pnalloc(w->request->pool, len);

            if (data == NULL) {
                w->result = NGX_HTTP_PARTOO_TRYOUT_SOURCE_ERROR;

            } else {
                ngx_memcpy(data, fetch->data.data, len);
                w->data.data = data;
                w->data.len = len;
            }
        }

        ngx_http_partoo_tryout_source_wake(w);
    }

    ngx_queue_remove(&p->queue);
    ngx_free(p);

    fetch->pending = NULL;

    return NGX_OK;
}


/* the subrequest's answer, checked as the samples API checks a PUT */

static ngx_http_partoo_tryout_source_result_e
ngx_http_partoo_tryout_source_check(
    ngx_http_partoo_tryout_source_fetch_t *fetch, ngx_str_t *data,
    const char **reason)
{
    static u_char       buf[sizeof("answered ") + NGX_INT_T_LEN];
    ngx_buf_t          *b;
    ngx_http_request_t *sr;

    sr = fetch->subrequest;

    ngx_str_null(data);

    if (fetch->failed) {
        *reason = "the subrequest failed";
        return NGX_HTTP_PARTOO_TRYOUT_SOURCE_ERROR;
    }

    if (fetch->status == NGX_HTTP_NOT_FOUND) {
        return NGX_HTTP_PARTOO_TRYOUT_SOURCE_NOT_FOUND;
    }

    if (fetch->status != NGX_HTTP_OK) {
        *ngx_sprintf(buf, "answered %i", fetch->status) = '\0';
        *reason = (const char *) buf;
        return NGX_HTTP_PARTOO_TRYOUT_SOURCE_ERROR;
    }

    b = sr->out ? sr->out->buf : NULL;

    if (b) {
        data->data = b->pos;
        data->len = b->last - b->pos;
    }

    if (data->len > NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MAX_FILE) {
        *reason = "the document is larger than 65536 bytes";
        return NGX_HTTP_PARTOO_TRYOUT_SOURCE_ERROR;
    }

    switch (ngx_http_partoo_tryout_payload_check((char *) data->data,
                                                 data->len, NULL, 0))
    {
    case NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK:
        return NGX_HTTP_PARTOO_TRYOUT_SOURCE_OK;

    case NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_NOT_OBJECT:
        *reason = "the document is not a JSON object";
        break;

    case NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_INVALID:
        *reason = "the document is not valid JSON";
        break;

    default:
        *reason = "out of memory";
        break;
    }

    return NGX_HTTP_PARTOO_TRYOUT_SOURCE_ERROR;
}


/* a waiter resumes from a posted event: never inside another's request */

static void
ngx_http_partoo_tryout_source_wake(ngx_http_partoo_tryout_source_fetch_t *fetch)
{
    ngx_queue_remove(&fetch->queue);
    fetch->pending = NULL;

    fetch->wake.handler = ngx_http_partoo_tryout_source_wake_handler;
    fetch->wake.data = fetch;
    fetch->wake.log = fetch->request->connection->log;

    ngx_post_event(&fetch->wake, &ngx_posted_events);
}


static void
ngx_http_partoo_tryout_source_wake_handler(ngx_event_t *ev)
{
    ngx_connection_t                       *c;
    ngx_http_request_t                     *r;
    ngx_http_partoo_tryout_source_fetch_t  *fetch;

    fetch = ev->data;
    r = fetch->request;
    c = r->connection;

    fetch->handler(r);

    ngx_http_run_posted_requests(c);
}


/*
 * The request's pool goes: a waiter leaves the queue; an owner whose
 * subrequest did not say hands the fetch over, its waiters ask again.
 */

static void
ngx_http_partoo_tryout_source_cleanup(void *data)
{
    ngx_http_partoo_tryout_source_fetch_t  *fetch = data;

    ngx_queue_t                              *q;
    ngx_http_partoo_tryout_source_fetch_t    *w;
    ngx_http_partoo_tryout_source_pending_t  *p;

    if (fetch->wake.posted) {
        ngx_delete_posted_event(&fetch->wake);
    }

    p = fetch->pending;

    if (p == NULL) {
        return;
    }

    fetch->pending = NULL;

    if (p->owner != fetch) {
        ngx_queue_remove(&fetch->queue);
        return;
    }

    while (!ngx_queue_empty(&p->waiters)) {
        q = ngx_queue_head(&p->waiters);
        w = ngx_queue_data(q, ngx_http_partoo_tryout_source_fetch_t, queue);

        w->result = NGX_HTTP_PARTOO_TRYOUT_SOURCE_NONE;

        ngx_http_partoo_tryout_source_wake(w);
    }

    ngx_queue_remove(&p->queue);
    ngx_free(p);
}


const char *
ngx_http_partoo_tryout_source_result_name(
    ngx_http_partoo_tryout_source_result_e result)
{
    static const char  *names[] = { NULL, "ok", "not_found", "error" };

    return ((ngx_uint_t) result < 4) ? names[result] : NULL;
}
