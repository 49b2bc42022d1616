
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Unit tests of src/ngx_http_partoo_tryout_sign.c: key loading errors as
 * "nginx -t" shows them, signatures checked with the public key, the
 * RFC 8032 vectors, and the cost of one signature.
 *
 * Prints "ok N - ..." / "not ok N - ..." lines, exits 1 on any failure.
 * PARTOO_SIGN_BENCH_N sets the number of timed signatures (default 1000).
 */


#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ngx_http_partoo_tryout_sign.h"


#define OK(cond, ...)                                                         \
    ngx_http_partoo_tryout_sign_test_ok(!!(cond), __LINE__, __VA_ARGS__)

#define NGX_HTTP_PARTOO_TRYOUT_SIGN_TEST_MB  (1024 * 1024)


static void ngx_http_partoo_tryout_sign_test_ok(int cond, int line,
    const char *fmt, ...);
static void ngx_http_partoo_tryout_sign_test_path(char *buf, size_t size,
    const char *name);
static void ngx_http_partoo_tryout_sign_test_write(const char *name,
    const void *data, size_t len);
static void ngx_http_partoo_tryout_sign_test_write_key(const char *name,
    EVP_PKEY *pkey, int public_only, int encrypted);
static void ngx_http_partoo_tryout_sign_test_load_fails(const char *name,
    const char *path, const char *expect);
static int ngx_http_partoo_tryout_sign_test_decode(const char *b64,
    unsigned char *raw);
static int ngx_http_partoo_tryout_sign_test_verify(EVP_PKEY *pub,
    const void *msg, size_t len, const char *b64);
static void ngx_http_partoo_tryout_sign_test_rfc8032(const char *name,
    const char *seed_hex, const char *pub_hex, const char *msg_hex,
    const char *sig_hex, const char *sig_b64);
static void ngx_http_partoo_tryout_sign_test_unreadable(void);
static void ngx_http_partoo_tryout_sign_test_bench(
    ngx_http_partoo_tryout_sign_key_t *key, EVP_PKEY *pkey);
static size_t ngx_http_partoo_tryout_sign_test_unhex(const char *hex,
    unsigned char *out, size_t size);
static double ngx_http_partoo_tryout_sign_test_now(void);


static int   ngx_http_partoo_tryout_sign_test_n;
static int   ngx_http_partoo_tryout_sign_test_failed;
static char  ngx_http_partoo_tryout_sign_test_dir[] =
    "/tmp/partoo_sign_test.XXXXXX";


/* Partoo's published production public key */
static const char  ngx_http_partoo_tryout_sign_test_partoo_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA0G9ciHL6XZQXuWq6W4dFLvwNEPWgcdtQgEVlBIwZWBQ=\n"
    "-----END PUBLIC KEY-----\n";

static const char  ngx_http_partoo_tryout_sign_test_garbage[] =
    "this is not a key\n\x01\x02\xff";

static const char  ngx_http_partoo_tryout_sign_test_cert[] =
    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

static const char  ngx_http_partoo_tryout_sign_test_broken[] =
    "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n"
    "-----END PRIVATE KEY-----\n";

/* a delivery body of the usual kind */
static const char  ngx_http_partoo_tryout_sign_test_body[] =
    "{\"type\": \"lead_received\", \"payload\": {\"id\": 1, "
    "\"source\": \"chatbot\", \"created_at\": \"2024-11-27T16:10:44.929678Z\", "
    "\"chatbot_id\": 1, \"chatbot_name\": \"Jim\", \"business_name\": "
    "\"Partoo\", \"store_code\": \"Partoo123\", \"values\": [{\"id\": 1, "
    "\"type\": \"TEXT\", \"name\": \"Your firstname\", \"value\": "
    "\"J\\u00e9r\\u00f4me \xc3\xa9\"}]}}";


int
main(void)
{
    int                                 i, rc, all;
    char                                sig[NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN];
    char                                sig2[NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN];
    char                                big[96];
    char                                path[512];
    char                                err[NGX_HTTP_PARTOO_TRYOUT_SIGN_ERRLEN];
    size_t                              len;
    EVP_PKEY                           *ed, *other, *pub;
    unsigned char                      *mb;
    ngx_http_partoo_tryout_sign_key_t  *key, *key2;

    if (mkdtemp(ngx_http_partoo_tryout_sign_test_dir) == NULL) {
        fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
        return 2;
    }

    /* an unprivileged child must be able to reach the files */
    (void) chmod(ngx_http_partoo_tryout_sign_test_dir, 0755);

    printf("# keys in %s\n", ngx_http_partoo_tryout_sign_test_dir);

    /* the key files an operator might point the directive at */

    ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (ed == NULL) {
        fprintf(stderr, "cannot generate an Ed25519 key\n");
        return 2;
    }

    ngx_http_partoo_tryout_sign_test_write_key("ed25519.pem", ed, 0, 0);
    ngx_http_partoo_tryout_sign_test_write_key("ed25519.pub", ed, 1, 0);
    ngx_http_partoo_tryout_sign_test_write_key("ed25519-enc.pem", ed, 0, 1);

    other = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
    ngx_http_partoo_tryout_sign_test_write_key("rsa.pem", other, 0, 0);
    EVP_PKEY_free(other);

    other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ngx_http_partoo_tryout_sign_test_write_key("ec.pem", other, 0, 0);
    EVP_PKEY_free(other);

    other = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    ngx_http_partoo_tryout_sign_test_write_key("x25519.pem", other, 0, 0);
    EVP_PKEY_free(other);

    other = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
    ngx_http_partoo_tryout_sign_test_write_key("ed448.pem", other, 0, 0);
    EVP_PKEY_free(other);

    ngx_http_partoo_tryout_sign_test_write("partoo.pub",
        ngx_http_partoo_tryout_sign_test_partoo_pub,
        sizeof(ngx_http_partoo_tryout_sign_test_partoo_pub) - 1);
    ngx_http_partoo_tryout_sign_test_write("garbage.pem",
        ngx_http_partoo_tryout_sign_test_garbage,
        sizeof(ngx_http_partoo_tryout_sign_test_garbage) - 1);
    ngx_http_partoo_tryout_sign_test_write("nokey.pem",
        ngx_http_partoo_tryout_sign_test_cert,
        sizeof(ngx_http_partoo_tryout_sign_test_cert) - 1);
    ngx_http_partoo_tryout_sign_test_write("broken.pem",
        ngx_http_partoo_tryout_sign_test_broken,
        sizeof(ngx_http_partoo_tryout_sign_test_broken) - 1);
    ngx_http_partoo_tryout_sign_test_write("empty.pem", "", 0);

    /* load errors: each says which file and what is wrong with it */

    ngx_http_partoo_tryout_sign_test_load_fails("missing file", "missing.pem",
                                                "No such file or directory");
    ngx_http_partoo_tryout_sign_test_load_fails("directory", ".",
                                                "not a regular file");
    ngx_http_partoo_tryout_sign_test_load_fails("empty file", "empty.pem",
                                                "empty file");
    ngx_http_partoo_tryout_sign_test_load_fails("garbage", "garbage.pem",
                                                "not a PEM file");
    ngx_http_partoo_tryout_sign_test_load_fails("PEM without a key",
                                                "nokey.pem",
                                                "no private key");
    ngx_http_partoo_tryout_sign_test_load_fails("broken PEM", "broken.pem",
                                                "no private key");
    ngx_http_partoo_tryout_sign_test_load_fails("RSA key", "rsa.pem",
        "RSA key, expected an Ed25519 private key");
    ngx_http_partoo_tryout_sign_test_load_fails("EC key", "ec.pem",
        "EC key, expected an Ed25519 private key");
    ngx_http_partoo_tryout_sign_test_load_fails("X25519 key", "x25519.pem",
        "X25519 key, expected an Ed25519 private key");
    ngx_http_partoo_tryout_sign_test_load_fails("Ed448 key", "ed448.pem",
        "ED448 key, expected an Ed25519 private key");
    ngx_http_partoo_tryout_sign_test_load_fails("own public key",
        "ed25519.pub", "public key, expected an Ed25519 private key");
    ngx_http_partoo_tryout_sign_test_load_fails("Partoo's public key",
        "partoo.pub", "public key, expected an Ed25519 private key");
    ngx_http_partoo_tryout_sign_test_load_fails("encrypted key",
        "ed25519-enc.pem", "encrypted private key");

    ngx_http_partoo_tryout_sign_test_unreadable();

    key = ngx_http_partoo_tryout_sign_load("/nonexistent/k.pem", err, 0);
    OK(key == NULL, "load failure with err_size 0 writes nothing");

    key = ngx_http_partoo_tryout_sign_load("/nonexistent/k.pem", err, 16);
    OK(key == NULL && strlen(err) == 15, "load error is truncated to err_size");

    ngx_http_partoo_tryout_sign_free(NULL);
    OK(1, "free(NULL) is a no-op");

    /* signatures verify with the public key, over the exact bytes */

    ngx_http_partoo_tryout_sign_test_path(path, sizeof(path), "ed25519.pem");
    key = ngx_http_partoo_tryout_sign_load(path, err, sizeof(err));
    OK(key != NULL, "Ed25519 private key loads");
    if (key == NULL) {
        printf("# %s\n", err);
        return 1;
    }

    pub = ed;
    len = sizeof(ngx_http_partoo_tryout_sign_test_body) - 1;

    rc = ngx_http_partoo_tryout_sign_body(key,
                                          ngx_http_partoo_tryout_sign_test_body,
                                          len, sig, sizeof(sig));
    OK(rc == 0, "sign a delivery body");
    printf("# X-Partoo-Signature-v1: %.*s\n", (int) sizeof(sig), sig);

    OK(ngx_http_partoo_tryout_sign_test_verify(pub,
           ngx_http_partoo_tryout_sign_test_body, len, sig) == 1,
       "signature verifies with the public key");

    {
        char  tampered[sizeof(ngx_http_partoo_tryout_sign_test_body)];

        memcpy(tampered, ngx_http_partoo_tryout_sign_test_body, len);
        tampered[len / 2] ^= 0x01;

        OK(ngx_http_partoo_tryout_sign_test_verify(pub, tampered, len, sig)
           == 0, "one-bit change of the body fails verification");

        tampered[len / 2] ^= 0x01;
        tampered[0] = ' ';

        OK(ngx_http_partoo_tryout_sign_test_verify(pub, tampered, len, sig)
           == 0, "one-byte change of the body fails verification");

        OK(ngx_http_partoo_tryout_sign_test_verify(pub,
               ngx_http_partoo_tryout_sign_test_body, len - 1, sig) == 0,
           "truncated body fails verification");

        memcpy(sig2, sig, sizeof(sig));
        sig2[10] = (sig2[10] == 'A') ? 'B' : 'A';

        OK(ngx_http_partoo_tryout_sign_test_verify(pub,
               ngx_http_partoo_tryout_sign_test_body, len, sig2) == 0,
           "changed signature fails verification");
    }

    rc = ngx_http_partoo_tryout_sign_body(key,
                                          ngx_http_partoo_tryout_sign_test_body,
                                          len, sig2, sizeof(sig2));
    OK(rc == 0 && memcmp(sig, sig2, sizeof(sig)) == 0,
       "same body, same signature (deterministic)");

    key2 = ngx_http_partoo_tryout_sign_load(path, err, sizeof(err));
    rc = (key2 == NULL) ? -1
         : ngx_http_partoo_tryout_sign_body(key2,
                                     ngx_http_partoo_tryout_sign_test_body,
                                     len, sig2, sizeof(sig2));
    OK(rc == 0 && memcmp(sig, sig2, sizeof(sig)) == 0,
       "same body, same signature from a second load (reload)");
    ngx_http_partoo_tryout_sign_free(key2);

    /* the output is exactly 88 chars of padded standard base64, no NUL */

    memset(big, '#', sizeof(big));
    rc = ngx_http_partoo_tryout_sign_body(key, "x", 1, big,
                                          NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);
    OK(rc == 0, "an 88-byte buffer is enough");

    for (i = 0, all = 1; i < NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN - 2; i++) {
        if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789+/", big[i]) == NULL || big[i] == '\0')
        {
            all = 0;
        }
    }

    OK(all && big[86] == '=' && big[87] == '=',
       "86 standard base64 characters then \"==\"");

    for (i = NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN, all = 1; i < (int) sizeof(big);
         i++)
    {
        if (big[i] != '#') {
            all = 0;
        }
    }

    OK(all, "nothing is written past the 88 characters");

    memset(big, '#', sizeof(big));
    rc = ngx_http_partoo_tryout_sign_body(key, "x", 1, big,
                                          NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN - 1);
    OK(rc == -1 && big[0] == '#', "an 87-byte buffer is refused, untouched");

    /* empty body */

    rc = ngx_http_partoo_tryout_sign_body(key, "", 0, sig, sizeof(sig));
    OK(rc == 0 && ngx_http_partoo_tryout_sign_test_verify(pub, "", 0, sig)
                  == 1,
       "empty body signs and verifies");

    rc = ngx_http_partoo_tryout_sign_body(key, NULL, 0, sig2, sizeof(sig2));
    OK(rc == 0 && memcmp(sig, sig2, sizeof(sig)) == 0,
       "NULL body of length 0 is the empty body");

    OK(ngx_http_partoo_tryout_sign_test_verify(pub, "\0", 1, sig) == 0,
       "empty body's signature fails for a NUL byte");

    /* 1 MB body */

    mb = malloc(NGX_HTTP_PARTOO_TRYOUT_SIGN_TEST_MB);
    if (mb == NULL) {
        return 2;
    }

    for (i = 0; i < NGX_HTTP_PARTOO_TRYOUT_SIGN_TEST_MB; i++) {
        mb[i] = (unsigned char) (i * 31 + (i >> 8));
    }

    rc = ngx_http_partoo_tryout_sign_body(key, mb,
                                          NGX_HTTP_PARTOO_TRYOUT_SIGN_TEST_MB,
                                          sig, sizeof(sig));
    OK(rc == 0 && ngx_http_partoo_tryout_sign_test_verify(pub, mb,
                      NGX_HTTP_PARTOO_TRYOUT_SIGN_TEST_MB, sig) == 1,
       "1 MB body signs and verifies");

    mb[NGX_HTTP_PARTOO_TRYOUT_SIGN_TEST_MB - 1] ^= 0x80;
    OK(ngx_http_partoo_tryout_sign_test_verify(pub, mb,
           NGX_HTTP_PARTOO_TRYOUT_SIGN_TEST_MB, sig) == 0,
       "1 MB body with its last byte changed fails verification");

    free(mb);

    /* the kept context carries nothing from one signature to the next */

    for (i = 0, all = 1; i < 200; i++) {
        char  msg[32];

        len = (size_t) snprintf(msg, sizeof(msg), "{\"n\": %d}", i);

        if (ngx_http_partoo_tryout_sign_body(key, msg, len, sig, sizeof(sig))
            != 0
            || ngx_http_partoo_tryout_sign_test_verify(pub, msg, len, sig)
               != 1)
        {
            all = 0;
        }
    }

    OK(all, "200 different bodies in a row all verify");

    /* RFC 8032 section 7.1: the exact algorithm, bytes and base64 */

    ngx_http_partoo_tryout_sign_test_rfc8032("TEST 1",
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc+bRr"
        "0lv18FlbviRlUUFDjnoQCw==");

    ngx_http_partoo_tryout_sign_test_rfc8032("TEST 2",
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        "kqAJqfDUyrhyDoILX2QlQKKye1QWUD+Ps3YiI+vbadoIWsHkPhWZbkWPNhPQ8R2M"
        "OHsurrQwKu6wDSkWErsMAA==");

    ngx_http_partoo_tryout_sign_test_bench(key, ed);

    ngx_http_partoo_tryout_sign_free(key);
    EVP_PKEY_free(ed);

    printf("1..%d\n", ngx_http_partoo_tryout_sign_test_n);

    if (ngx_http_partoo_tryout_sign_test_failed) {
        printf("# %d of %d failed; keys left in %s\n",
               ngx_http_partoo_tryout_sign_test_failed,
               ngx_http_partoo_tryout_sign_test_n,
               ngx_http_partoo_tryout_sign_test_dir);
        return 1;
    }

    /* clean up only when all passed, to leave the evidence otherwise */
    {
        static const char  *names[] = {
            "ed25519.pem", "ed25519.pub", "ed25519-enc.pem", "rsa.pem",
            "ec.pem", "x25519.pem", "ed448.pem", "partoo.pub", "garbage.pem",
            "nokey.pem", "broken.pem", "empty.pem", "unreadable.pem",
            "rfc8032.pem", NULL
        };

        for (i = 0; names[i] != NULL; i++) {
            ngx_http_partoo_tryout_sign_test_path(path, sizeof(path),
                                                  names[i]);
            (void) unlink(path);
        }

        (void) rmdir(ngx_http_partoo_tryout_sign_test_dir);
    }

    return 0;
}


static void
ngx_http_partoo_tryout_sign_test_ok(int cond, int line, const char *fmt, ...)
{
    va_list  args;

    ngx_http_partoo_tryout_sign_test_n++;

    printf("%sok %d - ", cond ? "" : "not ",
           ngx_http_partoo_tryout_sign_test_n);

    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);

    if (!cond) {
        ngx_http_partoo_tryout_sign_test_failed++;
        printf(" (%s line %d)", __FILE__, line);
    }

    printf("\n");
    fflush(stdout);
}


static void
ngx_http_partoo_tryout_sign_test_path(char *buf, size_t size,
    const char *name)
{
    snprintf(buf, size, "%s/%s", ngx_http_partoo_tryout_sign_test_dir, name);
}


static void
ngx_http_partoo_tryout_sign_test_write(const char *name, const void *data,
    size_t len)
{
    FILE  *f;
    char   path[512];

    ngx_http_partoo_tryout_sign_test_path(path, sizeof(path), name);

    f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        exit(2);
    }
}


static void
ngx_http_partoo_tryout_sign_test_write_key(const char *name, EVP_PKEY *pkey,
    int public_only, int encrypted)
{
    int    rc;
    FILE  *f;
    char   path[512];

    ngx_http_partoo_tryout_sign_test_path(path, sizeof(path), name);

    f = (pkey != NULL) ? fopen(path, "wb") : NULL;
    if (f == NULL) {
        fprintf(stderr, "cannot create %s\n", path);
        exit(2);
    }

    if (public_only) {
        rc = PEM_write_PUBKEY(f, pkey);

    } else if (encrypted) {
        rc = PEM_write_PKCS8PrivateKey(f, pkey, EVP_aes_256_cbc(),
                                       "secret", 6, NULL, NULL);

    } else {
        rc = PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL);
    }

    if (fclose(f) != 0 || rc != 1) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}


static void
ngx_http_partoo_tryout_sign_test_load_fails(const char *name,
    const char *file, const char *expect)
{
    char                                path[512];
    char                                err[NGX_HTTP_PARTOO_TRYOUT_SIGN_ERRLEN];
    ngx_http_partoo_tryout_sign_key_t  *key;

    ngx_http_partoo_tryout_sign_test_path(path, sizeof(path), file);

    key = ngx_http_partoo_tryout_sign_load(path, err, sizeof(err));

    OK(key == NULL && strstr(err, path) != NULL
       && strstr(err, expect) != NULL,
       "load refuses %s: \"%s\"", name, expect);

    printf("#   %s\n", err);

    ngx_http_partoo_tryout_sign_free(key);

    OK(ERR_peek_error() == 0, "load of %s leaves no OpenSSL error queued",
       name);
}


/* raw must hold 66 bytes: EVP_DecodeBlock() keeps the padding's zeros */

static int
ngx_http_partoo_tryout_sign_test_decode(const char *b64, unsigned char *raw)
{
    int  n;

    n = EVP_DecodeBlock(raw, (const unsigned char *) b64,
                        NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN);

    return (n == 66) ? 64 : -1;
}


/* 1: valid, 0: invalid, -1: cannot check */

static int
ngx_http_partoo_tryout_sign_test_verify(EVP_PKEY *pub, const void *msg,
    size_t len, const char *b64)
{
    int             rc;
    EVP_MD_CTX     *ctx;
    unsigned char   raw[66];

    if (ngx_http_partoo_tryout_sign_test_decode(b64, raw) != 64) {
        return -1;
    }

    ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        return -1;
    }

    rc = -1;

    if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub) == 1) {
        rc = EVP_DigestVerify(ctx, raw, 64, msg, len);
        rc = (rc == 1) ? 1 : 0;
    }

    EVP_MD_CTX_free(ctx);
    ERR_clear_error();

    return rc;
}


static void
ngx_http_partoo_tryout_sign_test_rfc8032(const char *name,
    const char *seed_hex, const char *pub_hex, const char *msg_hex,
    const char *sig_hex, const char *sig_b64)
{
    int                                 rc;
    char                                out[NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN];
    char                                path[512];
    char                                err[NGX_HTTP_PARTOO_TRYOUT_SIGN_ERRLEN];
    size_t                              msg_len, pub_len;
    EVP_PKEY                           *pkey;
    unsigned char                       seed[32], pub[32], msg[64];
    unsigned char                       expect[64], got[66], derived[32];
    ngx_http_partoo_tryout_sign_key_t  *key;

    ngx_http_partoo_tryout_sign_test_unhex(seed_hex, seed, sizeof(seed));
    ngx_http_partoo_tryout_sign_test_unhex(pub_hex, pub, sizeof(pub));
    ngx_http_partoo_tryout_sign_test_unhex(sig_hex, expect, sizeof(expect));
    msg_len = ngx_http_partoo_tryout_sign_test_unhex(msg_hex, msg,
                                                     sizeof(msg));

    /* through a PEM file, as the directive reads it */

    pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
                                        sizeof(seed));
    ngx_http_partoo_tryout_sign_test_write_key("rfc8032.pem", pkey, 0, 0);

    pub_len = sizeof(derived);
    OK(EVP_PKEY_get_raw_public_key(pkey, derived, &pub_len) == 1
       && pub_len == 32 && memcmp(derived, pub, 32) == 0,
       "RFC 8032 %s: secret key gives the expected public key", name);

    EVP_PKEY_free(pkey);

    ngx_http_partoo_tryout_sign_test_path(path, sizeof(path), "rfc8032.pem");
    key = ngx_http_partoo_tryout_sign_load(path, err, sizeof(err));

    rc = (key == NULL) ? -1
         : ngx_http_partoo_tryout_sign_body(key, msg, msg_len, out,
                                            sizeof(out));

    OK(rc == 0 && ngx_http_partoo_tryout_sign_test_decode(out, got) == 64
       && memcmp(got, expect, 64) == 0,
       "RFC 8032 %s: signature bytes as published", name);

    OK(rc == 0 && memcmp(out, sig_b64, NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN) == 0,
       "RFC 8032 %s: header value %.16s...", name, sig_b64);

    ngx_http_partoo_tryout_sign_free(key);
}


/*
 * Root reads any file, so the permission check runs in a child that drops
 * to nobody; the error text comes back through a pipe.
 */

static void
ngx_http_partoo_tryout_sign_test_unreadable(void)
{
    int                                 fd[2], status;
    char                                path[512];
    char                                err[NGX_HTTP_PARTOO_TRYOUT_SIGN_ERRLEN];
    pid_t                               pid;
    ssize_t                             n;
    ngx_http_partoo_tryout_sign_key_t  *key;

    ngx_http_partoo_tryout_sign_test_write("unreadable.pem", "x", 1);
    ngx_http_partoo_tryout_sign_test_path(path, sizeof(path),
                                          "unreadable.pem");
    (void) chmod(path, 0);

    if (geteuid() != 0) {
        key = ngx_http_partoo_tryout_sign_load(path, err, sizeof(err));
        OK(key == NULL && strstr(err, "Permission denied") != NULL,
           "load refuses an unreadable file: \"Permission denied\"");
        printf("#   %s\n", err);
        ngx_http_partoo_tryout_sign_free(key);
        return;
    }

    if (pipe(fd) == -1) {
        OK(0, "pipe: %s", strerror(errno));
        return;
    }

    fflush(stdout);

    pid = fork();

    if (pid == 0) {
        close(fd[0]);

        if (setgid(65534) == -1 || setuid(65534) == -1) {
            _exit(3);
        }

        key = ngx_http_partoo_tryout_sign_load(path, err, sizeof(err));
        n = write(fd[1], err, strlen(err) + 1);

        ngx_http_partoo_tryout_sign_free(key);
        _exit(key == NULL && n > 0 ? 0 : 1);
    }

    close(fd[1]);

    memset(err, 0, sizeof(err));
    n = (pid > 0) ? read(fd[0], err, sizeof(err) - 1) : -1;
    close(fd[0]);

    status = -1;
    if (pid > 0) {
        (void) waitpid(pid, &status, 0);
    }

    OK(n > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0
       && strstr(err, path) != NULL
       && strstr(err, "Permission denied") != NULL,
       "load refuses an unreadable file (as nobody): \"Permission denied\"");
    printf("#   %s\n", err);
}


/*
 * Informational: the module's kept, re-armed context against a fresh
 * EVP_MD_CTX per signature, over a 2 KB body (a default payload's size),
 * in CPU time.
 */

static void
ngx_http_partoo_tryout_sign_test_bench(ngx_http_partoo_tryout_sign_key_t *key,
    EVP_PKEY *pkey)
{
    int             i, n, failed;
    char           *env, out[NGX_HTTP_PARTOO_TRYOUT_SIGN_LEN];
    size_t          siglen;
    double          start, kept, fresh;
    EVP_MD_CTX     *ctx;
    unsigned char   body[2048], sig[64];

    env = getenv("PARTOO_SIGN_BENCH_N");
    n = (env != NULL) ? atoi(env) : 1000;
    if (n <= 0) {
        n = 1;
    }

    memset(body, 'p', sizeof(body));
    failed = 0;

    start = ngx_http_partoo_tryout_sign_test_now();

    for (i = 0; i < n; i++) {
        body[i % sizeof(body)]++;
        failed |= ngx_http_partoo_tryout_sign_body(key, body, sizeof(body),
                                                   out, sizeof(out));
    }

    kept = (ngx_http_partoo_tryout_sign_test_now() - start) / n;

    start = ngx_http_partoo_tryout_sign_test_now();

    for (i = 0; i < n; i++) {
        body[i % sizeof(body)]++;
        siglen = sizeof(sig);
        ctx = EVP_MD_CTX_new();
        if (ctx == NULL
            || EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) != 1
            || EVP_DigestSign(ctx, sig, &siglen, body, sizeof(body)) != 1)
        {
            failed = 1;
        }
        EVP_MD_CTX_free(ctx);
    }

    fresh = (ngx_http_partoo_tryout_sign_test_now() - start) / n;

    OK(failed == 0, "%d timed signatures of a 2 KB body", n);

    printf("# sign_body (kept EVP_MD_CTX, re-armed): %.2f us/signature,"
           " %.0f/s\n", kept * 1e6, 1 / kept);
    printf("# new EVP_MD_CTX per signature:          %.2f us/signature,"
           " %.0f/s\n", fresh * 1e6, 1 / fresh);
}


static size_t
ngx_http_partoo_tryout_sign_test_unhex(const char *hex, unsigned char *out,
    size_t size)
{
    size_t        n;
    unsigned int  byte;

    for (n = 0; hex[2 * n] != '\0' && n < size; n++) {
        if (sscanf(hex + 2 * n, "%2x", &byte) != 1) {
            break;
        }

        out[n] = (unsigned char) byte;
    }

    return n;
}


static double
ngx_http_partoo_tryout_sign_test_now(void)
{
    struct timespec  ts;

    /* CPU time: the cost to a worker, not the noise of a shared machine */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}
