
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Ed25519 signing of delivery bodies: X-Partoo-Signature-v1.
 * Plain C on OpenSSL 3 EVP: no nginx types, so it is unit-tested without
 * a server.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_SIGN_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_SIGN_H_INCLUDED_


#include <stddef.h>


/* base64 of a 64-byte Ed25519 signature, padded, no NUL */
#define NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN     88

/* enough for any load error, path included */
#define NGX_HTTP_PARTOO_TRYOUT_SIGN_ERRLEN  (4096 + 256)


typedef struct ngx_http_partoo_tryout_sign_key_s
    ngx_http_partoo_tryout_sign_key_t;


/*
 * Loads the PEM Ed25519 private key at "path".  On failure returns NULL and
 * writes a one-line, NUL-terminated reason naming the file into "err".
 */
ngx_http_partoo_tryout_sign_key_t *ngx_http_partoo_tryout_sign_load(
    const char *path, char *err, size_t err_size);

/*
 * Signs the "len" bytes of "body" and writes the signature in base64
 * (NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN chars, no NUL) to "out".  Returns 0, or
 * -1 when "size" is too small or OpenSSL fails (its error queue says why).
 * A key keeps one signing context: use it from one thread at a time.
 */
int ngx_http_partoo_tryout_sign_body(ngx_http_partoo_tryout_sign_key_t *key,
    const void *body, size_t len, char *out, size_t size);

void ngx_http_partoo_tryout_sign_free(ngx_http_partoo_tryout_sign_key_t *key);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_SIGN_H_INCLUDED_ */
