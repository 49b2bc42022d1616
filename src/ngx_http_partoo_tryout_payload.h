
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Payload documents: the built-in default payload of each event type,
 * checks of payload objects (override files, stored samples), and the
 * rendering of {"type":"<event>","payload":<object>} with the caller's
 * org_id written where the event carries one.
 * Plain C on jansson: no nginx types, so it is unit-tested without a server.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "ngx_http_partoo_tryout_event.h"
#include "ngx_http_partoo_tryout_util.h"


/* an override file or a stored sample: at most this many bytes */
#define NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MAX_FILE  65536

/* "9223372036854775807" */
#define NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_ORG_LEN   19


typedef enum {
    NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK = 0,
    NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_INVALID,     /* not JSON, dup keys, depth */
    NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_NOT_OBJECT,
    NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_ERROR        /* out of memory */
} ngx_http_partoo_tryout_payload_verdict_e;


/*
 * A payload object ready to render.  "text" is not copied: it must live as
 * long as the template.  The org_id value, when the event has one, is the
 * span [org_start, org_end) of "text".
 */

typedef struct {
    const char                      *type;
    size_t                           type_len;

    const char                      *text;
    size_t                           len;

    size_t                           org_start;
    size_t                           org_end;
    unsigned                         has_org:1;
} ngx_http_partoo_tryout_payload_t;


/* the built-in payload object of "event", NUL-terminated */
const char *ngx_http_partoo_tryout_payload_default(
    ngx_http_partoo_tryout_event_e event, size_t *len);

/*
 * Checks "len" bytes as a payload object: JSON with no duplicate keys,
 * valid UTF-8, nesting at most NGX_HTTP_PARTOO_TRYOUT_MAX_DEPTH levels, an
 * object at the top.  When "err" is not NULL a one-line reason goes there.
 */
ngx_http_partoo_tryout_payload_verdict_e ngx_http_partoo_tryout_payload_check(
    const char *text, size_t len, char *err, size_t err_size);

/*
 * Fills "pl" for a checked payload object of "event" named "type": finds
 * where the event's org_id is (payload.business.org_id for business
 * events, payload.org_id for message events, none for lead_received).
 */
void ngx_http_partoo_tryout_payload_compile(
    ngx_http_partoo_tryout_payload_t *pl,
    ngx_http_partoo_tryout_event_e event, const char *type, size_t type_len,
    const char *text, size_t len);

/* the most bytes ngx_http_partoo_tryout_payload_render() writes */
size_t ngx_http_partoo_tryout_payload_size(
    const ngx_http_partoo_tryout_payload_t *pl);

/*
 * Writes the document to "out" and returns its length; a positive org_id
 * replaces the value of the event's org_id field, 0 leaves the text as is.
 */
size_t ngx_http_partoo_tryout_payload_render(
    const ngx_http_partoo_tryout_payload_t *pl, int64_t org_id, char *out);

/*
 * 1 when the object is a whole envelope, {"type": "...", "payload": {...}}
 * and nothing more, as Partoo's pages show payloads: "type" is copied to
 * "type" (cut at "type_size" - 1 bytes, NUL-terminated), the span of the
 * "payload" object to [*start, *stop).
 */
int ngx_http_partoo_tryout_payload_envelope(const char *text, size_t len,
    char *type, size_t type_size, size_t *start, size_t *stop);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_H_INCLUDED_ */
