
/*
 * Copyright (C) Partoo tryout module authors
 *
 * libFuzzer target for the key file parser (make fuzz builds and runs it):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *       t/fuzz/keys_file_fuzz.c src/ngx_http_partoo_tryout_keys_file.c \
 *       $(pkg-config --cflags --libs jansson libcrypto) \
 *       -o t/fuzz/keys_file_fuzz
 *   ./t/fuzz/keys_file_fuzz -dict=t/fuzz/keys_file.dict CORPUS
 *
 * Besides the sanitizers, it checks that what loads keeps the rules the
 * zone relies on, that a refusal always says why, and that nothing is
 * left in OpenSSL's error queue.
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "ngx_http_partoo_tryout_keys_file.h"


#define ngx_http_partoo_tryout_fuzz_assert(cond)                              \
    if (!(cond)) {                                                            \
        fprintf(stderr, "keys_file_fuzz: %s:%d: %s\n", __FILE__, __LINE__,    \
                #cond);                                                       \
        abort();                                                              \
    }


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
ngx_http_partoo_tryout_fuzz_entry(ngx_http_partoo_tryout_keys_file_entry_t *e)
{
    uint32_t  i;

    ngx_http_partoo_tryout_fuzz_assert(e->user_id_len > 0);

    for (i = 0; i < e->user_id_len; i++) {
        ngx_http_partoo_tryout_fuzz_assert(e->user_id[i] > 0x20
                                           && e->user_id[i] < 0x7f);
    }

    /* one known role bit */
    ngx_http_partoo_tryout_fuzz_assert(e->role != 0
                                       && (e->role & (e->role - 1)) == 0
                                       && (e->role & 0x7e) == e->role);

    if (e->role == NGX_HTTP_PARTOO_TRYOUT_ROLE_PROVIDER) {
        ngx_http_partoo_tryout_fuzz_assert(e->org_id == 0 && e->norgs > 0);

        for (i = 0; i < e->norgs; i++) {
            ngx_http_partoo_tryout_fuzz_assert(e->org_ids[i] > 0);
            ngx_http_partoo_tryout_fuzz_assert(i == 0
                                        || e->org_ids[i - 1] < e->org_ids[i]);
        }

    } else {
        ngx_http_partoo_tryout_fuzz_assert(e->org_id > 0 && e->norgs == 0);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                                  rc;
    size_t                               i;
    unsigned char                       *buf;
    ngx_http_partoo_tryout_keys_file_t   kf;

    /* the zone code hands the file NUL-terminated */

    buf = malloc(size + 1);
    if (buf == NULL) {
        return 0;
    }

    memcpy(buf, data, size);
    buf[size] = '\0';

    memset(&kf, 0, sizeof(kf));

    rc = ngx_http_partoo_tryout_keys_file_parse(&kf, buf, size);

    if (rc == 0) {
        for (i = 0; i < kf.nkeys; i++) {
            ngx_http_partoo_tryout_fuzz_entry(&kf.entries[i]);

            /* sorted and distinct: the zone's duplicate check */
            ngx_http_partoo_tryout_fuzz_assert(i == 0
                || memcmp(kf.entries[i - 1].digest, kf.entries[i].digest,
                          NGX_HTTP_PARTOO_TRYOUT_KEYS_DIGEST_LEN) < 0);
        }

    } else {
        ngx_http_partoo_tryout_fuzz_assert(rc == -1 && kf.error[0] != '\0');
        ngx_http_partoo_tryout_fuzz_assert(
            memchr(kf.error, '\0', sizeof(kf.error)) != NULL);
    }

    ngx_http_partoo_tryout_fuzz_assert(ERR_peek_error() == 0);

    ngx_http_partoo_tryout_keys_file_free(&kf);
    free(buf);

    return 0;
}
