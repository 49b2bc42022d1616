
/*
 * Copyright (C) Partoo tryout module authors
 */


#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ngx_http_partoo_tryout_payload.h"


/*
 * Integers as reals: the text is only checked, never re-serialized, so an
 * integer beyond int64 is as good as any other number.
 */
#define NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_FLAGS                                  \
    (JSON_REJECT_DUPLICATES|JSON_DECODE_ANY|JSON_ALLOW_NUL                    \
     |JSON_DECODE_INT_AS_REAL)

#define NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_HEAD   "{\"type\":\""
#define NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MID    "\",\"payload\":"


/*
 * Partoo's published examples, field for field, compact; "<string>"
 * placeholders are given plausible values of their type.  The org_id
 * values are overwritten with the caller's org_id at rendering.
 */

#define NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_BUSINESS(status)                       \
    "{\"business\":{"                                                         \
        "\"id\":\"5409c35a97bbc544d8e26737\","                                \
        "\"created\":1409925979.5,"                                           \
        "\"modified\":1561335111.681374,"                                     \
        "\"code\":\"CS-75019\","                                              \
        "\"status\":\"" status "\","                                          \
        "\"org_id\":42,"                                                      \
        "\"group_id\":23,"                                                    \
        "\"name\":\"Corner shop\","                                           \
        "\"address\":\"rue du coquelicot\","                                  \
        "\"address_full\":\"12 bis rue du coquelicot\","                      \
        "\"address2\":\"Batiment B\","                                        \
        "\"city\":\"Paris\","                                                 \
        "\"zipcode\":\"75019\","                                              \
        "\"region\":\"Ile-de-France\","                                       \
        "\"country\":\"FR\","                                                 \
        "\"default_lang\":\"fr\","                                            \
        "\"open_hours\":{"                                                    \
            "\"monday\":[\"10:00-14:00\"],"                                   \
            "\"tuesday\":[\"10:00-14:00\"],"                                  \
            "\"wednesday\":[\"10:00-14:00\"],"                                \
            "\"thursday\":[\"10:00-14:00\"],"                                 \
            "\"friday\":[\"10:00-14:00\"],"                                   \
            "\"saturday\":[\"10:00-14:00\"],"                                 \
            "\"sunday\":[\"10:00-14:00\"]},"                                  \
        "\"specific_hours\":{"                                                \
            "\"open\":[{\"starts_at\":\"2020-01-20\","                        \
                       "\"ends_at\":\"2020-01-20\","                          \
                       "\"open_hours\":[\"10:00-14:00\"]}],"                  \
            "\"close\":[{\"starts_at\":\"2020-01-20\","                       \
                        "\"ends_at\":\"2020-01-22\"}]},"                      \
        "\"description_short\":\"lorem ipsum\","                              \
        "\"description_long\":\"lorem ipsum dolor sit amet\","                \
        "\"website_url\":\"https://www.corner-shop.co/\","                    \
        "\"facebook_url\":\"https://www.facebook.com/the-corner-shop\","      \
        "\"twitter_url\":\"https://www.twitter.com/the-corner-shop\","        \
        "\"google_location_id\":\"4158937432812345678\","                     \
        "\"facebook_page_id\":\"104958162837\","                              \
        "\"national_identification_number\":\"123456789\","                   \
        "\"logo_url\":\"https://www.corner-shop.co/logo.png\","               \
        "\"contacts\":[{\"name\":\"Hubert Bonisseur de la Bath\","            \
                       "\"email\":\"hubert@oss117.fr\","                      \
                       "\"phone_numbers\":[\"+33302060628\"],"                \
                       "\"fax\":\"+33302060629\"}],"                          \
        "\"photos\":{"                                                        \
            "\"LOGO\":\"https://www.corner-shop.co/logo.png\","               \
            "\"primary\":\"https://www.corner-shop.co/front.jpg\","           \
            "\"secondary\":[\"https://www.corner-shop.co/inside.jpg\"]},"     \
        "\"lat\":-3.585993,"                                                  \
        "\"long\":47.870341,"                                                 \
        "\"subscriptions\":{"                                                 \
            "\"presence_management\":{\"active\":true},"                      \
            "\"review_management\":{\"active\":true},"                        \
            "\"review_booster\":{\"active\":false},"                          \
            "\"messages\":{\"active\":false}},"                               \
        "\"features\":[\"business_edition\",\"diffusion\","                   \
                      "\"review_management\",\"review_invite\","              \
                      "\"messages\"],"                                        \
        "\"videos\":[\"https://www.corner-shop.co/tour.mp4\"],"               \
        "\"siret\":\"12345678900012\","                                       \
        "\"completion_rate\":77,"                                             \
        "\"news\":[{\"description\":\"Open on Sundays from 10:00\"}],"        \
        "\"promos\":[{\"title\":\"10% off this week\"}]}}"

#define NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_CONVERSATION                           \
    "\"conversation\":{"                                                      \
        "\"id\":123,"                                                         \
        "\"consumer_img\":\"https://www.example.com/profile-picture.jpg\","   \
        "\"consumer_name\":\"John Doe\","                                     \
        "\"business\":{\"id\":123},"                                          \
        "\"messaging_partner\":\"Facebook\","                                 \
        "\"custom_channel\":null},"                                           \
    "\"org_id\":123}"


static const char  ngx_http_partoo_tryout_payload_business_open[] =
    NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_BUSINESS("open");

static const char  ngx_http_partoo_tryout_payload_business_closed[] =
    NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_BUSINESS("closed");

/* a reply sent from Partoo, still on its way to the channel */
static const char  ngx_http_partoo_tryout_payload_message_updated[] =
    "{\"message\":{"
        "\"id\":123,"
        "\"conversation_id\":123,"
        "\"date\":\"2023-01-31 16:22:17.327878+00:00\","
        "\"content_type\":\"Text\","
        "\"sender_type\":\"User\","
        "\"sender_label\":\"Jane Doe\","
        "\"status\":\"Sending\","
        "\"is_deleted\":false,"
        "\"content\":\"Yes, we are open on Sunday from 10:00 to 14:00.\","
        "\"user_id\":\"5e4fd3a1c2b5a60012345678\","
        "\"custom_channel\":null},"
    NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_CONVERSATION;

/* what the deprecated "new message" event was: Consumer, Success */
static const char  ngx_http_partoo_tryout_payload_message_created[] =
    "{\"message\":{"
        "\"id\":122,"
        "\"conversation_id\":123,"
        "\"date\":\"2023-01-31 16:20:05.104112+00:00\","
        "\"content_type\":\"Text\","
        "\"sender_type\":\"Consumer\","
        "\"sender_label\":\"John Doe\","
        "\"status\":\"Success\","
        "\"is_deleted\":false,"
        "\"content\":\"Hello, is the shop open on Sunday?\","
        "\"user_id\":null,"
        "\"custom_channel\":null},"
    NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_CONVERSATION;

static const char  ngx_http_partoo_tryout_payload_lead_received[] =
    "{\"id\":1,"
     "\"source\":\"chatbot\","
     "\"created_at\":\"2024-11-27T16:10:44.929678Z\","
     "\"chatbot_id\":1,"
     "\"chatbot_name\":\"Jim\","
     "\"business_name\":\"Partoo\","
     "\"store_code\":\"Partoo123\","
     "\"values\":[{\"id\":1,\"type\":\"TEXT\",\"name\":\"Your firstname\","
                  "\"value\":\"John\"}]}";


typedef struct {
    const char                      *text;
    size_t                           len;
    const char                      *org_path[2];   /* NULL-terminated */
} ngx_http_partoo_tryout_payload_event_t;


#define ngx_http_partoo_tryout_payload_text(s)  s, sizeof(s) - 1

static const ngx_http_partoo_tryout_payload_event_t
    ngx_http_partoo_tryout_payload_events[NGX_HTTP_PARTOO_TRYOUT_NEVENTS] =
{
    { ngx_http_partoo_tryout_payload_text(
          ngx_http_partoo_tryout_payload_business_open),
      { "business", "org_id" } },

    { ngx_http_partoo_tryout_payload_text(
          ngx_http_partoo_tryout_payload_business_open),
      { "business", "org_id" } },

    { ngx_http_partoo_tryout_payload_text(
          ngx_http_partoo_tryout_payload_business_closed),
      { "business", "org_id" } },

    { ngx_http_partoo_tryout_payload_text(
          ngx_http_partoo_tryout_payload_message_updated),
      { "org_id", NULL } },

    { ngx_http_partoo_tryout_payload_text(
          ngx_http_partoo_tryout_payload_message_created),
      { "org_id", NULL } },

    { ngx_http_partoo_tryout_payload_text(
          ngx_http_partoo_tryout_payload_lead_received),
      { NULL, NULL } }
};


static int ngx_http_partoo_tryout_payload_find(const char *text, size_t len,
    const char *const *path, size_t npath, size_t *start, size_t *stop);
static const char *ngx_http_partoo_tryout_payload_skip_string(const char *p,
    const char *end);
static const char *ngx_http_partoo_tryout_payload_skip_value(const char *p,
    const char *end);
static int ngx_http_partoo_tryout_payload_key_is(const char *p,
    const char *end, const char *name);
static int ngx_http_partoo_tryout_payload_hex(const char *p);


const char *
ngx_http_partoo_tryout_payload_default(ngx_http_partoo_tryout_event_e event,
    size_t *len)
{
    if ((unsigned) event >= NGX_HTTP_PARTOO_TRYOUT_NEVENTS) {
        return NULL;
    }

    *len = ngx_http_partoo_tryout_payload_events[event].len;

    return ngx_http_partoo_tryout_payload_events[event].text;
}


ngx_http_partoo_tryout_payload_verdict_e
ngx_http_partoo_tryout_payload_check(const char *text, size_t len, char *err,
    size_t err_size)
{
    json_t        *root;
    json_error_t   error;

    if (err != NULL && err_size > 0) {
        err[0] = '\0';
    }

    /* jansson recurses up to 2048 levels: refuse deep nesting before it */
    if (ngx_http_partoo_tryout_json_too_deep(text, len,
                                           NGX_HTTP_PARTOO_TRYOUT_MAX_DEPTH)) {
        if (err != NULL) {
            snprintf(err, err_size, "JSON nested deeper than %d levels",
                     NGX_HTTP_PARTOO_TRYOUT_MAX_DEPTH);
        }

        return NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_INVALID;
    }

    root = json_loadb(text, len, NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_FLAGS, &error);

    if (root == NULL) {
        if (json_error_code(&error) == json_error_out_of_memory) {
            return NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_ERROR;
        }

        if (err != NULL) {
            snprintf(err, err_size, "invalid JSON: %s at line %d, column %d",
                     error.text, error.line, error.column);
        }

        return NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_INVALID;
    }

    if (!json_is_object(root)) {
        json_decref(root);

        if (err != NULL) {
            snprintf(err, err_size, "not a JSON object");
        }

        return NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_NOT_OBJECT;
    }

    json_decref(root);

    return NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_OK;
}


void
ngx_http_partoo_tryout_payload_compile(ngx_http_partoo_tryout_payload_t *pl,
    ngx_http_partoo_tryout_event_e event, const char *type, size_t type_len,
    const char *text, size_t len)
{
    size_t              npath;
    const char *const  *path;

    pl->type = type;
    pl->type_len = type_len;
    pl->text = text;
    pl->len = len;
    pl->org_start = 0;
    pl->org_end = 0;
    pl->has_org = 0;

    if ((unsigned) event >= NGX_HTTP_PARTOO_TRYOUT_NEVENTS) {
        return;
    }

    path = ngx_http_partoo_tryout_payload_events[event].org_path;

    for (npath = 0; npath < 2 && path[npath] != NULL; npath++) {
        /* void */
    }

    if (npath == 0) {
        return;
    }

    pl->has_org = ngx_http_partoo_tryout_payload_find(text, len, path, npath,
                                                      &pl->org_start,
                                                      &pl->org_end);
}


size_t
ngx_http_partoo_tryout_payload_size(const ngx_http_partoo_tryout_payload_t *pl)
{
    return sizeof(NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_HEAD) - 1 + pl->type_len
           + sizeof(NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MID) - 1 + pl->len
           + NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_ORG_LEN + 1;
}


size_t
ngx_http_partoo_tryout_payload_render(
    const ngx_http_partoo_tryout_payload_t *pl, int64_t org_id, char *out)
{
    char      *p, *d;
    char       digits[NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_ORG_LEN];
    uint64_t   n;

    p = out;

    memcpy(p, NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_HEAD,
           sizeof(NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_HEAD) - 1);
    p += sizeof(NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_HEAD) - 1;

    memcpy(p, pl->type, pl->type_len);
    p += pl->type_len;

    memcpy(p, NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MID,
           sizeof(NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MID) - 1);
    p += sizeof(NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_MID) - 1;

    if (!pl->has_org || org_id <= 0) {
        memcpy(p, pl->text, pl->len);
        p += pl->len;

    } else {
        memcpy(p, pl->text, pl->org_start);
        p += pl->org_start;

        n = (uint64_t) org_id;
        d = digits + sizeof(digits);

        do {
            *--d = (char) ('0' + n % 10);
            n /= 10;
        } while (n);

        memcpy(p, d, digits + sizeof(digits) - d);
        p += digits + sizeof(digits) - d;

        memcpy(p, pl->text + pl->org_end, pl->len - pl->org_end);
        p += pl->len - pl->org_end;
    }

    *p++ = '}';

    return p - out;
}


int
ngx_http_partoo_tryout_payload_envelope(const char *text, size_t len,
    char *type, size_t type_size, size_t *start, size_t *stop)
{
    int           envelope;
    json_t       *root, *t, *payload;
    size_t        n;
    const char   *path[1];

    root = json_loadb(text, len, NGX_HTTP_PARTOO_TRYOUT_PAYLOAD_FLAGS, NULL);
    if (root == NULL) {
        return 0;
    }

    t = json_object_get(root, "type");
    payload = json_object_get(root, "payload");

    envelope = json_is_object(root)
               && json_object_size(root) == 2
               && json_is_string(t)
               && json_is_object(payload);

    if (envelope && type_size > 0) {
        n = json_string_length(t);
        n = (n < type_size - 1) ? n : type_size - 1;

        memcpy(type, json_string_value(t), n);
        type[n] = '\0';
    }

    json_decref(root);

    if (!envelope) {
        return 0;
    }

    path[0] = "payload";

    return ngx_http_partoo_tryout_payload_find(text, len, path, 1, start,
                                               stop);
}


/*
 * Finds the value of the member at "path" in checked JSON text whose top
 * level is an object.  Keys are compared decoded, so "org\u005fid" is
 * org_id too; duplicate keys were refused, so the first match is the one.
 */

static int
ngx_http_partoo_tryout_payload_find(const char *text, size_t len,
    const char *const *path, size_t npath, size_t *start, size_t *stop)
{
    const char  *p, *end, *key, *value;

    p = text;
    end = text + len;

    p = ngx_http_partoo_tryout_json_skip_ws(p, end);

    while (npath) {

        if (p == end || *p != '{') {
            return 0;
        }

        p++;

        for ( ;; ) {
            p = ngx_http_partoo_tryout_json_skip_ws(p, end);

            if (p == end || *p != '"') {
                /* "}": the object has no such member */
                return 0;
            }

            key = p;

            p = ngx_http_partoo_tryout_payload_skip_string(p, end);
            p = ngx_http_partoo_tryout_json_skip_ws(p, end);

            if (p == end || *p != ':') {
                return 0;
            }

            value = ngx_http_partoo_tryout_json_skip_ws(p + 1, end);

            if (ngx_http_partoo_tryout_payload_key_is(key, end, path[0])) {
                break;
            }

            p = ngx_http_partoo_tryout_payload_skip_value(value, end);
            p = ngx_http_partoo_tryout_json_skip_ws(p, end);

            if (p == end || *p != ',') {
                return 0;
            }

            p++;
        }

        path++;
        npath--;
        p = value;
    }

    if (p == end) {
        return 0;
    }

    *start = p - text;
    *stop = ngx_http_partoo_tryout_payload_skip_value(p, end) - text;

    return *stop > *start;
}


/* "p" is at the opening quote; returns the byte after the closing one */

static const char *
ngx_http_partoo_tryout_payload_skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {

        if (*p == '\\') {
            if (++p == end) {
                break;
            }

            continue;
        }

        if (*p == '"') {
            return p + 1;
        }
    }

    return end;
}


static const char *
ngx_http_partoo_tryout_payload_skip_value(const char *p, const char *end)
{
    size_t  depth;

    if (p == end) {
        return end;
    }

    if (*p == '"') {
        return ngx_http_partoo_tryout_payload_skip_string(p, end);
    }

    if (*p != '{' && *p != '[') {
        /* number, true, false, null */
        while (p < end && *p != ',' && *p != '}' && *p != ']'
               && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
        {
            p++;
        }

        return p;
    }

    depth = 0;

    while (p < end) {

        switch (*p) {

        case '"':
            p = ngx_http_partoo_tryout_payload_skip_string(p, end);
            continue;

        case '{':
        case '[':
            depth++;
            break;

        case '}':
        case ']':
            if (--depth == 0) {
                return p + 1;
            }

            break;
        }

        p++;
    }

    return end;
}


/* the JSON string at "p" decodes to the ASCII "name" */

static int
ngx_http_partoo_tryout_payload_key_is(const char *p, const char *end,
    const char *name)
{
    int  c;

    for (p++; p < end; p++, name++) {

        c = (unsigned char) *p;

        if (c == '"') {
            return *name == '\0';
        }

        if (c == '\\') {
            if (end - p < 2) {
                return 0;
            }

            p++;

            switch (*p) {
            case '"':  c = '"';  break;
            case '\\': c = '\\'; break;
            case '/':  c = '/';  break;
            case 'b':  c = '\b'; break;
            case 'f':  c = '\f'; break;
            case 'n':  c = '\n'; break;
            case 'r':  c = '\r'; break;
            case 't':  c = '\t'; break;

            case 'u':
                if (end - p < 5) {
                    return 0;
                }

                c = ngx_http_partoo_tryout_payload_hex(p + 1);
                p += 4;
                break;

            default:
                return 0;
            }
        }

        /* a NUL in the key ends "name" early: no match either way */
        if (c == 0 || c != (unsigned char) *name) {
            return 0;
        }
    }

    return 0;
}


/* four hex digits; -1 when they are not */

static int
ngx_http_partoo_tryout_payload_hex(const char *p)
{
    int  i, c, n;

    n = 0;

    for (i = 0; i < 4; i++) {
        c = (unsigned char) p[i];

        if (c >= '0' && c <= '9') {
            c -= '0';

        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            c = (c | 0x20) - 'a' + 10;

        } else {
            return -1;
        }

        n = n * 16 + c;
    }

    return n;
}
