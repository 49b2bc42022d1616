
/*
 * Copyright (C) Partoo tryout module authors
 *
 * POST /v2/webhooks/tryout: validate a webhook configuration and send it
 * a signed test payload, inside the nginx worker.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_validate.h"
#include "ngx_http_partoo_tryout_deliver.h"
#include "ngx_http_partoo_tryout_client.h"
#include "ngx_http_partoo_tryout_keys.h"
#include "ngx_http_partoo_tryout_samples.h"
#include "ngx_http_partoo_tryout_document.h"
#include "ngx_http_partoo_tryout_http.h"
#include "ngx_http_partoo_tryout_module.h"
#include "ngx_http_partoo_tryout_variables.h"
#include "ngx_http_partoo_tryout_metrics.h"
#include "ngx_http_partoo_tryout_diag.h"


/* debian/changelog and CHANGES carry the same number */
#define NGX_HTTP_PARTOO_TRYOUT_VERSION  "0.9.0"


typedef struct {
    ngx_http_partoo_tryout_validator_t  *validator;
    ngx_uint_t                           enabled;  /* any partoo_tryout */

    ngx_http_partoo_tryout_metrics_conf_t  metrics;

    /* the built-in payloads, compiled once per configuration */
    ngx_http_partoo_tryout_payload_t     defaults[
                                             NGX_HTTP_PARTOO_TRYOUT_NEVENTS];
} ngx_http_partoo_tryout_main_conf_t;


static ngx_int_t ngx_http_partoo_tryout_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_partoo_tryout_access_handler(ngx_http_request_t *r);
static void ngx_http_partoo_tryout_access_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_partoo_tryout_head(ngx_http_request_t *r);
static void ngx_http_partoo_tryout_ctx_cleanup(void *data);
static ngx_int_t ngx_http_partoo_tryout_access(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx, ngx_str_t **body);
static void ngx_http_partoo_tryout_body_handler(ngx_http_request_t *r);
static void ngx_http_partoo_tryout_process(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx);
static ngx_int_t ngx_http_partoo_tryout_fetch(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx, ngx_http_partoo_tryout_item_t *item);
static void ngx_http_partoo_tryout_fetched(ngx_http_request_t *r);
static ngx_int_t ngx_http_partoo_tryout_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_partoo_tryout_deliver_item(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx, ngx_http_partoo_tryout_item_t *item);
static ngx_int_t ngx_http_partoo_tryout_payload(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx, ngx_http_partoo_tryout_item_t *item);
static void ngx_http_partoo_tryout_delivered(ngx_http_request_t *r);
static ngx_int_t ngx_http_partoo_tryout_send_result(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx);
static ngx_int_t ngx_http_partoo_tryout_busy(ngx_http_request_t *r);

static void *ngx_http_partoo_tryout_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_partoo_tryout_init_main_conf(ngx_conf_t *cf,
    void *conf);
static void *ngx_http_partoo_tryout_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_partoo_tryout_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_partoo_tryout(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_partoo_tryout_allow_address(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_partoo_tryout_thread_pool(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_partoo_tryout_init(ngx_conf_t *cf);
static void ngx_http_partoo_tryout_cleanup_validator(void *data);
static ngx_int_t ngx_http_partoo_tryout_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_partoo_tryout_init_process(ngx_cycle_t *cycle);
static void ngx_http_partoo_tryout_exit_process(ngx_cycle_t *cycle);


static ngx_str_t  ngx_http_partoo_tryout_err_unauthenticated =
    ngx_string("{\"errors\":{\"authentication\":\"User not authenticated\"}}");

static ngx_str_t  ngx_http_partoo_tryout_err_forbidden =
    ngx_string("{\"errors\":{\"authorization\":\"Operation not allowed\"}}");

static ngx_str_t  ngx_http_partoo_tryout_err_org_id =
    ngx_string("{\"errors\":{\"query\":{\"org_id\":\"must be an integer\"}}}");

static ngx_str_t  ngx_http_partoo_tryout_err_org_id_required =
    ngx_string("{\"errors\":{\"query\":{\"org_id\":\"is required\"}}}");

static ngx_str_t  ngx_http_partoo_tryout_err_busy =
    ngx_string("{\"errors\":{\"json\":\"too many deliveries in progress\"}}");


static ngx_conf_num_bounds_t  ngx_http_partoo_tryout_max_in_flight_bounds = {
    ngx_conf_check_num_bounds, 1, -1
};


static ngx_command_t  ngx_http_partoo_tryout_commands[] = {

    { ngx_string("partoo_tryout"),
      NGX_HTTP_LOC_CONF|NGX_CONF_ANY,
      ngx_http_partoo_tryout,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("partoo_tryout_keys_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE23,
      ngx_http_partoo_tryout_keys_zone,
      0,
      0,
      NULL },

    { ngx_string("partoo_tryout_roles"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_partoo_tryout_keys_roles_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_partoo_tryout_loc_conf_t, roles),
      NULL },

    { ngx_string("partoo_tryout_diagnostics"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_partoo_tryout_loc_conf_t, diagnostics),
      NULL },

    { ngx_string("partoo_tryout_max_body_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_partoo_tryout_loc_conf_t, max_body_size),
      NULL },

    { ngx_string("partoo_tryout_connect_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_partoo_tryout_loc_conf_t, deliver.connect_timeout),
      NULL },

    { ngx_string("partoo_tryout_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_partoo_tryout_loc_conf_t, deliver.timeout),
      NULL },

    { ngx_string("partoo_tryout_max_response_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_partoo_tryout_loc_conf_t, deliver.max_response_size),
      NULL },

    { ngx_string("partoo_tryout_max_in_flight"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_partoo_tryout_loc_conf_t, deliver.max_in_flight),
      &ngx_http_partoo_tryout_max_in_flight_bounds },

    { ngx_string("partoo_tryout_user_agent"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_partoo_tryout_loc_conf_t, deliver.user_agent),
      NULL },

    { ngx_string("partoo_tryout_ssl_trusted_certificate"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_partoo_tryout_loc_conf_t,
               deliver.trusted_certificate),
      NULL },

    { ngx_string("partoo_tryout_default_payload"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_partoo_tryout_document_default_payload,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_partoo_tryout_loc_conf_t, document),
      NULL },

    { ngx_string("partoo_tryout_signing_key"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_partoo_tryout_document_signing_key,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_partoo_tryout_loc_conf_t, document),
      NULL },

    { ngx_string("partoo_tryout_allow_address"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_partoo_tryout_allow_address,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("partoo_tryout_thread_pool"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_partoo_tryout_thread_pool,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("partoo_tryout_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_partoo_tryout_status,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_partoo_tryout_main_conf_t, metrics),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_partoo_tryout_module_ctx = {
    ngx_http_partoo_tryout_add_variables,  /* preconfiguration */
    ngx_http_partoo_tryout_init,           /* postconfiguration */

    ngx_http_partoo_tryout_create_main_conf, /* create main configuration */
    ngx_http_partoo_tryout_init_main_conf, /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_partoo_tryout_create_loc_conf, /* create location configuration */
    ngx_http_partoo_tryout_merge_loc_conf  /* merge location configuration */
};


ngx_module_t  ngx_http_partoo_tryout_module = {
    NGX_MODULE_V1,
    &ngx_http_partoo_tryout_module_ctx,    /* module context */
    ngx_http_partoo_tryout_commands,       /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_partoo_tryout_init_module,    /* init module */
    ngx_http_partoo_tryout_init_process,   /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_partoo_tryout_exit_process,   /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_request_body_filter_pt  ngx_http_partoo_tryout_next_body_filter;


/*
 * The steps the request head decides, so that nothing reads a body a
 * caller may not send: run in the access phase, before mirror and any
 * other precontent reader, and again here for a subrequest, which skips
 * the access phase (a no-op once passed).
 */

static ngx_int_t
ngx_http_partoo_tryout_handler(ngx_http_request_t *r)
{
    ngx_int_t                           rc;
    ngx_http_partoo_tryout_ctx_t       *ctx;
    ngx_http_partoo_tryout_loc_conf_t  *ptlcf;

    rc = ngx_http_partoo_tryout_head(r);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    ctx = ngx_http_partoo_tryout_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ptlcf = ngx_http_get_module_loc_conf(r, ngx_http_partoo_tryout_module);

    /* our body filter takes the bytes as they arrive: see below */
    ctx->body.max = ptlcf->max_body_size;

    return ngx_http_partoo_tryout_body_read(r, &ctx->body,
                                           ngx_http_partoo_tryout_body_handler);
}


static ngx_int_t
ngx_http_partoo_tryout_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                           rc;
    ngx_http_partoo_tryout_ctx_t       *ctx;
    ngx_http_partoo_tryout_loc_conf_t  *ptlcf;

    ptlcf = ngx_http_get_module_loc_conf(r, ngx_http_partoo_tryout_module);

    if (!ptlcf->enable) {
        return NGX_DECLINED;
    }

    rc = ngx_http_partoo_tryout_head(r);

    if (rc == NGX_DECLINED) {
        /* NGX_DECLINED, not NGX_OK: under "satisfy any" that would grant */
        ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_module);

        return ngx_http_partoo_tryout_body_read_early(r, &ctx->body,
                                    ptlcf->max_body_size,
                                    ngx_http_partoo_tryout_access_body_handler);
    }

    /* answered in JSON here, not by nginx's own error pages */
    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


static void
ngx_http_partoo_tryout_access_body_handler(ngx_http_request_t *r)
{
    ngx_http_partoo_tryout_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_module);

    ngx_http_partoo_tryout_body_read_resume(r, &ctx->body);
}


/*
 * The contract's steps in order: method, key, role, org_id, org scope,
 * media type, announced size.  NGX_DECLINED lets the request on; else
 * the answer is sent and its rc is returned.
 */

static ngx_int_t
ngx_http_partoo_tryout_head(ngx_http_request_t *r)
{
    ngx_int_t                           rc;
    ngx_str_t                          *body;
    ngx_http_partoo_tryout_ctx_t       *ctx;
    ngx_http_partoo_tryout_loc_conf_t  *ptlcf;

    static ngx_str_t  allow = ngx_string("POST");

    if (r->method != NGX_HTTP_POST) {
        return ngx_http_partoo_tryout_not_allowed(r, &allow);
    }

    /* created before the body is read: it carries the effective org_id */

    ctx = ngx_http_partoo_tryout_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->head_passed) {
        return NGX_DECLINED;
    }

    rc = ngx_http_partoo_tryout_access(r, ctx, &body);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != NGX_OK) {
        return ngx_http_partoo_tryout_reject(r, rc, body);
    }

    ptlcf = ngx_http_get_module_loc_conf(r, ngx_http_partoo_tryout_module);

    rc = ngx_http_partoo_tryout_body_check(r, ptlcf->max_body_size, &body);

    if (rc != NGX_OK) {
        return ngx_http_partoo_tryout_reject(r, rc, body);
    }

    ctx->head_passed = 1;

    return NGX_DECLINED;
}


/*
 * The request's context, created by whichever comes first: the handler,
 * or a variable evaluated in an earlier phase (limit_req_zone).  It is
 * also kept by a pool cleanup, as realip keeps its own, because internal
 * redirects (error_page 429 = @named) clear module contexts and the log
 * phase still wants $partoo_tryout_org_id.
 */

ngx_http_partoo_tryout_ctx_t *
ngx_http_partoo_tryout_find_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_partoo_tryout_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_module);
    if (ctx) {
        return ctx;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_partoo_tryout_ctx_cleanup) {
            ctx = cln->data;

            /* subrequests share the pool: only this request's own */
            if (ctx->request == r) {
                ngx_http_set_ctx(r, ctx, ngx_http_partoo_tryout_module);
                return ctx;
            }
        }
    }

    return NULL;
}


ngx_http_partoo_tryout_ctx_t *
ngx_http_partoo_tryout_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_partoo_tryout_ctx_t  *ctx;

    ctx = ngx_http_partoo_tryout_find_ctx(r);
    if (ctx) {
        return ctx;
    }

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_partoo_tryout_ctx_t));
    if (cln == NULL) {
        return NULL;
    }

    ctx = cln->data;
    ngx_memzero(ctx, sizeof(ngx_http_partoo_tryout_ctx_t));

    ctx->request = r;

    cln->handler = ngx_http_partoo_tryout_ctx_cleanup;

    ngx_http_set_ctx(r, ctx, ngx_http_partoo_tryout_module);

    return ctx;
}


static void
ngx_http_partoo_tryout_ctx_cleanup(void *data)
{
    /* nothing to release: this cleanup only marks the context */
}


/*
 * The authenticate, role, org_id and org scope steps, in this order.
 * NGX_OK lets the request on; else the status of the answer, with "body".
 */

static ngx_int_t
ngx_http_partoo_tryout_access(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx, ngx_str_t **body)
{
    ngx_http_partoo_tryout_auth_t      *auth;
    ngx_http_partoo_tryout_loc_conf_t  *ptlcf;

    ptlcf = ngx_http_get_module_loc_conf(r, ngx_http_partoo_tryout_module);

    auth = &ctx->auth;

    if (!auth->resolved
        && ngx_http_partoo_tryout_keys_authenticate(r, ptlcf->keys, auth)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (auth->verdict == NGX_HTTP_PARTOO_TRYOUT_AUTH_UNAUTHENTICATED) {
        *body = &ngx_http_partoo_tryout_err_unauthenticated;
        return NGX_HTTP_UNAUTHORIZED;
    }

    if (!(auth->role & ptlcf->roles)) {
        *body = &ngx_http_partoo_tryout_err_forbidden;
        return NGX_HTTP_FORBIDDEN;
    }

    switch (auth->verdict) {

    case NGX_HTTP_PARTOO_TRYOUT_AUTH_BAD_ORG_ID:
        *body = &ngx_http_partoo_tryout_err_org_id;
        return NGX_HTTP_BAD_REQUEST;

    case NGX_HTTP_PARTOO_TRYOUT_AUTH_ORG_REQUIRED:
        *body = &ngx_http_partoo_tryout_err_org_id_required;
        return NGX_HTTP_BAD_REQUEST;

    case NGX_HTTP_PARTOO_TRYOUT_AUTH_ORG_FORBIDDEN:
        *body = &ngx_http_partoo_tryout_err_forbidden;
        return NGX_HTTP_FORBIDDEN;

    default: /* NGX_HTTP_PARTOO_TRYOUT_AUTH_OK */
        return NGX_OK;
    }
}


static void
ngx_http_partoo_tryout_body_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_http_partoo_tryout_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_module);
    ctx->body.reading = 0;

    /* set when another module (mirror, say) read the body before ours */
    rc = ngx_http_partoo_tryout_body_collect(r, &ctx->body);
    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    if (ctx->body.too_large) {
        rc = ngx_http_partoo_tryout_send(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                     ngx_http_partoo_tryout_err_too_large.data,
                                     ngx_http_partoo_tryout_err_too_large.len);
        ngx_http_finalize_request(r, rc);
        return;
    }

    ngx_http_partoo_tryout_process(r, ctx);
}


/*
 * Validation, the payload and the delivery, and the finalization unless
 * the fetch or the delivery runs on; run again, from the body kept in the
 * context, once samples_source has answered.
 */

static void
ngx_http_partoo_tryout_process(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx)
{
    u_char                                    *p;
    ngx_int_t                                  rc;
    ngx_http_partoo_tryout_item_t              item;
    ngx_http_partoo_tryout_main_conf_t        *ptmcf;
    ngx_http_partoo_tryout_verdict_e           verdict;

    ptmcf = ngx_http_get_module_main_conf(r, ngx_http_partoo_tryout_module);

    verdict = ngx_http_partoo_tryout_validate(ptmcf->validator,
                                              (const char *) ctx->body.data,
                                              ctx->body.len, &item);

    if (verdict == NGX_HTTP_PARTOO_TRYOUT_INVALID) {
        /* the output may outlive the item: the body goes to the pool */
        p = ngx_pnalloc(r->pool, item.error_len);

        if (p == NULL) {
            rc = NGX_HTTP_INTERNAL_SERVER_ERROR;

        } else {
            ngx_memcpy(p, item.error, item.error_len);
            rc = ngx_http_partoo_tryout_send(r, NGX_HTTP_BAD_REQUEST, p,
                                             item.error_len);
        }

    } else if (verdict == NGX_HTTP_PARTOO_TRYOUT_ERROR) {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;

    } else {
        rc = ngx_http_partoo_tryout_deliver_item(r, ctx, &item);
    }

    ngx_http_partoo_tryout_item_free(&item);

    if (rc != NGX_DONE) {
        /* else ngx_http_partoo_tryout_delivered() or _fetched() go on */
        ngx_http_finalize_request(r, rc);
    }
}


/* the tryout waits for samples_source: see ngx_http_partoo_tryout_fetched() */

static ngx_int_t
ngx_http_partoo_tryout_fetch(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx, ngx_http_partoo_tryout_item_t *item)
{
    ngx_http_partoo_tryout_loc_conf_t  *ptlcf;

    ptlcf = ngx_http_get_module_loc_conf(r, ngx_http_partoo_tryout_module);

    ctx->fetch.handler = ngx_http_partoo_tryout_fetched;

    if (ngx_http_partoo_tryout_source_fetch(r, ptlcf->document.samples,
                                            &ptlcf->document.source,
                                            ptlcf->document.source_ttl,
                                            ctx->auth.org_id, item->event,
                                            &ctx->fetch)
        != NGX_AGAIN)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the owner's subrequest posts r when done; a waiter is woken */
    r->write_event_handler = ngx_http_partoo_tryout_fetched;

    /* a client that goes away finalizes r with 499, as while delivering */
    r->read_event_handler = ngx_http_test_reading;

    if (r->connection->read->pending_eof) {
        ngx_post_event(r->connection->read, &ngx_posted_events);
    }

    return NGX_DONE;
}


static void
ngx_http_partoo_tryout_fetched(ngx_http_request_t *r)
{
    ngx_http_partoo_tryout_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_module);

    if (ngx_http_partoo_tryout_source_done(&ctx->fetch) == NGX_AGAIN) {
        return;
    }

    r->write_event_handler = ngx_http_request_empty_handler;
    r->read_event_handler = ngx_http_block_reading;

    ngx_http_partoo_tryout_process(r, ctx);
}


/* NGX_DONE while the delivery runs, else the status to finalize with */

static ngx_int_t
ngx_http_partoo_tryout_deliver_item(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx, ngx_http_partoo_tryout_item_t *item)
{
    ngx_int_t                           rc;
    ngx_http_partoo_tryout_delivery_t  *d;
    ngx_http_partoo_tryout_loc_conf_t  *ptlcf;

    ptlcf = ngx_http_get_module_loc_conf(r, ngx_http_partoo_tryout_module);

    d = &ctx->delivery;
    ctx->event = item->event;

    /* the item is freed before the answer is written */

    d->url.len = item->url_len;
    d->url.data = ngx_pnalloc(r->pool, item->url_len + 1);
    if (d->url.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(d->url.data, item->url, item->url_len);
    d->url.data[d->url.len] = '\0';

    rc = ngx_http_partoo_tryout_payload(r, ctx, item);

    if (rc == NGX_AGAIN) {
        return ngx_http_partoo_tryout_fetch(r, ctx, item);
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    d->handler = ngx_http_partoo_tryout_delivered;

    if (ptlcf->diagnostics) {
        d->diag = ngx_pcalloc(r->pool, sizeof(ngx_http_partoo_tryout_diag_t));
        if (d->diag == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        d->diag->pool = r->pool;
    }

    rc = ngx_http_partoo_tryout_deliver(r, &ptlcf->deliver, d, item->headers,
                                        item->nheaders);

    switch (rc) {

    case NGX_AGAIN:
        /* a client that goes away finalizes r with 499 */
        r->read_event_handler = ngx_http_test_reading;

        /*
         * One whose close came with its request (epoll reported both at
         * once) sends no further event: its test runs now, once posted.
         */

        if (r->connection->read->pending_eof) {
            ngx_post_event(r->connection->read, &ngx_posted_events);
        }

        return NGX_DONE;

    case NGX_OK:
        return ngx_http_partoo_tryout_send_result(r, ctx);

    case NGX_BUSY:
        return ngx_http_partoo_tryout_busy(r);

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}


/*
 * The payload document sent as the body, and its signature: the sample of
 * the caller's effective org, else the event's default with that org_id
 * written, signed once (see ngx_http_partoo_tryout_document_get()).
 * NGX_AGAIN: samples_source is to be asked first.
 */

static ngx_int_t
ngx_http_partoo_tryout_payload(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx, ngx_http_partoo_tryout_item_t *item)
{
    ngx_int_t                           rc;
    ngx_http_partoo_tryout_document_t   doc;
    ngx_http_partoo_tryout_loc_conf_t  *ptlcf;

    ptlcf = ngx_http_get_module_loc_conf(r, ngx_http_partoo_tryout_module);

    rc = ngx_http_partoo_tryout_document_get(r, &ptlcf->document,
                                             ctx->auth.org_id, item->event,
                                             &ctx->fetch, &doc);
    if (rc != NGX_OK) {
        return rc;
    }

    ctx->origin = doc.origin;

    ctx->delivery.body = doc.body;
    ctx->delivery.signature = doc.signature;

    return NGX_OK;
}


/* the delivery's handler, run from an nginx event; the one finalization */

static void
ngx_http_partoo_tryout_delivered(ngx_http_request_t *r)
{
    ngx_http_partoo_tryout_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_module);

    r->read_event_handler = ngx_http_block_reading;

    ngx_http_finalize_request(r, ngx_http_partoo_tryout_send_result(r, ctx));
}


/* the 200 answer of the contract (README "The 200 answer"), byte for byte */

static ngx_int_t
ngx_http_partoo_tryout_send_result(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx)
{
    u_char                             *p, *body;
    size_t                              len, url_escape;
    ngx_str_t                          *error, diag;
    const char                         *type;
    ngx_http_partoo_tryout_delivery_t  *d;

    d = &ctx->delivery;

    /* partoo_tryout_diagnostics on: one member more, the rest the same */

    ngx_str_null(&diag);

    if (d->diag
        && ngx_http_partoo_tryout_diag_render(r->pool, d, &diag) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    type = ngx_http_partoo_tryout_event_name(ctx->event);
    error = ngx_http_partoo_tryout_deliver_error_name(d->error);
    url_escape = ngx_escape_json(NULL, d->url.data, d->url.len);

    len = sizeof("{\"items\":[{\"payload\":,\"event_type\":\"\",\"url\":\"\","
                 "\"status\":\"success\",\"response_status\":,"
                 "\"error\":,\"duration_ms\":}]}") - 1
          + d->body.len + ngx_strlen(type) + d->url.len + url_escape
          + NGX_INT_T_LEN + (error ? error->len + 2 : sizeof("null") - 1)
          + NGX_INT_T_LEN
          + (diag.len ? sizeof(",\"diagnostics\":") - 1 + diag.len : 0);

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(body, "{\"items\":[{\"payload\":%V,\"event_type\":\"%s\","
                    "\"url\":\"", &d->body, type);
    p = (u_char *) ngx_escape_json(p, d->url.data, d->url.len);

    p = ngx_sprintf(p, "\",\"status\":\"%s\",\"response_status\":",
                    error ? "error" : "success");

    if (d->response_status) {
        p = ngx_sprintf(p, "%ui", d->response_status);

    } else {
        p = ngx_cpymem(p, "null", sizeof("null") - 1);
    }

    if (error) {
        p = ngx_sprintf(p, ",\"error\":\"%V\"", error);

    } else {
        p = ngx_cpymem(p, ",\"error\":null", sizeof(",\"error\":null") - 1);
    }

    p = ngx_sprintf(p, ",\"duration_ms\":%M", d->duration);

    if (diag.len) {
        p = ngx_sprintf(p, ",\"diagnostics\":%V", &diag);
    }

    p = ngx_cpymem(p, "}]}", sizeof("}]}") - 1);

    ngx_http_partoo_tryout_metrics_delivery(d);

    return ngx_http_partoo_tryout_send(r, NGX_HTTP_OK, body, p - body);
}


static ngx_int_t
ngx_http_partoo_tryout_busy(ngx_http_request_t *r)
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
    ngx_str_set(&h->key, "Retry-After");
    ngx_str_set(&h->value, "1");

    return ngx_http_partoo_tryout_send(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                       ngx_http_partoo_tryout_err_busy.data,
                                       ngx_http_partoo_tryout_err_busy.len);
}


/*
 * nginx's save filter gets only the end of the body: see
 * ngx_http_partoo_tryout_body_take()
 */

static ngx_int_t
ngx_http_partoo_tryout_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_http_partoo_tryout_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_module);

    if (ctx == NULL || !ctx->body.reading) {
        return ngx_http_partoo_tryout_next_body_filter(r, in);
    }

    return ngx_http_partoo_tryout_body_take(r, &ctx->body, in,
                                       ngx_http_partoo_tryout_next_body_filter);
}


static void *
ngx_http_partoo_tryout_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_partoo_tryout_main_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_partoo_tryout_main_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->metrics.zone = NULL;
     *     conf->metrics.max_in_flight = 0;
     */

    ngx_str_set(&conf->metrics.version, NGX_HTTP_PARTOO_TRYOUT_VERSION);

    return conf;
}


static char *
ngx_http_partoo_tryout_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_partoo_tryout_main_conf_t *ptmcf = conf;

    if (ngx_http_partoo_tryout_document_defaults(cf, ptmcf->defaults)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_partoo_tryout_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_partoo_tryout_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_partoo_tryout_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->deliver.user_agent = { 0, NULL };
     *     conf->deliver.trusted_certificate = { 0, NULL };
     *     conf->deliver.user_agent_header = NULL;
     *     conf->deliver.cainfo = NULL;
     *     conf->deliver.allow = { NULL, 0 };
     */

    conf->enable = NGX_CONF_UNSET;
    conf->max_body_size = NGX_CONF_UNSET_SIZE;
    conf->diagnostics = NGX_CONF_UNSET;
    conf->keys = NGX_CONF_UNSET_PTR;
    conf->roles = NGX_CONF_UNSET_UINT;

    if (ngx_http_partoo_tryout_document_create_conf(cf, &conf->document)
        != NGX_OK)
    {
        return NULL;
    }

    conf->deliver.connect_timeout = NGX_CONF_UNSET_MSEC;
    conf->deliver.timeout = NGX_CONF_UNSET_MSEC;
    conf->deliver.max_response_size = NGX_CONF_UNSET_SIZE;
    conf->deliver.max_in_flight = NGX_CONF_UNSET_UINT;
    conf->deliver.allow_address = NGX_CONF_UNSET_PTR;
#if (NGX_THREADS)
    conf->deliver.thread_pool = NGX_CONF_UNSET_PTR;
#endif

    return conf;
}


static char *
ngx_http_partoo_tryout_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_partoo_tryout_loc_conf_t *prev = parent;
    ngx_http_partoo_tryout_loc_conf_t *conf = child;

    ngx_http_core_loc_conf_t            *clcf;
    ngx_http_partoo_tryout_main_conf_t  *ptmcf;

    /* partoo_tryout is the handler of one location, never inherited */
    if (conf->enable == NGX_CONF_UNSET) {
        conf->enable = 0;
    }

    if (conf->keys == NGX_CONF_UNSET_PTR) {
        conf->keys = NULL;
    }

    if (conf->keys
        && ngx_http_partoo_tryout_keys_zone_check(cf, conf->keys) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_uint_value(conf->roles, prev->roles,
                              NGX_HTTP_PARTOO_TRYOUT_ROLES_DEFAULT);

    ngx_conf_merge_value(conf->diagnostics, prev->diagnostics, 0);
    ngx_conf_merge_size_value(conf->max_body_size, prev->max_body_size,
                              64 * 1024);

    if (conf->max_body_size == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"partoo_tryout_max_body_size\" must be positive");
        return NGX_CONF_ERROR;
    }

    ptmcf = ngx_http_conf_get_module_main_conf(cf,
                                               ngx_http_partoo_tryout_module);

    if (ngx_http_partoo_tryout_document_merge_conf(cf, &conf->document,
                                                   &prev->document,
                                                   ptmcf->defaults)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_partoo_tryout_deliver_merge_conf(cf, &conf->deliver,
                                                  &prev->deliver)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->enable) {
        /*
         * The module's own limit answers in the contract's JSON shape and
         * counts chunked bodies too; client_max_body_size would answer
         * nginx's HTML 413 first.
         */
        clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
        clcf->client_max_body_size = 0;

        if (ngx_http_partoo_tryout_deliver_check_conf(cf, &conf->deliver)
            != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }

        ptmcf->metrics.max_in_flight = ngx_max(ptmcf->metrics.max_in_flight,
                                               conf->deliver.max_in_flight);

#if (NGX_THREADS)

        /* partoo_tryout_thread_pool selects the libcurl thread engine */

        if (conf->deliver.thread_pool != NULL) {
            return NGX_CONF_OK;
        }

#endif

        if (ngx_http_partoo_tryout_client_merge(cf, &conf->deliver,
                                                &prev->deliver)
            != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_partoo_tryout(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_partoo_tryout_loc_conf_t *ptlcf = conf;

    ngx_str_t                           *value, name;
    ngx_uint_t                           i;
    ngx_msec_t                           ttl;
    ngx_http_core_loc_conf_t            *clcf;
    ngx_http_partoo_tryout_main_conf_t  *ptmcf;

    if (ptlcf->enable != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    ttl = NGX_CONF_UNSET_MSEC;

    /* name=value parameters; each new one is one more branch */

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "keys=", 5) == 0) {

            if (ptlcf->keys != NGX_CONF_UNSET_PTR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "duplicate parameter \"%V\" in "
                                   "\"partoo_tryout\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            name.data = value[i].data + 5;
            name.len = value[i].len - 5;

            if (name.len == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid keys zone name \"%V\"",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            ptlcf->keys = ngx_http_partoo_tryout_keys_zone_add(cf, &name);
            if (ptlcf->keys == NULL) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "samples=", 8) == 0) {

            if (ptlcf->document.samples) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "duplicate parameter \"%V\" in "
                                   "\"partoo_tryout\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            name.data = value[i].data + 8;
            name.len = value[i].len - 8;

            ptlcf->document.samples =
                  ngx_http_partoo_tryout_samples_zone_ref(cf, &cmd->name,
                                                          &name);
            if (ptlcf->document.samples == NULL) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "samples_source=", 15) == 0) {

            if (ptlcf->document.source.data) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "duplicate parameter \"%V\" in "
                                   "\"partoo_tryout\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            name.data = value[i].data + 15;
            name.len = value[i].len - 15;

            /* the module writes the arguments: org_id and event_type */

            if (name.len == 0 || name.data[0] != '/'
                || ngx_strlchr(name.data, name.data + name.len, '?'))
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid \"%V\" in \"partoo_tryout\": "
                                   "must be a URI starting with \"/\", "
                                   "without arguments", &value[i]);
                return NGX_CONF_ERROR;
            }

            ptlcf->document.source = name;

            continue;
        }

        if (ngx_strncmp(value[i].data, "samples_ttl=", 12) == 0) {

            if (ttl != NGX_CONF_UNSET_MSEC) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "duplicate parameter \"%V\" in "
                                   "\"partoo_tryout\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            name.data = value[i].data + 12;
            name.len = value[i].len - 12;

            ttl = ngx_parse_time(&name, 0);

            if (ttl == (ngx_msec_t) NGX_ERROR || ttl == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid \"%V\" in \"partoo_tryout\": "
                                   "must be a time such as 1m",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" in \"partoo_tryout\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    if (ptlcf->keys == NGX_CONF_UNSET_PTR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"partoo_tryout\" must have \"keys=NAME\": an "
                           "endpoint that sends requests to the URLs its "
                           "callers choose must authenticate them");
        return NGX_CONF_ERROR;
    }

    if (ptlcf->document.source.len && ptlcf->document.samples == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"samples_source\" in \"partoo_tryout\" "
                           "requires \"samples=NAME\": the zone keeps what "
                           "the source answered");
        return NGX_CONF_ERROR;
    }

    if (ttl != NGX_CONF_UNSET_MSEC && ptlcf->document.source.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"samples_ttl\" in \"partoo_tryout\" "
                           "requires \"samples_source=URI\"");
        return NGX_CONF_ERROR;
    }

    /* a minute: a fleet agrees within it, the source is asked seldom */
    ptlcf->document.source_ttl = (ttl == NGX_CONF_UNSET_MSEC) ? 60000 : ttl;

    ptlcf->enable = 1;

    ptmcf = ngx_http_conf_get_module_main_conf(cf,
                                               ngx_http_partoo_tryout_module);
    ptmcf->enabled = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_partoo_tryout_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_partoo_tryout_init(ngx_conf_t *cf)
{
    ngx_pool_cleanup_t                  *cln;
    ngx_http_partoo_tryout_main_conf_t  *ptmcf;

    ptmcf = ngx_http_conf_get_module_main_conf(cf,
                                               ngx_http_partoo_tryout_module);

    if (ngx_http_partoo_tryout_metrics_init(cf, &ptmcf->metrics) != NGX_OK) {
        return NGX_ERROR;
    }

    if (!ptmcf->enabled) {
        return NGX_OK;
    }

    /* compiled once at configuration time, inherited by every worker */

    ptmcf->validator = ngx_http_partoo_tryout_validator_create();
    if (ptmcf->validator == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "partoo_tryout: cannot compile the header pattern");
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_partoo_tryout_cleanup_validator;
    cln->data = ptmcf->validator;

    ngx_http_partoo_tryout_next_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_partoo_tryout_body_filter;

    /* the head's steps, after allow/deny and the other access handlers */

    return ngx_http_partoo_tryout_access_handler_add(cf,
                                        ngx_http_partoo_tryout_access_handler);
}


static char *
ngx_http_partoo_tryout_allow_address(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_partoo_tryout_loc_conf_t *ptlcf = conf;

    ngx_str_t                           *value;
    const char                          *err;
    ngx_http_partoo_tryout_addr_cidr_t  *cidr;

    value = cf->args->elts;

    if (ptlcf->deliver.allow_address == NGX_CONF_UNSET_PTR) {
        ptlcf->deliver.allow_address =
                   ngx_array_create(cf->pool, 4,
                                    sizeof(ngx_http_partoo_tryout_addr_cidr_t));
        if (ptlcf->deliver.allow_address == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    cidr = ngx_array_push(ptlcf->deliver.allow_address);
    if (cidr == NULL) {
        return NGX_CONF_ERROR;
    }

    err = ngx_http_partoo_tryout_addr_cidr_parse((char *) value[1].data,
                                                 value[1].len, cidr);
    if (err) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid address \"%V\" in \"%V\": %s",
                           &value[1], &cmd->name, err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_partoo_tryout_thread_pool(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
#if (NGX_THREADS)

    ngx_http_partoo_tryout_loc_conf_t *ptlcf = conf;

    ngx_str_t  *value;

    if (ptlcf->deliver.thread_pool != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ptlcf->deliver.thread_pool = NULL;
        return NGX_CONF_OK;
    }

    /* "thread_pool NAME" must exist: checked when the main block ends */

    ptlcf->deliver.thread_pool = ngx_thread_pool_add(cf, &value[1]);
    if (ptlcf->deliver.thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

#else

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"%V\" needs nginx built --with-threads", &cmd->name);

    return NGX_CONF_ERROR;

#endif
}


static void
ngx_http_partoo_tryout_cleanup_validator(void *data)
{
    ngx_http_partoo_tryout_validator_destroy(data);
}


/*
 * Once per start and reload, as nginx logs its own version: tells which
 * build of the module a log belongs to.
 */

static ngx_int_t
ngx_http_partoo_tryout_init_module(ngx_cycle_t *cycle)
{
    ngx_http_partoo_tryout_main_conf_t  *ptmcf;

    ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                  "partoo_tryout: ngx_http_partoo_tryout_module/"
                  NGX_HTTP_PARTOO_TRYOUT_VERSION);

    if (ngx_http_partoo_tryout_keys_publish(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    ptmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                                ngx_http_partoo_tryout_module);

    return ngx_http_partoo_tryout_metrics_init_module(cycle,
                                                ptmcf ? &ptmcf->metrics : NULL);
}


static ngx_int_t
ngx_http_partoo_tryout_init_process(ngx_cycle_t *cycle)
{
    ngx_http_partoo_tryout_main_conf_t  *ptmcf;

    ptmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                                ngx_http_partoo_tryout_module);

    if (ptmcf == NULL) {
        return NGX_OK;
    }

    if (ngx_http_partoo_tryout_metrics_init_process(cycle, &ptmcf->metrics)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_http_partoo_tryout_keys_init_process(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    if (!ptmcf->enabled) {
        return NGX_OK;
    }

    return ngx_http_partoo_tryout_deliver_init_process(cycle);
}


static void
ngx_http_partoo_tryout_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_partoo_tryout_deliver_exit_process(cycle);
    ngx_http_partoo_tryout_metrics_exit_process(cycle);
}
