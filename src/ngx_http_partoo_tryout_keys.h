
/*
 * Copyright (C) Partoo tryout module authors
 *
 * API keys: the key file, the keys shared memory zone, authentication of
 * x-APIKey and Partoo's role and org_id rules.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_KEYS_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_KEYS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_keys_file.h"


#define NGX_HTTP_PARTOO_TRYOUT_ROLES_DEFAULT                                  \
    (NGX_HTTP_PARTOO_TRYOUT_ROLE_PROVIDER                                     \
     |NGX_HTTP_PARTOO_TRYOUT_ROLE_ORG_ADMIN                                   \
     |NGX_HTTP_PARTOO_TRYOUT_ROLE_ORG_MANAGER)


/* what the x-APIKey header and the org_id query argument amount to */
typedef enum {
    NGX_HTTP_PARTOO_TRYOUT_AUTH_UNAUTHENTICATED = 0,
    NGX_HTTP_PARTOO_TRYOUT_AUTH_OK,
    NGX_HTTP_PARTOO_TRYOUT_AUTH_BAD_ORG_ID,       /* 400 must be an integer */
    NGX_HTTP_PARTOO_TRYOUT_AUTH_ORG_REQUIRED,     /* 400 is required */
    NGX_HTTP_PARTOO_TRYOUT_AUTH_ORG_FORBIDDEN     /* 403 */
} ngx_http_partoo_tryout_auth_e;


typedef struct {
    ngx_str_t                        user_id;    /* copied to r->pool */

    /*
     * The org the request acts on: the key's own org, or for a PROVIDER
     * the org_id argument when it is one of the key's orgs; 0 when none.
     */
    int64_t                          org_id;

    ngx_uint_t                       role;       /* one ROLE_* bit */
    ngx_http_partoo_tryout_auth_e    verdict;

    unsigned                         resolved:1;
} ngx_http_partoo_tryout_auth_t;


/* what a lookup copies out of the zone's set */

typedef struct {
    int64_t                              org_id;
    ngx_uint_t                           role;
    ngx_uint_t                           has_org;   /* the org_id argument */
    size_t                               user_id_len;
    u_char                               user_id[
                                         NGX_HTTP_PARTOO_TRYOUT_USER_ID_MAX];
} ngx_http_partoo_tryout_keys_found_t;


/* "partoo_tryout_keys_zone zone=NAME:SIZE file=PATH [check=TIME]" */
char *ngx_http_partoo_tryout_keys_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* "partoo_tryout_roles ROLE ...": sets an ngx_uint_t mask at cmd->offset */
char *ngx_http_partoo_tryout_keys_roles_slot(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);

/* the zone named by "keys=NAME"; it may be declared further down */
ngx_shm_zone_t *ngx_http_partoo_tryout_keys_zone_add(ngx_conf_t *cf,
    ngx_str_t *name);

/* NGX_ERROR when "keys=NAME" names no partoo_tryout_keys_zone */
ngx_int_t ngx_http_partoo_tryout_keys_zone_check(ngx_conf_t *cf,
    ngx_shm_zone_t *shm_zone);

/* init_module: makes the key sets this cycle built the current ones */
ngx_int_t ngx_http_partoo_tryout_keys_publish(ngx_cycle_t *cycle);

/* init_process: a worker's timer per zone with "check=" */
ngx_int_t ngx_http_partoo_tryout_keys_init_process(ngx_cycle_t *cycle);

/* the keys in force of a keys zone; NGX_DECLINED: not a keys zone */
ngx_int_t ngx_http_partoo_tryout_keys_zone_keys(ngx_shm_zone_t *shm_zone,
    ngx_uint_t *nkeys);

/*
 * The record of a key: NGX_OK, NGX_DECLINED for an unknown key, NGX_ERROR
 * if hashing failed; "org_id" (the argument, or 0) sets found->has_org.
 */
ngx_int_t ngx_http_partoo_tryout_keys_find(ngx_shm_zone_t *shm_zone,
    u_char *key, size_t len, int64_t org_id,
    ngx_http_partoo_tryout_keys_found_t *found);

/*
 * keys_auth.c: hashes x-APIKey, looks it up and applies the org_id rules;
 * NGX_ERROR only when memory runs out.
 */
ngx_int_t ngx_http_partoo_tryout_keys_authenticate(ngx_http_request_t *r,
    ngx_shm_zone_t *shm_zone, ngx_http_partoo_tryout_auth_t *auth);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_KEYS_H_INCLUDED_ */
