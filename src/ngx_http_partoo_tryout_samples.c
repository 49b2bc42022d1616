
/*
 * Copyright (C) Partoo tryout module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_payload.h"
#include "ngx_http_partoo_tryout_validate.h"
#include "ngx_http_partoo_tryout_samples.h"
#include "ngx_http_partoo_tryout_http.h"
#include "ngx_http_partoo_tryout_metrics.h"


typedef struct {
    ngx_rbtree_t                   rbtree;
    ngx_rbtree_node_t              sentinel;
    ngx_queue_t                    queue;          /* most recent first */
    size_t                         max_size;
    ngx_uint_t                     generation;
    ngx_uint_t                     nsamples;
} ngx_http_partoo_tryout_samples_shctx_t;


typedef struct {
    ngx_http_partoo_tryout_samples_shctx_t  *sh;
    ngx_slab_pool_t                         *shpool;
} ngx_http_partoo_tryout_samples_zone_t;


/* one sample; node.key hashes (org_id, event) */

typedef struct {
    ngx_rbtree_node_t              node;
    ngx_queue_t                    queue;
    int64_t                        org_id;
    ngx_uint_t                     event;
    ngx_uint_t                     generation;
    size_t                         len;

    /* a source's entry: ngx_current_msec it expires at; a PUT's: 0 */
    uint64_t                       expires;

    /* the document's signature, kept by the first tryout that signs it */
    u_char                         key_id[NGX_HTTP_PARTOO_TRYOUT_KEY_ID];
    u_char                         signature[NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN];
    unsigned                       signed_:1;
    unsigned                       missing:1;  /* the source had none */

    u_char                         data[1];
} ngx_http_partoo_tryout_sample_t;


typedef struct {
    ngx_shm_zone_t                *zone;
    ngx_str_t                      directive;
    ngx_str_t                      file;
    ngx_uint_t                     line;
} ngx_http_partoo_tryout_samples_ref_t;


typedef struct {
    ngx_array_t                    refs;
    ngx_uint_t                     api;          /* any samples_api */
} ngx_http_partoo_tryout_samples_main_conf_t;


typedef struct {
    ngx_shm_zone_t                *api_zone;
    size_t                         api_max_size;
} ngx_http_partoo_tryout_samples_loc_conf_t;


typedef struct {
    int64_t                        org_id;
    ngx_uint_t                     event;
    ngx_http_partoo_tryout_body_t  body;
    unsigned                       head_passed:1;
} ngx_http_partoo_tryout_samples_ctx_t;


static ngx_int_t ngx_http_partoo_tryout_samples_api_handler(
    ngx_http_request_t *r);
static void ngx_http_partoo_tryout_samples_access_body_handler(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_partoo_tryout_samples_access_handler(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_partoo_tryout_samples_head(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_ctx_t **ctxp);
static ngx_int_t ngx_http_partoo_tryout_samples_query(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_ctx_t *ctx, ngx_str_t *err);
static void ngx_http_partoo_tryout_samples_put_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_partoo_tryout_samples_put(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_ctx_t *ctx);
static ngx_int_t ngx_http_partoo_tryout_samples_get(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_ctx_t *ctx);
static ngx_int_t ngx_http_partoo_tryout_samples_delete(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_ctx_t *ctx);
static ngx_int_t ngx_http_partoo_tryout_samples_body_filter(
    ngx_http_request_t *r, ngx_chain_t *in);

static ngx_int_t ngx_http_partoo_tryout_samples_store(ngx_shm_zone_t *zone,
    int64_t org_id, ngx_uint_t event, u_char *data, size_t len,
    uint64_t expires, ngx_uint_t *generation, ngx_log_t *log);
static ngx_http_partoo_tryout_sample_t *ngx_http_partoo_tryout_samples_find(
    ngx_http_partoo_tryout_samples_shctx_t *sh, int64_t org_id,
    ngx_uint_t event);
static uint64_t ngx_http_partoo_tryout_samples_now(void);
static ngx_http_partoo_tryout_sample_t *ngx_http_partoo_tryout_samples_lookup(
    ngx_http_partoo_tryout_samples_shctx_t *sh, int64_t org_id,
    ngx_uint_t event);
static void ngx_http_partoo_tryout_samples_remove(
    ngx_http_partoo_tryout_samples_zone_t *ctx,
    ngx_http_partoo_tryout_sample_t *s);
static ngx_rbtree_key_t ngx_http_partoo_tryout_samples_hash(int64_t org_id,
    ngx_uint_t event);
static ngx_int_t ngx_http_partoo_tryout_samples_cmp(int64_t org_id,
    ngx_uint_t event, ngx_http_partoo_tryout_sample_t *s);
static void ngx_http_partoo_tryout_samples_rbtree_insert_value(
    ngx_rbtree_node_t *temp, ngx_rbtree_node_t *node,
    ngx_rbtree_node_t *sentinel);
static ngx_int_t ngx_http_partoo_tryout_samples_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);

static void *ngx_http_partoo_tryout_samples_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_partoo_tryout_samples_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_partoo_tryout_samples_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_partoo_tryout_samples_zone(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_partoo_tryout_samples_api(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_partoo_tryout_samples_init(ngx_conf_t *cf);


#define NGX_HTTP_PARTOO_TRYOUT_SAMPLES_ZONE_LIMIT                             \
    "{\"errors\":{\"json\":\"sample too large for the samples zone "          \
    "(at most %uz bytes)\"}}"

static ngx_str_t  ngx_http_partoo_tryout_samples_err_not_found =
    ngx_string("{\"errors\":{\"json\":\"sample not found\"}}");

static ngx_str_t  ngx_http_partoo_tryout_samples_msg_required =
    ngx_string("is required");

static ngx_str_t  ngx_http_partoo_tryout_samples_msg_integer =
    ngx_string("must be an integer");

static ngx_str_t  ngx_http_partoo_tryout_samples_msg_event =
    ngx_string("must be one of: " NGX_HTTP_PARTOO_TRYOUT_EVENT_LIST);

static ngx_command_t  ngx_http_partoo_tryout_samples_commands[] = {

    { ngx_string("partoo_tryout_samples_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_partoo_tryout_samples_zone,
      0,
      0,
      NULL },

    { ngx_string("partoo_tryout_samples_api"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_partoo_tryout_samples_api,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_partoo_tryout_samples_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_partoo_tryout_samples_init,   /* postconfiguration */

    ngx_http_partoo_tryout_samples_create_main_conf,
                                           /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_partoo_tryout_samples_create_loc_conf,
                                           /* create location configuration */
    ngx_http_partoo_tryout_samples_merge_loc_conf
                                           /* merge location configuration */
};


ngx_module_t  ngx_http_partoo_tryout_samples_module = {
    NGX_MODULE_V1,
    &ngx_http_partoo_tryout_samples_module_ctx, /* module context */
    ngx_http_partoo_tryout_samples_commands, /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_request_body_filter_pt
    ngx_http_partoo_tryout_samples_next_body_filter;


/*
 * The samples API: PUT, GET, DELETE ?org_id=N&event_type=T.  What the
 * head decides is checked in the access phase, before mirror or any other
 * precontent reader takes a body, and here again for a subrequest.
 */

static ngx_int_t
ngx_http_partoo_tryout_samples_api_handler(ngx_http_request_t *r)
{
    ngx_int_t                                   rc;
    ngx_http_partoo_tryout_samples_ctx_t       *ctx;
    ngx_http_partoo_tryout_samples_loc_conf_t  *pslcf;

    rc = ngx_http_partoo_tryout_samples_head(r, &ctx);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "partoo_tryout: samples %V org %L event %ui",
                   &r->method_name, ctx->org_id, ctx->event);

    if (r->method == NGX_HTTP_GET) {
        return ngx_http_partoo_tryout_samples_get(r, ctx);
    }

    if (r->method == NGX_HTTP_DELETE) {
        return ngx_http_partoo_tryout_samples_delete(r, ctx);
    }

    pslcf = ngx_http_get_module_loc_conf(r,
                                         ngx_http_partoo_tryout_samples_module);

    /*
     * The body filter counts the bytes and drops them past the limit;
     * below it, nginx keeps them as client_body_buffer_size says.
     */
    ctx->body.max = pslcf->api_max_size;
    ctx->body.stored = 1;

    return ngx_http_partoo_tryout_body_read(r, &ctx->body,
                                   ngx_http_partoo_tryout_samples_put_handler);
}


static ngx_int_t
ngx_http_partoo_tryout_samples_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                                   rc;
    ngx_http_partoo_tryout_samples_ctx_t       *ctx;
    ngx_http_partoo_tryout_samples_loc_conf_t  *pslcf;

    pslcf = ngx_http_get_module_loc_conf(r,
                                         ngx_http_partoo_tryout_samples_module);

    if (pslcf->api_zone == NULL) {
        return NGX_DECLINED;
    }

    rc = ngx_http_partoo_tryout_samples_head(r, &ctx);

    if (rc == NGX_DECLINED) {
        /* NGX_DECLINED, not NGX_OK: under "satisfy any" that would grant */
        return ngx_http_partoo_tryout_body_read_early(r, &ctx->body,
                            pslcf->api_max_size,
                            ngx_http_partoo_tryout_samples_access_body_handler);
    }

    /* answered in JSON here, not by nginx's own error pages */
    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


static void
ngx_http_partoo_tryout_samples_access_body_handler(ngx_http_request_t *r)
{
    ngx_http_partoo_tryout_samples_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_samples_module);

    ngx_http_partoo_tryout_body_read_resume(r, &ctx->body);
}


/*
 * Method, query, and for a PUT media type and announced size, in this
 * order.  NGX_DECLINED lets the request on with "*ctxp" set; else the
 * answer is sent and its rc is returned.
 */

static ngx_int_t
ngx_http_partoo_tryout_samples_head(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_ctx_t **ctxp)
{
    ngx_int_t                                   rc;
    ngx_str_t                                   err, *body;
    ngx_http_partoo_tryout_samples_ctx_t       *ctx;
    ngx_http_partoo_tryout_samples_loc_conf_t  *pslcf;

    static ngx_str_t  allow = ngx_string("GET, PUT, DELETE");

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_PUT|NGX_HTTP_DELETE))) {
        return ngx_http_partoo_tryout_not_allowed(r, &allow);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_samples_module);

    if (ctx && ctx->head_passed) {
        *ctxp = ctx;
        return NGX_DECLINED;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_partoo_tryout_samples_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_partoo_tryout_samples_query(r, ctx, &err);

    if (rc == NGX_DECLINED) {
        return ngx_http_partoo_tryout_reject(r, NGX_HTTP_BAD_REQUEST, &err);
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (r->method == NGX_HTTP_PUT) {
        pslcf = ngx_http_get_module_loc_conf(r,
                                         ngx_http_partoo_tryout_samples_module);

        rc = ngx_http_partoo_tryout_body_check(r, pslcf->api_max_size,
                                               &body);
        if (rc != NGX_OK) {
            return ngx_http_partoo_tryout_reject(r, rc, body);
        }
    }

    ctx->head_passed = 1;
    ngx_http_set_ctx(r, ctx, ngx_http_partoo_tryout_samples_module);

    *ctxp = ctx;

    return NGX_DECLINED;
}


/*
 * org_id and event_type, both reported at once as the tryout reports the
 * fields of an item: NGX_DECLINED with "err" set to the 400 body
 * {"errors":{"query":{"org_id":..,"event_type":..}}}.
 */

static ngx_int_t
ngx_http_partoo_tryout_samples_query(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_ctx_t *ctx, ngx_str_t *err)
{
    int         event;
    u_char     *p, *dst, *src;
    size_t      len;
    ngx_str_t   value, *org_err, *event_err;

    org_err = NULL;
    event_err = NULL;

    switch (ngx_http_partoo_tryout_org_id_arg(&r->args, &ctx->org_id)) {

    case NGX_DECLINED:
        org_err = &ngx_http_partoo_tryout_samples_msg_required;
        break;

    case NGX_ERROR:
        org_err = &ngx_http_partoo_tryout_samples_msg_integer;
        break;

    default: /* NGX_OK */
        break;
    }

    event = -1;

    if (ngx_http_arg(r, (u_char *) "event_type", 10, &value) != NGX_OK) {
        event_err = &ngx_http_partoo_tryout_samples_msg_required;

    } else {
        if (ngx_strlchr(value.data, value.data + value.len, '%') != NULL) {
            dst = ngx_pnalloc(r->pool, value.len);
            if (dst == NULL) {
                return NGX_ERROR;
            }

            src = value.data;
            value.data = dst;
            ngx_unescape_uri(&dst, &src, value.len, NGX_UNESCAPE_URI);
            value.len = dst - value.data;
        }

        event = ngx_http_partoo_tryout_event_lookup((char *) value.data,
                                                    value.len);
        if (event < 0) {
            event_err = &ngx_http_partoo_tryout_samples_msg_event;
        }
    }

    if (org_err == NULL && event_err == NULL) {
        ctx->event = event;
        return NGX_OK;
    }

    len = sizeof("{\"errors\":{\"query\":{\"org_id\":\"\","
                 "\"event_type\":\"\"}}}")
          + (org_err ? org_err->len : 0) + (event_err ? event_err->len : 0);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    err->data = p;

    p = ngx_cpymem(p, "{\"errors\":{\"query\":{",
                   sizeof("{\"errors\":{\"query\":{") - 1);

    if (org_err) {
        p = ngx_sprintf(p, "\"org_id\":\"%V\"%s", org_err,
                        event_err ? "," : "");
    }

    if (event_err) {
        p = ngx_sprintf(p, "\"event_type\":\"%V\"", event_err);
    }

    p = ngx_cpymem(p, "}}}", 3);

    err->len = p - err->data;

    return NGX_DECLINED;
}


static void
ngx_http_partoo_tryout_samples_put_handler(ngx_http_request_t *r)
{
    ngx_http_partoo_tryout_samples_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_samples_module);
    ctx->body.reading = 0;

    ngx_http_finalize_request(r, ngx_http_partoo_tryout_samples_put(r, ctx));
}


static ngx_int_t
ngx_http_partoo_tryout_samples_put(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_ctx_t *ctx)
{
    u_char                                     *data, *p;
    size_t                                      len;
    ngx_int_t                                   rc;
    ngx_http_partoo_tryout_samples_zone_t      *zctx;
    ngx_http_partoo_tryout_samples_loc_conf_t  *pslcf;

    pslcf = ngx_http_get_module_loc_conf(r,
                                         ngx_http_partoo_tryout_samples_module);

    rc = ngx_http_partoo_tryout_body_collect(r, &ctx->body);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ctx->body.too_large) {
        return ngx_http_partoo_tryout_send(r,
                             NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                     ngx_http_partoo_tryout_err_too_large.data,
                                     ngx_http_partoo_tryout_err_too_large.len);
    }

    data = ctx->body.data;
    len = ctx->body.len;

    switch (ngx_http_partoo_tryout_payload_check((char *) data, len, NULL, 0)) {

    case NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK:
        break;

    case NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_INVALID:
        return ngx_http_partoo_tryout_send(r, NGX_HTTP_BAD_REQUEST,
                        (u_char *) ngx_http_partoo_tryout_err_invalid_json.data,
                        ngx_http_partoo_tryout_err_invalid_json.len);

    case NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_NOT_OBJECT:
        return ngx_http_partoo_tryout_send(r, NGX_HTTP_BAD_REQUEST,
                          (u_char *) ngx_http_partoo_tryout_err_not_object.data,
                          ngx_http_partoo_tryout_err_not_object.len);

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_partoo_tryout_samples_store(pslcf->api_zone, ctx->org_id,
                                              ctx->event, data, len, 0, NULL,
                                              r->connection->log);

    if (rc == NGX_DECLINED) {
        zctx = pslcf->api_zone->data;

        len = sizeof(NGX_HTTP_PARTOO_TRYOUT_SAMPLES_ZONE_LIMIT)
              + NGX_SIZE_T_LEN;

        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        len = ngx_sprintf(p, NGX_HTTP_PARTOO_TRYOUT_SAMPLES_ZONE_LIMIT,
                          zctx->sh->max_size)
              - p;

        return ngx_http_partoo_tryout_send(r,
                                           NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                           p, len);
    }

    if (rc != NGX_OK && rc != NGX_DONE) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_partoo_tryout_send(r,
                                       (rc == NGX_OK) ? NGX_HTTP_CREATED
                                                      : NGX_HTTP_NO_CONTENT,
                                       NULL, 0);
}


static ngx_int_t
ngx_http_partoo_tryout_samples_get(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_ctx_t *ctx)
{
    u_char                                     *p;
    size_t                                      len;
    ngx_int_t                                   rc;
    ngx_http_partoo_tryout_sample_t            *s;
    ngx_http_partoo_tryout_samples_zone_t      *zctx;
    ngx_http_partoo_tryout_samples_loc_conf_t  *pslcf;

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    pslcf = ngx_http_get_module_loc_conf(r,
                                         ngx_http_partoo_tryout_samples_module);
    zctx = pslcf->api_zone->data;

    p = NULL;
    len = 0;

    ngx_shmtx_lock(&zctx->shpool->mutex);

    s = ngx_http_partoo_tryout_samples_find(zctx->sh, ctx->org_id,
                                            ctx->event);
    if (s && s->missing) {
        s = NULL;
    }

    if (s) {
        /* a read is a use: the sample is the last to be evicted */
        ngx_queue_remove(&s->queue);
        ngx_queue_insert_head(&zctx->sh->queue, &s->queue);

        len = s->len;
        p = ngx_pnalloc(r->pool, len);

        if (p) {
            ngx_memcpy(p, s->data, len);
        }
    }

    ngx_shmtx_unlock(&zctx->shpool->mutex);

    if (s == NULL) {
        return ngx_http_partoo_tryout_send(r, NGX_HTTP_NOT_FOUND,
                             ngx_http_partoo_tryout_samples_err_not_found.data,
                             ngx_http_partoo_tryout_samples_err_not_found.len);
    }

    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_partoo_tryout_send(r, NGX_HTTP_OK, p, len);
}


static ngx_int_t
ngx_http_partoo_tryout_samples_delete(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_ctx_t *ctx)
{
    ngx_int_t                                   rc;
    ngx_uint_t                                  found;
    ngx_http_partoo_tryout_sample_t            *s;
    ngx_http_partoo_tryout_samples_zone_t      *zctx;
    ngx_http_partoo_tryout_samples_loc_conf_t  *pslcf;

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    pslcf = ngx_http_get_module_loc_conf(r,
                                         ngx_http_partoo_tryout_samples_module);
    zctx = pslcf->api_zone->data;

    ngx_shmtx_lock(&zctx->shpool->mutex);

    found = 0;

    s = ngx_http_partoo_tryout_samples_lookup(zctx->sh, ctx->org_id,
                                              ctx->event);
    if (s) {
        /* an expired or negative entry goes too, yet was no sample */
        found = (ngx_http_partoo_tryout_samples_find(zctx->sh, ctx->org_id,
                                                     ctx->event)
                 != NULL && !s->missing);

        ngx_http_partoo_tryout_samples_remove(zctx, s);
    }

    ngx_shmtx_unlock(&zctx->shpool->mutex);

    if (!found) {
        return ngx_http_partoo_tryout_send(r, NGX_HTTP_NOT_FOUND,
                             ngx_http_partoo_tryout_samples_err_not_found.data,
                             ngx_http_partoo_tryout_samples_err_not_found.len);
    }

    return ngx_http_partoo_tryout_send(r, NGX_HTTP_NO_CONTENT, NULL, 0);
}


/* PUT bodies: see ngx_http_partoo_tryout_body_take() */

static ngx_int_t
ngx_http_partoo_tryout_samples_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in)
{
    ngx_http_partoo_tryout_samples_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_samples_module);

    if (ctx == NULL || !ctx->body.reading) {
        return ngx_http_partoo_tryout_samples_next_body_filter(r, in);
    }

    return ngx_http_partoo_tryout_body_take(r, &ctx->body, in,
                               ngx_http_partoo_tryout_samples_next_body_filter);
}


/*
 * Stores a copy of "data" as the sample of (org_id, event), evicting the
 * least recently used samples until it fits; "data" NULL: the source has
 * none.  "expires" 0: a PUT's, kept until replaced; else a source's,
 * which never replaces a PUT's.  NGX_OK: created, NGX_DONE: replaced,
 * NGX_DECLINED: larger than the zone can ever hold, NGX_BUSY: a PUT's
 * sample stays.
 */

static ngx_int_t
ngx_http_partoo_tryout_samples_store(ngx_shm_zone_t *zone, int64_t org_id,
    ngx_uint_t event, u_char *data, size_t len, uint64_t expires,
    ngx_uint_t *generation, ngx_log_t *log)
{
    size_t                                  size;
    ngx_int_t                               rc;
    ngx_queue_t                            *q;
    ngx_http_partoo_tryout_sample_t        *s, *old;
    ngx_http_partoo_tryout_samples_zone_t  *zctx;

    zctx = zone->data;

    /* checked first, so a sample that cannot fit never evicts anything */
    if (len > zctx->sh->max_size) {
        return NGX_DECLINED;
    }

    size = offsetof(ngx_http_partoo_tryout_sample_t, data) + len;

    ngx_shmtx_lock(&zctx->shpool->mutex);

    old = ngx_http_partoo_tryout_samples_lookup(zctx->sh, org_id, event);

    if (old && expires && old->expires == 0) {
        ngx_shmtx_unlock(&zctx->shpool->mutex);
        return NGX_BUSY;
    }

    if (old) {
        /* it goes anyway: its room may be what the new one needs */
        ngx_http_partoo_tryout_samples_remove(zctx, old);
        rc = NGX_DONE;

    } else {
        rc = NGX_OK;
    }

    for ( ;; ) {
        s = ngx_slab_alloc_locked(zctx->shpool, size);
        if (s) {
            break;
        }

        if (ngx_queue_empty(&zctx->sh->queue)) {
            ngx_shmtx_unlock(&zctx->shpool->mutex);

            ngx_log_error(NGX_LOG_CRIT, log, 0,
                          "partoo_tryout: samples zone \"%V\" cannot hold "
                          "%uz bytes though empty", &zone->shm.name, len);
            return NGX_ERROR;
        }

        q = ngx_queue_last(&zctx->sh->queue);
        old = ngx_queue_data(q, ngx_http_partoo_tryout_sample_t, queue);

        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "partoo_tryout: samples zone \"%V\" is full, evicted "
                      "the %s sample of org %L",
                      &zone->shm.name,
                      ngx_http_partoo_tryout_event_name(old->event),
                      old->org_id);

        ngx_http_partoo_tryout_samples_remove(zctx, old);
        ngx_http_partoo_tryout_metrics_samples_evicted(&zone->shm.name);
    }

    ngx_memzero(s, offsetof(ngx_http_partoo_tryout_sample_t, data));

    s->node.key = ngx_http_partoo_tryout_samples_hash(org_id, event);
    s->org_id = org_id;
    s->event = event;
    s->generation = ++zctx->sh->generation;
    s->len = len;
    s->expires = expires;
    s->missing = (data == NULL);

    if (data) {
        ngx_memcpy(s->data, data, len);
    }

    if (generation) {
        *generation = s->generation;
    }

    ngx_rbtree_insert(&zctx->sh->rbtree, &s->node);
    ngx_queue_insert_head(&zctx->sh->queue, &s->queue);
    zctx->sh->nsamples++;

    ngx_shmtx_unlock(&zctx->shpool->mutex);

    return rc;
}


static ngx_http_partoo_tryout_sample_t *
ngx_http_partoo_tryout_samples_lookup(
    ngx_http_partoo_tryout_samples_shctx_t *sh, int64_t org_id,
    ngx_uint_t event)
{
    ngx_int_t                         rc;
    ngx_rbtree_key_t                  hash;
    ngx_rbtree_node_t                *node, *sentinel;
    ngx_http_partoo_tryout_sample_t  *s;

    hash = ngx_http_partoo_tryout_samples_hash(org_id, event);

    node = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        /* hash == node->key */

        s = (ngx_http_partoo_tryout_sample_t *) node;

        rc = ngx_http_partoo_tryout_samples_cmp(org_id, event, s);

        if (rc == 0) {
            return s;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


static void
ngx_http_partoo_tryout_samples_remove(
    ngx_http_partoo_tryout_samples_zone_t *zctx,
    ngx_http_partoo_tryout_sample_t *s)
{
    ngx_queue_remove(&s->queue);
    ngx_rbtree_delete(&zctx->sh->rbtree, &s->node);
    ngx_slab_free_locked(zctx->shpool, s);
    zctx->sh->nsamples--;
}


/* one word, read without the lock */

ngx_int_t
ngx_http_partoo_tryout_samples_zone_samples(ngx_shm_zone_t *shm_zone,
    ngx_uint_t *nsamples)
{
    ngx_http_partoo_tryout_samples_zone_t  *zctx;

    if (shm_zone->init != ngx_http_partoo_tryout_samples_init_zone) {
        return NGX_DECLINED;
    }

    zctx = shm_zone->data;

    if (zctx == NULL || zctx->sh == NULL) {
        return NGX_DECLINED;
    }

    *nsamples = zctx->sh->nsamples;

    return NGX_OK;
}


ngx_uint_t
ngx_http_partoo_tryout_samples_api_location(ngx_http_request_t *r)
{
    ngx_http_partoo_tryout_samples_loc_conf_t  *pslcf;

    pslcf = ngx_http_get_module_loc_conf(r,
                                         ngx_http_partoo_tryout_samples_module);

    return pslcf->api_zone != NULL;
}


static ngx_rbtree_key_t
ngx_http_partoo_tryout_samples_hash(int64_t org_id, ngx_uint_t event)
{
    /* unique below 2^60 orgs on 64-bit; collisions are told apart anyway */
    return (ngx_rbtree_key_t) ((uint64_t) org_id * 8 + event);
}


static ngx_int_t
ngx_http_partoo_tryout_samples_cmp(int64_t org_id, ngx_uint_t event,
    ngx_http_partoo_tryout_sample_t *s)
{
    if (org_id != s->org_id) {
        return (org_id < s->org_id) ? -1 : 1;
    }

    if (event != s->event) {
        return (event < s->event) ? -1 : 1;
    }

    return 0;
}


static void
ngx_http_partoo_tryout_samples_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t               **p;
    ngx_http_partoo_tryout_sample_t  *s;

    s = (ngx_http_partoo_tryout_sample_t *) node;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else { /* node->key == temp->key */

            p = (ngx_http_partoo_tryout_samples_cmp(s->org_id, s->event,
                     (ngx_http_partoo_tryout_sample_t *) temp) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


ngx_int_t
ngx_http_partoo_tryout_samples_copy(ngx_shm_zone_t *zone, int64_t org_id,
    ngx_http_partoo_tryout_event_e event, ngx_pool_t *pool,
    ngx_http_partoo_tryout_sample_copy_t *copy)
{
    ngx_http_partoo_tryout_sample_t        *s;
    ngx_http_partoo_tryout_samples_zone_t  *zctx;

    zctx = zone->data;

    ngx_memzero(copy, sizeof(ngx_http_partoo_tryout_sample_copy_t));

    ngx_shmtx_lock(&zctx->shpool->mutex);

    s = ngx_http_partoo_tryout_samples_find(zctx->sh, org_id, event);

    if (s && s->missing) {
        ngx_queue_remove(&s->queue);
        ngx_queue_insert_head(&zctx->sh->queue, &s->queue);
        ngx_shmtx_unlock(&zctx->shpool->mutex);

        return NGX_DONE;
    }

    if (s) {
        ngx_queue_remove(&s->queue);
        ngx_queue_insert_head(&zctx->sh->queue, &s->queue);

        copy->data.len = s->len;
        copy->data.data = ngx_pnalloc(pool, s->len);

        if (copy->data.data) {
            ngx_memcpy(copy->data.data, s->data, s->len);

            copy->generation = s->generation;

            if (s->signed_) {
                ngx_memcpy(copy->key_id, s->key_id,
                           NGX_HTTP_PARTOO_TRYOUT_KEY_ID);
                ngx_memcpy(copy->signature, s->signature,
                           NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);
                copy->signed_ = 1;
            }
        }
    }

    ngx_shmtx_unlock(&zctx->shpool->mutex);

    if (s == NULL) {
        return NGX_DECLINED;
    }

    return copy->data.data ? NGX_OK : NGX_ERROR;
}


/* a source's answer: its document, or "data" NULL for none */

ngx_int_t
ngx_http_partoo_tryout_samples_store_source(ngx_shm_zone_t *zone,
    int64_t org_id, ngx_http_partoo_tryout_event_e event, u_char *data,
    size_t len, ngx_msec_t ttl, ngx_uint_t *generation, ngx_log_t *log)
{
    return ngx_http_partoo_tryout_samples_store(zone, org_id, event, data,
                                   len, ngx_http_partoo_tryout_samples_now()
                                        + ttl,
                                   generation, log);
}


/* the entry of (org_id, event) unless expired; under the zone's lock */

static ngx_http_partoo_tryout_sample_t *
ngx_http_partoo_tryout_samples_find(
    ngx_http_partoo_tryout_samples_shctx_t *sh, int64_t org_id,
    ngx_uint_t event)
{
    ngx_http_partoo_tryout_sample_t  *s;

    s = ngx_http_partoo_tryout_samples_lookup(sh, org_id, event);

    /* an expired one stays until replaced or evicted: no write here */

    if (s && s->expires && s->expires <= ngx_http_partoo_tryout_samples_now())
    {
        return NULL;
    }

    return s;
}


/*
 * nginx's monotonic clock (CLOCK_MONOTONIC, one for the whole machine, so
 * every worker compares the same times): a wall clock stepped back would
 * keep a source's answers longer by the step.
 */

static uint64_t
ngx_http_partoo_tryout_samples_now(void)
{
    return (uint64_t) ngx_current_msec;
}


void
ngx_http_partoo_tryout_samples_keep_signature(ngx_shm_zone_t *zone,
    int64_t org_id, ngx_http_partoo_tryout_event_e event,
    ngx_uint_t generation, u_char *key_id, u_char *signature)
{
    ngx_http_partoo_tryout_sample_t        *s;
    ngx_http_partoo_tryout_samples_zone_t  *zctx;

    zctx = zone->data;

    ngx_shmtx_lock(&zctx->shpool->mutex);

    s = ngx_http_partoo_tryout_samples_lookup(zctx->sh, org_id, event);

    if (s && s->generation == generation) {
        ngx_memcpy(s->key_id, key_id, NGX_HTTP_PARTOO_TRYOUT_KEY_ID);
        ngx_memcpy(s->signature, signature, NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);
        s->signed_ = 1;
    }

    ngx_shmtx_unlock(&zctx->shpool->mutex);
}


/*
 * A reload with the same zone name and size keeps the memory and so the
 * samples; only a new zone is laid out, with the largest sample it can
 * ever hold: all its free pages in one piece, once the rest is evicted.
 */

static ngx_int_t
ngx_http_partoo_tryout_samples_init_zone(ngx_shm_zone_t *shm_zone,
    void *data)
{
    ngx_http_partoo_tryout_samples_zone_t  *octx = data;

    size_t                                  len, room;
    ngx_http_partoo_tryout_samples_zone_t  *ctx;

    ctx = shm_zone->data;

    if (octx) {
        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;

        return NGX_OK;
    }

    ctx->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        ctx->sh = ctx->shpool->data;

        return NGX_OK;
    }

    ctx->sh = ngx_slab_alloc(ctx->shpool,
                             sizeof(ngx_http_partoo_tryout_samples_shctx_t));
    if (ctx->sh == NULL) {
        return NGX_ERROR;
    }

    ctx->shpool->data = ctx->sh;

    ngx_rbtree_init(&ctx->sh->rbtree, &ctx->sh->sentinel,
                    ngx_http_partoo_tryout_samples_rbtree_insert_value);

    ngx_queue_init(&ctx->sh->queue);

    ctx->sh->generation = 0;
    ctx->sh->nsamples = 0;

    len = sizeof(" in partoo_tryout_samples_zone \"\"")
          + shm_zone->shm.name.len;

    ctx->shpool->log_ctx = ngx_slab_alloc(ctx->shpool, len);
    if (ctx->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(ctx->shpool->log_ctx, " in partoo_tryout_samples_zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone evicts: that is no failure worth a log line */
    ctx->shpool->log_nomem = 0;

    room = ctx->shpool->pfree * ngx_pagesize;

    ctx->sh->max_size = (room > offsetof(ngx_http_partoo_tryout_sample_t,
                                         data))
                        ? room - offsetof(ngx_http_partoo_tryout_sample_t, data)
                        : 0;

    ngx_log_error(NGX_LOG_NOTICE, shm_zone->shm.log, 0,
                  "partoo_tryout: samples zone \"%V\" holds samples of up to "
                  "%uz bytes", &shm_zone->shm.name, ctx->sh->max_size);

    return NGX_OK;
}


static void *
ngx_http_partoo_tryout_samples_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_partoo_tryout_samples_main_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool,
                       sizeof(ngx_http_partoo_tryout_samples_main_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&conf->refs, cf->pool, 2,
                       sizeof(ngx_http_partoo_tryout_samples_ref_t))
        != NGX_OK)
    {
        return NULL;
    }

    return conf;
}


static void *
ngx_http_partoo_tryout_samples_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_partoo_tryout_samples_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool,
                       sizeof(ngx_http_partoo_tryout_samples_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->api_zone = NULL;
     */

    conf->api_max_size = NGX_CONF_UNSET_SIZE;

    return conf;
}


static char *
ngx_http_partoo_tryout_samples_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_partoo_tryout_samples_loc_conf_t *conf = child;

    ngx_http_core_loc_conf_t  *clcf;

    if (conf->api_zone) {
        /* set with the directive, never inherited: see samples_api */

        /*
         * The limit is the API's, answered in JSON and counted on chunked
         * bodies too; client_max_body_size would answer nginx's HTML 413.
         */
        clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
        clcf->client_max_body_size = 0;
    }

    return NGX_CONF_OK;
}


/* partoo_tryout_samples_zone zone=NAME:SIZE */

static char *
ngx_http_partoo_tryout_samples_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ssize_t                                 size;
    ngx_str_t                              *value, name;
    ngx_uint_t                              i;
    ngx_shm_zone_t                         *shm_zone;
    ngx_http_partoo_tryout_samples_zone_t  *ctx;

    value = cf->args->elts;

    ngx_str_null(&name);
    size = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {

            if (ngx_http_partoo_tryout_zone_arg(cf, &value[i], &name, &size)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"zone\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_partoo_tryout_samples_zone_t));
    if (ctx == NULL) {
        return NGX_CONF_ERROR;
    }

    shm_zone = ngx_shared_memory_add(cf, &name, size,
                                     &ngx_http_partoo_tryout_samples_module);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%V \"%V\" is duplicate", &cmd->name, &name);
        return NGX_CONF_ERROR;
    }

    shm_zone->init = ngx_http_partoo_tryout_samples_init_zone;
    shm_zone->data = ctx;

    return NGX_CONF_OK;
}


/* partoo_tryout_samples_api NAME [max_size=SIZE] */

static char *
ngx_http_partoo_tryout_samples_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_partoo_tryout_samples_loc_conf_t *pslcf = conf;

    ssize_t                                      size;
    ngx_str_t                                   *value, s;
    ngx_http_core_loc_conf_t                    *clcf;
    ngx_http_partoo_tryout_samples_main_conf_t  *psmcf;

    if (pslcf->api_zone) {
        return "is duplicate";
    }

    value = cf->args->elts;

    pslcf->api_max_size = NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MAX_FILE;

    if (cf->args->nelts == 3) {

        if (ngx_strncmp(value[2].data, "max_size=", 9) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\" in \"%V\"",
                               &value[2], &cmd->name);
            return NGX_CONF_ERROR;
        }

        s.data = value[2].data + 9;
        s.len = value[2].len - 9;

        size = ngx_parse_size(&s);

        if (size <= 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid max_size \"%V\" in \"%V\"",
                               &value[2], &cmd->name);
            return NGX_CONF_ERROR;
        }

        pslcf->api_max_size = size;
    }

    pslcf->api_zone = ngx_http_partoo_tryout_samples_zone_ref(cf, &cmd->name,
                                                              &value[1]);
    if (pslcf->api_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    psmcf = ngx_http_conf_get_module_main_conf(cf,
                                         ngx_http_partoo_tryout_samples_module);
    psmcf->api = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_partoo_tryout_samples_api_handler;

    return NGX_CONF_OK;
}


/*
 * A zone named by a directive; whether it is declared is only known once
 * the http block is read: see ngx_http_partoo_tryout_samples_init().
 */

ngx_shm_zone_t *
ngx_http_partoo_tryout_samples_zone_ref(ngx_conf_t *cf, ngx_str_t *directive,
    ngx_str_t *name)
{
    ngx_shm_zone_t                              *shm_zone;
    ngx_http_partoo_tryout_samples_ref_t        *ref;
    ngx_http_partoo_tryout_samples_main_conf_t  *psmcf;

    if (name->len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": empty samples zone name", directive);
        return NULL;
    }

    shm_zone = ngx_shared_memory_add(cf, name, 0,
                                     &ngx_http_partoo_tryout_samples_module);
    if (shm_zone == NULL) {
        return NULL;
    }

    psmcf = ngx_http_conf_get_module_main_conf(cf,
                                         ngx_http_partoo_tryout_samples_module);

    ref = ngx_array_push(&psmcf->refs);
    if (ref == NULL) {
        return NULL;
    }

    ref->zone = shm_zone;
    ref->directive = *directive;
    ref->file = cf->conf_file->file.name;
    ref->line = cf->conf_file->line;

    return shm_zone;
}


static ngx_int_t
ngx_http_partoo_tryout_samples_init(ngx_conf_t *cf)
{
    ngx_uint_t                                   i;
    ngx_http_partoo_tryout_samples_ref_t        *ref;
    ngx_http_partoo_tryout_samples_main_conf_t  *psmcf;

    psmcf = ngx_http_conf_get_module_main_conf(cf,
                                         ngx_http_partoo_tryout_samples_module);

    ref = psmcf->refs.elts;

    for (i = 0; i < psmcf->refs.nelts; i++) {
        if (ref[i].zone->data == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"%V\" names an unknown samples zone \"%V\" "
                          "in %V:%ui", &ref[i].directive,
                          &ref[i].zone->shm.name, &ref[i].file, ref[i].line);
            return NGX_ERROR;
        }
    }

    if (!psmcf->api) {
        return NGX_OK;
    }

    ngx_http_partoo_tryout_samples_next_body_filter =
                                              ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter =
                                     ngx_http_partoo_tryout_samples_body_filter;

    return ngx_http_partoo_tryout_access_handler_add(cf,
                                ngx_http_partoo_tryout_samples_access_handler);
}
