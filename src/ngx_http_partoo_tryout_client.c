
/*
 * Copyright (C) Partoo tryout module authors
 *
 * The native delivery engine.  A delivery is a small state machine on
 * nginx's own machinery: the name is resolved by nginx's resolver (or by
 * getaddrinfo() in nginx's thread pool where no "resolver" is set), every
 * address is checked against the SSRF policy before it is connected to,
 * the connection is an nginx peer connection with TLS through ngx_ssl,
 * and the answer is read with nginx's HTTP parsers, counted and thrown
 * away.  Connections are kept for reuse per (address, port, SNI host,
 * trust policy), as idle nginx connections watched for reading.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <netdb.h>

#include "ngx_http_partoo_tryout_client.h"
#include "ngx_http_partoo_tryout_metrics.h"
#include "ngx_http_partoo_tryout_diag.h"


#if !(NGX_SSL)
#error the native delivery engine needs nginx built with OpenSSL
#endif


/* the answer's head must fit: as proxy_buffer_size, a bit larger */
#define NGX_HTTP_PARTOO_TRYOUT_CLIENT_BUFFER     8192

/* a kept connection unused this long is closed */
#define NGX_HTTP_PARTOO_TRYOUT_CLIENT_IDLE       60000

/* kept connections: at most this part of worker_connections */
#define NGX_HTTP_PARTOO_TRYOUT_CLIENT_IDLE_SHARE 4

/* TLS sessions kept for resumption, per worker */
#define NGX_HTTP_PARTOO_TRYOUT_CLIENT_SESSIONS   256

/* the addresses of one name that are tried, at most */
#define NGX_HTTP_PARTOO_TRYOUT_CLIENT_ADDRS      16


typedef enum {
    ngx_http_partoo_tryout_phase_status = 0,
    ngx_http_partoo_tryout_phase_headers,
    ngx_http_partoo_tryout_phase_length,
    ngx_http_partoo_tryout_phase_chunked,
    ngx_http_partoo_tryout_phase_close
} ngx_http_partoo_tryout_client_phase_e;


typedef struct ngx_http_partoo_tryout_client_s
    ngx_http_partoo_tryout_client_t;


/*
 * What a connection was verified for: the key of reuse and of TLS
 * session resumption.  The SNI host is the url's host; the trust policy
 * is the TLS context (one per trusted bundle).
 */

typedef struct {
    ngx_ssl_t                               *ssl;
    socklen_t                                socklen;
    struct sockaddr_storage                  sockaddr;
    size_t                                   host_len;
    u_char                                   host[NGX_MAXHOSTNAMELEN + 1];
} ngx_http_partoo_tryout_client_key_t;


typedef struct {
    ngx_str_t                                bundle;
    ngx_ssl_t                               *ssl;
} ngx_http_partoo_tryout_client_ssl_t;


/* a connection of the engine, busy (client set) or kept idle */

typedef struct {
    ngx_queue_t                              queue;    /* idle, newest 1st */
    ngx_connection_t                        *connection;
    ngx_http_partoo_tryout_client_t         *client;
    ngx_http_partoo_tryout_client_key_t      key;
} ngx_http_partoo_tryout_client_conn_t;


typedef struct {
    ngx_queue_t                              queue;    /* newest first */
    ngx_ssl_session_t                       *session;
    ngx_http_partoo_tryout_client_key_t      key;
} ngx_http_partoo_tryout_client_session_t;


/* getaddrinfo() in a pool thread; outlives a delivery that ends first */

typedef struct {
    ngx_queue_t                              queue;    /* engine's */
    ngx_thread_task_t                        task;
    ngx_http_partoo_tryout_client_t         *client;   /* NULL: left */
    struct addrinfo                         *result;
    int                                      rc;
    char                                     host[NGX_MAXHOSTNAMELEN + 1];
} ngx_http_partoo_tryout_client_lookup_t;


struct ngx_http_partoo_tryout_client_s {
    ngx_http_request_t                      *request;
    ngx_http_partoo_tryout_delivery_t       *delivery;
    ngx_http_partoo_tryout_deliver_conf_t   *conf;
    ngx_log_t                               *log;

    /* the url */
    ngx_str_t                                host;      /* as written */
    ngx_str_t                                log_url;   /* no user, query */
    in_port_t                                port;
    unsigned                                 literal:1;

    /* the addresses to try, in order */
    ngx_addr_t                               addrs[
                                        NGX_HTTP_PARTOO_TRYOUT_CLIENT_ADDRS];
    ngx_uint_t                               naddrs;
    ngx_uint_t                               next;
    ngx_uint_t                               nallowed;
    const char                              *blocked_range;
    u_char                                   blocked_addr[NGX_SOCKADDR_STRLEN];

    ngx_resolver_ctx_t                      *resolving;
    ngx_http_partoo_tryout_client_lookup_t  *lookup;

    ngx_http_partoo_tryout_client_conn_t    *conn;
    ngx_peer_connection_t                    peer;
    ngx_msec_t                               connect_deadline;

    ngx_buf_t                                out;       /* the request */
    ngx_buf_t                                in;        /* the answer */

    ngx_http_partoo_tryout_client_phase_e    phase;
    ngx_http_status_t                        status;
    ngx_http_chunked_t                       chunked;
    off_t                                    content_length;
    off_t                                    received;
    ngx_uint_t                               http_major;  /* r's own */
    ngx_uint_t                               http_minor;
    ngx_uint_t                               state;

    /* the total timeout, not cancelable: SIGQUIT waits for the answer */
    ngx_event_t                              timer;
    /* posted: the result goes to the request outside the engine */
    ngx_event_t                              done;

    ngx_msec_t                               start;
    ngx_http_partoo_tryout_deliver_error_e   error;
    const char                              *reason;
    u_char                                   reason_buf[128];

    unsigned                                 keepalive:1;
    unsigned                                 chunked_body:1;
    unsigned                                 retried:1;
    unsigned                                 sent:1;
    unsigned                                 finished:1;
};


typedef struct {
    ngx_queue_t                              idle;
    ngx_uint_t                               nidle;
    ngx_queue_t                              sessions;
    ngx_uint_t                               nsessions;
    ngx_queue_t                              lookups;
    ngx_uint_t                               in_flight;
} ngx_http_partoo_tryout_client_engine_t;


static ngx_int_t ngx_http_partoo_tryout_client_parse_url(
    ngx_http_partoo_tryout_client_t *cl, ngx_str_t *url, ngx_str_t *path,
    ngx_str_t *authority);
static ngx_int_t ngx_http_partoo_tryout_client_log_url(
    ngx_http_partoo_tryout_client_t *cl, ngx_str_t *url);
static ngx_int_t ngx_http_partoo_tryout_client_request(
    ngx_http_partoo_tryout_client_t *cl, ngx_str_t *path,
    ngx_str_t *authority, const ngx_http_partoo_tryout_header_t *headers,
    size_t nheaders);
static ngx_uint_t ngx_http_partoo_tryout_client_localhost(ngx_str_t *host);
static void ngx_http_partoo_tryout_client_resolve(
    ngx_http_partoo_tryout_client_t *cl);
static void ngx_http_partoo_tryout_client_resolved(ngx_resolver_ctx_t *ctx);
#if (NGX_THREADS)
static void ngx_http_partoo_tryout_client_lookup_run(void *data,
    ngx_log_t *log);
static void ngx_http_partoo_tryout_client_lookup_done(ngx_event_t *ev);
#endif
static void ngx_http_partoo_tryout_client_add_addr(
    ngx_http_partoo_tryout_client_t *cl, struct sockaddr *sa,
    socklen_t socklen);
static void ngx_http_partoo_tryout_client_connect(
    ngx_http_partoo_tryout_client_t *cl);
static ngx_http_partoo_tryout_client_conn_t *
    ngx_http_partoo_tryout_client_idle_get(
    ngx_http_partoo_tryout_client_key_t *key);
static void ngx_http_partoo_tryout_client_make_key(
    ngx_http_partoo_tryout_client_t *cl, ngx_addr_t *addr,
    ngx_http_partoo_tryout_client_key_t *key);
static ngx_uint_t ngx_http_partoo_tryout_client_key_equal(
    ngx_http_partoo_tryout_client_key_t *a,
    ngx_http_partoo_tryout_client_key_t *b);
static void ngx_http_partoo_tryout_client_connected(ngx_event_t *wev);
static void ngx_http_partoo_tryout_client_connect_failed(
    ngx_http_partoo_tryout_client_t *cl, const char *reason, ngx_err_t err);
static void ngx_http_partoo_tryout_client_ssl_start(
    ngx_http_partoo_tryout_client_t *cl);
static void ngx_http_partoo_tryout_client_ssl_handshaked(ngx_connection_t *c);
static void ngx_http_partoo_tryout_client_ssl_save(ngx_connection_t *c);
static void ngx_http_partoo_tryout_client_send(ngx_event_t *wev);
static void ngx_http_partoo_tryout_client_read(ngx_event_t *rev);
static ngx_int_t ngx_http_partoo_tryout_client_parse(
    ngx_http_partoo_tryout_client_t *cl);
static ngx_int_t ngx_http_partoo_tryout_client_head(
    ngx_http_partoo_tryout_client_t *cl);
static ngx_int_t ngx_http_partoo_tryout_client_body(
    ngx_http_partoo_tryout_client_t *cl);
static void ngx_http_partoo_tryout_client_broken(
    ngx_http_partoo_tryout_client_t *cl, const char *reason);
static void ngx_http_partoo_tryout_client_timeout(ngx_event_t *ev);
static void ngx_http_partoo_tryout_client_finish(
    ngx_http_partoo_tryout_client_t *cl,
    ngx_http_partoo_tryout_deliver_error_e error, const char *reason);
static void ngx_http_partoo_tryout_client_done(ngx_event_t *ev);
static void ngx_http_partoo_tryout_client_diag(
    ngx_http_partoo_tryout_client_t *cl);
static void ngx_http_partoo_tryout_client_stop(
    ngx_http_partoo_tryout_client_t *cl);
static void ngx_http_partoo_tryout_client_cleanup(void *data);
static void ngx_http_partoo_tryout_client_park(
    ngx_http_partoo_tryout_client_conn_t *conn);
static void ngx_http_partoo_tryout_client_idle_handler(ngx_event_t *ev);
static void ngx_http_partoo_tryout_client_close(
    ngx_http_partoo_tryout_client_conn_t *conn);
static void ngx_http_partoo_tryout_client_noop(ngx_event_t *ev);
static ngx_msec_t ngx_http_partoo_tryout_client_since(
    ngx_http_partoo_tryout_client_t *cl);
static const u_char *ngx_http_partoo_tryout_client_ip(
    ngx_http_partoo_tryout_client_key_t *key);
static void ngx_http_partoo_tryout_client_restore(
    ngx_http_partoo_tryout_client_t *cl);


static ngx_http_partoo_tryout_client_engine_t  ngx_http_partoo_tryout_client;


/*
 * The TLS contexts of the configuration, one per trusted bundle: two
 * locations that trust the same bundle share kept connections and TLS
 * sessions.  Forgotten with the configuration's pool.
 */

static ngx_array_t  *ngx_http_partoo_tryout_client_ssls;


static void
ngx_http_partoo_tryout_client_ssls_forget(void *data)
{
    if (ngx_http_partoo_tryout_client_ssls == data) {
        ngx_http_partoo_tryout_client_ssls = NULL;
    }
}


char *
ngx_http_partoo_tryout_client_merge(ngx_conf_t *cf,
    ngx_http_partoo_tryout_deliver_conf_t *conf,
    ngx_http_partoo_tryout_deliver_conf_t *prev)
{
    ngx_str_t                            bundle;
    ngx_uint_t                           i;
    ngx_pool_cleanup_t                  *cln;
    ngx_http_partoo_tryout_client_ssl_t *ssls;

    bundle.len = ngx_strlen(conf->cainfo);
    bundle.data = (u_char *) conf->cainfo;

    if (ngx_http_partoo_tryout_client_ssls == NULL
        || ngx_http_partoo_tryout_client_ssls->pool != cf->pool)
    {
        ngx_http_partoo_tryout_client_ssls = ngx_array_create(cf->pool, 2,
                                  sizeof(ngx_http_partoo_tryout_client_ssl_t));
        if (ngx_http_partoo_tryout_client_ssls == NULL) {
            return NGX_CONF_ERROR;
        }

        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_partoo_tryout_client_ssls_forget;
        cln->data = ngx_http_partoo_tryout_client_ssls;
    }

    ssls = ngx_http_partoo_tryout_client_ssls->elts;

    for (i = 0; i < ngx_http_partoo_tryout_client_ssls->nelts; i++) {
        if (ssls[i].bundle.len == bundle.len
            && ngx_strncmp(ssls[i].bundle.data, bundle.data, bundle.len) == 0)
        {
            conf->ssl = ssls[i].ssl;
            goto pool;
        }
    }

    conf->ssl = ngx_pcalloc(cf->pool, sizeof(ngx_ssl_t));
    if (conf->ssl == NULL) {
        return NGX_CONF_ERROR;
    }

    conf->ssl->log = cf->log;

    if (ngx_ssl_create(conf->ssl, NGX_SSL_TLSv1_2|NGX_SSL_TLSv1_3, NULL)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_ssl_cleanup_ctx(conf->ssl);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_ssl_cleanup_ctx;
    cln->data = conf->ssl;

    /*
     * The peer is verified after the handshake, as proxy_ssl_verify does:
     * the handshake itself never fails on the certificate, so the reason
     * is logged, and nothing is sent before the check passed.
     */

    if (ngx_ssl_trusted_certificate(cf, conf->ssl, &bundle, 9) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* sessions are kept by the engine, per address and host */

    if (ngx_ssl_client_session_cache(cf, conf->ssl, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ssls = ngx_array_push(ngx_http_partoo_tryout_client_ssls);
    if (ssls == NULL) {
        return NGX_CONF_ERROR;
    }

    ssls->bundle = bundle;
    ssls->ssl = conf->ssl;

pool:

#if (NGX_THREADS)

    /*
     * Without a "resolver", names are looked up with getaddrinfo() (which
     * also reads /etc/hosts) in the thread pool "default": nginx makes it
     * with 32 threads unless a "thread_pool default" sizes it.
     */

    conf->resolve_pool = ngx_thread_pool_add(cf, NULL);
    if (conf->resolve_pool == NULL) {
        return NGX_CONF_ERROR;
    }

#endif

    return NGX_CONF_OK;
}


ngx_uint_t
ngx_http_partoo_tryout_client_in_flight(void)
{
    return ngx_http_partoo_tryout_client.in_flight;
}


ngx_int_t
ngx_http_partoo_tryout_client_start(ngx_http_request_t *r,
    ngx_http_partoo_tryout_deliver_conf_t *conf,
    ngx_http_partoo_tryout_delivery_t *d,
    const ngx_http_partoo_tryout_header_t *headers, size_t nheaders)
{
    socklen_t                          sslen;
    ngx_str_t                          path, authority;
    ngx_http_cleanup_t                *cln;
    struct sockaddr_storage            ss;
    ngx_http_partoo_tryout_client_t   *cl;
    ngx_http_partoo_tryout_addr_host_e  kind;

    if (ngx_http_partoo_tryout_client.idle.next == NULL) {
        ngx_queue_init(&ngx_http_partoo_tryout_client.idle);
        ngx_queue_init(&ngx_http_partoo_tryout_client.sessions);
        ngx_queue_init(&ngx_http_partoo_tryout_client.lookups);
    }

    cl = ngx_pcalloc(r->pool, sizeof(ngx_http_partoo_tryout_client_t));
    if (cl == NULL) {
        return NGX_ERROR;
    }

    cln = ngx_http_cleanup_add(r, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cl->request = r;
    cl->delivery = d;
    cl->conf = conf;
    cl->log = r->connection->log;
    cl->start = ngx_current_msec;

    if (d->diag) {
        d->diag->response = 1;
    }

    if (ngx_http_partoo_tryout_client_parse_url(cl, &d->url, &path,
                                                &authority)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, cl->log, 0,
                      "partoo_tryout: cannot deliver to \"%V\"",
                      &cl->log_url);
        return NGX_ERROR;
    }

    if (ngx_http_partoo_tryout_client_request(cl, &path, &authority,
                                              headers, nheaders)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    cl->done.handler = ngx_http_partoo_tryout_client_done;
    cl->done.data = cl;
    cl->done.log = cl->log;

    kind = ngx_http_partoo_tryout_addr_literal((char *) cl->host.data,
                                               cl->host.len, &ss, &sslen);

    if (kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_BAD_LITERAL) {
        return NGX_ERROR;
    }

    if (kind == NGX_HTTP_PARTOO_TRYOUT_ADDR_LITERAL) {
        cl->literal = 1;
        d->resolve_time = 0;

        ngx_http_partoo_tryout_client_add_addr(cl, (struct sockaddr *) &ss,
                                               sslen);

        /* a blocked literal is answered at once, with no connection */

        if (ngx_http_partoo_tryout_addr_blocked((struct sockaddr *) &ss,
                                                sslen, &conf->allow)
            != NULL)
        {
            ngx_http_partoo_tryout_client_connect(cl);

            d->error = cl->error;
            d->response_status = 0;
            d->duration = 0;
            d->done = 1;

            ngx_http_partoo_tryout_client_diag(cl);

            return NGX_OK;
        }
    }

    cl->timer.handler = ngx_http_partoo_tryout_client_timeout;
    cl->timer.data = cl;
    cl->timer.log = cl->log;

    ngx_add_timer(&cl->timer, conf->timeout);

    ngx_http_partoo_tryout_client.in_flight++;
    ngx_http_partoo_tryout_metrics_in_flight(1);

    d->client = cl;
    cln->handler = ngx_http_partoo_tryout_client_cleanup;
    cln->data = cl;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, cl->log, 0,
                   "partoo_tryout: delivery to \"%V\" started, %ui in flight",
                   &cl->log_url, ngx_http_partoo_tryout_client.in_flight);

    if (cl->literal) {
        ngx_http_partoo_tryout_client_connect(cl);

    } else if (ngx_http_partoo_tryout_client_localhost(&cl->host)) {

        /* as libcurl: "localhost" is the loopback, never asked for */

        ngx_http_partoo_tryout_client_add_addr(cl,
                                  (struct sockaddr *) &ss, 0);
        d->resolve_time = 0;
        ngx_http_partoo_tryout_client_connect(cl);

    } else {
        ngx_http_partoo_tryout_client_resolve(cl);
    }

    return NGX_AGAIN;
}


/*
 * "https://[user@]host[:port][/path][?query][#fragment]", which the
 * validator has passed: the scheme is https, the host not empty.
 */

static ngx_int_t
ngx_http_partoo_tryout_client_parse_url(ngx_http_partoo_tryout_client_t *cl,
    ngx_str_t *url, ngx_str_t *path, ngx_str_t *authority)
{
    u_char     *p, *last, *auth, *auth_end, *host_end, *q, *at, *path_end;
    ngx_int_t   port;

    /* logged as the thread-pool engine logs it, parsed or not */

    if (ngx_http_partoo_tryout_client_log_url(cl, url) != NGX_OK) {
        return NGX_ERROR;
    }

    p = url->data;
    last = url->data + url->len;

    if (url->len < sizeof("https://") - 1
        || ngx_strncasecmp(p, (u_char *) "https://", sizeof("https://") - 1)
           != 0)
    {
        return NGX_ERROR;
    }

    auth = p + sizeof("https://") - 1;

    for (auth_end = auth; auth_end < last; auth_end++) {
        if (*auth_end == '/' || *auth_end == '?' || *auth_end == '#') {
            break;
        }
    }

    /* userinfo: up to the last "@" of the authority */

    at = NULL;

    for (q = auth; q < auth_end; q++) {
        if (*q == '@') {
            at = q;
        }
    }

    if (at) {
        auth = at + 1;
    }

    authority->data = auth;

    if (auth < auth_end && *auth == '[') {
        host_end = ngx_strlchr(auth, auth_end, ']');
        if (host_end == NULL) {
            return NGX_ERROR;
        }

        /* the literal parser reads the brackets, the zone id */

        cl->host.data = auth;
        cl->host.len = host_end + 1 - auth;
        host_end++;

    } else {
        host_end = ngx_strlchr(auth, auth_end, ':');
        if (host_end == NULL) {
            host_end = auth_end;
        }

        cl->host.data = auth;
        cl->host.len = host_end - auth;
    }

    if (cl->host.len == 0 || cl->host.len > NGX_MAXHOSTNAMELEN) {
        return NGX_ERROR;
    }

    port = 443;

    if (host_end < auth_end && *host_end == ':' && host_end + 1 < auth_end) {
        port = ngx_atoi(host_end + 1, auth_end - host_end - 1);
        if (port < 1 || port > 65535) {
            return NGX_ERROR;
        }
    }

    cl->port = (in_port_t) port;

    /* Host: as libcurl writes it, with the port unless 443 */

    if (port == 443) {
        authority->len = cl->host.len;

    } else {
        authority->len = auth_end - auth;
    }

    /* the request target: the path and the query, never the fragment */

    path_end = ngx_strlchr(auth_end, last, '#');
    if (path_end == NULL) {
        path_end = last;
    }

    path->data = auth_end;
    path->len = path_end - auth_end;

    return NGX_OK;
}


/*
 * The url as the log may show it, decided by the address policy's one
 * function for all engines: no userinfo, query or fragment, where
 * receivers put credentials.  Kept in the request's pool, since every
 * log line of the delivery names it.
 */

static ngx_int_t
ngx_http_partoo_tryout_client_log_url(ngx_http_partoo_tryout_client_t *cl,
    ngx_str_t *url)
{
    size_t       len;
    static char  buf[NGX_HTTP_PARTOO_TRYOUT_ADDR_URL_LOG_LEN];

    len = ngx_http_partoo_tryout_addr_log_url((char *) url->data, url->len,
                                              buf, sizeof(buf));

    cl->log_url.data = ngx_pnalloc(cl->request->pool, len);
    if (cl->log_url.data == NULL) {
        /* nothing of the url: it is not made safe to show */
        ngx_str_set(&cl->log_url, "(invalid-url)");
        return NGX_ERROR;
    }

    ngx_memcpy(cl->log_url.data, buf, len);
    cl->log_url.len = len;

    return NGX_OK;
}


/*
 * The request bytes, as the thread-pool engine sends them: the request line,
 * Host, the module's headers, the item's own, Content-Length, the body.
 * HTTP/1.1 keeps the connection open without a Connection header.
 */

static ngx_int_t
ngx_http_partoo_tryout_client_request(ngx_http_partoo_tryout_client_t *cl,
    ngx_str_t *path, ngx_str_t *authority,
    const ngx_http_partoo_tryout_header_t *headers, size_t nheaders)
{
    size_t                              len, i, j;
    u_char                             *p;
    ngx_uint_t                          blank;
    ngx_http_partoo_tryout_delivery_t  *d;

    d = cl->delivery;

    len = sizeof("POST / HTTP/1.1" CRLF) - 1 + path->len
          + sizeof("Host: " CRLF) - 1 + authority->len
          + sizeof("Content-Type: application/json" CRLF) - 1
          + cl->conf->user_agent.len + sizeof("User-Agent: " CRLF) - 1
          + sizeof("X-Partoo-Webhook-Tryout: true" CRLF) - 1
          + sizeof("Content-Length: " CRLF CRLF) - 1 + NGX_OFF_T_LEN
          + d->body.len;

    if (d->signature.len) {
        len += sizeof("X-Partoo-Signature-v1: " CRLF) - 1 + d->signature.len;
    }

    for (i = 0; i < nheaders; i++) {
        len += headers[i].name_len + sizeof(": " CRLF) - 1
               + headers[i].value_len;
    }

    p = ngx_pnalloc(cl->request->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    cl->out.start = p;
    cl->out.pos = p;

    p = ngx_cpymem(p, "POST ", sizeof("POST ") - 1);

    if (path->len == 0 || path->data[0] != '/') {
        *p++ = '/';
    }

    p = ngx_cpymem(p, path->data, path->len);
    p = ngx_cpymem(p, " HTTP/1.1" CRLF "Host: ",
                   sizeof(" HTTP/1.1" CRLF "Host: ") - 1);
    p = ngx_cpymem(p, authority->data, authority->len);
    p = ngx_cpymem(p, CRLF "Content-Type: application/json" CRLF
                   "User-Agent: ",
                   sizeof(CRLF "Content-Type: application/json" CRLF
                          "User-Agent: ") - 1);
    p = ngx_cpymem(p, cl->conf->user_agent.data, cl->conf->user_agent.len);
    p = ngx_cpymem(p, CRLF "X-Partoo-Webhook-Tryout: true" CRLF,
                   sizeof(CRLF "X-Partoo-Webhook-Tryout: true" CRLF) - 1);

    if (d->signature.len) {
        p = ngx_cpymem(p, "X-Partoo-Signature-v1: ",
                       sizeof("X-Partoo-Signature-v1: ") - 1);
        p = ngx_cpymem(p, d->signature.data, d->signature.len);
        *p++ = CR; *p++ = LF;
    }

    /* a value of spaces only is an empty value (RFC 9110, 5.5) */

    for (i = 0; i < nheaders; i++) {
        p = ngx_cpymem(p, headers[i].name, headers[i].name_len);
        *p++ = ':';

        blank = 1;

        for (j = 0; j < headers[i].value_len; j++) {
            if (headers[i].value[j] != ' ' && headers[i].value[j] != '\t') {
                blank = 0;
                break;
            }
        }

        if (!blank) {
            *p++ = ' ';
            p = ngx_cpymem(p, headers[i].value, headers[i].value_len);
        }

        *p++ = CR; *p++ = LF;
    }

    p = ngx_sprintf(p, "Content-Length: %uz" CRLF CRLF, d->body.len);
    p = ngx_cpymem(p, d->body.data, d->body.len);

    cl->out.last = p;
    cl->out.end = p;

    return NGX_OK;
}


static ngx_uint_t
ngx_http_partoo_tryout_client_localhost(ngx_str_t *host)
{
    size_t  len;

    len = host->len;

    if (len && host->data[len - 1] == '.') {
        len--;
    }

    if (len < sizeof("localhost") - 1) {
        return 0;
    }

    if (ngx_strncasecmp(host->data + len - (sizeof("localhost") - 1),
                        (u_char *) "localhost", sizeof("localhost") - 1)
        != 0)
    {
        return 0;
    }

    return len == sizeof("localhost") - 1
           || host->data[len - sizeof("localhost")] == '.';
}


static void
ngx_http_partoo_tryout_client_resolve(ngx_http_partoo_tryout_client_t *cl)
{
    ngx_resolver_ctx_t        *ctx, temp;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(cl->request, ngx_http_core_module);

    temp.name = cl->host;

    ctx = ngx_resolve_start(clcf->resolver, &temp);

    if (ctx == NULL) {
        ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_CONNECT,
                                        "no memory for the resolver");
        return;
    }

    if (ctx != NGX_NO_RESOLVER) {
        ctx->name = cl->host;
        ctx->handler = ngx_http_partoo_tryout_client_resolved;
        ctx->data = cl;
        ctx->timeout = clcf->resolver_timeout;

        cl->resolving = ctx;

        if (ngx_resolve_name(ctx) != NGX_OK) {
            cl->resolving = NULL;
            ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_DNS,
                                        "the resolver failed");
        }

        return;
    }

#if (NGX_THREADS)

    {
    ngx_http_partoo_tryout_client_lookup_t  *lu;

    lu = ngx_calloc(sizeof(ngx_http_partoo_tryout_client_lookup_t),
                    cl->log);
    if (lu == NULL) {
        ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_CONNECT,
                                        "no memory for the lookup");
        return;
    }

    ngx_memcpy(lu->host, cl->host.data, cl->host.len);
    lu->client = cl;

    lu->task.ctx = lu;
    lu->task.handler = ngx_http_partoo_tryout_client_lookup_run;
    lu->task.event.handler = ngx_http_partoo_tryout_client_lookup_done;
    lu->task.event.data = lu;
    lu->task.event.log = ngx_cycle->log;

    if (ngx_thread_task_post(cl->conf->resolve_pool, &lu->task) != NGX_OK) {
        ngx_free(lu);
        ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_DNS,
                                        "the lookup queue is full");
        return;
    }

    ngx_queue_insert_tail(&ngx_http_partoo_tryout_client.lookups,
                          &lu->queue);
    cl->lookup = lu;
    }

#else

    ngx_http_partoo_tryout_client_finish(cl, NGX_HTTP_PARTOO_TRYOUT_ERR_DNS,
                                         "no \"resolver\" is configured");

#endif
}


static void
ngx_http_partoo_tryout_client_resolved(ngx_resolver_ctx_t *ctx)
{
    ngx_http_partoo_tryout_client_t *cl = ctx->data;

    ngx_uint_t  i;

    cl->resolving = NULL;

    if (ctx->state) {
        (void) ngx_snprintf(cl->reason_buf, sizeof(cl->reason_buf) - 1,
                            "\"%V\" could not be resolved (%i: %s)%Z",
                            &ctx->name, ctx->state,
                            ngx_resolver_strerror(ctx->state));
        ngx_resolve_name_done(ctx);

        ngx_http_partoo_tryout_client_finish(cl,
                                             NGX_HTTP_PARTOO_TRYOUT_ERR_DNS,
                                             (char *) cl->reason_buf);
        return;
    }

    for (i = 0; i < ctx->naddrs; i++) {
        ngx_http_partoo_tryout_client_add_addr(cl, ctx->addrs[i].sockaddr,
                                               ctx->addrs[i].socklen);
    }

    ngx_resolve_name_done(ctx);

    cl->delivery->resolve_time = ngx_http_partoo_tryout_client_since(cl);

    ngx_http_partoo_tryout_client_connect(cl);
}


#if (NGX_THREADS)

/* in a pool thread: touches the lookup only */

static void
ngx_http_partoo_tryout_client_lookup_run(void *data, ngx_log_t *log)
{
    ngx_http_partoo_tryout_client_lookup_t *lu = data;

    char             *host, *p;
    struct addrinfo   hints;

    ngx_memzero(&hints, sizeof(struct addrinfo));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
#ifdef AI_ADDRCONFIG
    hints.ai_flags = AI_ADDRCONFIG;
#endif

    host = lu->host;

    if (host[0] == '[') {
        host++;
        p = strchr(host, ']');
        if (p) {
            *p = '\0';
        }
    }

    lu->rc = getaddrinfo(host, NULL, &hints, &lu->result);
}


static void
ngx_http_partoo_tryout_client_lookup_done(ngx_event_t *ev)
{
    ngx_http_partoo_tryout_client_lookup_t *lu = ev->data;

    struct addrinfo                  *ai;
    ngx_http_partoo_tryout_client_t  *cl;

    ngx_queue_remove(&lu->queue);

    cl = lu->client;

    if (cl == NULL) {

        /* the delivery ended while the lookup ran */

        if (lu->result) {
            freeaddrinfo(lu->result);
        }

        ngx_free(lu);
        return;
    }

    cl->lookup = NULL;

    if (lu->rc != 0) {
        (void) ngx_snprintf(cl->reason_buf, sizeof(cl->reason_buf) - 1,
                            "\"%V\" could not be resolved (%s)%Z",
                            &cl->host, gai_strerror(lu->rc));
        ngx_free(lu);

        ngx_http_partoo_tryout_client_finish(cl,
                                             NGX_HTTP_PARTOO_TRYOUT_ERR_DNS,
                                             (char *) cl->reason_buf);
        return;
    }

    for (ai = lu->result; ai; ai = ai->ai_next) {
        ngx_http_partoo_tryout_client_add_addr(cl, ai->ai_addr,
                                               ai->ai_addrlen);
    }

    freeaddrinfo(lu->result);
    ngx_free(lu);

    cl->delivery->resolve_time = ngx_http_partoo_tryout_client_since(cl);

    ngx_http_partoo_tryout_client_connect(cl);
}

#endif


/*
 * Another address to try, with the url's port; socklen 0: the loopback
 * addresses of "localhost", 127.0.0.1 then ::1.
 */

static void
ngx_http_partoo_tryout_client_add_addr(ngx_http_partoo_tryout_client_t *cl,
    struct sockaddr *sa, socklen_t socklen)
{
    ngx_uint_t           i;
    ngx_addr_t          *addr;
    struct sockaddr_in   sin;
#if (NGX_HAVE_INET6)
    struct sockaddr_in6  sin6;
#endif

    if (socklen == 0) {
        ngx_memzero(&sin, sizeof(struct sockaddr_in));
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ngx_http_partoo_tryout_client_add_addr(cl, (struct sockaddr *) &sin,
                                               sizeof(struct sockaddr_in));
#if (NGX_HAVE_INET6)
        ngx_memzero(&sin6, sizeof(struct sockaddr_in6));
        sin6.sin6_family = AF_INET6;
        sin6.sin6_addr = in6addr_loopback;
        ngx_http_partoo_tryout_client_add_addr(cl, (struct sockaddr *) &sin6,
                                               sizeof(struct sockaddr_in6));
#endif
        return;
    }

    if (cl->naddrs == NGX_HTTP_PARTOO_TRYOUT_CLIENT_ADDRS
        || socklen > sizeof(struct sockaddr_storage)
        || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
    {
        return;
    }

    /* getaddrinfo() may answer an address twice */

    for (i = 0; i < cl->naddrs; i++) {
        if (cl->addrs[i].socklen == socklen
            && ngx_cmp_sockaddr(cl->addrs[i].sockaddr, socklen, sa, socklen,
                                0)
               == NGX_OK)
        {
            return;
        }
    }

    addr = &cl->addrs[cl->naddrs];

    addr->sockaddr = ngx_palloc(cl->request->pool, socklen);
    if (addr->sockaddr == NULL) {
        return;
    }

    ngx_memcpy(addr->sockaddr, sa, socklen);
    addr->socklen = socklen;
    ngx_inet_set_port(addr->sockaddr, cl->port);

    addr->name.data = ngx_pnalloc(cl->request->pool, NGX_SOCKADDR_STRLEN);
    if (addr->name.data == NULL) {
        return;
    }

    addr->name.len = ngx_sock_ntop(addr->sockaddr, socklen, addr->name.data,
                                   NGX_SOCKADDR_STRLEN, 1);

    cl->naddrs++;
}


/*
 * The next address that passes the SSRF policy: a kept connection to it,
 * verified for the same host under the same trust, or a new one.  The
 * check is on the address connected to, never a second lookup.
 */

static void
ngx_http_partoo_tryout_client_connect(ngx_http_partoo_tryout_client_t *cl)
{
    ngx_int_t                              rc;
    ngx_addr_t                            *addr;
    const char                            *range;
    ngx_connection_t                      *c;
    ngx_http_partoo_tryout_client_key_t    key;
    ngx_http_partoo_tryout_client_conn_t  *conn;
    ngx_http_partoo_tryout_client_engine_t *engine;

    engine = &ngx_http_partoo_tryout_client;

    for ( ;; ) {

        if (cl->next == cl->naddrs) {
            if (cl->nallowed == 0 && cl->blocked_range) {
                ngx_log_error(NGX_LOG_INFO, cl->log, 0,
                              "partoo_tryout: delivery to %s blocked (%s), "
                              "see \"partoo_tryout_allow_address\"",
                              cl->blocked_addr, cl->blocked_range);

                ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_BLOCKED,
                                        NULL);
                return;
            }

            if (cl->naddrs == 0) {
                ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_DNS,
                                        "no address to connect to");
                return;
            }

            ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_CONNECT,
                                        cl->reason ? cl->reason
                                        : "no address could be connected to");
            return;
        }

        addr = &cl->addrs[cl->next++];

        range = ngx_http_partoo_tryout_addr_blocked(addr->sockaddr,
                                                    addr->socklen,
                                                    &cl->conf->allow);
        if (range) {
            if (cl->blocked_range == NULL) {
                cl->blocked_range = range;

                if (ngx_http_partoo_tryout_addr_format(addr->sockaddr,
                                               addr->socklen,
                                               (char *) cl->blocked_addr,
                                               sizeof(cl->blocked_addr))
                    == 0)
                {
                    ngx_cpystrn(cl->blocked_addr, (u_char *) "?",
                                sizeof(cl->blocked_addr));
                }
            }

            continue;
        }

        cl->nallowed++;

        ngx_memcpy(&cl->delivery->peer, addr->sockaddr, addr->socklen);
        cl->delivery->peer_len = addr->socklen;

        ngx_http_partoo_tryout_client_make_key(cl, addr, &key);

        conn = cl->retried ? NULL
                           : ngx_http_partoo_tryout_client_idle_get(&key);

        if (conn) {
            c = conn->connection;

            conn->client = cl;
            cl->conn = conn;
            cl->delivery->reused = 1;
            cl->delivery->connect_time =
                                    ngx_http_partoo_tryout_client_since(cl);
            cl->delivery->tls_time = cl->delivery->connect_time;

            c->log = cl->log;
            c->read->log = cl->log;
            c->write->log = cl->log;
            c->pool->log = cl->log;

            ngx_log_debug1(NGX_LOG_DEBUG_HTTP, cl->log, 0,
                           "partoo_tryout: kept connection %d reused", c->fd);

            c->write->handler = ngx_http_partoo_tryout_client_send;
            c->read->handler = ngx_http_partoo_tryout_client_read;

            ngx_http_partoo_tryout_client_send(c->write);
            return;
        }

        /* make room: a kept connection goes before a failed delivery */

        if (ngx_cycle->free_connection_n < 2 && engine->nidle) {
            ngx_http_partoo_tryout_client_close(ngx_queue_data(
                              ngx_queue_last(&engine->idle),
                              ngx_http_partoo_tryout_client_conn_t, queue));
        }

        conn = ngx_alloc(sizeof(ngx_http_partoo_tryout_client_conn_t),
                         cl->log);
        if (conn == NULL) {
            ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_CONNECT,
                                        "no memory for a connection");
            return;
        }

        conn->key = key;
        conn->client = cl;
        conn->connection = NULL;

        ngx_memzero(&cl->peer, sizeof(ngx_peer_connection_t));

        cl->peer.sockaddr = addr->sockaddr;
        cl->peer.socklen = addr->socklen;
        cl->peer.name = &addr->name;
        cl->peer.get = ngx_event_get_peer;
        cl->peer.log = cl->log;
        cl->peer.log_error = NGX_ERROR_ERR;

        rc = ngx_event_connect_peer(&cl->peer);

        if (rc == NGX_ERROR) {

            /* local: no socket (EMFILE...), no free nginx connection */

            ngx_free(conn);

            ngx_log_error(NGX_LOG_ERR, cl->log, 0,
                          "partoo_tryout: no connection could be opened to "
                          "%V for the delivery", &addr->name);

            ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_CONNECT,
                                        "no local connection available");
            return;
        }

        c = cl->peer.connection;

        if (c == NULL) {
            ngx_free(conn);
            cl->reason = "connect() failed";
            continue;
        }

        conn->connection = c;
        cl->conn = conn;
        c->data = conn;
        ngx_http_partoo_tryout_metrics_connections(1, 0);

        c->pool = ngx_create_pool(512, cl->log);
        if (c->pool == NULL) {
            ngx_http_partoo_tryout_client_close(conn);
            cl->conn = NULL;
            ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_CONNECT,
                                        "no memory for a connection");
            return;
        }

        c->write->handler = ngx_http_partoo_tryout_client_connected;
        c->read->handler = ngx_http_partoo_tryout_client_connected;

        if (cl->connect_deadline == 0) {
            cl->connect_deadline = ngx_current_msec
                                   + cl->conf->connect_timeout;
        }

        if (rc == NGX_AGAIN) {
            ngx_add_timer(c->write,
                          (ngx_msec_int_t) (cl->connect_deadline
                                            - ngx_current_msec) > 0
                          ? cl->connect_deadline - ngx_current_msec : 1);
            return;
        }

        if (rc == NGX_OK) {
            ngx_http_partoo_tryout_client_connected(c->write);
            return;
        }

        /* NGX_BUSY, NGX_DECLINED: refused at once, try the next one */

        ngx_http_partoo_tryout_client_connect_failed(cl, "connect() failed",
                                                     0);
        return;
    }
}


static void
ngx_http_partoo_tryout_client_make_key(ngx_http_partoo_tryout_client_t *cl,
    ngx_addr_t *addr, ngx_http_partoo_tryout_client_key_t *key)
{
    ngx_memzero(key, sizeof(ngx_http_partoo_tryout_client_key_t));

    key->ssl = cl->conf->ssl;
    key->socklen = addr->socklen;
    ngx_memcpy(&key->sockaddr, addr->sockaddr, addr->socklen);
    key->host_len = cl->host.len;
    ngx_strlow(key->host, cl->host.data, cl->host.len);
}


static ngx_uint_t
ngx_http_partoo_tryout_client_key_equal(
    ngx_http_partoo_tryout_client_key_t *a,
    ngx_http_partoo_tryout_client_key_t *b)
{
    return a->ssl == b->ssl
           && a->host_len == b->host_len
           && ngx_cmp_sockaddr((struct sockaddr *) &a->sockaddr, a->socklen,
                               (struct sockaddr *) &b->sockaddr, b->socklen,
                               1)
              == NGX_OK
           && ngx_memcmp(a->host, b->host, a->host_len) == 0;
}


static ngx_http_partoo_tryout_client_conn_t *
ngx_http_partoo_tryout_client_idle_get(ngx_http_partoo_tryout_client_key_t *key)
{
    ngx_queue_t                             *q;
    ngx_connection_t                        *c;
    ngx_http_partoo_tryout_client_conn_t    *conn;
    ngx_http_partoo_tryout_client_engine_t  *engine;

    engine = &ngx_http_partoo_tryout_client;

    for (q = ngx_queue_head(&engine->idle);
         q != ngx_queue_sentinel(&engine->idle);
         q = ngx_queue_next(q))
    {
        conn = ngx_queue_data(q, ngx_http_partoo_tryout_client_conn_t, queue);

        if (!ngx_http_partoo_tryout_client_key_equal(&conn->key, key)) {
            continue;
        }

        ngx_queue_remove(q);
        engine->nidle--;
        ngx_http_partoo_tryout_metrics_connections(0, -1);

        c = conn->connection;

        if (c->read->timer_set) {
            ngx_del_timer(c->read);
        }

        c->idle = 0;
        c->read->cancelable = 0;
        ngx_reusable_connection(c, 0);

        return conn;
    }

    return NULL;
}


static void
ngx_http_partoo_tryout_client_connected(ngx_event_t *wev)
{
    int                                    err;
    socklen_t                              len;
    ngx_connection_t                      *c;
    ngx_http_partoo_tryout_client_conn_t  *conn;
    ngx_http_partoo_tryout_client_t       *cl;

    c = wev->data;
    conn = c->data;
    cl = conn->client;

    if (wev->timedout) {
        ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_TIMEOUT,
                                        "connection timed out");
        return;
    }

    err = 0;
    len = sizeof(int);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = ngx_socket_errno;
    }

    if (err) {
        ngx_http_partoo_tryout_client_connect_failed(cl, "connect() failed",
                                                     err);
        return;
    }

    cl->delivery->connect_time = ngx_http_partoo_tryout_client_since(cl);

    ngx_http_partoo_tryout_client_ssl_start(cl);
}


/* this address failed: the next one, or the delivery fails */

static void
ngx_http_partoo_tryout_client_connect_failed(
    ngx_http_partoo_tryout_client_t *cl, const char *reason, ngx_err_t err)
{
    u_char  *p;

    p = ngx_snprintf(cl->reason_buf, sizeof(cl->reason_buf) - 1,
                     "%s to %V", reason, cl->peer.name);

    if (err) {
        p = ngx_snprintf(p, cl->reason_buf + sizeof(cl->reason_buf) - 1 - p,
                         " (%d: %s)", err, strerror(err));
    }

    *p = '\0';
    cl->reason = (char *) cl->reason_buf;

    if (cl->conn) {
        ngx_http_partoo_tryout_client_close(cl->conn);
        cl->conn = NULL;
    }

    cl->delivery->peer_len = 0;

    ngx_http_partoo_tryout_client_connect(cl);
}


static void
ngx_http_partoo_tryout_client_ssl_start(ngx_http_partoo_tryout_client_t *cl)
{
    ngx_int_t                                 rc;
    ngx_queue_t                              *q;
    ngx_connection_t                         *c;
    ngx_http_partoo_tryout_client_session_t  *s;

    c = cl->conn->connection;

    if (ngx_ssl_create_connection(cl->conf->ssl, c,
                                  NGX_SSL_BUFFER|NGX_SSL_CLIENT)
        != NGX_OK)
    {
        ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_TLS,
                                        "no TLS connection could be made");
        return;
    }

    /* SNI for a name; an IP literal is sent none (RFC 6066, 3) */

    if (!cl->literal) {
        if (SSL_set_tlsext_host_name(c->ssl->connection,
                                     (char *) cl->conn->key.host)
            == 0)
        {
            ngx_ssl_error(NGX_LOG_ERR, cl->log, 0,
                          "SSL_set_tlsext_host_name(\"%s\") failed",
                          cl->conn->key.host);
            ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_TLS,
                                        "SNI could not be set");
            return;
        }
    }

    c->ssl->save_session = ngx_http_partoo_tryout_client_ssl_save;

    for (q = ngx_queue_head(&ngx_http_partoo_tryout_client.sessions);
         q != ngx_queue_sentinel(&ngx_http_partoo_tryout_client.sessions);
         q = ngx_queue_next(q))
    {
        s = ngx_queue_data(q, ngx_http_partoo_tryout_client_session_t, queue);

        if (ngx_http_partoo_tryout_client_key_equal(&s->key, &cl->conn->key)) {
            (void) ngx_ssl_set_session(c, s->session);
            break;
        }
    }

    rc = ngx_ssl_handshake(c);

    if (rc == NGX_AGAIN) {
        c->ssl->handler = ngx_http_partoo_tryout_client_ssl_handshaked;
        return;
    }

    ngx_http_partoo_tryout_client_ssl_handshaked(c);
}


static void
ngx_http_partoo_tryout_client_ssl_handshaked(ngx_connection_t *c)
{
    long                                   rc;
    X509                                  *cert;
    ngx_http_partoo_tryout_client_t       *cl;
    ngx_http_partoo_tryout_client_conn_t  *conn;

    conn = c->data;
    cl = conn->client;

    if (!c->ssl->handshaked) {
        ngx_http_partoo_tryout_client_finish(cl,
                                    c->write->timedout
                                    ? NGX_HTTP_PARTOO_TRYOUT_ERR_TIMEOUT
                                    : NGX_HTTP_PARTOO_TRYOUT_ERR_TLS,
                                    c->write->timedout
                                    ? "TLS handshake timed out"
                                    : "TLS handshake failed");
        return;
    }

    rc = SSL_get_verify_result(c->ssl->connection);

    if (rc != X509_V_OK) {
        (void) ngx_snprintf(cl->reason_buf, sizeof(cl->reason_buf) - 1,
                            "certificate verify error: (%l:%s)%Z",
                            rc, X509_verify_cert_error_string(rc));

        ngx_http_partoo_tryout_client_finish(cl,
                                             NGX_HTTP_PARTOO_TRYOUT_ERR_TLS,
                                             (char *) cl->reason_buf);
        return;
    }

    if (cl->literal) {

        /* the certificate must name the address, as an IP SAN */

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
        cert = SSL_get1_peer_certificate(c->ssl->connection);
#else
        cert = SSL_get_peer_certificate(c->ssl->connection);
#endif

        rc = (cert != NULL
              && X509_check_ip(cert,
                          ngx_http_partoo_tryout_client_ip(&conn->key),
                          conn->key.sockaddr.ss_family == AF_INET ? 4 : 16,
                          0)
                 == 1);

        if (cert) {
            X509_free(cert);
        }

        ERR_clear_error();

    } else {
        rc = (ngx_ssl_check_host(c, &cl->host) == NGX_OK);
    }

    if (!rc) {
        (void) ngx_snprintf(cl->reason_buf, sizeof(cl->reason_buf) - 1,
                            "the certificate does not match \"%V\"%Z",
                            &cl->host);

        ngx_http_partoo_tryout_client_finish(cl,
                                             NGX_HTTP_PARTOO_TRYOUT_ERR_TLS,
                                             (char *) cl->reason_buf);
        return;
    }

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    cl->delivery->tls_time = ngx_http_partoo_tryout_client_since(cl);

    c->write->handler = ngx_http_partoo_tryout_client_send;
    c->read->handler = ngx_http_partoo_tryout_client_read;

    ngx_http_partoo_tryout_client_send(c->write);
}


/*
 * A session to resume the next connection to the same address and host
 * with; for TLS 1.3 this runs when the ticket arrives, which may be while
 * the connection is kept idle: the key is the connection's own.
 */

static void
ngx_http_partoo_tryout_client_ssl_save(ngx_connection_t *c)
{
    ngx_queue_t                              *q;
    ngx_ssl_session_t                        *session;
    ngx_http_partoo_tryout_client_conn_t     *conn;
    ngx_http_partoo_tryout_client_session_t  *s;
    ngx_http_partoo_tryout_client_engine_t   *engine;

    engine = &ngx_http_partoo_tryout_client;
    conn = c->data;

    session = ngx_ssl_get_session(c);
    if (session == NULL) {
        return;
    }

    for (q = ngx_queue_head(&engine->sessions);
         q != ngx_queue_sentinel(&engine->sessions);
         q = ngx_queue_next(q))
    {
        s = ngx_queue_data(q, ngx_http_partoo_tryout_client_session_t, queue);

        if (ngx_http_partoo_tryout_client_key_equal(&s->key, &conn->key)) {
            ngx_ssl_free_session(s->session);
            s->session = session;
            ngx_queue_remove(q);
            ngx_queue_insert_head(&engine->sessions, q);
            return;
        }
    }

    if (engine->nsessions < NGX_HTTP_PARTOO_TRYOUT_CLIENT_SESSIONS) {
        s = ngx_alloc(sizeof(ngx_http_partoo_tryout_client_session_t),
                      c->log);
        if (s == NULL) {
            ngx_ssl_free_session(session);
            return;
        }

        engine->nsessions++;

    } else {
        q = ngx_queue_last(&engine->sessions);
        ngx_queue_remove(q);
        s = ngx_queue_data(q, ngx_http_partoo_tryout_client_session_t, queue);
        ngx_ssl_free_session(s->session);
    }

    s->key = conn->key;
    s->session = session;
    ngx_queue_insert_head(&engine->sessions, &s->queue);
}


static void
ngx_http_partoo_tryout_client_send(ngx_event_t *wev)
{
    ssize_t                                n;
    ngx_connection_t                      *c;
    ngx_http_partoo_tryout_client_t       *cl;
    ngx_http_partoo_tryout_client_conn_t  *conn;

    c = wev->data;
    conn = c->data;
    cl = conn->client;

    if (cl->sent) {
        return;
    }

    while (cl->out.pos < cl->out.last) {
        n = c->send(c, cl->out.pos, cl->out.last - cl->out.pos);

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(wev, 0) != NGX_OK) {
                ngx_http_partoo_tryout_client_broken(cl, "send() failed");
            }

            return;
        }

        if (n == NGX_ERROR || n == 0) {
            ngx_http_partoo_tryout_client_broken(cl, "send() failed");
            return;
        }

        cl->out.pos += n;
    }

    cl->sent = 1;

    /* the answer, read into a buffer of the request's pool */

    if (cl->in.start == NULL) {
        cl->in.start = ngx_palloc(cl->request->pool,
                                  NGX_HTTP_PARTOO_TRYOUT_CLIENT_BUFFER);
        if (cl->in.start == NULL) {
            ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_ERR_CONNECT,
                                        "no memory for the answer");
            return;
        }

        cl->in.end = cl->in.start + NGX_HTTP_PARTOO_TRYOUT_CLIENT_BUFFER;
    }

    cl->in.pos = cl->in.start;
    cl->in.last = cl->in.start;

    cl->phase = ngx_http_partoo_tryout_phase_status;
    cl->content_length = -1;
    cl->received = 0;
    cl->keepalive = 1;
    cl->chunked_body = 0;

    cl->http_major = cl->request->http_major;
    cl->http_minor = cl->request->http_minor;
    cl->state = cl->request->state;
    cl->request->state = 0;

    ngx_memzero(&cl->status, sizeof(ngx_http_status_t));

    ngx_http_partoo_tryout_client_read(c->read);
}


static void
ngx_http_partoo_tryout_client_read(ngx_event_t *rev)
{
    ssize_t                                n;
    ngx_int_t                              rc;
    ngx_connection_t                      *c;
    ngx_http_partoo_tryout_client_t       *cl;
    ngx_http_partoo_tryout_client_conn_t  *conn;

    c = rev->data;
    conn = c->data;
    cl = conn->client;

    if (!cl->sent) {
        return;
    }

    for ( ;; ) {

        if (cl->in.last == cl->in.end) {

            /* the head is parsed in place; a body is consumed */

            if (cl->phase <= ngx_http_partoo_tryout_phase_headers) {
                ngx_http_partoo_tryout_client_broken(cl,
                                            "the answer's head is too large");
                return;
            }

            cl->in.pos = cl->in.start;
            cl->in.last = cl->in.start;
        }

        n = c->recv(c, cl->in.last, cl->in.end - cl->in.last);

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(rev, 0) != NGX_OK) {
                ngx_http_partoo_tryout_client_broken(cl, "recv() failed");
            }

            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_partoo_tryout_client_broken(cl, "recv() failed");
            return;
        }

        if (n == 0) {

            /*
             * A clean close (close_notify) after a final status line ends
             * a head that has no more to say, as libcurl takes it; a
             * reset or a bare FIN there is a broken answer
             */

            if (cl->phase == ngx_http_partoo_tryout_phase_headers
                && cl->status.code >= 200
                && (SSL_get_shutdown(c->ssl->connection)
                    & SSL_RECEIVED_SHUTDOWN))
            {
                cl->phase = ngx_http_partoo_tryout_phase_close;
            }

            if (cl->phase == ngx_http_partoo_tryout_phase_close) {
                cl->keepalive = 0;
                ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_DELIVERED,
                                        NULL);
                return;
            }

            ngx_http_partoo_tryout_client_broken(cl,
                                    "the receiver closed the connection");
            return;
        }

        if (cl->delivery->first_byte_time
            == NGX_HTTP_PARTOO_TRYOUT_NOT_REACHED)
        {
            cl->delivery->first_byte_time =
                                    ngx_http_partoo_tryout_client_since(cl);
        }

        cl->in.last += n;

        rc = ngx_http_partoo_tryout_client_parse(cl);

        if (rc != NGX_AGAIN) {
            return;
        }
    }
}


/* NGX_AGAIN: more to read; else the delivery has been finished */

static ngx_int_t
ngx_http_partoo_tryout_client_parse(ngx_http_partoo_tryout_client_t *cl)
{
    ngx_int_t  rc;

    for ( ;; ) {

        switch (cl->phase) {

        case ngx_http_partoo_tryout_phase_status:

            rc = ngx_http_parse_status_line(cl->request, &cl->in,
                                            &cl->status);

            if (rc == NGX_AGAIN) {
                return NGX_AGAIN;
            }

            if (rc != NGX_OK) {
                ngx_http_partoo_tryout_client_broken(cl,
                                    "the receiver sent no valid status line");
                return NGX_ERROR;
            }

            if (cl->status.http_version < NGX_HTTP_VERSION_11) {
                cl->keepalive = 0;
            }

            /* diagnostics never fail a delivery: out of memory, less */

            if (cl->delivery->diag) {
                (void) ngx_http_partoo_tryout_diag_status(cl->delivery->diag,
                                        cl->status.http_version,
                                        cl->status.start,
                                        cl->status.end - cl->status.start);
            }

            cl->phase = ngx_http_partoo_tryout_phase_headers;
            break;

        case ngx_http_partoo_tryout_phase_headers:

            rc = ngx_http_parse_header_line(cl->request, &cl->in, 1);

            if (rc == NGX_AGAIN) {
                return NGX_AGAIN;
            }

            if (rc == NGX_OK) {
                if (ngx_http_partoo_tryout_client_head(cl) != NGX_OK) {
                    return NGX_ERROR;
                }

                break;
            }

            if (rc != NGX_HTTP_PARSE_HEADER_DONE) {
                ngx_http_partoo_tryout_client_broken(cl,
                                    "the receiver sent an invalid header");
                return NGX_ERROR;
            }

            /* 1xx: an interim answer, the final one follows */

            if (cl->status.code < 200) {
                cl->phase = ngx_http_partoo_tryout_phase_status;
                cl->content_length = -1;
                cl->chunked_body = 0;
                ngx_memzero(&cl->status, sizeof(ngx_http_status_t));
                break;
            }

            if (cl->status.code == 204 || cl->status.code == 304) {
                ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_DELIVERED,
                                        NULL);
                return NGX_OK;
            }

            if (cl->chunked_body) {
                ngx_memzero(&cl->chunked, sizeof(ngx_http_chunked_t));
                cl->phase = ngx_http_partoo_tryout_phase_chunked;

            } else if (cl->content_length >= 0) {
                if (cl->content_length > (off_t) cl->conf->max_response_size)
                {
                    ngx_http_partoo_tryout_client_finish(cl,
                                      NGX_HTTP_PARTOO_TRYOUT_ERR_TOO_LARGE,
                                      "the answer's Content-Length is "
                                      "over partoo_tryout_max_response_size");
                    return NGX_ERROR;
                }

                cl->phase = ngx_http_partoo_tryout_phase_length;

            } else {
                cl->keepalive = 0;
                cl->phase = ngx_http_partoo_tryout_phase_close;
            }

            break;

        default:
            return ngx_http_partoo_tryout_client_body(cl);
        }
    }
}


/* a header of the answer: only what frames the body matters */

static ngx_int_t
ngx_http_partoo_tryout_client_head(ngx_http_partoo_tryout_client_t *cl)
{
    size_t               nlen, vlen;
    u_char              *name, *value;
    ngx_http_request_t  *r;

    r = cl->request;

    name = r->header_name_start;
    nlen = r->header_name_end - r->header_name_start;
    value = r->header_start;
    vlen = r->header_end - r->header_start;

    if (cl->delivery->diag) {
        (void) ngx_http_partoo_tryout_diag_header(cl->delivery->diag, name,
                                                  nlen, value, vlen);
    }

    if (nlen == sizeof("Content-Length") - 1
        && ngx_strncasecmp(name, (u_char *) "Content-Length", nlen) == 0)
    {
        cl->content_length = ngx_atoof(value, vlen);

        if (cl->content_length == NGX_ERROR) {
            ngx_http_partoo_tryout_client_broken(cl,
                              "the receiver sent an invalid Content-Length");
            return NGX_ERROR;
        }

    } else if (nlen == sizeof("Transfer-Encoding") - 1
               && ngx_strncasecmp(name, (u_char *) "Transfer-Encoding", nlen)
                  == 0)
    {
        if (vlen >= sizeof("chunked") - 1
            && ngx_strncasecmp(value + vlen - (sizeof("chunked") - 1),
                               (u_char *) "chunked", sizeof("chunked") - 1)
               == 0)
        {
            cl->chunked_body = 1;

        } else {
            cl->keepalive = 0;
        }

    } else if (nlen == sizeof("Connection") - 1
               && ngx_strncasecmp(name, (u_char *) "Connection", nlen) == 0)
    {
        if (ngx_strlcasestrn(value, value + vlen, (u_char *) "close",
                             sizeof("close") - 2)
            != NULL)
        {
            cl->keepalive = 0;
        }
    }

    return NGX_OK;
}


/* the body: counted, thrown away, never more than allowed */

static ngx_int_t
ngx_http_partoo_tryout_client_body(ngx_http_partoo_tryout_client_t *cl)
{
    off_t      size;
    ngx_int_t  rc;

    for ( ;; ) {

        switch (cl->phase) {

        case ngx_http_partoo_tryout_phase_length:
        case ngx_http_partoo_tryout_phase_close:

            size = cl->in.last - cl->in.pos;

            if (cl->phase == ngx_http_partoo_tryout_phase_length
                && size > cl->content_length - cl->received)
            {
                /* more than the answer: the connection is not reused */

                size = cl->content_length - cl->received;
                cl->keepalive = 0;
            }

            if (cl->delivery->diag) {
                (void) ngx_http_partoo_tryout_diag_body(cl->delivery->diag,
                                                        cl->in.pos, size);
            }

            cl->received += size;
            cl->in.pos += size;

            if (cl->received > (off_t) cl->conf->max_response_size) {
                ngx_http_partoo_tryout_client_finish(cl,
                                      NGX_HTTP_PARTOO_TRYOUT_ERR_TOO_LARGE,
                                      "the answer is over "
                                      "partoo_tryout_max_response_size");
                return NGX_ERROR;
            }

            if (cl->phase == ngx_http_partoo_tryout_phase_length
                && cl->received == cl->content_length)
            {
                ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_DELIVERED,
                                        NULL);
                return NGX_OK;
            }

            cl->in.pos = cl->in.start;
            cl->in.last = cl->in.start;

            return NGX_AGAIN;

        default: /* chunked */

            rc = ngx_http_parse_chunked(cl->request, &cl->in, &cl->chunked);

            if (rc == NGX_OK) {
                size = ngx_min(cl->chunked.size,
                               (off_t) (cl->in.last - cl->in.pos));

                if (cl->delivery->diag) {
                    (void) ngx_http_partoo_tryout_diag_body(
                                   cl->delivery->diag, cl->in.pos, size);
                }

                cl->received += size;
                cl->in.pos += size;
                cl->chunked.size -= size;

                if (cl->received > (off_t) cl->conf->max_response_size) {
                    ngx_http_partoo_tryout_client_finish(cl,
                                      NGX_HTTP_PARTOO_TRYOUT_ERR_TOO_LARGE,
                                      "the answer is over "
                                      "partoo_tryout_max_response_size");
                    return NGX_ERROR;
                }

                continue;
            }

            if (rc == NGX_DONE) {
                if (cl->in.pos != cl->in.last) {
                    cl->keepalive = 0;
                }

                ngx_http_partoo_tryout_client_finish(cl,
                                        NGX_HTTP_PARTOO_TRYOUT_DELIVERED,
                                        NULL);
                return NGX_OK;
            }

            if (rc == NGX_AGAIN) {

                /* all read is consumed: the buffer starts over */

                cl->in.pos = cl->in.start;
                cl->in.last = cl->in.start;
                return NGX_AGAIN;
            }

            ngx_http_partoo_tryout_client_broken(cl,
                                        "the receiver sent an invalid chunk");
            return NGX_ERROR;
        }
    }
}


/*
 * The connection failed while sending or reading.  A kept connection the
 * receiver had closed, found so before any answer, is retried once on a
 * new connection to the same address, as libcurl does.
 */

static void
ngx_http_partoo_tryout_client_broken(ngx_http_partoo_tryout_client_t *cl,
    const char *reason)
{
    if (cl->delivery->reused
        && !cl->retried
        && cl->delivery->first_byte_time
           == NGX_HTTP_PARTOO_TRYOUT_NOT_REACHED)
    {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, cl->log, 0,
                       "partoo_tryout: kept connection failed (%s), retried",
                       reason);

        ngx_http_partoo_tryout_client_restore(cl);

        cl->retried = 1;
        cl->out.pos = cl->out.start;
        cl->delivery->reused = 0;

        ngx_http_partoo_tryout_client_close(cl->conn);
        cl->conn = NULL;

        /* the same address again; an idle one is not taken this time */

        cl->next--;
        cl->nallowed--;
        ngx_http_partoo_tryout_client_connect(cl);
        return;
    }

    ngx_http_partoo_tryout_client_finish(cl,
                                         NGX_HTTP_PARTOO_TRYOUT_ERR_CONNECT,
                                         reason);
}


static void
ngx_http_partoo_tryout_client_timeout(ngx_event_t *ev)
{
    ngx_http_partoo_tryout_client_t *cl = ev->data;

    ngx_http_partoo_tryout_delivery_t  *d;

    d = cl->delivery;

    (void) ngx_snprintf(cl->reason_buf, sizeof(cl->reason_buf) - 1,
                        "timed out after %M ms waiting for %s%Z",
                        cl->conf->timeout,
                        d->resolve_time == NGX_HTTP_PARTOO_TRYOUT_NOT_REACHED
                        ? "the name's addresses"
                        : d->connect_time == NGX_HTTP_PARTOO_TRYOUT_NOT_REACHED
                        ? "the connection"
                        : d->tls_time == NGX_HTTP_PARTOO_TRYOUT_NOT_REACHED
                        ? "the TLS handshake"
                        : !cl->sent ? "the request to be sent"
                        : cl->phase == ngx_http_partoo_tryout_phase_status
                        ? "the status line"
                        : cl->phase == ngx_http_partoo_tryout_phase_headers
                        ? "the headers" : "the body");

    ngx_http_partoo_tryout_client_finish(cl,
                                         NGX_HTTP_PARTOO_TRYOUT_ERR_TIMEOUT,
                                         (char *) cl->reason_buf);
}


/*
 * The result is in; the connection is kept or closed now, the request
 * hears of it from a posted event, never from inside the engine (nor
 * from inside ngx_http_partoo_tryout_client_start()).
 */

static void
ngx_http_partoo_tryout_client_finish(ngx_http_partoo_tryout_client_t *cl,
    ngx_http_partoo_tryout_deliver_error_e error, const char *reason)
{
    ngx_uint_t                          code;
    ngx_http_partoo_tryout_delivery_t  *d;

    if (cl->finished) {
        return;
    }

    d = cl->delivery;
    code = cl->status.code;

    if (error == NGX_HTTP_PARTOO_TRYOUT_DELIVERED && code >= 300) {
        error = (code < 400) ? NGX_HTTP_PARTOO_TRYOUT_ERR_REDIRECT
                             : NGX_HTTP_PARTOO_TRYOUT_ERR_STATUS;
    }

    cl->error = error;
    cl->reason = reason;

    if (error == NGX_HTTP_PARTOO_TRYOUT_DELIVERED
        || error == NGX_HTTP_PARTOO_TRYOUT_ERR_REDIRECT
        || error == NGX_HTTP_PARTOO_TRYOUT_ERR_STATUS)
    {
        if (cl->conn && cl->keepalive) {
            ngx_http_partoo_tryout_client_park(cl->conn);
            cl->conn = NULL;
        }
    }

    ngx_http_partoo_tryout_client_stop(cl);

    if (!cl->timer.handler) {

        /* start(): a blocked literal, answered at once */

        return;
    }

    cl->finished = 1;

    d->response_status = (cl->status.code >= 200) ? cl->status.code : 0;
    d->duration = ngx_http_partoo_tryout_client_since(cl);

    ngx_post_event(&cl->done, &ngx_posted_events);
}


static void
ngx_http_partoo_tryout_client_done(ngx_event_t *ev)
{
    ngx_http_partoo_tryout_client_t *cl = ev->data;

    ngx_connection_t                   *c;
    ngx_http_request_t                 *r;
    ngx_http_partoo_tryout_delivery_t  *d;

    r = cl->request;
    d = cl->delivery;
    c = r->connection;

    d->error = cl->error;
    d->client = NULL;
    d->done = 1;

    ngx_http_partoo_tryout_client_diag(cl);

    if (cl->error != NGX_HTTP_PARTOO_TRYOUT_DELIVERED) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "partoo_tryout: delivery to \"%V\" failed (%V): %s",
                      &cl->log_url,
                      ngx_http_partoo_tryout_deliver_error_name(cl->error),
                      cl->reason ? cl->reason
                      : (cl->error == NGX_HTTP_PARTOO_TRYOUT_ERR_BLOCKED
                         ? "every address is blocked"
                         : "the receiver answered so"));
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "partoo_tryout: delivery to \"%V\" done, status %ui, "
                   "%M ms", &cl->log_url, d->response_status, d->duration);

    d->handler(r);

    ngx_http_run_posted_requests(c);
}


/*
 * The reason in words and the head sent, for partoo_tryout_diagnostics;
 * the answer's parts were kept as they were read.
 */

static void
ngx_http_partoo_tryout_client_diag(ngx_http_partoo_tryout_client_t *cl)
{
    u_char                             *end;
    ngx_http_partoo_tryout_diag_t      *g;
    ngx_http_partoo_tryout_delivery_t  *d;

    d = cl->delivery;
    g = d->diag;

    if (g == NULL) {
        return;
    }

    (void) ngx_http_partoo_tryout_diag_verdict(g, cl->error,
                                               d->response_status,
                                               (char *) cl->blocked_addr,
                                               cl->blocked_range, cl->reason);

    /* the head as sent: nothing when the request never went out */

    if (cl->out.start == NULL || (!cl->sent && cl->out.pos == cl->out.start))
    {
        return;
    }

    end = ngx_strnstr(cl->out.start, "\r\n\r\n",
                      cl->out.last - cl->out.start);

    if (end) {
        g->request.data = cl->out.start;
        g->request.len = end + 2 - cl->out.start;
    }
}


/* whatever the delivery still holds is let go; not the posted result */

static void
ngx_http_partoo_tryout_client_stop(ngx_http_partoo_tryout_client_t *cl)
{
    if (cl->resolving) {
        ngx_resolve_name_done(cl->resolving);
        cl->resolving = NULL;
    }

    if (cl->lookup) {
        cl->lookup->client = NULL;
        cl->lookup = NULL;
    }

    if (cl->conn) {
        ngx_http_partoo_tryout_client_close(cl->conn);
        cl->conn = NULL;
    }

    ngx_http_partoo_tryout_client_restore(cl);

    if (cl->timer.timer_set) {
        ngx_del_timer(&cl->timer);
    }

    if (cl->timer.handler && !cl->finished) {
        ngx_http_partoo_tryout_client.in_flight--;
        ngx_http_partoo_tryout_metrics_in_flight(-1);
    }

    /* the OpenSSL error queue is left empty for nginx's own TLS */

    ERR_clear_error();
}


/* the request goes first: the client went away or nginx gave up on it */

static void
ngx_http_partoo_tryout_client_cleanup(void *data)
{
    ngx_http_partoo_tryout_client_t *cl = data;

    if (cl->done.posted) {
        ngx_delete_posted_event(&cl->done);
    }

    if (cl->finished) {
        return;
    }

    ngx_log_error(NGX_LOG_INFO, cl->log, 0,
                  "partoo_tryout: client went away, the delivery to \"%V\" "
                  "is cancelled", &cl->log_url);

    ngx_http_partoo_tryout_client_stop(cl);

    cl->finished = 1;
    cl->delivery->client = NULL;
}


/*
 * A connection whose answer was read to its end waits for the next
 * delivery with the same key: watched for reading (the receiver closing it
 * or sending anything ends it), closed after an idle timeout, and
 * reusable, so that nginx closes it when it runs out of connections; and
 * idle, so that a graceful shutdown closes it at once.  At most a quarter
 * of worker_connections are kept: the oldest goes first.
 */

static void
ngx_http_partoo_tryout_client_park(ngx_http_partoo_tryout_client_conn_t *conn)
{
    ngx_uint_t                               max;
    ngx_connection_t                        *c;
    ngx_http_partoo_tryout_client_engine_t  *engine;

    engine = &ngx_http_partoo_tryout_client;
    c = conn->connection;

    if (ngx_terminate || ngx_exiting) {
        ngx_http_partoo_tryout_client_close(conn);
        return;
    }

    max = ngx_cycle->connection_n / NGX_HTTP_PARTOO_TRYOUT_CLIENT_IDLE_SHARE;

    if (max == 0) {
        ngx_http_partoo_tryout_client_close(conn);
        return;
    }

    while (engine->nidle >= max) {
        ngx_http_partoo_tryout_client_close(ngx_queue_data(
                              ngx_queue_last(&engine->idle),
                              ngx_http_partoo_tryout_client_conn_t, queue));
    }

    conn->client = NULL;

    c->log = ngx_cycle->log;
    c->read->log = ngx_cycle->log;
    c->write->log = ngx_cycle->log;
    c->pool->log = ngx_cycle->log;

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    c->write->handler = ngx_http_partoo_tryout_client_noop;
    c->read->handler = ngx_http_partoo_tryout_client_idle_handler;

    c->idle = 1;
    c->read->cancelable = 1;
    ngx_reusable_connection(c, 1);

    ngx_add_timer(c->read, NGX_HTTP_PARTOO_TRYOUT_CLIENT_IDLE);

    ngx_queue_insert_head(&engine->idle, &conn->queue);
    engine->nidle++;
    ngx_http_partoo_tryout_metrics_connections(0, 1);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "partoo_tryout: connection %d parked, %ui parked",
                   c->fd, engine->nidle);

    if (c->read->ready) {
        ngx_http_partoo_tryout_client_idle_handler(c->read);
        return;
    }

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        ngx_http_partoo_tryout_client_close(conn);
    }
}


static void
ngx_http_partoo_tryout_client_idle_handler(ngx_event_t *ev)
{
    int                                      n;
    char                                     buf[1];
    ngx_connection_t                        *c;
    ngx_http_partoo_tryout_client_conn_t    *conn;

    c = ev->data;
    conn = c->data;

    if (!c->close && !ev->timedout) {
        n = recv(c->fd, buf, 1, MSG_PEEK);

        if (n == -1 && ngx_socket_errno == NGX_EAGAIN) {
            ev->ready = 0;

            if (ngx_handle_read_event(c->read, 0) == NGX_OK) {
                return;
            }
        }
    }

    if (!c->close && !ev->timedout) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "partoo_tryout: idle connection %d to a receiver "
                      "closed or readable, shut down", c->fd);
    }

    ngx_http_partoo_tryout_client_close(conn);
}


/* a connection of the engine, idle or busy, closed and freed */

static void
ngx_http_partoo_tryout_client_close(ngx_http_partoo_tryout_client_conn_t *conn)
{
    ngx_pool_t                              *pool;
    ngx_connection_t                        *c;
    ngx_http_partoo_tryout_client_engine_t  *engine;

    engine = &ngx_http_partoo_tryout_client;
    c = conn->connection;

    ngx_http_partoo_tryout_metrics_connections(c ? -1 : 0,
                                               conn->client ? 0 : -1);

    if (conn->client == NULL) {
        ngx_queue_remove(&conn->queue);
        engine->nidle--;
    }

    if (c) {
        if (c->ssl) {
            c->ssl->no_wait_shutdown = 1;
            (void) ngx_ssl_shutdown(c);
        }

        pool = c->pool;

        ngx_close_connection(c);

        if (pool) {
            ngx_destroy_pool(pool);
        }
    }

    ngx_free(conn);

    ERR_clear_error();
}


static void
ngx_http_partoo_tryout_client_noop(ngx_event_t *ev)
{
}


static ngx_msec_t
ngx_http_partoo_tryout_client_since(ngx_http_partoo_tryout_client_t *cl)
{
    return ngx_current_msec - cl->start;
}


static const u_char *
ngx_http_partoo_tryout_client_ip(ngx_http_partoo_tryout_client_key_t *key)
{
    if (key->sockaddr.ss_family == AF_INET) {
        return (u_char *)
               &((struct sockaddr_in *) &key->sockaddr)->sin_addr;
    }

    return (u_char *) &((struct sockaddr_in6 *) &key->sockaddr)->sin6_addr;
}


/* the request's own parser state, which nginx's parsers borrowed */

static void
ngx_http_partoo_tryout_client_restore(ngx_http_partoo_tryout_client_t *cl)
{
    if (cl->sent) {
        cl->request->http_major = cl->http_major;
        cl->request->http_minor = cl->http_minor;
        cl->request->state = cl->state;
        cl->sent = 0;
    }
}


void
ngx_http_partoo_tryout_client_exit_process(ngx_cycle_t *cycle)
{
    ngx_queue_t                              *q;
    ngx_http_partoo_tryout_client_lookup_t   *lu;
    ngx_http_partoo_tryout_client_session_t  *s;
    ngx_http_partoo_tryout_client_engine_t   *engine;

    engine = &ngx_http_partoo_tryout_client;

    if (engine->idle.next == NULL) {
        return;
    }

    while (!ngx_queue_empty(&engine->idle)) {
        ngx_http_partoo_tryout_client_close(ngx_queue_data(
                              ngx_queue_head(&engine->idle),
                              ngx_http_partoo_tryout_client_conn_t, queue));
    }

    while (!ngx_queue_empty(&engine->sessions)) {
        q = ngx_queue_head(&engine->sessions);
        ngx_queue_remove(q);

        s = ngx_queue_data(q, ngx_http_partoo_tryout_client_session_t, queue);
        ngx_ssl_free_session(s->session);
        ngx_free(s);
    }

    engine->nsessions = 0;

    /* thread pools exit first: the lookups have run, never been collected */

    while (!ngx_queue_empty(&engine->lookups)) {
        q = ngx_queue_head(&engine->lookups);
        ngx_queue_remove(q);

        lu = ngx_queue_data(q, ngx_http_partoo_tryout_client_lookup_t, queue);

        if (lu->result) {
            freeaddrinfo(lu->result);
        }

        ngx_free(lu);
    }
}
