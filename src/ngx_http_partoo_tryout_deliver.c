
/*
 * Copyright (C) Partoo tryout module authors
 *
 * The engine interface: the in-flight cap, then the native engine (see
 * ngx_http_partoo_tryout_client.c), or the thread-pool engine here, which
 * runs a libcurl easy handle with curl_easy_perform() in an nginx thread
 * pool.  A pooled handle keeps its connections, reused only among
 * deliveries under one allow list (a policy).
 *
 * libcurl runs in the pool's threads, each with its own OpenSSL error
 * queue; only a handle destroyed in the worker may close a connection
 * there, and ERR_clear_error() follows, as nginx's own TLS would log what
 * it left as a stale error on its next, unrelated connection.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <pthread.h>
#include <curl/curl.h>
#include <openssl/err.h>

#include "ngx_http_partoo_tryout_deliver.h"
#include "ngx_http_partoo_tryout_client.h"
#include "ngx_http_partoo_tryout_metrics.h"
#include "ngx_http_partoo_tryout_diag.h"


/* idle easy handles kept per worker for reuse */
#define NGX_HTTP_PARTOO_TRYOUT_FREE_MAX     256

/* how much later than curl's own timeout the worker checks again */
#define NGX_HTTP_PARTOO_TRYOUT_HOLD_SLACK   1000

/* "Name: value" of a custom header, a signature line */
#define NGX_HTTP_PARTOO_TRYOUT_LINE_SIZE                                      \
    (NGX_HTTP_PARTOO_TRYOUT_MAX_HEADER_NAME * 4                               \
     + NGX_HTTP_PARTOO_TRYOUT_MAX_HEADER_VALUE * 4 + 3)


/*
 * The deliveries under one "partoo_tryout_allow_address" list.  The SSRF
 * check runs when curl opens a socket, never when it reuses a connection:
 * a connection opened under one list must never serve another, or a
 * location without the list could reach what only its neighbour may.  So
 * a policy has its own idle easy handles, as a handle keeps its own
 * connections.
 */

typedef struct {
    ngx_queue_t                              queue;     /* engine's */
    ngx_http_partoo_tryout_addr_allow_t      allow;     /* the conf's */
    ngx_queue_t                              free;
} ngx_http_partoo_tryout_policy_t;


struct ngx_http_partoo_tryout_transfer_s {
    CURL                                    *easy;
    struct curl_slist                       *headers;
    ngx_queue_t                              queue;     /* free or busy */
    ngx_http_partoo_tryout_policy_t         *policy;

    ngx_http_request_t                      *request;   /* NULL: orphaned */
    ngx_http_partoo_tryout_delivery_t       *delivery;

    /* not cancelable: graceful shutdown waits for the delivery */
    ngx_event_t                              hold;
    ngx_msec_t                               hold_time;
    ngx_msec_t                               start;

    size_t                                   received;
    size_t                                   max_response_size;
    const ngx_http_partoo_tryout_addr_allow_t
                                            *allow;

    ngx_uint_t                               nsockets;  /* opened */
    const char                              *blocked_range;
    char                                     blocked_addr[
                                            NGX_HTTP_PARTOO_TRYOUT_ADDR_STRLEN];

    char                                     errbuf[CURL_ERROR_SIZE];

#if (NGX_THREADS)
    ngx_thread_task_t                        task;
    u_char                                  *body;      /* outlives r */
    CURLcode                                 code;
#endif

    /*
     * Written from curl's write callback, so by a pool thread: a word of
     * its own, never a bit-field next to the worker's flags, which the
     * worker may write while the thread runs.
     */
    ngx_uint_t                               too_large;

    /* the worker's; set before a task is posted */
    unsigned                                 counted:1;  /* in_flight */
};


typedef struct {
    CURLSH                                  *share;
    CURLU                                   *url;       /* literal check */

    ngx_queue_t                              policies;
    ngx_uint_t                               nfree;     /* all policies */
    ngx_queue_t                              busy;
    ngx_uint_t                               in_flight;

    pthread_mutex_t                          locks[CURL_LOCK_DATA_LAST];
    ngx_uint_t                               nlocks;

    unsigned                                 initialized:1;
} ngx_http_partoo_tryout_engine_t;


static ngx_int_t ngx_http_partoo_tryout_blocked_literal(ngx_http_request_t *r,
    ngx_http_partoo_tryout_deliver_conf_t *conf,
    ngx_http_partoo_tryout_delivery_t *d);
static ngx_http_partoo_tryout_policy_t *ngx_http_partoo_tryout_policy_get(
    const ngx_http_partoo_tryout_addr_allow_t *allow, ngx_log_t *log);
static void ngx_http_partoo_tryout_policy_destroy(
    ngx_http_partoo_tryout_policy_t *policy);
static ngx_http_partoo_tryout_transfer_t *ngx_http_partoo_tryout_transfer_get(
    ngx_http_partoo_tryout_policy_t *policy, ngx_log_t *log);
static ngx_int_t ngx_http_partoo_tryout_transfer_setup(
    ngx_http_partoo_tryout_transfer_t *t,
    ngx_http_partoo_tryout_deliver_conf_t *conf,
    ngx_http_partoo_tryout_delivery_t *d, u_char *body,
    const ngx_http_partoo_tryout_header_t *headers, size_t nheaders);
static ngx_int_t ngx_http_partoo_tryout_transfer_configure(
    ngx_http_partoo_tryout_transfer_t *t,
    ngx_http_partoo_tryout_deliver_conf_t *conf);
static ngx_uint_t ngx_http_partoo_tryout_header_blank(
    const ngx_http_partoo_tryout_header_t *h);
static ngx_int_t ngx_http_partoo_tryout_header_add(
    ngx_http_partoo_tryout_transfer_t *t, const char *line);
static void ngx_http_partoo_tryout_transfer_done(
    ngx_http_partoo_tryout_transfer_t *t, CURLcode code);
static void ngx_http_partoo_tryout_transfer_info(
    ngx_http_partoo_tryout_transfer_t *t,
    ngx_http_partoo_tryout_delivery_t *d);
static ngx_http_partoo_tryout_deliver_error_e
    ngx_http_partoo_tryout_transfer_error(ngx_http_partoo_tryout_transfer_t *t,
    CURLcode code, long status);
static void ngx_http_partoo_tryout_transfer_free(
    ngx_http_partoo_tryout_transfer_t *t);
static void ngx_http_partoo_tryout_transfer_destroy(
    ngx_http_partoo_tryout_transfer_t *t);
static void ngx_http_partoo_tryout_deliver_cleanup(void *data);
static void ngx_http_partoo_tryout_hold_handler(ngx_event_t *ev);

static curl_socket_t ngx_http_partoo_tryout_open_socket(void *data,
    curlsocktype purpose, struct curl_sockaddr *address);
static size_t ngx_http_partoo_tryout_write(char *ptr, size_t size,
    size_t nmemb, void *data);

static void ngx_http_partoo_tryout_share_lock(CURL *easy,
    curl_lock_data data, curl_lock_access access, void *userp);
static void ngx_http_partoo_tryout_share_unlock(CURL *easy,
    curl_lock_data data, void *userp);

static char *ngx_http_partoo_tryout_log_url(ngx_str_t *url);

#if (NGX_THREADS)
static void ngx_http_partoo_tryout_thread_perform(void *data, ngx_log_t *log);
static void ngx_http_partoo_tryout_thread_done(ngx_event_t *ev);
#endif


static ngx_http_partoo_tryout_engine_t  ngx_http_partoo_tryout_engine;


static ngx_str_t  ngx_http_partoo_tryout_error_names[] = {
    ngx_null_string,
    ngx_string("timeout"),
    ngx_string("dns_failure"),
    ngx_string("connection_failed"),
    ngx_string("tls_failure"),
    ngx_string("blocked_address"),
    ngx_string("redirect"),
    ngx_string("http_status"),
    ngx_string("response_too_large")
};


ngx_int_t
ngx_http_partoo_tryout_deliver_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                        i;
    ngx_http_partoo_tryout_engine_t  *engine;

    engine = &ngx_http_partoo_tryout_engine;

    ngx_queue_init(&engine->policies);
    ngx_queue_init(&engine->busy);

    /* before any transfer: the thread pool's threads run none yet */

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "partoo_tryout: curl_global_init() failed");
        return NGX_ERROR;
    }

    engine->initialized = 1;

    for (i = 0; i < CURL_LOCK_DATA_LAST; i++) {
        if (pthread_mutex_init(&engine->locks[i], NULL) != 0) {
            goto failed;
        }

        engine->nlocks++;
    }

    engine->share = curl_share_init();
    if (engine->share == NULL) {
        goto failed;
    }

    /*
     * TLS sessions and DNS answers of the easy handles, shared by the
     * pool's threads.  Connections are not: libcurl's shared connection
     * cache is not thread-safe (KNOWN_BUGS 11.11), and a pooled easy
     * handle keeps its own.
     */

    if (curl_share_setopt(engine->share, CURLSHOPT_LOCKFUNC,
                          ngx_http_partoo_tryout_share_lock)
        != CURLSHE_OK
        || curl_share_setopt(engine->share, CURLSHOPT_UNLOCKFUNC,
                             ngx_http_partoo_tryout_share_unlock)
           != CURLSHE_OK
        || curl_share_setopt(engine->share, CURLSHOPT_USERDATA, engine)
           != CURLSHE_OK
        || curl_share_setopt(engine->share, CURLSHOPT_SHARE,
                             CURL_LOCK_DATA_SSL_SESSION)
           != CURLSHE_OK
        || curl_share_setopt(engine->share, CURLSHOPT_SHARE,
                             CURL_LOCK_DATA_DNS)
           != CURLSHE_OK)
    {
        goto failed;
    }

    engine->url = curl_url();
    if (engine->url == NULL) {
        goto failed;
    }

    return NGX_OK;

failed:

    ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                  "partoo_tryout: cannot create the libcurl handles");

    ngx_http_partoo_tryout_deliver_exit_process(cycle);

    return NGX_ERROR;
}


void
ngx_http_partoo_tryout_deliver_exit_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                          i;
    ngx_queue_t                        *q;
    ngx_http_partoo_tryout_engine_t    *engine;
    ngx_http_partoo_tryout_policy_t    *policy;
    ngx_http_partoo_tryout_transfer_t  *t;

    engine = &ngx_http_partoo_tryout_engine;

    ngx_http_partoo_tryout_client_exit_process(cycle);

    if (!engine->initialized) {
        return;
    }

    /*
     * Thread pools exit first (a core module): their tasks have run, and
     * only the completion events were never handled.
     */

    while (!ngx_queue_empty(&engine->busy)) {
        q = ngx_queue_head(&engine->busy);
        ngx_queue_remove(q);

        t = ngx_queue_data(q, ngx_http_partoo_tryout_transfer_t, queue);

        if (t->delivery) {
            t->delivery->transfer = NULL;
        }

        if (t->hold.timer_set) {
            ngx_del_timer(&t->hold);
        }

        ngx_http_partoo_tryout_transfer_destroy(t);
    }

    /* the easy handles go before the share they use */

    while (!ngx_queue_empty(&engine->policies)) {
        q = ngx_queue_head(&engine->policies);
        ngx_queue_remove(q);

        policy = ngx_queue_data(q, ngx_http_partoo_tryout_policy_t, queue);
        ngx_http_partoo_tryout_policy_destroy(policy);
    }

    engine->nfree = 0;
    engine->in_flight = 0;

    if (engine->url) {
        curl_url_cleanup(engine->url);
        engine->url = NULL;
    }

    if (engine->share) {
        (void) curl_share_cleanup(engine->share);
        engine->share = NULL;
    }

    for (i = 0; i < engine->nlocks; i++) {
        (void) pthread_mutex_destroy(&engine->locks[i]);
    }

    engine->nlocks = 0;
    engine->initialized = 0;

    curl_global_cleanup();
}


ngx_int_t
ngx_http_partoo_tryout_deliver(ngx_http_request_t *r,
    ngx_http_partoo_tryout_deliver_conf_t *conf,
    ngx_http_partoo_tryout_delivery_t *d,
    const ngx_http_partoo_tryout_header_t *headers, size_t nheaders)
{
    u_char                             *body;
    ngx_http_cleanup_t                 *cln;
    ngx_http_partoo_tryout_engine_t    *engine;
    ngx_http_partoo_tryout_policy_t    *policy;
    ngx_http_partoo_tryout_transfer_t  *t;

    engine = &ngx_http_partoo_tryout_engine;

    /* the cap counts the deliveries of every engine */

    if (engine->in_flight + ngx_http_partoo_tryout_client_in_flight()
        >= conf->max_in_flight)
    {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "partoo_tryout: %ui deliveries in flight, "
                      "see \"partoo_tryout_max_in_flight\"",
                      engine->in_flight
                      + ngx_http_partoo_tryout_client_in_flight());
        return NGX_BUSY;
    }

    /* what every engine fills as far as it gets */

    d->peer_len = 0;
    d->reused = 0;
    d->resolve_time = NGX_HTTP_PARTOO_TRYOUT_NOT_REACHED;
    d->connect_time = NGX_HTTP_PARTOO_TRYOUT_NOT_REACHED;
    d->tls_time = NGX_HTTP_PARTOO_TRYOUT_NOT_REACHED;
    d->first_byte_time = NGX_HTTP_PARTOO_TRYOUT_NOT_REACHED;

    if (conf->ssl) {
        return ngx_http_partoo_tryout_client_start(r, conf, d, headers,
                                                   nheaders);
    }

#if (NGX_THREADS)

    /* no ssl context: "partoo_tryout_thread_pool" chose this engine */

    if (conf->thread_pool == NULL) {
        return NGX_ERROR;
    }

#else

    return NGX_ERROR;

#endif

    if (ngx_http_partoo_tryout_blocked_literal(r, conf, d) == NGX_OK) {
        return NGX_OK;
    }

    cln = ngx_http_cleanup_add(r, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    policy = ngx_http_partoo_tryout_policy_get(&conf->allow,
                                               r->connection->log);
    if (policy == NULL) {
        return NGX_ERROR;
    }

    t = ngx_http_partoo_tryout_transfer_get(policy, r->connection->log);
    if (t == NULL) {
        return NGX_ERROR;
    }

    t->request = r;
    t->delivery = d;
    t->start = ngx_current_msec;
    t->allow = &conf->allow;
    t->max_response_size = conf->max_response_size;

    body = d->body.data;

#if (NGX_THREADS)

    /* a running curl_easy_perform() cannot be stopped: r may go first */

    t->body = ngx_alloc(d->body.len, r->connection->log);
    if (t->body == NULL) {
        goto failed;
    }

    ngx_memcpy(t->body, d->body.data, d->body.len);
    body = t->body;

#endif

    if (ngx_http_partoo_tryout_transfer_setup(t, conf, d, body, headers,
                                              nheaders)
        != NGX_OK)
    {
        goto failed;
    }

    /*
     * Everything of t the worker writes is written before a pool thread
     * can see t: the thread writes too_large, errbuf and the socket fields
     * while it runs, and nothing may share a word with them.
     */

    ngx_queue_insert_tail(&engine->busy, &t->queue);
    engine->in_flight++;
    t->counted = 1;
    ngx_http_partoo_tryout_metrics_in_flight(1);

    /* the request's connection may be gone when this fires */

    t->hold.handler = ngx_http_partoo_tryout_hold_handler;
    t->hold.data = t;
    t->hold.log = ngx_cycle->log;
    t->hold_time = conf->timeout + NGX_HTTP_PARTOO_TRYOUT_HOLD_SLACK;

#if (NGX_THREADS)

    ngx_memzero(&t->task, sizeof(ngx_thread_task_t));

    t->task.ctx = t;
    t->task.handler = ngx_http_partoo_tryout_thread_perform;
    t->task.event.handler = ngx_http_partoo_tryout_thread_done;
    t->task.event.data = t;
    t->task.event.log = ngx_cycle->log;

    /* the pool's queue is full: the contract's 503, as max_in_flight */

    if (ngx_thread_task_post(conf->thread_pool, &t->task) != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "partoo_tryout: the thread pool refused the "
                      "delivery, see \"max_queue\" of \"thread_pool\"");
        ngx_http_partoo_tryout_transfer_free(t);
        return NGX_BUSY;
    }

#endif

    ngx_add_timer(&t->hold, t->hold_time);

    d->transfer = t;

    cln->handler = ngx_http_partoo_tryout_deliver_cleanup;
    cln->data = d;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "partoo_tryout: delivery to \"%s\" started, %ui in flight",
                   ngx_http_partoo_tryout_log_url(&d->url), engine->in_flight);

    return NGX_AGAIN;

failed:

    ngx_queue_insert_tail(&engine->busy, &t->queue);
    ngx_http_partoo_tryout_transfer_free(t);

    return NGX_ERROR;
}


/*
 * A delivery url as the log may show it: receivers put credentials in
 * userinfo and query strings, and logs travel where those must not go.
 * One buffer, used by the worker's thread only, within one log call.
 */

static char *
ngx_http_partoo_tryout_log_url(ngx_str_t *url)
{
    static char  buf[NGX_HTTP_PARTOO_TRYOUT_ADDR_URL_LOG_LEN];

    (void) ngx_http_partoo_tryout_addr_log_url((char *) url->data, url->len,
                                               buf, sizeof(buf));

    return buf;
}


ngx_str_t *
ngx_http_partoo_tryout_deliver_error_name(
    ngx_http_partoo_tryout_deliver_error_e error)
{
    if (error == NGX_HTTP_PARTOO_TRYOUT_DELIVERED) {
        return NULL;
    }

    return &ngx_http_partoo_tryout_error_names[error];
}


/*
 * An IP-literal host is refused before any curl work, as libcurl reads it
 * ("0x7f.1", "2130706433", "[::ffff:127.0.0.1]").  Names are left to the
 * check of every address at connect time.
 */

static ngx_int_t
ngx_http_partoo_tryout_blocked_literal(ngx_http_request_t *r,
    ngx_http_partoo_tryout_deliver_conf_t *conf,
    ngx_http_partoo_tryout_delivery_t *d)
{
    char                                *host;
    u_char                               text[NGX_SOCKADDR_STRLEN];
    socklen_t                            sslen;
    CURLUcode                            rc;
    const char                          *range;
    struct sockaddr_storage              ss;
    ngx_http_partoo_tryout_engine_t     *engine;
    ngx_http_partoo_tryout_addr_host_e   kind;

    engine = &ngx_http_partoo_tryout_engine;

    rc = curl_url_set(engine->url, CURLUPART_URL, (char *) d->url.data, 0);
    if (rc != CURLUE_OK) {
        return NGX_DECLINED;
    }

    rc = curl_url_get(engine->url, CURLUPART_HOST, &host, 0);
    if (rc != CURLUE_OK) {
        return NGX_DECLINED;
    }

    kind = ngx_http_partoo_tryout_addr_literal(host, ngx_strlen(host), &ss,
                                               &sslen);
    curl_free(host);

    if (kind != NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL) {
        return NGX_DECLINED;
    }

    range = ngx_http_partoo_tryout_addr_blocked((struct sockaddr *) &ss,
                                                sslen, &conf->allow);
    if (range == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_http_partoo_tryout_addr_format((struct sockaddr *) &ss, sslen,
                                           (char *) text, sizeof(text))
        == 0)
    {
        ngx_cpystrn(text, (u_char *) "?", sizeof(text));
    }

    /* the caller chose the URL: a client's error, as nginx logs those */

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "partoo_tryout: delivery to %s blocked (%s), "
                  "see \"partoo_tryout_allow_address\"", text, range);

    d->error = NGX_HTTP_PARTOO_TRYOUT_ERR_BLOCKED;
    d->response_status = 0;
    d->duration = 0;
    d->done = 1;

    if (d->diag) {
        (void) ngx_http_partoo_tryout_diag_verdict(d->diag, d->error, 0,
                                                   (char *) text, range,
                                                   NULL);
    }

    return NGX_OK;
}


/*
 * The policy of an allow list, made at its first delivery in this worker.
 * Lists are told apart by content: two locations that write the same
 * list share connections, which is as safe as one location.
 */

static ngx_http_partoo_tryout_policy_t *
ngx_http_partoo_tryout_policy_get(
    const ngx_http_partoo_tryout_addr_allow_t *allow, ngx_log_t *log)
{
    ngx_queue_t                      *q;
    ngx_http_partoo_tryout_engine_t  *engine;
    ngx_http_partoo_tryout_policy_t  *policy;

    engine = &ngx_http_partoo_tryout_engine;

    for (q = ngx_queue_head(&engine->policies);
         q != ngx_queue_sentinel(&engine->policies);
         q = ngx_queue_next(q))
    {
        policy = ngx_queue_data(q, ngx_http_partoo_tryout_policy_t, queue);

        if (policy->allow.nelts == allow->nelts
            && (allow->nelts == 0
                || ngx_memcmp(policy->allow.elts, allow->elts,
                              allow->nelts
                              * sizeof(ngx_http_partoo_tryout_addr_cidr_t))
                   == 0))
        {
            return policy;
        }
    }

    policy = ngx_calloc(sizeof(ngx_http_partoo_tryout_policy_t), log);
    if (policy == NULL) {
        return NULL;
    }

    policy->allow = *allow;
    ngx_queue_init(&policy->free);

    ngx_queue_insert_tail(&engine->policies, &policy->queue);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, log, 0,
                   "partoo_tryout: new connection policy, %uz allowed "
                   "ranges", allow->nelts);

    return policy;
}


/* the policy is out of the engine's list, its transfers all idle */

static void
ngx_http_partoo_tryout_policy_destroy(ngx_http_partoo_tryout_policy_t *policy)
{
    ngx_queue_t                        *q;
    ngx_http_partoo_tryout_transfer_t  *t;

    while (!ngx_queue_empty(&policy->free)) {
        q = ngx_queue_head(&policy->free);
        ngx_queue_remove(q);

        t = ngx_queue_data(q, ngx_http_partoo_tryout_transfer_t, queue);
        ngx_http_partoo_tryout_transfer_destroy(t);
    }

    ngx_free(policy);
}


static ngx_http_partoo_tryout_transfer_t *
ngx_http_partoo_tryout_transfer_get(ngx_http_partoo_tryout_policy_t *policy,
    ngx_log_t *log)
{
    CURL                               *easy;
    ngx_queue_t                        *q;
    ngx_http_partoo_tryout_engine_t    *engine;
    ngx_http_partoo_tryout_transfer_t  *t;

    engine = &ngx_http_partoo_tryout_engine;

    if (!ngx_queue_empty(&policy->free)) {
        q = ngx_queue_head(&policy->free);
        ngx_queue_remove(q);
        engine->nfree--;

        t = ngx_queue_data(q, ngx_http_partoo_tryout_transfer_t, queue);

        /* the handle keeps its connections and TLS sessions */

        easy = t->easy;

        ngx_memzero(t, sizeof(ngx_http_partoo_tryout_transfer_t));
        t->easy = easy;

    } else {
        t = ngx_calloc(sizeof(ngx_http_partoo_tryout_transfer_t), log);
        if (t == NULL) {
            return NULL;
        }

        t->easy = curl_easy_init();
        if (t->easy == NULL) {
            ngx_log_error(NGX_LOG_ALERT, log, 0,
                          "partoo_tryout: curl_easy_init() failed");
            ngx_free(t);
            return NULL;
        }
    }

    t->policy = policy;

    return t;
}


/*
 * The one place an easy handle is configured, in two
 * steps after curl_easy_reset(), so that nothing of a previous delivery
 * carries over but the connections and TLS sessions: the options of the
 * location, then the delivery's own, its URL, body and headers.
 *
 * The reset is needed even for a handle that served the same location:
 * libcurl counts the retries of a transfer on a fresh connection (a kept
 * one found dead on first use) in the handle and clears the count only
 * there, so without it a handle's sixth dead connection, over any number
 * of deliveries, would fail its delivery instead of being retried.
 */

static ngx_int_t
ngx_http_partoo_tryout_transfer_setup(ngx_http_partoo_tryout_transfer_t *t,
    ngx_http_partoo_tryout_deliver_conf_t *conf,
    ngx_http_partoo_tryout_delivery_t *d, u_char *body,
    const ngx_http_partoo_tryout_header_t *headers, size_t nheaders)
{
    u_char   *p, *last;
    CURL     *easy;
    size_t    i;
    u_char    line[NGX_HTTP_PARTOO_TRYOUT_LINE_SIZE];

    easy = t->easy;
    last = line + sizeof(line) - 1;

    /* the module's own headers come first, in this order */

    if (ngx_http_partoo_tryout_header_add(t, "Content-Type: application/json")
        != NGX_OK
        || ngx_http_partoo_tryout_header_add(t, conf->user_agent_header)
           != NGX_OK
        || ngx_http_partoo_tryout_header_add(t, "X-Partoo-Webhook-Tryout: true")
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (d->signature.len) {
        p = ngx_slprintf(line, last, "X-Partoo-Signature-v1: %V",
                         &d->signature);
        *p = '\0';

        if (ngx_http_partoo_tryout_header_add(t, (char *) line) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    /*
     * Then the item's own, in their order.  They cannot replace the
     * module's: the validator lets only "X-" names through, and none
     * starting "X-Partoo"; so never Content-Type, User-Agent, Host or
     * Content-Length either.  An empty value is written "Name;", as
     * "Name:" would tell libcurl to drop the header; so is a value of
     * spaces only, which libcurl drops as well, and which is an empty
     * value anyway: a field value has no leading or trailing whitespace
     * (RFC 9110, 5.5).
     */

    for (i = 0; i < nheaders; i++) {
        if (!ngx_http_partoo_tryout_header_blank(&headers[i])) {
            p = ngx_slprintf(line, last, "%*s: %*s",
                             headers[i].name_len, headers[i].name,
                             headers[i].value_len, headers[i].value);

        } else {
            p = ngx_slprintf(line, last, "%*s;",
                             headers[i].name_len, headers[i].name);
        }

        *p = '\0';

        if (ngx_http_partoo_tryout_header_add(t, (char *) line) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    /* no 100-continue round trip, no content negotiation */

    if (ngx_http_partoo_tryout_header_add(t, "Expect:") != NGX_OK
        || ngx_http_partoo_tryout_header_add(t, "Accept:") != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_http_partoo_tryout_transfer_configure(t, conf) != NGX_OK) {
        goto failed;
    }

    if (curl_easy_setopt(easy, CURLOPT_URL, d->url.data) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                            (curl_off_t) d->body.len)
           != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers) != CURLE_OK)
    {
        goto failed;
    }

    return NGX_OK;

failed:

    ngx_log_error(NGX_LOG_ALERT, t->request->connection->log, 0,
                  "partoo_tryout: curl_easy_setopt() failed");

    return NGX_ERROR;
}


static ngx_int_t
ngx_http_partoo_tryout_transfer_configure(ngx_http_partoo_tryout_transfer_t *t,
    ngx_http_partoo_tryout_deliver_conf_t *conf)
{
    CURL  *easy;

    easy = t->easy;

    curl_easy_reset(easy);

    if (curl_easy_setopt(easy, CURLOPT_PRIVATE, t) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->errbuf) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_SHARE,
                            ngx_http_partoo_tryout_engine.share)
           != CURLE_OK

        /* where: https only, redirects never followed, no proxy */

        || curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "https")
           != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_PROXY, "") != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_NOPROXY, "*") != CURLE_OK

        /* every address it connects to passes the SSRF policy */

        || curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION,
                            ngx_http_partoo_tryout_open_socket)
           != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, t) != CURLE_OK

        /*
         * A handle keeps its own connections, five by default: one, so
         * that the pooled handles, as many as deliveries ever ran at once,
         * hold no more idle connections than that
         */

        || curl_easy_setopt(easy, CURLOPT_MAXCONNECTS, 1L) != CURLE_OK

        /* TLS: verified against the configured bundle only */

        || curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_SSLVERSION,
                            (long) CURL_SSLVERSION_TLSv1_2)
           != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_CAINFO, conf->cainfo) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_CAPATH, NULL) != CURLE_OK

        || curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                            (long) conf->connect_timeout)
           != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long) conf->timeout)
           != CURLE_OK

        /* what: a POST (the delivery sets the body), HTTP/1.1 */

        || curl_easy_setopt(easy, CURLOPT_HTTP_VERSION,
                            (long) CURL_HTTP_VERSION_1_1)
           != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_POST, 1L) != CURLE_OK

        /* the answer is counted and thrown away */

        || curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION,
                            ngx_http_partoo_tryout_write)
           != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_WRITEDATA, t) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                            (curl_off_t) conf->max_response_size)
           != CURLE_OK)
    {
        return NGX_ERROR;
    }

#if (LIBCURL_VERSION_NUM >= 0x075700)

    /*
     * A transfer that times out while its resolver thread still runs
     * leaves that thread behind instead of joining it: the lookup may
     * take as long as the name server wants, and the pool's thread is
     * needed by the next delivery.
     */

    (void) curl_easy_setopt(easy, CURLOPT_QUICK_EXIT, 1L);

#endif

    return NGX_OK;
}


static ngx_uint_t
ngx_http_partoo_tryout_header_blank(const ngx_http_partoo_tryout_header_t *h)
{
    size_t  i;

    for (i = 0; i < h->value_len; i++) {
        if (h->value[i] != ' ' && h->value[i] != '\t') {
            return 0;
        }
    }

    return 1;
}


static ngx_int_t
ngx_http_partoo_tryout_header_add(ngx_http_partoo_tryout_transfer_t *t,
    const char *line)
{
    struct curl_slist  *list;

    list = curl_slist_append(t->headers, line);
    if (list == NULL) {
        return NGX_ERROR;
    }

    t->headers = list;

    return NGX_OK;
}


/*
 * Called from the thread task's completion event, in the worker: the
 * request may be finalized here.
 */

static void
ngx_http_partoo_tryout_transfer_done(ngx_http_partoo_tryout_transfer_t *t,
    CURLcode code)
{
    long                                status;
    ngx_log_t                          *log;
    ngx_connection_t                   *c;
    ngx_http_request_t                 *r;
    ngx_http_partoo_tryout_delivery_t  *d;

    r = t->request;
    d = t->delivery;
    log = r ? r->connection->log : ngx_cycle->log;

    status = 0;
    (void) curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);


    if (t->blocked_range) {
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "partoo_tryout: delivery to %s blocked (%s), "
                      "see \"partoo_tryout_allow_address\"",
                      t->blocked_addr, t->blocked_range);
    }

    if (r == NULL) {

        /* orphaned by a client that went away; the thread is done now */

        ngx_http_partoo_tryout_transfer_free(t);
        return;
    }

    d->error = ngx_http_partoo_tryout_transfer_error(t, code, status);

    ngx_http_partoo_tryout_transfer_info(t, d);

    /* libcurl's words; its answer is not seen (d->diag->response 0) */

    if (d->diag) {
        (void) ngx_http_partoo_tryout_diag_verdict(d->diag, d->error,
                                   status > 0 ? (ngx_uint_t) status : 0,
                                   t->blocked_addr,
                                   t->blocked_range,
                                   code == CURLE_OK ? NULL
                                   : t->errbuf[0] ? t->errbuf
                                   : curl_easy_strerror(code));
    }
    d->response_status = (status > 0) ? (ngx_uint_t) status : 0;
    d->duration = ngx_current_msec - t->start;
    d->transfer = NULL;
    d->done = 1;

    if (code != CURLE_OK) {
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "partoo_tryout: delivery to \"%s\" failed (%V): %s",
                      ngx_http_partoo_tryout_log_url(&d->url),
                      ngx_http_partoo_tryout_deliver_error_name(d->error),
                      t->errbuf[0] ? t->errbuf : curl_easy_strerror(code));
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, log, 0,
                   "partoo_tryout: delivery to \"%s\" done, status %l, "
                   "%M ms", ngx_http_partoo_tryout_log_url(&d->url), status,
                   d->duration);

    ngx_http_partoo_tryout_transfer_free(t);

    c = r->connection;

    d->handler(r);

    ngx_http_run_posted_requests(c);
}


/*
 * What libcurl saw, in the native engine's terms: its times count from the
 * start in microseconds, 0 for a step not reached, and for both connect
 * steps on a kept connection (CURLINFO_NUM_CONNECTS 0), which the native
 * engine counts as done at once.  Its primary IP is the address last
 * tried: connected unless the error says no connection was made.
 */

static void
ngx_http_partoo_tryout_transfer_info(ngx_http_partoo_tryout_transfer_t *t,
    ngx_http_partoo_tryout_delivery_t *d)
{
    char                                *ip;
    long                                 port, connects;
    socklen_t                            sslen;
    curl_off_t                           us;
    ngx_uint_t                           i;
    struct sockaddr_storage              ss;
    ngx_http_partoo_tryout_addr_host_e   kind;

    static const CURLINFO  infos[] = {
        CURLINFO_NAMELOOKUP_TIME_T,
        CURLINFO_CONNECT_TIME_T,
        CURLINFO_APPCONNECT_TIME_T,
        CURLINFO_STARTTRANSFER_TIME_T
    };

    ngx_msec_t  *times[] = {
        &d->resolve_time, &d->connect_time, &d->tls_time, &d->first_byte_time
    };

    for (i = 0; i < sizeof(infos) / sizeof(infos[0]); i++) {
        us = 0;

        if (curl_easy_getinfo(t->easy, infos[i], &us) == CURLE_OK
            && us > 0)
        {
            *times[i] = (ngx_msec_t) (us / 1000);
        }
    }

    if (d->error == NGX_HTTP_PARTOO_TRYOUT_ERR_DNS
        || d->error == NGX_HTTP_PARTOO_TRYOUT_ERR_CONNECT
        || d->error == NGX_HTTP_PARTOO_TRYOUT_ERR_BLOCKED
        || t->blocked_range)
    {
        return;
    }

    ip = NULL;
    port = 0;

    if (curl_easy_getinfo(t->easy, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK
        || ip == NULL
        || curl_easy_getinfo(t->easy, CURLINFO_PRIMARY_PORT, &port)
           != CURLE_OK)
    {
        return;
    }

    kind = ngx_http_partoo_tryout_addr_literal(ip, ngx_strlen(ip), &ss,
                                               &sslen);

    if (kind != NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL) {
        return;
    }

    ngx_inet_set_port((struct sockaddr *) &ss, (in_port_t) port);
    ngx_memcpy(&d->peer, &ss, sslen);
    d->peer_len = sslen;

    connects = 1;
    (void) curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &connects);

    if (connects == 0) {
        d->reused = 1;
        d->connect_time = 0;
        d->tls_time = 0;
    }
}


static ngx_http_partoo_tryout_deliver_error_e
ngx_http_partoo_tryout_transfer_error(ngx_http_partoo_tryout_transfer_t *t,
    CURLcode code, long status)
{
    if (t->too_large) {
        return NGX_HTTP_PARTOO_TRYOUT_ERR_TOO_LARGE;
    }

    switch (code) {

    case CURLE_OK:

        if (status >= 200 && status < 300) {
            return NGX_HTTP_PARTOO_TRYOUT_DELIVERED;
        }

        if (status >= 300 && status < 400) {
            return NGX_HTTP_PARTOO_TRYOUT_ERR_REDIRECT;
        }

        return NGX_HTTP_PARTOO_TRYOUT_ERR_STATUS;

    case CURLE_FILESIZE_EXCEEDED:
        return NGX_HTTP_PARTOO_TRYOUT_ERR_TOO_LARGE;

    case CURLE_OPERATION_TIMEDOUT:
        return NGX_HTTP_PARTOO_TRYOUT_ERR_TIMEOUT;

    case CURLE_COULDNT_RESOLVE_HOST:
        return NGX_HTTP_PARTOO_TRYOUT_ERR_DNS;

    case CURLE_COULDNT_CONNECT:

        /* blocked only if the policy left nothing to connect to */

        if (t->blocked_range && t->nsockets == 0) {
            return NGX_HTTP_PARTOO_TRYOUT_ERR_BLOCKED;
        }

        return NGX_HTTP_PARTOO_TRYOUT_ERR_CONNECT;

    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
        return NGX_HTTP_PARTOO_TRYOUT_ERR_TLS;

    default:
        return NGX_HTTP_PARTOO_TRYOUT_ERR_CONNECT;
    }
}


/* back to the free list; no thread runs the transfer */

static void
ngx_http_partoo_tryout_transfer_free(ngx_http_partoo_tryout_transfer_t *t)
{
    ngx_http_partoo_tryout_engine_t  *engine;

    engine = &ngx_http_partoo_tryout_engine;

    ngx_queue_remove(&t->queue);

    if (t->hold.timer_set) {
        ngx_del_timer(&t->hold);
    }

    if (t->counted) {
        engine->in_flight--;
        ngx_http_partoo_tryout_metrics_in_flight(-1);
    }

    if (t->headers) {
        curl_slist_free_all(t->headers);
        t->headers = NULL;
    }

#if (NGX_THREADS)
    if (t->body) {
        ngx_free(t->body);
        t->body = NULL;
    }
#endif

    t->request = NULL;
    t->delivery = NULL;

    if (engine->nfree >= NGX_HTTP_PARTOO_TRYOUT_FREE_MAX) {
        ngx_http_partoo_tryout_transfer_destroy(t);
        return;
    }

    /* the handle keeps connections of this policy */

    ngx_queue_insert_head(&t->policy->free, &t->queue);
    engine->nfree++;
}


static void
ngx_http_partoo_tryout_transfer_destroy(ngx_http_partoo_tryout_transfer_t *t)
{
    if (t->headers) {
        curl_slist_free_all(t->headers);
    }

#if (NGX_THREADS)
    if (t->body) {
        ngx_free(t->body);
    }
#endif

    /* closes the handle's kept connection, in the worker */

    curl_easy_cleanup(t->easy);
    ERR_clear_error();

    ngx_free(t);
}


/* the request goes first: the client went away or nginx gave up on it */

static void
ngx_http_partoo_tryout_deliver_cleanup(void *data)
{
    ngx_http_partoo_tryout_delivery_t *d = data;

    ngx_http_request_t                 *r;
    ngx_http_partoo_tryout_transfer_t  *t;

    t = d->transfer;

    if (t == NULL) {
        return;
    }

    r = t->request;
    d->transfer = NULL;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "partoo_tryout: client went away, the delivery to "
                  "\"%s\" is left to finish in its thread",
                  ngx_http_partoo_tryout_log_url(&d->url));

    t->request = NULL;
    t->delivery = NULL;
}


/* still queued or running: keep holding the worker */

static void
ngx_http_partoo_tryout_hold_handler(ngx_event_t *ev)
{
    ngx_http_partoo_tryout_transfer_t *t = ev->data;

    ngx_add_timer(ev, t->hold_time);
}


/*
 * libcurl asks for a socket for every address it is about to connect to,
 * after name resolution: DNS answers, several addresses and "localhost"
 * all pass through here.  Runs in a pool thread: it touches only t.
 */

static curl_socket_t
ngx_http_partoo_tryout_open_socket(void *data, curlsocktype purpose,
    struct curl_sockaddr *address)
{
    ngx_http_partoo_tryout_transfer_t *t = data;

    const char     *range;
    curl_socket_t   s;

    range = ngx_http_partoo_tryout_addr_blocked(&address->addr,
                                                address->addrlen, t->allow);
    if (range) {
        if (t->blocked_range == NULL) {
            t->blocked_range = range;

            if (ngx_http_partoo_tryout_addr_format(&address->addr,
                                                   address->addrlen,
                                                   t->blocked_addr,
                                                   sizeof(t->blocked_addr))
                == 0)
            {
                ngx_cpystrn((u_char *) t->blocked_addr, (u_char *) "?",
                            sizeof(t->blocked_addr));
            }
        }

        return CURL_SOCKET_BAD;
    }

    s = socket(address->family, address->socktype, address->protocol);

    if (s == CURL_SOCKET_BAD) {
        return s;
    }

    t->nsockets++;
    ngx_http_partoo_tryout_metrics_opened();

    return s;
}


static size_t
ngx_http_partoo_tryout_write(char *ptr, size_t size, size_t nmemb, void *data)
{
    ngx_http_partoo_tryout_transfer_t *t = data;

    size_t  n;

    n = size * nmemb;

    if (n > t->max_response_size - t->received) {
        t->too_large = 1;
        return 0;
    }

    t->received += n;

    return n;
}


static void
ngx_http_partoo_tryout_share_lock(CURL *easy, curl_lock_data data,
    curl_lock_access access, void *userp)
{
    ngx_http_partoo_tryout_engine_t *engine = userp;

    (void) pthread_mutex_lock(&engine->locks[data]);
}


static void
ngx_http_partoo_tryout_share_unlock(CURL *easy, curl_lock_data data,
    void *userp)
{
    ngx_http_partoo_tryout_engine_t *engine = userp;

    (void) pthread_mutex_unlock(&engine->locks[data]);
}


#if (NGX_THREADS)

/* in a pool thread: only the transfer is touched */

static void
ngx_http_partoo_tryout_thread_perform(void *data, ngx_log_t *log)
{
    ngx_http_partoo_tryout_transfer_t *t = data;

    t->code = curl_easy_perform(t->easy);
}


static void
ngx_http_partoo_tryout_thread_done(ngx_event_t *ev)
{
    ngx_http_partoo_tryout_transfer_t *t = ev->data;

    ngx_http_partoo_tryout_transfer_done(t, t->code);
}

#endif


/*
 * The delivery settings of a location, merged as ngx_js_merge_conf() merges
 * njs's: by the unit that owns them.
 */

char *
ngx_http_partoo_tryout_deliver_merge_conf(ngx_conf_t *cf,
    ngx_http_partoo_tryout_deliver_conf_t *conf,
    ngx_http_partoo_tryout_deliver_conf_t *prev)
{
    u_char     *p;
    ngx_str_t   path;

    ngx_conf_merge_msec_value(conf->connect_timeout, prev->connect_timeout,
                              5000);
    ngx_conf_merge_msec_value(conf->timeout, prev->timeout, 10000);
    ngx_conf_merge_size_value(conf->max_response_size,
                              prev->max_response_size, 64 * 1024);
    ngx_conf_merge_uint_value(conf->max_in_flight, prev->max_in_flight, 1024);
    ngx_conf_merge_str_value(conf->user_agent, prev->user_agent,
                             "Partoo-Webhooks-Tryout/1.0");
    ngx_conf_merge_str_value(conf->trusted_certificate,
                             prev->trusted_certificate,
                             NGX_HTTP_PARTOO_TRYOUT_CA_BUNDLE);
    ngx_conf_merge_ptr_value(conf->allow_address, prev->allow_address, NULL);
#if (NGX_THREADS)
    ngx_conf_merge_ptr_value(conf->thread_pool, prev->thread_pool, NULL);
#endif

    if (conf->connect_timeout == 0 || conf->timeout == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"partoo_tryout_connect_timeout\" and "
                           "\"partoo_tryout_timeout\" must be positive");
        return NGX_CONF_ERROR;
    }

    if (conf->max_response_size == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"partoo_tryout_max_response_size\" "
                           "must be positive");
        return NGX_CONF_ERROR;
    }

    /* a header line: no control characters, no line breaks */

    for (p = conf->user_agent.data;
         p < conf->user_agent.data + conf->user_agent.len;
         p++)
    {
        if (*p < 0x20 || *p == 0x7f) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid \"partoo_tryout_user_agent\" "
                               "value \"%V\"", &conf->user_agent);
            return NGX_CONF_ERROR;
        }
    }

    if (conf->allow_address) {
        conf->allow.elts = conf->allow_address->elts;
        conf->allow.nelts = conf->allow_address->nelts;
    }

    /* what libcurl is given: NUL-terminated, built once */

    conf->user_agent_header = ngx_pnalloc(cf->pool,
                                          sizeof("User-Agent: ")
                                          + conf->user_agent.len);
    if (conf->user_agent_header == NULL) {
        return NGX_CONF_ERROR;
    }

    p = ngx_sprintf((u_char *) conf->user_agent_header, "User-Agent: %V",
                    &conf->user_agent);
    *p = '\0';

    path = conf->trusted_certificate;

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    conf->cainfo = ngx_pnalloc(cf->pool, path.len + 1);
    if (conf->cainfo == NULL) {
        return NGX_CONF_ERROR;
    }

    (void) ngx_cpystrn((u_char *) conf->cainfo, path.data, path.len + 1);

    return NGX_CONF_OK;
}


/* a missing bundle would fail every delivery: say it now */

char *
ngx_http_partoo_tryout_deliver_check_conf(ngx_conf_t *cf,
    ngx_http_partoo_tryout_deliver_conf_t *conf)
{
    if (access(conf->cainfo, R_OK) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"partoo_tryout_ssl_trusted_certificate\" "
                           "\"%s\" cannot be read", conf->cainfo);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
