
/*
 * Copyright (C) Partoo tryout module authors
 *
 * POST /v2/webhooks/tryout: validate a webhook configuration and send it
 * a signed test payload, inside the nginx worker.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_samples.h"
#include "ngx_http_partoo_tryout_validate.h"


typedef struct {
    ngx_http_partoo_tryout_validator_t  *validator;
    ngx_uint_t                           enabled;  /* any partoo_tryout */
} ngx_http_partoo_tryout_main_conf_t;


typedef struct {
    ngx_flag_t                           enable;
    size_t                               max_body_size;
} ngx_http_partoo_tryout_loc_conf_t;


typedef struct {
    u_char                              *body;
    size_t                               body_len;
    size_t                               body_size;

    unsigned                             reading:1;
    unsigned                             too_large:1;
} ngx_http_partoo_tryout_ctx_t;


static ngx_int_t ngx_http_partoo_tryout_handler(ngx_http_request_t *r);
static void ngx_http_partoo_tryout_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_partoo_tryout_collect_body(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx);
static ngx_int_t ngx_http_partoo_tryout_append(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx, u_char *data, size_t len);
static ngx_int_t ngx_http_partoo_tryout_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_partoo_tryout_json_media_type(ngx_http_request_t *r);
static ngx_int_t ngx_http_partoo_tryout_reject(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *body);
static ngx_int_t ngx_http_partoo_tryout_send(ngx_http_request_t *r,
    ngx_uint_t status, u_char *body, size_t len);

static void *ngx_http_partoo_tryout_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_partoo_tryout_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_partoo_tryout_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_partoo_tryout(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_partoo_tryout_init(ngx_conf_t *cf);
static void ngx_http_partoo_tryout_cleanup_validator(void *data);


static ngx_str_t  ngx_http_partoo_tryout_err_method =
    ngx_string("{\"errors\":{\"json\":\"method not allowed\"}}");

static ngx_str_t  ngx_http_partoo_tryout_err_media_type =
    ngx_string("{\"errors\":{\"json\":"
               "\"Unsupported media type. Please use application/json\"}}");

static ngx_str_t  ngx_http_partoo_tryout_err_too_large =
    ngx_string("{\"errors\":{\"json\":\"request body too large\"}}");

static ngx_str_t  ngx_http_partoo_tryout_err_no_delivery =
    ngx_string("{\"errors\":{\"json\":\"delivery not configured\"}}");


static ngx_command_t  ngx_http_partoo_tryout_commands[] = {

    { ngx_string("partoo_tryout"),
      NGX_HTTP_LOC_CONF|NGX_CONF_ANY,
      ngx_http_partoo_tryout,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("partoo_tryout_max_body_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_partoo_tryout_loc_conf_t, max_body_size),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_partoo_tryout_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_partoo_tryout_init,           /* postconfiguration */

    ngx_http_partoo_tryout_create_main_conf, /* create main configuration */
    NULL,                                  /* init main configuration */

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
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_request_body_filter_pt  ngx_http_partoo_tryout_next_body_filter;


static ngx_int_t
ngx_http_partoo_tryout_handler(ngx_http_request_t *r)
{
    ngx_int_t                           rc;
    ngx_table_elt_t                    *allow;
    ngx_http_partoo_tryout_ctx_t       *ctx;
    ngx_http_partoo_tryout_loc_conf_t  *ptlcf;

    if (r->method != NGX_HTTP_POST) {
        allow = ngx_list_push(&r->headers_out.headers);
        if (allow == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        allow->hash = 1;
        ngx_str_set(&allow->key, "Allow");
        ngx_str_set(&allow->value, "POST");

        return ngx_http_partoo_tryout_reject(r, NGX_HTTP_NOT_ALLOWED,
                                             &ngx_http_partoo_tryout_err_method);
    }

    if (ngx_http_partoo_tryout_json_media_type(r) != NGX_OK) {
        return ngx_http_partoo_tryout_reject(r,
                                         NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                         &ngx_http_partoo_tryout_err_media_type);
    }

    ptlcf = ngx_http_get_module_loc_conf(r, ngx_http_partoo_tryout_module);

    if (r->headers_in.content_length_n > (off_t) ptlcf->max_body_size) {
        return ngx_http_partoo_tryout_reject(r,
                                         NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                         &ngx_http_partoo_tryout_err_too_large);
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_partoo_tryout_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_partoo_tryout_module);

    /* our body filter takes the bytes as they arrive: see below */
    ctx->reading = 1;

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_partoo_tryout_body_handler);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_partoo_tryout_body_handler(ngx_http_request_t *r)
{
    u_char                                    *p;
    ngx_int_t                                  rc;
    ngx_http_partoo_tryout_ctx_t              *ctx;
    ngx_http_partoo_tryout_item_t              item;
    ngx_http_partoo_tryout_main_conf_t        *ptmcf;
    ngx_http_partoo_tryout_verdict_e           verdict;

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_module);
    ctx->reading = 0;

    rc = ngx_http_partoo_tryout_collect_body(r, ctx);
    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    if (ctx->too_large) {
        rc = ngx_http_partoo_tryout_send(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                        ngx_http_partoo_tryout_err_too_large.data,
                                        ngx_http_partoo_tryout_err_too_large.len);
        ngx_http_finalize_request(r, rc);
        return;
    }

    ptmcf = ngx_http_get_module_main_conf(r, ngx_http_partoo_tryout_module);

    verdict = ngx_http_partoo_tryout_validate(ptmcf->validator,
                                              (const char *) ctx->body,
                                              ctx->body_len, &item);

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
        rc = ngx_http_partoo_tryout_send(r, NGX_HTTP_NOT_IMPLEMENTED,
                                       ngx_http_partoo_tryout_err_no_delivery.data,
                                       ngx_http_partoo_tryout_err_no_delivery.len);
    }

    ngx_http_partoo_tryout_item_free(&item);

    ngx_http_finalize_request(r, rc);
}


/*
 * The body filter normally takes the bytes before nginx stores them, so
 * rb->bufs is empty here.  It is not when another module (mirror with
 * mirror_request_body, say) read the body earlier: then it may sit in
 * memory or in a temporary file, and is gathered from there.
 */

static ngx_int_t
ngx_http_partoo_tryout_collect_body(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx)
{
    off_t         offset;
    size_t        len;
    ssize_t       n;
    u_char        buf[4096];
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (r->request_body == NULL) {
        return NGX_OK;
    }

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (!b->in_file) {
            if (ngx_http_partoo_tryout_append(r, ctx, b->pos, b->last - b->pos)
                != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            continue;
        }

        for (offset = b->file_pos; offset < b->file_last; offset += n) {
            len = ngx_min((off_t) sizeof(buf), b->file_last - offset);

            n = ngx_read_file(b->file, buf, len, offset);
            if (n <= 0) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            if (ngx_http_partoo_tryout_append(r, ctx, buf, n) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            if (ctx->too_large) {
                return NGX_OK;
            }
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_partoo_tryout_append(ngx_http_request_t *r,
    ngx_http_partoo_tryout_ctx_t *ctx, u_char *data, size_t len)
{
    size_t                              size;
    u_char                             *p;
    ngx_http_partoo_tryout_loc_conf_t  *ptlcf;

    if (ctx->too_large || len == 0) {
        return NGX_OK;
    }

    ptlcf = ngx_http_get_module_loc_conf(r, ngx_http_partoo_tryout_module);

    if (len > ptlcf->max_body_size - ctx->body_len) {
        ctx->too_large = 1;
        return NGX_OK;
    }

    if (ctx->body_len + len > ctx->body_size) {

        /* a known length is allocated once; chunked bodies grow by doubling */

        if (r->headers_in.content_length_n > 0) {
            size = r->headers_in.content_length_n;

        } else {
            size = ngx_max(2 * ctx->body_size, 4096);
        }

        size = ngx_min(ngx_max(size, ctx->body_len + len),
                       ptlcf->max_body_size);

        p = ngx_pnalloc(r->pool, size);
        if (p == NULL) {
            return NGX_ERROR;
        }

        if (ctx->body_len) {
            ngx_memcpy(p, ctx->body, ctx->body_len);
        }

        ctx->body = p;
        ctx->body_size = size;
    }

    ngx_memcpy(ctx->body + ctx->body_len, data, len);
    ctx->body_len += len;

    return NGX_OK;
}


/*
 * Counts and copies the body while it is read, so a body over
 * partoo_tryout_max_body_size is never stored whole, in memory or on disk:
 * the excess is consumed and dropped, and the body handler answers 413.
 * Only the last (empty) buffer reaches nginx's save filter, to mark the end.
 */

static ngx_int_t
ngx_http_partoo_tryout_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_buf_t                     *b;
    ngx_chain_t                   *cl, last;
    ngx_http_partoo_tryout_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_module);

    if (ctx == NULL || !ctx->reading) {
        return ngx_http_partoo_tryout_next_body_filter(r, in);
    }

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;

        if (ngx_http_partoo_tryout_append(r, ctx, b->pos, b->last - b->pos)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        b->pos = b->last;

        if (b->last_buf) {
            last.buf = b;
            last.next = NULL;

            return ngx_http_partoo_tryout_next_body_filter(r, &last);
        }
    }

    return NGX_OK;
}


/* "application/json", any letter case, optionally followed by parameters */

static ngx_int_t
ngx_http_partoo_tryout_json_media_type(ngx_http_request_t *r)
{
    u_char     *p, *last;
    ngx_str_t  *type;

    static u_char  json[] = "application/json";

    if (r->headers_in.content_type == NULL) {
        return NGX_DECLINED;
    }

    type = &r->headers_in.content_type->value;

    if (type->len < sizeof(json) - 1
        || ngx_strncasecmp(type->data, json, sizeof(json) - 1) != 0)
    {
        return NGX_DECLINED;
    }

    p = type->data + sizeof(json) - 1;
    last = type->data + type->len;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    if (p == last || *p == ';') {
        return NGX_OK;
    }

    return NGX_DECLINED;
}


/* an answer given before the body is read: the body is discarded */

static ngx_int_t
ngx_http_partoo_tryout_reject(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *body)
{
    ngx_int_t  rc;

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_partoo_tryout_send(r, status, body->data, body->len);
}


static ngx_int_t
ngx_http_partoo_tryout_send(ngx_http_request_t *r, ngx_uint_t status,
    u_char *body, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, &out);
}


static void *
ngx_http_partoo_tryout_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_partoo_tryout_main_conf_t));
}


static void *
ngx_http_partoo_tryout_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_partoo_tryout_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_partoo_tryout_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->enable = NGX_CONF_UNSET;
    conf->max_body_size = NGX_CONF_UNSET_SIZE;

    return conf;
}


static char *
ngx_http_partoo_tryout_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_partoo_tryout_loc_conf_t *prev = parent;
    ngx_http_partoo_tryout_loc_conf_t *conf = child;

    ngx_http_core_loc_conf_t  *clcf;

    /* partoo_tryout is the handler of one location, never inherited */
    if (conf->enable == NGX_CONF_UNSET) {
        conf->enable = 0;
    }

    ngx_conf_merge_size_value(conf->max_body_size, prev->max_body_size,
                              64 * 1024);

    if (conf->max_body_size == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"partoo_tryout_max_body_size\" must be positive");
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
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_partoo_tryout(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_partoo_tryout_loc_conf_t *ptlcf = conf;

    char                                *rv;
    ngx_str_t                           *value;
    ngx_uint_t                           i;
    ngx_http_core_loc_conf_t            *clcf;
    ngx_http_partoo_tryout_main_conf_t  *ptmcf;

    if (ptlcf->enable != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    ptlcf->enable = 1;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "samples=", 8) == 0) {
            rv = ngx_http_partoo_tryout_samples_bind(cf, &value[i]);
            if (rv != NGX_CONF_OK) {
                return rv;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" in \"partoo_tryout\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

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

    return NGX_OK;
}


static void
ngx_http_partoo_tryout_cleanup_validator(void *data)
{
    ngx_http_partoo_tryout_validator_destroy(data);
}
