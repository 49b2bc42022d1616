
/*
 * Copyright (C) Partoo tryout module authors
 *
 * The samples zone: the latest data of each (org, event), least recently
 * used evicted first, and its API (PUT, GET, DELETE).  A module of its
 * own, so its directives, request context and body filter stay apart from
 * the tryout handler's.  What a tryout makes of a sample is in the
 * document unit.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_SAMPLES_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_SAMPLES_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_event.h"
#include "ngx_http_partoo_tryout_sign.h"


/* the leading base64 characters of a key's signature of a fixed text */
#define NGX_HTTP_PARTOO_TRYOUT_KEY_ID  16


/* a sample copied out of the zone, with the signature kept with it */

typedef struct {
    ngx_str_t                        data;        /* in the given pool */
    ngx_uint_t                       generation;  /* for keep_signature() */

    u_char                           key_id[NGX_HTTP_PARTOO_TRYOUT_KEY_ID];
    u_char                           signature[
                                         NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN];
    unsigned                         signed_:1;
} ngx_http_partoo_tryout_sample_copy_t;


/*
 * The samples zone "name" as "directive" names it; whether it is declared
 * is only known, and checked, once the http block is read.
 */
ngx_shm_zone_t *ngx_http_partoo_tryout_samples_zone_ref(ngx_conf_t *cf,
    ngx_str_t *directive, ngx_str_t *name);

/*
 * Copies the sample of (org_id, event) to "pool"; a read is a use, the
 * sample is the last to be evicted.  NGX_DECLINED: none stored, or
 * expired; NGX_DONE: the source had none, within its TTL; NGX_ERROR: out
 * of memory.
 */
ngx_int_t ngx_http_partoo_tryout_samples_copy(ngx_shm_zone_t *zone,
    int64_t org_id, ngx_http_partoo_tryout_event_e event, ngx_pool_t *pool,
    ngx_http_partoo_tryout_sample_copy_t *copy);

/*
 * Stores the source's answer for (org_id, event) for "ttl" ms: "data", or
 * with "data" NULL that it has none.  A PUT's sample is never replaced
 * (NGX_BUSY).  NGX_OK or NGX_DONE: stored, "generation" set for
 * keep_signature(); NGX_DECLINED: larger than the zone can hold.
 */
ngx_int_t ngx_http_partoo_tryout_samples_store_source(ngx_shm_zone_t *zone,
    int64_t org_id, ngx_http_partoo_tryout_event_e event, u_char *data,
    size_t len, ngx_msec_t ttl, ngx_uint_t *generation, ngx_log_t *log);

/*
 * Keeps "signature", made with the key "key_id" of the sample copied at
 * "generation", unless a PUT has replaced the sample since.
 */
void ngx_http_partoo_tryout_samples_keep_signature(ngx_shm_zone_t *zone,
    int64_t org_id, ngx_http_partoo_tryout_event_e event,
    ngx_uint_t generation, u_char *key_id, u_char *signature);


/* the samples stored in a samples zone; NGX_DECLINED: not one */
ngx_int_t ngx_http_partoo_tryout_samples_zone_samples(
    ngx_shm_zone_t *shm_zone, ngx_uint_t *nsamples);

/* whether r's location is a partoo_tryout_samples_api one */
ngx_uint_t ngx_http_partoo_tryout_samples_api_location(ngx_http_request_t *r);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_SAMPLES_H_INCLUDED_ */
