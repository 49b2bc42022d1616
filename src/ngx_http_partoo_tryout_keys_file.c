
/*
 * Copyright (C) Partoo tryout module authors
 *
 * The key file parser.  The file is decoded one entry at a time: jansson
 * builds a small object per key and drops it, where a tree of the whole
 * document would take several times the file's size (about 1 GB for
 * 1,000,000 keys).  The top level is walked here; every value goes through
 * jansson.
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "ngx_http_partoo_tryout_keys_file.h"
#include "ngx_http_partoo_tryout_util.h"


/* user_ids and org lists are carved from blocks of this size, or larger */
#define NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_BLOCK  65536


struct ngx_http_partoo_tryout_keys_file_block_s {
    ngx_http_partoo_tryout_keys_file_block_t  *next;
    size_t                                     used;
    size_t                                     size;
    int64_t                                    data[1];
};


typedef struct {
    const char                                *name;
    unsigned                                   role;
} ngx_http_partoo_tryout_keys_file_role_t;


static const char *ngx_http_partoo_tryout_keys_file_list(
    ngx_http_partoo_tryout_keys_file_t *kf, const char *text, const char *p,
    const char *last);
static void ngx_http_partoo_tryout_keys_file_syntax(
    ngx_http_partoo_tryout_keys_file_t *kf, const char *text, const char *p,
    json_error_t *error);
static const char *ngx_http_partoo_tryout_keys_file_reason(
    const json_error_t *error);
static void ngx_http_partoo_tryout_keys_file_expected(
    ngx_http_partoo_tryout_keys_file_t *kf, const char *text, const char *p,
    const char *what);
static void ngx_http_partoo_tryout_keys_file_position(const char *text,
    const char *pos, size_t *line, size_t *column);
static int ngx_http_partoo_tryout_keys_file_entry(
    ngx_http_partoo_tryout_keys_file_t *kf, json_t *obj, size_t index);
static int ngx_http_partoo_tryout_keys_file_org_ids(
    ngx_http_partoo_tryout_keys_file_t *kf, json_t *orgs, size_t index,
    ngx_http_partoo_tryout_keys_file_entry_t *entry);
static void ngx_http_partoo_tryout_keys_file_error(
    ngx_http_partoo_tryout_keys_file_t *kf, size_t index, const char *fmt,
    ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void *ngx_http_partoo_tryout_keys_file_alloc(
    ngx_http_partoo_tryout_keys_file_t *kf, size_t size);
static int ngx_http_partoo_tryout_keys_file_hex(unsigned char *dst,
    const unsigned char *src, size_t len);
static int ngx_http_partoo_tryout_keys_file_cmp_entries(const void *one,
    const void *two);
static int ngx_http_partoo_tryout_keys_file_cmp_orgs(const void *one,
    const void *two);


static const ngx_http_partoo_tryout_keys_file_role_t
    ngx_http_partoo_tryout_keys_file_roles[] =
{
    { "PROVIDER", NGX_HTTP_PARTOO_TRYOUT_ROLE_PROVIDER },
    { "ORG_ADMIN", NGX_HTTP_PARTOO_TRYOUT_ROLE_ORG_ADMIN },
    { "ORG_MANAGER", NGX_HTTP_PARTOO_TRYOUT_ROLE_ORG_MANAGER },
    { "GROUP_MANAGER", NGX_HTTP_PARTOO_TRYOUT_ROLE_GROUP_MANAGER },
    { "BUSINESS_MANAGER", NGX_HTTP_PARTOO_TRYOUT_ROLE_BUSINESS_MANAGER },
    { "PUBLISHER", NGX_HTTP_PARTOO_TRYOUT_ROLE_PUBLISHER },
    { NULL, 0 }
};


unsigned
ngx_http_partoo_tryout_keys_file_role(const unsigned char *name, size_t len)
{
    const ngx_http_partoo_tryout_keys_file_role_t  *role;

    for (role = ngx_http_partoo_tryout_keys_file_roles; role->name; role++) {
        if (strlen(role->name) == len && memcmp(role->name, name, len) == 0) {
            return role->role;
        }
    }

    return 0;
}


int
ngx_http_partoo_tryout_keys_file_sha256(const unsigned char *data,
    size_t len, unsigned char *digest)
{
    unsigned int  n;

    if (EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) != 1
        || n != NGX_HTTP_PARTOO_TRYOUT_KEYS_DIGEST_LEN)
    {
        /* nothing of OpenSSL's is left for the next caller to trip on */
        ERR_clear_error();
        return -1;
    }

    return 0;
}


int
ngx_http_partoo_tryout_keys_file_parse(ngx_http_partoo_tryout_keys_file_t *kf,
    unsigned char *buf, size_t len)
{
    int            found, is_keys;
    size_t         i;
    json_t        *value;
    json_error_t   error;
    const char    *text, *p, *last;

    kf->error_index = NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_NO_ENTRY;
    kf->error[0] = '\0';

    text = (const char *) buf;
    last = text + len;

    /* about 100 bytes of JSON per key: room without regrowing, mostly */

    kf->nalloc = len / 100 + 1;
    kf->entries = malloc(kf->nalloc
                         * sizeof(ngx_http_partoo_tryout_keys_file_entry_t));
    if (kf->entries == NULL) {
        return -1;
    }

    p = ngx_http_partoo_tryout_json_skip_ws(text, last);

    if (*p != '{') {
        value = json_loadb(text, len, JSON_DECODE_ANY, &error);

        if (value) {
            json_decref(value);
            goto not_keys;
        }

        ngx_http_partoo_tryout_keys_file_syntax(kf, text, text, &error);
        return -1;
    }

    found = 0;

    for ( ;; ) {
        p = ngx_http_partoo_tryout_json_skip_ws(p + 1, last);

        if (*p == '}' && !found) {
            goto not_keys;
        }

        value = json_loadb(p, last - p,
                           JSON_DECODE_ANY|JSON_DISABLE_EOF_CHECK, &error);

        if (value == NULL || !json_is_string(value)) {
            json_decref(value);
            ngx_http_partoo_tryout_keys_file_expected(kf, text, p, "string");
            return -1;
        }

        is_keys = (json_string_length(value) == 4
                   && memcmp(json_string_value(value), "keys", 4) == 0);

        json_decref(value);

        p = ngx_http_partoo_tryout_json_skip_ws(p + error.position, last);

        if (*p != ':') {
            ngx_http_partoo_tryout_keys_file_expected(kf, text, p, "':'");
            return -1;
        }

        p = ngx_http_partoo_tryout_json_skip_ws(p + 1, last);

        if (is_keys) {
            if (found++) {
                ngx_http_partoo_tryout_keys_file_error(kf,
                                   NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_NO_ENTRY,
                                   "\"keys\" appears twice");
                return -1;
            }

            if (*p != '[') {
                goto not_keys;
            }

            p = ngx_http_partoo_tryout_keys_file_list(kf, text, p, last);
            if (p == NULL) {
                return -1;
            }

        } else {
            /* another member: checked as JSON, and ignored */

            value = json_loadb(p, last - p,
                               JSON_DECODE_ANY|JSON_DISABLE_EOF_CHECK
                               |JSON_REJECT_DUPLICATES, &error);
            if (value == NULL) {
                ngx_http_partoo_tryout_keys_file_syntax(kf, text, p, &error);
                return -1;
            }

            json_decref(value);
            p += error.position;
        }

        p = ngx_http_partoo_tryout_json_skip_ws(p, last);

        if (*p == '}') {
            break;
        }

        if (*p != ',') {
            ngx_http_partoo_tryout_keys_file_expected(kf, text, p,
                                                      "',' or '}'");
            return -1;
        }
    }

    if (!found) {
        goto not_keys;
    }

    p = ngx_http_partoo_tryout_json_skip_ws(p + 1, last);

    if (p != last) {
        ngx_http_partoo_tryout_keys_file_expected(kf, text, p, "end of file");
        return -1;
    }

    /* sorted, a duplicate key sits next to its twin */

    if (kf->nkeys > 1) {
        qsort(kf->entries, kf->nkeys,
              sizeof(ngx_http_partoo_tryout_keys_file_entry_t),
              ngx_http_partoo_tryout_keys_file_cmp_entries);
    }

    for (i = 1; i < kf->nkeys; i++) {
        if (memcmp(kf->entries[i - 1].digest, kf->entries[i].digest,
                   NGX_HTTP_PARTOO_TRYOUT_KEYS_DIGEST_LEN)
            == 0)
        {
            if (kf->entries[i - 1].index > kf->entries[i].index) {
                ngx_http_partoo_tryout_keys_file_error(kf,
                    kf->entries[i - 1].index, "the same key as keys[%zu]",
                    kf->entries[i].index);

            } else {
                ngx_http_partoo_tryout_keys_file_error(kf,
                    kf->entries[i].index, "the same key as keys[%zu]",
                    kf->entries[i - 1].index);
            }

            return -1;
        }
    }

    return 0;

not_keys:

    ngx_http_partoo_tryout_keys_file_error(kf,
                                   NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_NO_ENTRY,
                                   "must be an object with a \"keys\" list");
    return -1;
}


void
ngx_http_partoo_tryout_keys_file_free(ngx_http_partoo_tryout_keys_file_t *kf)
{
    ngx_http_partoo_tryout_keys_file_block_t  *b, *next;

    free(kf->entries);
    kf->entries = NULL;
    kf->nkeys = 0;
    kf->nalloc = 0;

    for (b = kf->blocks; b; b = next) {
        next = b->next;
        free(b);
    }

    kf->blocks = NULL;
}


/* "p" is at '[': returns the position after the matching ']' */

static const char *
ngx_http_partoo_tryout_keys_file_list(ngx_http_partoo_tryout_keys_file_t *kf,
    const char *text, const char *p, const char *last)
{
    int            rc;
    size_t         i;
    json_t        *obj;
    json_error_t   error;

    p = ngx_http_partoo_tryout_json_skip_ws(p + 1, last);

    if (*p == ']') {
        return p + 1;
    }

    for (i = 0; /* void */ ; i++) {

        obj = json_loadb(p, last - p,
                         JSON_DECODE_ANY|JSON_DISABLE_EOF_CHECK
                         |JSON_REJECT_DUPLICATES, &error);
        if (obj == NULL) {
            ngx_http_partoo_tryout_keys_file_syntax(kf, text, p, &error);
            return NULL;
        }

        p += error.position;

        rc = ngx_http_partoo_tryout_keys_file_entry(kf, obj, i);

        json_decref(obj);

        if (rc != 0) {
            return NULL;
        }

        p = ngx_http_partoo_tryout_json_skip_ws(p, last);

        if (*p == ']') {
            return p + 1;
        }

        if (*p != ',') {
            ngx_http_partoo_tryout_keys_file_expected(kf, text, p,
                                                      "',' or ']'");
            return NULL;
        }

        p = ngx_http_partoo_tryout_json_skip_ws(p + 1, last);
    }
}


/*
 * jansson's error in a value that starts at "p", placed in the file.
 * Never jansson's text: it quotes the token "near" the error, which may
 * be a plaintext key or a part of one.
 */

static void
ngx_http_partoo_tryout_keys_file_syntax(ngx_http_partoo_tryout_keys_file_t *kf,
    const char *text, const char *p, json_error_t *error)
{
    size_t  line, column;

    ngx_http_partoo_tryout_keys_file_position(text, p + error->position,
                                              &line, &column);

    ngx_http_partoo_tryout_keys_file_error(kf,
                                   NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_NO_ENTRY,
                                   "invalid JSON at line %zu, column %zu: %s",
                                   line, column,
                                   ngx_http_partoo_tryout_keys_file_reason(
                                       error));

    /* jansson's text quotes the file */
    memset(error, 0, sizeof(json_error_t));
}


static const char *
ngx_http_partoo_tryout_keys_file_reason(const json_error_t *error)
{
#if (JANSSON_VERSION_HEX >= 0x020b00)

    switch (json_error_code(error)) {

    case json_error_out_of_memory:
        return "out of memory";

    case json_error_stack_overflow:
        return "nested too deep";

    case json_error_invalid_utf8:
        return "invalid UTF-8";

    case json_error_premature_end_of_input:
        return "premature end of input";

    case json_error_end_of_input_expected:
        return "end of file expected";

    case json_error_null_character:
        return "NUL character in a string";

    case json_error_null_byte_in_key:
        return "NUL byte in an object key";

    case json_error_duplicate_key:
        return "duplicate object key";

    case json_error_numeric_overflow:
        return "number out of range";

    default:
        return "invalid syntax";
    }

#else

    return "invalid syntax";

#endif
}


static void
ngx_http_partoo_tryout_keys_file_expected(
    ngx_http_partoo_tryout_keys_file_t *kf, const char *text, const char *p,
    const char *what)
{
    size_t  line, column;

    ngx_http_partoo_tryout_keys_file_position(text, p + 1, &line, &column);

    /* never the byte found: it may start a plaintext key */

    ngx_http_partoo_tryout_keys_file_error(kf,
                                   NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_NO_ENTRY,
                                   "invalid JSON at line %zu, column %zu: "
                                   "%s expected%s",
                                   line, column, what,
                                   *p == '\0' ? " near end of file" : "");
}


/* line and column (of bytes) of the byte before "pos", as jansson counts */

static void
ngx_http_partoo_tryout_keys_file_position(const char *text,
    const char *pos, size_t *line, size_t *column)
{
    const char  *p, *nl;

    *line = 1;
    nl = text - 1;

    for (p = text; p < pos - 1; p++) {
        if (*p == '\n') {
            (*line)++;
            nl = p;
        }
    }

    *column = pos - nl - 1;
}


static int
ngx_http_partoo_tryout_keys_file_entry(ngx_http_partoo_tryout_keys_file_t *kf,
    json_t *obj, size_t index)
{
    size_t                                     len;
    json_t                                    *key, *sha, *user, *role, *org;
    json_t                                    *orgs;
    json_int_t                                 id;
    const unsigned char                       *p, *last;
    ngx_http_partoo_tryout_keys_file_entry_t  *entry;

    if (!json_is_object(obj)) {
        ngx_http_partoo_tryout_keys_file_error(kf, index, "must be an object");
        return -1;
    }

    if (kf->nkeys == kf->nalloc) {
        entry = realloc(kf->entries, 2 * kf->nalloc
                        * sizeof(ngx_http_partoo_tryout_keys_file_entry_t));
        if (entry == NULL) {
            return -1;
        }

        kf->entries = entry;
        kf->nalloc *= 2;
    }

    entry = &kf->entries[kf->nkeys];

    memset(entry, 0, sizeof(ngx_http_partoo_tryout_keys_file_entry_t));
    entry->index = index;

    /* user_id first: a plaintext key's warning names it */

    user = json_object_get(obj, "user_id");

    if (user == NULL) {
        ngx_http_partoo_tryout_keys_file_error(kf, index,
                                               "\"user_id\" is required");
        return -1;
    }

    p = (const unsigned char *) json_string_value(user);
    len = json_string_length(user);

    if (p == NULL || len == 0 || len > NGX_HTTP_PARTOO_TRYOUT_USER_ID_MAX) {
        goto invalid_user;
    }

    for (last = p + len; p < last; p++) {
        if (*p <= 0x20 || *p >= 0x7f) {
            goto invalid_user;
        }
    }

    entry->user_id = ngx_http_partoo_tryout_keys_file_alloc(kf, len);
    if (entry->user_id == NULL) {
        return -1;
    }

    memcpy(entry->user_id, json_string_value(user), len);
    entry->user_id_len = (unsigned char) len;

    key = json_object_get(obj, "key");
    sha = json_object_get(obj, "key_sha256");

    if (key && sha) {
        ngx_http_partoo_tryout_keys_file_error(kf, index,
                                    "has both \"key\" and \"key_sha256\"");
        return -1;
    }

    if (sha) {
        p = (const unsigned char *) json_string_value(sha);

        if (p == NULL
            || json_string_length(sha)
               != 2 * NGX_HTTP_PARTOO_TRYOUT_KEYS_DIGEST_LEN
            || ngx_http_partoo_tryout_keys_file_hex(entry->digest, p,
                                       NGX_HTTP_PARTOO_TRYOUT_KEYS_DIGEST_LEN)
               != 0)
        {
            ngx_http_partoo_tryout_keys_file_error(kf, index,
                        "\"key_sha256\" must be 64 hexadecimal digits");
            return -1;
        }

    } else if (key) {
        p = (const unsigned char *) json_string_value(key);

        if (p == NULL || json_string_length(key) == 0) {
            ngx_http_partoo_tryout_keys_file_error(kf, index,
                                    "\"key\" must be a non-empty string");
            return -1;
        }

        if (ngx_http_partoo_tryout_keys_file_sha256(p,
                                                    json_string_length(key),
                                                    entry->digest)
            != 0)
        {
            ngx_http_partoo_tryout_keys_file_error(kf, index,
                                                   "SHA-256 failed");
            return -1;
        }

        /* warned about by the zone, which logs to the new error_log */

        if (kf->nplaintext < NGX_HTTP_PARTOO_TRYOUT_PLAINTEXT_WARNINGS) {
            kf->plaintext[kf->nplaintext].index = index;
            kf->plaintext[kf->nplaintext].user_id = entry->user_id;
            kf->plaintext[kf->nplaintext].user_id_len = entry->user_id_len;
        }

        kf->nplaintext++;

    } else {
        ngx_http_partoo_tryout_keys_file_error(kf, index,
                                               "\"key_sha256\" is required");
        return -1;
    }

    role = json_object_get(obj, "role");

    if (role == NULL) {
        ngx_http_partoo_tryout_keys_file_error(kf, index,
                                               "\"role\" is required");
        return -1;
    }

    p = (const unsigned char *) json_string_value(role);
    len = json_string_length(role);

    if (p == NULL) {
        ngx_http_partoo_tryout_keys_file_error(kf, index,
                                               "\"role\" must be a string");
        return -1;
    }

    entry->role = (unsigned char) ngx_http_partoo_tryout_keys_file_role(p,
                                                                        len);

    if (entry->role == 0) {
        /* a role name is short; anything longer is cut in the message */
        ngx_http_partoo_tryout_keys_file_error(kf, index,
                                               "unknown role \"%.*s\"",
                                               (int) (len < 32 ? len : 32),
                                               (const char *) p);
        return -1;
    }

    org = json_object_get(obj, "org_id");
    orgs = json_object_get(obj, "org_ids");

    if (entry->role == NGX_HTTP_PARTOO_TRYOUT_ROLE_PROVIDER) {

        if (org) {
            ngx_http_partoo_tryout_keys_file_error(kf, index,
                            "a PROVIDER has \"org_ids\", not \"org_id\"");
            return -1;
        }

        if (orgs == NULL) {
            ngx_http_partoo_tryout_keys_file_error(kf, index,
                            "\"org_ids\" is required for a PROVIDER");
            return -1;
        }

        if (ngx_http_partoo_tryout_keys_file_org_ids(kf, orgs, index, entry)
            != 0)
        {
            return -1;
        }

        kf->nkeys++;
        return 0;
    }

    if (orgs) {
        ngx_http_partoo_tryout_keys_file_error(kf, index,
                            "only a PROVIDER has \"org_ids\"");
        return -1;
    }

    if (org == NULL) {
        ngx_http_partoo_tryout_keys_file_error(kf, index,
                                               "\"org_id\" is required");
        return -1;
    }

    id = json_integer_value(org);

    if (!json_is_integer(org) || id <= 0) {
        ngx_http_partoo_tryout_keys_file_error(kf, index,
                            "\"org_id\" must be a positive integer");
        return -1;
    }

    entry->org_id = id;
    kf->nkeys++;

    return 0;

invalid_user:

    ngx_http_partoo_tryout_keys_file_error(kf, index,
                    "\"user_id\" must be 1 to 255 printable ASCII "
                    "characters without spaces");
    return -1;
}


static int
ngx_http_partoo_tryout_keys_file_org_ids(
    ngx_http_partoo_tryout_keys_file_t *kf, json_t *orgs, size_t index,
    ngx_http_partoo_tryout_keys_file_entry_t *entry)
{
    size_t       n, i, k;
    json_t      *org;
    int64_t     *ids;
    json_int_t   id;

    n = json_array_size(orgs);

    if (!json_is_array(orgs) || n == 0 || n > 0xffffff) {
        goto invalid;
    }

    ids = ngx_http_partoo_tryout_keys_file_alloc(kf, n * sizeof(int64_t));
    if (ids == NULL) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        org = json_array_get(orgs, i);
        id = json_integer_value(org);

        if (!json_is_integer(org) || id <= 0) {
            goto invalid;
        }

        ids[i] = id;
    }

    /* sorted for the binary search of a lookup; repeats are harmless */

    qsort(ids, n, sizeof(int64_t), ngx_http_partoo_tryout_keys_file_cmp_orgs);

    for (i = 1, k = 1; i < n; i++) {
        if (ids[i] != ids[k - 1]) {
            ids[k++] = ids[i];
        }
    }

    entry->org_ids = ids;
    entry->norgs = (uint32_t) k;

    return 0;

invalid:

    ngx_http_partoo_tryout_keys_file_error(kf, index,
                "\"org_ids\" must be a non-empty list of positive integers");
    return -1;
}


static void
ngx_http_partoo_tryout_keys_file_error(ngx_http_partoo_tryout_keys_file_t *kf,
    size_t index, const char *fmt, ...)
{
    va_list  args;

    kf->error_index = index;

    va_start(args, fmt);
    vsnprintf(kf->error, sizeof(kf->error), fmt, args);
    va_end(args);
}


/* 8-byte aligned pieces of blocks freed all at once */

static void *
ngx_http_partoo_tryout_keys_file_alloc(ngx_http_partoo_tryout_keys_file_t *kf,
    size_t size)
{
    size_t                                     room;
    ngx_http_partoo_tryout_keys_file_block_t  *b;

    size = (size + sizeof(int64_t) - 1) & ~(sizeof(int64_t) - 1);

    b = kf->blocks;

    if (b == NULL || b->size - b->used < size) {
        room = size > NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_BLOCK
               ? size : NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_BLOCK;

        b = malloc(offsetof(ngx_http_partoo_tryout_keys_file_block_t, data)
                   + room);
        if (b == NULL) {
            return NULL;
        }

        b->next = kf->blocks;
        b->used = 0;
        b->size = room;
        kf->blocks = b;
    }

    b->used += size;

    return (unsigned char *) b->data + b->used - size;
}


static int
ngx_http_partoo_tryout_keys_file_hex(unsigned char *dst,
    const unsigned char *src, size_t len)
{
    size_t         i, k;
    unsigned char  c, hi, lo;

    hi = 0;

    for (i = 0; i < len; i++) {

        for (k = 0; k < 2; k++) {
            c = src[2 * i + k];

            if (c >= '0' && c <= '9') {
                lo = (unsigned char) (c - '0');

            } else {
                c |= 0x20;

                if (c < 'a' || c > 'f') {
                    return -1;
                }

                lo = (unsigned char) (c - 'a' + 10);
            }

            if (k == 0) {
                hi = lo;

            } else {
                dst[i] = (unsigned char) (hi << 4 | lo);
            }
        }
    }

    return 0;
}


static int
ngx_http_partoo_tryout_keys_file_cmp_entries(const void *one, const void *two)
{
    const ngx_http_partoo_tryout_keys_file_entry_t  *a = one;
    const ngx_http_partoo_tryout_keys_file_entry_t  *b = two;

    return memcmp(a->digest, b->digest,
                  NGX_HTTP_PARTOO_TRYOUT_KEYS_DIGEST_LEN);
}


static int
ngx_http_partoo_tryout_keys_file_cmp_orgs(const void *one, const void *two)
{
    int64_t  a = *(const int64_t *) one;
    int64_t  b = *(const int64_t *) two;

    return (a > b) - (a < b);
}
