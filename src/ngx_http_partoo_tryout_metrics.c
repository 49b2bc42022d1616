
/*
 * Copyright (C) Partoo tryout module authors
 *
 * The counters live in one shared memory zone, "partoo_tryout_status",
 * which the first "partoo_tryout_status" location creates.  Workers add to
 * them with ngx_atomic_fetch_add(), as stub_status does, and take no lock.
 * A reload keeps the zone, and so the counters, as limit_req keeps its
 * own: the zone has a fixed name and a size set by this code alone.
 *
 * What belongs to one worker (deliveries in flight, the native engine's
 * connections) is kept in a slot of the zone the worker takes at start
 * and gives back at exit; a slot left by a worker that died is taken by
 * the next worker that starts, and is not reported meanwhile.
 *
 * Counted per zone of the module, by name: the loads of a keys zone's
 * file (by the master, at start and on each reload, and by the worker
 * that picks a changed file up, with "check=") and the evictions of a
 * samples zone.  Only the master makes a zone's entry, before the workers
 * that use it start.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_http_partoo_tryout_module.h"
#include "ngx_http_partoo_tryout_keys.h"
#include "ngx_http_partoo_tryout_samples.h"
#include "ngx_http_partoo_tryout_metrics.h"


/* the HTTP statuses counted: 100 .. 599 */
#define NGX_HTTP_PARTOO_TRYOUT_METRICS_NCODES    500

#define NGX_HTTP_PARTOO_TRYOUT_METRICS_NERRORS                               \
    (NGX_HTTP_PARTOO_TRYOUT_ERR_TOO_LARGE + 1)

/* the histogram's buckets, as Prometheus's client libraries default */
#define NGX_HTTP_PARTOO_TRYOUT_METRICS_NBUCKETS  11

/* the samples API's methods: GET, PUT, DELETE and any other */
#define NGX_HTTP_PARTOO_TRYOUT_METRICS_NMETHODS  4

/* keys and samples zones together, and the longest name of one */
#define NGX_HTTP_PARTOO_TRYOUT_METRICS_NZONES    32
#define NGX_HTTP_PARTOO_TRYOUT_METRICS_NAME_LEN  256

#define NGX_HTTP_PARTOO_TRYOUT_METRICS_NPROCS    NGX_MAX_PROCESSES


typedef struct {
    ngx_atomic_t                    len;        /* 0: free; stored last */
    u_char                          name[
                                       NGX_HTTP_PARTOO_TRYOUT_METRICS_NAME_LEN];
    ngx_atomic_t                    loads_ok;
    ngx_atomic_t                    loads_error;
    ngx_atomic_t                    last_load;  /* seconds since the epoch */
    ngx_atomic_t                    evictions;

    /* samples_source fetches: ok, not_found, error */
    ngx_atomic_t                    fetches[3];
} ngx_http_partoo_tryout_metrics_zone_t;


/* a worker's own gauges: written by that worker only */

typedef struct {
    ngx_atomic_t                    pid;        /* 0: free */
    ngx_atomic_t                    worker;     /* ngx_worker */
    ngx_atomic_t                    in_flight;
    ngx_atomic_t                    open;
    ngx_atomic_t                    idle;
} ngx_http_partoo_tryout_metrics_proc_t;


typedef struct {
    ngx_atomic_t                    requests[
                                        NGX_HTTP_PARTOO_TRYOUT_METRICS_NCODES];
    ngx_atomic_t                    deliveries[
                                        NGX_HTTP_PARTOO_TRYOUT_METRICS_NERRORS];

    /* by bucket, not cumulative; the last one: above the largest bound */
    ngx_atomic_t                    duration[
                                 NGX_HTTP_PARTOO_TRYOUT_METRICS_NBUCKETS + 1];
    ngx_atomic_t                    duration_ms;

    ngx_atomic_t                    opened;
    ngx_atomic_t                    reused;

    ngx_atomic_t                    samples_api[
                                        NGX_HTTP_PARTOO_TRYOUT_METRICS_NMETHODS]
                                        [NGX_HTTP_PARTOO_TRYOUT_METRICS_NCODES];

    ngx_http_partoo_tryout_metrics_zone_t   zones[
                                        NGX_HTTP_PARTOO_TRYOUT_METRICS_NZONES];
    ngx_http_partoo_tryout_metrics_proc_t   procs[
                                        NGX_HTTP_PARTOO_TRYOUT_METRICS_NPROCS];
} ngx_http_partoo_tryout_metrics_sh_t;


typedef enum {
    NGX_HTTP_PARTOO_TRYOUT_COUNTER = 0,
    NGX_HTTP_PARTOO_TRYOUT_GAUGE,
    NGX_HTTP_PARTOO_TRYOUT_HISTOGRAM
} ngx_http_partoo_tryout_metric_type_e;


typedef struct {
    const char                     *name;
    ngx_str_t                       value;
} ngx_http_partoo_tryout_label_t;


/*
 * The page being written: Prometheus text into a chain of buffers, or the
 * families as JSON (prom2json's shape).
 */

typedef struct {
    ngx_http_request_t             *request;

    ngx_chain_t                    *out;
    ngx_chain_t                   **last;
    ngx_buf_t                      *buf;
    off_t                           len;

    json_t                         *families;   /* NULL: text */
    json_t                         *metrics;    /* the family's */
    json_t                         *histogram;  /* its one metric */

    ngx_uint_t                      type;
    ngx_uint_t                      failed;
} ngx_http_partoo_tryout_page_t;


static ngx_int_t ngx_http_partoo_tryout_metrics_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static ngx_shm_zone_t *ngx_http_partoo_tryout_zone_next(ngx_cycle_t *cycle,
    ngx_list_part_t **part, ngx_uint_t *i);
static ngx_http_partoo_tryout_metrics_sh_t *
    ngx_http_partoo_tryout_metrics_find(ngx_cycle_t *cycle);
static ngx_http_partoo_tryout_metrics_zone_t *
    ngx_http_partoo_tryout_metrics_zone(
    ngx_http_partoo_tryout_metrics_sh_t *sh, ngx_str_t *name,
    ngx_uint_t create);
static ngx_uint_t ngx_http_partoo_tryout_metrics_ours(ngx_shm_zone_t *zone,
    ngx_uint_t *nkeys, ngx_uint_t *nsamples);
static ngx_int_t ngx_http_partoo_tryout_metrics_rewrite_handler(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_partoo_tryout_metrics_log_handler(
    ngx_http_request_t *r);

static ngx_int_t ngx_http_partoo_tryout_status_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_partoo_tryout_status_format(ngx_http_request_t *r,
    ngx_uint_t *json);
static void ngx_http_partoo_tryout_status_collect(
    ngx_http_partoo_tryout_page_t *pg);
static void ngx_http_partoo_tryout_status_zones(
    ngx_http_partoo_tryout_page_t *pg);
static ngx_int_t ngx_http_partoo_tryout_status_send(ngx_http_request_t *r,
    ngx_http_partoo_tryout_page_t *pg);

static void ngx_http_partoo_tryout_page_family(
    ngx_http_partoo_tryout_page_t *pg, const char *name,
    ngx_http_partoo_tryout_metric_type_e type, const char *help);
static void ngx_http_partoo_tryout_page_metric(
    ngx_http_partoo_tryout_page_t *pg, const char *name, const char *suffix,
    ngx_http_partoo_tryout_label_t *labels, ngx_uint_t nlabels,
    int64_t value, ngx_uint_t milli);
static void ngx_http_partoo_tryout_page_json(ngx_http_partoo_tryout_page_t *pg,
    const char *suffix, ngx_http_partoo_tryout_label_t *labels,
    ngx_uint_t nlabels, int64_t value, ngx_uint_t milli);
static void ngx_http_partoo_tryout_page_printf(
    ngx_http_partoo_tryout_page_t *pg, const char *fmt, ...);


/* the zone's address differs by process; its tag is this */
static u_char  ngx_http_partoo_tryout_metrics_tag;

static ngx_str_t  ngx_http_partoo_tryout_metrics_name =
    ngx_string("partoo_tryout_status");


/* this process's: set by init_process */
static ngx_http_partoo_tryout_metrics_sh_t    *ngx_http_partoo_tryout_metrics;
static ngx_http_partoo_tryout_metrics_proc_t  *ngx_http_partoo_tryout_proc;
static ngx_uint_t  ngx_http_partoo_tryout_metrics_max_in_flight;
static ngx_str_t   ngx_http_partoo_tryout_metrics_version;


static ngx_msec_t  ngx_http_partoo_tryout_buckets[] = {
    5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};

static ngx_str_t  ngx_http_partoo_tryout_bucket_names[] = {
    ngx_string("0.005"), ngx_string("0.01"), ngx_string("0.025"),
    ngx_string("0.05"), ngx_string("0.1"), ngx_string("0.25"),
    ngx_string("0.5"), ngx_string("1"), ngx_string("2.5"), ngx_string("5"),
    ngx_string("10"), ngx_string("+Inf")
};

/* the codes reported even at 0: the contract's, and limit_req's 429 */
static ngx_uint_t  ngx_http_partoo_tryout_codes[] = {
    200, 400, 401, 403, 405, 413, 415, 429, 503
};

static ngx_str_t  ngx_http_partoo_tryout_methods[] = {
    ngx_string("GET"), ngx_string("PUT"), ngx_string("DELETE"),
    ngx_string("other")
};

static ngx_str_t  ngx_http_partoo_tryout_err_format =
    ngx_string("{\"errors\":{\"query\":{\"format\":"
               "\"must be prometheus or json\"}}}");


char *
ngx_http_partoo_tryout_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    size_t                                  size;
    ngx_shm_zone_t                         *shm_zone;
    ngx_http_core_loc_conf_t               *clcf;
    ngx_http_partoo_tryout_metrics_conf_t  *mcf;

    mcf = (ngx_http_partoo_tryout_metrics_conf_t *)
              ((char *) conf + cmd->offset);

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler == ngx_http_partoo_tryout_status_handler) {
        return "is duplicate";
    }

    if (mcf->zone == NULL) {
        /* the counters and room for the slab allocator's own pages */
        size = ngx_align(sizeof(ngx_http_partoo_tryout_metrics_sh_t),
                         ngx_pagesize)
               + 8 * ngx_pagesize;

        shm_zone = ngx_shared_memory_add(cf,
                                         &ngx_http_partoo_tryout_metrics_name,
                                         size,
                                         &ngx_http_partoo_tryout_metrics_tag);
        if (shm_zone == NULL) {
            return NGX_CONF_ERROR;
        }

        shm_zone->init = ngx_http_partoo_tryout_metrics_init_zone;
        mcf->zone = shm_zone;
    }

    clcf->handler = ngx_http_partoo_tryout_status_handler;

    return NGX_CONF_OK;
}


/* a reload hands the zone over with the counters: as limit_req's */

static ngx_int_t
ngx_http_partoo_tryout_metrics_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    size_t                                len;
    ngx_slab_pool_t                      *shpool;
    ngx_http_partoo_tryout_metrics_sh_t  *sh;

    if (data) {
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, sizeof(ngx_http_partoo_tryout_metrics_sh_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    shpool->data = sh;
    shm_zone->data = sh;

    len = sizeof(" in partoo_tryout_status zone \"\"")
          + shm_zone->shm.name.len;

    shpool->log_ctx = ngx_slab_alloc(shpool, len);
    if (shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(shpool->log_ctx, " in partoo_tryout_status zone \"%V\"%Z",
                &shm_zone->shm.name);

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_metrics_init(ngx_conf_t *cf,
    ngx_http_partoo_tryout_metrics_conf_t *mcf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    if (mcf->zone == NULL) {
        return NGX_OK;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    /*
     * A request marked in the rewrite phase of a tryout location is
     * counted when it is logged, whatever answered it: the handler,
     * limit_req (429, and an error_page to a named location), allow/deny.
     * Added last, so run first in the phase.
     */

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_partoo_tryout_metrics_rewrite_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_partoo_tryout_metrics_log_handler;

    return NGX_OK;
}


/*
 * In the master once a configuration is in force (start, reload): the
 * file of every keys zone was loaded.  Entries of zones no longer
 * configured are freed.
 */

ngx_int_t
ngx_http_partoo_tryout_metrics_init_module(ngx_cycle_t *cycle,
    ngx_http_partoo_tryout_metrics_conf_t *mcf)
{
    ngx_uint_t                              i, k, found, nkeys, nsamples;
    ngx_shm_zone_t                         *shm_zone;
    ngx_list_part_t                        *part;
    ngx_http_partoo_tryout_metrics_sh_t    *sh;
    ngx_http_partoo_tryout_metrics_zone_t  *z;

    if (mcf == NULL || mcf->zone == NULL || mcf->zone->data == NULL) {
        return NGX_OK;
    }

    sh = mcf->zone->data;

    for (k = 0; k < NGX_HTTP_PARTOO_TRYOUT_METRICS_NZONES; k++) {
        z = &sh->zones[k];

        if (z->len == 0) {
            continue;
        }

        found = 0;

        part = NULL;

        while ((shm_zone = ngx_http_partoo_tryout_zone_next(cycle, &part, &i))
               != NULL)
        {
            if (shm_zone->shm.name.len == z->len
                && ngx_memcmp(shm_zone->shm.name.data, z->name, z->len) == 0
                && ngx_http_partoo_tryout_metrics_ours(shm_zone, &nkeys,
                                                       &nsamples))
            {
                found = 1;
                break;
            }
        }

        if (!found) {
            z->len = 0;
            ngx_memory_barrier();
            z->loads_ok = 0;
            z->loads_error = 0;
            z->last_load = 0;
            z->evictions = 0;
        }
    }

    part = NULL;

    while ((shm_zone = ngx_http_partoo_tryout_zone_next(cycle, &part, &i))
           != NULL)
    {
        if (!ngx_http_partoo_tryout_metrics_ours(shm_zone, &nkeys,
                                                 &nsamples)
            || shm_zone->init == ngx_http_partoo_tryout_metrics_init_zone)
        {
            continue;
        }

        z = ngx_http_partoo_tryout_metrics_zone(sh, &shm_zone->shm.name, 1);

        if (z == NULL) {
            ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                          "partoo_tryout: zone \"%V\" is not counted: more "
                          "than %d zones, or a name longer than %d bytes",
                          &shm_zone->shm.name,
                          NGX_HTTP_PARTOO_TRYOUT_METRICS_NZONES,
                          NGX_HTTP_PARTOO_TRYOUT_METRICS_NAME_LEN);
            continue;
        }

        if (nkeys != (ngx_uint_t) NGX_ERROR) {
            (void) ngx_atomic_fetch_add(&z->loads_ok, 1);
            z->last_load = ngx_time();
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_metrics_init_process(ngx_cycle_t *cycle,
    ngx_http_partoo_tryout_metrics_conf_t *mcf)
{
    ngx_err_t                               err;
    ngx_uint_t                              i;
    ngx_atomic_uint_t                       pid;
    ngx_http_partoo_tryout_metrics_sh_t    *sh;
    ngx_http_partoo_tryout_metrics_proc_t  *p;

    ngx_http_partoo_tryout_metrics = NULL;
    ngx_http_partoo_tryout_proc = NULL;

    if (mcf == NULL || mcf->zone == NULL || mcf->zone->data == NULL) {
        return NGX_OK;
    }

    sh = mcf->zone->data;

    ngx_http_partoo_tryout_metrics = sh;
    ngx_http_partoo_tryout_metrics_max_in_flight = mcf->max_in_flight;
    ngx_http_partoo_tryout_metrics_version = mcf->version;

    if (ngx_process != NGX_PROCESS_WORKER && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    /* a free slot, or one whose worker is gone (killed, crashed) */

    for (i = 0; i < NGX_HTTP_PARTOO_TRYOUT_METRICS_NPROCS; i++) {
        p = &sh->procs[i];
        pid = p->pid;

        if (pid != 0) {
            if (kill((ngx_pid_t) pid, 0) == 0) {
                continue;
            }

            err = ngx_errno;

            if (err != NGX_ESRCH) {
                continue;
            }
        }

        if (!ngx_atomic_cmp_set(&p->pid, pid, (ngx_atomic_uint_t) ngx_pid)) {
            continue;
        }

        p->worker = ngx_worker;
        p->in_flight = 0;
        p->open = 0;
        p->idle = 0;

        ngx_http_partoo_tryout_proc = p;

        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                  "partoo_tryout: no slot left in the status zone for this "
                  "worker's deliveries in flight and connections");

    return NGX_OK;
}


void
ngx_http_partoo_tryout_metrics_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_partoo_tryout_metrics_proc_t  *p;

    p = ngx_http_partoo_tryout_proc;

    if (p == NULL) {
        return;
    }

    ngx_http_partoo_tryout_proc = NULL;

    p->in_flight = 0;
    p->open = 0;
    p->idle = 0;

    ngx_memory_barrier();

    p->pid = 0;
}


/* the zones of "cycle" one by one, from *part NULL; NULL after the last */

static ngx_shm_zone_t *
ngx_http_partoo_tryout_zone_next(ngx_cycle_t *cycle,
    ngx_list_part_t **part, ngx_uint_t *i)
{
    if (*part == NULL) {
        *part = &cycle->shared_memory.part;
        *i = 0;
    }

    while (*i >= (*part)->nelts) {
        if ((*part)->next == NULL) {
            return NULL;
        }

        *part = (*part)->next;
        *i = 0;
    }

    return &((ngx_shm_zone_t *) (*part)->elts)[(*i)++];
}


/* the status zone of "cycle", or NULL */

static ngx_http_partoo_tryout_metrics_sh_t *
ngx_http_partoo_tryout_metrics_find(ngx_cycle_t *cycle)
{
    ngx_uint_t        i;
    ngx_shm_zone_t   *shm_zone;
    ngx_list_part_t  *part;

    part = NULL;

    while ((shm_zone = ngx_http_partoo_tryout_zone_next(cycle, &part, &i))
           != NULL)
    {
        if (shm_zone->tag == &ngx_http_partoo_tryout_metrics_tag) {
            return shm_zone->data;
        }
    }

    return NULL;
}


/*
 * The entry of a zone; "create", by the master only, takes a free one.
 * Readers see a name whole: its length is stored after it.
 */

static ngx_http_partoo_tryout_metrics_zone_t *
ngx_http_partoo_tryout_metrics_zone(ngx_http_partoo_tryout_metrics_sh_t *sh,
    ngx_str_t *name, ngx_uint_t create)
{
    ngx_uint_t                              i;
    ngx_http_partoo_tryout_metrics_zone_t  *z, *free;

    free = NULL;

    for (i = 0; i < NGX_HTTP_PARTOO_TRYOUT_METRICS_NZONES; i++) {
        z = &sh->zones[i];

        if (z->len == 0) {
            if (free == NULL) {
                free = z;
            }

            continue;
        }

        if (z->len == name->len
            && ngx_memcmp(z->name, name->data, name->len) == 0)
        {
            return z;
        }
    }

    if (!create || free == NULL
        || name->len > NGX_HTTP_PARTOO_TRYOUT_METRICS_NAME_LEN)
    {
        return NULL;
    }

    ngx_memcpy(free->name, name->data, name->len);
    free->loads_ok = 0;
    free->loads_error = 0;
    free->last_load = 0;
    free->evictions = 0;

    ngx_memory_barrier();

    free->len = name->len;

    return free;
}


/*
 * A zone of the module: the status zone, a keys zone ("nkeys" set, else
 * NGX_ERROR) or a samples zone ("nsamples" set, else NGX_ERROR).
 */

static ngx_uint_t
ngx_http_partoo_tryout_metrics_ours(ngx_shm_zone_t *zone, ngx_uint_t *nkeys,
    ngx_uint_t *nsamples)
{
    *nkeys = (ngx_uint_t) NGX_ERROR;
    *nsamples = (ngx_uint_t) NGX_ERROR;

    if (zone->tag == &ngx_http_partoo_tryout_metrics_tag) {
        return zone->data != NULL;
    }

    if (ngx_http_partoo_tryout_keys_zone_keys(zone, nkeys) == NGX_OK) {
        return 1;
    }

    return ngx_http_partoo_tryout_samples_zone_samples(zone, nsamples)
           == NGX_OK;
}


/* hooks */

void
ngx_http_partoo_tryout_metrics_delivery(ngx_http_partoo_tryout_delivery_t *d)
{
    ngx_uint_t                            i;
    ngx_http_partoo_tryout_metrics_sh_t  *sh;

    sh = ngx_http_partoo_tryout_metrics;

    if (sh == NULL) {
        return;
    }

    if ((ngx_uint_t) d->error < NGX_HTTP_PARTOO_TRYOUT_METRICS_NERRORS) {
        (void) ngx_atomic_fetch_add(&sh->deliveries[d->error], 1);
    }

    for (i = 0; i < NGX_HTTP_PARTOO_TRYOUT_METRICS_NBUCKETS; i++) {
        if (d->duration <= ngx_http_partoo_tryout_buckets[i]) {
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&sh->duration[i], 1);
    (void) ngx_atomic_fetch_add(&sh->duration_ms, d->duration);

    if (d->reused) {
        (void) ngx_atomic_fetch_add(&sh->reused, 1);
    }
}


void
ngx_http_partoo_tryout_metrics_in_flight(ngx_int_t delta)
{
    ngx_http_partoo_tryout_metrics_proc_t  *p;

    p = ngx_http_partoo_tryout_proc;

    if (p) {
        p->in_flight += delta;
    }
}


void
ngx_http_partoo_tryout_metrics_opened(void)
{
    if (ngx_http_partoo_tryout_metrics) {
        (void) ngx_atomic_fetch_add(&ngx_http_partoo_tryout_metrics->opened,
                                    1);
    }
}


void
ngx_http_partoo_tryout_metrics_connections(ngx_int_t open, ngx_int_t idle)
{
    ngx_http_partoo_tryout_metrics_proc_t  *p;

    if (open > 0) {
        ngx_http_partoo_tryout_metrics_opened();
    }

    p = ngx_http_partoo_tryout_proc;

    if (p) {
        p->open += open;
        p->idle += idle;
    }
}


/*
 * Called while the master reads a configuration, or sets its zones up:
 * the counters are those of the configuration in force, ngx_cycle's.  A
 * first start that fails has none.
 */

void
ngx_http_partoo_tryout_metrics_keys_failed(ngx_str_t *zone)
{
    ngx_http_partoo_tryout_metrics_sh_t    *sh;
    ngx_http_partoo_tryout_metrics_zone_t  *z;

    sh = ngx_http_partoo_tryout_metrics_find((ngx_cycle_t *) ngx_cycle);

    if (sh == NULL) {
        return;
    }

    z = ngx_http_partoo_tryout_metrics_zone(sh, zone, 1);

    if (z) {
        (void) ngx_atomic_fetch_add(&z->loads_error, 1);
    }
}


/* in a worker: counted as a reload is, in the entry the master made */

void
ngx_http_partoo_tryout_metrics_keys_checked(ngx_str_t *zone, ngx_uint_t ok)
{
    ngx_http_partoo_tryout_metrics_zone_t  *z;

    if (ngx_http_partoo_tryout_metrics == NULL) {
        return;
    }

    z = ngx_http_partoo_tryout_metrics_zone(ngx_http_partoo_tryout_metrics,
                                            zone, 0);
    if (z == NULL) {
        return;
    }

    if (ok) {
        (void) ngx_atomic_fetch_add(&z->loads_ok, 1);
        z->last_load = ngx_time();

    } else {
        (void) ngx_atomic_fetch_add(&z->loads_error, 1);
    }
}

void
ngx_http_partoo_tryout_metrics_samples_evicted(ngx_str_t *zone)
{
    ngx_http_partoo_tryout_metrics_zone_t  *z;

    if (ngx_http_partoo_tryout_metrics == NULL) {
        return;
    }

    z = ngx_http_partoo_tryout_metrics_zone(ngx_http_partoo_tryout_metrics,
                                            zone, 0);
    if (z) {
        (void) ngx_atomic_fetch_add(&z->evictions, 1);
    }
}


void
ngx_http_partoo_tryout_metrics_samples_fetched(ngx_str_t *zone,
    ngx_uint_t result)
{
    ngx_http_partoo_tryout_metrics_zone_t  *z;

    if (ngx_http_partoo_tryout_metrics == NULL || result > 2) {
        return;
    }

    z = ngx_http_partoo_tryout_metrics_zone(ngx_http_partoo_tryout_metrics,
                                            zone, 0);
    if (z) {
        (void) ngx_atomic_fetch_add(&z->fetches[result], 1);
    }
}


static ngx_int_t
ngx_http_partoo_tryout_metrics_rewrite_handler(ngx_http_request_t *r)
{
    ngx_http_partoo_tryout_ctx_t       *ctx;
    ngx_http_partoo_tryout_loc_conf_t  *ptlcf;

    ptlcf = ngx_http_get_module_loc_conf(r, ngx_http_partoo_tryout_module);

    if (!ptlcf->enable) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_partoo_tryout_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->metered = 1;

    return NGX_DECLINED;
}


/* the status as $status has it */

static ngx_int_t
ngx_http_partoo_tryout_metrics_log_handler(ngx_http_request_t *r)
{
    ngx_uint_t                            status, m;
    ngx_http_partoo_tryout_ctx_t         *ctx;
    ngx_http_partoo_tryout_metrics_sh_t  *sh;

    sh = ngx_http_partoo_tryout_metrics;

    if (sh == NULL) {
        return NGX_OK;
    }

    status = r->err_status ? r->err_status : r->headers_out.status;

    if (status < 100 || status >= 100 + NGX_HTTP_PARTOO_TRYOUT_METRICS_NCODES)
    {
        return NGX_OK;
    }

    if (ngx_http_partoo_tryout_samples_api_location(r)) {

        switch (r->method) {
        case NGX_HTTP_GET:
            m = 0;
            break;
        case NGX_HTTP_PUT:
            m = 1;
            break;
        case NGX_HTTP_DELETE:
            m = 2;
            break;
        default:
            m = 3;
        }

        (void) ngx_atomic_fetch_add(&sh->samples_api[m][status - 100], 1);

        return NGX_OK;
    }

    ctx = ngx_http_partoo_tryout_find_ctx(r);

    if (ctx && ctx->metered) {
        (void) ngx_atomic_fetch_add(&sh->requests[status - 100], 1);
    }

    return NGX_OK;
}


/* the status page */

static ngx_int_t
ngx_http_partoo_tryout_status_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_uint_t                     json;
    ngx_http_partoo_tryout_page_t  pg;

    static ngx_str_t  allow = ngx_string("GET, HEAD");

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_partoo_tryout_not_allowed(r, &allow);
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_partoo_tryout_status_format(r, &json) != NGX_OK) {
        return ngx_http_partoo_tryout_send(r, NGX_HTTP_BAD_REQUEST,
                                     ngx_http_partoo_tryout_err_format.data,
                                     ngx_http_partoo_tryout_err_format.len);
    }

    if (ngx_http_partoo_tryout_metrics == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memzero(&pg, sizeof(ngx_http_partoo_tryout_page_t));

    pg.request = r;
    pg.last = &pg.out;

    if (json) {
        pg.families = json_array();
        if (pg.families == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ngx_http_partoo_tryout_status_collect(&pg);

    rc = ngx_http_partoo_tryout_status_send(r, &pg);

    if (pg.families) {
        json_decref(pg.families);
    }

    return rc;
}


/*
 * "?format=prometheus" or "?format=json", else JSON when the Accept
 * header names application/json.  NGX_ERROR: another format.
 */

static ngx_int_t
ngx_http_partoo_tryout_status_format(ngx_http_request_t *r, ngx_uint_t *json)
{
    ngx_str_t         value;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    static u_char  type[] = "application/json";

    *json = 0;

    if (ngx_http_arg(r, (u_char *) "format", 6, &value) == NGX_OK) {

        if (value.len == 4 && ngx_strncmp(value.data, "json", 4) == 0) {
            *json = 1;
            return NGX_OK;
        }

        if (value.len == 10
            && ngx_strncmp(value.data, "prometheus", 10) == 0)
        {
            return NGX_OK;
        }

        return NGX_ERROR;
    }

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NGX_OK;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == 6
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Accept", 6) == 0
            && ngx_strlcasestrn(h[i].value.data,
                                h[i].value.data + h[i].value.len,
                                type, sizeof(type) - 2)
               != NULL)
        {
            *json = 1;
            return NGX_OK;
        }
    }
}


static void
ngx_http_partoo_tryout_status_collect(ngx_http_partoo_tryout_page_t *pg)
{
    u_char                                 *seen, codes[NGX_INT_T_LEN];
    int64_t                                 n, open, idle, *by_worker;
    ngx_str_t                              *name;
    ngx_uint_t                              i, k, m, code, nworkers;
    ngx_core_conf_t                        *ccf;
    ngx_http_partoo_tryout_label_t          labels[2];
    ngx_http_partoo_tryout_metrics_sh_t    *sh;
    ngx_http_partoo_tryout_metrics_proc_t  *p;

    sh = ngx_http_partoo_tryout_metrics;

    ngx_http_partoo_tryout_page_family(pg, "partoo_tryout_info",
        NGX_HTTP_PARTOO_TRYOUT_GAUGE,
        "The module's build, with its version.");

    labels[0].name = "version";
    labels[0].value = ngx_http_partoo_tryout_metrics_version;

    ngx_http_partoo_tryout_page_metric(pg, "partoo_tryout_info", "", labels,
                                       1, 1, 0);

    /* requests: the contract's codes always, any other once seen */

    ngx_http_partoo_tryout_page_family(pg, "partoo_tryout_requests_total",
        NGX_HTTP_PARTOO_TRYOUT_COUNTER,
        "Answers of the partoo_tryout locations, by HTTP status.");

    labels[0].name = "code";
    labels[0].value.data = codes;

    for (code = 100; code < 100 + NGX_HTTP_PARTOO_TRYOUT_METRICS_NCODES;
         code++)
    {
        n = sh->requests[code - 100];

        for (k = 0; k < sizeof(ngx_http_partoo_tryout_codes)
                        / sizeof(ngx_uint_t); k++)
        {
            if (ngx_http_partoo_tryout_codes[k] == code) {
                break;
            }
        }

        if (n == 0 && k == sizeof(ngx_http_partoo_tryout_codes)
                          / sizeof(ngx_uint_t))
        {
            continue;
        }

        labels[0].value.len = ngx_sprintf(codes, "%ui", code) - codes;

        ngx_http_partoo_tryout_page_metric(pg, "partoo_tryout_requests_total",
                                           "", labels, 1, n, 0);
    }

    /* deliveries, by the answer's "status" and "error" */

    ngx_http_partoo_tryout_page_family(pg, "partoo_tryout_deliveries_total",
        NGX_HTTP_PARTOO_TRYOUT_COUNTER,
        "Deliveries, by the status and error of the answer.");

    labels[0].name = "status";
    labels[1].name = "error";

    for (i = 0; i < NGX_HTTP_PARTOO_TRYOUT_METRICS_NERRORS; i++) {
        name = ngx_http_partoo_tryout_deliver_error_name(i);

        if (name) {
            ngx_str_set(&labels[0].value, "error");
            labels[1].value = *name;

        } else {
            ngx_str_set(&labels[0].value, "success");
            ngx_str_set(&labels[1].value, "none");
        }

        ngx_http_partoo_tryout_page_metric(pg,
                                           "partoo_tryout_deliveries_total",
                                           "", labels, 2,
                                           sh->deliveries[i], 0);
    }

    ngx_http_partoo_tryout_page_family(pg,
        "partoo_tryout_delivery_duration_seconds",
        NGX_HTTP_PARTOO_TRYOUT_HISTOGRAM,
        "Duration of deliveries, as duration_ms of the answer.");

    labels[0].name = "le";
    n = 0;

    for (i = 0; i <= NGX_HTTP_PARTOO_TRYOUT_METRICS_NBUCKETS; i++) {
        n += sh->duration[i];
        labels[0].value = ngx_http_partoo_tryout_bucket_names[i];

        ngx_http_partoo_tryout_page_metric(pg,
                                     "partoo_tryout_delivery_duration_seconds",
                                     "_bucket", labels, 1, n, 0);
    }

    ngx_http_partoo_tryout_page_metric(pg,
                                     "partoo_tryout_delivery_duration_seconds",
                                     "_sum", NULL, 0, sh->duration_ms, 1);
    ngx_http_partoo_tryout_page_metric(pg,
                                     "partoo_tryout_delivery_duration_seconds",
                                     "_count", NULL, 0, n, 0);

    /* the workers' gauges: live slots, summed by worker number */

    ccf = (ngx_core_conf_t *) ngx_get_conf(ngx_cycle->conf_ctx,
                                           ngx_core_module);

    nworkers = (ngx_process == NGX_PROCESS_SINGLE || ccf == NULL)
               ? 1 : (ngx_uint_t) ccf->worker_processes;

    ngx_http_partoo_tryout_page_family(pg, "partoo_tryout_deliveries_in_flight",
        NGX_HTTP_PARTOO_TRYOUT_GAUGE,
        "Deliveries running, by worker: at most partoo_tryout_max_in_flight "
        "each.");

    by_worker = ngx_pcalloc(pg->request->pool,
                            NGX_HTTP_PARTOO_TRYOUT_METRICS_NPROCS
                            * (sizeof(int64_t) + 1));
    if (by_worker == NULL) {
        pg->failed = 1;
        return;
    }

    seen = (u_char *) &by_worker[NGX_HTTP_PARTOO_TRYOUT_METRICS_NPROCS];

    open = 0;
    idle = 0;

    for (i = 0; i < NGX_HTTP_PARTOO_TRYOUT_METRICS_NPROCS; i++) {
        p = &sh->procs[i];
        m = p->worker;

        if (p->pid == 0 || m >= NGX_HTTP_PARTOO_TRYOUT_METRICS_NPROCS
            || kill((ngx_pid_t) p->pid, 0) == -1)
        {
            continue;
        }

        seen[m] = 1;
        by_worker[m] += (ngx_atomic_int_t) p->in_flight;
        open += (ngx_atomic_int_t) p->open;
        idle += (ngx_atomic_int_t) p->idle;
    }

    labels[0].name = "worker";
    labels[0].value.data = codes;

    for (m = 0; m < NGX_HTTP_PARTOO_TRYOUT_METRICS_NPROCS; m++) {

        if (m >= nworkers && !seen[m]) {
            continue;
        }

        labels[0].value.len = ngx_sprintf(codes, "%ui", m) - codes;

        ngx_http_partoo_tryout_page_metric(pg,
                                         "partoo_tryout_deliveries_in_flight",
                                         "", labels, 1,
                                         ngx_max(by_worker[m], 0), 0);
    }

    ngx_http_partoo_tryout_page_family(pg, "partoo_tryout_max_in_flight",
        NGX_HTTP_PARTOO_TRYOUT_GAUGE,
        "The largest partoo_tryout_max_in_flight: deliveries a worker may "
        "run at once.");

    n = ngx_http_partoo_tryout_metrics_max_in_flight;

    ngx_http_partoo_tryout_page_metric(pg, "partoo_tryout_max_in_flight", "",
                                       NULL, 0, n, 0);

    ngx_http_partoo_tryout_page_family(pg, "partoo_tryout_connections",
        NGX_HTTP_PARTOO_TRYOUT_GAUGE,
        "Connections of the native engine to receivers: a delivery's "
        "(active) or kept for the next (idle).");

    labels[0].name = "state";

    ngx_str_set(&labels[0].value, "active");
    ngx_http_partoo_tryout_page_metric(pg, "partoo_tryout_connections", "",
                                       labels, 1,
                                       ngx_max(open - idle, 0), 0);

    ngx_str_set(&labels[0].value, "idle");
    ngx_http_partoo_tryout_page_metric(pg, "partoo_tryout_connections", "",
                                       labels, 1, ngx_max(idle, 0), 0);

    ngx_http_partoo_tryout_page_family(pg,
        "partoo_tryout_connections_opened_total",
        NGX_HTTP_PARTOO_TRYOUT_COUNTER,
        "Connections to receivers opened.");

    ngx_http_partoo_tryout_page_metric(pg,
                                      "partoo_tryout_connections_opened_total",
                                      "", NULL, 0, sh->opened, 0);

    ngx_http_partoo_tryout_page_family(pg,
        "partoo_tryout_connections_reused_total",
        NGX_HTTP_PARTOO_TRYOUT_COUNTER,
        "Deliveries made on a connection kept from an earlier one.");

    ngx_http_partoo_tryout_page_metric(pg,
                                      "partoo_tryout_connections_reused_total",
                                      "", NULL, 0, sh->reused, 0);

    ngx_http_partoo_tryout_status_zones(pg);

    /* the samples API: the method and status pairs seen */

    ngx_http_partoo_tryout_page_family(pg,
        "partoo_tryout_samples_api_requests_total",
        NGX_HTTP_PARTOO_TRYOUT_COUNTER,
        "Answers of the partoo_tryout_samples_api locations, by method and "
        "HTTP status.");

    labels[0].name = "method";
    labels[1].name = "code";
    labels[1].value.data = codes;

    for (m = 0; m < NGX_HTTP_PARTOO_TRYOUT_METRICS_NMETHODS; m++) {
        labels[0].value = ngx_http_partoo_tryout_methods[m];

        for (code = 100; code < 100 + NGX_HTTP_PARTOO_TRYOUT_METRICS_NCODES;
             code++)
        {
            n = sh->samples_api[m][code - 100];

            if (n == 0) {
                continue;
            }

            labels[1].value.len = ngx_sprintf(codes, "%ui", code) - codes;

            ngx_http_partoo_tryout_page_metric(pg,
                                    "partoo_tryout_samples_api_requests_total",
                                    "", labels, 2, n, 0);
        }
    }

}


/* the families of the zones of the module, in the order declared */

static void
ngx_http_partoo_tryout_status_zones(ngx_http_partoo_tryout_page_t *pg)
{
    ngx_cycle_t                            *cycle;
    size_t                                  free;
    ngx_uint_t                              i, f, k, nkeys, nsamples;
    ngx_shm_zone_t                         *shm_zone;
    ngx_list_part_t                        *part;
    ngx_slab_pool_t                        *shpool;
    ngx_http_partoo_tryout_label_t          labels[2];
    ngx_http_partoo_tryout_metrics_zone_t  *z;

    static struct {
        const char                         *name;
        ngx_http_partoo_tryout_metric_type_e  type;
        const char                         *help;
    } families[] = {

        { "partoo_tryout_zone_bytes", NGX_HTTP_PARTOO_TRYOUT_GAUGE,
          "Bytes of each shared memory zone of the module: used and free "
          "(whole free pages) add up to its size." },

        { "partoo_tryout_keys", NGX_HTTP_PARTOO_TRYOUT_GAUGE,
          "Keys in force in each keys zone." },

        { "partoo_tryout_keys_loads_total", NGX_HTTP_PARTOO_TRYOUT_COUNTER,
          "Loads of each keys zone's file, at start and on reload: an "
          "error refused the reload." },

        { "partoo_tryout_keys_last_load_timestamp_seconds",
          NGX_HTTP_PARTOO_TRYOUT_GAUGE,
          "When each keys zone's keys in force were loaded, in seconds "
          "since the epoch." },

        { "partoo_tryout_samples", NGX_HTTP_PARTOO_TRYOUT_GAUGE,
          "Samples stored in each samples zone." },

        { "partoo_tryout_samples_evictions_total",
          NGX_HTTP_PARTOO_TRYOUT_COUNTER,
          "Samples evicted from each samples zone to make room for "
          "another." },

        { "partoo_tryout_samples_source_fetches_total",
          NGX_HTTP_PARTOO_TRYOUT_COUNTER,
          "Subrequests to samples_source for each samples zone, by result: "
          "ok (a document), not_found (404) or error (the default sent)." }
    };

    static char  *fetch_results[] = { "ok", "not_found", "error" };

    cycle = (ngx_cycle_t *) ngx_cycle;

    for (f = 0; f < sizeof(families) / sizeof(families[0]); f++) {

        ngx_http_partoo_tryout_page_family(pg, families[f].name,
                                           families[f].type,
                                           families[f].help);

        part = NULL;

        while ((shm_zone = ngx_http_partoo_tryout_zone_next(cycle, &part, &i))
               != NULL)
        {
            if (!ngx_http_partoo_tryout_metrics_ours(shm_zone, &nkeys,
                                                     &nsamples))
            {
                continue;
            }

            labels[0].name = "zone";
            labels[0].value = shm_zone->shm.name;

            z = ngx_http_partoo_tryout_metrics_zone(
                                ngx_http_partoo_tryout_metrics,
                                &shm_zone->shm.name, 0);

            switch (f) {

            case 0:
                shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
                free = ngx_min(shpool->pfree << ngx_pagesize_shift,
                               shm_zone->shm.size);

                labels[1].name = "state";

                ngx_str_set(&labels[1].value, "used");
                ngx_http_partoo_tryout_page_metric(pg, families[f].name, "",
                                                   labels, 2,
                                                   shm_zone->shm.size - free,
                                                   0);

                ngx_str_set(&labels[1].value, "free");
                ngx_http_partoo_tryout_page_metric(pg, families[f].name, "",
                                                   labels, 2, free, 0);
                break;

            case 1:
                if (nkeys != (ngx_uint_t) NGX_ERROR) {
                    ngx_http_partoo_tryout_page_metric(pg, families[f].name,
                                                       "", labels, 1, nkeys,
                                                       0);
                }
                break;

            case 2:
                if (nkeys == (ngx_uint_t) NGX_ERROR) {
                    break;
                }

                labels[1].name = "result";

                ngx_str_set(&labels[1].value, "ok");
                ngx_http_partoo_tryout_page_metric(pg, families[f].name, "",
                                                   labels, 2,
                                                   z ? z->loads_ok : 0, 0);

                ngx_str_set(&labels[1].value, "error");
                ngx_http_partoo_tryout_page_metric(pg, families[f].name, "",
                                                   labels, 2,
                                                   z ? z->loads_error : 0, 0);
                break;

            case 3:
                if (nkeys != (ngx_uint_t) NGX_ERROR && z && z->last_load) {
                    ngx_http_partoo_tryout_page_metric(pg, families[f].name,
                                                       "", labels, 1,
                                                       z->last_load, 0);
                }
                break;

            case 4:
                if (nsamples != (ngx_uint_t) NGX_ERROR) {
                    ngx_http_partoo_tryout_page_metric(pg, families[f].name,
                                                       "", labels, 1,
                                                       nsamples, 0);
                }
                break;

            case 5:
                if (nsamples != (ngx_uint_t) NGX_ERROR) {
                    ngx_http_partoo_tryout_page_metric(pg, families[f].name,
                                                       "", labels, 1,
                                                       z ? z->evictions : 0,
                                                       0);
                }
                break;

            default: /* 6 */
                if (nsamples == (ngx_uint_t) NGX_ERROR) {
                    break;
                }

                labels[1].name = "result";

                for (k = 0; k < 3; k++) {
                    labels[1].value.data = (u_char *) fetch_results[k];
                    labels[1].value.len = ngx_strlen(fetch_results[k]);

                    ngx_http_partoo_tryout_page_metric(pg, families[f].name,
                                                       "", labels, 2,
                                                       z ? z->fetches[k] : 0,
                                                       0);
                }
                break;
            }
        }
    }
}


static ngx_int_t
ngx_http_partoo_tryout_status_send(ngx_http_request_t *r,
    ngx_http_partoo_tryout_page_t *pg)
{
    char       *text;
    size_t      len;
    u_char     *p;
    ngx_int_t   rc;

    if (pg->failed) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (pg->families) {
        text = json_dumps(pg->families,
                          JSON_COMPACT | JSON_REAL_PRECISION(15));
        if (text == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        len = ngx_strlen(text);

        p = ngx_pnalloc(r->pool, len);
        if (p) {
            ngx_memcpy(p, text, len);
        }

        free(text);

        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_partoo_tryout_send(r, NGX_HTTP_OK, p, len);
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = pg->len;

    ngx_str_set(&r->headers_out.content_type, "text/plain; version=0.0.4");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    if (pg->buf) {
        pg->buf->last_buf = (r == r->main) ? 1 : 0;
        pg->buf->last_in_chain = 1;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only || pg->out == NULL)
    {
        return rc;
    }

    return ngx_http_output_filter(r, pg->out);
}


/* the page: families and their metrics, as text or as JSON */

static void
ngx_http_partoo_tryout_page_family(ngx_http_partoo_tryout_page_t *pg,
    const char *name, ngx_http_partoo_tryout_metric_type_e type,
    const char *help)
{
    json_t  *family;

    static const char  *types[] = { "counter", "gauge", "histogram" };

    pg->type = type;
    pg->histogram = NULL;

    if (pg->families == NULL) {
        ngx_http_partoo_tryout_page_printf(pg, "# HELP %s %s\n# TYPE %s %s\n",
                                           name, help, name, types[type]);
        return;
    }

    pg->metrics = json_array();

    family = json_pack("{s:s, s:s, s:s, s:o*}", "name", name, "help", help,
                       "type", types[type], "metrics", pg->metrics);

    if (family == NULL || json_array_append_new(pg->families, family) != 0) {
        pg->failed = 1;
    }
}


static void
ngx_http_partoo_tryout_page_metric(ngx_http_partoo_tryout_page_t *pg,
    const char *name, const char *suffix,
    ngx_http_partoo_tryout_label_t *labels, ngx_uint_t nlabels,
    int64_t value, ngx_uint_t milli)
{
    u_char      *p, *v;
    ngx_uint_t   i;

    if (pg->families) {
        ngx_http_partoo_tryout_page_json(pg, suffix, labels, nlabels, value,
                                         milli);
        return;
    }

    ngx_http_partoo_tryout_page_printf(pg, "%s%s", name, suffix);

    for (i = 0; i < nlabels; i++) {
        ngx_http_partoo_tryout_page_printf(pg, "%s%s=\"", i ? "," : "{",
                                           labels[i].name);

        /* a label value escapes \, " and newlines */

        v = labels[i].value.data;

        for (p = v; p < labels[i].value.data + labels[i].value.len; p++) {
            if (*p == '\\' || *p == '"' || *p == '\n') {
                ngx_http_partoo_tryout_page_printf(pg, "%*s%s", p - v, v,
                                                   *p == '\\' ? "\\\\"
                                                   : *p == '"' ? "\\\""
                                                   : "\\n");
                v = p + 1;
            }
        }

        ngx_http_partoo_tryout_page_printf(pg, "%*s\"", p - v, v);
    }

    if (milli) {
        ngx_http_partoo_tryout_page_printf(pg, "%s %L.%03L\n",
                                           nlabels ? "}" : "",
                                           value / 1000, value % 1000);
    } else {
        ngx_http_partoo_tryout_page_printf(pg, "%s %L\n",
                                           nlabels ? "}" : "", value);
    }
}


/*
 * prom2json's shape, with numbers as JSON numbers: {"labels":{..},
 * "value":N}, and for a histogram's one metric {"buckets":{"0.005":N,..},
 * "count":N,"sum":S}.
 */

static void
ngx_http_partoo_tryout_page_json(ngx_http_partoo_tryout_page_t *pg,
    const char *suffix, ngx_http_partoo_tryout_label_t *labels,
    ngx_uint_t nlabels, int64_t value, ngx_uint_t milli)
{
    json_t      *metric, *object, *number;
    ngx_uint_t   i;

    if (pg->failed) {
        return;
    }

    number = milli ? json_real((double) value / 1000)
                   : json_integer((json_int_t) value);

    if (number == NULL) {
        goto failed;
    }

    if (pg->type == NGX_HTTP_PARTOO_TRYOUT_HISTOGRAM) {

        if (pg->histogram == NULL) {
            pg->histogram = json_pack("{s:{}}", "buckets");

            if (pg->histogram == NULL
                || json_array_append_new(pg->metrics, pg->histogram) != 0)
            {
                json_decref(number);
                goto failed;
            }
        }

        if (ngx_strcmp(suffix, "_bucket") == 0) {
            object = json_object_get(pg->histogram, "buckets");

            if (json_object_setn_new(object,
                                     (const char *) labels[0].value.data,
                                     labels[0].value.len, number)
                != 0)
            {
                goto failed;
            }

            return;
        }

        if (json_object_set_new(pg->histogram, suffix + 1, number) != 0) {
            goto failed;
        }

        return;
    }

    object = json_object();
    metric = json_pack("{s:o*, s:o}", "labels", object, "value", number);

    if (metric == NULL || json_array_append_new(pg->metrics, metric) != 0) {
        goto failed;
    }

    for (i = 0; i < nlabels; i++) {
        if (json_object_set_new(object, labels[i].name,
                                json_stringn((const char *)
                                             labels[i].value.data,
                                             labels[i].value.len))
            != 0)
        {
            goto failed;
        }
    }

    return;

failed:

    pg->failed = 1;
}


static void
ngx_http_partoo_tryout_page_printf(ngx_http_partoo_tryout_page_t *pg,
    const char *fmt, ...)
{
    u_char       *p;
    size_t        size;
    va_list       args;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (pg->failed) {
        return;
    }

    /* the current buffer, else a new one large enough for the text */

    b = pg->buf;

    for (size = 4096; size <= 1024 * 1024; size *= 2) {

        if (b) {
            va_start(args, fmt);
            p = ngx_vslprintf(b->last, b->end, fmt, args);
            va_end(args);

            /* a byte to spare: the text was not cut */

            if (p < b->end) {
                pg->len += p - b->last;
                b->last = p;

                if (b != pg->buf) {
                    cl = ngx_alloc_chain_link(pg->request->pool);
                    if (cl == NULL) {
                        break;
                    }

                    cl->buf = b;
                    cl->next = NULL;

                    *pg->last = cl;
                    pg->last = &cl->next;
                    pg->buf = b;
                }

                return;
            }
        }

        b = ngx_create_temp_buf(pg->request->pool, size);
        if (b == NULL) {
            break;
        }
    }

    pg->failed = 1;
}
