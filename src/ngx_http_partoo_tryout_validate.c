
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Request body validation for POST /v2/webhooks/tryout: the contract's
 * rows "JSON", "shape" and "fields" (README "Request processing").
 */


#define PCRE2_CODE_UNIT_WIDTH  8

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pcre2.h>
#include <curl/curl.h>

#include "ngx_http_partoo_tryout_validate.h"


/*
 * Arena memory outside any allocation is poisoned, so that AddressSanitizer
 * (the fuzzer) and memcheck (TEST_NGINX_USE_VALGRIND) catch a read past a
 * node as they would past a malloc()ed one
 */

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NGX_HTTP_PARTOO_TRYOUT_ASAN  1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__) && !defined(NGX_HTTP_PARTOO_TRYOUT_ASAN)
#define NGX_HTTP_PARTOO_TRYOUT_ASAN  1
#endif

#if defined(NGX_HTTP_PARTOO_TRYOUT_ASAN)
#include <sanitizer/asan_interface.h>

#elif defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#define NGX_HTTP_PARTOO_TRYOUT_MEMCHECK  1
#include <valgrind/memcheck.h>
#endif
#endif


#define NGX_HTTP_PARTOO_TRYOUT_JSON_FLAGS                                     \
    (JSON_REJECT_DUPLICATES|JSON_DECODE_ANY|JSON_ALLOW_NUL)

/* the OpenAPI propertyNames pattern, as bytes: no UTF mode */
#define NGX_HTTP_PARTOO_TRYOUT_NAME_PATTERN                                   \
    "^[Xx]-(?![Pp][Aa][Rr][Tt][Oo][Oo])[^ ()<>@,;:\\\\\"/\\[\\]?={}]*$"

/* room for the constant parts of a field error body, the envelope included */
#define NGX_HTTP_PARTOO_TRYOUT_FIELDS_SIZE  512

#define NGX_HTTP_PARTOO_TRYOUT_FAILED       -1

/* the chunk an arena keeps between bodies: a typical body takes about 1k */
#define NGX_HTTP_PARTOO_TRYOUT_ARENA_SIZE   4096

/* what malloc() guarantees, for jansson's doubles and pointers */
#define NGX_HTTP_PARTOO_TRYOUT_ALIGNMENT    16

#define ngx_http_partoo_tryout_align(n)                                       \
    (((n) + NGX_HTTP_PARTOO_TRYOUT_ALIGNMENT - 1)                             \
     & ~((size_t) NGX_HTTP_PARTOO_TRYOUT_ALIGNMENT - 1))

#define ngx_http_partoo_tryout_string(s)    { s, sizeof(s) - 1 }


typedef enum {
    NGX_HTTP_PARTOO_TRYOUT_MSG_NONE = 0,
    NGX_HTTP_PARTOO_TRYOUT_MSG_REQUIRED,
    NGX_HTTP_PARTOO_TRYOUT_MSG_STRING,
    NGX_HTTP_PARTOO_TRYOUT_MSG_OBJECT,
    NGX_HTTP_PARTOO_TRYOUT_MSG_URL_LENGTH,
    NGX_HTTP_PARTOO_TRYOUT_MSG_URL_INVALID,
    NGX_HTTP_PARTOO_TRYOUT_MSG_URL_HTTPS,
    NGX_HTTP_PARTOO_TRYOUT_MSG_EVENT,
    NGX_HTTP_PARTOO_TRYOUT_MSG_HEADERS_MAX,
    NGX_HTTP_PARTOO_TRYOUT_MSG_NAME_INVALID,
    NGX_HTTP_PARTOO_TRYOUT_MSG_NAME_LENGTH,
    NGX_HTTP_PARTOO_TRYOUT_MSG_NAME_DUPLICATE,
    NGX_HTTP_PARTOO_TRYOUT_MSG_VALUE_LENGTH,
    NGX_HTTP_PARTOO_TRYOUT_MSG_VALUE_CONTROL,
    NGX_HTTP_PARTOO_TRYOUT_NMSG
} ngx_http_partoo_tryout_msg_e;


typedef struct {
    const char                     *name;
    size_t                          name_len;
    int                             msg;
} ngx_http_partoo_tryout_header_error_t;


/* the field errors of the first item, each a message number or MSG_NONE */

typedef struct {
    int                             url;
    int                             event_type;
    int                             custom_headers;
    size_t                          nheaders;
    ngx_http_partoo_tryout_header_error_t
                              headers[NGX_HTTP_PARTOO_TRYOUT_MAX_HEADERS];
} ngx_http_partoo_tryout_errors_t;


typedef struct ngx_http_partoo_tryout_chunk_s
    ngx_http_partoo_tryout_chunk_t;

struct ngx_http_partoo_tryout_chunk_s {
    ngx_http_partoo_tryout_chunk_t *next;      /* the older one */
    char                           *end;
};

#define NGX_HTTP_PARTOO_TRYOUT_CHUNK_HEADER                                   \
    ngx_http_partoo_tryout_align(sizeof(ngx_http_partoo_tryout_chunk_t))


/*
 * The memory of one body's parse tree and error document, freed at once:
 * jansson's own free() of each node is a no-op.  Chunks come from the
 * allocator jansson had when the validator was made.
 */

struct ngx_http_partoo_tryout_arena_s {
    ngx_http_partoo_tryout_chunk_t *chunks;    /* the newest first */
    char                           *pos;
    char                           *end;

    json_malloc_t                   chunk_malloc;
    json_free_t                     chunk_free;

    int                             held;      /* by an item */
    int                             poisoned;  /* ASan, or under valgrind */
};


struct ngx_http_partoo_tryout_validator_s {
    pcre2_code                     *name_re;
    pcre2_match_data               *match;
    CURLU                          *url;

    /* shared by every error document: no copy per request */
    json_t                         *msgs[NGX_HTTP_PARTOO_TRYOUT_NMSG];

    ngx_http_partoo_tryout_arena_t  arena;
};


static void ngx_http_partoo_tryout_hooks_install(void);
static void ngx_http_partoo_tryout_hooks_remove(void);
static int ngx_http_partoo_tryout_hooks_installed(void);
static void *ngx_http_partoo_tryout_json_malloc(size_t size);
static void ngx_http_partoo_tryout_json_free(void *p);
static void *ngx_http_partoo_tryout_arena_alloc(
    ngx_http_partoo_tryout_arena_t *arena, size_t size);
static int ngx_http_partoo_tryout_arena_grow(
    ngx_http_partoo_tryout_arena_t *arena, size_t size);
static int ngx_http_partoo_tryout_arena_owns(
    ngx_http_partoo_tryout_arena_t *arena, void *p);
static void ngx_http_partoo_tryout_arena_reset(
    ngx_http_partoo_tryout_arena_t *arena, int keep);
static void ngx_http_partoo_tryout_arena_mark(void *p, size_t size,
    int used);
static void ngx_http_partoo_tryout_drop(ngx_http_partoo_tryout_arena_t *arena,
    json_t *root);
static size_t ngx_http_partoo_tryout_count_opens(const char *body,
    size_t len);
static int ngx_http_partoo_tryout_check_url(
    ngx_http_partoo_tryout_validator_t *v, const json_t *value,
    ngx_http_partoo_tryout_item_t *item);
static int ngx_http_partoo_tryout_plain_authority(const char *url,
    size_t scheme_len, const unsigned char *host,
    const unsigned char *authority_end);
static int ngx_http_partoo_tryout_check_event(const json_t *value,
    ngx_http_partoo_tryout_item_t *item);
static int ngx_http_partoo_tryout_check_headers(
    ngx_http_partoo_tryout_validator_t *v, const json_t *value,
    ngx_http_partoo_tryout_errors_t *errors,
    ngx_http_partoo_tryout_item_t *item);
static int ngx_http_partoo_tryout_check_header(
    ngx_http_partoo_tryout_validator_t *v, const json_t *value,
    ngx_http_partoo_tryout_item_t *item, size_t n);
static int ngx_http_partoo_tryout_equal_nocase(const char *a, const char *b,
    size_t len);
static ngx_http_partoo_tryout_verdict_e ngx_http_partoo_tryout_item_error(
    ngx_http_partoo_tryout_item_t *item,
    const ngx_http_partoo_tryout_str_t *body);
static ngx_http_partoo_tryout_verdict_e ngx_http_partoo_tryout_field_errors(
    ngx_http_partoo_tryout_validator_t *v,
    const ngx_http_partoo_tryout_errors_t *errors,
    ngx_http_partoo_tryout_arena_t *arena,
    ngx_http_partoo_tryout_item_t *item);
static char *ngx_http_partoo_tryout_put_field(char *p, int first,
    const char *key, size_t key_len);
static char *ngx_http_partoo_tryout_put_msg(char *p, int msg);


/*
 * jansson's allocator is one for the process, which other code (the key and
 * payload files, the samples API, other modules) uses too: the hooks serve
 * the arena of this thread's validation in progress, and pass everything
 * else to the functions that were set before them.  initial-exec: in the
 * module's shared object a thread-local variable is otherwise reached
 * through __tls_get_addr() on every call; these 8 bytes come out of the
 * static TLS that glibc keeps for dlopen()ed objects.
 */

static __thread ngx_http_partoo_tryout_arena_t
    *ngx_http_partoo_tryout_current_arena
        __attribute__((tls_model("initial-exec")));

static json_malloc_t                ngx_http_partoo_tryout_next_malloc;
static json_free_t                  ngx_http_partoo_tryout_next_free;
static unsigned                     ngx_http_partoo_tryout_hooks_users;


static const ngx_http_partoo_tryout_str_t  ngx_http_partoo_tryout_msgs[] = {
    { NULL, 0 },
    ngx_http_partoo_tryout_string("is required"),
    ngx_http_partoo_tryout_string("must be a string"),
    ngx_http_partoo_tryout_string("must be an object"),
    ngx_http_partoo_tryout_string("must be at most 2048 characters"),
    ngx_http_partoo_tryout_string("must be a valid url"),
    ngx_http_partoo_tryout_string("only HTTPS URLs are supported"),
    ngx_http_partoo_tryout_string("must be one of: business_created, "
        "business_updated, business_deleted, message_updated, "
        "message_created, lead_received"),
    ngx_http_partoo_tryout_string("must have at most 5 headers"),
    ngx_http_partoo_tryout_string("invalid header name"),
    ngx_http_partoo_tryout_string("must be at most 128 characters"),
    ngx_http_partoo_tryout_string("duplicate header name"),
    ngx_http_partoo_tryout_string("must be at most 512 characters"),
    ngx_http_partoo_tryout_string("must not contain control characters")
};


static const ngx_http_partoo_tryout_str_t  ngx_http_partoo_tryout_events[] = {
    ngx_http_partoo_tryout_string("business_created"),
    ngx_http_partoo_tryout_string("business_updated"),
    ngx_http_partoo_tryout_string("business_deleted"),
    ngx_http_partoo_tryout_string("message_updated"),
    ngx_http_partoo_tryout_string("message_created"),
    ngx_http_partoo_tryout_string("lead_received")
};


const ngx_http_partoo_tryout_str_t  ngx_http_partoo_tryout_err_invalid_json =
    ngx_http_partoo_tryout_string("{\"errors\":{\"json\":"
                                  "\"invalid JSON body\"}}");

const ngx_http_partoo_tryout_str_t  ngx_http_partoo_tryout_err_not_object =
    ngx_http_partoo_tryout_string("{\"errors\":{\"json\":"
                                  "\"must be an object\"}}");

static const ngx_http_partoo_tryout_str_t  ngx_http_partoo_tryout_no_items =
    ngx_http_partoo_tryout_string("{\"errors\":{\"json\":{\"items\":"
                                  "\"is required\"}}}");

static const ngx_http_partoo_tryout_str_t  ngx_http_partoo_tryout_not_list =
    ngx_http_partoo_tryout_string("{\"errors\":{\"json\":{\"items\":"
                                  "\"must be a list\"}}}");

static const ngx_http_partoo_tryout_str_t  ngx_http_partoo_tryout_empty_list =
    ngx_http_partoo_tryout_string("{\"errors\":{\"json\":{\"items\":"
                                  "\"must contain at least one item\"}}}");

static const ngx_http_partoo_tryout_str_t  ngx_http_partoo_tryout_item_object =
    ngx_http_partoo_tryout_string("{\"errors\":{\"json\":{\"items\":{\"0\":"
                                  "\"must be an object\"}}}}");

static const ngx_http_partoo_tryout_str_t  ngx_http_partoo_tryout_fields_head =
    ngx_http_partoo_tryout_string("{\"errors\":{\"json\":{\"items\":{\"0\":{");

static const ngx_http_partoo_tryout_str_t  ngx_http_partoo_tryout_fields_tail =
    ngx_http_partoo_tryout_string("}}}}}");


ngx_http_partoo_tryout_validator_t *
ngx_http_partoo_tryout_validator_create(void)
{
    int                                  i, err;
    PCRE2_SIZE                           off;
    ngx_http_partoo_tryout_validator_t  *v;

    v = calloc(1, sizeof(ngx_http_partoo_tryout_validator_t));
    if (v == NULL) {
        return NULL;
    }

    /* the chunks are freed with what allocated them, whatever comes later */

    json_get_alloc_funcs(&v->arena.chunk_malloc, &v->arena.chunk_free);

    if (v->arena.chunk_malloc == ngx_http_partoo_tryout_json_malloc) {
        v->arena.chunk_malloc = ngx_http_partoo_tryout_next_malloc;
        v->arena.chunk_free = ngx_http_partoo_tryout_next_free;
    }

#if defined(NGX_HTTP_PARTOO_TRYOUT_ASAN)
    v->arena.poisoned = 1;
#elif defined(NGX_HTTP_PARTOO_TRYOUT_MEMCHECK)
    v->arena.poisoned = RUNNING_ON_VALGRIND;
#endif

    ngx_http_partoo_tryout_hooks_install();

    v->name_re = pcre2_compile(
                     (PCRE2_SPTR) NGX_HTTP_PARTOO_TRYOUT_NAME_PATTERN,
                     PCRE2_ZERO_TERMINATED, PCRE2_DOLLAR_ENDONLY, &err, &off,
                     NULL);
    if (v->name_re == NULL) {
        goto failed;
    }

    /* the interpreter gives the same answers, only slower */
    (void) pcre2_jit_compile(v->name_re, PCRE2_JIT_COMPLETE);

    v->match = pcre2_match_data_create_from_pattern(v->name_re, NULL);
    if (v->match == NULL) {
        goto failed;
    }

    v->url = curl_url();
    if (v->url == NULL) {
        goto failed;
    }

    for (i = 1; i < NGX_HTTP_PARTOO_TRYOUT_NMSG; i++) {
        v->msgs[i] = json_stringn_nocheck(ngx_http_partoo_tryout_msgs[i].data,
                                          ngx_http_partoo_tryout_msgs[i].len);
        if (v->msgs[i] == NULL) {
            goto failed;
        }
    }

    return v;

failed:

    ngx_http_partoo_tryout_validator_destroy(v);

    return NULL;
}


void
ngx_http_partoo_tryout_validator_destroy(ngx_http_partoo_tryout_validator_t *v)
{
    int  i;

    if (v == NULL) {
        return;
    }

    for (i = 1; i < NGX_HTTP_PARTOO_TRYOUT_NMSG; i++) {
        json_decref(v->msgs[i]);
    }

    ngx_http_partoo_tryout_arena_reset(&v->arena, 0);
    ngx_http_partoo_tryout_hooks_remove();

    if (v->url) {
        curl_url_cleanup(v->url);
    }

    if (v->match) {
        pcre2_match_data_free(v->match);
    }

    if (v->name_re) {
        pcre2_code_free(v->name_re);
    }

    free(v);
}


ngx_http_partoo_tryout_verdict_e
ngx_http_partoo_tryout_validate(ngx_http_partoo_tryout_validator_t *v,
    const char *body, size_t len, ngx_http_partoo_tryout_item_t *item)
{
    json_t                           *root, *items, *first;
    json_error_t                      err;
    ngx_http_partoo_tryout_arena_t   *arena;
    ngx_http_partoo_tryout_errors_t   errors;
    ngx_http_partoo_tryout_verdict_e  verdict;

    memset(item, 0, sizeof(ngx_http_partoo_tryout_item_t));

    /*
     * checked before parsing: jansson itself allows 2048 levels; the exact
     * scan only when the body has more brackets than the limit
     */

    if (len == 0
        || (ngx_http_partoo_tryout_count_opens(body, len)
            > NGX_HTTP_PARTOO_TRYOUT_MAX_DEPTH
            && ngx_http_partoo_tryout_json_too_deep(body, len,
                                           NGX_HTTP_PARTOO_TRYOUT_MAX_DEPTH)))
    {
        return ngx_http_partoo_tryout_item_error(item,
                                     &ngx_http_partoo_tryout_err_invalid_json);
    }

    /* a held arena, or hooks someone replaced: jansson's usual memory */

    arena = (v->arena.held || !ngx_http_partoo_tryout_hooks_installed())
            ? NULL : &v->arena;

    ngx_http_partoo_tryout_current_arena = arena;

    root = json_loadb(body, len, NGX_HTTP_PARTOO_TRYOUT_JSON_FLAGS, &err);

    ngx_http_partoo_tryout_current_arena = NULL;

    if (root == NULL) {
        ngx_http_partoo_tryout_drop(arena, NULL);

        /* jansson gives up without a message only when memory runs out */

        if (err.text[0] == '\0'
            || json_error_code(&err) == json_error_out_of_memory)
        {
            return NGX_HTTP_PARTOO_TRYOUT_ERROR;
        }

        return ngx_http_partoo_tryout_item_error(item,
                                     &ngx_http_partoo_tryout_err_invalid_json);
    }

    if (!json_is_object(root)) {
        ngx_http_partoo_tryout_drop(arena, root);
        return ngx_http_partoo_tryout_item_error(item,
                                       &ngx_http_partoo_tryout_err_not_object);
    }

    items = json_object_get(root, "items");

    if (items == NULL) {
        ngx_http_partoo_tryout_drop(arena, root);
        return ngx_http_partoo_tryout_item_error(item,
                                             &ngx_http_partoo_tryout_no_items);
    }

    if (!json_is_array(items)) {
        ngx_http_partoo_tryout_drop(arena, root);
        return ngx_http_partoo_tryout_item_error(item,
                                             &ngx_http_partoo_tryout_not_list);
    }

    if (json_array_size(items) == 0) {
        ngx_http_partoo_tryout_drop(arena, root);
        return ngx_http_partoo_tryout_item_error(item,
                                           &ngx_http_partoo_tryout_empty_list);
    }

    first = json_array_get(items, 0);

    if (!json_is_object(first)) {
        ngx_http_partoo_tryout_drop(arena, root);
        return ngx_http_partoo_tryout_item_error(item,
                                          &ngx_http_partoo_tryout_item_object);
    }

    errors.nheaders = 0;

    errors.url = ngx_http_partoo_tryout_check_url(v,
                                               json_object_get(first, "url"),
                                               item);
    errors.event_type = ngx_http_partoo_tryout_check_event(
                                        json_object_get(first, "event_type"),
                                        item);
    errors.custom_headers = ngx_http_partoo_tryout_check_headers(v,
                                    json_object_get(first, "custom_headers"),
                                    &errors, item);

    if (errors.url == NGX_HTTP_PARTOO_TRYOUT_FAILED
        || errors.custom_headers == NGX_HTTP_PARTOO_TRYOUT_FAILED)
    {
        ngx_http_partoo_tryout_drop(arena, root);
        memset(item, 0, sizeof(ngx_http_partoo_tryout_item_t));
        return NGX_HTTP_PARTOO_TRYOUT_ERROR;
    }

    if (errors.url == NGX_HTTP_PARTOO_TRYOUT_MSG_NONE
        && errors.event_type == NGX_HTTP_PARTOO_TRYOUT_MSG_NONE
        && errors.custom_headers == NGX_HTTP_PARTOO_TRYOUT_MSG_NONE
        && errors.nheaders == 0)
    {
        item->root = root;
        item->arena = arena;

        if (arena) {
            arena->held = 1;
        }

        return NGX_HTTP_PARTOO_TRYOUT_VALID;
    }

    /* the header names in "errors" point into "root" until the body is out */

    verdict = ngx_http_partoo_tryout_field_errors(v, &errors, arena, item);

    /* an error body in the arena keeps "root" there, unused, until freed */

    if (item->arena == NULL) {
        ngx_http_partoo_tryout_drop(arena, root);
    }

    return verdict;
}


void
ngx_http_partoo_tryout_item_free(ngx_http_partoo_tryout_item_t *item)
{
    if (item->arena) {
        ngx_http_partoo_tryout_arena_reset(item->arena, 1);

    } else {
        json_decref(item->root);
    }

    if (item->error_allocated) {
        free((char *) item->error);
    }

    memset(item, 0, sizeof(ngx_http_partoo_tryout_item_t));
}


const char *
ngx_http_partoo_tryout_event_name(ngx_http_partoo_tryout_event_e event)
{
    if ((unsigned) event >= NGX_HTTP_PARTOO_TRYOUT_NEVENTS) {
        return NULL;
    }

    return ngx_http_partoo_tryout_events[event].data;
}


int
ngx_http_partoo_tryout_event_lookup(const char *name, size_t len)
{
    int  i;

    for (i = 0; i < NGX_HTTP_PARTOO_TRYOUT_NEVENTS; i++) {
        if (ngx_http_partoo_tryout_events[i].len == len
            && memcmp(ngx_http_partoo_tryout_events[i].data, name, len) == 0)
        {
            return i;
        }
    }

    return -1;
}


static void
ngx_http_partoo_tryout_hooks_install(void)
{
    json_free_t    f;
    json_malloc_t  m;

    json_get_alloc_funcs(&m, &f);

    if (m != ngx_http_partoo_tryout_json_malloc) {
        ngx_http_partoo_tryout_next_malloc = m;
        ngx_http_partoo_tryout_next_free = f;
        json_set_alloc_funcs(ngx_http_partoo_tryout_json_malloc,
                             ngx_http_partoo_tryout_json_free);
    }

    ngx_http_partoo_tryout_hooks_users++;
}


/* the module's code may be unloaded next: jansson must not call into it */

static void
ngx_http_partoo_tryout_hooks_remove(void)
{
    if (--ngx_http_partoo_tryout_hooks_users == 0
        && ngx_http_partoo_tryout_hooks_installed())
    {
        json_set_alloc_funcs(ngx_http_partoo_tryout_next_malloc,
                             ngx_http_partoo_tryout_next_free);
    }
}


static int
ngx_http_partoo_tryout_hooks_installed(void)
{
    json_free_t    f;
    json_malloc_t  m;

    json_get_alloc_funcs(&m, &f);

    return m == ngx_http_partoo_tryout_json_malloc
           && f == ngx_http_partoo_tryout_json_free;
}


static void *
ngx_http_partoo_tryout_json_malloc(size_t size)
{
    ngx_http_partoo_tryout_arena_t  *arena;

    arena = ngx_http_partoo_tryout_current_arena;

    if (arena == NULL) {
        return ngx_http_partoo_tryout_next_malloc(size);
    }

    return ngx_http_partoo_tryout_arena_alloc(arena, size);
}


static void
ngx_http_partoo_tryout_json_free(void *p)
{
    ngx_http_partoo_tryout_arena_t  *arena;

    arena = ngx_http_partoo_tryout_current_arena;

    if (arena && ngx_http_partoo_tryout_arena_owns(arena, p)) {
        /* freed with the arena */
        return;
    }

    ngx_http_partoo_tryout_next_free(p);
}


static void *
ngx_http_partoo_tryout_arena_alloc(ngx_http_partoo_tryout_arena_t *arena,
    size_t size)
{
    char    *p;
    size_t   aligned;

    if (size > SIZE_MAX / 4) {
        return NULL;
    }

    aligned = ngx_http_partoo_tryout_align(size);

    if ((size_t) (arena->end - arena->pos) < aligned
        && ngx_http_partoo_tryout_arena_grow(arena, aligned) != 0)
    {
        return NULL;
    }

    p = arena->pos;
    arena->pos += aligned;

    if (arena->poisoned) {
        ngx_http_partoo_tryout_arena_mark(p, size, 1);
    }

    return p;
}


/* twice the newest chunk: a large body takes a few chunks only */

static int
ngx_http_partoo_tryout_arena_grow(ngx_http_partoo_tryout_arena_t *arena,
    size_t size)
{
    size_t                           n;
    ngx_http_partoo_tryout_chunk_t  *c;

    n = NGX_HTTP_PARTOO_TRYOUT_ARENA_SIZE;

    if (arena->chunks) {
        n = 2 * (size_t) (arena->chunks->end - (char *) arena->chunks);
    }

    if (n < NGX_HTTP_PARTOO_TRYOUT_CHUNK_HEADER + size) {
        n = NGX_HTTP_PARTOO_TRYOUT_CHUNK_HEADER + size;
    }

    c = arena->chunk_malloc(n);
    if (c == NULL) {
        return -1;
    }

    c->next = arena->chunks;
    c->end = (char *) c + n;

    arena->chunks = c;
    arena->pos = (char *) c + NGX_HTTP_PARTOO_TRYOUT_CHUNK_HEADER;
    arena->end = c->end;

    if (arena->poisoned) {
        ngx_http_partoo_tryout_arena_mark(arena->pos, arena->end - arena->pos,
                                          0);
    }

    return 0;
}


static int
ngx_http_partoo_tryout_arena_owns(ngx_http_partoo_tryout_arena_t *arena,
    void *p)
{
    uintptr_t                        u;
    ngx_http_partoo_tryout_chunk_t  *c;

    u = (uintptr_t) p;

    for (c = arena->chunks; c; c = c->next) {
        if (u >= (uintptr_t) c && u < (uintptr_t) c->end) {
            return 1;
        }
    }

    return 0;
}


/* with "keep", the first chunk stays for the next body, if of the usual size */

static void
ngx_http_partoo_tryout_arena_reset(ngx_http_partoo_tryout_arena_t *arena,
    int keep)
{
    ngx_http_partoo_tryout_chunk_t  *c;

    while (arena->chunks) {
        c = arena->chunks;

        if (keep && c->next == NULL
            && c->end - (char *) c == NGX_HTTP_PARTOO_TRYOUT_ARENA_SIZE)
        {
            break;
        }

        arena->chunks = c->next;
        arena->chunk_free(c);
    }

    c = arena->chunks;

    arena->pos = c ? (char *) c + NGX_HTTP_PARTOO_TRYOUT_CHUNK_HEADER : NULL;
    arena->end = c ? c->end : NULL;
    arena->held = 0;

    if (c && arena->poisoned) {
        ngx_http_partoo_tryout_arena_mark(arena->pos, arena->end - arena->pos,
                                          0);
    }
}


static void
ngx_http_partoo_tryout_arena_mark(void *p, size_t size, int used)
{
#if defined(NGX_HTTP_PARTOO_TRYOUT_ASAN)

    if (used) {
        ASAN_UNPOISON_MEMORY_REGION(p, size);

    } else {
        ASAN_POISON_MEMORY_REGION(p, size);
    }

#elif defined(NGX_HTTP_PARTOO_TRYOUT_MEMCHECK)

    if (used) {
        (void) VALGRIND_MAKE_MEM_UNDEFINED(p, size);

    } else {
        (void) VALGRIND_MAKE_MEM_NOACCESS(p, size);
    }

#else

    (void) p;
    (void) size;
    (void) used;

#endif
}


/* a document not kept: the arena's is dropped whole, without a tree walk */

static void
ngx_http_partoo_tryout_drop(ngx_http_partoo_tryout_arena_t *arena,
    json_t *root)
{
    if (arena) {
        ngx_http_partoo_tryout_arena_reset(arena, 1);

    } else {
        json_decref(root);
    }
}


/*
 * A bound of the depth: each container opens with a '[' or a '{' byte,
 * which differ in bit 0x20 alone.  Counted by blocks of 16 bytes, which
 * gcc vectorizes at -O2.
 */

static size_t
ngx_http_partoo_tryout_count_opens(const char *body, size_t len)
{
    size_t         i, j, n;
    unsigned char  block;

    n = 0;

    for (i = 0; i + 16 <= len; i += 16) {
        block = 0;

        for (j = 0; j < 16; j++) {
            block += ((body[i + j] | 0x20) == '{');
        }

        n += block;
    }

    for ( /* void */ ; i < len; i++) {
        n += ((body[i] | 0x20) == '{');
    }

    return n;
}


/*
 * "http" or "https", "://", then a host name that starts with a letter and
 * is made of non-empty labels of letters, digits and "-", and at most a
 * port of 1 to 65535 without leading zeros: libcurl accepts every such
 * URL whatever its path, query and fragment hold (printable ASCII, checked
 * before).  No userinfo, no IP literal, no number libcurl would read as an
 * address ("0x7f.1"): those are left to libcurl's parse.
 */

static int
ngx_http_partoo_tryout_plain_authority(const char *url, size_t scheme_len,
    const unsigned char *host, const unsigned char *authority_end)
{
    size_t                port, digits;
    const unsigned char  *p;

    if (!((scheme_len == sizeof("http") - 1
           && ngx_http_partoo_tryout_equal_nocase(url, "http", scheme_len))
          || (scheme_len == sizeof("https") - 1
              && ngx_http_partoo_tryout_equal_nocase(url, "https",
                                                     scheme_len))))
    {
        return 0;
    }

    p = host;

    /* "scheme://" precedes the host: no "@" came between */

    if (p != (const unsigned char *) url + scheme_len + sizeof("://") - 1
        || p == authority_end
        || !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
    {
        return 0;
    }

    for ( /* void */ ; p < authority_end && *p != ':'; p++) {

        if (*p == '.') {
            if (p[-1] == '.' || p + 1 == authority_end || p[1] == ':'
                || p[1] == '.')
            {
                return 0;
            }

            continue;
        }

        if (!((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
            && !(*p >= '0' && *p <= '9') && *p != '-')
        {
            return 0;
        }
    }

    if (p == authority_end) {
        return 1;
    }

    /* ":" port */

    p++;

    if (p == authority_end || *p == '0') {
        return 0;
    }

    port = 0;

    for (digits = 0; p < authority_end; p++, digits++) {
        if (*p < '0' || *p > '9' || digits == 5) {
            return 0;
        }

        port = port * 10 + (*p - '0');
    }

    return port <= 65535;
}


static int
ngx_http_partoo_tryout_check_url(ngx_http_partoo_tryout_validator_t *v,
    const json_t *value, ngx_http_partoo_tryout_item_t *item)
{
    int                   bad;
    size_t                i, len, chars, scheme_len;
    CURLUcode             rc;
    const char           *url;
    unsigned char         c;
    const unsigned char  *p, *end, *host, *authority_end;

    if (value == NULL) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_REQUIRED;
    }

    if (!json_is_string(value)) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_STRING;
    }

    url = json_string_value(value);
    len = json_string_length(value);

    /* code points are the bytes that do not continue a UTF-8 sequence */

    chars = 0;
    bad = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) url[i];
        chars += ((c & 0xc0) != 0x80);

        /* spaces, controls and, by choice, non-ASCII (IRIs, IDN) */
        bad |= (c <= 0x20 || c >= 0x7f);
    }

    if (chars > NGX_HTTP_PARTOO_TRYOUT_MAX_URL) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_URL_LENGTH;
    }

    if (bad) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_URL_INVALID;
    }

    /*
     * scheme "://" authority with a non-empty host, as RFC 3986 has it:
     * libcurl alone reads "https:///x" as host "x" and "https:/x" as well
     */

    p = (const unsigned char *) url;
    end = p + len;

    if (p == end || !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_URL_INVALID;
    }

    for (p++; p < end; p++) {
        c = *p;

        if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
            && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.')
        {
            break;
        }
    }

    scheme_len = p - (const unsigned char *) url;

    if (end - p < 3 || p[0] != ':' || p[1] != '/' || p[2] != '/') {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_URL_INVALID;
    }

    p += 3;
    host = p;

    for ( /* void */ ; p < end; p++) {
        if (*p == '/' || *p == '?' || *p == '#') {
            break;
        }

        if (*p == '@') {
            host = p + 1;
        }
    }

    authority_end = p;

    if (host < authority_end && *host == '[') {
        for (p = host + 1; p < authority_end && *p != ']'; p++) {
            /* void */
        }

        if (p == host + 1 || p == authority_end) {
            return NGX_HTTP_PARTOO_TRYOUT_MSG_URL_INVALID;
        }

    } else if (host == authority_end || *host == ':') {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_URL_INVALID;
    }

    /*
     * what the thread-pool engine's libcurl will parse, and nothing else;
     * a plain authority is one libcurl takes as it is, so its parse (a
     * quarter of a typical body's validation) is spared there
     */

    if (!ngx_http_partoo_tryout_plain_authority(url, scheme_len, host,
                                                authority_end))
    {
        rc = curl_url_set(v->url, CURLUPART_URL, url,
                          CURLU_NON_SUPPORT_SCHEME);

        if (rc == CURLUE_OUT_OF_MEMORY) {
            return NGX_HTTP_PARTOO_TRYOUT_FAILED;
        }

        if (rc != CURLUE_OK) {
            return NGX_HTTP_PARTOO_TRYOUT_MSG_URL_INVALID;
        }
    }

    if (scheme_len != sizeof("https") - 1
        || !ngx_http_partoo_tryout_equal_nocase(url, "https", scheme_len))
    {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_URL_HTTPS;
    }

    item->url = url;
    item->url_len = len;

    return NGX_HTTP_PARTOO_TRYOUT_MSG_NONE;
}


static int
ngx_http_partoo_tryout_check_event(const json_t *value,
    ngx_http_partoo_tryout_item_t *item)
{
    int  event;

    if (value == NULL) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_REQUIRED;
    }

    if (!json_is_string(value)) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_STRING;
    }

    event = ngx_http_partoo_tryout_event_lookup(json_string_value(value),
                                                json_string_length(value));
    if (event < 0) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_EVENT;
    }

    item->event = event;

    return NGX_HTTP_PARTOO_TRYOUT_MSG_NONE;
}


/*
 * Returns the error of "custom_headers" as a whole; the errors of single
 * entries go to "errors", the entries themselves to item->headers in order.
 */

static int
ngx_http_partoo_tryout_check_headers(ngx_http_partoo_tryout_validator_t *v,
    const json_t *value, ngx_http_partoo_tryout_errors_t *errors,
    ngx_http_partoo_tryout_item_t *item)
{
    int                               msg;
    void                             *iter;
    size_t                            n;
    ngx_http_partoo_tryout_header_t  *h;

    if (value == NULL || json_is_null(value)) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_NONE;
    }

    if (!json_is_object(value)) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_OBJECT;
    }

    if (json_object_size(value) > NGX_HTTP_PARTOO_TRYOUT_MAX_HEADERS) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_HEADERS_MAX;
    }

    n = 0;

    /* jansson iterates an object in the order of the document */

    for (iter = json_object_iter((json_t *) value);
         iter != NULL;
         iter = json_object_iter_next((json_t *) value, iter))
    {
        h = &item->headers[n];
        h->name = json_object_iter_key(iter);
        h->name_len = json_object_iter_key_len(iter);

        msg = ngx_http_partoo_tryout_check_header(v,
                                                  json_object_iter_value(iter),
                                                  item, n);

        if (msg == NGX_HTTP_PARTOO_TRYOUT_FAILED) {
            return NGX_HTTP_PARTOO_TRYOUT_FAILED;
        }

        if (msg != NGX_HTTP_PARTOO_TRYOUT_MSG_NONE) {
            errors->headers[errors->nheaders].name = h->name;
            errors->headers[errors->nheaders].name_len = h->name_len;
            errors->headers[errors->nheaders].msg = msg;
            errors->nheaders++;
        }

        n++;
    }

    item->nheaders = n;

    return NGX_HTTP_PARTOO_TRYOUT_MSG_NONE;
}


/* checks item->headers[n], whose name is set, against the earlier ones */

static int
ngx_http_partoo_tryout_check_header(ngx_http_partoo_tryout_validator_t *v,
    const json_t *value, ngx_http_partoo_tryout_item_t *item, size_t n)
{
    int                               rc, control;
    size_t                            i, len, chars;
    const char                       *s;
    unsigned char                     c;
    ngx_http_partoo_tryout_header_t  *h;

    h = &item->headers[n];

    /* the pattern alone lets controls, DEL and non-ASCII bytes through */

    for (i = 0; i < h->name_len; i++) {
        c = (unsigned char) h->name[i];

        if (c < 0x20 || c >= 0x7f) {
            return NGX_HTTP_PARTOO_TRYOUT_MSG_NAME_INVALID;
        }
    }

    rc = pcre2_match(v->name_re, (PCRE2_SPTR) h->name, h->name_len, 0, 0,
                     v->match, NULL);

    if (rc == PCRE2_ERROR_NOMATCH) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_NAME_INVALID;
    }

    if (rc < 0) {
        return NGX_HTTP_PARTOO_TRYOUT_FAILED;
    }

    /* a valid name is ASCII: its bytes are its characters */

    if (h->name_len > NGX_HTTP_PARTOO_TRYOUT_MAX_HEADER_NAME) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_NAME_LENGTH;
    }

    for (i = 0; i < n; i++) {
        if (item->headers[i].name_len == h->name_len
            && ngx_http_partoo_tryout_equal_nocase(item->headers[i].name,
                                                   h->name, h->name_len))
        {
            return NGX_HTTP_PARTOO_TRYOUT_MSG_NAME_DUPLICATE;
        }
    }

    if (!json_is_string(value)) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_STRING;
    }

    s = json_string_value(value);
    len = json_string_length(value);

    chars = 0;
    control = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];
        chars += ((c & 0xc0) != 0x80);

        /*
         * Unicode's controls: C0 (TAB too), DEL, and C1, which is
         * U+0080..U+009F, in UTF-8 0xc2 0x80..0x9f
         */

        control |= (c < 0x20 || c == 0x7f
                    || (c == 0xc2 && i + 1 < len
                        && (unsigned char) s[i + 1] < 0xa0));
    }

    if (chars > NGX_HTTP_PARTOO_TRYOUT_MAX_HEADER_VALUE) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_VALUE_LENGTH;
    }

    if (control) {
        return NGX_HTTP_PARTOO_TRYOUT_MSG_VALUE_CONTROL;
    }

    h->value = s;
    h->value_len = len;

    return NGX_HTTP_PARTOO_TRYOUT_MSG_NONE;
}


static int
ngx_http_partoo_tryout_equal_nocase(const char *a, const char *b, size_t len)
{
    unsigned char  ca, cb;

    while (len--) {
        ca = (unsigned char) *a++;
        cb = (unsigned char) *b++;

        if (ca >= 'A' && ca <= 'Z') {
            ca |= 0x20;
        }

        if (cb >= 'A' && cb <= 'Z') {
            cb |= 0x20;
        }

        if (ca != cb) {
            return 0;
        }
    }

    return 1;
}


static ngx_http_partoo_tryout_verdict_e
ngx_http_partoo_tryout_item_error(ngx_http_partoo_tryout_item_t *item,
    const ngx_http_partoo_tryout_str_t *body)
{
    item->error = body->data;
    item->error_len = body->len;
    item->error_allocated = 0;

    return NGX_HTTP_PARTOO_TRYOUT_INVALID;
}


/*
 * The envelope and the messages are constants; only the header names come
 * from the client, so jansson encodes the custom_headers object alone.
 */

static ngx_http_partoo_tryout_verdict_e
ngx_http_partoo_tryout_field_errors(ngx_http_partoo_tryout_validator_t *v,
    const ngx_http_partoo_tryout_errors_t *errors,
    ngx_http_partoo_tryout_arena_t *arena,
    ngx_http_partoo_tryout_item_t *item)
{
    int      first;
    char    *buf, *p;
    size_t   i, size, headers_len;
    json_t  *headers;

    memset(item, 0, sizeof(ngx_http_partoo_tryout_item_t));

    headers = NULL;
    headers_len = 0;

    if (errors->nheaders) {
        headers = json_object();
        if (headers == NULL) {
            return NGX_HTTP_PARTOO_TRYOUT_ERROR;
        }

        for (i = 0; i < errors->nheaders; i++) {
            if (json_object_setn(headers, errors->headers[i].name,
                                 errors->headers[i].name_len,
                                 v->msgs[errors->headers[i].msg])
                != 0)
            {
                json_decref(headers);
                return NGX_HTTP_PARTOO_TRYOUT_ERROR;
            }
        }

        headers_len = json_dumpb(headers, NULL, 0, JSON_COMPACT);
        if (headers_len == 0) {
            json_decref(headers);
            return NGX_HTTP_PARTOO_TRYOUT_ERROR;
        }
    }

    size = NGX_HTTP_PARTOO_TRYOUT_FIELDS_SIZE + headers_len;

    buf = arena ? ngx_http_partoo_tryout_arena_alloc(arena, size)
                : malloc(size);
    if (buf == NULL) {
        json_decref(headers);
        return NGX_HTTP_PARTOO_TRYOUT_ERROR;
    }

    p = buf;
    memcpy(p, ngx_http_partoo_tryout_fields_head.data,
           ngx_http_partoo_tryout_fields_head.len);
    p += ngx_http_partoo_tryout_fields_head.len;

    first = 1;

    if (errors->url) {
        p = ngx_http_partoo_tryout_put_field(p, first, "url", 3);
        p = ngx_http_partoo_tryout_put_msg(p, errors->url);
        first = 0;
    }

    if (errors->event_type) {
        p = ngx_http_partoo_tryout_put_field(p, first, "event_type", 10);
        p = ngx_http_partoo_tryout_put_msg(p, errors->event_type);
        first = 0;
    }

    if (errors->custom_headers) {
        p = ngx_http_partoo_tryout_put_field(p, first, "custom_headers", 14);
        p = ngx_http_partoo_tryout_put_msg(p, errors->custom_headers);

    } else if (headers) {
        p = ngx_http_partoo_tryout_put_field(p, first, "custom_headers", 14);

        if (json_dumpb(headers, p, headers_len, JSON_COMPACT) != headers_len)
        {
            json_decref(headers);

            if (arena == NULL) {
                free(buf);
            }

            return NGX_HTTP_PARTOO_TRYOUT_ERROR;
        }

        p += headers_len;
    }

    json_decref(headers);

    memcpy(p, ngx_http_partoo_tryout_fields_tail.data,
           ngx_http_partoo_tryout_fields_tail.len);
    p += ngx_http_partoo_tryout_fields_tail.len;

    *p = '\0';

    item->error = buf;
    item->error_len = p - buf;

    if (arena) {
        item->arena = arena;
        arena->held = 1;

    } else {
        item->error_allocated = 1;
    }

    return NGX_HTTP_PARTOO_TRYOUT_INVALID;
}


static char *
ngx_http_partoo_tryout_put_field(char *p, int first, const char *key,
    size_t key_len)
{
    if (!first) {
        *p++ = ',';
    }

    *p++ = '"';
    memcpy(p, key, key_len);
    p += key_len;
    *p++ = '"';
    *p++ = ':';

    return p;
}


static char *
ngx_http_partoo_tryout_put_msg(char *p, int msg)
{
    *p++ = '"';
    memcpy(p, ngx_http_partoo_tryout_msgs[msg].data,
           ngx_http_partoo_tryout_msgs[msg].len);
    p += ngx_http_partoo_tryout_msgs[msg].len;
    *p++ = '"';

    return p;
}
