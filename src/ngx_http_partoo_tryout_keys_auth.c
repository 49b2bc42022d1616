
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Authentication, the request's side of the keys zone: the x-APIKey
 * header, the org_id argument, the verdict the handler and the variables
 * act on.  The zone (keys.c) only answers what a key's record holds.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_keys.h"
#include "ngx_http_partoo_tryout_http.h"


static ngx_table_elt_t *ngx_http_partoo_tryout_keys_header(
    ngx_http_request_t *r);


ngx_int_t
ngx_http_partoo_tryout_keys_authenticate(ngx_http_request_t *r,
    ngx_shm_zone_t *shm_zone, ngx_http_partoo_tryout_auth_t *auth)
{
    int64_t                               org_id;
    ngx_int_t                             rc, arg;
    ngx_table_elt_t                      *h;
    ngx_http_partoo_tryout_keys_found_t   found;

    auth->resolved = 1;
    auth->verdict = NGX_HTTP_PARTOO_TRYOUT_AUTH_UNAUTHENTICATED;

    h = ngx_http_partoo_tryout_keys_header(r);

    if (h == NULL || h->value.len == 0) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "partoo_tryout: no api key");
        return NGX_OK;
    }

    org_id = 0;
    arg = ngx_http_partoo_tryout_org_id_arg(&r->args, &org_id);

    rc = ngx_http_partoo_tryout_keys_find(shm_zone, h->value.data,
                                          h->value.len,
                                          arg == NGX_OK ? org_id : 0, &found);

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "partoo_tryout: SHA-256 failed");
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED) {
        rc = NGX_OK;
        goto done;
    }

    auth->user_id.data = ngx_pnalloc(r->pool, found.user_id_len);
    if (auth->user_id.data == NULL) {
        rc = NGX_ERROR;
        goto done;
    }

    ngx_memcpy(auth->user_id.data, found.user_id, found.user_id_len);
    auth->user_id.len = found.user_id_len;

    auth->role = found.role;

    if (arg == NGX_ERROR) {
        auth->verdict = NGX_HTTP_PARTOO_TRYOUT_AUTH_BAD_ORG_ID;

    } else if (found.role != NGX_HTTP_PARTOO_TRYOUT_ROLE_PROVIDER) {
        /* acts on its own org, and on no other */
        auth->org_id = found.org_id;

        auth->verdict = (arg == NGX_OK && org_id != found.org_id)
                        ? NGX_HTTP_PARTOO_TRYOUT_AUTH_ORG_FORBIDDEN
                        : NGX_HTTP_PARTOO_TRYOUT_AUTH_OK;

    } else if (arg == NGX_DECLINED) {
        auth->verdict = NGX_HTTP_PARTOO_TRYOUT_AUTH_ORG_REQUIRED;

    } else if (found.has_org) {
        auth->org_id = org_id;
        auth->verdict = NGX_HTTP_PARTOO_TRYOUT_AUTH_OK;

    } else {
        auth->verdict = NGX_HTTP_PARTOO_TRYOUT_AUTH_ORG_FORBIDDEN;
    }

done:

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "partoo_tryout: api key %s, user_id \"%V\", verdict %d",
                   auth->user_id.len ? "found" : "unknown", &auth->user_id,
                   auth->verdict);

    return rc;
}


/* x-APIKey in any letter case; a request that sends it twice is refused */

static ngx_table_elt_t *
ngx_http_partoo_tryout_keys_header(ngx_http_request_t *r)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *found;

    found = NULL;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len != sizeof("x-apikey") - 1
            || ngx_strncasecmp(h[i].key.data, (u_char *) "x-apikey",
                               sizeof("x-apikey") - 1)
               != 0)
        {
            continue;
        }

        if (found) {
            return NULL;
        }

        found = &h[i];
    }

    return found;
}
