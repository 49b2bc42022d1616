
/*
 * Copyright (C) Partoo tryout module authors
 *
 * libFuzzer target for the payload documents (make fuzz): the checks of an
 * override file or a stored sample, the envelope unwrapping, and the
 * rendering with an org_id written by a scanner of the JSON text.
 *
 * Besides the sanitizers, it checks the scanner against jansson's parse:
 * a document is found to hold the event's org_id exactly when the parsed
 * object has it, the rendered document is JSON with that value replaced
 * and nothing else changed, and an envelope's payload span is its
 * "payload" member.
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ngx_http_partoo_tryout_payload.h"


#define ngx_http_partoo_tryout_fuzz_assert(cond)                              \
    if (!(cond)) {                                                            \
        fprintf(stderr, "payload_fuzz: %s:%d: %s\n", __FILE__, __LINE__,      \
                #cond);                                                       \
        abort();                                                              \
    }

/* as the module parses payloads: the text is checked, never re-serialized */
#define NGX_HTTP_PARTOO_TRYOUT_FUZZ_FLAGS                                     \
    (JSON_REJECT_DUPLICATES|JSON_DECODE_ANY|JSON_ALLOW_NUL                    \
     |JSON_DECODE_INT_AS_REAL)


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* the org_id path of each event type, as the contract places it */

static const char  *ngx_http_partoo_tryout_fuzz_paths[][2] = {
    { "business", "org_id" },
    { "business", "org_id" },
    { "business", "org_id" },
    { "org_id", NULL },
    { "org_id", NULL },
    { NULL, NULL },
};


static json_t *
ngx_http_partoo_tryout_fuzz_get(json_t *obj, ngx_http_partoo_tryout_event_e ev)
{
    size_t        i;
    const char  **path;

    path = ngx_http_partoo_tryout_fuzz_paths[ev];

    if (path[0] == NULL) {
        return NULL;
    }

    for (i = 0; i < 2 && path[i] != NULL; i++) {
        if (!json_is_object(obj)) {
            return NULL;
        }

        obj = json_object_get(obj, path[i]);
    }

    return obj;
}


static void
ngx_http_partoo_tryout_fuzz_render(const char *text, size_t len,
    json_t *root, ngx_http_partoo_tryout_event_e ev)
{
    char                              *out;
    size_t                             i, n, max;
    json_t                            *doc, *payload, *org, *mine;
    const char                        *type = "fuzz_type";
    ngx_http_partoo_tryout_payload_t   pl;
    static const int64_t               orgs[] = { 0, 7, INT64_MAX };

    ngx_http_partoo_tryout_payload_compile(&pl, ev, type, strlen(type),
                                           text, len);

    ngx_http_partoo_tryout_fuzz_assert(
        pl.has_org == (ngx_http_partoo_tryout_fuzz_get(root, ev) != NULL));

    if (pl.has_org) {
        ngx_http_partoo_tryout_fuzz_assert(pl.org_start < pl.org_end
                                           && pl.org_end <= len);
    }

    max = ngx_http_partoo_tryout_payload_size(&pl);

    out = malloc(max);
    if (out == NULL) {
        return;
    }

    for (i = 0; i < sizeof(orgs) / sizeof(orgs[0]); i++) {
        n = ngx_http_partoo_tryout_payload_render(&pl, orgs[i], out);

        ngx_http_partoo_tryout_fuzz_assert(n <= max);

        doc = json_loadb(out, n, NGX_HTTP_PARTOO_TRYOUT_FUZZ_FLAGS, NULL);

        ngx_http_partoo_tryout_fuzz_assert(doc != NULL);
        ngx_http_partoo_tryout_fuzz_assert(json_object_size(doc) == 2);
        ngx_http_partoo_tryout_fuzz_assert(
            json_is_string(json_object_get(doc, "type"))
            && strcmp(json_string_value(json_object_get(doc, "type")), type)
               == 0);

        payload = json_object_get(doc, "payload");
        ngx_http_partoo_tryout_fuzz_assert(json_is_object(payload));

        if (pl.has_org && orgs[i] > 0) {

            /* the org_id written, and nothing else changed */

            org = ngx_http_partoo_tryout_fuzz_get(payload, ev);
            ngx_http_partoo_tryout_fuzz_assert(
                json_is_number(org)
                && json_number_value(org) == (double) orgs[i]);

            mine = json_deep_copy(root);
            ngx_http_partoo_tryout_fuzz_assert(mine != NULL);

            org = json_real((double) orgs[i]);

            if (ngx_http_partoo_tryout_fuzz_paths[ev][1] == NULL) {
                json_object_set_new(mine, "org_id", org);

            } else {
                json_object_set_new(json_object_get(mine, "business"),
                                    "org_id", org);
            }

            ngx_http_partoo_tryout_fuzz_assert(json_equal(mine, payload));
            json_decref(mine);

        } else {
            ngx_http_partoo_tryout_fuzz_assert(json_equal(root, payload));
        }

        json_decref(doc);
    }

    free(out);
}


static void
ngx_http_partoo_tryout_fuzz_envelope(const char *text, size_t len,
    json_t *root)
{
    int      envelope;
    char     type[32];
    size_t   start, stop;
    json_t  *payload, *span;

    envelope = ngx_http_partoo_tryout_payload_envelope(text, len, type,
                                                       sizeof(type), &start,
                                                       &stop);

    ngx_http_partoo_tryout_fuzz_assert(
        envelope == (json_is_object(root) && json_object_size(root) == 2
                     && json_is_string(json_object_get(root, "type"))
                     && json_is_object(json_object_get(root, "payload"))));

    if (!envelope) {
        return;
    }

    ngx_http_partoo_tryout_fuzz_assert(strlen(type) < sizeof(type));
    ngx_http_partoo_tryout_fuzz_assert(start < stop && stop <= len);

    payload = json_object_get(root, "payload");
    span = json_loadb(text + start, stop - start,
                      NGX_HTTP_PARTOO_TRYOUT_FUZZ_FLAGS, NULL);

    ngx_http_partoo_tryout_fuzz_assert(span != NULL);
    ngx_http_partoo_tryout_fuzz_assert(json_equal(span, payload));

    json_decref(span);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                                     *copy, err[256];
    json_t                                   *root;
    unsigned                                  ev;
    ngx_http_partoo_tryout_payload_verdict_e  verdict;

    if (size > NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MAX_FILE) {
        return 0;
    }

    /* an exact-size copy, so ASan sees any read past the text */

    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    verdict = ngx_http_partoo_tryout_payload_check(copy, size, err,
                                                   sizeof(err));

    ngx_http_partoo_tryout_fuzz_assert(strlen(err) < sizeof(err));

    root = json_loadb(copy, size, NGX_HTTP_PARTOO_TRYOUT_FUZZ_FLAGS, NULL);

    switch (verdict) {

    case NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK:
        ngx_http_partoo_tryout_fuzz_assert(json_is_object(root));
        ngx_http_partoo_tryout_fuzz_assert(err[0] == '\0');

        for (ev = 0; ev < NGX_HTTP_PARTOO_TRYOUT_NEVENTS; ev++) {
            ngx_http_partoo_tryout_fuzz_render(copy, size, root,
                                               (ngx_http_partoo_tryout_event_e)
                                               ev);
        }

        ngx_http_partoo_tryout_fuzz_envelope(copy, size, root);
        break;

    case NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_NOT_OBJECT:
        ngx_http_partoo_tryout_fuzz_assert(root != NULL
                                           && !json_is_object(root));
        ngx_http_partoo_tryout_fuzz_assert(err[0] != '\0');
        break;

    case NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_INVALID:
        ngx_http_partoo_tryout_fuzz_assert(err[0] != '\0');
        break;

    default:
        /* out of memory only */
        break;
    }

    json_decref(root);
    free(copy);

    return 0;
}
