
/*
 * Copyright (C) Partoo tryout module authors
 *
 * libFuzzer target for the body validator:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *       t/fuzz/validate_fuzz.c src/ngx_http_partoo_tryout_validate.c \
 *       $(pkg-config --cflags --libs jansson libpcre2-8 libcurl) \
 *       -o t/fuzz/validate_fuzz
 *   ./t/fuzz/validate_fuzz -dict=t/fuzz/validate.dict -max_len=4096 CORPUS
 *
 * Besides the sanitizers, it checks the verdict against what the contract
 * promises and the depth rule against jansson's own parse of the input.
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "ngx_http_partoo_tryout_validate.h"


#define ngx_http_partoo_tryout_fuzz_assert(cond)                              \
    if (!(cond)) {                                                            \
        fprintf(stderr, "validate_fuzz: %s:%d: %s\n", __FILE__, __LINE__,     \
                #cond);                                                       \
        abort();                                                              \
    }

#define NGX_HTTP_PARTOO_TRYOUT_FUZZ_INVALID_JSON                              \
    "{\"errors\":{\"json\":\"invalid JSON body\"}}"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static ngx_http_partoo_tryout_validator_t  *ngx_http_partoo_tryout_fuzz_v;
static CURLU                               *ngx_http_partoo_tryout_fuzz_url;


static int
ngx_http_partoo_tryout_fuzz_nocase(const char *a, const char *b, size_t len)
{
    size_t  i;
    int     ca, cb;

    for (i = 0; i < len; i++) {
        ca = (unsigned char) a[i];
        cb = (unsigned char) b[i];
        ca = (ca >= 'A' && ca <= 'Z') ? ca | 0x20 : ca;
        cb = (cb >= 'A' && cb <= 'Z') ? cb | 0x20 : cb;

        if (ca != cb) {
            return 0;
        }
    }

    return 1;
}


/* the top-level container is depth 1, as in the contract */

static size_t
ngx_http_partoo_tryout_fuzz_depth(json_t *json)
{
    size_t       i, d, max;
    json_t      *value;
    const char  *key;

    if (!json_is_object(json) && !json_is_array(json)) {
        return 0;
    }

    max = 0;

    if (json_is_array(json)) {
        json_array_foreach(json, i, value) {
            d = ngx_http_partoo_tryout_fuzz_depth(value);
            max = d > max ? d : max;
        }

    } else {
        json_object_foreach(json, key, value) {
            d = ngx_http_partoo_tryout_fuzz_depth(value);
            max = d > max ? d : max;
        }
    }

    return max + 1;
}


static void
ngx_http_partoo_tryout_fuzz_valid(ngx_http_partoo_tryout_item_t *item)
{
    size_t                            i, j;
    char                             *host;
    unsigned char                     c;
    ngx_http_partoo_tryout_header_t  *h;

    ngx_http_partoo_tryout_fuzz_assert(item->root != NULL);
    ngx_http_partoo_tryout_fuzz_assert(json_is_object(item->root));
    ngx_http_partoo_tryout_fuzz_assert(item->error == NULL);

    ngx_http_partoo_tryout_fuzz_assert(item->url != NULL);
    ngx_http_partoo_tryout_fuzz_assert(item->url_len > 8);
    ngx_http_partoo_tryout_fuzz_assert(
        item->url_len <= NGX_HTTP_PARTOO_TRYOUT_MAX_URL);
    ngx_http_partoo_tryout_fuzz_assert(
        ngx_http_partoo_tryout_fuzz_nocase(item->url, "https://", 8));
    ngx_http_partoo_tryout_fuzz_assert(strlen(item->url) == item->url_len);

    for (i = 0; i < item->url_len; i++) {
        c = (unsigned char) item->url[i];
        ngx_http_partoo_tryout_fuzz_assert(c > 0x20 && c < 0x7f);
    }

    /* a fresh libcurl handle agrees: https with a host */

    ngx_http_partoo_tryout_fuzz_assert(
        curl_url_set(ngx_http_partoo_tryout_fuzz_url, CURLUPART_URL,
                     item->url, 0) == CURLUE_OK);

    host = NULL;
    ngx_http_partoo_tryout_fuzz_assert(
        curl_url_get(ngx_http_partoo_tryout_fuzz_url, CURLUPART_HOST, &host,
                     0) == CURLUE_OK);
    ngx_http_partoo_tryout_fuzz_assert(host != NULL && host[0] != '\0');
    curl_free(host);

    ngx_http_partoo_tryout_fuzz_assert(
        (unsigned) item->event < NGX_HTTP_PARTOO_TRYOUT_NEVENTS);
    ngx_http_partoo_tryout_fuzz_assert(
        ngx_http_partoo_tryout_event_lookup(
            ngx_http_partoo_tryout_event_name(item->event),
            strlen(ngx_http_partoo_tryout_event_name(item->event)))
        == (int) item->event);

    ngx_http_partoo_tryout_fuzz_assert(
        item->nheaders <= NGX_HTTP_PARTOO_TRYOUT_MAX_HEADERS);

    for (i = 0; i < item->nheaders; i++) {
        h = &item->headers[i];

        ngx_http_partoo_tryout_fuzz_assert(h->name != NULL);
        ngx_http_partoo_tryout_fuzz_assert(h->value != NULL);
        ngx_http_partoo_tryout_fuzz_assert(h->name_len >= 2);
        ngx_http_partoo_tryout_fuzz_assert(
            h->name_len <= NGX_HTTP_PARTOO_TRYOUT_MAX_HEADER_NAME);
        ngx_http_partoo_tryout_fuzz_assert(
            ngx_http_partoo_tryout_fuzz_nocase(h->name, "x-", 2));
        ngx_http_partoo_tryout_fuzz_assert(
            h->name_len < 8
            || !ngx_http_partoo_tryout_fuzz_nocase(h->name, "x-partoo", 8));

        for (j = 0; j < h->name_len; j++) {
            c = (unsigned char) h->name[j];
            ngx_http_partoo_tryout_fuzz_assert(c > 0x20 && c < 0x7f);
            ngx_http_partoo_tryout_fuzz_assert(
                strchr("()<>@,;:\\\"/[]?={}", c) == NULL);
        }

        /* a value goes on the wire as is: no byte may end the line */

        ngx_http_partoo_tryout_fuzz_assert(
            h->value_len <= 4 * NGX_HTTP_PARTOO_TRYOUT_MAX_HEADER_VALUE);

        for (j = 0; j < h->value_len; j++) {
            c = (unsigned char) h->value[j];
            ngx_http_partoo_tryout_fuzz_assert(c >= 0x20 && c != 0x7f);
        }

        for (j = 0; j < i; j++) {
            ngx_http_partoo_tryout_fuzz_assert(
                item->headers[j].name_len != h->name_len
                || !ngx_http_partoo_tryout_fuzz_nocase(item->headers[j].name,
                                                       h->name,
                                                       h->name_len));
        }
    }
}


static void
ngx_http_partoo_tryout_fuzz_invalid(ngx_http_partoo_tryout_item_t *item)
{
    json_t        *doc;
    json_error_t   err;

    ngx_http_partoo_tryout_fuzz_assert(item->root == NULL);
    ngx_http_partoo_tryout_fuzz_assert(item->url == NULL);
    ngx_http_partoo_tryout_fuzz_assert(item->nheaders == 0);
    ngx_http_partoo_tryout_fuzz_assert(item->error != NULL);
    ngx_http_partoo_tryout_fuzz_assert(item->error_len > 11);
    ngx_http_partoo_tryout_fuzz_assert(
        memcmp(item->error, "{\"errors\":", 10) == 0);

    doc = json_loadb(item->error, item->error_len, JSON_REJECT_DUPLICATES,
                     &err);
    if (doc == NULL) {
        fprintf(stderr, "validate_fuzz: error body is not JSON: %s: %.*s\n",
                err.text, (int) item->error_len, item->error);
        abort();
    }

    ngx_http_partoo_tryout_fuzz_assert(json_is_object(doc));
    ngx_http_partoo_tryout_fuzz_assert(json_object_size(doc) == 1);
    ngx_http_partoo_tryout_fuzz_assert(
        json_object_get(json_object_get(doc, "errors"), "json") != NULL);

    json_decref(doc);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                               invalid_json;
    char                             *copy;
    size_t                            depth;
    json_t                           *oracle;
    ngx_http_partoo_tryout_item_t     item, again;
    ngx_http_partoo_tryout_verdict_e  verdict;

    if (ngx_http_partoo_tryout_fuzz_v == NULL) {
        ngx_http_partoo_tryout_fuzz_v =
                                   ngx_http_partoo_tryout_validator_create();
        ngx_http_partoo_tryout_fuzz_url = curl_url();

        if (ngx_http_partoo_tryout_fuzz_v == NULL
            || ngx_http_partoo_tryout_fuzz_url == NULL)
        {
            abort();
        }
    }

    /* an exact-size copy, so ASan sees any read past the body */

    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    verdict = ngx_http_partoo_tryout_validate(ngx_http_partoo_tryout_fuzz_v,
                                              copy, size, &item);

    ngx_http_partoo_tryout_fuzz_assert(
        verdict == NGX_HTTP_PARTOO_TRYOUT_VALID
        || verdict == NGX_HTTP_PARTOO_TRYOUT_INVALID);

    if (verdict == NGX_HTTP_PARTOO_TRYOUT_VALID) {
        ngx_http_partoo_tryout_fuzz_valid(&item);

    } else {
        ngx_http_partoo_tryout_fuzz_invalid(&item);
    }

    /* the "invalid JSON body" answer agrees with jansson and a tree walk */

    invalid_json = (verdict == NGX_HTTP_PARTOO_TRYOUT_INVALID
                    && item.error_len
                       == sizeof(NGX_HTTP_PARTOO_TRYOUT_FUZZ_INVALID_JSON) - 1
                    && memcmp(item.error,
                              NGX_HTTP_PARTOO_TRYOUT_FUZZ_INVALID_JSON,
                              item.error_len) == 0);

    oracle = json_loadb(copy, size,
                        JSON_REJECT_DUPLICATES|JSON_DECODE_ANY|JSON_ALLOW_NUL,
                        NULL);
    depth = oracle ? ngx_http_partoo_tryout_fuzz_depth(oracle) : 0;

    ngx_http_partoo_tryout_fuzz_assert(
        invalid_json
        == (oracle == NULL || depth > NGX_HTTP_PARTOO_TRYOUT_MAX_DEPTH));

    json_decref(oracle);

    /* the state kept in the validator leaks nothing into the next call */

    ngx_http_partoo_tryout_fuzz_assert(
        ngx_http_partoo_tryout_validate(ngx_http_partoo_tryout_fuzz_v, copy,
                                        size, &again)
        == verdict);
    ngx_http_partoo_tryout_fuzz_assert(again.error_len == item.error_len);
    ngx_http_partoo_tryout_fuzz_assert(
        item.error_len == 0
        || memcmp(again.error, item.error, item.error_len) == 0);
    ngx_http_partoo_tryout_fuzz_assert(again.nheaders == item.nheaders);

    ngx_http_partoo_tryout_item_free(&again);
    ngx_http_partoo_tryout_item_free(&item);

    free(copy);

    return 0;
}
