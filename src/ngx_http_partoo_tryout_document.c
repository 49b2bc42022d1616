
/*
 * Copyright (C) Partoo tryout module authors
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_partoo_tryout_document.h"
#include "ngx_http_partoo_tryout_samples.h"
#include "ngx_http_partoo_tryout_sign.h"
#include "ngx_http_partoo_tryout_util.h"


/* signatures of default documents kept per worker and location */
#define NGX_HTTP_PARTOO_TRYOUT_DOCUMENT_CACHE  1024


struct ngx_http_partoo_tryout_document_key_s {
    ngx_http_partoo_tryout_sign_key_t  *key;
    u_char                              id[NGX_HTTP_PARTOO_TRYOUT_KEY_ID];
};


/* org_id 0: a free slot; -1: a document without org_id */

typedef struct {
    int64_t                        org_id;
    ngx_uint_t                     event;
    u_char                         signature[NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN];
} ngx_http_partoo_tryout_document_sig_t;


struct ngx_http_partoo_tryout_document_cache_s {
    ngx_http_partoo_tryout_document_sig_t  sigs[
                                         NGX_HTTP_PARTOO_TRYOUT_DOCUMENT_CACHE];
};


static ngx_int_t ngx_http_partoo_tryout_document_sample(
    ngx_http_request_t *r, ngx_http_partoo_tryout_document_conf_t *conf,
    int64_t org_id, ngx_http_partoo_tryout_event_e event,
    ngx_http_partoo_tryout_source_fetch_t *fetch,
    ngx_http_partoo_tryout_document_t *doc);
static ngx_int_t ngx_http_partoo_tryout_document_sign(ngx_http_request_t *r,
    ngx_http_partoo_tryout_document_key_t *key,
    ngx_http_partoo_tryout_document_t *doc);
static ngx_http_partoo_tryout_document_sig_t *
    ngx_http_partoo_tryout_document_cached(
    ngx_http_partoo_tryout_document_conf_t *conf, int64_t org_id,
    ngx_uint_t event);
static u_char *ngx_http_partoo_tryout_document_read_file(ngx_conf_t *cf,
    ngx_str_t *directive, ngx_str_t *name, size_t *len);
static void ngx_http_partoo_tryout_document_free_key(void *data);


static ngx_str_t  ngx_http_partoo_tryout_document_key_id =
    ngx_string("partoo tryout signing key id");


ngx_int_t
ngx_http_partoo_tryout_document_get(ngx_http_request_t *r,
    ngx_http_partoo_tryout_document_conf_t *conf, int64_t org_id,
    ngx_http_partoo_tryout_event_e event,
    ngx_http_partoo_tryout_source_fetch_t *fetch,
    ngx_http_partoo_tryout_document_t *doc)
{
    u_char                                 *p;
    int64_t                                 key;
    ngx_int_t                               rc;
    ngx_http_partoo_tryout_payload_t       *pl;
    ngx_http_partoo_tryout_document_sig_t  *sig;

    ngx_memzero(doc, sizeof(ngx_http_partoo_tryout_document_t));

    if ((unsigned) event >= NGX_HTTP_PARTOO_TRYOUT_NEVENTS) {
        return NGX_ERROR;
    }

    if (conf->samples) {
        rc = ngx_http_partoo_tryout_document_sample(r, conf, org_id, event,
                                                    fetch, doc);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    doc->origin = NGX_HTTP_PARTOO_TRYOUT_ORIGIN_DEFAULT;

    pl = conf->payloads[event];

    /* the signature goes right after the body, in the request's pool */

    p = ngx_pnalloc(r->pool, ngx_http_partoo_tryout_payload_size(pl)
                             + (conf->key ? NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN
                                          : 0));
    if (p == NULL) {
        return NGX_ERROR;
    }

    doc->body.data = p;
    doc->body.len = ngx_http_partoo_tryout_payload_render(pl, org_id,
                                                          (char *) p);

    if (conf->key == NULL) {
        return NGX_OK;
    }

    doc->signature.data = p + doc->body.len;

    /* a default document depends on the org only where it carries one */
    key = (pl->has_org && org_id > 0) ? org_id : -1;

    sig = ngx_http_partoo_tryout_document_cached(conf, key, event);

    if (sig && sig->org_id != 0) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "partoo_tryout: cached signature of the default %s "
                       "document for org %L",
                       ngx_http_partoo_tryout_event_name(event), org_id);

        /* copied: a later tryout may reuse the slot while this one runs */
        ngx_memcpy(doc->signature.data, sig->signature,
                   NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);
        doc->signature.len = NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN;

        return NGX_OK;
    }

    if (ngx_http_partoo_tryout_document_sign(r, conf->key, doc) != NGX_OK) {
        return NGX_ERROR;
    }

    if (sig) {
        sig->org_id = key;
        sig->event = event;
        ngx_memcpy(sig->signature, doc->signature.data,
                   NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);
    }

    return NGX_OK;
}


/*
 * The sample of (org_id, event) as a document, NGX_DECLINED without one
 * (NGX_AGAIN: samples_source is to be asked).  Its signature is kept with
 * it in the zone for every worker; a PUT in between (a new generation)
 * or another key makes it stale.
 */

static ngx_int_t
ngx_http_partoo_tryout_document_sample(ngx_http_request_t *r,
    ngx_http_partoo_tryout_document_conf_t *conf, int64_t org_id,
    ngx_http_partoo_tryout_event_e event,
    ngx_http_partoo_tryout_source_fetch_t *fetch,
    ngx_http_partoo_tryout_document_t *doc)
{
    u_char                                *p;
    size_t                                 size;
    ngx_int_t                              rc;
    ngx_uint_t                             sign;
    const char                            *type;
    ngx_http_partoo_tryout_payload_t       pl;
    ngx_http_partoo_tryout_sample_copy_t   copy;

    if (fetch && fetch->result != NGX_HTTP_PARTOO_TRYOUT_SOURCE_NONE) {

        /* this tryout asked the source, or waited for its answer */

        if (fetch->result != NGX_HTTP_PARTOO_TRYOUT_SOURCE_OK) {
            return NGX_DECLINED;
        }

        ngx_memzero(&copy, sizeof(ngx_http_partoo_tryout_sample_copy_t));
        copy.data = fetch->data;
        copy.generation = fetch->generation;

        doc->origin = NGX_HTTP_PARTOO_TRYOUT_ORIGIN_SOURCE;

    } else {
        rc = ngx_http_partoo_tryout_samples_copy(conf->samples, org_id, event,
                                                 r->pool, &copy);

        if (rc == NGX_DONE) {
            /* the source had none, within samples_ttl */
            return NGX_DECLINED;
        }

        if (rc == NGX_DECLINED && conf->source.len && fetch) {
            return NGX_AGAIN;
        }

        if (rc != NGX_OK) {
            return rc;
        }

        doc->origin = NGX_HTTP_PARTOO_TRYOUT_ORIGIN_SAMPLE;
    }

    type = ngx_http_partoo_tryout_event_name(event);

    /* sent as stored: no org_id is written into a sample */
    ngx_http_partoo_tryout_payload_compile(&pl, NGX_HTTP_PARTOO_TRYOUT_NEVENTS,
                                           type, ngx_strlen(type),
                                           (char *) copy.data.data,
                                           copy.data.len);

    size = ngx_http_partoo_tryout_payload_size(&pl)
           + (conf->key ? NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN : 0);

    p = ngx_pnalloc(r->pool, size);
    if (p == NULL) {
        return NGX_ERROR;
    }

    doc->body.data = p;
    doc->body.len = ngx_http_partoo_tryout_payload_render(&pl, 0, (char *) p);

    sign = 0;

    if (conf->key) {
        if (copy.signed_
            && ngx_memcmp(copy.key_id, conf->key->id,
                          NGX_HTTP_PARTOO_TRYOUT_KEY_ID)
               == 0)
        {
            doc->signature.data = p + doc->body.len;
            doc->signature.len = NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN;
            ngx_memcpy(doc->signature.data, copy.signature,
                       NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);

        } else {
            sign = 1;
        }
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "partoo_tryout: %s sample of org %L, %s signature",
                   type, org_id, sign ? "new" : "stored");

    if (!sign) {
        return NGX_OK;
    }

    /* 25 us of Ed25519 outside the zone's lock; kept if still current */

    if (ngx_http_partoo_tryout_document_sign(r, conf->key, doc) != NGX_OK) {
        return NGX_ERROR;
    }

    if (copy.generation == 0) {
        /* the source's document, not stored: see samples_store_source() */
        return NGX_OK;
    }

    ngx_http_partoo_tryout_samples_keep_signature(conf->samples, org_id,
                                                  event, copy.generation,
                                                  conf->key->id,
                                                  doc->signature.data);

    return NGX_OK;
}


static ngx_int_t
ngx_http_partoo_tryout_document_sign(ngx_http_request_t *r,
    ngx_http_partoo_tryout_document_key_t *key,
    ngx_http_partoo_tryout_document_t *doc)
{
    u_char  *p;

    p = doc->signature.data;

    if (p == NULL) {
        p = ngx_pnalloc(r->pool, NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }
    }

    if (ngx_http_partoo_tryout_sign_body(key->key, doc->body.data,
                                         doc->body.len, (char *) p,
                                         NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN)
        != 0)
    {
#if (NGX_OPENSSL)
        ngx_ssl_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "partoo_tryout: cannot sign the document");
#else
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "partoo_tryout: cannot sign the document");
#endif
        return NGX_ERROR;
    }

    doc->signature.data = p;
    doc->signature.len = NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN;

    return NGX_OK;
}


/*
 * The cache slot of (org_id, event): its signature when it holds them,
 * else the slot to fill.  Direct-mapped: a collision replaces the older.
 * NULL only when the worker cannot allocate the cache.
 */

static ngx_http_partoo_tryout_document_sig_t *
ngx_http_partoo_tryout_document_cached(
    ngx_http_partoo_tryout_document_conf_t *dcf, int64_t org_id,
    ngx_uint_t event)
{
    uint64_t                               h;
    ngx_http_partoo_tryout_document_sig_t  *sig;

    if (dcf->cache == NULL) {
        /* per worker: its copy of the configuration, its cycle pool */
        dcf->cache = ngx_pcalloc(ngx_cycle->pool,
                               sizeof(ngx_http_partoo_tryout_document_cache_t));
        if (dcf->cache == NULL) {
            return NULL;
        }
    }

    h = ((uint64_t) org_id * NGX_HTTP_PARTOO_TRYOUT_NEVENTS + event)
        * 0x9e3779b97f4a7c15ULL;

    sig = &dcf->cache->sigs[h >> 54];

    if (sig->org_id == org_id && sig->event == event) {
        return sig;
    }

    sig->org_id = 0;

    return sig;
}


/* partoo_tryout_default_payload EVENT_TYPE FILE */

char *
ngx_http_partoo_tryout_document_default_payload(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf)
{
    int                                event;
    char                               err[256], type[32];
    u_char                            *text;
    size_t                             len, start, stop;
    ngx_str_t                         *value;
    ngx_http_partoo_tryout_payload_t        *pl;
    ngx_http_partoo_tryout_document_conf_t  *dcf;

    dcf = (ngx_http_partoo_tryout_document_conf_t *) ((char *) conf
                                                      + cmd->offset);

    value = cf->args->elts;

    event = ngx_http_partoo_tryout_event_lookup((char *) value[1].data,
                                                value[1].len);
    if (event < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": invalid event type \"%V\", must be one "
                           "of: " NGX_HTTP_PARTOO_TRYOUT_EVENT_LIST,
                           &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    if (dcf->payloads[event]) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V %V\" is duplicate", &cmd->name, &value[1]);
        return NGX_CONF_ERROR;
    }

    text = ngx_http_partoo_tryout_document_read_file(cf, &cmd->name, &value[2],
                                                    &len);
    if (text == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_partoo_tryout_payload_check((char *) text, len, err,
                                             sizeof(err))
        != NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V %V\": \"%V\": %s",
                           &cmd->name, &value[1], &value[2], err);
        return NGX_CONF_ERROR;
    }

    /* sent compact: not the file's final newline, nor indentation before */

    while (len && ngx_http_partoo_tryout_json_ws(text[len - 1])) {
        len--;
    }

    while (len && ngx_http_partoo_tryout_json_ws(text[0])) {
        text++;
        len--;
    }

    /* Partoo's pages show whole envelopes: one pasted as is is unwrapped */

    if (ngx_http_partoo_tryout_payload_envelope((char *) text, len, type,
                                                sizeof(type), &start, &stop))
    {
        if (ngx_strcmp(type, value[1].data) == 0) {
            text += start;
            len = stop - start;

        } else if (ngx_http_partoo_tryout_event_lookup(type,
                                                       ngx_strlen(type))
                   >= 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V %V\": \"%V\" holds a \"%s\" payload",
                               &cmd->name, &value[1], &value[2], type);
            return NGX_CONF_ERROR;
        }
    }

    pl = ngx_palloc(cf->pool, sizeof(ngx_http_partoo_tryout_payload_t));
    if (pl == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_http_partoo_tryout_payload_compile(pl, event,
                                           (char *) value[1].data,
                                           value[1].len, (char *) text, len);

    dcf->payloads[event] = pl;

    return NGX_CONF_OK;
}


/* partoo_tryout_signing_key FILE | off */

char *
ngx_http_partoo_tryout_document_signing_key(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf)
{
    char                                   id[NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN];
    char                                  *err;
    ngx_str_t                             *value, path, *name;
    ngx_pool_cleanup_t                    *cln;
    ngx_http_partoo_tryout_document_key_t   *key;
    ngx_http_partoo_tryout_document_conf_t  *dcf;

    dcf = (ngx_http_partoo_tryout_document_conf_t *) ((char *) conf
                                                      + cmd->offset);

    if (dcf->key != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        dcf->key = NULL;
        return NGX_CONF_OK;
    }

    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    key = ngx_pcalloc(cf->pool, sizeof(ngx_http_partoo_tryout_document_key_t));
    if (key == NULL) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    err = ngx_pnalloc(cf->temp_pool, NGX_HTTP_PARTOO_TRYOUT_SIGN_ERRLEN);
    if (err == NULL) {
        return NGX_CONF_ERROR;
    }

    key->key = ngx_http_partoo_tryout_sign_load((char *) path.data, err,
                                            NGX_HTTP_PARTOO_TRYOUT_SIGN_ERRLEN);
    if (key->key == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\" %s", &cmd->name,
                           err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_partoo_tryout_document_free_key;
    cln->data = key->key;

    /* Ed25519 is deterministic: a fixed text's signature names the key */

    name = &ngx_http_partoo_tryout_document_key_id;

    if (ngx_http_partoo_tryout_sign_body(key->key, name->data, name->len,
                                         id, sizeof(id))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\" \"%V\": cannot sign",
                           &cmd->name, &path);
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(key->id, id, NGX_HTTP_PARTOO_TRYOUT_KEY_ID);

    dcf->key = key;

    return NGX_CONF_OK;
}


/* an override file, whole, at most NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MAX_FILE */

static u_char *
ngx_http_partoo_tryout_document_read_file(ngx_conf_t *cf,
    ngx_str_t *directive, ngx_str_t *name, size_t *len)
{
    u_char                         *buf, *data;
    size_t                          size;
    ngx_str_t                       path;
    ngx_http_partoo_tryout_file_e   rc;

    path = *name;

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NULL;
    }

    rc = ngx_http_partoo_tryout_read_file((char *) path.data,
                                       NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MAX_FILE,
                                       &data, &size);
    switch (rc) {

    case NGX_HTTP_PARTOO_TRYOUT_FILE_OK:
        break;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_OPEN:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%V\": " ngx_open_file_n " \"%s\" failed",
                           directive, path.data);
        return NULL;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_STAT:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%V\": " ngx_fd_info_n " \"%s\" failed",
                           directive, path.data);
        return NULL;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_NOT_REGULAR:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": \"%s\" is not a regular file",
                           directive, path.data);
        return NULL;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_TOO_LARGE:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": \"%s\" is %uz bytes, more than the %d "
                           "a payload may have", directive, path.data, size,
                           NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MAX_FILE);
        return NULL;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_READ:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"%V\": " ngx_read_file_n " \"%s\" failed",
                           directive, path.data);
        return NULL;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_CHANGED:
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\": \"%s\" changed while read",
                           directive, path.data);
        return NULL;

    default: /* NGX_HTTP_PARTOO_TRYOUT_FILE_NOMEM */
        return NULL;
    }

    /* the payload's text lives as long as the configuration */

    buf = ngx_pnalloc(cf->pool, size + 1);

    if (buf) {
        ngx_memcpy(buf, data, size + 1);
        *len = size;
    }

    ngx_http_partoo_tryout_file_free(data, size);

    return buf;
}


static void
ngx_http_partoo_tryout_document_free_key(void *data)
{
    ngx_http_partoo_tryout_sign_free(data);
}




ngx_int_t
ngx_http_partoo_tryout_document_defaults(ngx_conf_t *cf,
    ngx_http_partoo_tryout_payload_t *defaults)
{
    char         err[256];
    size_t       len;
    ngx_uint_t   e;
    const char  *text, *type;

    for (e = 0; e < NGX_HTTP_PARTOO_TRYOUT_NEVENTS; e++) {
        text = ngx_http_partoo_tryout_payload_default(e, &len);
        type = ngx_http_partoo_tryout_event_name(e);

        if (ngx_http_partoo_tryout_payload_check(text, len, err, sizeof(err))
            != NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK)
        {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "partoo_tryout: built-in %s payload: %s",
                          type, err);
            return NGX_ERROR;
        }

        ngx_http_partoo_tryout_payload_compile(&defaults[e], e, type,
                                               ngx_strlen(type), text, len);
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_partoo_tryout_document_create_conf(ngx_conf_t *cf,
    ngx_http_partoo_tryout_document_conf_t *conf)
{
    /*
     * set by ngx_pcalloc():
     *
     *     conf->samples = NULL;
     *     conf->cache = NULL;
     */

    conf->payloads = ngx_pcalloc(cf->pool, NGX_HTTP_PARTOO_TRYOUT_NEVENTS
                                 * sizeof(ngx_http_partoo_tryout_payload_t *));
    if (conf->payloads == NULL) {
        return NGX_ERROR;
    }

    conf->key = NGX_CONF_UNSET_PTR;

    return NGX_OK;
}


char *
ngx_http_partoo_tryout_document_merge_conf(ngx_conf_t *cf,
    ngx_http_partoo_tryout_document_conf_t *conf,
    ngx_http_partoo_tryout_document_conf_t *prev,
    ngx_http_partoo_tryout_payload_t *defaults)
{
    ngx_uint_t  e;

    /* each event's override is inherited on its own */

    for (e = 0; e < NGX_HTTP_PARTOO_TRYOUT_NEVENTS; e++) {
        if (conf->payloads[e] == NULL) {
            conf->payloads[e] = prev->payloads[e] ? prev->payloads[e]
                                                  : &defaults[e];
        }
    }

    ngx_conf_merge_ptr_value(conf->key, prev->key, NULL);

    return NGX_CONF_OK;
}
