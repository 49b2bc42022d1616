
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Metrics: counters of every worker in one shared memory zone, served by
 * "partoo_tryout_status" in Prometheus's text format or in JSON.  The
 * other units call the hooks below, one call where a thing happens; each
 * is an atomic add or a store into the zone, with no lock, and does
 * nothing where no location has "partoo_tryout_status".
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_METRICS_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_METRICS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_deliver.h"


/* in the tryout module's main configuration */

typedef struct {
    ngx_shm_zone_t                 *zone;           /* NULL: no metrics */
    ngx_uint_t                      max_in_flight;  /* the largest */
    ngx_str_t                       version;        /* the module's */
} ngx_http_partoo_tryout_metrics_conf_t;


/* "partoo_tryout_status": the metrics conf at cmd->offset of the main conf */
char *ngx_http_partoo_tryout_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* postconfiguration: the phase handlers that count answers */
ngx_int_t ngx_http_partoo_tryout_metrics_init(ngx_conf_t *cf,
    ngx_http_partoo_tryout_metrics_conf_t *mcf);

/* init_module, in the master: every keys zone of the cycle loaded once */
ngx_int_t ngx_http_partoo_tryout_metrics_init_module(ngx_cycle_t *cycle,
    ngx_http_partoo_tryout_metrics_conf_t *mcf);

ngx_int_t ngx_http_partoo_tryout_metrics_init_process(ngx_cycle_t *cycle,
    ngx_http_partoo_tryout_metrics_conf_t *mcf);
void ngx_http_partoo_tryout_metrics_exit_process(ngx_cycle_t *cycle);


/* hooks */

/* a delivery's result, as the answer reports it */
void ngx_http_partoo_tryout_metrics_delivery(
    ngx_http_partoo_tryout_delivery_t *d);

/* a delivery of this worker started (1) or ended (-1) */
void ngx_http_partoo_tryout_metrics_in_flight(ngx_int_t delta);

/* a socket to a receiver opened by libcurl; from any thread */
void ngx_http_partoo_tryout_metrics_opened(void);

/*
 * The native engine's connections of this worker: "open" of them opened
 * (1, counted in opened_total too) or closed (-1), "idle" of them kept
 * (1) or taken again or closed while kept (-1).
 */
void ngx_http_partoo_tryout_metrics_connections(ngx_int_t open,
    ngx_int_t idle);

/* the keys zone "zone" failed to load, in the master (a reload refused) */
void ngx_http_partoo_tryout_metrics_keys_failed(ngx_str_t *zone);

/* a worker's check of the keys zone "zone" published its file, or refused */
void ngx_http_partoo_tryout_metrics_keys_checked(ngx_str_t *zone,
    ngx_uint_t ok);

/* a sample of the samples zone "zone" evicted */
void ngx_http_partoo_tryout_metrics_samples_evicted(ngx_str_t *zone);

/* a samples_source fetch for "zone": 0 ok, 1 not_found, 2 error */
void ngx_http_partoo_tryout_metrics_samples_fetched(ngx_str_t *zone,
    ngx_uint_t result);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_METRICS_H_INCLUDED_ */
