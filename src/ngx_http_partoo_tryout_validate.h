
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Request body validation for POST /v2/webhooks/tryout.
 * Plain C on jansson and pcre2: no nginx types, so it is unit-tested and
 * fuzzed without a server.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_VALIDATE_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_VALIDATE_H_INCLUDED_


#include <stddef.h>
#include <jansson.h>

#include "ngx_http_partoo_tryout_event.h"
#include "ngx_http_partoo_tryout_util.h"


#define NGX_HTTP_PARTOO_TRYOUT_MAX_URL          2048


typedef enum {
    NGX_HTTP_PARTOO_TRYOUT_VALID = 0,
    NGX_HTTP_PARTOO_TRYOUT_INVALID,         /* 400, error body set */
    NGX_HTTP_PARTOO_TRYOUT_ERROR            /* 500: out of memory, no body */
} ngx_http_partoo_tryout_verdict_e;


typedef struct {
    const char                     *data;
    size_t                          len;
} ngx_http_partoo_tryout_str_t;


typedef struct ngx_http_partoo_tryout_validator_s
    ngx_http_partoo_tryout_validator_t;

typedef struct ngx_http_partoo_tryout_arena_s
    ngx_http_partoo_tryout_arena_t;


/*
 * The first item of a valid body; strings point into "root".  "root" may
 * live in the validator's arena: read it, never json_incref() or
 * json_decref() it; it is gone at ngx_http_partoo_tryout_item_free().
 */

typedef struct {
    json_t                         *root;

    const char                     *url;
    size_t                          url_len;

    ngx_http_partoo_tryout_event_e  event;

    size_t                          nheaders;
    ngx_http_partoo_tryout_header_t headers[NGX_HTTP_PARTOO_TRYOUT_MAX_HEADERS];

    /* the complete 400 response body when the verdict is INVALID */
    const char                     *error;
    size_t                          error_len;
    int                             error_allocated;

    /* holds "root" or "error", or both, when not NULL */
    ngx_http_partoo_tryout_arena_t *arena;
} ngx_http_partoo_tryout_item_t;


/*
 * One per worker (or per configuration): compiles the header name pattern.
 * The first one makes jansson allocate through the validators' hooks, for
 * the whole process: outside a validation they pass every call on to the
 * functions set before; the last one destroyed sets those back.
 */
ngx_http_partoo_tryout_validator_t *ngx_http_partoo_tryout_validator_create(
    void);
void ngx_http_partoo_tryout_validator_destroy(
    ngx_http_partoo_tryout_validator_t *v);

/*
 * Validates "len" bytes of "body".  On VALID, "item" describes the first
 * item; on INVALID, item->error holds the byte-exact 400 body; ERROR means
 * an allocation failed (answer 500; item->error is NULL).  Whatever the
 * verdict, the caller releases "item" with ngx_http_partoo_tryout_item_free().
 * Not thread-safe: a validator is used by one thread (worker) at a time.
 * The parse tree and the error body go to the validator's arena, which
 * the item holds until it is freed; a call made meanwhile allocates with
 * jansson's usual functions instead.
 */
ngx_http_partoo_tryout_verdict_e ngx_http_partoo_tryout_validate(
    ngx_http_partoo_tryout_validator_t *v, const char *body, size_t len,
    ngx_http_partoo_tryout_item_t *item);
void ngx_http_partoo_tryout_item_free(ngx_http_partoo_tryout_item_t *item);


/*
 * The 400 bodies for a body that is not JSON, or not a JSON object: the
 * samples API answers its PUT with the same bytes.
 */
extern const ngx_http_partoo_tryout_str_t
    ngx_http_partoo_tryout_err_invalid_json;
extern const ngx_http_partoo_tryout_str_t
    ngx_http_partoo_tryout_err_not_object;


#endif /* _NGX_HTTP_PARTOO_TRYOUT_VALIDATE_H_INCLUDED_ */
