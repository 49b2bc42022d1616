
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Time of one validation, for tuning the 400 path: the bench's bad body,
 * a valid body, one with custom headers and a large one.  Best of several
 * rounds, in nanoseconds per call (validate + item_free).  Not a test:
 *
 *   make validate-time
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ngx_http_partoo_tryout_validate.h"


#define NGX_HTTP_PARTOO_TRYOUT_TIME_ROUNDS  7


typedef struct {
    const char   *name;
    char         *body;
    size_t        len;
    long          calls;
} ngx_http_partoo_tryout_time_case_t;


static double
ngx_http_partoo_tryout_time_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec * 1e9 + ts.tv_nsec;
}


static char *
ngx_http_partoo_tryout_time_large(size_t *len)
{
    char    *body, *p;
    size_t   i, n;

    static const char  item[] =
        ",{\"url\":\"https://example.com/webhook\","
        "\"event_type\":\"lead_received\",\"n\":[1,2.5,\"x\",null]}";

    static const char  head[] =
        "{\"items\":[{\"url\":\"http://example.com/webhook\","
        "\"event_type\":\"business_created\"}";

    n = 200;

    body = malloc(sizeof(head) + n * (sizeof(item) - 1) + 3);
    if (body == NULL) {
        exit(1);
    }

    p = body;
    memcpy(p, head, sizeof(head) - 1);
    p += sizeof(head) - 1;

    for (i = 0; i < n; i++) {
        memcpy(p, item, sizeof(item) - 1);
        p += sizeof(item) - 1;
    }

    memcpy(p, "]}", 2);
    p += 2;

    *len = p - body;

    return body;
}


int
main(int argc, char **argv)
{
    int                                  r, only;
    long                                 i, scale;
    double                               start, ns, best;
    ngx_http_partoo_tryout_item_t        item;
    ngx_http_partoo_tryout_validator_t  *v;
    ngx_http_partoo_tryout_time_case_t  *c;

    static ngx_http_partoo_tryout_time_case_t  cases[] = {
        { "bad body (http url), 400", "{\"items\":[{\"url\":"
          "\"http://example.com/webhook\",\"event_type\":"
          "\"business_created\"}]}", 0, 400000 },
        { "valid body", "{\"items\":[{\"url\":"
          "\"https://example.com/webhook\",\"event_type\":"
          "\"business_created\"}]}", 0, 400000 },
        { "valid, 3 custom headers", "{\"items\":[{\"url\":"
          "\"https://example.com/webhook\",\"event_type\":"
          "\"business_created\",\"custom_headers\":{\"X-Request-Id\":"
          "\"abc-123\",\"X-Tenant\":\"acme\",\"X-Env\":\"staging\"}}]}",
          0, 200000 },
        { "bad header names, 400", "{\"items\":[{\"url\":"
          "\"https://example.com/webhook\",\"event_type\":"
          "\"business_created\",\"custom_headers\":{\"X-Partoo-A\":"
          "\"1\",\"Y\":\"2\"}}]}", 0, 200000 },
        { "large body, 400", NULL, 0, 2000 },
        { NULL, NULL, 0, 0 }
    };

    /* "validate_time 10 0": ten times the calls, the first case alone */

    scale = (argc > 1) ? atol(argv[1]) : 10;
    only = (argc > 2) ? atoi(argv[2]) : -1;

    v = ngx_http_partoo_tryout_validator_create();
    if (v == NULL) {
        return 1;
    }

    for (c = cases; c->name; c++) {
        if (only >= 0 && c - cases != only) {
            continue;
        }

        if (c->body == NULL) {
            c->body = ngx_http_partoo_tryout_time_large(&c->len);

        } else {
            c->len = strlen(c->body);
        }

        best = 0;

        for (r = 0; r < NGX_HTTP_PARTOO_TRYOUT_TIME_ROUNDS; r++) {
            start = ngx_http_partoo_tryout_time_now();

            for (i = 0; i < c->calls * scale / 100; i++) {
                (void) ngx_http_partoo_tryout_validate(v, c->body, c->len,
                                                       &item);
                ngx_http_partoo_tryout_item_free(&item);
            }

            ns = (ngx_http_partoo_tryout_time_now() - start)
                 / (c->calls * scale / 100);

            if (r == 0 || ns < best) {
                best = ns;
            }
        }

        printf("%-28s %6zu bytes %9.1f ns\n", c->name, c->len, best);
    }

    ngx_http_partoo_tryout_validator_destroy(v);

    return 0;
}
