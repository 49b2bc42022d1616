
/*
 * Copyright (C) Partoo tryout module authors
 *
 * The key file parser: plain C, jansson and OpenSSL's SHA-256, no nginx
 * types, so that it is unit-tested and fuzzed without a server.  The
 * zone code (keys.c) reads the file, hands its bytes here and stores the
 * entries this returns.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/* roles are bits, so partoo_tryout_roles is a mask */
#define NGX_HTTP_PARTOO_TRYOUT_ROLE_PROVIDER          0x0002
#define NGX_HTTP_PARTOO_TRYOUT_ROLE_ORG_ADMIN         0x0004
#define NGX_HTTP_PARTOO_TRYOUT_ROLE_ORG_MANAGER       0x0008
#define NGX_HTTP_PARTOO_TRYOUT_ROLE_GROUP_MANAGER     0x0010
#define NGX_HTTP_PARTOO_TRYOUT_ROLE_BUSINESS_MANAGER  0x0020
#define NGX_HTTP_PARTOO_TRYOUT_ROLE_PUBLISHER         0x0040

#define NGX_HTTP_PARTOO_TRYOUT_KEYS_DIGEST_LEN  32
#define NGX_HTTP_PARTOO_TRYOUT_USER_ID_MAX      255

/* a plaintext key warns once per entry, up to this many entries */
#define NGX_HTTP_PARTOO_TRYOUT_PLAINTEXT_WARNINGS  16

/* no entry: the error is about the file as a whole */
#define NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_NO_ENTRY  ((size_t) -1)


/* one key as parsed from the file */

typedef struct {
    unsigned char     digest[NGX_HTTP_PARTOO_TRYOUT_KEYS_DIGEST_LEN];
    int64_t           org_id;     /* 0 for a PROVIDER */
    int64_t          *org_ids;    /* a PROVIDER's: sorted, distinct */
    unsigned char    *user_id;
    size_t            index;      /* in "keys" */
    uint32_t          norgs;
    unsigned char     role;       /* one ROLE_* bit */
    unsigned char     user_id_len;
} ngx_http_partoo_tryout_keys_file_entry_t;


/* a plaintext key, for the warning that names its entry */

typedef struct {
    size_t            index;
    unsigned char    *user_id;
    size_t            user_id_len;
} ngx_http_partoo_tryout_keys_file_plain_t;


typedef struct ngx_http_partoo_tryout_keys_file_block_s
    ngx_http_partoo_tryout_keys_file_block_t;


typedef struct {
    /* sorted by digest, no two the same */
    ngx_http_partoo_tryout_keys_file_entry_t  *entries;
    size_t                                     nkeys;
    size_t                                     nalloc;

    /* the first plaintext keys, and how many there were */
    ngx_http_partoo_tryout_keys_file_plain_t   plaintext[
                                    NGX_HTTP_PARTOO_TRYOUT_PLAINTEXT_WARNINGS];
    size_t                                     nplaintext;

    /*
     * On failure: the message after 'key file "PATH"', and the entry it
     * is about (NO_ENTRY for the file as a whole); without "what", a
     * memory allocation failed.  Never any text of the file.
     */
    size_t                                     error_index;
    char                                       error[256];

    /* user_ids and org lists */
    ngx_http_partoo_tryout_keys_file_block_t  *blocks;
} ngx_http_partoo_tryout_keys_file_t;


/*
 * Parses "len" bytes at "buf", which must be followed by a NUL byte: 0 with
 * the entries in "kf", -1 with kf->error set.  kf must be zeroed first and
 * freed with keys_file_free() in both cases.
 */
int ngx_http_partoo_tryout_keys_file_parse(
    ngx_http_partoo_tryout_keys_file_t *kf, unsigned char *buf, size_t len);

void ngx_http_partoo_tryout_keys_file_free(
    ngx_http_partoo_tryout_keys_file_t *kf);

/* a role name, matched exactly, to its ROLE_* bit; 0 when unknown */
unsigned ngx_http_partoo_tryout_keys_file_role(const unsigned char *name,
    size_t len);

/* SHA-256 of "len" bytes: 0, or -1 with OpenSSL's error queue cleared */
int ngx_http_partoo_tryout_keys_file_sha256(const unsigned char *data,
    size_t len, unsigned char *digest);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_H_INCLUDED_ */
