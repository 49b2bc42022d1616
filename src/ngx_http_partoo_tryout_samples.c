
/*
 * Copyright (C) Partoo tryout module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_payload.h"
#include "ngx_http_partoo_tryout_sign.h"
#include "ngx_http_partoo_tryout_samples.h"
#include "ngx_http_partoo_tryout_validate.h"
#include "ngx_http_partoo_tryout_http.h"


/* the leading base64 characters of a key's signature of a fixed text */
#define NGX_HTTP_PARTOO_TRYOUT_KEY_ID         16

/* signatures of default documents kept per worker and location */
#define NGX_HTTP_PARTOO_TRYOUT_SAMPLES_CACHE  1024

/* JSON's insignificant whitespace, RFC 8259 section 2 */
#define ngx_http_partoo_tryout_samples_json_ws(c)                             \
    ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')


typedef struct {
    ngx_rbtree_t                   rbtree;
    ngx_rbtree_node_t              sentinel;
    ngx_queue_t                    queue;          /* most recent first */
    size_t                         max_size;
    ngx_uint_t                     generation;
    ngx_uint_t                     count;
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

    /* the document's signature, kept by the first tryout that signs it */
    u_char                         key_id[NGX_HTTP_PARTOO_TRYOUT_KEY_ID];
    u_char                         signature[NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN];
    unsigned                       signed_:1;

    u_char                         data[1];
} ngx_http_partoo_tryout_sample_t;


typedef struct {
    ngx_http_partoo_tryout_sign_key_t  *key;
    u_char                              id[NGX_HTTP_PARTOO_TRYOUT_KEY_ID];
} ngx_http_partoo_tryout_samples_key_t;


/* org_id 0: a free slot; -1: a document without org_id */

typedef struct {
    int64_t                        org_id;
    ngx_uint_t                     event;
    u_char                         signature[NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN];
} ngx_http_partoo_tryout_samples_sig_t;


typedef struct {
    ngx_uint_t                             hits;
    ngx_uint_t                             misses;
    ngx_http_partoo_tryout_samples_sig_t   sigs[
                                          NGX_HTTP_PARTOO_TRYOUT_SAMPLES_CACHE];
} ngx_http_partoo_tryout_samples_cache_t;


typedef struct {
    ngx_shm_zone_t                *zone;
    ngx_str_t                      directive;
    ngx_str_t                      file;
    ngx_uint_t                     line;
} ngx_http_partoo_tryout_samples_ref_t;


typedef struct {
    ngx_http_partoo_tryout_payload_t   defaults[NGX_HTTP_PARTOO_TRYOUT_NEVENTS];
    ngx_array_t                        refs;
    ngx_uint_t                         api;          /* any samples_api */
} ngx_http_partoo_tryout_samples_main_conf_t;


typedef struct {
    ngx_shm_zone_t                          *zone;     /* partoo_tryout */
    ngx_shm_zone_t                          *api_zone;
    size_t                                   api_max_size;

    /* NGX_HTTP_PARTOO_TRYOUT_NEVENTS overrides, NULL for the built-in */
    ngx_http_partoo_tryout_payload_t       **payloads;

    ngx_http_partoo_tryout_samples_key_t    *key;

    /* a worker's own: written at its first signature */
    ngx_http_partoo_tryout_samples_cache_t  *cache;
} ngx_http_partoo_tryout_samples_loc_conf_t;


typedef struct {
    int64_t                        org_id;
    ngx_uint_t                     event;
    ngx_http_partoo_tryout_body_t  body;
} ngx_http_partoo_tryout_samples_ctx_t;


static ngx_int_t ngx_http_partoo_tryout_samples_api_handler(
    ngx_http_request_t *r);
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
    ngx_log_t *log);
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

static ngx_int_t ngx_http_partoo_tryout_samples_document_sample(
    ngx_http_request_t *r, ngx_http_partoo_tryout_samples_loc_conf_t *pslcf,
    int64_t org_id, ngx_uint_t event, ngx_http_partoo_tryout_document_t *doc);
static ngx_int_t ngx_http_partoo_tryout_samples_sign(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_key_t *key,
    ngx_http_partoo_tryout_document_t *doc);
static ngx_http_partoo_tryout_samples_sig_t *
    ngx_http_partoo_tryout_samples_cached(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_loc_conf_t *pslcf, int64_t org_id,
    ngx_uint_t event);

static void *ngx_http_partoo_tryout_samples_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_partoo_tryout_samples_init_main_conf(ngx_conf_t *cf,
    void *conf);
static void *ngx_http_partoo_tryout_samples_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_partoo_tryout_samples_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_partoo_tryout_samples_zone(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_partoo_tryout_samples_api(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_partoo_tryout_samples_default_payload(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_partoo_tryout_samples_signing_key(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_shm_zone_t *ngx_http_partoo_tryout_samples_ref(ngx_conf_t *cf,
    ngx_str_t *directive, ngx_str_t *name);
static u_char *ngx_http_partoo_tryout_samples_read_file(ngx_conf_t *cf,
    ngx_str_t *directive, ngx_str_t *name, size_t *len);
static void ngx_http_partoo_tryout_samples_free_key(void *data);
static ngx_int_t ngx_http_partoo_tryout_samples_init(ngx_conf_t *cf);


#define NGX_HTTP_PARTOO_TRYOUT_SAMPLES_ZONE_LIMIT                             \
    "{\"errors\":{\"json\":\"sample too large for the samples zone "          \
    "(at most %uz bytes)\"}}"

#define NGX_HTTP_PARTOO_TRYOUT_SAMPLES_EVENTS                                 \
    "business_created, business_updated, business_deleted, "                  \
    "message_updated, message_created, lead_received"


static ngx_str_t  ngx_http_partoo_tryout_samples_err_json =
    ngx_string("{\"errors\":{\"json\":\"invalid JSON body\"}}");

static ngx_str_t  ngx_http_partoo_tryout_samples_err_object =
    ngx_string("{\"errors\":{\"json\":\"must be an object\"}}");

static ngx_str_t  ngx_http_partoo_tryout_samples_err_not_found =
    ngx_string("{\"errors\":{\"json\":\"sample not found\"}}");

static ngx_str_t  ngx_http_partoo_tryout_samples_msg_required =
    ngx_string("is required");

static ngx_str_t  ngx_http_partoo_tryout_samples_msg_integer =
    ngx_string("must be an integer");

static ngx_str_t  ngx_http_partoo_tryout_samples_msg_event =
    ngx_string("must be one of: " NGX_HTTP_PARTOO_TRYOUT_SAMPLES_EVENTS);

static ngx_str_t  ngx_http_partoo_tryout_samples_key_id =
    ngx_string("partoo tryout signing key id");


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

    { ngx_string("partoo_tryout_default_payload"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_partoo_tryout_samples_default_payload,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("partoo_tryout_signing_key"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_partoo_tryout_samples_signing_key,
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
    ngx_http_partoo_tryout_samples_init_main_conf,
                                           /* init main configuration */

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


/* the samples API: PUT, GET, DELETE ?org_id=N&event_type=T */

static ngx_int_t
ngx_http_partoo_tryout_samples_api_handler(ngx_http_request_t *r)
{
    ngx_int_t                                   rc;
    ngx_str_t                                   err;
    ngx_http_partoo_tryout_samples_ctx_t       *ctx;
    ngx_http_partoo_tryout_samples_loc_conf_t  *pslcf;

    static ngx_str_t  allow = ngx_string("GET, PUT, DELETE");

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_PUT|NGX_HTTP_DELETE))) {
        return ngx_http_partoo_tryout_not_allowed(r, &allow);
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

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "partoo tryout samples: %V org %L event %ui",
                   &r->method_name, ctx->org_id, ctx->event);

    if (r->method == NGX_HTTP_GET) {
        return ngx_http_partoo_tryout_samples_get(r, ctx);
    }

    if (r->method == NGX_HTTP_DELETE) {
        return ngx_http_partoo_tryout_samples_delete(r, ctx);
    }

    pslcf = ngx_http_get_module_loc_conf(r,
                                         ngx_http_partoo_tryout_samples_module);

    ngx_http_set_ctx(r, ctx, ngx_http_partoo_tryout_samples_module);

    /*
     * The body filter counts the bytes and drops them past the limit;
     * below it, nginx keeps them as client_body_buffer_size says.
     */
    ctx->body.max = pslcf->api_max_size;
    ctx->body.stored = 1;

    return ngx_http_partoo_tryout_body_read(r, &ctx->body,
                                   ngx_http_partoo_tryout_samples_put_handler);
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

    if (ngx_http_arg(r, (u_char *) "org_id", 6, &value) != NGX_OK) {
        org_err = &ngx_http_partoo_tryout_samples_msg_required;

    } else if (ngx_http_partoo_tryout_parse_org_id(value.data,
                                                   value.data + value.len,
                                                   &ctx->org_id)
               != NGX_OK)
    {
        org_err = &ngx_http_partoo_tryout_samples_msg_integer;
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
                               ngx_http_partoo_tryout_samples_err_json.data,
                               ngx_http_partoo_tryout_samples_err_json.len);

    case NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_NOT_OBJECT:
        return ngx_http_partoo_tryout_send(r, NGX_HTTP_BAD_REQUEST,
                             ngx_http_partoo_tryout_samples_err_object.data,
                             ngx_http_partoo_tryout_samples_err_object.len);

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_partoo_tryout_samples_store(pslcf->api_zone, ctx->org_id,
                                              ctx->event, data, len,
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

    s = ngx_http_partoo_tryout_samples_lookup(zctx->sh, ctx->org_id,
                                              ctx->event);
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

    s = ngx_http_partoo_tryout_samples_lookup(zctx->sh, ctx->org_id,
                                              ctx->event);
    if (s) {
        ngx_http_partoo_tryout_samples_remove(zctx, s);
    }

    ngx_shmtx_unlock(&zctx->shpool->mutex);

    if (s == NULL) {
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
 * least recently used samples until it fits.  NGX_OK: created, NGX_DONE:
 * replaced, NGX_DECLINED: larger than the zone can ever hold.
 */

static ngx_int_t
ngx_http_partoo_tryout_samples_store(ngx_shm_zone_t *zone, int64_t org_id,
    ngx_uint_t event, u_char *data, size_t len, ngx_log_t *log)
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
                          "partoo tryout: samples zone \"%V\" cannot hold "
                          "%uz bytes though empty", &zone->shm.name, len);
            return NGX_ERROR;
        }

        q = ngx_queue_last(&zctx->sh->queue);
        old = ngx_queue_data(q, ngx_http_partoo_tryout_sample_t, queue);

        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "partoo tryout: samples zone \"%V\" is full, evicted "
                      "the %s sample of org %L",
                      &zone->shm.name,
                      ngx_http_partoo_tryout_event_name(old->event),
                      old->org_id);

        ngx_http_partoo_tryout_samples_remove(zctx, old);
    }

    ngx_memzero(s, offsetof(ngx_http_partoo_tryout_sample_t, data));

    s->node.key = ngx_http_partoo_tryout_samples_hash(org_id, event);
    s->org_id = org_id;
    s->event = event;
    s->generation = ++zctx->sh->generation;
    s->len = len;
    ngx_memcpy(s->data, data, len);

    ngx_rbtree_insert(&zctx->sh->rbtree, &s->node);
    ngx_queue_insert_head(&zctx->sh->queue, &s->queue);
    zctx->sh->count++;

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
    zctx->sh->count--;
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
    ctx->sh->count = 0;

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
                  "partoo tryout: samples zone \"%V\" holds samples of up to "
                  "%uz bytes", &shm_zone->shm.name, ctx->sh->max_size);

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_samples_document(ngx_http_request_t *r,
    int64_t org_id, ngx_uint_t event, ngx_http_partoo_tryout_document_t *doc)
{
    u_char                                      *p;
    int64_t                                      key;
    ngx_int_t                                    rc;
    ngx_http_partoo_tryout_payload_t            *pl;
    ngx_http_partoo_tryout_samples_sig_t        *sig;
    ngx_http_partoo_tryout_samples_loc_conf_t   *pslcf;
    ngx_http_partoo_tryout_samples_main_conf_t  *psmcf;

    ngx_memzero(doc, sizeof(ngx_http_partoo_tryout_document_t));

    if (event >= NGX_HTTP_PARTOO_TRYOUT_NEVENTS) {
        return NGX_ERROR;
    }

    pslcf = ngx_http_get_module_loc_conf(r,
                                         ngx_http_partoo_tryout_samples_module);

    if (pslcf->zone) {
        rc = ngx_http_partoo_tryout_samples_document_sample(r, pslcf, org_id,
                                                            event, doc);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    psmcf = ngx_http_get_module_main_conf(r,
                                         ngx_http_partoo_tryout_samples_module);

    pl = pslcf->payloads[event];

    if (pl == NULL) {
        pl = &psmcf->defaults[event];
    }

    /* the signature goes right after the body, in the request's pool */

    p = ngx_pnalloc(r->pool, ngx_http_partoo_tryout_payload_size(pl)
                             + (pslcf->key ? NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN
                                           : 0));
    if (p == NULL) {
        return NGX_ERROR;
    }

    doc->body.data = p;
    doc->body.len = ngx_http_partoo_tryout_payload_render(pl, org_id,
                                                          (char *) p);

    if (pslcf->key == NULL) {
        return NGX_OK;
    }

    doc->signature.data = p + doc->body.len;

    /* a default document depends on the org only where it carries one */
    key = (pl->has_org && org_id > 0) ? org_id : -1;

    sig = ngx_http_partoo_tryout_samples_cached(r, pslcf, key, event);

    if (sig && sig->org_id != 0) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "partoo tryout: cached signature of the default %s "
                       "document for org %L",
                       ngx_http_partoo_tryout_event_name(event), org_id);

        /* copied: a later tryout may reuse the slot while this one runs */
        ngx_memcpy(doc->signature.data, sig->signature,
                   NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);
        doc->signature.len = NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN;

        return NGX_OK;
    }

    if (ngx_http_partoo_tryout_samples_sign(r, pslcf->key, doc) != NGX_OK) {
        return NGX_ERROR;
    }

    if (sig) {
        sig->org_id = key;
        sig->event = event;
        ngx_memcpy(sig->signature, doc->signature.data,
                   NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);
    }

    return NGX_OK;
}


/*
 * The sample of (org_id, event) as a document, NGX_DECLINED without one.
 * Its signature is kept with it in the zone for every worker; a PUT in
 * between (a new generation) or another key makes it stale.
 */

static ngx_int_t
ngx_http_partoo_tryout_samples_document_sample(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_loc_conf_t *pslcf, int64_t org_id,
    ngx_uint_t event, ngx_http_partoo_tryout_document_t *doc)
{
    u_char                                 *p;
    size_t                                  size;
    ngx_uint_t                              generation, sign;
    const char                             *type;
    ngx_http_partoo_tryout_sample_t        *s;
    ngx_http_partoo_tryout_payload_t        pl;
    ngx_http_partoo_tryout_samples_zone_t  *zctx;

    zctx = pslcf->zone->data;
    type = ngx_http_partoo_tryout_event_name(event);

    p = NULL;
    sign = 0;
    generation = 0;

    ngx_shmtx_lock(&zctx->shpool->mutex);

    s = ngx_http_partoo_tryout_samples_lookup(zctx->sh, org_id, event);

    if (s) {
        ngx_queue_remove(&s->queue);
        ngx_queue_insert_head(&zctx->sh->queue, &s->queue);

        /* sent as stored: no org_id is written into a sample */
        ngx_http_partoo_tryout_payload_compile(&pl,
                                           NGX_HTTP_PARTOO_TRYOUT_NEVENTS,
                                           type, ngx_strlen(type),
                                           (char *) s->data, s->len);

        size = ngx_http_partoo_tryout_payload_size(&pl)
               + (pslcf->key ? NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN : 0);

        p = ngx_pnalloc(r->pool, size);

        if (p) {
            doc->body.data = p;
            doc->body.len = ngx_http_partoo_tryout_payload_render(&pl, 0,
                                                                  (char *) p);
            doc->sample = 1;

            if (pslcf->key) {
                if (s->signed_
                    && ngx_memcmp(s->key_id, pslcf->key->id,
                                  NGX_HTTP_PARTOO_TRYOUT_KEY_ID)
                       == 0)
                {
                    doc->signature.data = p + doc->body.len;
                    doc->signature.len = NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN;
                    ngx_memcpy(doc->signature.data, s->signature,
                               NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);

                } else {
                    sign = 1;
                    generation = s->generation;
                }
            }
        }
    }

    ngx_shmtx_unlock(&zctx->shpool->mutex);

    if (s == NULL) {
        return NGX_DECLINED;
    }

    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "partoo tryout: %s sample of org %L, %s signature",
                   type, org_id, sign ? "new" : "stored");

    if (!sign) {
        return NGX_OK;
    }

    /* 25 us of Ed25519 outside the lock; kept only if still current */

    if (ngx_http_partoo_tryout_samples_sign(r, pslcf->key, doc) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_shmtx_lock(&zctx->shpool->mutex);

    s = ngx_http_partoo_tryout_samples_lookup(zctx->sh, org_id, event);

    if (s && s->generation == generation) {
        ngx_memcpy(s->key_id, pslcf->key->id,
                   NGX_HTTP_PARTOO_TRYOUT_KEY_ID);
        ngx_memcpy(s->signature, doc->signature.data,
                   NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);
        s->signed_ = 1;
    }

    ngx_shmtx_unlock(&zctx->shpool->mutex);

    return NGX_OK;
}


static ngx_int_t
ngx_http_partoo_tryout_samples_sign(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_key_t *key,
    ngx_http_partoo_tryout_document_t *doc)
{
    u_char  *p;

    p = doc->signature.data;

    if (p == NULL) {
        p = ngx_pnalloc(r->pool, NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }
    }

    if (ngx_http_partoo_tryout_sign_body(key->key, doc->body.data,
                                         doc->body.len, (char *) p,
                                         NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN)
        != 0)
    {
#if (NGX_OPENSSL)
        ngx_ssl_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "partoo tryout: cannot sign the document");
#else
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "partoo tryout: cannot sign the document");
#endif
        return NGX_ERROR;
    }

    doc->signature.data = p;
    doc->signature.len = NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN;

    return NGX_OK;
}


/*
 * The cache slot of (org_id, event): its signature when it holds them,
 * else the slot to fill.  Direct-mapped: a collision replaces the older.
 * NULL only when the worker cannot allocate the cache.
 */

static ngx_http_partoo_tryout_samples_sig_t *
ngx_http_partoo_tryout_samples_cached(ngx_http_request_t *r,
    ngx_http_partoo_tryout_samples_loc_conf_t *pslcf, int64_t org_id,
    ngx_uint_t event)
{
    uint64_t                               h;
    ngx_http_partoo_tryout_samples_sig_t  *sig;

    if (pslcf->cache == NULL) {
        /* per worker: its copy of the configuration, its cycle pool */
        pslcf->cache = ngx_pcalloc(ngx_cycle->pool,
                               sizeof(ngx_http_partoo_tryout_samples_cache_t));
        if (pslcf->cache == NULL) {
            return NULL;
        }
    }

    h = ((uint64_t) org_id * NGX_HTTP_PARTOO_TRYOUT_NEVENTS + event)
        * 0x9e3779b97f4a7c15ULL;

    sig = &pslcf->cache->sigs[h >> 54];

    if (sig->org_id == org_id && sig->event == event) {
        pslcf->cache->hits++;
        return sig;
    }

    pslcf->cache->misses++;

    sig->org_id = 0;

    return sig;
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


/* the built-in defaults, checked and compiled once per configuration */

static char *
ngx_http_partoo_tryout_samples_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_partoo_tryout_samples_main_conf_t *psmcf = conf;

    char         err[256];
    size_t       len;
    ngx_uint_t   e;
    const char  *text, *type;

    for (e = 0; e < NGX_HTTP_PARTOO_TRYOUT_NEVENTS; e++) {
        text = ngx_http_partoo_tryout_payload_default(e, &len);
        type = ngx_http_partoo_tryout_event_name(e);

        if (ngx_http_partoo_tryout_payload_check(text, len, err, sizeof(err))
            != NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK)
        {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "partoo tryout: built-in %s payload: %s",
                          type, err);
            return NGX_CONF_ERROR;
        }

        ngx_http_partoo_tryout_payload_compile(&psmcf->defaults[e], e, type,
                                               ngx_strlen(type), text, len);
    }

    return NGX_CONF_OK;
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
     *     conf->zone = NULL;
     *     conf->api_zone = NULL;
     *     conf->cache = NULL;
     */

    conf->payloads = ngx_pcalloc(cf->pool, NGX_HTTP_PARTOO_TRYOUT_NEVENTS
                                 * sizeof(ngx_http_partoo_tryout_payload_t *));
    if (conf->payloads == NULL) {
        return NULL;
    }

    conf->api_max_size = NGX_CONF_UNSET_SIZE;
    conf->key = NGX_CONF_UNSET_PTR;

    return conf;
}


static char *
ngx_http_partoo_tryout_samples_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_partoo_tryout_samples_loc_conf_t *prev = parent;
    ngx_http_partoo_tryout_samples_loc_conf_t *conf = child;

    ngx_uint_t                 e;
    ngx_http_core_loc_conf_t  *clcf;

    /* each event's override is inherited on its own */
    for (e = 0; e < NGX_HTTP_PARTOO_TRYOUT_NEVENTS; e++) {
        if (conf->payloads[e] == NULL) {
            conf->payloads[e] = prev->payloads[e];
        }
    }

    ngx_conf_merge_ptr_value(conf->key, prev->key, NULL);

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
    u_char                                 *p;
    ssize_t                                 size;
    ngx_str_t                              *value, name, s;
    ngx_uint_t                              i;
    ngx_shm_zone_t                         *shm_zone;
    ngx_http_partoo_tryout_samples_zone_t  *ctx;

    value = cf->args->elts;

    ngx_str_null(&name);
    size = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {

            name.data = value[i].data + 5;

            p = (u_char *) ngx_strchr(name.data, ':');

            if (p == NULL) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone size \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            name.len = p - name.data;

            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;

            size = ngx_parse_size(&s);

            if (name.len == 0 || size == NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            if (size < (ssize_t) (8 * ngx_pagesize)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "zone \"%V\" is too small, "
                                   "at least %uzk", &value[i],
                                   8 * ngx_pagesize / 1024);
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

    pslcf->api_zone = ngx_http_partoo_tryout_samples_ref(cf, &cmd->name,
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


char *
ngx_http_partoo_tryout_samples_bind(ngx_conf_t *cf, ngx_str_t *param)
{
    ngx_str_t                                   name;
    ngx_http_partoo_tryout_samples_loc_conf_t  *pslcf;

    static ngx_str_t  directive = ngx_string("partoo_tryout");

    pslcf = ngx_http_conf_get_module_loc_conf(cf,
                                         ngx_http_partoo_tryout_samples_module);

    if (param->len < sizeof("samples=") - 1
        || ngx_strncmp(param->data, "samples=", sizeof("samples=") - 1) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" in \"partoo_tryout\"",
                           param);
        return NGX_CONF_ERROR;
    }

    if (pslcf->zone) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "duplicate parameter \"%V\" in \"partoo_tryout\"",
                           param);
        return NGX_CONF_ERROR;
    }

    name.data = param->data + sizeof("samples=") - 1;
    name.len = param->len - (sizeof("samples=") - 1);

    pslcf->zone = ngx_http_partoo_tryout_samples_ref(cf, &directive, &name);
    if (pslcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* partoo_tryout_default_payload EVENT_TYPE FILE */

static char *
ngx_http_partoo_tryout_samples_default_payload(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf)
{
    ngx_http_partoo_tryout_samples_loc_conf_t *pslcf = conf;

    int                                event;
    char                               err[256], type[32];
    u_char                            *text;
    size_t                             len, start, stop;
    ngx_str_t                         *value;
    ngx_http_partoo_tryout_payload_t  *pl;

    value = cf->args->elts;

    event = ngx_http_partoo_tryout_event_lookup((char *) value[1].data,
                                                value[1].len);
    if (event < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": invalid event type \"%V\", must be one "
                           "of: " NGX_HTTP_PARTOO_TRYOUT_SAMPLES_EVENTS,
                           &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    if (pslcf->payloads[event]) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V %V\" is duplicate", &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    text = ngx_http_partoo_tryout_samples_read_file(cf, &cmd->name, &value[2],
                                                    &len);
    if (text == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_partoo_tryout_payload_check((char *) text, len, err,
                                             sizeof(err))
        != NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V %V\": \"%V\": %s",
                           &cmd->name, &value[1], &value[2], err);
        return NGX_CONF_ERROR;
    }

    /* sent compact: not the file's final newline, nor indentation before */

    while (len && ngx_http_partoo_tryout_samples_json_ws(text[len - 1])) {
        len--;
    }

    while (len && ngx_http_partoo_tryout_samples_json_ws(text[0])) {
        text++;
        len--;
    }

    /* Partoo's pages show whole envelopes: one pasted as is is unwrapped */

    if (ngx_http_partoo_tryout_payload_envelope((char *) text, len, type,
                                                sizeof(type), &start, &stop))
    {
        if (ngx_strcmp(type, value[1].data) == 0) {
            text += start;
            len = stop - start;

        } else if (ngx_http_partoo_tryout_event_lookup(type,
                                                       ngx_strlen(type))
                   >= 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V %V\": \"%V\" holds a \"%s\" payload",
                               &cmd->name, &value[1], &value[2], type);
            return NGX_CONF_ERROR;
        }
    }

    pl = ngx_palloc(cf->pool, sizeof(ngx_http_partoo_tryout_payload_t));
    if (pl == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_http_partoo_tryout_payload_compile(pl, event,
                                           (char *) value[1].data,
                                           value[1].len, (char *) text, len);

    pslcf->payloads[event] = pl;

    return NGX_CONF_OK;
}


/* partoo_tryout_signing_key FILE | off */

static char *
ngx_http_partoo_tryout_samples_signing_key(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf)
{
    ngx_http_partoo_tryout_samples_loc_conf_t *pslcf = conf;

    char                                   id[NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN];
    char                                  *err;
    ngx_str_t                             *value, path;
    ngx_pool_cleanup_t                    *cln;
    ngx_http_partoo_tryout_samples_key_t  *key;

    if (pslcf->key != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        pslcf->key = NULL;
        return NGX_CONF_OK;
    }

    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    key = ngx_pcalloc(cf->pool, sizeof(ngx_http_partoo_tryout_samples_key_t));
    if (key == NULL) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    err = ngx_pnalloc(cf->temp_pool, NGX_HTTP_PARTOO_TRYOUT_SIGN_ERRLEN);
    if (err == NULL) {
        return NGX_CONF_ERROR;
    }

    key->key = ngx_http_partoo_tryout_sign_load((char *) path.data, err,
                                            NGX_HTTP_PARTOO_TRYOUT_SIGN_ERRLEN);
    if (key->key == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\" %s", &cmd->name,
                           err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_partoo_tryout_samples_free_key;
    cln->data = key->key;

    /* Ed25519 is deterministic: a fixed text's signature names the key */

    if (ngx_http_partoo_tryout_sign_body(key->key,
                                     ngx_http_partoo_tryout_samples_key_id.data,
                                     ngx_http_partoo_tryout_samples_key_id.len,
                                     id, sizeof(id))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\" \"%V\": cannot sign",
                           &cmd->name, &path);
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(key->id, id, NGX_HTTP_PARTOO_TRYOUT_KEY_ID);

    pslcf->key = key;

    return NGX_CONF_OK;
}


/*
 * A zone named by a directive; whether it is declared is only known once
 * the http block is read: see ngx_http_partoo_tryout_samples_init().
 */

static ngx_shm_zone_t *
ngx_http_partoo_tryout_samples_ref(ngx_conf_t *cf, ngx_str_t *directive,
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


/* an override file, whole, at most NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MAX_FILE */

static u_char *
ngx_http_partoo_tryout_samples_read_file(ngx_conf_t *cf,
    ngx_str_t *directive, ngx_str_t *name, size_t *len)
{
    u_char           *buf;
    off_t             size;
    ssize_t           n;
    ngx_str_t         path;
    ngx_file_t        file;
    ngx_file_info_t   fi;

    path = *name;

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NULL;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));

    file.name = path;
    file.log = cf->log;

    file.fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%V\": " ngx_open_file_n " \"%s\" failed",
                           directive, path.data);
        return NULL;
    }

    buf = NULL;

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%V\": " ngx_fd_info_n " \"%s\" failed",
                           directive, path.data);
        goto done;
    }

    if (!ngx_is_file(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": \"%s\" is not a regular file",
                           directive, path.data);
        goto done;
    }

    size = ngx_file_size(&fi);

    if (size > NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MAX_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": \"%s\" is %O bytes, more than the %d "
                           "a payload may have", directive, path.data, size,
                           NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MAX_FILE);
        goto done;
    }

    buf = ngx_pnalloc(cf->pool, size + 1);
    if (buf == NULL) {
        goto done;
    }

    n = ngx_read_file(&file, buf, size, 0);

    if (n != size) {
        if (n != NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\": \"%s\" changed while read",
                               directive, path.data);
        }

        buf = NULL;
        goto done;
    }

    buf[size] = '\0';
    *len = size;

done:

    if (ngx_close_file(file.fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%s\" failed", path.data);
    }

    return buf;
}


static void
ngx_http_partoo_tryout_samples_free_key(void *data)
{
    ngx_http_partoo_tryout_sign_free(data);
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

    if (psmcf->api) {
        ngx_http_partoo_tryout_samples_next_body_filter =
                                              ngx_http_top_request_body_filter;
        ngx_http_top_request_body_filter =
                                     ngx_http_partoo_tryout_samples_body_filter;
    }

    return NGX_OK;
}
