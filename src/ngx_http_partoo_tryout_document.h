
/*
 * Copyright (C) Partoo tryout module authors
 *
 * What a tryout sends: the latest sample of (org, event) from the samples
 * zone, else the event's default payload (built in, or the file of
 * partoo_tryout_default_payload), wrapped in Partoo's envelope and signed
 * with partoo_tryout_signing_key, once per document: a sample's signature
 * is kept with it in the zone, a default's in a per-worker cache.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_DOCUMENT_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_DOCUMENT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_event.h"
#include "ngx_http_partoo_tryout_payload.h"
#include "ngx_http_partoo_tryout_source.h"


/* where a tryout's document came from: $partoo_tryout_payload_source */
typedef enum {
    NGX_HTTP_PARTOO_TRYOUT_ORIGIN_NONE = 0,
    NGX_HTTP_PARTOO_TRYOUT_ORIGIN_SAMPLE,     /* the samples zone */
    NGX_HTTP_PARTOO_TRYOUT_ORIGIN_SOURCE,     /* samples_source, just now */
    NGX_HTTP_PARTOO_TRYOUT_ORIGIN_DEFAULT
} ngx_http_partoo_tryout_origin_e;


typedef struct {
    ngx_str_t                        body;       /* in r->pool */
    ngx_str_t                        signature;  /* empty: no signing key */
    ngx_http_partoo_tryout_origin_e  origin;
} ngx_http_partoo_tryout_document_t;


typedef struct ngx_http_partoo_tryout_document_key_s
    ngx_http_partoo_tryout_document_key_t;

typedef struct ngx_http_partoo_tryout_document_cache_s
    ngx_http_partoo_tryout_document_cache_t;


/* a location's documents, in the tryout's location configuration */

typedef struct {
    ngx_shm_zone_t                            *samples;  /* samples=NAME */
    ngx_str_t                                  source;   /* samples_source */
    ngx_msec_t                                 source_ttl;  /* samples_ttl */

    /* NGX_HTTP_PARTOO_TRYOUT_NEVENTS; once merged, never NULL */
    ngx_http_partoo_tryout_payload_t         **payloads;

    ngx_http_partoo_tryout_document_key_t     *key;

    /* a worker's own: written at its first signature */
    ngx_http_partoo_tryout_document_cache_t   *cache;
} ngx_http_partoo_tryout_document_conf_t;


/* the built-in payloads, checked and compiled once per configuration */
ngx_int_t ngx_http_partoo_tryout_document_defaults(ngx_conf_t *cf,
    ngx_http_partoo_tryout_payload_t *defaults);

ngx_int_t ngx_http_partoo_tryout_document_create_conf(ngx_conf_t *cf,
    ngx_http_partoo_tryout_document_conf_t *conf);

/* each event's payload inherited on its own, else "defaults" */
char *ngx_http_partoo_tryout_document_merge_conf(ngx_conf_t *cf,
    ngx_http_partoo_tryout_document_conf_t *conf,
    ngx_http_partoo_tryout_document_conf_t *prev,
    ngx_http_partoo_tryout_payload_t *defaults);

/*
 * partoo_tryout_default_payload EVENT_TYPE FILE and
 * partoo_tryout_signing_key FILE | off: "conf" + cmd->offset is the
 * location's ngx_http_partoo_tryout_document_conf_t
 */
char *ngx_http_partoo_tryout_document_default_payload(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_partoo_tryout_document_signing_key(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);

/*
 * The document the location sends for "org_id" and "event", with its
 * X-Partoo-Signature-v1 value when partoo_tryout_signing_key is set.
 * NGX_AGAIN: the zone has no entry and samples_source is to be asked
 * ("fetch" is still NONE); the answer, once in "fetch", decides.
 * NGX_ERROR only when memory or OpenSSL fail.
 */
ngx_int_t ngx_http_partoo_tryout_document_get(ngx_http_request_t *r,
    ngx_http_partoo_tryout_document_conf_t *conf, int64_t org_id,
    ngx_http_partoo_tryout_event_e event,
    ngx_http_partoo_tryout_source_fetch_t *fetch,
    ngx_http_partoo_tryout_document_t *doc);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_DOCUMENT_H_INCLUDED_ */
