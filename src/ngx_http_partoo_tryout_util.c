
/*
 * Copyright (C) Partoo tryout module authors
 */


#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ngx_http_partoo_tryout_util.h"


static ngx_http_partoo_tryout_file_e ngx_http_partoo_tryout_read_fd(int fd,
    size_t max, unsigned char **data, size_t *len, struct stat *st);


ngx_http_partoo_tryout_file_e
ngx_http_partoo_tryout_read_file(const char *path, size_t max,
    unsigned char **data, size_t *len)
{
    struct stat  st;

    return ngx_http_partoo_tryout_read_file_stat(path, max, data, len, &st);
}


ngx_http_partoo_tryout_file_e
ngx_http_partoo_tryout_read_file_stat(const char *path, size_t max,
    unsigned char **data, size_t *len, struct stat *st)
{
    int                            fd, err;
    ngx_http_partoo_tryout_file_e  rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return NGX_HTTP_PARTOO_TRYOUT_FILE_OPEN;
    }

    rc = ngx_http_partoo_tryout_read_fd(fd, max, data, len, st);

    /* the caller's message wants the errno of the failure, not of close */
    err = errno;
    (void) close(fd);
    errno = err;

    return rc;
}


static ngx_http_partoo_tryout_file_e
ngx_http_partoo_tryout_read_fd(int fd, size_t max, unsigned char **data,
    size_t *len, struct stat *stp)
{
    size_t          size, got;
    ssize_t         n;
    struct stat     st;
    unsigned char  *buf, extra;

    if (fstat(fd, &st) == -1) {
        return NGX_HTTP_PARTOO_TRYOUT_FILE_STAT;
    }

    if (!S_ISREG(st.st_mode)) {
        return NGX_HTTP_PARTOO_TRYOUT_FILE_NOT_REGULAR;
    }

    if ((unsigned long long) st.st_size > max) {
        *len = (size_t) st.st_size;
        return NGX_HTTP_PARTOO_TRYOUT_FILE_TOO_LARGE;
    }

    size = (size_t) st.st_size;

    buf = malloc(size + 1);
    if (buf == NULL) {
        return NGX_HTTP_PARTOO_TRYOUT_FILE_NOMEM;
    }

    for (got = 0; got < size; got += n) {
        n = read(fd, buf + got, size - got);

        if (n == -1) {
            if (errno == EINTR) {
                n = 0;
                continue;
            }

            ngx_http_partoo_tryout_file_free(buf, got);
            return NGX_HTTP_PARTOO_TRYOUT_FILE_READ;
        }

        if (n == 0) {
            break;
        }
    }

    /* shorter, or grown since fstat(): read again, or the file is torn */

    if (got != size || read(fd, &extra, 1) > 0) {
        ngx_http_partoo_tryout_file_free(buf, got);
        return NGX_HTTP_PARTOO_TRYOUT_FILE_CHANGED;
    }

    buf[size] = '\0';

    *data = buf;
    *len = size;
    *stp = st;

    return NGX_HTTP_PARTOO_TRYOUT_FILE_OK;
}


void
ngx_http_partoo_tryout_file_free(unsigned char *data, size_t len)
{
    volatile unsigned char  *p;

    if (data == NULL) {
        return;
    }

    /* volatile, so the compiler cannot drop stores to memory freed next */

    for (p = data; len--; p++) {
        *p = 0;
    }

    free(data);
}


const char *
ngx_http_partoo_tryout_json_skip_ws(const char *p, const char *end)
{
    while (p < end && ngx_http_partoo_tryout_json_ws(*p)) {
        p++;
    }

    return p;
}


int
ngx_http_partoo_tryout_json_too_deep(const char *text, size_t len,
    size_t max)
{
    size_t  i, depth;

    depth = 0;

    for (i = 0; i < len; i++) {

        switch (text[i]) {

        case '"':
            for (i++; i < len && text[i] != '"'; i++) {
                if (text[i] == '\\') {
                    i++;
                }
            }

            break;

        case '[':
        case '{':
            if (++depth > max) {
                return 1;
            }

            break;

        case ']':
        case '}':
            if (depth) {
                depth--;
            }

            break;

        default:
            break;
        }
    }

    return 0;
}
