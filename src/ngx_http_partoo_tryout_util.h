
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Small helpers more than one unit needs: a whole file read at once, and
 * scans of JSON text.  Plain C, no nginx, so the units that use them stay
 * unit-tested and fuzzed without a server.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_UTIL_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_UTIL_H_INCLUDED_


#include <stddef.h>
#include <sys/stat.h>


/* JSON nesting the contract accepts: deeper bodies are invalid JSON */
#define NGX_HTTP_PARTOO_TRYOUT_MAX_DEPTH        32


/* JSON's insignificant whitespace, RFC 8259 section 2 */
#define ngx_http_partoo_tryout_json_ws(c)                                     \
    ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')


typedef enum {
    NGX_HTTP_PARTOO_TRYOUT_FILE_OK = 0,
    NGX_HTTP_PARTOO_TRYOUT_FILE_OPEN,         /* errno says why */
    NGX_HTTP_PARTOO_TRYOUT_FILE_STAT,         /* errno says why */
    NGX_HTTP_PARTOO_TRYOUT_FILE_NOT_REGULAR,
    NGX_HTTP_PARTOO_TRYOUT_FILE_TOO_LARGE,    /* *len: the file's size */
    NGX_HTTP_PARTOO_TRYOUT_FILE_READ,         /* errno says why */
    NGX_HTTP_PARTOO_TRYOUT_FILE_CHANGED,      /* not the size fstat() gave */
    NGX_HTTP_PARTOO_TRYOUT_FILE_NOMEM
} ngx_http_partoo_tryout_file_e;


/*
 * Reads the regular file "path", at most "max" bytes, into malloc()ed
 * memory with a NUL after its "len" bytes.  On FILE_OK the caller releases
 * "*data" with ngx_http_partoo_tryout_file_free(); else there is nothing
 * to release and errno is kept for the caller's message.
 */
ngx_http_partoo_tryout_file_e ngx_http_partoo_tryout_read_file(
    const char *path, size_t max, unsigned char **data, size_t *len);

/* the same, and on FILE_OK "*st": the fstat() of what was read */
ngx_http_partoo_tryout_file_e ngx_http_partoo_tryout_read_file_stat(
    const char *path, size_t max, unsigned char **data, size_t *len,
    struct stat *st);

/* wipes, then frees: a file may hold a private key */
void ngx_http_partoo_tryout_file_free(unsigned char *data, size_t len);

/* the first byte at or after "p" that is not JSON whitespace, or "end" */
const char *ngx_http_partoo_tryout_json_skip_ws(const char *p,
    const char *end);

/*
 * 1 when containers nest deeper than "max" levels.  Exact for valid JSON,
 * where brackets outside strings are structure; for invalid JSON the
 * answer does not matter, the parser rejects it anyway.
 */
int ngx_http_partoo_tryout_json_too_deep(const char *text, size_t len,
    size_t max);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_UTIL_H_INCLUDED_ */
