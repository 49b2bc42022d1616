
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Unit tests of src/ngx_http_partoo_tryout_payload.c: the built-in default
 * payloads against Partoo's published fields, the org_id written where the
 * event has one, overrides rendered byte for byte, the payload checks, and
 * the cost of rendering next to the cost of a signature.
 *
 * Prints "ok N - ..." / "not ok N - ..." lines, exits 1 on any failure.
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ngx_http_partoo_tryout_payload.h"


#define OK(cond, ...)                                                         \
    ngx_http_partoo_tryout_payload_test_ok(!!(cond), __LINE__, __VA_ARGS__)


static void ngx_http_partoo_tryout_payload_test_ok(int cond, int line,
    const char *fmt, ...);
static void ngx_http_partoo_tryout_payload_test_defaults(void);
static void ngx_http_partoo_tryout_payload_test_fields(int event,
    json_t *payload);
static void ngx_http_partoo_tryout_payload_test_render(int event,
    const char *text, int64_t org_id, const char *expect);
static void ngx_http_partoo_tryout_payload_test_check(const char *text,
    size_t len, int expect, const char *err_part);
static void ngx_http_partoo_tryout_payload_test_envelope(const char *text,
    const char *type, const char *payload);
static void ngx_http_partoo_tryout_payload_test_bench(void);
static double ngx_http_partoo_tryout_payload_test_now(void);


static int  ngx_http_partoo_tryout_payload_test_n;
static int  ngx_http_partoo_tryout_payload_test_failed;

static const char  *ngx_http_partoo_tryout_payload_test_types[] = {
    "business_created", "business_updated", "business_deleted",
    "message_updated", "message_created", "lead_received"
};


int
main(void)
{
    char  deep[80];

    ngx_http_partoo_tryout_payload_test_defaults();

    /* overrides: the org_id goes where the event has one, nowhere else */

    ngx_http_partoo_tryout_payload_test_render(
        NGX_HTTP_PARTOO_TRYOUT_MESSAGE_CREATED,
        "{\"org_id\":1,\"message\":{\"org_id\":2}}", 77,
        "{\"type\":\"message_created\",\"payload\":"
        "{\"org_id\":77,\"message\":{\"org_id\":2}}}");

    ngx_http_partoo_tryout_payload_test_render(
        NGX_HTTP_PARTOO_TRYOUT_MESSAGE_UPDATED,
        "{\"message\":{\"org_id\":2}}", 77,
        "{\"type\":\"message_updated\",\"payload\":"
        "{\"message\":{\"org_id\":2}}}");

    ngx_http_partoo_tryout_payload_test_render(
        NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED,
        "{\"org_id\":1,\"business\":{\"name\":\"x\",\"org_id\":null}}", 9,
        "{\"type\":\"business_created\",\"payload\":"
        "{\"org_id\":1,\"business\":{\"name\":\"x\",\"org_id\":9}}}");

    ngx_http_partoo_tryout_payload_test_render(
        NGX_HTTP_PARTOO_TRYOUT_BUSINESS_UPDATED,
        "{\"business\":\"org_id\"}", 9,
        "{\"type\":\"business_updated\",\"payload\":"
        "{\"business\":\"org_id\"}}");

    ngx_http_partoo_tryout_payload_test_render(
        NGX_HTTP_PARTOO_TRYOUT_BUSINESS_DELETED,
        "{\"business\":{\"org_id\":{\"x\":[1,\"]}\"]},\"b\":true}}", 5,
        "{\"type\":\"business_deleted\",\"payload\":"
        "{\"business\":{\"org_id\":5,\"b\":true}}}");

    ngx_http_partoo_tryout_payload_test_render(
        NGX_HTTP_PARTOO_TRYOUT_MESSAGE_UPDATED,
        "{\"org\\u005fid\":\"42\"}", 9223372036854775807LL,
        "{\"type\":\"message_updated\",\"payload\":"
        "{\"org\\u005fid\":9223372036854775807}}");

    ngx_http_partoo_tryout_payload_test_render(
        NGX_HTTP_PARTOO_TRYOUT_MESSAGE_UPDATED,
        "{\"a\\\"org_id\":1,\"org_id\\u0000\":2,\"x\":{\"org_id\":3}}", 8,
        "{\"type\":\"message_updated\",\"payload\":"
        "{\"a\\\"org_id\":1,\"org_id\\u0000\":2,\"x\":{\"org_id\":3}}}");

    /* whitespace, escapes and UTF-8 are kept as they are */

    ngx_http_partoo_tryout_payload_test_render(
        NGX_HTTP_PARTOO_TRYOUT_MESSAGE_CREATED,
        " {\n  \"t\" : \"\xc3\xa9\\u00e9\\ud83d\\ude00\xf0\x9f\x98\x80\\n\","
        "\n  \"org_id\" : 3 ,\n  \"z\":[ ]\n}\n", 12,
        "{\"type\":\"message_created\",\"payload\": {\n"
        "  \"t\" : \"\xc3\xa9\\u00e9\\ud83d\\ude00\xf0\x9f\x98\x80\\n\","
        "\n  \"org_id\" : 12 ,\n  \"z\":[ ]\n}\n}");

    ngx_http_partoo_tryout_payload_test_render(
        NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED,
        "{\"org_id\":1}", 12,
        "{\"type\":\"lead_received\",\"payload\":{\"org_id\":1}}");

    /* org_id 0: a stored sample, sent exactly as it was given */

    ngx_http_partoo_tryout_payload_test_render(
        NGX_HTTP_PARTOO_TRYOUT_MESSAGE_CREATED,
        "{\"org_id\":1}", 0,
        "{\"type\":\"message_created\",\"payload\":{\"org_id\":1}}");

    /* the checks of override files and samples */

    ngx_http_partoo_tryout_payload_test_check("{}", 2,
        NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK, "");
    ngx_http_partoo_tryout_payload_test_check("", 0,
        NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_INVALID, "invalid JSON");
    ngx_http_partoo_tryout_payload_test_check("[1]", 3,
        NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_NOT_OBJECT, "not a JSON object");
    ngx_http_partoo_tryout_payload_test_check("\"x\"", 3,
        NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_NOT_OBJECT, "not a JSON object");
    ngx_http_partoo_tryout_payload_test_check("{\"a\":1,\"a\":2}", 13,
        NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_INVALID, "duplicate object key");
    ngx_http_partoo_tryout_payload_test_check("{\"a\":\"\xff\"}", 8,
        NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_INVALID, "invalid JSON");
    ngx_http_partoo_tryout_payload_test_check("{} x", 4,
        NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_INVALID, "end of file expected");
    ngx_http_partoo_tryout_payload_test_check("{\n\"a\":}", 7,
        NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_INVALID, "at line 2, column 5");
    ngx_http_partoo_tryout_payload_test_check("{\"a\":\"\\u0000\"}", 14,
        NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK, "");
    ngx_http_partoo_tryout_payload_test_check(
        "{\"big\":12345678901234567890123,\"r\":-0.0e-7}", 43,
        NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK, "");
    ngx_http_partoo_tryout_payload_test_check("{\"a\":1}\0", 8,
        NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_INVALID, "invalid JSON");

    /* 32 levels pass, 33 do not */
    memcpy(deep, "{\"a\":", 5);
    memset(deep + 5, '[', 31);
    memset(deep + 36, ']', 31);
    deep[67] = '}';

    ngx_http_partoo_tryout_payload_test_check(deep, 68,
        NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK, "");

    memcpy(deep, "{\"a\":", 5);
    memset(deep + 5, '[', 32);
    memset(deep + 37, ']', 32);
    deep[69] = '}';

    ngx_http_partoo_tryout_payload_test_check(deep, 70,
        NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_INVALID, "deeper than 32 levels");

    /* an override file that holds the whole envelope, not the payload */

    ngx_http_partoo_tryout_payload_test_envelope(
        "{\"type\":\"lead_received\",\"payload\": {\"id\":1} }",
        "lead_received", "{\"id\":1}");

    ngx_http_partoo_tryout_payload_test_envelope(
        " { \"payload\" : {\"a\":[{}]},\n\"type\":\"x\"}",
        "x", "{\"a\":[{}]}");

    ngx_http_partoo_tryout_payload_test_envelope(
        "{\"type\":\"TEXT\",\"payload\":[1]}", NULL, NULL);

    ngx_http_partoo_tryout_payload_test_envelope(
        "{\"type\":\"lead_received\",\"payload\":{},\"id\":1}", NULL, NULL);

    ngx_http_partoo_tryout_payload_test_envelope(
        "{\"type\":1,\"payload\":{}}", NULL, NULL);

    ngx_http_partoo_tryout_payload_test_bench();

    printf("1..%d\n", ngx_http_partoo_tryout_payload_test_n);

    return ngx_http_partoo_tryout_payload_test_failed ? 1 : 0;
}


static void
ngx_http_partoo_tryout_payload_test_defaults(void)
{
    int                                e;
    char                              *out;
    size_t                             len, n;
    json_t                            *doc, *org;
    const char                        *text;
    json_error_t                       err;
    ngx_http_partoo_tryout_payload_t   pl;

    for (e = 0; e < NGX_HTTP_PARTOO_TRYOUT_NEVENTS; e++) {
        text = ngx_http_partoo_tryout_payload_default(e, &len);

        OK(text != NULL && len == strlen(text),
           "%s: built in", ngx_http_partoo_tryout_payload_test_types[e]);

        OK(ngx_http_partoo_tryout_payload_check(text, len, NULL, 0)
           == NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK,
           "%s: a valid payload object",
           ngx_http_partoo_tryout_payload_test_types[e]);

        ngx_http_partoo_tryout_payload_compile(&pl, e,
            ngx_http_partoo_tryout_payload_test_types[e],
            strlen(ngx_http_partoo_tryout_payload_test_types[e]), text, len);

        OK(pl.has_org == (e != NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED),
           "%s: org_id %s", ngx_http_partoo_tryout_payload_test_types[e],
           pl.has_org ? "found" : "absent");

        out = malloc(ngx_http_partoo_tryout_payload_size(&pl));
        n = ngx_http_partoo_tryout_payload_render(&pl, 9223372036854775807LL,
                                                  out);

        OK(n <= ngx_http_partoo_tryout_payload_size(&pl),
           "%s: rendered within the announced size",
           ngx_http_partoo_tryout_payload_test_types[e]);

        doc = json_loadb(out, n, JSON_REJECT_DUPLICATES, &err);

        OK(doc != NULL, "%s: the document is JSON%s%s",
           ngx_http_partoo_tryout_payload_test_types[e],
           doc ? "" : ": ", doc ? "" : err.text);

        if (doc == NULL) {
            free(out);
            continue;
        }

        OK(json_object_size(doc) == 2
           && strcmp(json_string_value(json_object_get(doc, "type")),
                     ngx_http_partoo_tryout_payload_test_types[e]) == 0
           && json_is_object(json_object_get(doc, "payload")),
           "%s: envelope {type, payload}",
           ngx_http_partoo_tryout_payload_test_types[e]);

        org = NULL;

        if (e <= NGX_HTTP_PARTOO_TRYOUT_BUSINESS_DELETED) {
            org = json_object_get(json_object_get(json_object_get(doc,
                      "payload"), "business"), "org_id");

        } else if (e <= NGX_HTTP_PARTOO_TRYOUT_MESSAGE_CREATED) {
            org = json_object_get(json_object_get(doc, "payload"), "org_id");
        }

        if (e != NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED) {
            OK(json_is_integer(org)
               && json_integer_value(org) == 9223372036854775807LL,
               "%s: the caller's org_id is written",
               ngx_http_partoo_tryout_payload_test_types[e]);
        }

        ngx_http_partoo_tryout_payload_test_fields(e,
                                             json_object_get(doc, "payload"));

        json_decref(doc);
        free(out);
    }
}


/* the fields of Partoo's published examples, with their types */

static void
ngx_http_partoo_tryout_payload_test_fields(int event, json_t *payload)
{
    int          ok;
    json_t      *o, *v;
    const char  *missing, *status, *sender;

    static const char  *business[] = {
        "id", "created", "modified", "code", "status", "org_id", "group_id",
        "name", "address", "address_full", "address2", "city", "zipcode",
        "region", "country", "default_lang", "open_hours", "specific_hours",
        "description_short", "description_long", "website_url",
        "facebook_url", "twitter_url", "google_location_id",
        "facebook_page_id", "national_identification_number", "logo_url",
        "contacts", "photos", "lat", "long", "subscriptions", "features",
        "videos", "siret", "completion_rate", "news", "promos", NULL
    };

    static const char  *message[] = {
        "id", "conversation_id", "date", "content_type", "sender_type",
        "sender_label", "status", "is_deleted", "content", "user_id",
        "custom_channel", NULL
    };

    static const char  *conversation[] = {
        "id", "consumer_img", "consumer_name", "business",
        "messaging_partner", "custom_channel", NULL
    };

    static const char  *lead[] = {
        "id", "source", "created_at", "chatbot_id", "chatbot_name",
        "business_name", "store_code", "values", NULL
    };

    const char **fields, **f;

    missing = NULL;
    ok = 1;

    switch (event) {

    case NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED:
    case NGX_HTTP_PARTOO_TRYOUT_BUSINESS_UPDATED:
    case NGX_HTTP_PARTOO_TRYOUT_BUSINESS_DELETED:
        o = json_object_get(payload, "business");
        ok = json_object_size(payload) == 1;

        for (f = business; *f && ok; f++) {
            if (json_object_get(o, *f) == NULL) {
                missing = *f;
                ok = 0;
            }
        }

        ok = ok && json_object_size(o) == 38;

        status = json_string_value(json_object_get(o, "status"));

        OK(ok && status != NULL
           && strcmp(status, event == NGX_HTTP_PARTOO_TRYOUT_BUSINESS_DELETED
                             ? "closed" : "open") == 0,
           "%s: the 38 business fields%s%s, status %s",
           ngx_http_partoo_tryout_payload_test_types[event],
           missing ? ", missing " : "", missing ? missing : "",
           status ? status : "(none)");

        v = json_object_get(o, "created");
        OK(json_is_real(v) && json_real_value(v) == 1409925979.5
           && json_is_real(json_object_get(o, "lat"))
           && json_is_integer(json_object_get(o, "completion_rate"))
           && json_array_size(json_object_get(o, "contacts")) == 1,
           "%s: field types as published",
           ngx_http_partoo_tryout_payload_test_types[event]);

        break;

    case NGX_HTTP_PARTOO_TRYOUT_MESSAGE_UPDATED:
    case NGX_HTTP_PARTOO_TRYOUT_MESSAGE_CREATED:
        ok = json_object_size(payload) == 3;

        for (fields = message, o = json_object_get(payload, "message");
             fields;
             fields = (fields == message) ? conversation : NULL,
             o = json_object_get(payload, "conversation"))
        {
            for (f = fields; *f && ok; f++) {
                if (json_object_get(o, *f) == NULL) {
                    missing = *f;
                    ok = 0;
                }
            }
        }

        o = json_object_get(payload, "message");
        sender = json_string_value(json_object_get(o, "sender_type"));
        status = json_string_value(json_object_get(o, "status"));

        OK(ok && sender && status
           && (event == NGX_HTTP_PARTOO_TRYOUT_MESSAGE_CREATED
               ? strcmp(sender, "Consumer") == 0
                 && strcmp(status, "Success") == 0
               : strcmp(sender, "User") == 0
                 && strcmp(status, "Sending") == 0),
           "%s: message, conversation, org_id%s%s; %s, %s",
           ngx_http_partoo_tryout_payload_test_types[event],
           missing ? ", missing " : "", missing ? missing : "",
           sender ? sender : "-", status ? status : "-");

        break;

    default:
        for (f = lead; *f && ok; f++) {
            if (json_object_get(payload, *f) == NULL) {
                missing = *f;
                ok = 0;
            }
        }

        v = json_array_get(json_object_get(payload, "values"), 0);

        OK(ok && json_object_size(payload) == 8
           && json_object_get(payload, "org_id") == NULL
           && json_object_size(v) == 4,
           "lead_received: the lead object%s%s, no org_id",
           missing ? ", missing " : "", missing ? missing : "");
    }
}


static void
ngx_http_partoo_tryout_payload_test_render(int event, const char *text,
    int64_t org_id, const char *expect)
{
    char                              *out;
    size_t                             n;
    ngx_http_partoo_tryout_payload_t   pl;

    ngx_http_partoo_tryout_payload_compile(&pl, event,
        ngx_http_partoo_tryout_payload_test_types[event],
        strlen(ngx_http_partoo_tryout_payload_test_types[event]),
        text, strlen(text));

    out = malloc(ngx_http_partoo_tryout_payload_size(&pl));
    n = ngx_http_partoo_tryout_payload_render(&pl, org_id, out);

    OK(n == strlen(expect) && memcmp(out, expect, n) == 0,
       "render %s with org %lld: %.*s",
       ngx_http_partoo_tryout_payload_test_types[event],
       (long long) org_id, (int) n, out);

    free(out);
}


static void
ngx_http_partoo_tryout_payload_test_check(const char *text, size_t len,
    int expect, const char *err_part)
{
    int   rc;
    char  err[256];

    rc = ngx_http_partoo_tryout_payload_check(text, len, err, sizeof(err));

    OK(rc == expect && strstr(err, err_part) != NULL,
       "check %.20s...: verdict %d, \"%s\"", text, rc, err);
}


static void
ngx_http_partoo_tryout_payload_test_envelope(const char *text,
    const char *type, const char *payload)
{
    int     rc;
    char    t[32];
    size_t  start, stop;

    rc = ngx_http_partoo_tryout_payload_envelope(text, strlen(text), t,
                                                 sizeof(t), &start, &stop);

    if (type == NULL) {
        OK(rc == 0, "not an envelope: %s", text);
        return;
    }

    OK(rc == 1 && strcmp(t, type) == 0
       && stop - start == strlen(payload)
       && memcmp(text + start, payload, stop - start) == 0,
       "envelope of %s: payload %.*s", type, (int) (stop - start),
       text + start);
}


/* what the per-worker signature cache saves: render is all that remains */

static void
ngx_http_partoo_tryout_payload_test_bench(void)
{
    int                                i, n;
    char                              *out;
    size_t                             len, total;
    double                             t;
    const char                        *text, *env;
    ngx_http_partoo_tryout_payload_t   pl;

    env = getenv("PARTOO_PAYLOAD_BENCH_N");
    n = env ? atoi(env) : 100000;

    text = ngx_http_partoo_tryout_payload_default(
               NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED, &len);

    ngx_http_partoo_tryout_payload_compile(&pl,
        NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED, "business_created", 16,
        text, len);

    out = malloc(ngx_http_partoo_tryout_payload_size(&pl));
    total = 0;

    t = ngx_http_partoo_tryout_payload_test_now();

    for (i = 0; i < n; i++) {
        total += ngx_http_partoo_tryout_payload_render(&pl, 1000 + i, out);
    }

    t = ngx_http_partoo_tryout_payload_test_now() - t;

    printf("# render business_created (%zu bytes): %.3f us each\n",
           total / (n ? n : 1), n ? t * 1e6 / n : 0.0);

    free(out);
}


static double
ngx_http_partoo_tryout_payload_test_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static void
ngx_http_partoo_tryout_payload_test_ok(int cond, int line,
    const char *fmt, ...)
{
    va_list  args;

    ngx_http_partoo_tryout_payload_test_n++;

    printf("%sok %d - ", cond ? "" : "not ",
           ngx_http_partoo_tryout_payload_test_n);

    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);

    if (!cond) {
        ngx_http_partoo_tryout_payload_test_failed++;
        printf(" (%s line %d)", __FILE__, line);
    }

    printf("\n");
    fflush(stdout);
}
