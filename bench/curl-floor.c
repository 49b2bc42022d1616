
/*
 * Copyright (C) Partoo tryout module authors
 *
 * curl-floor: libcurl's own CPU cost per HTTPS POST, with no nginx in the
 * process.
 *
 * It keeps CONCURRENCY transfers in flight against URL over kept-alive
 * connections, driven the way an event loop drives libcurl: the multi
 * socket API on epoll.  A finished easy handle is removed and added again
 * as it is, so its connection and TLS session stay.  After a 1 s warm-up
 * it counts the transfers completed in SECONDS and the process's CPU time
 * (user and system, getrusage()) over the same window, and prints one line.
 * Only 2xx answers count as transfers; failures are counted apart, in the
 * same window, and the first few are told on stderr.  "connections" is
 * every socket libcurl opened, warm-up included: with all connections
 * kept it equals CONCURRENCY.  With no transfer done it exits with 1.
 *
 * The request is the module's: POST of BODYFILE's bytes, its headers in
 * its order, HTTP/1.1, TLS 1.2 or later with peer and host verified.
 *
 *     gcc -O2 -Wall -Wextra -Werror bench/curl-floor.c \
 *         -o build/bench/curl-floor -lcurl
 *     curl-floor URL CAFILE BODYFILE CONCURRENCY SECONDS
 */


#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <curl/curl.h>


#define FLOOR_WARMUP_MS   1000
#define FLOOR_EVENTS      256
#define FLOOR_MAX_SHOWN   5


typedef struct {
    CURL                *easy;
    struct curl_slist   *headers;
    char                 errbuf[CURL_ERROR_SIZE];
} floor_transfer_t;


typedef struct {
    int                  ep;
    CURLM               *multi;

    /* the absolute time libcurl wants its timeout action, or -1 */
    long long            timer;

    /* counted in the current phase; zeroed when measuring starts */
    unsigned long        done;
    unsigned long        failed;

    /* counted over the whole run */
    unsigned long        connections;
    unsigned long        shown;
} floor_ctx_t;


static long long floor_now_ms(void);
static void floor_rusage_us(long long *user, long long *sys);
static char *floor_read_file(const char *path, size_t *len);
static int floor_socket(CURL *easy, curl_socket_t s, int what, void *data,
    void *socketp);
static int floor_timer(CURLM *multi, long timeout_ms, void *data);
static curl_socket_t floor_opensocket(void *data, curlsocktype purpose,
    struct curl_sockaddr *addr);
static size_t floor_write(char *ptr, size_t size, size_t nmemb, void *data);
static int floor_setup(floor_ctx_t *ctx, floor_transfer_t *t,
    const char *url, const char *cafile, const char *body, size_t len);
static void floor_finished(floor_ctx_t *ctx);


/* an ed25519 signature is 64 bytes: 88 characters of base64 */

static const char  floor_signature[] =
    "X-Partoo-Signature-v1: "
    "wWl5Bzs9LZiFlerpNGvYXy/NXHUFd5qcd8JnMU7mJLxeuIH8/pEuB62XRuaq8mge"
    "0p48uh29sdvdIUAUeTjxEA==";


int
main(int argc, char **argv)
{
    int                  i, n, mask, running, concurrency, seconds,
                         measuring;
    char                *body, *end;
    size_t               len;
    long long            now, warm_end, meas_end, start, timeout;
    long long            user0, sys0, user1, sys1;
    double               elapsed, count;
    floor_ctx_t          ctx;
    floor_transfer_t    *transfers;
    struct epoll_event   events[FLOOR_EVENTS];

    if (argc != 6) {
        fprintf(stderr, "usage: curl-floor URL CAFILE BODYFILE "
                        "CONCURRENCY SECONDS\n");
        return 2;
    }

    concurrency = (int) strtol(argv[4], &end, 10);
    if (*end != '\0' || concurrency < 1 || concurrency > 10000) {
        fprintf(stderr, "curl-floor: bad CONCURRENCY \"%s\"\n", argv[4]);
        return 2;
    }

    seconds = (int) strtol(argv[5], &end, 10);
    if (*end != '\0' || seconds < 1 || seconds > 3600) {
        fprintf(stderr, "curl-floor: bad SECONDS \"%s\"\n", argv[5]);
        return 2;
    }

    body = floor_read_file(argv[3], &len);
    if (body == NULL) {
        return 1;
    }

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "curl-floor: curl_global_init() failed\n");
        return 1;
    }

    memset(&ctx, 0, sizeof(floor_ctx_t));
    ctx.timer = -1;

    ctx.ep = epoll_create1(EPOLL_CLOEXEC);
    if (ctx.ep == -1) {
        perror("curl-floor: epoll_create1()");
        return 1;
    }

    ctx.multi = curl_multi_init();
    if (ctx.multi == NULL
        || curl_multi_setopt(ctx.multi, CURLMOPT_SOCKETFUNCTION, floor_socket)
           != CURLM_OK
        || curl_multi_setopt(ctx.multi, CURLMOPT_SOCKETDATA, &ctx)
           != CURLM_OK
        || curl_multi_setopt(ctx.multi, CURLMOPT_TIMERFUNCTION, floor_timer)
           != CURLM_OK
        || curl_multi_setopt(ctx.multi, CURLMOPT_TIMERDATA, &ctx)
           != CURLM_OK
        || curl_multi_setopt(ctx.multi, CURLMOPT_MAXCONNECTS, 256L)
           != CURLM_OK)
    {
        fprintf(stderr, "curl-floor: curl_multi_setopt() failed\n");
        return 1;
    }

    transfers = calloc(concurrency, sizeof(floor_transfer_t));
    if (transfers == NULL) {
        perror("curl-floor: calloc()");
        return 1;
    }

    for (i = 0; i < concurrency; i++) {
        if (floor_setup(&ctx, &transfers[i], argv[1], argv[2], body, len)
            != 0)
        {
            return 1;
        }
    }

    now = floor_now_ms();
    warm_end = now + FLOOR_WARMUP_MS;
    meas_end = 0;
    start = 0;
    user0 = 0;
    sys0 = 0;
    measuring = 0;

    for ( ;; ) {
        now = floor_now_ms();

        if (!measuring && now >= warm_end) {
            measuring = 1;
            ctx.done = 0;
            ctx.failed = 0;
            start = floor_now_ms();
            meas_end = start + (long long) seconds * 1000;
            floor_rusage_us(&user0, &sys0);
        }

        if (measuring && now >= meas_end) {
            break;
        }

        timeout = (measuring ? meas_end : warm_end) - now;

        if (ctx.timer != -1) {
            if (ctx.timer <= now) {
                timeout = 0;

            } else if (ctx.timer - now < timeout) {
                timeout = ctx.timer - now;
            }
        }

        n = epoll_wait(ctx.ep, events, FLOOR_EVENTS, (int) timeout);

        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }

            perror("curl-floor: epoll_wait()");
            return 1;
        }

        for (i = 0; i < n; i++) {
            mask = 0;

            if (events[i].events & EPOLLIN) {
                mask |= CURL_CSELECT_IN;
            }

            if (events[i].events & EPOLLOUT) {
                mask |= CURL_CSELECT_OUT;
            }

            if (events[i].events & (EPOLLERR|EPOLLHUP)) {
                mask |= CURL_CSELECT_ERR;
            }

            (void) curl_multi_socket_action(ctx.multi, events[i].data.fd,
                                            mask, &running);
        }

        if (ctx.timer != -1 && ctx.timer <= floor_now_ms()) {
            ctx.timer = -1;
            (void) curl_multi_socket_action(ctx.multi, CURL_SOCKET_TIMEOUT, 0,
                                            &running);
        }

        floor_finished(&ctx);
    }

    floor_rusage_us(&user1, &sys1);
    now = floor_now_ms();

    elapsed = (double) (now - start) / 1000;

    if (ctx.done == 0) {
        fprintf(stderr, "curl-floor: no transfer succeeded in %.1f s, "
                        "%lu failed\n", elapsed, ctx.failed);
        return 1;
    }

    count = (double) ctx.done;

    printf("transfers/s: %.0f  cpu/transfer: %.1f us user + %.1f us sys"
           " = %.1f us  failures: %lu  connections: %lu\n",
           ctx.done / elapsed,
           (user1 - user0) / count, (sys1 - sys0) / count,
           (user1 - user0 + sys1 - sys0) / count,
           ctx.failed, ctx.connections);

    for (i = 0; i < concurrency; i++) {
        (void) curl_multi_remove_handle(ctx.multi, transfers[i].easy);
        curl_easy_cleanup(transfers[i].easy);
        curl_slist_free_all(transfers[i].headers);
    }

    (void) curl_multi_cleanup(ctx.multi);
    curl_global_cleanup();

    (void) close(ctx.ep);
    free(transfers);
    free(body);

    return 0;
}


static long long
floor_now_ms(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void
floor_rusage_us(long long *user, long long *sys)
{
    struct rusage  ru;

    (void) getrusage(RUSAGE_SELF, &ru);

    *user = (long long) ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
    *sys = (long long) ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
}


static char *
floor_read_file(const char *path, size_t *len)
{
    int           fd;
    char         *buf;
    size_t        got;
    ssize_t       n;
    struct stat   st;

    fd = open(path, O_RDONLY|O_CLOEXEC);
    if (fd == -1 || fstat(fd, &st) == -1) {
        fprintf(stderr, "curl-floor: %s: %s\n", path, strerror(errno));
        return NULL;
    }

    buf = malloc(st.st_size + 1);
    if (buf == NULL) {
        perror("curl-floor: malloc()");
        return NULL;
    }

    for (got = 0; got < (size_t) st.st_size; got += n) {
        n = read(fd, buf + got, st.st_size - got);

        if (n <= 0) {
            fprintf(stderr, "curl-floor: %s: %s\n", path,
                    n == 0 ? "short read" : strerror(errno));
            return NULL;
        }
    }

    (void) close(fd);

    buf[got] = '\0';
    *len = got;

    return buf;
}


/*
 * libcurl tells which events it wants on a socket.  The socket's own
 * pointer (curl_multi_assign()) marks it as known to epoll, so that
 * EPOLL_CTL_ADD and EPOLL_CTL_MOD are chosen without a failed call.
 */

static int
floor_socket(CURL *easy, curl_socket_t s, int what, void *data,
    void *socketp)
{
    int                  op;
    floor_ctx_t         *ctx;
    struct epoll_event   ev;

    (void) easy;

    ctx = data;

    if (what == CURL_POLL_REMOVE) {
        if (socketp != NULL) {
            (void) epoll_ctl(ctx->ep, EPOLL_CTL_DEL, s, NULL);
            (void) curl_multi_assign(ctx->multi, s, NULL);
        }

        return 0;
    }

    memset(&ev, 0, sizeof(struct epoll_event));
    ev.data.fd = s;

    if (what & CURL_POLL_IN) {
        ev.events |= EPOLLIN;
    }

    if (what & CURL_POLL_OUT) {
        ev.events |= EPOLLOUT;
    }

    op = socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

    if (epoll_ctl(ctx->ep, op, s, &ev) == -1) {
        perror("curl-floor: epoll_ctl()");
        return -1;
    }

    if (socketp == NULL) {
        (void) curl_multi_assign(ctx->multi, s, ctx);
    }

    return 0;
}


static int
floor_timer(CURLM *multi, long timeout_ms, void *data)
{
    floor_ctx_t  *ctx;

    (void) multi;

    ctx = data;
    ctx->timer = timeout_ms < 0 ? -1 : floor_now_ms() + timeout_ms;

    return 0;
}


static curl_socket_t
floor_opensocket(void *data, curlsocktype purpose, struct curl_sockaddr *addr)
{
    floor_ctx_t  *ctx;

    (void) purpose;

    ctx = data;
    ctx->connections++;

    return socket(addr->family, addr->socktype, addr->protocol);
}


static size_t
floor_write(char *ptr, size_t size, size_t nmemb, void *data)
{
    (void) ptr;
    (void) data;

    return size * nmemb;
}


static int
floor_setup(floor_ctx_t *ctx, floor_transfer_t *t, const char *url,
    const char *cafile, const char *body, size_t len)
{
    size_t               i;
    CURL                *easy;
    struct curl_slist   *list;

    /* the module's headers, in its order, then one item header */

    static const char  *headers[] = {
        "Content-Type: application/json",
        "User-Agent: Partoo-Webhook-Tryout/1.0",
        "X-Partoo-Webhook-Tryout: true",
        floor_signature,
        "X-Bench: 1",
        "Expect:",
        "Accept:"
    };

    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        list = curl_slist_append(t->headers, headers[i]);
        if (list == NULL) {
            fprintf(stderr, "curl-floor: curl_slist_append() failed\n");
            return -1;
        }

        t->headers = list;
    }

    easy = curl_easy_init();
    if (easy == NULL) {
        fprintf(stderr, "curl-floor: curl_easy_init() failed\n");
        return -1;
    }

    t->easy = easy;

    if (curl_easy_setopt(easy, CURLOPT_PRIVATE, t) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->errbuf) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_URL, url) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_PROXY, "") != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION,
                            floor_opensocket)
           != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, ctx) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_SSLVERSION,
                            (long) CURL_SSLVERSION_TLSv1_2)
           != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_CAINFO, cafile) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_HTTP_VERSION,
                            (long) CURL_HTTP_VERSION_1_1)
           != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_POST, 1L) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                            (curl_off_t) len)
           != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers) != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, floor_write)
           != CURLE_OK
        || curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                            (curl_off_t) 65536)
           != CURLE_OK)
    {
        fprintf(stderr, "curl-floor: curl_easy_setopt() failed\n");
        return -1;
    }

    if (curl_multi_add_handle(ctx->multi, easy) != CURLM_OK) {
        fprintf(stderr, "curl-floor: curl_multi_add_handle() failed\n");
        return -1;
    }

    return 0;
}


/*
 * Counts what libcurl finished and starts each handle again as it is: no
 * curl_easy_reset(), so its options, connection and TLS session stay.
 */

static void
floor_finished(floor_ctx_t *ctx)
{
    int                pending;
    long               status;
    CURL              *easy;
    CURLMsg           *msg;
    floor_transfer_t  *t;

    for ( ;; ) {
        msg = curl_multi_info_read(ctx->multi, &pending);
        if (msg == NULL) {
            break;
        }

        if (msg->msg != CURLMSG_DONE) {
            continue;
        }

        easy = msg->easy_handle;
        status = 0;

        (void) curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **) &t);

        if (msg->data.result == CURLE_OK) {
            (void) curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        }

        if (msg->data.result == CURLE_OK && status >= 200 && status < 300) {
            ctx->done++;

        } else {
            ctx->failed++;

            if (ctx->shown++ < FLOOR_MAX_SHOWN) {
                if (msg->data.result == CURLE_OK) {
                    fprintf(stderr, "curl-floor: failed: HTTP status %ld\n",
                            status);

                } else {
                    fprintf(stderr, "curl-floor: failed: %s%s%s\n",
                            curl_easy_strerror(msg->data.result),
                            t->errbuf[0] ? ": " : "", t->errbuf);
                }
            }

            t->errbuf[0] = '\0';
        }

        (void) curl_multi_remove_handle(ctx->multi, easy);

        if (curl_multi_add_handle(ctx->multi, easy) != CURLM_OK) {
            fprintf(stderr, "curl-floor: curl_multi_add_handle() failed\n");
        }
    }
}
