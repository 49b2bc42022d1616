
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Unit tests of src/ngx_http_partoo_tryout_keys_file.c: entries as parsed,
 * the exact messages "nginx -t" shows for bad files (the zone code adds
 * 'key file "PATH"' in front), roles matched exactly, and the parser
 * leaving OpenSSL's error queue empty.
 *
 * Prints "ok N - ..." / "not ok N - ..." lines, exits 1 on any failure.
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "ngx_http_partoo_tryout_keys_file.h"


#define OK(cond, ...)                                                         \
    ngx_http_partoo_tryout_keys_file_test_ok(!!(cond), __LINE__, __VA_ARGS__)

#define NO_ENTRY  NGX_HTTP_PARTOO_TRYOUT_KEYS_FILE_NO_ENTRY

/* sha256("test") and sha256("hello") */
#define SHA_TEST                                                              \
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define SHA_HELLO                                                             \
    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


static void ngx_http_partoo_tryout_keys_file_test_ok(int cond, int line,
    const char *fmt, ...);
static int ngx_http_partoo_tryout_keys_file_test_parse(
    ngx_http_partoo_tryout_keys_file_t *kf, const char *text);
static void ngx_http_partoo_tryout_keys_file_test_fails(const char *text,
    size_t index, const char *expect);
static void ngx_http_partoo_tryout_keys_file_test_good(void);
static void ngx_http_partoo_tryout_keys_file_test_roles(void);


static int  ngx_http_partoo_tryout_keys_file_test_n;
static int  ngx_http_partoo_tryout_keys_file_test_failed;


int
main(void)
{
    ngx_http_partoo_tryout_keys_file_test_good();
    ngx_http_partoo_tryout_keys_file_test_roles();

    /* the file as a whole */

    ngx_http_partoo_tryout_keys_file_test_fails("", NO_ENTRY,
        "invalid JSON at line 1, column 0: premature end of input");
    ngx_http_partoo_tryout_keys_file_test_fails("[]", NO_ENTRY,
        "must be an object with a \"keys\" list");
    ngx_http_partoo_tryout_keys_file_test_fails("{}", NO_ENTRY,
        "must be an object with a \"keys\" list");
    ngx_http_partoo_tryout_keys_file_test_fails("{\"keys\":{}}", NO_ENTRY,
        "must be an object with a \"keys\" list");
    ngx_http_partoo_tryout_keys_file_test_fails("{\"other\":1}", NO_ENTRY,
        "must be an object with a \"keys\" list");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[],\"keys\":[]}", NO_ENTRY, "\"keys\" appears twice");
    ngx_http_partoo_tryout_keys_file_test_fails("{\"keys\":[]} x", NO_ENTRY,
        "invalid JSON at line 1, column 13: end of file expected");
    ngx_http_partoo_tryout_keys_file_test_fails("{\"keys\":[]", NO_ENTRY,
        "invalid JSON at line 1, column 11: "
        "',' or '}' expected near end of file");
    ngx_http_partoo_tryout_keys_file_test_fails("{\n  keys: []}", NO_ENTRY,
        "invalid JSON at line 2, column 3: string expected");
    ngx_http_partoo_tryout_keys_file_test_fails("{\"keys\" []}", NO_ENTRY,
        "invalid JSON at line 1, column 9: ':' expected");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"k\",\"role\":\"ORG_ADMIN\","
        "\"org_id\":1}\n {}]}", NO_ENTRY,
        "invalid JSON at line 2, column 2: ',' or ']' expected");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[],\"x\":{\"a\":1,\"a\":2}}", NO_ENTRY,
        "invalid JSON at line 1, column 25: duplicate object key");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"key\":\"sec\xff\"}]}", NO_ENTRY,
        "invalid JSON at line 1, column 20: invalid UTF-8");

    /* entries */

    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"k\",\"role\":\"ORG\","
        "\"org_id\":1}]}", 0, "unknown role \"ORG\"");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"k\",\"role\":\"\","
        "\"org_ids\":[1]}]}", 0, "unknown role \"\"");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"k\",\"role\":"
        "\"ORG_ADMIN_ORG_ADMIN_ORG_ADMIN_ORG_ADMIN\",\"org_id\":1}]}", 0,
        "unknown role \"ORG_ADMIN_ORG_ADMIN_ORG_ADMIN_OR\"");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"k\",\"role\":7,"
        "\"org_id\":1}]}", 0, "\"role\" must be a string");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"k\",\"org_id\":1}]}", 0,
        "\"role\" is required");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"key\":\"k\",\"role\":\"ORG_ADMIN\",\"org_id\":1}]}", 0,
        "\"user_id\" is required");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"a b\",\"key\":\"k\",\"role\":\"ORG_ADMIN\","
        "\"org_id\":1}]}", 0,
        "\"user_id\" must be 1 to 255 printable ASCII characters "
        "without spaces");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"role\":\"ORG_ADMIN\",\"org_id\":1}]}",
        0, "\"key_sha256\" is required");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"\",\"role\":\"ORG_ADMIN\","
        "\"org_id\":1}]}", 0, "\"key\" must be a non-empty string");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"k\",\"key_sha256\":\""
        SHA_TEST "\",\"role\":\"ORG_ADMIN\",\"org_id\":1}]}", 0,
        "has both \"key\" and \"key_sha256\"");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key_sha256\":\"" SHA_TEST "0\","
        "\"role\":\"ORG_ADMIN\",\"org_id\":1}]}", 0,
        "\"key_sha256\" must be 64 hexadecimal digits");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"k\",\"role\":\"PROVIDER\","
        "\"org_id\":1}]}", 0, "a PROVIDER has \"org_ids\", not \"org_id\"");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"k\",\"role\":\"PROVIDER\"}]}",
        0, "\"org_ids\" is required for a PROVIDER");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"k\",\"role\":\"PROVIDER\","
        "\"org_ids\":[1,0]}]}", 0,
        "\"org_ids\" must be a non-empty list of positive integers");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"k\",\"role\":\"ORG_ADMIN\","
        "\"org_ids\":[1]}]}", 0, "only a PROVIDER has \"org_ids\"");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"k\",\"role\":\"ORG_ADMIN\","
        "\"org_id\":\"1\"}]}", 0, "\"org_id\" must be a positive integer");
    ngx_http_partoo_tryout_keys_file_test_fails(
        "{\"keys\":[{\"user_id\":\"u\",\"key\":\"test\",\"role\":\"ORG_ADMIN\","
        "\"org_id\":1},{\"user_id\":\"v\",\"key\":\"hello\",\"role\":"
        "\"ORG_ADMIN\",\"org_id\":1},{\"user_id\":\"w\",\"key_sha256\":\""
        SHA_TEST "\",\"role\":\"ORG_ADMIN\",\"org_id\":2}]}", 2,
        "the same key as keys[0]");
    ngx_http_partoo_tryout_keys_file_test_fails("{\"keys\":[7]}", 0,
        "must be an object");

    OK(ERR_peek_error() == 0, "OpenSSL's error queue is empty");

    if (ngx_http_partoo_tryout_keys_file_test_failed) {
        printf("# %d of %d failed\n",
               ngx_http_partoo_tryout_keys_file_test_failed,
               ngx_http_partoo_tryout_keys_file_test_n);
        return 1;
    }

    printf("1..%d\n", ngx_http_partoo_tryout_keys_file_test_n);

    return 0;
}


static void
ngx_http_partoo_tryout_keys_file_test_good(void)
{
    int                                        rc;
    ngx_http_partoo_tryout_keys_file_t         kf;
    ngx_http_partoo_tryout_keys_file_entry_t  *e;

    /* sorted by digest: sha256("hello") = 2c.., sha256("test") = 9f.. */

    rc = ngx_http_partoo_tryout_keys_file_test_parse(&kf,
        "{\"version\": [1, {\"x\": null}],\n"
        " \"keys\": [\n"
        "  {\"key_sha256\": \"" SHA_TEST "\", \"user_id\": \"u-1\",\n"
        "   \"role\": \"ORG_ADMIN\", \"org_id\": 42},\n"
        "  {\"key\": \"hello\", \"user_id\": \"p-1\", \"role\": \"PROVIDER\",\n"
        "   \"org_ids\": [9, 3, 9, 5]}\n"
        " ]}\n");

    OK(rc == 0, "a good file parses: %s", kf.error);
    OK(kf.nkeys == 2, "two keys");

    if (rc == 0 && kf.nkeys == 2) {
        e = &kf.entries[0];
        OK(e->index == 1 && e->role == NGX_HTTP_PARTOO_TRYOUT_ROLE_PROVIDER
           && e->digest[0] == 0x2c && e->digest[31] == 0x24,
           "the plaintext key hashed, sorted first");
        OK(e->norgs == 3 && e->org_ids[0] == 3 && e->org_ids[1] == 5
           && e->org_ids[2] == 9, "org_ids sorted and distinct");
        OK(e->user_id_len == 3 && memcmp(e->user_id, "p-1", 3) == 0,
           "its user_id");

        e = &kf.entries[1];
        OK(e->index == 0 && e->role == NGX_HTTP_PARTOO_TRYOUT_ROLE_ORG_ADMIN
           && e->org_id == 42 && e->norgs == 0
           && e->digest[0] == 0x9f && e->digest[31] == 0x08,
           "the digest entry");
    }

    OK(kf.nplaintext == 1 && kf.plaintext[0].index == 1
       && kf.plaintext[0].user_id_len == 3
       && memcmp(kf.plaintext[0].user_id, "p-1", 3) == 0,
       "the plaintext key is named by its entry and user_id");

    ngx_http_partoo_tryout_keys_file_free(&kf);

    rc = ngx_http_partoo_tryout_keys_file_test_parse(&kf,
                                                     " {\"keys\" : [ ] } \n");
    OK(rc == 0 && kf.nkeys == 0, "an empty list");
    ngx_http_partoo_tryout_keys_file_free(&kf);
}


static void
ngx_http_partoo_tryout_keys_file_test_roles(void)
{
    OK(ngx_http_partoo_tryout_keys_file_role((unsigned char *) "ORG_ADMIN", 9)
       == NGX_HTTP_PARTOO_TRYOUT_ROLE_ORG_ADMIN, "ORG_ADMIN");
    OK(ngx_http_partoo_tryout_keys_file_role((unsigned char *) "PUBLISHER", 9)
       == NGX_HTTP_PARTOO_TRYOUT_ROLE_PUBLISHER, "PUBLISHER");
    OK(ngx_http_partoo_tryout_keys_file_role((unsigned char *) "ORG", 3) == 0,
       "ORG is no role: names match whole");
    OK(ngx_http_partoo_tryout_keys_file_role((unsigned char *) "", 0) == 0,
       "the empty name is no role");
    OK(ngx_http_partoo_tryout_keys_file_role((unsigned char *) "org_admin", 9)
       == 0, "names match in their letter case");
    OK(ngx_http_partoo_tryout_keys_file_role((unsigned char *) "PROVIDERS",
                                             9)
       == 0, "a longer name is no role");
}


/* the text with its NUL, as the zone code hands the file */

static int
ngx_http_partoo_tryout_keys_file_test_parse(
    ngx_http_partoo_tryout_keys_file_t *kf, const char *text)
{
    int             rc;
    size_t          len;
    unsigned char  *buf;

    memset(kf, 0, sizeof(ngx_http_partoo_tryout_keys_file_t));

    len = strlen(text);

    buf = malloc(len + 1);
    if (buf == NULL) {
        abort();
    }

    memcpy(buf, text, len + 1);

    rc = ngx_http_partoo_tryout_keys_file_parse(kf, buf, len);

    free(buf);

    return rc;
}


static void
ngx_http_partoo_tryout_keys_file_test_fails(const char *text, size_t index,
    const char *expect)
{
    int                                 rc;
    ngx_http_partoo_tryout_keys_file_t  kf;

    rc = ngx_http_partoo_tryout_keys_file_test_parse(&kf, text);

    OK(rc == -1 && kf.error_index == index && strcmp(kf.error, expect) == 0,
       "%s -> [%zd] %s (got %d [%zd] %s)", text, (ssize_t) index, expect,
       rc, (ssize_t) kf.error_index, kf.error);

    ngx_http_partoo_tryout_keys_file_free(&kf);
}


static void
ngx_http_partoo_tryout_keys_file_test_ok(int cond, int line,
    const char *fmt, ...)
{
    va_list  args;

    ngx_http_partoo_tryout_keys_file_test_n++;

    if (!cond) {
        ngx_http_partoo_tryout_keys_file_test_failed++;
    }

    printf("%s %d - ", cond ? "ok" : "not ok",
           ngx_http_partoo_tryout_keys_file_test_n);

    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);

    printf(cond ? "\n" : " (line %d)\n", line);
}
