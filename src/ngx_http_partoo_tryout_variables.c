
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


static ngx_int_t ngx_http_partoo_tryout_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_partoo_tryout_auth_variable(ngx_http_request_t *r,
    ngx_http_partoo_tryout_auth_t **auth);
static ngx_int_t ngx_http_partoo_tryout_org_id_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_partoo_tryout_user_id_variable(
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
