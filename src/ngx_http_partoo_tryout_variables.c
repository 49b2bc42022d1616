
/*
 * Copyright (C) Partoo tryout module authors
 *
 * The tryout's embedded variables.  The key's variables authenticate on
 * first use, so limit_req_zone can key on $partoo_tryout_org_id before
 * the handler runs; the delivery's are not found until it is done.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_module.h"
#include "ngx_http_partoo_tryout_variables.h"


/* the "data" of ngx_http_partoo_tryout_variable(): what a delivery left */
#define NGX_HTTP_PARTOO_TRYOUT_VAR_STATUS           0
#define NGX_HTTP_PARTOO_TRYOUT_VAR_ERROR            1
#define NGX_HTTP_PARTOO_TRYOUT_VAR_RESPONSE_STATUS  2
#define NGX_HTTP_PARTOO_TRYOUT_VAR_DURATION         3
#define NGX_HTTP_PARTOO_TRYOUT_VAR_ADDR             4
#define NGX_HTTP_PARTOO_TRYOUT_VAR_CONNECT_TIME     5
#define NGX_HTTP_PARTOO_TRYOUT_VAR_FIRST_BYTE_TIME  6
#define NGX_HTTP_PARTOO_TRYOUT_VAR_REUSED           7


static ngx_int_t ngx_http_partoo_tryout_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_partoo_tryout_time_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, ngx_msec_t ms);
static ngx_int_t ngx_http_partoo_tryout_item_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static void ngx_http_partoo_tryout_url_host(ngx_str_t *url, ngx_str_t *host);
static ngx_int_t ngx_http_partoo_tryout_auth_variable(ngx_http_request_t *r,
    ngx_http_partoo_tryout_auth_t **auth);
static ngx_int_t ngx_http_partoo_tryout_org_id_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_partoo_tryout_user_id_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_partoo_tryout_payload_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_partoo_tryout_vars[] = {

    { ngx_string("partoo_tryout_org_id"), NULL,
      ngx_http_partoo_tryout_org_id_variable, 0, 0, 0 },

    { ngx_string("partoo_tryout_user_id"), NULL,
      ngx_http_partoo_tryout_user_id_variable, 0, 0, 0 },

    { ngx_string("partoo_tryout_status"), NULL,
      ngx_http_partoo_tryout_variable, NGX_HTTP_PARTOO_TRYOUT_VAR_STATUS,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("partoo_tryout_error"), NULL,
      ngx_http_partoo_tryout_variable, NGX_HTTP_PARTOO_TRYOUT_VAR_ERROR,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("partoo_tryout_response_status"), NULL,
      ngx_http_partoo_tryout_variable,
      NGX_HTTP_PARTOO_TRYOUT_VAR_RESPONSE_STATUS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("partoo_tryout_duration"), NULL,
      ngx_http_partoo_tryout_variable, NGX_HTTP_PARTOO_TRYOUT_VAR_DURATION,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("partoo_tryout_event_type"), NULL,
      ngx_http_partoo_tryout_item_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("partoo_tryout_host"), NULL,
      ngx_http_partoo_tryout_item_variable, 1, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("partoo_tryout_payload_source"), NULL,
      ngx_http_partoo_tryout_payload_variable, 0, NGX_HTTP_VAR_NOCACHEABLE,
      0 },

    { ngx_string("partoo_tryout_source_result"), NULL,
      ngx_http_partoo_tryout_payload_variable, 1, NGX_HTTP_VAR_NOCACHEABLE,
      0 },

    { ngx_string("partoo_tryout_addr"), NULL,
      ngx_http_partoo_tryout_variable, NGX_HTTP_PARTOO_TRYOUT_VAR_ADDR,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("partoo_tryout_connect_time"), NULL,
      ngx_http_partoo_tryout_variable,
      NGX_HTTP_PARTOO_TRYOUT_VAR_CONNECT_TIME, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("partoo_tryout_first_byte_time"), NULL,
      ngx_http_partoo_tryout_variable,
      NGX_HTTP_PARTOO_TRYOUT_VAR_FIRST_BYTE_TIME, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("partoo_tryout_connection_reused"), NULL,
      ngx_http_partoo_tryout_variable, NGX_HTTP_PARTOO_TRYOUT_VAR_REUSED,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


/* not found until a delivery is done, and for JSON's nulls */

static ngx_int_t
ngx_http_partoo_tryout_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                             *p;
    ngx_str_t                          *error;
    ngx_http_partoo_tryout_ctx_t       *ctx;
    ngx_http_partoo_tryout_delivery_t  *d;

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_module);

    if (ctx == NULL || !ctx->delivery.done) {
        v->not_found = 1;
        return NGX_OK;
    }

    d = &ctx->delivery;
    error = ngx_http_partoo_tryout_deliver_error_name(d->error);

    switch (data) {

    case NGX_HTTP_PARTOO_TRYOUT_VAR_STATUS:
        if (error) {
            v->data = (u_char *) "error";
            v->len = sizeof("error") - 1;

        } else {
            v->data = (u_char *) "success";
            v->len = sizeof("success") - 1;
        }

        break;

    case NGX_HTTP_PARTOO_TRYOUT_VAR_ERROR:
        if (error == NULL) {
            v->not_found = 1;
            return NGX_OK;
        }

        v->data = error->data;
        v->len = error->len;
        break;

    case NGX_HTTP_PARTOO_TRYOUT_VAR_RESPONSE_STATUS:
        if (d->response_status == 0) {
            v->not_found = 1;
            return NGX_OK;
        }

        p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->data = p;
        v->len = ngx_sprintf(p, "%ui", d->response_status) - p;
        break;

    case NGX_HTTP_PARTOO_TRYOUT_VAR_ADDR:
        if (d->peer_len == 0) {
            v->not_found = 1;
            return NGX_OK;
        }

        p = ngx_pnalloc(r->pool, NGX_SOCKADDR_STRLEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->data = p;
        v->len = ngx_sock_ntop((struct sockaddr *) &d->peer, d->peer_len, p,
                               NGX_SOCKADDR_STRLEN, 1);
        break;

    /* as $upstream_connect_time: with the TLS handshake */

    case NGX_HTTP_PARTOO_TRYOUT_VAR_CONNECT_TIME:
        return ngx_http_partoo_tryout_time_variable(r, v, d->tls_time);

    case NGX_HTTP_PARTOO_TRYOUT_VAR_FIRST_BYTE_TIME:
        return ngx_http_partoo_tryout_time_variable(r, v,
                                                    d->first_byte_time);

    /* as $pipe's "p" */

    case NGX_HTTP_PARTOO_TRYOUT_VAR_REUSED:
        v->data = (u_char *) (d->reused ? "r" : ".");
        v->len = 1;
        break;

    default: /* NGX_HTTP_PARTOO_TRYOUT_VAR_DURATION: set without an answer */
        p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->data = p;
        v->len = ngx_sprintf(p, "%M", d->duration) - p;
        break;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/* seconds since the delivery started, "-" for a step it never reached */

static ngx_int_t
ngx_http_partoo_tryout_time_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, ngx_msec_t ms)
{
    u_char  *p;

    if (ms == NGX_HTTP_PARTOO_TRYOUT_NOT_REACHED) {
        v->data = (u_char *) "-";
        v->len = 1;

    } else {
        p = ngx_pnalloc(r->pool, NGX_TIME_T_LEN + 4);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->data = p;
        v->len = ngx_sprintf(p, "%T.%03M", (time_t) ms / 1000, ms % 1000)
                 - p;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * The accepted item's event type (data 0) and url host (data 1): found
 * from the start of its delivery, for a log line of a 499 as well.
 */

/*
 * Where the payload came from: sample, source or default; and what
 * samples_source answered this tryout: ok, not_found or error.  Not
 * found before the payload is chosen, nor the second without a fetch.
 */

static ngx_int_t
ngx_http_partoo_tryout_payload_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char                    *name;
    ngx_http_partoo_tryout_ctx_t  *ctx;

    static const char  *origins[] = { NULL, "sample", "source", "default" };

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_module);

    name = NULL;

    if (ctx && data == 0 && (ngx_uint_t) ctx->origin < 4) {
        name = origins[ctx->origin];

    } else if (ctx && data == 1) {
        name = ngx_http_partoo_tryout_source_result_name(ctx->fetch.result);
    }

    if (name == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = (u_char *) name;
    v->len = ngx_strlen(name);
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_partoo_tryout_item_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                      host;
    const char                    *type;
    ngx_http_partoo_tryout_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_partoo_tryout_module);

    if (ctx == NULL || ctx->delivery.url.data == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (data == 0) {
        type = ngx_http_partoo_tryout_event_name(ctx->event);
        v->data = (u_char *) type;
        v->len = ngx_strlen(type);

    } else {
        ngx_http_partoo_tryout_url_host(&ctx->delivery.url, &host);
        v->data = host.data;
        v->len = host.len;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * "h" of the validated "https://[user@]h[:port][/path][?q][#f]", an IPv6
 * literal with its brackets, as nginx's $host keeps them
 */

static void
ngx_http_partoo_tryout_url_host(ngx_str_t *url, ngx_str_t *host)
{
    u_char  *p, *start, *end, *at;

    p = ngx_strlchr(url->data, url->data + url->len, ':');
    start = (p && url->data + url->len - p >= 3) ? p + 3 : url->data;

    for (end = start; end < url->data + url->len; end++) {
        if (*end == '/' || *end == '?' || *end == '#') {
            break;
        }
    }

    for (at = end; at > start; at--) {
        if (at[-1] == '@') {
            start = at;
            break;
        }
    }

    if (start < end && *start == '[') {
        p = ngx_strlchr(start, end, ']');
        end = p ? p + 1 : end;

    } else {
        p = ngx_strlchr(start, end, ':');
        end = p ? p : end;
    }

    host->data = start;
    host->len = end - start;
}


ngx_int_t
ngx_http_partoo_tryout_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_partoo_tryout_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}

/*
 * The key's resolution, shared with the handler: NGX_DECLINED where no
 * keys zone applies, as in a location without partoo_tryout.
 */

static ngx_int_t
ngx_http_partoo_tryout_auth_variable(ngx_http_request_t *r,
    ngx_http_partoo_tryout_auth_t **auth)
{
    ngx_http_partoo_tryout_ctx_t       *ctx;
    ngx_http_partoo_tryout_loc_conf_t  *ptlcf;

    ptlcf = ngx_http_get_module_loc_conf(r, ngx_http_partoo_tryout_module);

    ctx = ngx_http_partoo_tryout_find_ctx(r);

    if (ctx == NULL || !ctx->auth.resolved) {

        if (ptlcf->keys == NULL) {
            return NGX_DECLINED;
        }

        ctx = ngx_http_partoo_tryout_get_ctx(r);
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        if (ngx_http_partoo_tryout_keys_authenticate(r, ptlcf->keys,
                                                     &ctx->auth)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ctx->auth.verdict == NGX_HTTP_PARTOO_TRYOUT_AUTH_UNAUTHENTICATED) {
        return NGX_DECLINED;
    }

    *auth = &ctx->auth;

    return NGX_OK;
}


static ngx_int_t
ngx_http_partoo_tryout_org_id_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                         *p;
    ngx_int_t                       rc;
    ngx_http_partoo_tryout_auth_t  *auth;

    rc = ngx_http_partoo_tryout_auth_variable(r, &auth);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED || auth->org_id == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->len = ngx_sprintf(p, "%L", auth->org_id) - p;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = p;

    return NGX_OK;
}


static ngx_int_t
ngx_http_partoo_tryout_user_id_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_int_t                       rc;
    ngx_http_partoo_tryout_auth_t  *auth;

    rc = ngx_http_partoo_tryout_auth_variable(r, &auth);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = auth->user_id.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = auth->user_id.data;

    return NGX_OK;
}
