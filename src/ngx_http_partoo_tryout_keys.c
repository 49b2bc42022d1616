
/*
 * Copyright (C) Partoo tryout module authors
 *
 * API keys.  The key file is parsed when the configuration is read (by
 * the nginx-free keys_file unit); its keys live in a shared memory zone as
 * SHA-256 digests, in a flat open-addressing table, so every worker
 * authenticates a request with one hash and one or two cache misses.
 *
 * A key set is built once and never changed.  The zone's "current" is a
 * pointer to one, stored in one aligned word: readers load it, copy what
 * they need and take no lock at all.  Publishing is one store of that
 * pointer, by a publisher holding the slab mutex (publishers only: the
 * master, at start and on reload; with "check=", the worker that found
 * the file changed).  The set it replaces stays as it is until the
 * following publish, which frees every set but the current one before it
 * builds the next: a lookup takes microseconds, publishes come a second
 * apart at the least (reloads; checks, one "check" interval).  A reader
 * stalled across two publishes (stopped, swapped out) gets no wrong answer:
 * "frees" is bumped before any set is freed, and a reader that sees it
 * change during its lookup starts again; whatever it reads meanwhile is
 * checked to lie inside the zone, so freed and reused memory can mislead
 * it only into that retry, never into a fault.
 *
 * Why a worker killed at any instruction cannot stop a reload or corrupt
 * the zone: a reader holds no lock and writes nothing to the zone, so its
 * death leaves the zone exactly as it was.  A publisher holds only the
 * slab mutex, which nginx releases when the process holding it dies
 * (ngx_unlock_mutexes); it registers a set in "sets" before filling it
 * and publishes it with a single store, so a death before that store
 * leaves the current set untouched and a registered half-built set that
 * the next publisher frees, and a death after it leaves a complete new
 * set current.  A worker that publishes
 * builds and stores in one hold of the mutex, so no other publisher sees
 * its set before it is complete; the master's two steps (init_zone,
 * init_module) store only a set still registered, so a set reclaimed by
 * another publisher in between is never current.
 *
 * Checks ("check=TIME").  Every worker has a timer; the first whose timer
 * finds the zone's "check_due" past takes "check_owner" with a compare
 * and set, so one worker at a time stats the file.  The owner word is no
 * lock: a worker that finds it held by a process that no longer exists
 * takes it over, so a worker killed mid-check stops no other.  A changed
 * file (inode, size, mtime) is read and parsed in that worker, by the
 * code a reload runs, and published as above; "generation", bumped at
 * every publish, tells it that a reload published meanwhile, and then its
 * older parse is dropped.  The file last examined, good or bad, is kept
 * in "file", so a bad file is refused once and read again only once it
 * changes.
 *
 * Reload.  On SIGHUP nginx hands a zone of the same name and size to the
 * new cycle with the old cycle's data, while the old workers keep reading
 * it.  The new set is built beside the current one in init_zone and
 * published in init_module, once nothing can fail the cycle any more: old
 * and new workers see the new keys at the same moment; a cycle that fails
 * leaves the current set alone and frees its own.  The price is room for
 * two sets, which the zone must have: it is checked at every load, so
 * "nginx -t" tells before a reload would.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "ngx_http_partoo_tryout_keys.h"
#include "ngx_http_partoo_tryout_http.h"
#include "ngx_http_partoo_tryout_util.h"
#include "ngx_http_partoo_tryout_metrics.h"


/* pages kept free beyond two sets: partly used slab pages of each size */
#define NGX_HTTP_PARTOO_TRYOUT_SLACK_PAGES  16


/*
 * A set is cut into chunks of 64 KB at most, so that a set of any size
 * needs no long run of free pages: the zone stays usable however the sets
 * that come and go fragment it.
 */
#define NGX_HTTP_PARTOO_TRYOUT_KEYS_CHUNK_SHIFT  16
#define NGX_HTTP_PARTOO_TRYOUT_KEYS_CHUNK                                    \
    (1 << NGX_HTTP_PARTOO_TRYOUT_KEYS_CHUNK_SHIFT)

/* slots and record offsets count 8-byte units: 8192 per chunk */
#define NGX_HTTP_PARTOO_TRYOUT_KEYS_UNIT_SHIFT                               \
    (NGX_HTTP_PARTOO_TRYOUT_KEYS_CHUNK_SHIFT - 3)
#define NGX_HTTP_PARTOO_TRYOUT_KEYS_UNITS                                    \
    (1 << NGX_HTTP_PARTOO_TRYOUT_KEYS_UNIT_SHIFT)

/* a set being built and the current one */
#define NGX_HTTP_PARTOO_TRYOUT_KEYS_SETS  2


/*
 * One key in shared memory: 46 bytes and the user_id, rounded up to 8,
 * then a PROVIDER's orgs.  Records are packed into chunks in digest order.
 */

typedef struct {
    u_char                               digest[SHA256_DIGEST_LENGTH];
    int64_t                              org_id;  /* 0 for a PROVIDER */
    uint32_t                             norgs;   /* a PROVIDER's orgs */
    u_char                               role;
    u_char                               user_id_len;
    u_char                               data[2]; /* user_id, then orgs */
} ngx_http_partoo_tryout_keys_record_t;


/*
 * The table: "mask + 1" slots of 8 bytes, a power of two at least 4/3 of
 * the keys, so that a probe for an unknown key ends at an empty slot
 * after about two slots, most often in the same cache line.  A slot holds
 * 32 more bits of the digest, which spare a look at the record for all
 * but one unknown key in four billion, and the record's place: its chunk
 * and 8-byte unit.  An empty slot is 0: records are in chunks after the
 * slots', so a record's place is never 0.
 */

typedef struct {
    ngx_uint_t                           nkeys;
    uint64_t                             mask;
    ngx_uint_t                           nchunks;   /* slots', records' */
    u_char                              *chunk[1];
} ngx_http_partoo_tryout_keys_set_t;


/* what tells a key file changed; all 0: a file that could not be read */

typedef struct {
    uint64_t                             dev;
    uint64_t                             ino;
    int64_t                              size;
    int64_t                              mtime;
    int64_t                              mtime_nsec;
} ngx_http_partoo_tryout_keys_ident_t;


typedef struct {
    /* what lookups read; one aligned word, stored by publishers only */
    ngx_http_partoo_tryout_keys_set_t * volatile  current;

    /* every set in the zone, published or not: under the slab mutex */
    ngx_http_partoo_tryout_keys_set_t   *sets[NGX_HTTP_PARTOO_TRYOUT_KEYS_SETS];

    ngx_atomic_t                         frees;   /* bumped before a free */
    ngx_uint_t                           pages;   /* pages for key sets */

    /* "check=": the next check's ngx_current_msec, the checking worker */
    ngx_atomic_t                         check_due;
    ngx_atomic_t                         check_owner;

    /* under the slab mutex: publishes so far, the file last examined */
    ngx_uint_t                           generation;
    ngx_http_partoo_tryout_keys_ident_t  file;
} ngx_http_partoo_tryout_keys_shctx_t;


/* the zone's process-local side: shm_zone->data */

typedef struct {
    ngx_http_partoo_tryout_keys_shctx_t *sh;
    ngx_slab_pool_t                     *shpool;
    ngx_shm_zone_t                      *shm_zone;

    /* the zone's bounds: all a stalled reader may touch */
    u_char                              *start;
    u_char                              *end;

    ngx_str_t                            file;
    ngx_msec_t                           check;     /* 0: off */

    /*
     * The master's cycle log and NGX_LOG_EMERG; a worker's own log and
     * NGX_LOG_ERR for its checks (shm.log is the log of the cycle before,
     * which a worker forked after that cycle went must not use).
     */
    ngx_log_t                           *log;
    ngx_uint_t                           level;

    /* the parsed file, until the set is built, and what was read */
    ngx_http_partoo_tryout_keys_file_t   kf;
    ngx_msec_t                           parse_time;
    ngx_http_partoo_tryout_keys_ident_t  ident;

    /* built beside the current set on reload, published in init_module */
    ngx_http_partoo_tryout_keys_set_t   *pending;

    const EVP_MD                        *md;
    EVP_MD                              *fetched_md;
    EVP_MD_CTX                          *md_ctx;    /* per process */
} ngx_http_partoo_tryout_keys_zone_t;


static ngx_int_t ngx_http_partoo_tryout_keys_load(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx);
static void ngx_cdecl ngx_http_partoo_tryout_keys_error(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, ngx_err_t err,
    const char *fmt, ...);
static void ngx_http_partoo_tryout_keys_ident(
    ngx_http_partoo_tryout_keys_ident_t *id, ngx_file_info_t *st);
static ngx_http_partoo_tryout_keys_zone_t *ngx_http_partoo_tryout_keys_next(
    ngx_cycle_t *cycle, ngx_list_part_t **part, ngx_uint_t *i);
static void ngx_http_partoo_tryout_keys_check_handler(ngx_event_t *ev);
static void ngx_http_partoo_tryout_keys_check(
    ngx_http_partoo_tryout_keys_zone_t *ctx);
static void ngx_http_partoo_tryout_keys_check_file(
    ngx_http_partoo_tryout_keys_zone_t *ctx);
static ngx_int_t ngx_http_partoo_tryout_keys_hash(
    ngx_http_partoo_tryout_keys_zone_t *ctx, u_char *data, size_t len,
    u_char *digest);

static ngx_int_t ngx_http_partoo_tryout_keys_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static ngx_http_partoo_tryout_keys_set_t *ngx_http_partoo_tryout_keys_build(
    ngx_http_partoo_tryout_keys_zone_t *ctx, ngx_uint_t *generation);
static void ngx_http_partoo_tryout_keys_too_small(
    ngx_http_partoo_tryout_keys_zone_t *ctx, ngx_uint_t set_pages);
static void ngx_http_partoo_tryout_keys_warn_plaintext(
    ngx_http_partoo_tryout_keys_zone_t *ctx);
static size_t ngx_http_partoo_tryout_keys_record_size(size_t user_id_len,
    size_t norgs);
static ngx_uint_t ngx_http_partoo_tryout_keys_pages(size_t size);
static ngx_int_t ngx_http_partoo_tryout_keys_fill(
    ngx_http_partoo_tryout_keys_zone_t *ctx,
    ngx_http_partoo_tryout_keys_set_t *set, ngx_uint_t nslot_chunks);
static void ngx_http_partoo_tryout_keys_reclaim(
    ngx_http_partoo_tryout_keys_zone_t *ctx);
static ngx_uint_t ngx_http_partoo_tryout_keys_registered(
    ngx_http_partoo_tryout_keys_zone_t *ctx,
    ngx_http_partoo_tryout_keys_set_t *set);
static void ngx_http_partoo_tryout_keys_free_set(
    ngx_http_partoo_tryout_keys_zone_t *ctx,
    ngx_http_partoo_tryout_keys_set_t *set);
static void ngx_http_partoo_tryout_keys_free_parsed(
    ngx_http_partoo_tryout_keys_zone_t *ctx);
static void ngx_http_partoo_tryout_keys_cleanup(void *data);

static ngx_uint_t ngx_http_partoo_tryout_keys_lookup(
    ngx_http_partoo_tryout_keys_zone_t *ctx, u_char *digest, int64_t org_id,
    ngx_http_partoo_tryout_keys_found_t *found);
static ngx_uint_t ngx_http_partoo_tryout_keys_lookup_set(
    ngx_http_partoo_tryout_keys_zone_t *ctx,
    ngx_http_partoo_tryout_keys_set_t *set, u_char *digest, int64_t org_id,
    ngx_http_partoo_tryout_keys_found_t *found);
static ngx_uint_t ngx_http_partoo_tryout_keys_has_org(int64_t *orgs,
    ngx_uint_t norgs, int64_t org_id);


/*
 * The keys zones' tag, distinct from the samples module that samples zones
 * carry: nginx hands a zone's data to the next cycle only when name, size
 * and tag match, so a zone renamed from one use to the other by a reload
 * starts afresh rather than with the other kind's data.
 */
static u_char  ngx_http_partoo_tryout_keys_tag;


char *
ngx_http_partoo_tryout_keys_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ssize_t                              size;
    ngx_str_t                           *value, name, file, s;
    ngx_int_t                            check;
    ngx_uint_t                           i;
    ngx_shm_zone_t                      *shm_zone;
    ngx_pool_cleanup_t                  *cln;
    ngx_http_partoo_tryout_keys_zone_t  *ctx;

    value = cf->args->elts;

    size = 0;
    check = 0;
    ngx_str_null(&name);
    ngx_str_null(&file);

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {

            if (ngx_http_partoo_tryout_zone_arg(cf, &value[i], &name, &size)
                != NGX_OK)
            {
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

        if (ngx_strncmp(value[i].data, "check=", 6) == 0) {

            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

            check = ngx_parse_time(&s, 0);

            if (check == NGX_ERROR || check == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid check time \"%V\"", &value[i]);
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
    ctx->check = (ngx_msec_t) check;
    ctx->level = NGX_LOG_EMERG;

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

    if (ngx_http_partoo_tryout_keys_load(cf, ctx) != NGX_OK) {
        ngx_http_partoo_tryout_metrics_keys_failed(&name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * The file is read whole here, and parsed by the nginx-free keys_file:
 * while the master reads the configuration ("cf"), or in a worker's check
 * (cf is NULL), which says the same at the "error" level.
 */

static ngx_int_t
ngx_http_partoo_tryout_keys_load(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx)
{
    u_char                         *buf;
    size_t                          size;
    ngx_msec_t                      start;
    ngx_file_info_t                 st;
    ngx_http_partoo_tryout_file_e   rc;

    ngx_time_update();
    start = ngx_current_msec;

    ngx_memzero(&ctx->ident, sizeof(ngx_http_partoo_tryout_keys_ident_t));

    /* no limit but memory: one byte less, for the NUL after the text */

    rc = ngx_http_partoo_tryout_read_file_stat((char *) ctx->file.data,
                                               NGX_MAX_SIZE_T_VALUE - 1,
                                               &buf, &size, &st);
    switch (rc) {

    case NGX_HTTP_PARTOO_TRYOUT_FILE_OK:
        break;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_OPEN:
        ngx_http_partoo_tryout_keys_error(cf, ctx, ngx_errno,
                           "key file \"%V\": " ngx_open_file_n " failed",
                           &ctx->file);
        return NGX_ERROR;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_STAT:
        ngx_http_partoo_tryout_keys_error(cf, ctx, ngx_errno,
                           "key file \"%V\": " ngx_fd_info_n " failed",
                           &ctx->file);
        return NGX_ERROR;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_NOT_REGULAR:
        ngx_http_partoo_tryout_keys_error(cf, ctx, 0,
                           "key file \"%V\": not a regular file", &ctx->file);
        return NGX_ERROR;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_READ:
        ngx_http_partoo_tryout_keys_error(cf, ctx, ngx_errno,
                           "key file \"%V\": " ngx_read_fd_n " failed",
                           &ctx->file);
        return NGX_ERROR;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_CHANGED:
        ngx_http_partoo_tryout_keys_error(cf, ctx, 0,
                           "key file \"%V\": changed while read", &ctx->file);
        return NGX_ERROR;

    default: /* FILE_NOMEM, or FILE_TOO_LARGE: more than memory can hold */
        ngx_http_partoo_tryout_keys_error(cf, ctx, 0,
                           "key file \"%V\": out of memory", &ctx->file);
        return NGX_ERROR;
    }

    /* zeroed as the parser wants: a worker's check parses again and again */
    ngx_memzero(&ctx->kf, sizeof(ngx_http_partoo_tryout_keys_file_t));

    /* NUL-terminated, so that a look past the last byte finds no token */

    if (ngx_http_partoo_tryout_keys_file_parse(&ctx->kf, buf, size) != 0) {

        if (ctx->kf.error[0] == '\0') {
            ngx_http_partoo_tryout_keys_error(cf, ctx, 0,
                               "key file \"%V\": out of memory", &ctx->file);

        } else if (ctx->kf.error_index
                   == NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_NO_ENTRY)
        {
            ngx_http_partoo_tryout_keys_error(cf, ctx, 0,
                               "key file \"%V\": %s",
                               &ctx->file, ctx->kf.error);

        } else {
            ngx_http_partoo_tryout_keys_error(cf, ctx, 0,
                               "key file \"%V\", keys[%uz]: %s",
                               &ctx->file, ctx->kf.error_index,
                               ctx->kf.error);
        }

        /* wiped: plaintext keys were in it */
        ngx_http_partoo_tryout_file_free(buf, size);
        ngx_http_partoo_tryout_keys_free_parsed(ctx);

        return NGX_ERROR;
    }

    ngx_http_partoo_tryout_file_free(buf, size);

    ngx_http_partoo_tryout_keys_ident(&ctx->ident, &st);

    ngx_time_update();
    ctx->parse_time = ngx_current_msec - start;

    return NGX_OK;
}


/* the words are the same in the master and in a worker's check */

static void ngx_cdecl
ngx_http_partoo_tryout_keys_error(ngx_conf_t *cf,
    ngx_http_partoo_tryout_keys_zone_t *ctx, ngx_err_t err,
    const char *fmt, ...)
{
    u_char   *p;
    va_list   args;
    u_char    buf[NGX_MAX_CONF_ERRSTR];

    va_start(args, fmt);
    p = ngx_vslprintf(buf, buf + sizeof(buf), fmt, args);
    va_end(args);

    if (cf) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, err, "%*s", (size_t) (p - buf),
                           buf);
        return;
    }

    ngx_log_error(ctx->level, ctx->log, err, "%*s", (size_t) (p - buf), buf);
}


static void
ngx_http_partoo_tryout_keys_ident(ngx_http_partoo_tryout_keys_ident_t *id,
    ngx_file_info_t *st)
{
    ngx_memzero(id, sizeof(ngx_http_partoo_tryout_keys_ident_t));

    id->dev = (uint64_t) st->st_dev;
    id->ino = (uint64_t) st->st_ino;
    id->size = (int64_t) st->st_size;
    id->mtime = (int64_t) st->st_mtim.tv_sec;
    id->mtime_nsec = (int64_t) st->st_mtim.tv_nsec;
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

    ctx->log = shm_zone->shm.log;
    ctx->start = shm_zone->shm.addr;
    ctx->end = shm_zone->shm.addr + shm_zone->shm.size;

    rc = NGX_ERROR;

    if (octx) {
        /* a reload: old workers read the current set while this runs */

        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;

        set = ngx_http_partoo_tryout_keys_build(ctx, NULL);
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

    set = ngx_http_partoo_tryout_keys_build(ctx, NULL);
    if (set == NULL) {
        goto done;
    }

    /* a fresh zone: no reader yet */
    ctx->sh->current = set;
    ctx->sh->generation++;
    ctx->sh->file = ctx->ident;

    rc = NGX_OK;

done:

    ngx_http_partoo_tryout_keys_free_parsed(ctx);

    if (rc != NGX_OK) {
        ngx_http_partoo_tryout_metrics_keys_failed(&shm_zone->shm.name);
    }

    return rc;
}


/*
 * Builds the parsed keys into a new set, registered in "sets" but not
 * current.  The sets older than the current one go first: they were
 * retired a publish ago (or never finished), so no reader is inside.
 *
 * A worker's check passes the "generation" it saw: the set is published
 * in the same hold of the mutex, unless another publisher came between,
 * and then nothing is built, and "*generation" is set to 0.
 */

static ngx_http_partoo_tryout_keys_set_t *
ngx_http_partoo_tryout_keys_build(ngx_http_partoo_tryout_keys_zone_t *ctx,
    ngx_uint_t *generation)
{
    char                                      *previous;
    size_t                                     size, room, limit;
    size_t                                     slot_bytes;
    uint64_t                                   nslots;
    ngx_uint_t                                 i, k, nchunks, nslot_chunks;
    ngx_uint_t                                 pfree, used, pages;
    ngx_msec_t                                 start;
    ngx_slab_pool_t                           *shpool;
    ngx_http_partoo_tryout_keys_set_t         *set;
    ngx_http_partoo_tryout_keys_file_entry_t  *entry;

    ngx_time_update();
    start = ngx_current_msec;

    shpool = ctx->shpool;

    /* at most 3/4 full */

    nslots = 16;

    while (nslots / 4 * 3 < ctx->kf.nkeys) {
        nslots *= 2;
    }

    slot_bytes = nslots * sizeof(uint64_t);
    nslot_chunks = (slot_bytes + NGX_HTTP_PARTOO_TRYOUT_KEYS_CHUNK - 1)
                   / NGX_HTTP_PARTOO_TRYOUT_KEYS_CHUNK;

    /* the records' chunks, packed as fill() packs them */

    nchunks = nslot_chunks;
    room = 0;
    limit = 0;
    entry = ctx->kf.entries;

    pages = ngx_http_partoo_tryout_keys_pages(slot_bytes);

    for (i = 0; i < ctx->kf.nkeys; i++) {
        size = ngx_http_partoo_tryout_keys_record_size(entry[i].user_id_len,
                                                       entry[i].norgs);
        if (size > room) {
            if (nchunks > nslot_chunks) {
                pages += ngx_http_partoo_tryout_keys_pages(limit - room);
            }

            nchunks++;
            limit = ngx_max(size, NGX_HTTP_PARTOO_TRYOUT_KEYS_CHUNK);
            room = limit;
        }

        room -= size;
    }

    if (nchunks > nslot_chunks) {
        pages += ngx_http_partoo_tryout_keys_pages(limit - room);
    }

    pages += ngx_http_partoo_tryout_keys_pages(
                 offsetof(ngx_http_partoo_tryout_keys_set_t, chunk)
                 + nchunks * sizeof(u_char *));

    /* the next reload builds beside this set: room for two, or refuse now */

    if (2 * pages + NGX_HTTP_PARTOO_TRYOUT_SLACK_PAGES > ctx->sh->pages) {
        ngx_http_partoo_tryout_keys_too_small(ctx, pages);
        return NULL;
    }

    ngx_shmtx_lock(&shpool->mutex);

    if (generation && *generation != ctx->sh->generation) {
        ngx_shmtx_unlock(&shpool->mutex);
        *generation = 0;
        return NULL;
    }

    ngx_http_partoo_tryout_keys_reclaim(ctx);

    pfree = shpool->pfree;

    for (k = 0; k < NGX_HTTP_PARTOO_TRYOUT_KEYS_SETS; k++) {
        if (ctx->sh->sets[k] == NULL) {
            break;
        }
    }

    /* reclaim() left the current set alone at most */

    set = ngx_slab_calloc_locked(shpool,
                                 offsetof(ngx_http_partoo_tryout_keys_set_t,
                                          chunk)
                                 + nchunks * sizeof(u_char *));
    if (set == NULL || k == NGX_HTTP_PARTOO_TRYOUT_KEYS_SETS) {
        goto failed;
    }

    /* registered before it is filled: a publisher that dies leaks nothing */
    ctx->sh->sets[k] = set;

    set->mask = nslots - 1;
    set->nchunks = nchunks;

    for (i = 0; i < nslot_chunks; i++) {
        size = ngx_min(slot_bytes - i * NGX_HTTP_PARTOO_TRYOUT_KEYS_CHUNK,
                       (size_t) NGX_HTTP_PARTOO_TRYOUT_KEYS_CHUNK);

        set->chunk[i] = ngx_slab_calloc_locked(shpool, size);
        if (set->chunk[i] == NULL) {
            goto failed;
        }
    }

    if (ngx_http_partoo_tryout_keys_fill(ctx, set, nslot_chunks) != NGX_OK) {
        goto failed;
    }

    /* on reload, what is in use includes the current set until it goes */
    used = ctx->sh->pages - shpool->pfree;

    previous = ctx->sh->current ? " with the previous keys" : "";

    if (generation) {
        /* complete before it is current: see the top of the file */
        ngx_memory_barrier();
        ctx->sh->current = set;
        ctx->sh->generation++;
        ctx->sh->file = ctx->ident;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    ngx_time_update();

    ngx_log_error(NGX_LOG_NOTICE, ctx->log, 0,
                  "partoo_tryout_keys_zone \"%V\": %ui keys from \"%V\", "
                  "parsed in %Mms, stored in %Mms, %uzK of %uzK used%s",
                  &ctx->shm_zone->shm.name, set->nkeys, &ctx->file,
                  ctx->parse_time, ngx_current_msec - start,
                  (used << ngx_pagesize_shift) / 1024,
                  (ctx->sh->pages << ngx_pagesize_shift) / 1024,
                  previous);

    ngx_http_partoo_tryout_keys_warn_plaintext(ctx);

    return set;

failed:

    /* the current set, or fragments of the zone, left too little */

    used = pfree - shpool->pfree;

    ngx_http_partoo_tryout_keys_free_set(ctx, set);
    ngx_shmtx_unlock(&shpool->mutex);

    ngx_log_error(ctx->level, ctx->log, 0,
                  "partoo_tryout_keys_zone \"%V\" is too small for "
                  "the %ui keys of \"%V\": it ran out after %ui of its "
                  "%ui pages",
                  &ctx->shm_zone->shm.name, ctx->kf.nkeys, &ctx->file,
                  used, ctx->sh->pages);
    return NULL;
}


/* pages an allocation takes, a small one counted as a whole page */

static ngx_uint_t
ngx_http_partoo_tryout_keys_pages(size_t size)
{
    return (size + ngx_pagesize - 1) >> ngx_pagesize_shift;
}


static size_t
ngx_http_partoo_tryout_keys_record_size(size_t user_id_len, size_t norgs)
{
    return ngx_align(offsetof(ngx_http_partoo_tryout_keys_record_t, data)
                     + user_id_len, sizeof(int64_t))
           + norgs * sizeof(int64_t);
}


/* records into chunks, in digest order, and their slots */

static ngx_int_t
ngx_http_partoo_tryout_keys_fill(ngx_http_partoo_tryout_keys_zone_t *ctx,
    ngx_http_partoo_tryout_keys_set_t *set, ngx_uint_t nslot_chunks)
{
    u_char                                    *p, *base;
    size_t                                     size, room, limit, next;
    uint32_t                                   fp;
    uint64_t                                   h, i, *slot;
    ngx_uint_t                                 n, k, c;
    ngx_http_partoo_tryout_keys_record_t      *rec;
    ngx_http_partoo_tryout_keys_file_entry_t  *entry;

    c = nslot_chunks - 1;
    base = NULL;
    p = NULL;
    room = 0;

    entry = ctx->kf.entries;

    for (n = 0; n < ctx->kf.nkeys; n++, entry++) {

        size = ngx_http_partoo_tryout_keys_record_size(entry->user_id_len,
                                                       entry->norgs);

        if (size > room) {
            /* as many records as fit, as build() counted: no spare room */

            limit = ngx_max(size, NGX_HTTP_PARTOO_TRYOUT_KEYS_CHUNK);
            room = 0;

            for (k = n; k < ctx->kf.nkeys; k++) {
                next = ngx_http_partoo_tryout_keys_record_size(
                                       entry[k - n].user_id_len,
                                       entry[k - n].norgs);
                if (room + next > limit) {
                    break;
                }

                room += next;
            }

            c++;

            base = ngx_slab_alloc_locked(ctx->shpool, room);
            if (base == NULL) {
                return NGX_ERROR;
            }

            set->chunk[c] = base;
            p = base;
        }

        rec = (ngx_http_partoo_tryout_keys_record_t *) p;

        ngx_memcpy(rec->digest, entry->digest, SHA256_DIGEST_LENGTH);
        rec->org_id = entry->org_id;
        rec->norgs = entry->norgs;
        rec->role = entry->role;
        rec->user_id_len = entry->user_id_len;

        ngx_memcpy(rec->data, entry->user_id, entry->user_id_len);

        if (entry->norgs) {
            ngx_memcpy(p + ngx_http_partoo_tryout_keys_record_size(
                                                    entry->user_id_len, 0),
                       entry->org_ids, entry->norgs * sizeof(int64_t));
        }

        /* the digest is uniformly random: its bytes are the hash */

        ngx_memcpy(&h, entry->digest, sizeof(uint64_t));
        ngx_memcpy(&fp, entry->digest + sizeof(uint64_t), sizeof(uint32_t));

        for (i = h & set->mask; /* void */ ; i = (i + 1) & set->mask) {
            slot = (uint64_t *)
                       set->chunk[i >> NGX_HTTP_PARTOO_TRYOUT_KEYS_UNIT_SHIFT]
                   + (i & (NGX_HTTP_PARTOO_TRYOUT_KEYS_UNITS - 1));

            if (*slot == 0) {
                break;
            }
        }

        *slot = (uint64_t) fp << 32
                | (uint64_t) (c << NGX_HTTP_PARTOO_TRYOUT_KEYS_UNIT_SHIFT)
                | (uint64_t) ((p - base) / sizeof(uint64_t));

        p += size;
        room -= size;

        set->nkeys++;
    }

    return NGX_OK;
}


/* a set takes "set_pages": the zone must hold two, and some slack */

static void
ngx_http_partoo_tryout_keys_too_small(ngx_http_partoo_tryout_keys_zone_t *ctx,
    ngx_uint_t set_pages)
{
    size_t      size;
    uint64_t    need, room;
    ngx_uint_t  pages;

    pages = ctx->sh->pages;

    need = 2 * (uint64_t) set_pages + NGX_HTTP_PARTOO_TRYOUT_SLACK_PAGES;

    size = ctx->shm_zone->shm.size
           + (size_t) (need - pages) * (ngx_pagesize + sizeof(ngx_slab_page_t));

    size = ngx_align(size, 1024 * 1024);

    room = 0;

    if (pages > NGX_HTTP_PARTOO_TRYOUT_SLACK_PAGES) {
        room = (uint64_t) (pages - NGX_HTTP_PARTOO_TRYOUT_SLACK_PAGES) / 2
               * ctx->kf.nkeys / set_pages;
    }

    ngx_log_error(ctx->level, ctx->log, 0,
                  "partoo_tryout_keys_zone \"%V\" is too small for "
                  "the %ui keys of \"%V\": it has room for about %uL, "
                  "since a reload builds the new keys beside the current "
                  "ones; use at least %uzm",
                  &ctx->shm_zone->shm.name, ctx->kf.nkeys, &ctx->file,
                  room, size / (1024 * 1024));
}


static void
ngx_http_partoo_tryout_keys_warn_plaintext(
    ngx_http_partoo_tryout_keys_zone_t *ctx)
{
    size_t                                     i, n;
    ngx_http_partoo_tryout_keys_file_plain_t  *plain;

    plain = ctx->kf.plaintext;
    n = ngx_min(ctx->kf.nplaintext, NGX_HTTP_PARTOO_TRYOUT_PLAINTEXT_WARNINGS);

    for (i = 0; i < n; i++) {
        ngx_log_error(NGX_LOG_WARN, ctx->log, 0,
                      "key file \"%V\", keys[%uz] (user_id \"%*s\"): "
                      "plaintext \"key\" hashed at load; store its "
                      "\"key_sha256\" instead",
                      &ctx->file, plain[i].index, plain[i].user_id_len,
                      plain[i].user_id);
    }

    if (ctx->kf.nplaintext > n) {
        ngx_log_error(NGX_LOG_WARN, ctx->log, 0,
                      "key file \"%V\": %uz more plaintext keys",
                      &ctx->file, ctx->kf.nplaintext - n);
    }
}


/* with the slab mutex held: every set but the current one goes */

static void
ngx_http_partoo_tryout_keys_reclaim(ngx_http_partoo_tryout_keys_zone_t *ctx)
{
    ngx_uint_t                          k;
    ngx_http_partoo_tryout_keys_set_t  *set;

    for (k = 0; k < NGX_HTTP_PARTOO_TRYOUT_KEYS_SETS; k++) {
        set = ctx->sh->sets[k];

        if (set && set != ctx->sh->current) {
            ngx_http_partoo_tryout_keys_free_set(ctx, set);
        }
    }
}


/* with the slab mutex held: the set is still in the zone */

static ngx_uint_t
ngx_http_partoo_tryout_keys_registered(ngx_http_partoo_tryout_keys_zone_t *ctx,
    ngx_http_partoo_tryout_keys_set_t *set)
{
    ngx_uint_t  k;

    for (k = 0; k < NGX_HTTP_PARTOO_TRYOUT_KEYS_SETS; k++) {
        if (ctx->sh->sets[k] == set) {
            return 1;
        }
    }

    return 0;
}


/* with the slab mutex held; a set partly allocated goes too */

static void
ngx_http_partoo_tryout_keys_free_set(ngx_http_partoo_tryout_keys_zone_t *ctx,
    ngx_http_partoo_tryout_keys_set_t *set)
{
    ngx_uint_t  i;

    if (set == NULL) {
        return;
    }

    /* a reader inside this set will see it and look again */
    ngx_atomic_fetch_add(&ctx->sh->frees, 1);
    ngx_memory_barrier();

    for (i = 0; i < NGX_HTTP_PARTOO_TRYOUT_KEYS_SETS; i++) {
        if (ctx->sh->sets[i] == set) {
            ctx->sh->sets[i] = NULL;
        }
    }

    for (i = 0; i < set->nchunks; i++) {
        if (set->chunk[i]) {
            ngx_slab_free_locked(ctx->shpool, set->chunk[i]);
        }
    }

    ngx_slab_free_locked(ctx->shpool, set);
}



/* the keys zones of a cycle, one by one; "*part" NULL at the start */

static ngx_http_partoo_tryout_keys_zone_t *
ngx_http_partoo_tryout_keys_next(ngx_cycle_t *cycle, ngx_list_part_t **part,
    ngx_uint_t *i)
{
    ngx_shm_zone_t  *shm_zone;

    if (*part == NULL) {
        *part = &cycle->shared_memory.part;
        *i = 0;
    }

    for ( ;; ) {

        if (*i >= (*part)->nelts) {
            if ((*part)->next == NULL) {
                return NULL;
            }

            *part = (*part)->next;
            *i = 0;
            continue;
        }

        shm_zone = (ngx_shm_zone_t *) (*part)->elts + (*i)++;

        if (shm_zone->init == ngx_http_partoo_tryout_keys_init_zone) {
            return shm_zone->data;
        }
    }
}


ngx_int_t
ngx_http_partoo_tryout_keys_publish(ngx_cycle_t *cycle)
{
    ngx_uint_t                           i;
    ngx_list_part_t                     *part;
    ngx_http_partoo_tryout_keys_zone_t  *ctx;

    part = NULL;

    while ((ctx = ngx_http_partoo_tryout_keys_next(cycle, &part, &i)) != NULL) {

        if (ctx->pending == NULL) {
            continue;
        }

        /*
         * One store: a lookup that loaded the previous set finishes in it,
         * and the set stays until the next build reclaims it.
         */

        ngx_shmtx_lock(&ctx->shpool->mutex);

        /* a publisher between init_zone and now may have reclaimed it */

        if (ngx_http_partoo_tryout_keys_registered(ctx, ctx->pending)) {
            ngx_memory_barrier();
            ctx->sh->current = ctx->pending;
            ctx->sh->generation++;
            ctx->sh->file = ctx->ident;
        }

        ngx_shmtx_unlock(&ctx->shpool->mutex);

        ctx->pending = NULL;
    }

    return NGX_OK;
}


/*
 * A worker's timer for each keys zone with "check=".  Cancelable: it
 * never holds a graceful shutdown.
 */

ngx_int_t
ngx_http_partoo_tryout_keys_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                           i;
    ngx_event_t                         *ev;
    ngx_list_part_t                     *part;
    ngx_http_partoo_tryout_keys_zone_t  *ctx;

    if (ngx_process != NGX_PROCESS_WORKER && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    part = NULL;

    while ((ctx = ngx_http_partoo_tryout_keys_next(cycle, &part, &i)) != NULL) {

        if (ctx->check == 0 || ctx->sh == NULL) {
            continue;
        }

        /* a worker's check refuses a bad file, it does not stop nginx */
        ctx->log = cycle->log;
        ctx->level = NGX_LOG_ERR;

        ev = ngx_pcalloc(cycle->pool, sizeof(ngx_event_t));
        if (ev == NULL) {
            return NGX_ERROR;
        }

        ev->handler = ngx_http_partoo_tryout_keys_check_handler;
        ev->data = ctx;
        ev->log = cycle->log;
        ev->cancelable = 1;

        ngx_add_timer(ev, ctx->check);
    }

    return NGX_OK;
}


static void
ngx_http_partoo_tryout_keys_check_handler(ngx_event_t *ev)
{
    ngx_http_partoo_tryout_keys_zone_t  *ctx = ev->data;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    ngx_http_partoo_tryout_keys_check(ctx);

    ngx_add_timer(ev, ctx->check);
}


/*
 * One worker at a time: the first to find the check due takes the owner
 * word, unless a live process holds it.  A process gone (killed mid-check)
 * is no owner; its pid reused within one check is a risk nginx's own
 * mutexes take too, and costs one check at most.
 */

static void
ngx_http_partoo_tryout_keys_check(ngx_http_partoo_tryout_keys_zone_t *ctx)
{
    ngx_msec_t                            now;
    ngx_atomic_uint_t                     owner;
    ngx_http_partoo_tryout_keys_shctx_t  *sh;

    sh = ctx->sh;
    now = ngx_current_msec;

    if ((ngx_msec_int_t) (now - (ngx_msec_t) sh->check_due) < 0) {
        return;
    }

    owner = sh->check_owner;

    if (owner != 0
        && (kill((ngx_pid_t) owner, 0) == 0 || ngx_errno == NGX_EPERM))
    {
        return;
    }

    if (!ngx_atomic_cmp_set(&sh->check_owner, owner,
                            (ngx_atomic_uint_t) ngx_pid))
    {
        return;
    }

    /* another worker may have checked between the two reads */

    if ((ngx_msec_int_t) (now - (ngx_msec_t) sh->check_due) >= 0) {
        sh->check_due = (ngx_atomic_uint_t) (now + ctx->check);

        ngx_http_partoo_tryout_keys_check_file(ctx);
    }

    ngx_memory_barrier();
    sh->check_owner = 0;
}


/*
 * In the worker that owns the check: a file changed since it was last
 * examined is parsed here, in the event loop, as the master parses it on
 * reload, and published if good.
 */

static void
ngx_http_partoo_tryout_keys_check_file(ngx_http_partoo_tryout_keys_zone_t *ctx)
{
    ngx_uint_t                           same, generation;
    ngx_file_info_t                      fi;
    ngx_http_partoo_tryout_keys_set_t   *set;
    ngx_http_partoo_tryout_keys_ident_t  id;

    if (ngx_file_info(ctx->file.data, &fi) == NGX_FILE_ERROR) {
        /* all 0: logged once by the read below, until the file is back */
        ngx_memzero(&id, sizeof(ngx_http_partoo_tryout_keys_ident_t));

    } else {
        ngx_http_partoo_tryout_keys_ident(&id, &fi);
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    same = ngx_memcmp(&ctx->sh->file, &id,
                      sizeof(ngx_http_partoo_tryout_keys_ident_t)) == 0;
    generation = ctx->sh->generation;

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    if (same) {
        return;
    }

    set = NULL;

    if (ngx_http_partoo_tryout_keys_load(NULL, ctx) == NGX_OK) {
        set = ngx_http_partoo_tryout_keys_build(ctx, &generation);
        ngx_http_partoo_tryout_keys_free_parsed(ctx);
    }

    if (set) {
        ngx_http_partoo_tryout_metrics_keys_checked(&ctx->shm_zone->shm.name,
                                                    1);
        return;
    }

    if (generation == 0) {
        /* a reload published a newer file meanwhile: it stands */
        return;
    }

    /* refused: not read again until it changes */

    ngx_shmtx_lock(&ctx->shpool->mutex);

    if (ctx->sh->generation == generation) {
        ctx->sh->file = id;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    ngx_http_partoo_tryout_metrics_keys_checked(&ctx->shm_zone->shm.name, 0);
}


static void
ngx_http_partoo_tryout_keys_free_parsed(
    ngx_http_partoo_tryout_keys_zone_t *ctx)
{
    ngx_http_partoo_tryout_keys_file_free(&ctx->kf);
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

        if (ngx_http_partoo_tryout_keys_registered(ctx, ctx->pending)) {
            ngx_http_partoo_tryout_keys_free_set(ctx, ctx->pending);
        }

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
        role = ngx_http_partoo_tryout_keys_file_role(value[i].data,
                                                     value[i].len);

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


/*
 * The key's record: NGX_OK and "found" filled, NGX_DECLINED for an unknown
 * key, NGX_ERROR if SHA-256 failed.  "org_id" is the argument's, or 0.
 */

ngx_int_t
ngx_http_partoo_tryout_keys_find(ngx_shm_zone_t *shm_zone, u_char *key,
    size_t len, int64_t org_id, ngx_http_partoo_tryout_keys_found_t *found)
{
    ngx_http_partoo_tryout_keys_zone_t  *ctx;
    u_char                               digest[SHA256_DIGEST_LENGTH];

    ctx = shm_zone->data;

    if (ngx_http_partoo_tryout_keys_hash(ctx, key, len, digest) != NGX_OK) {
        return NGX_ERROR;
    }

    if (!ngx_http_partoo_tryout_keys_lookup(ctx, digest, org_id, found)) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* "len" bytes at "p" lie inside the zone */

#define ngx_http_partoo_tryout_keys_in_zone(ctx, p, len)                     \
    ((u_char *) (p) >= (ctx)->start && (u_char *) (p) <= (ctx)->end          \
     && (size_t) ((ctx)->end - (u_char *) (p)) >= (size_t) (len))


/* a keys zone's keys in force, read as a lookup reads them */

ngx_int_t
ngx_http_partoo_tryout_keys_zone_keys(ngx_shm_zone_t *shm_zone,
    ngx_uint_t *nkeys)
{
    ngx_atomic_uint_t                    frees;
    ngx_http_partoo_tryout_keys_set_t   *set;
    ngx_http_partoo_tryout_keys_zone_t  *ctx;

    if (shm_zone->init != ngx_http_partoo_tryout_keys_init_zone) {
        return NGX_DECLINED;
    }

    ctx = shm_zone->data;

    if (ctx == NULL || ctx->sh == NULL) {
        return NGX_DECLINED;
    }

    for ( ;; ) {
        frees = ctx->sh->frees;
        ngx_memory_barrier();

        set = ctx->sh->current;

        *nkeys = (set && ngx_http_partoo_tryout_keys_in_zone(ctx, set,
                                                     sizeof(ngx_uint_t)))
                 ? set->nkeys : 0;

        ngx_memory_barrier();

        if (ctx->sh->frees == frees) {
            return NGX_OK;
        }
    }
}


/*
 * Lock-free: the set is loaded once and read; "frees" tells whether it may
 * have been freed meanwhile (see the top of the file).
 */

static ngx_uint_t
ngx_http_partoo_tryout_keys_lookup(ngx_http_partoo_tryout_keys_zone_t *ctx,
    u_char *digest, int64_t org_id, ngx_http_partoo_tryout_keys_found_t *found)
{
    ngx_uint_t                          rc;
    ngx_atomic_uint_t                   frees;
    ngx_http_partoo_tryout_keys_set_t  *set;

    for ( ;; ) {
        frees = ctx->sh->frees;
        ngx_memory_barrier();

        set = ctx->sh->current;

        rc = ngx_http_partoo_tryout_keys_lookup_set(ctx, set, digest, org_id,
                                                    found);

        ngx_memory_barrier();

        if (ctx->sh->frees == frees) {
            return rc;
        }
    }
}


static ngx_uint_t
ngx_http_partoo_tryout_keys_lookup_set(ngx_http_partoo_tryout_keys_zone_t *ctx,
    ngx_http_partoo_tryout_keys_set_t *set, u_char *digest, int64_t org_id,
    ngx_http_partoo_tryout_keys_found_t *found)
{
    u_char                                *p;
    size_t                                 len;
    uint32_t                               fp, ref;
    uint64_t                               h, i, n, mask, slot;
    ngx_uint_t                             nchunks, c;
    ngx_http_partoo_tryout_keys_record_t  *rec;

    if (!ngx_http_partoo_tryout_keys_in_zone(ctx, set,
                            offsetof(ngx_http_partoo_tryout_keys_set_t, chunk)))
    {
        return 0;
    }

    mask = set->mask;
    nchunks = set->nchunks;

    if (mask >= (uint64_t) (ctx->end - ctx->start) / sizeof(uint64_t)
        || nchunks > (size_t) (ctx->end - ctx->start) / sizeof(u_char *)
        || !ngx_http_partoo_tryout_keys_in_zone(ctx, set->chunk,
                                                nchunks * sizeof(u_char *)))
    {
        return 0;
    }

    ngx_memcpy(&h, digest, sizeof(uint64_t));
    ngx_memcpy(&fp, digest + sizeof(uint64_t), sizeof(uint32_t));

    for (i = h & mask, n = 0; n <= mask; i = (i + 1) & mask, n++) {

        c = i >> NGX_HTTP_PARTOO_TRYOUT_KEYS_UNIT_SHIFT;

        if (c >= nchunks) {
            return 0;
        }

        p = set->chunk[c]
            + (i & (NGX_HTTP_PARTOO_TRYOUT_KEYS_UNITS - 1)) * sizeof(uint64_t);

        if (!ngx_http_partoo_tryout_keys_in_zone(ctx, p, sizeof(uint64_t))) {
            return 0;
        }

        slot = *(uint64_t *) p;

        if (slot == 0) {
            return 0;
        }

        if ((uint32_t) (slot >> 32) != fp) {
            continue;
        }

        ref = (uint32_t) slot;
        c = ref >> NGX_HTTP_PARTOO_TRYOUT_KEYS_UNIT_SHIFT;

        if (c >= nchunks) {
            return 0;
        }

        p = set->chunk[c]
            + (ref & (NGX_HTTP_PARTOO_TRYOUT_KEYS_UNITS - 1))
              * sizeof(uint64_t);

        if (!ngx_http_partoo_tryout_keys_in_zone(ctx, p,
                      offsetof(ngx_http_partoo_tryout_keys_record_t, data)))
        {
            return 0;
        }

        rec = (ngx_http_partoo_tryout_keys_record_t *) p;

        if (ngx_memcmp(rec->digest, digest, SHA256_DIGEST_LENGTH) != 0) {
            continue;
        }

        len = ngx_http_partoo_tryout_keys_record_size(rec->user_id_len,
                                                      rec->norgs);

        if (!ngx_http_partoo_tryout_keys_in_zone(ctx, p, len)) {
            return 0;
        }

        found->org_id = rec->org_id;
        found->role = rec->role;
        found->user_id_len = rec->user_id_len;
        ngx_memcpy(found->user_id, rec->data, rec->user_id_len);

        found->has_org = rec->norgs
                         && ngx_http_partoo_tryout_keys_has_org(
                                (int64_t *) (p
                                + ngx_http_partoo_tryout_keys_record_size(
                                      rec->user_id_len, 0)),
                                rec->norgs, org_id);
        return 1;
    }

    return 0;
}


static ngx_uint_t
ngx_http_partoo_tryout_keys_has_org(int64_t *orgs, ngx_uint_t norgs,
    int64_t org_id)
{
    ngx_uint_t  lo, hi, mid;

    lo = 0;
    hi = norgs;

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
