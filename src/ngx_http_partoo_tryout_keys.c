
/*
 * Copyright (C) Partoo tryout module authors
 *
 * API keys.  The key file is parsed when the configuration is read; its
 * keys live in a shared memory zone as SHA-256 digests, in an rbtree
 * allocated from the zone's slab pool, so every worker authenticates a
 * request with one hash and one O(log n) lookup under a read lock.
 *
 * Reload.  On SIGHUP nginx hands a zone of the same name and size to the
 * new cycle with the old cycle's data, while the old workers keep reading
 * it.  The new key set is therefore built beside the current one (under
 * the slab mutex: only the master allocates here, workers only read), and
 * becomes current in init_module, once nothing can fail the cycle any more:
 * the root pointer is swapped under the write lock, which waits for the
 * lookups in flight, and the old set is freed afterwards, when no reader
 * can reach it.  Old and new workers see the new keys at the same moment;
 * a cycle that fails leaves the current set alone and frees its own.  The
 * price is room for two sets, which the zone must have: it is checked at
 * every load, so "nginx -t" tells before a reload would.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <jansson.h>

#include "ngx_http_partoo_tryout_keys.h"
#include "ngx_http_partoo_tryout_http.h"


#define NGX_HTTP_PARTOO_TRYOUT_USER_ID_MAX  255

/* pages kept free beyond two sets: partly used slab pages of each size */
#define NGX_HTTP_PARTOO_TRYOUT_SLACK_PAGES  16

/* a plaintext key warns once per entry, up to this many entries */
#define NGX_HTTP_PARTOO_TRYOUT_PLAINTEXT_WARNINGS  16


/* one key in shared memory */

typedef struct {
    ngx_rbtree_node_t                    node;    /* key: digest's start */
    u_char                               digest[SHA256_DIGEST_LENGTH];
    int64_t                              org_id;  /* 0 for a PROVIDER */
    uint32_t                             norgs;   /* a PROVIDER's orgs */
    u_char                               role;
    u_char                               user_id_len;
    u_char                               data[1]; /* user_id, then orgs */
} ngx_http_partoo_tryout_keys_node_t;


typedef struct {
    ngx_rbtree_t                         rbtree;
    ngx_rbtree_node_t                    sentinel;
    ngx_uint_t                           nkeys;
} ngx_http_partoo_tryout_keys_set_t;


typedef struct {
    ngx_atomic_t                         lock;    /* rwlock over "set" */
    ngx_http_partoo_tryout_keys_set_t   *set;
    ngx_uint_t                           pages;   /* pages for key sets */
} ngx_http_partoo_tryout_keys_shctx_t;


/* one key as parsed from the file, until the set is built */

typedef struct {
    u_char                               digest[SHA256_DIGEST_LENGTH];
    int64_t                              org_id;
    int64_t                             *org_ids; /* sorted, distinct */
    u_char                              *user_id;
    ngx_uint_t                           index;   /* in "keys" */
    uint32_t                             norgs;
    u_char                               role;
    u_char                               user_id_len;
} ngx_http_partoo_tryout_keys_entry_t;


typedef struct {
    ngx_uint_t                           index;
    ngx_str_t                            user_id;
} ngx_http_partoo_tryout_keys_plain_t;


/* the zone's process-local side: shm_zone->data */

typedef struct {
    ngx_http_partoo_tryout_keys_shctx_t *sh;
    ngx_slab_pool_t                     *shpool;
    ngx_shm_zone_t                      *shm_zone;

    ngx_str_t                            file;

    /* the parsed file: lives in "pool" until init_zone built the set */
    ngx_pool_t                          *pool;
    ngx_array_t                          entries;    /* of _entry_t */
    ngx_uint_t                           nkeys;
    ngx_array_t                          plaintext;  /* of _plain_t */
    ngx_uint_t                           nplaintext;
    ngx_msec_t                           parse_time;

    /* built beside the current set on reload, published in init_module */
    ngx_http_partoo_tryout_keys_set_t   *pending;

    const EVP_MD                        *md;
    EVP_MD                              *fetched_md;
    EVP_MD_CTX                          *md_ctx;    /* per process */
} ngx_http_partoo_tryout_keys_zone_t;


typedef struct {
    ngx_str_t                            name;
    ngx_uint_t                           role;
} ngx_http_partoo_tryout_keys_role_t;


static char *ngx_http_partoo_tryout_keys_load(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx);
static u_char *ngx_http_partoo_tryout_keys_parse_list(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, u_char *buf, u_char *p,
    u_char *last);
static u_char *ngx_http_partoo_tryout_keys_ws(u_char *p, u_char *last);
static void ngx_http_partoo_tryout_keys_syntax(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, u_char *buf, u_char *p,
    json_error_t *error);
static const char *ngx_http_partoo_tryout_keys_json_reason(
    const json_error_t *error);
static void ngx_http_partoo_tryout_keys_expected(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, u_char *buf, u_char *p,
    const char *what);
static void ngx_http_partoo_tryout_keys_position(u_char *buf, u_char *pos,
    ngx_uint_t *line, ngx_uint_t *column);
static char *ngx_http_partoo_tryout_keys_parse_entry(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, json_t *obj, ngx_uint_t index,
    ngx_http_partoo_tryout_keys_entry_t *entry);
static char *ngx_http_partoo_tryout_keys_parse_org_ids(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, json_t *orgs, ngx_uint_t index,
    ngx_http_partoo_tryout_keys_entry_t *entry);
static void ngx_http_partoo_tryout_keys_entry_error(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, ngx_uint_t index,
    const char *fmt, ...);
static ngx_int_t ngx_http_partoo_tryout_keys_hex(u_char *dst, u_char *src,
    size_t len);
static int ngx_libc_cdecl ngx_http_partoo_tryout_keys_cmp_entries(
    const void *one, const void *two);
static int ngx_libc_cdecl ngx_http_partoo_tryout_keys_cmp_orgs(
    const void *one, const void *two);
static ngx_int_t ngx_http_partoo_tryout_keys_hash(
    ngx_http_partoo_tryout_keys_zone_t *ctx, u_char *data, size_t len,
    u_char *digest);

static ngx_int_t ngx_http_partoo_tryout_keys_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static ngx_http_partoo_tryout_keys_set_t *ngx_http_partoo_tryout_keys_build(
    ngx_http_partoo_tryout_keys_zone_t *ctx);
static void ngx_http_partoo_tryout_keys_too_small(
    ngx_http_partoo_tryout_keys_zone_t *ctx, ngx_uint_t built,
    ngx_uint_t used);
static void ngx_http_partoo_tryout_keys_warn_plaintext(
    ngx_http_partoo_tryout_keys_zone_t *ctx);
static void ngx_http_partoo_tryout_keys_free_set(ngx_slab_pool_t *shpool,
    ngx_http_partoo_tryout_keys_set_t *set);
static void ngx_http_partoo_tryout_keys_free_nodes(ngx_slab_pool_t *shpool,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static void ngx_http_partoo_tryout_keys_rbtree_insert(
    ngx_rbtree_node_t *temp, ngx_rbtree_node_t *node,
    ngx_rbtree_node_t *sentinel);
static void ngx_http_partoo_tryout_keys_free_parsed(
    ngx_http_partoo_tryout_keys_zone_t *ctx);
static void ngx_http_partoo_tryout_keys_cleanup(void *data);

static ngx_table_elt_t *ngx_http_partoo_tryout_keys_header(
    ngx_http_request_t *r);
static ngx_uint_t ngx_http_partoo_tryout_keys_has_org(
    ngx_http_partoo_tryout_keys_node_t *kn, int64_t org_id);


/*
 * The zones' tag.  Not the module's, which samples zones carry: a zone
 * renamed from one use to the other by a reload must start afresh rather
 * than be handed the other kind's data.
 */
static u_char  ngx_http_partoo_tryout_keys_tag;


static ngx_http_partoo_tryout_keys_role_t  ngx_http_partoo_tryout_keys_roles[]
    = {
    { ngx_string("PROVIDER"), NGX_HTTP_PARTOO_TRYOUT_ROLE_PROVIDER },
    { ngx_string("ORG_ADMIN"), NGX_HTTP_PARTOO_TRYOUT_ROLE_ORG_ADMIN },
    { ngx_string("ORG_MANAGER"), NGX_HTTP_PARTOO_TRYOUT_ROLE_ORG_MANAGER },
    { ngx_string("GROUP_MANAGER"), NGX_HTTP_PARTOO_TRYOUT_ROLE_GROUP_MANAGER },
    { ngx_string("BUSINESS_MANAGER"),
      NGX_HTTP_PARTOO_TRYOUT_ROLE_BUSINESS_MANAGER },
    { ngx_string("PUBLISHER"), NGX_HTTP_PARTOO_TRYOUT_ROLE_PUBLISHER },
    { ngx_null_string, 0 }
};


static ngx_uint_t
ngx_http_partoo_tryout_keys_role(ngx_str_t *name)
{
    ngx_http_partoo_tryout_keys_role_t  *role;

    for (role = ngx_http_partoo_tryout_keys_roles; role->name.len; role++) {
        if (role->name.len == name->len
            && ngx_strncmp(role->name.data, name->data, name->len) == 0)
        {
            return role->role;
        }
    }

    return 0;
}


char *
ngx_http_partoo_tryout_keys_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    u_char                              *p;
    ssize_t                              size;
    ngx_str_t                           *value, name, file, s;
    ngx_uint_t                           i;
    ngx_shm_zone_t                      *shm_zone;
    ngx_pool_cleanup_t                  *cln;
    ngx_http_partoo_tryout_keys_zone_t  *ctx;

    value = cf->args->elts;

    size = 0;
    ngx_str_null(&name);
    ngx_str_null(&file);

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {

            name.data = value[i].data + 5;

            p = (u_char *) ngx_strchr(name.data, ':');

            if (p == NULL) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone size \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            name.len = p - name.data;

            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;

            size = ngx_parse_size(&s);

            if (size == NGX_ERROR || name.len == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone size \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            if (size < (ssize_t) (8 * ngx_pagesize)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "zone \"%V\" is too small", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "file=", 5) == 0) {

            file.data = value[i].data + 5;
            file.len = value[i].len - 5;

            if (file.len == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid key file \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"zone\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (file.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"file\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    /* relative to the configuration directory, as auth_basic_user_file */
    if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    shm_zone = ngx_shared_memory_add(cf, &name, size,
                                     &ngx_http_partoo_tryout_keys_tag);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "duplicate zone \"%V\"", &name);
        return NGX_CONF_ERROR;
    }

    ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_partoo_tryout_keys_zone_t));
    if (ctx == NULL) {
        return NGX_CONF_ERROR;
    }

    ctx->shm_zone = shm_zone;
    ctx->file = file;

    shm_zone->init = ngx_http_partoo_tryout_keys_init_zone;
    shm_zone->data = ctx;

    /* "nginx -s reload" only reads the pid path: the master loads the keys */
    if (ngx_process == NGX_PROCESS_SIGNALLER) {
        return NGX_CONF_OK;
    }

    /* frees what a failed cycle leaves: the parse, an unpublished set */

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_partoo_tryout_keys_cleanup;
    cln->data = ctx;

#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
    /* fetched once: EVP_sha256() would look the provider up per digest */
    ctx->fetched_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    ctx->md = ctx->fetched_md;
#else
    ctx->md = EVP_sha256();
#endif

    ctx->md_ctx = EVP_MD_CTX_new();

    if (ctx->md == NULL || ctx->md_ctx == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": SHA-256 is not available", &cmd->name);
        return NGX_CONF_ERROR;
    }

    return ngx_http_partoo_tryout_keys_load(cf, ctx);
}


/*
 * The file is read whole, but decoded one entry at a time: jansson builds
 * a small object per key and drops it, where a tree of the whole document
 * would take several times the file's size (about 1 GB for 1,000,000
 * keys).  The top level is walked here; every value goes through jansson.
 */

static char *
ngx_http_partoo_tryout_keys_load(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx)
{
    char                                *rv;
    u_char                              *buf, *p, *last;
    size_t                               size;
    ssize_t                              n;
    json_t                              *value;
    ngx_fd_t                             fd;
    ngx_uint_t                           i, found, is_keys;
    ngx_msec_t                           start;
    json_error_t                         error;
    ngx_file_info_t                      fi;
    ngx_http_partoo_tryout_keys_entry_t *entries;

    ngx_time_update();
    start = ngx_current_msec;

    fd = ngx_open_file(ctx->file.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "key file \"%V\": " ngx_open_file_n " failed",
                           &ctx->file);
        return NGX_CONF_ERROR;
    }

    rv = NGX_CONF_ERROR;
    buf = NULL;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "key file \"%V\": " ngx_fd_info_n " failed",
                           &ctx->file);
        goto done;
    }

    if (!ngx_is_file(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "key file \"%V\": not a regular file", &ctx->file);
        goto done;
    }

    size = (size_t) ngx_file_size(&fi);

    /* NUL-terminated, so that a look past the last byte finds no token */

    buf = ngx_alloc(size + 1, cf->log);
    if (buf == NULL) {
        goto done;
    }

    for (p = buf, last = buf + size; p < last; p += n) {
        n = ngx_read_fd(fd, p, last - p);

        if (n == -1) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                               "key file \"%V\": " ngx_read_fd_n " failed",
                               &ctx->file);
            goto done;
        }

        if (n == 0) {
            /* the file shrank while read: take what there is */
            last = p;
            break;
        }
    }

    *last = '\0';

    ctx->pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, cf->log);
    if (ctx->pool == NULL) {
        goto done;
    }

    if (ngx_array_init(&ctx->plaintext, ctx->pool,
                       NGX_HTTP_PARTOO_TRYOUT_PLAINTEXT_WARNINGS,
                       sizeof(ngx_http_partoo_tryout_keys_plain_t))
        != NGX_OK)
    {
        goto done;
    }

    /* about 100 bytes of JSON per key: room without regrowing, mostly */

    if (ngx_array_init(&ctx->entries, ctx->pool, size / 100 + 1,
                       sizeof(ngx_http_partoo_tryout_keys_entry_t))
        != NGX_OK)
    {
        goto done;
    }

    p = ngx_http_partoo_tryout_keys_ws(buf, last);

    if (*p != '{') {
        value = json_loadb((char *) buf, last - buf, JSON_DECODE_ANY, &error);

        if (value) {
            json_decref(value);
            goto not_keys;
        }

        ngx_http_partoo_tryout_keys_syntax(cf, ctx, buf, buf, &error);
        goto done;
    }

    found = 0;

    for ( ;; ) {
        p = ngx_http_partoo_tryout_keys_ws(p + 1, last);

        if (*p == '}' && !found) {
            goto not_keys;
        }

        value = json_loadb((char *) p, last - p,
                           JSON_DECODE_ANY|JSON_DISABLE_EOF_CHECK, &error);

        if (value == NULL || !json_is_string(value)) {
            json_decref(value);
            ngx_http_partoo_tryout_keys_expected(cf, ctx, buf, p,
                                                 "string");
            goto done;
        }

        is_keys = (json_string_length(value) == 4
                   && ngx_strncmp(json_string_value(value), "keys", 4) == 0);

        json_decref(value);

        p = ngx_http_partoo_tryout_keys_ws(p + error.position, last);

        if (*p != ':') {
            ngx_http_partoo_tryout_keys_expected(cf, ctx, buf, p, "':'");
            goto done;
        }

        p = ngx_http_partoo_tryout_keys_ws(p + 1, last);

        if (is_keys) {
            if (found++) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "key file \"%V\": \"keys\" appears twice",
                                   &ctx->file);
                goto done;
            }

            if (*p != '[') {
                goto not_keys;
            }

            p = ngx_http_partoo_tryout_keys_parse_list(cf, ctx, buf, p, last);
            if (p == NULL) {
                goto done;
            }

        } else {
            /* another member: checked as JSON, and ignored */

            value = json_loadb((char *) p, last - p,
                               JSON_DECODE_ANY|JSON_DISABLE_EOF_CHECK
                               |JSON_REJECT_DUPLICATES, &error);
            if (value == NULL) {
                ngx_http_partoo_tryout_keys_syntax(cf, ctx, buf, p, &error);
                goto done;
            }

            json_decref(value);
            p += error.position;
        }

        p = ngx_http_partoo_tryout_keys_ws(p, last);

        if (*p == '}') {
            break;
        }

        if (*p != ',') {
            ngx_http_partoo_tryout_keys_expected(cf, ctx, buf, p,
                                                 "',' or '}'");
            goto done;
        }
    }

    if (!found) {
        goto not_keys;
    }

    p = ngx_http_partoo_tryout_keys_ws(p + 1, last);

    if (p != last) {
        ngx_http_partoo_tryout_keys_expected(cf, ctx, buf, p, "end of file");
        goto done;
    }

    /* sorted, a duplicate key sits next to its twin */

    entries = ctx->entries.elts;
    ctx->nkeys = ctx->entries.nelts;

    if (ctx->nkeys > 1) {
        qsort(entries, ctx->nkeys, sizeof(ngx_http_partoo_tryout_keys_entry_t),
              ngx_http_partoo_tryout_keys_cmp_entries);
    }

    for (i = 1; i < ctx->nkeys; i++) {
        if (ngx_memcmp(entries[i - 1].digest, entries[i].digest,
                       SHA256_DIGEST_LENGTH)
            == 0)
        {
            ngx_http_partoo_tryout_keys_entry_error(cf, ctx,
                ngx_max(entries[i - 1].index, entries[i].index),
                "the same key as keys[%ui]",
                ngx_min(entries[i - 1].index, entries[i].index));
            goto done;
        }
    }

    ngx_time_update();
    ctx->parse_time = ngx_current_msec - start;

    rv = NGX_CONF_OK;
    goto done;

not_keys:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "key file \"%V\": must be an object with "
                       "a \"keys\" list", &ctx->file);

done:

    if (buf) {
        /* plaintext keys were in it */
        ngx_explicit_memzero(buf, size + 1);
        ngx_free(buf);
    }

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_ALERT, cf, ngx_errno,
                           ngx_close_file_n " \"%V\" failed", &ctx->file);
    }

    if (rv != NGX_CONF_OK) {
        ngx_http_partoo_tryout_keys_free_parsed(ctx);
    }

    return rv;
}


/* "p" is at '[': returns the position after the matching ']' */

static u_char *
ngx_http_partoo_tryout_keys_parse_list(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, u_char *buf, u_char *p,
    u_char *last)
{
    json_t                               *obj;
    ngx_uint_t                            i;
    json_error_t                          error;
    ngx_http_partoo_tryout_keys_entry_t  *entry;

    p = ngx_http_partoo_tryout_keys_ws(p + 1, last);

    if (*p == ']') {
        return p + 1;
    }

    for (i = 0; /* void */ ; i++) {

        obj = json_loadb((char *) p, last - p,
                         JSON_DECODE_ANY|JSON_DISABLE_EOF_CHECK
                         |JSON_REJECT_DUPLICATES, &error);
        if (obj == NULL) {
            ngx_http_partoo_tryout_keys_syntax(cf, ctx, buf, p, &error);
            return NULL;
        }

        p += error.position;

        entry = ngx_array_push(&ctx->entries);
        if (entry == NULL) {
            json_decref(obj);
            return NULL;
        }

        if (ngx_http_partoo_tryout_keys_parse_entry(cf, ctx, obj, i, entry)
            != NGX_CONF_OK)
        {
            json_decref(obj);
            return NULL;
        }

        json_decref(obj);

        p = ngx_http_partoo_tryout_keys_ws(p, last);

        if (*p == ']') {
            return p + 1;
        }

        if (*p != ',') {
            ngx_http_partoo_tryout_keys_expected(cf, ctx, buf, p,
                                                 "',' or ']'");
            return NULL;
        }

        p = ngx_http_partoo_tryout_keys_ws(p + 1, last);
    }
}


static u_char *
ngx_http_partoo_tryout_keys_ws(u_char *p, u_char *last)
{
    while (p < last
           && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    {
        p++;
    }

    return p;
}


/*
 * jansson's error in a value that starts at "p", placed in the file.
 * Never jansson's text: it quotes the token "near" the error, which may
 * be a plaintext key or a part of one.
 */

static void
ngx_http_partoo_tryout_keys_syntax(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, u_char *buf, u_char *p,
    json_error_t *error)
{
    ngx_uint_t  line, column;

    ngx_http_partoo_tryout_keys_position(buf, p + error->position, &line,
                                         &column);

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "key file \"%V\": invalid JSON at line %ui, "
                       "column %ui: %s",
                       &ctx->file, line, column,
                       ngx_http_partoo_tryout_keys_json_reason(error));

    ngx_explicit_memzero(error, sizeof(json_error_t));
}


static const char *
ngx_http_partoo_tryout_keys_json_reason(const json_error_t *error)
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
ngx_http_partoo_tryout_keys_expected(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, u_char *buf, u_char *p,
    const char *what)
{
    ngx_uint_t  line, column;

    ngx_http_partoo_tryout_keys_position(buf, p + 1, &line, &column);

    if (*p == '\0') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "key file \"%V\": invalid JSON at line %ui, "
                           "column %ui: %s expected near end of file",
                           &ctx->file, line, column, what);
        return;
    }

    /* not the byte found: it may start a plaintext key */

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "key file \"%V\": invalid JSON at line %ui, "
                       "column %ui: %s expected",
                       &ctx->file, line, column, what);
}


/* line and column (of bytes) of the byte before "pos", as jansson counts */

static void
ngx_http_partoo_tryout_keys_position(u_char *buf, u_char *pos,
    ngx_uint_t *line, ngx_uint_t *column)
{
    u_char  *p, *nl;

    *line = 1;
    nl = buf - 1;

    for (p = buf; p < pos - 1; p++) {
        if (*p == '\n') {
            (*line)++;
            nl = p;
        }
    }

    *column = pos - nl - 1;
}


static char *
ngx_http_partoo_tryout_keys_parse_entry(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, json_t *obj, ngx_uint_t index,
    ngx_http_partoo_tryout_keys_entry_t *entry)
{
    size_t                                len;
    u_char                               *p, *last;
    json_t                               *key, *sha, *user, *role, *org, *orgs;
    ngx_str_t                             name;
    json_int_t                            id;
    ngx_http_partoo_tryout_keys_plain_t  *plain;

    if (!json_is_object(obj)) {
        ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                                                "must be an object");
        return NGX_CONF_ERROR;
    }

    ngx_memzero(entry, sizeof(ngx_http_partoo_tryout_keys_entry_t));
    entry->index = index;

    /* user_id first: a plaintext key's warning names it */

    user = json_object_get(obj, "user_id");

    if (user == NULL) {
        ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                                                "\"user_id\" is required");
        return NGX_CONF_ERROR;
    }

    p = (u_char *) json_string_value(user);
    len = json_string_length(user);

    if (p == NULL || len == 0 || len > NGX_HTTP_PARTOO_TRYOUT_USER_ID_MAX) {
        goto invalid_user;
    }

    for (last = p + len; p < last; p++) {
        if (*p <= 0x20 || *p >= 0x7f) {
            goto invalid_user;
        }
    }

    entry->user_id = ngx_pnalloc(ctx->pool, len);
    if (entry->user_id == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(entry->user_id, json_string_value(user), len);
    entry->user_id_len = (u_char) len;

    key = json_object_get(obj, "key");
    sha = json_object_get(obj, "key_sha256");

    if (key && sha) {
        ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                                    "has both \"key\" and \"key_sha256\"");
        return NGX_CONF_ERROR;
    }

    if (sha) {
        p = (u_char *) json_string_value(sha);

        if (p == NULL
            || json_string_length(sha) != 2 * SHA256_DIGEST_LENGTH
            || ngx_http_partoo_tryout_keys_hex(entry->digest, p,
                                          SHA256_DIGEST_LENGTH)
               != NGX_OK)
        {
            ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                        "\"key_sha256\" must be 64 hexadecimal digits");
            return NGX_CONF_ERROR;
        }

    } else if (key) {
        p = (u_char *) json_string_value(key);

        if (p == NULL || json_string_length(key) == 0) {
            ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                                    "\"key\" must be a non-empty string");
            return NGX_CONF_ERROR;
        }

        if (ngx_http_partoo_tryout_keys_hash(ctx, p, json_string_length(key),
                                             entry->digest)
            != NGX_OK)
        {
            ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                                                    "SHA-256 failed");
            return NGX_CONF_ERROR;
        }

        /* warned about in init_zone, which logs to the new error_log */

        if (ctx->nplaintext++ < NGX_HTTP_PARTOO_TRYOUT_PLAINTEXT_WARNINGS) {
            plain = ngx_array_push(&ctx->plaintext);
            if (plain == NULL) {
                return NGX_CONF_ERROR;
            }

            plain->index = index;
            plain->user_id.data = entry->user_id;
            plain->user_id.len = len;
        }

    } else {
        ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                                                "\"key_sha256\" is required");
        return NGX_CONF_ERROR;
    }

    role = json_object_get(obj, "role");

    if (role == NULL) {
        ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                                                "\"role\" is required");
        return NGX_CONF_ERROR;
    }

    name.data = (u_char *) json_string_value(role);
    name.len = json_string_length(role);

    if (name.data == NULL) {
        ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                                                "\"role\" must be a string");
        return NGX_CONF_ERROR;
    }

    entry->role = (u_char) ngx_http_partoo_tryout_keys_role(&name);

    if (entry->role == 0) {
        /* a role name is short; anything longer is cut in the message */
        ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                                    "unknown role \"%*s\"",
                                    ngx_min(name.len, 32), name.data);
        return NGX_CONF_ERROR;
    }

    org = json_object_get(obj, "org_id");
    orgs = json_object_get(obj, "org_ids");

    if (entry->role == NGX_HTTP_PARTOO_TRYOUT_ROLE_PROVIDER) {

        if (org) {
            ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                            "a PROVIDER has \"org_ids\", not \"org_id\"");
            return NGX_CONF_ERROR;
        }

        if (orgs == NULL) {
            ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                            "\"org_ids\" is required for a PROVIDER");
            return NGX_CONF_ERROR;
        }

        return ngx_http_partoo_tryout_keys_parse_org_ids(cf, ctx, orgs,
                                                         index, entry);
    }

    if (orgs) {
        ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                            "only a PROVIDER has \"org_ids\"");
        return NGX_CONF_ERROR;
    }

    if (org == NULL) {
        ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                                                "\"org_id\" is required");
        return NGX_CONF_ERROR;
    }

    id = json_integer_value(org);

    if (!json_is_integer(org) || id <= 0) {
        ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                            "\"org_id\" must be a positive integer");
        return NGX_CONF_ERROR;
    }

    entry->org_id = id;

    return NGX_CONF_OK;

invalid_user:

    ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                    "\"user_id\" must be 1 to 255 printable ASCII "
                    "characters without spaces");
    return NGX_CONF_ERROR;
}


static char *
ngx_http_partoo_tryout_keys_parse_org_ids(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, json_t *orgs, ngx_uint_t index,
    ngx_http_partoo_tryout_keys_entry_t *entry)
{
    size_t       n, i, k;
    json_t      *org;
    int64_t     *ids;
    json_int_t   id;

    n = json_array_size(orgs);

    if (!json_is_array(orgs) || n == 0 || n > 0xffffff) {
        goto invalid;
    }

    ids = ngx_palloc(ctx->pool, n * sizeof(int64_t));
    if (ids == NULL) {
        return NGX_CONF_ERROR;
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

    qsort(ids, n, sizeof(int64_t), ngx_http_partoo_tryout_keys_cmp_orgs);

    for (i = 1, k = 1; i < n; i++) {
        if (ids[i] != ids[k - 1]) {
            ids[k++] = ids[i];
        }
    }

    entry->org_ids = ids;
    entry->norgs = (uint32_t) k;

    return NGX_CONF_OK;

invalid:

    ngx_http_partoo_tryout_keys_entry_error(cf, ctx, index,
                "\"org_ids\" must be a non-empty list of positive integers");
    return NGX_CONF_ERROR;
}


static void
ngx_http_partoo_tryout_keys_entry_error(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, ngx_uint_t index,
    const char *fmt, ...)
{
    u_char   *p;
    va_list   args;
    u_char    errstr[NGX_MAX_CONF_ERRSTR];

    va_start(args, fmt);
    p = ngx_vslprintf(errstr, errstr + NGX_MAX_CONF_ERRSTR, fmt, args);
    va_end(args);

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "key file \"%V\", keys[%ui]: %*s",
                       &ctx->file, index, (size_t) (p - errstr), errstr);
}


static ngx_int_t
ngx_http_partoo_tryout_keys_hex(u_char *dst, u_char *src, size_t len)
{
    u_char      c, hi, lo;
    ngx_uint_t  i, k;

    for (i = 0; i < len; i++) {

        for (k = 0; k < 2; k++) {
            c = src[2 * i + k];

            if (c >= '0' && c <= '9') {
                lo = (u_char) (c - '0');

            } else {
                c |= 0x20;

                if (c < 'a' || c > 'f') {
                    return NGX_ERROR;
                }

                lo = (u_char) (c - 'a' + 10);
            }

            if (k == 0) {
                hi = lo;

            } else {
                dst[i] = (u_char) (hi << 4 | lo);
            }
        }
    }

    return NGX_OK;
}


static int ngx_libc_cdecl
ngx_http_partoo_tryout_keys_cmp_entries(const void *one, const void *two)
{
    const ngx_http_partoo_tryout_keys_entry_t  *a = one;
    const ngx_http_partoo_tryout_keys_entry_t  *b = two;

    return ngx_memcmp(a->digest, b->digest,
                      SHA256_DIGEST_LENGTH);
}


static int ngx_libc_cdecl
ngx_http_partoo_tryout_keys_cmp_orgs(const void *one, const void *two)
{
    int64_t  a = *(const int64_t *) one;
    int64_t  b = *(const int64_t *) two;

    return (a > b) - (a < b);
}


static ngx_int_t
ngx_http_partoo_tryout_keys_hash(ngx_http_partoo_tryout_keys_zone_t *ctx,
    u_char *data, size_t len, u_char *digest)
{
    unsigned int  n;

    if (EVP_DigestInit_ex(ctx->md_ctx, ctx->md, NULL) != 1
        || EVP_DigestUpdate(ctx->md_ctx, data, len) != 1
        || EVP_DigestFinal_ex(ctx->md_ctx, digest, &n) != 1
        || n != SHA256_DIGEST_LENGTH)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_partoo_tryout_keys_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_partoo_tryout_keys_zone_t  *octx = data;

    size_t                               len;
    ngx_int_t                            rc;
    ngx_http_partoo_tryout_keys_set_t   *set;
    ngx_http_partoo_tryout_keys_zone_t  *ctx;

    ctx = shm_zone->data;

    rc = NGX_ERROR;

    if (octx) {
        /* a reload: old workers read the current set while this runs */

        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;

        set = ngx_http_partoo_tryout_keys_build(ctx);
        if (set == NULL) {
            goto done;
        }

        ctx->pending = set;
        rc = NGX_OK;
        goto done;
    }

    ctx->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        ctx->sh = ctx->shpool->data;
        rc = NGX_OK;
        goto done;
    }

    ctx->sh = ngx_slab_calloc(ctx->shpool,
                              sizeof(ngx_http_partoo_tryout_keys_shctx_t));
    if (ctx->sh == NULL) {
        goto done;
    }

    ctx->shpool->data = ctx->sh;

    len = sizeof(" in partoo_tryout_keys_zone \"\"") + shm_zone->shm.name.len;

    ctx->shpool->log_ctx = ngx_slab_alloc(ctx->shpool, len);
    if (ctx->shpool->log_ctx == NULL) {
        goto done;
    }

    ngx_sprintf(ctx->shpool->log_ctx, " in partoo_tryout_keys_zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone is reported here, with the numbers that help */
    ctx->shpool->log_nomem = 0;

    ctx->sh->pages = ctx->shpool->pfree;

    set = ngx_http_partoo_tryout_keys_build(ctx);
    if (set == NULL) {
        goto done;
    }

    /* a fresh zone: no reader yet */
    ctx->sh->set = set;

    rc = NGX_OK;

done:

    ngx_http_partoo_tryout_keys_free_parsed(ctx);

    return rc;
}


static ngx_http_partoo_tryout_keys_set_t *
ngx_http_partoo_tryout_keys_build(ngx_http_partoo_tryout_keys_zone_t *ctx)
{
    u_char                               *p;
    size_t                                size;
    ngx_uint_t                            i, pfree, used;
    ngx_msec_t                            start;
    ngx_slab_pool_t                      *shpool;
    ngx_http_partoo_tryout_keys_set_t    *set;
    ngx_http_partoo_tryout_keys_node_t   *kn;
    ngx_http_partoo_tryout_keys_entry_t  *entry;

    ngx_time_update();
    start = ngx_current_msec;

    shpool = ctx->shpool;

    ngx_shmtx_lock(&shpool->mutex);

    pfree = shpool->pfree;

    set = ngx_slab_alloc_locked(shpool,
                                sizeof(ngx_http_partoo_tryout_keys_set_t));
    if (set == NULL) {
        ngx_shmtx_unlock(&shpool->mutex);
        ngx_http_partoo_tryout_keys_too_small(ctx, 0, 0);
        return NULL;
    }

    ngx_rbtree_init(&set->rbtree, &set->sentinel,
                    ngx_http_partoo_tryout_keys_rbtree_insert);
    set->nkeys = 0;

    entry = ctx->entries.elts;

    for (i = 0; i < ctx->nkeys; i++, entry++) {

        size = offsetof(ngx_http_partoo_tryout_keys_node_t, data)
               + entry->user_id_len;

        if (entry->norgs) {
            size = ngx_align(size, sizeof(int64_t))
                   + entry->norgs * sizeof(int64_t);
        }

        kn = ngx_slab_alloc_locked(shpool, size);

        if (kn == NULL) {
            used = pfree - shpool->pfree;
            ngx_http_partoo_tryout_keys_free_set(shpool, set);
            ngx_shmtx_unlock(&shpool->mutex);

            ngx_http_partoo_tryout_keys_too_small(ctx, i, used);
            return NULL;
        }

        ngx_memcpy(&kn->node.key, entry->digest, sizeof(ngx_rbtree_key_t));
        ngx_memcpy(kn->digest, entry->digest,
                   SHA256_DIGEST_LENGTH);

        kn->org_id = entry->org_id;
        kn->norgs = entry->norgs;
        kn->role = entry->role;
        kn->user_id_len = entry->user_id_len;

        p = ngx_cpymem(kn->data, entry->user_id, entry->user_id_len);

        if (entry->norgs) {
            p = ngx_align_ptr(p, sizeof(int64_t));
            ngx_memcpy(p, entry->org_ids, entry->norgs * sizeof(int64_t));
        }

        ngx_rbtree_insert(&set->rbtree, &kn->node);
        set->nkeys++;
    }

    used = pfree - shpool->pfree;

    /* the next reload builds beside this set: room for two, or refuse now */

    if (2 * used + NGX_HTTP_PARTOO_TRYOUT_SLACK_PAGES > ctx->sh->pages) {
        ngx_http_partoo_tryout_keys_free_set(shpool, set);
        ngx_shmtx_unlock(&shpool->mutex);

        ngx_http_partoo_tryout_keys_too_small(ctx, ctx->nkeys, used);
        return NULL;
    }

    /* on reload, what is in use includes the current set until it goes */
    used = ctx->sh->pages - shpool->pfree;

    ngx_shmtx_unlock(&shpool->mutex);

    ngx_time_update();

    ngx_log_error(NGX_LOG_NOTICE, ctx->shm_zone->shm.log, 0,
                  "partoo_tryout_keys_zone \"%V\": %ui keys from \"%V\", "
                  "parsed in %Mms, stored in %Mms, %uzK of %uzK used%s",
                  &ctx->shm_zone->shm.name, set->nkeys, &ctx->file,
                  ctx->parse_time, ngx_current_msec - start,
                  (used << ngx_pagesize_shift) / 1024,
                  (ctx->sh->pages << ngx_pagesize_shift) / 1024,
                  ctx->sh->set ? " with the previous keys" : "");

    ngx_http_partoo_tryout_keys_warn_plaintext(ctx);

    return set;
}


/*
 * "built" keys took "used" pages when the zone ran out or would not hold
 * two sets; the size that would is extrapolated from them.
 */

static void
ngx_http_partoo_tryout_keys_too_small(ngx_http_partoo_tryout_keys_zone_t *ctx,
    ngx_uint_t built, ngx_uint_t used)
{
    size_t      size;
    uint64_t    need, room;
    ngx_uint_t  pages;

    pages = ctx->sh->pages;

    if (built == 0 || used == 0) {
        ngx_log_error(NGX_LOG_EMERG, ctx->shm_zone->shm.log, 0,
                      "partoo_tryout_keys_zone \"%V\" is too small for "
                      "the %ui keys of \"%V\": not even one fits",
                      &ctx->shm_zone->shm.name, ctx->nkeys, &ctx->file);
        return;
    }

    /* pages for two sets of all the keys, and for the zone's own needs */

    need = ((uint64_t) used * ctx->nkeys + built - 1) / built;
    need = 2 * need + NGX_HTTP_PARTOO_TRYOUT_SLACK_PAGES;

    size = ctx->shm_zone->shm.size
           + (size_t) (need > pages ? need - pages : 0)
             * (ngx_pagesize + sizeof(ngx_slab_page_t));

    size = ngx_align(size, 1024 * 1024);

    room = 0;

    if (pages > NGX_HTTP_PARTOO_TRYOUT_SLACK_PAGES) {
        room = (uint64_t) (pages - NGX_HTTP_PARTOO_TRYOUT_SLACK_PAGES) / 2
               * built / used;
    }

    ngx_log_error(NGX_LOG_EMERG, ctx->shm_zone->shm.log, 0,
                  "partoo_tryout_keys_zone \"%V\" is too small for "
                  "the %ui keys of \"%V\": it has room for about %uL, "
                  "since a reload builds the new keys beside the current "
                  "ones; use at least %uzm",
                  &ctx->shm_zone->shm.name, ctx->nkeys, &ctx->file,
                  room, size / (1024 * 1024));
}


static void
ngx_http_partoo_tryout_keys_warn_plaintext(
    ngx_http_partoo_tryout_keys_zone_t *ctx)
{
    ngx_uint_t                            i;
    ngx_http_partoo_tryout_keys_plain_t  *plain;

    plain = ctx->plaintext.elts;

    for (i = 0; i < ctx->plaintext.nelts; i++) {
        ngx_log_error(NGX_LOG_WARN, ctx->shm_zone->shm.log, 0,
                      "key file \"%V\", keys[%ui] (user_id \"%V\"): "
                      "plaintext \"key\" hashed at load; store its "
                      "\"key_sha256\" instead",
                      &ctx->file, plain[i].index, &plain[i].user_id);
    }

    if (ctx->nplaintext > ctx->plaintext.nelts) {
        ngx_log_error(NGX_LOG_WARN, ctx->shm_zone->shm.log, 0,
                      "key file \"%V\": %ui more plaintext keys",
                      &ctx->file, ctx->nplaintext - ctx->plaintext.nelts);
    }
}


/* called with the slab mutex held */

static void
ngx_http_partoo_tryout_keys_free_set(ngx_slab_pool_t *shpool,
    ngx_http_partoo_tryout_keys_set_t *set)
{
    if (set == NULL) {
        return;
    }

    if (set->rbtree.root != set->rbtree.sentinel) {
        ngx_http_partoo_tryout_keys_free_nodes(shpool, set->rbtree.root,
                                               set->rbtree.sentinel);
    }

    ngx_slab_free_locked(shpool, set);
}


/* the tree is dropped whole: no rebalancing, recursion depth 2 log n */

static void
ngx_http_partoo_tryout_keys_free_nodes(ngx_slab_pool_t *shpool,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    if (node->left != sentinel) {
        ngx_http_partoo_tryout_keys_free_nodes(shpool, node->left, sentinel);
    }

    if (node->right != sentinel) {
        ngx_http_partoo_tryout_keys_free_nodes(shpool, node->right, sentinel);
    }

    ngx_slab_free_locked(shpool, node);
}


static void
ngx_http_partoo_tryout_keys_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t                  **p;
    ngx_http_partoo_tryout_keys_node_t  *kn, *ktn;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            kn = (ngx_http_partoo_tryout_keys_node_t *) node;
            ktn = (ngx_http_partoo_tryout_keys_node_t *) temp;

            p = (ngx_memcmp(kn->digest, ktn->digest,
                            SHA256_DIGEST_LENGTH) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


ngx_int_t
ngx_http_partoo_tryout_keys_publish(ngx_cycle_t *cycle)
{
    ngx_uint_t                           i;
    ngx_shm_zone_t                      *shm_zone;
    ngx_list_part_t                     *part;
    ngx_http_partoo_tryout_keys_set_t   *old;
    ngx_http_partoo_tryout_keys_zone_t  *ctx;

    part = &cycle->shared_memory.part;
    shm_zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            shm_zone = part->elts;
            i = 0;
        }

        if (shm_zone[i].init != ngx_http_partoo_tryout_keys_init_zone) {
            continue;
        }

        ctx = shm_zone[i].data;

        if (ctx->pending == NULL) {
            continue;
        }

        /* waits for the lookups in flight; later ones find the new set */

        ngx_rwlock_wlock(&ctx->sh->lock);

        old = ctx->sh->set;
        ctx->sh->set = ctx->pending;

        ngx_rwlock_unlock(&ctx->sh->lock);

        ctx->pending = NULL;

        ngx_shmtx_lock(&ctx->shpool->mutex);
        ngx_http_partoo_tryout_keys_free_set(ctx->shpool, old);
        ngx_shmtx_unlock(&ctx->shpool->mutex);
    }

    return NGX_OK;
}


static void
ngx_http_partoo_tryout_keys_free_parsed(
    ngx_http_partoo_tryout_keys_zone_t *ctx)
{
    if (ctx->pool) {
        ngx_destroy_pool(ctx->pool);
        ctx->pool = NULL;
    }

    ngx_memzero(&ctx->entries, sizeof(ngx_array_t));
}


/*
 * The cycle's pool goes: a cycle that failed after init_zone leaves an
 * unpublished set in a zone the running cycle still uses.  A fresh zone
 * never has one, and may be unmapped already.
 */

static void
ngx_http_partoo_tryout_keys_cleanup(void *data)
{
    ngx_http_partoo_tryout_keys_zone_t  *ctx = data;

    ngx_http_partoo_tryout_keys_free_parsed(ctx);

    if (ctx->pending) {
        ngx_shmtx_lock(&ctx->shpool->mutex);
        ngx_http_partoo_tryout_keys_free_set(ctx->shpool, ctx->pending);
        ngx_shmtx_unlock(&ctx->shpool->mutex);

        ctx->pending = NULL;
    }

    if (ctx->md_ctx) {
        EVP_MD_CTX_free(ctx->md_ctx);
        ctx->md_ctx = NULL;
    }

#if (OPENSSL_VERSION_NUMBER >= 0x30000000L)
    if (ctx->fetched_md) {
        EVP_MD_free(ctx->fetched_md);
        ctx->fetched_md = NULL;
    }
#endif
}


char *
ngx_http_partoo_tryout_keys_roles_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *p = conf;

    ngx_str_t   *value;
    ngx_uint_t  *mask, role, i;

    mask = (ngx_uint_t *) (p + cmd->offset);

    if (*mask != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    *mask = 0;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        role = ngx_http_partoo_tryout_keys_role(&value[i]);

        if (role == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "unknown role \"%V\" in \"%V\": one of "
                               "PROVIDER, ORG_ADMIN, ORG_MANAGER, "
                               "GROUP_MANAGER, BUSINESS_MANAGER, PUBLISHER",
                               &value[i], &cmd->name);
            return NGX_CONF_ERROR;
        }

        *mask |= role;
    }

    return NGX_CONF_OK;
}


ngx_shm_zone_t *
ngx_http_partoo_tryout_keys_zone_add(ngx_conf_t *cf, ngx_str_t *name)
{
    return ngx_shared_memory_add(cf, name, 0,
                                 &ngx_http_partoo_tryout_keys_tag);
}


ngx_int_t
ngx_http_partoo_tryout_keys_zone_check(ngx_conf_t *cf,
    ngx_shm_zone_t *shm_zone)
{
    if (shm_zone->data == NULL
        || shm_zone->init != ngx_http_partoo_tryout_keys_init_zone)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"partoo_tryout\" uses keys \"%V\", which no "
                           "\"partoo_tryout_keys_zone\" declares",
                           &shm_zone->shm.name);
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_keys_authenticate(ngx_http_request_t *r,
    ngx_shm_zone_t *shm_zone, ngx_http_partoo_tryout_auth_t *auth)
{
    int64_t                              org_id;
    ngx_int_t                            rc, arg;
    ngx_table_elt_t                     *h;
    ngx_rbtree_key_t                     key;
    ngx_rbtree_node_t                   *node, *sentinel;
    ngx_http_partoo_tryout_keys_node_t  *kn;
    ngx_http_partoo_tryout_keys_zone_t  *ctx;
    u_char                               digest[SHA256_DIGEST_LENGTH];

    ctx = shm_zone->data;

    auth->resolved = 1;
    auth->verdict = NGX_HTTP_PARTOO_TRYOUT_AUTH_UNAUTHENTICATED;

    h = ngx_http_partoo_tryout_keys_header(r);

    if (h == NULL || h->value.len == 0) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "partoo tryout: no api key");
        return NGX_OK;
    }

    if (ngx_http_partoo_tryout_keys_hash(ctx, h->value.data, h->value.len,
                                         digest)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "partoo tryout: SHA-256 failed");
        return NGX_ERROR;
    }

    org_id = 0;
    arg = ngx_http_partoo_tryout_org_id_arg(&r->args, &org_id);

    ngx_memcpy(&key, digest, sizeof(ngx_rbtree_key_t));

    rc = NGX_OK;

    ngx_rwlock_rlock(&ctx->sh->lock);

    node = ctx->sh->set->rbtree.root;
    sentinel = ctx->sh->set->rbtree.sentinel;

    kn = NULL;

    while (node != sentinel) {

        if (key != node->key) {
            node = (key < node->key) ? node->left : node->right;
            continue;
        }

        kn = (ngx_http_partoo_tryout_keys_node_t *) node;

        rc = ngx_memcmp(digest, kn->digest, SHA256_DIGEST_LENGTH);

        if (rc == 0) {
            break;
        }

        node = (rc < 0) ? node->left : node->right;
        kn = NULL;
    }

    rc = NGX_OK;

    if (kn == NULL) {
        goto unlock;
    }

    auth->user_id.data = ngx_pnalloc(r->pool, kn->user_id_len);
    if (auth->user_id.data == NULL) {
        rc = NGX_ERROR;
        goto unlock;
    }

    ngx_memcpy(auth->user_id.data, kn->data, kn->user_id_len);
    auth->user_id.len = kn->user_id_len;

    auth->role = kn->role;

    if (arg == NGX_ERROR) {
        auth->verdict = NGX_HTTP_PARTOO_TRYOUT_AUTH_BAD_ORG_ID;

    } else if (kn->role != NGX_HTTP_PARTOO_TRYOUT_ROLE_PROVIDER) {
        /* acts on its own org, and on no other */
        auth->org_id = kn->org_id;

        auth->verdict = (arg == NGX_OK && org_id != kn->org_id)
                        ? NGX_HTTP_PARTOO_TRYOUT_AUTH_ORG_FORBIDDEN
                        : NGX_HTTP_PARTOO_TRYOUT_AUTH_OK;

    } else if (arg == NGX_DECLINED) {
        auth->verdict = NGX_HTTP_PARTOO_TRYOUT_AUTH_ORG_REQUIRED;

    } else if (ngx_http_partoo_tryout_keys_has_org(kn, org_id)) {
        auth->org_id = org_id;
        auth->verdict = NGX_HTTP_PARTOO_TRYOUT_AUTH_OK;

    } else {
        auth->verdict = NGX_HTTP_PARTOO_TRYOUT_AUTH_ORG_FORBIDDEN;
    }

unlock:

    ngx_rwlock_unlock(&ctx->sh->lock);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "partoo tryout: api key %s, user_id \"%V\", verdict %d",
                   kn ? "found" : "unknown", &auth->user_id, auth->verdict);

    return rc;
}


/* x-APIKey in any letter case; a request that sends it twice is refused */

static ngx_table_elt_t *
ngx_http_partoo_tryout_keys_header(ngx_http_request_t *r)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *found;

    found = NULL;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len != sizeof("x-apikey") - 1
            || ngx_strncasecmp(h[i].key.data, (u_char *) "x-apikey",
                               sizeof("x-apikey") - 1)
               != 0)
        {
            continue;
        }

        if (found) {
            return NULL;
        }

        found = &h[i];
    }

    return found;
}


static ngx_uint_t
ngx_http_partoo_tryout_keys_has_org(ngx_http_partoo_tryout_keys_node_t *kn,
    int64_t org_id)
{
    int64_t     *orgs;
    ngx_uint_t   lo, hi, mid;

    orgs = (int64_t *) ngx_align_ptr(kn->data + kn->user_id_len,
                                     sizeof(int64_t));

    lo = 0;
    hi = kn->norgs;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (orgs[mid] == org_id) {
            return 1;
        }

        if (orgs[mid] < org_id) {
            lo = mid + 1;

        } else {
            hi = mid;
        }
    }

    return 0;
}
