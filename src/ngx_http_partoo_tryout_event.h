
/*
 * Copyright (C) Partoo tryout module authors
 *
 * The six webhook event types, their names, and a custom header of an
 * item: what validation, payloads, samples and delivery all speak of.
 * Plain C, no nginx and no jansson, so any unit may include it.
 */


#ifndef _NGX_HTTP_PARTOO_TRYOUT_EVENT_H_INCLUDED_
#define _NGX_HTTP_PARTOO_TRYOUT_EVENT_H_INCLUDED_


#include <stddef.h>


/* the names, in the order of the enum, as error messages list them */
#define NGX_HTTP_PARTOO_TRYOUT_EVENT_LIST                                     \
    "business_created, business_updated, business_deleted, "                  \
    "message_updated, message_created, lead_received"


typedef enum {
    NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED = 0,
    NGX_HTTP_PARTOO_TRYOUT_BUSINESS_UPDATED,
    NGX_HTTP_PARTOO_TRYOUT_BUSINESS_DELETED,
    NGX_HTTP_PARTOO_TRYOUT_MESSAGE_UPDATED,
    NGX_HTTP_PARTOO_TRYOUT_MESSAGE_CREATED,
    NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED,
    NGX_HTTP_PARTOO_TRYOUT_NEVENTS
} ngx_http_partoo_tryout_event_e;


/* an item's custom headers: how many, how long (in characters) */
#define NGX_HTTP_PARTOO_TRYOUT_MAX_HEADERS      5
#define NGX_HTTP_PARTOO_TRYOUT_MAX_HEADER_NAME  128
#define NGX_HTTP_PARTOO_TRYOUT_MAX_HEADER_VALUE 512


/* a custom header of an item; not NUL-terminated */

typedef struct {
    const char                      *name;
    size_t                           name_len;
    const char                      *value;
    size_t                           value_len;
} ngx_http_partoo_tryout_header_t;


/* the event's name, NULL past the six (in the validation unit) */
const char *ngx_http_partoo_tryout_event_name(
    ngx_http_partoo_tryout_event_e event);

/* -1 when "name" is not one of the six event types */
int ngx_http_partoo_tryout_event_lookup(const char *name, size_t len);


#endif /* _NGX_HTTP_PARTOO_TRYOUT_EVENT_H_INCLUDED_ */
