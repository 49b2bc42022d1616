
/*
 * Copyright (C) Partoo tryout module authors
 *
 * Unit tests of the body validator: every rule of the contract's "JSON",
 * "shape" and "fields" steps (README), good and bad input side by side,
 * with the exact bytes of each error body.  TAP output; exit status 1 on
 * failure.
 *
 * In the tables a ' stands for a " so that the JSON stays readable; the
 * few bodies that need a real ' or raw bytes are built by hand.
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "ngx_http_partoo_tryout_validate.h"


#define NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON                                 \
    "{'errors':{'json':'invalid JSON body'}}"

#define NGX_HTTP_PARTOO_TRYOUT_T_NOT_OBJECT                                   \
    "{'errors':{'json':'must be an object'}}"

/* the error body of fields of the first item */
#define NGX_HTTP_PARTOO_TRYOUT_T_FIELDS(f)                                    \
    "{'errors':{'json':{'items':{'0':{" f "}}}}}"

#define NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(h)                                   \
    NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'custom_headers':{" h "}")

#define NGX_HTTP_PARTOO_TRYOUT_T_HTTP_URL                                     \
    NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'only HTTPS URLs are supported'")

/* an item with a good url and event_type and the given custom_headers */
#define NGX_HTTP_PARTOO_TRYOUT_T_ITEM(h)                                      \
    "{'items':[{'url':'https://example.com/hook',"                            \
    "'event_type':'business_created','custom_headers':" h "}]}"

#define NGX_HTTP_PARTOO_TRYOUT_T_ONE_OF                                       \
    "must be one of: business_created, business_updated, business_deleted, "  \
    "message_updated, message_created, lead_received"


typedef struct {
    const char   *name;
    const char   *body;
    const char   *error;      /* NULL: the body is valid */
    const char   *url;        /* valid: the url expected */
    int           event;
    size_t        nheaders;
} ngx_http_partoo_tryout_test_case_t;


static int  ngx_http_partoo_tryout_test_count;
static int  ngx_http_partoo_tryout_test_failed;

static ngx_http_partoo_tryout_validator_t  *ngx_http_partoo_tryout_test_v;


static const ngx_http_partoo_tryout_test_case_t
    ngx_http_partoo_tryout_test_cases[] =
{
    /* JSON */

    { "empty body", "", NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "whitespace only", " \r\n\t",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "truncated object", "{'items':[",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "trailing garbage", "{} x",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "two documents", "{}{}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "trailing comma", "{'items':[],}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "duplicate top-level key", "{'items':[],'items':[]}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "duplicate key in the item",
      "{'items':[{'url':'https://a.b','url':'https://a.b',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "duplicate header name, same case",
      NGX_HTTP_PARTOO_TRYOUT_T_ITEM("{'X-A':'1','X-A':'2'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "duplicate key in an ignored item",
      "{'items':[{'url':'https://a.b','event_type':'lead_received'},"
      "{'a':1,'a':2}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "same key in two objects is no duplicate",
      "{'items':[{'url':'https://a.b','event_type':'lead_received',"
      "'x':{'a':1}}],'x':{'a':1}}",
      NULL, "https://a.b", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },
    { "lone surrogate escape", "{'items':'\\ud800'}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "surrogate pair escape is fine",
      "{'items':[{'url':'https://a.b','event_type':'lead_received',"
      "'x':'\\ud83d\\ude00'}]}",
      NULL, "https://a.b", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },
    { "integer too big for jansson", "{'x':99999999999999999999}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "real overflow", "{'x':1e999}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "NUL escape in a key", "{'items\\u0000':[]}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "NUL escape in a header name",
      NGX_HTTP_PARTOO_TRYOUT_T_ITEM("{'X-A\\u0000':'1'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "byte order mark", "\xef\xbb\xbf{'items':[]}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "invalid UTF-8 in a value",
      "{'items':[{'url':'https://a.b','event_type':'\xff'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "overlong UTF-8", "{'items':'\xc0\xaf'}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "UTF-8 surrogate bytes", "{'items':'\xed\xa0\x80'}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "truncated UTF-8 sequence", "{'items':'\xe2\x82'}",
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "invalid UTF-8 in a header name",
      NGX_HTTP_PARTOO_TRYOUT_T_ITEM("{'X-\xff':'1'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "raw control character in a string",
      NGX_HTTP_PARTOO_TRYOUT_T_ITEM("{'X-A':'a\nb'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, NULL, 0, 0 },
    { "brackets inside strings do not nest",
      "{'items':[{'url':'https://a.b/[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',"
      "'event_type':'lead_received',"
      "'x':'\\'{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\\\\'}]}",
      NULL, "https://a.b/[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
      NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },

    /* shape */

    { "null", "null", NGX_HTTP_PARTOO_TRYOUT_T_NOT_OBJECT, NULL, 0, 0 },
    { "empty array", "[]", NGX_HTTP_PARTOO_TRYOUT_T_NOT_OBJECT, NULL, 0, 0 },
    { "array of items", "[{'items':[]}]",
      NGX_HTTP_PARTOO_TRYOUT_T_NOT_OBJECT, NULL, 0, 0 },
    { "number", "1", NGX_HTTP_PARTOO_TRYOUT_T_NOT_OBJECT, NULL, 0, 0 },
    { "string", "'x'", NGX_HTTP_PARTOO_TRYOUT_T_NOT_OBJECT, NULL, 0, 0 },
    { "true", " true ", NGX_HTTP_PARTOO_TRYOUT_T_NOT_OBJECT, NULL, 0, 0 },

    /* items */

    { "empty object", "{}",
      "{'errors':{'json':{'items':'is required'}}}", NULL, 0, 0 },
    { "items is case-sensitive", "{'Items':[]}",
      "{'errors':{'json':{'items':'is required'}}}", NULL, 0, 0 },
    { "items null", "{'items':null}",
      "{'errors':{'json':{'items':'must be a list'}}}", NULL, 0, 0 },
    { "items object", "{'items':{'0':{}}}",
      "{'errors':{'json':{'items':'must be a list'}}}", NULL, 0, 0 },
    { "items string", "{'items':'[]'}",
      "{'errors':{'json':{'items':'must be a list'}}}", NULL, 0, 0 },
    { "items empty", "{'items':[]}",
      "{'errors':{'json':{'items':'must contain at least one item'}}}",
      NULL, 0, 0 },
    { "items[0] null", "{'items':[null]}",
      "{'errors':{'json':{'items':{'0':'must be an object'}}}}", NULL, 0, 0 },
    { "items[0] string", "{'items':['https://a.b']}",
      "{'errors':{'json':{'items':{'0':'must be an object'}}}}", NULL, 0, 0 },
    { "items[0] array", "{'items':[[{}]]}",
      "{'errors':{'json':{'items':{'0':'must be an object'}}}}", NULL, 0, 0 },
    { "items[0] number, items[1] good",
      "{'items':[1,{'url':'https://a.b','event_type':'lead_received'}]}",
      "{'errors':{'json':{'items':{'0':'must be an object'}}}}", NULL, 0, 0 },

    /* url and event_type presence and types */

    { "empty item", "{'items':[{}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'is required',"
                                      "'event_type':'is required'"),
      NULL, 0, 0 },
    { "nulls where strings belong",
      "{'items':[{'url':null,'event_type':null}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a string',"
                                      "'event_type':'must be a string'"),
      NULL, 0, 0 },
    { "numbers where strings belong",
      "{'items':[{'url':443,'event_type':1.5}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a string',"
                                      "'event_type':'must be a string'"),
      NULL, 0, 0 },
    { "containers where strings belong",
      "{'items':[{'url':['https://a.b'],'event_type':{'a':1}}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a string',"
                                      "'event_type':'must be a string'"),
      NULL, 0, 0 },
    { "boolean url, missing event_type",
      "{'items':[{'url':true}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a string',"
                                      "'event_type':'is required'"),
      NULL, 0, 0 },
    { "every field wrong, reported in contract order",
      "{'items':[{'custom_headers':{'X-Partoo-A':'1'},'event_type':'x',"
      "'url':'http://a.b'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'only HTTPS URLs are supported',"
          "'event_type':'" NGX_HTTP_PARTOO_TRYOUT_T_ONE_OF "',"
          "'custom_headers':{'X-Partoo-A':'invalid header name'}"),
      NULL, 0, 0 },

    /* url */

    { "https url", "{'items':[{'url':'https://example.com/webhook',"
      "'event_type':'business_created'}]}",
      NULL, "https://example.com/webhook",
      NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED, 0 },
    { "http url", "{'items':[{'url':'http://example.com/webhook',"
      "'event_type':'business_created'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'only HTTPS URLs are supported'"),
      NULL, 0, 0 },
    { "ftp url", "{'items':[{'url':'ftp://x','event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'only HTTPS URLs are supported'"),
      NULL, 0, 0 },
    { "unknown scheme", "{'items':[{'url':'foo+bar.1://x',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'only HTTPS URLs are supported'"),
      NULL, 0, 0 },
    { "https prefix of a longer scheme", "{'items':[{'url':'httpss://x',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'only HTTPS URLs are supported'"),
      NULL, 0, 0 },
    { "upper-case scheme", "{'items':[{'url':'HTTPS://EXAMPLE.COM',"
      "'event_type':'lead_received'}]}",
      NULL, "HTTPS://EXAMPLE.COM", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },
    { "mixed-case scheme", "{'items':[{'url':'hTtPs://a.b/x?y=1#z',"
      "'event_type':'lead_received'}]}",
      NULL, "hTtPs://a.b/x?y=1#z", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },
    { "https:// alone", "{'items':[{'url':'https://',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "https:///path: empty host", "{'items':[{'url':'https:///path',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "https:/host: one slash", "{'items':[{'url':'https:/host',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "https:host: no slash", "{'items':[{'url':'https:host',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "port without host", "{'items':[{'url':'https://:443/',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "user without host", "{'items':[{'url':'https://user@/x',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "empty IPv6 literal", "{'items':[{'url':'https://[]/',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "bad IPv6 literal", "{'items':[{'url':'https://[::g]/',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "scheme-relative url", "{'items':[{'url':'//example.com',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "no scheme", "{'items':[{'url':'example.com',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "empty url", "{'items':[{'url':'','event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "mailto url", "{'items':[{'url':'mailto:a@b.c',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "file url has no host", "{'items':[{'url':'file:///etc/passwd',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "space in the host", "{'items':[{'url':'https://exa mple.com',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "space in the path of an http url, valid url first",
      "{'items':[{'url':'http://a.b/x y','event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "leading space", "{'items':[{'url':' https://a.b',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "trailing space", "{'items':[{'url':'https://a.b ',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "TAB in the url", "{'items':[{'url':'https://a.b/\\t',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "CRLF in the url", "{'items':[{'url':'https://a.b/\\r\\nX-A: 1',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "NUL in the url", "{'items':[{'url':'https://a.b\\u0000.evil',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "DEL in the url", "{'items':[{'url':'https://a.b/\\u007f',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "non-ASCII host", "{'items':[{'url':'https://ex\\u00e4mple.com/',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "punycode host", "{'items':[{'url':'https://xn--exmple-cua.com/',"
      "'event_type':'lead_received'}]}",
      NULL, "https://xn--exmple-cua.com/",
      NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },
    { "non-ASCII path", "{'items':[{'url':'https://a.b/\xc3\xa9',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "percent-encoded path", "{'items':[{'url':'https://a.b/%C3%A9%20x',"
      "'event_type':'lead_received'}]}",
      NULL, "https://a.b/%C3%A9%20x", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED,
      0 },
    { "user info", "{'items':[{'url':'https://user@host',"
      "'event_type':'lead_received'}]}",
      NULL, "https://user@host", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },
    { "IPv6 literal and port", "{'items':[{'url':'https://[::1]:8443/x',"
      "'event_type':'lead_received'}]}",
      NULL, "https://[::1]:8443/x", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },
    { "port 443", "{'items':[{'url':'https://host:443/x',"
      "'event_type':'lead_received'}]}",
      NULL, "https://host:443/x", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },
    { "empty port, as libcurl reads it", "{'items':[{'url':'https://a:',"
      "'event_type':'lead_received'}]}",
      NULL, "https://a:", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },
    { "empty user info", "{'items':[{'url':'HTTPS://@[::1]',"
      "'event_type':'lead_received'}]}",
      NULL, "HTTPS://@[::1]", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },
    { "braces in the path, as libcurl sends them",
      "{'items':[{'url':'https://a.b/web{x}|^','event_type':'lead_received'}]}",
      NULL, "https://a.b/web{x}|^", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },
    { "port 99999", "{'items':[{'url':'https://host:99999',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "port not a number", "{'items':[{'url':'https://host:44x/',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "bad port on an http url, valid url first",
      "{'items':[{'url':'http://host:99999','event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "two @ in the authority", "{'items':[{'url':'https://a@b@c/',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },
    { "backslash in the host", "{'items':[{'url':'https://a\\\\b/',"
      "'event_type':'lead_received'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
      NULL, 0, 0 },

    /* event_type */

    { "business_created", "{'items':[{'url':'https://a.b',"
      "'event_type':'business_created'}]}",
      NULL, "https://a.b", NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED, 0 },
    { "business_updated", "{'items':[{'url':'https://a.b',"
      "'event_type':'business_updated'}]}",
      NULL, "https://a.b", NGX_HTTP_PARTOO_TRYOUT_BUSINESS_UPDATED, 0 },
    { "business_deleted", "{'items':[{'url':'https://a.b',"
      "'event_type':'business_deleted'}]}",
      NULL, "https://a.b", NGX_HTTP_PARTOO_TRYOUT_BUSINESS_DELETED, 0 },
    { "message_updated", "{'items':[{'url':'https://a.b',"
      "'event_type':'message_updated'}]}",
      NULL, "https://a.b", NGX_HTTP_PARTOO_TRYOUT_MESSAGE_UPDATED, 0 },
    { "message_created", "{'items':[{'url':'https://a.b',"
      "'event_type':'message_created'}]}",
      NULL, "https://a.b", NGX_HTTP_PARTOO_TRYOUT_MESSAGE_CREATED, 0 },
    { "lead_received", "{'items':[{'url':'https://a.b',"
      "'event_type':'lead_received'}]}",
      NULL, "https://a.b", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },
    { "event_type in another case", "{'items':[{'url':'https://a.b',"
      "'event_type':'Business_Created'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'event_type':'"
                                      NGX_HTTP_PARTOO_TRYOUT_T_ONE_OF "'"),
      NULL, 0, 0 },
    { "empty event_type", "{'items':[{'url':'https://a.b',"
      "'event_type':''}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'event_type':'"
                                      NGX_HTTP_PARTOO_TRYOUT_T_ONE_OF "'"),
      NULL, 0, 0 },
    { "event_type with a trailing space", "{'items':[{'url':'https://a.b',"
      "'event_type':'lead_received '}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'event_type':'"
                                      NGX_HTTP_PARTOO_TRYOUT_T_ONE_OF "'"),
      NULL, 0, 0 },
    { "event_type with a NUL after it", "{'items':[{'url':'https://a.b',"
      "'event_type':'lead_received\\u0000'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'event_type':'"
                                      NGX_HTTP_PARTOO_TRYOUT_T_ONE_OF "'"),
      NULL, 0, 0 },
    { "event_type prefix", "{'items':[{'url':'https://a.b',"
      "'event_type':'lead_'}]}",
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'event_type':'"
                                      NGX_HTTP_PARTOO_TRYOUT_T_ONE_OF "'"),
      NULL, 0, 0 },

    /* custom_headers as a whole */

    { "custom_headers null", NGX_HTTP_PARTOO_TRYOUT_T_ITEM("null"),
      NULL, "https://example.com/hook",
      NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED, 0 },
    { "custom_headers empty", NGX_HTTP_PARTOO_TRYOUT_T_ITEM("{}"),
      NULL, "https://example.com/hook",
      NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED, 0 },
    { "custom_headers array", NGX_HTTP_PARTOO_TRYOUT_T_ITEM("[]"),
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'custom_headers':'must be an object'"),
      NULL, 0, 0 },
    { "custom_headers string", NGX_HTTP_PARTOO_TRYOUT_T_ITEM("'X-A: 1'"),
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'custom_headers':'must be an object'"),
      NULL, 0, 0 },
    { "custom_headers false", NGX_HTTP_PARTOO_TRYOUT_T_ITEM("false"),
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'custom_headers':'must be an object'"),
      NULL, 0, 0 },
    { "5 headers", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-1':'a','X-2':'b','X-3':'c','X-4':'d','X-5':'e'}"),
      NULL, "https://example.com/hook",
      NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED, 5 },
    { "6 headers, entries not checked", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-1':'a','X-2':'b','X-3':'c','X-4':'d','X-5':'e',"
          "'X-Partoo':1}"),
      NGX_HTTP_PARTOO_TRYOUT_T_FIELDS(
          "'custom_headers':'must have at most 5 headers'"),
      NULL, 0, 0 },

    /* header names */

    { "X-Partoo-Foo", NGX_HTTP_PARTOO_TRYOUT_T_ITEM("{'X-Partoo-Foo':'1'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS("'X-Partoo-Foo':'invalid header name'"),
      NULL, 0, 0 },
    { "x-partoo-foo", NGX_HTTP_PARTOO_TRYOUT_T_ITEM("{'x-partoo-foo':'1'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS("'x-partoo-foo':'invalid header name'"),
      NULL, 0, 0 },
    { "X-PARTOO-x", NGX_HTTP_PARTOO_TRYOUT_T_ITEM("{'X-PARTOO-x':'1'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS("'X-PARTOO-x':'invalid header name'"),
      NULL, 0, 0 },
    { "x-PaRtOo", NGX_HTTP_PARTOO_TRYOUT_T_ITEM("{'x-PaRtOo':'1'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS("'x-PaRtOo':'invalid header name'"),
      NULL, 0, 0 },
    { "X-Partoo alone", NGX_HTTP_PARTOO_TRYOUT_T_ITEM("{'X-Partoo':'1'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS("'X-Partoo':'invalid header name'"),
      NULL, 0, 0 },
    { "X-PartooWebhook", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-PartooWebhook':'1'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'X-PartooWebhook':'invalid header name'"),
      NULL, 0, 0 },
    { "X-Partner is allowed", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-Partner':'1','X-Parto':'2','X-My-Partoo':'3'}"),
      NULL, "https://example.com/hook",
      NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED, 3 },
    { "X- alone is a token", NGX_HTTP_PARTOO_TRYOUT_T_ITEM("{'X-':'1'}"),
      NULL, "https://example.com/hook",
      NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED, 1 },
    { "names without X-", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'Authorization':'1','X_A':'2','-X-A':'3',' X-A':'4','':'5'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'Authorization':'invalid header name',"
          "'X_A':'invalid header name','-X-A':'invalid header name',"
          "' X-A':'invalid header name','':'invalid header name'"),
      NULL, 0, 0 },
    { "separators in names (1)", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-a b':'1','X-a(b':'2','X-a)b':'3','X-a<b':'4','X-a>b':'5'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'X-a b':'invalid header name','X-a(b':'invalid header name',"
          "'X-a)b':'invalid header name','X-a<b':'invalid header name',"
          "'X-a>b':'invalid header name'"),
      NULL, 0, 0 },
    { "separators in names (2)", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-a@b':'1','X-a,b':'2','X-a;b':'3','X-a:b':'4',"
          "'X-a\\\\b':'5'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'X-a@b':'invalid header name','X-a,b':'invalid header name',"
          "'X-a;b':'invalid header name','X-a:b':'invalid header name',"
          "'X-a\\\\b':'invalid header name'"),
      NULL, 0, 0 },
    { "separators in names (3)", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-a\\'b':'1','X-a/b':'2','X-a[b':'3','X-a]b':'4','X-a?b':'5'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'X-a\\'b':'invalid header name','X-a/b':'invalid header name',"
          "'X-a[b':'invalid header name','X-a]b':'invalid header name',"
          "'X-a?b':'invalid header name'"),
      NULL, 0, 0 },
    { "separators in names (4)", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-a=b':'1','X-a{b':'2','X-a}b':'3'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'X-a=b':'invalid header name','X-a{b':'invalid header name',"
          "'X-a}b':'invalid header name'"),
      NULL, 0, 0 },
    { "token characters in names", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-!#$%&':'1','x-*+-.^_`|~':'2','X-09AZaz':'3'}"),
      NULL, "https://example.com/hook",
      NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED, 3 },
    { "control characters in names", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-a\\tb':'1','X-a\\r\\nb':'2','X-A\\n':'3','X-\\u0001':'4',"
          "'X-\\u007f':'5'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'X-a\\tb':'invalid header name','X-a\\r\\nb':'invalid header name',"
          "'X-A\\n':'invalid header name','X-\\u0001':'invalid header name',"
          "'X-\x7f':'invalid header name'"),
      NULL, 0, 0 },
    { "non-ASCII names", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-\\u00dcnicode':'1','X-caf\xc3\xa9':'2','X-\\u0085':'3'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'X-\xc3\x9cnicode':'invalid header name',"
          "'X-caf\xc3\xa9':'invalid header name',"
          "'X-\xc2\x85':'invalid header name'"),
      NULL, 0, 0 },
    { "duplicate names differing in case", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-Foo':'1','x-foo':'2','X-Bar':'3','X-FOO':'4','x-BAR':5}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'x-foo':'duplicate header name','X-FOO':'duplicate header name',"
          "'x-BAR':'duplicate header name'"),
      NULL, 0, 0 },
    { "duplicate of an entry with a bad value", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-Foo':null,'X-FOO':'2'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'X-Foo':'must be a string','X-FOO':'duplicate header name'"),
      NULL, 0, 0 },

    /* header values */

    { "values that are not strings", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-1':1,'X-2':null,'X-3':true,'X-4':['a'],'X-5':{'a':'b'}}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'X-1':'must be a string','X-2':'must be a string',"
          "'X-3':'must be a string','X-4':'must be a string',"
          "'X-5':'must be a string'"),
      NULL, 0, 0 },
    { "CR, LF, NUL, TAB, ESC in values", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-CR':'a\\rb','X-LF':'a\\nb','X-NUL':'a\\u0000b',"
          "'X-TAB':'a\\tb','X-ESC':'\\u001b[0m'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'X-CR':'must not contain control characters',"
          "'X-LF':'must not contain control characters',"
          "'X-NUL':'must not contain control characters',"
          "'X-TAB':'must not contain control characters',"
          "'X-ESC':'must not contain control characters'"),
      NULL, 0, 0 },
    { "DEL and C1 controls in values", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-DEL':'\\u007f','X-NEL':'a\\u0085','X-APC':'\xc2\x9f',"
          "'X-PAD':'\\u0080'}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'X-DEL':'must not contain control characters',"
          "'X-NEL':'must not contain control characters',"
          "'X-APC':'must not contain control characters',"
          "'X-PAD':'must not contain control characters'"),
      NULL, 0, 0 },
    { "printable non-ASCII values", NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
          "{'X-NBSP':'a\\u00a0b','X-E':'\xc3\xa9t\xc3\xa9',"
          "'X-EMOJI':'\\ud83d\\ude00','X-LS':'\\u2028','X-EMPTY':''}"),
      NULL, "https://example.com/hook",
      NGX_HTTP_PARTOO_TRYOUT_BUSINESS_CREATED, 5 },
    { "one error per header: name before value",
      NGX_HTTP_PARTOO_TRYOUT_T_ITEM("{'X-Partoo-A':'\\n','Y':1}"),
      NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
          "'X-Partoo-A':'invalid header name','Y':'invalid header name'"),
      NULL, 0, 0 },

    /* what is ignored */

    { "second item invalid but ignored",
      "{'items':[{'url':'https://a.b','event_type':'lead_received'},"
      "{'url':'http://x','event_type':'nope',"
      "'custom_headers':{'X-Partoo':'\\n'}},null,[]]}",
      NULL, "https://a.b", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },
    { "unknown fields ignored",
      "{'org_id':42,'items':[{'url':'https://a.b','event_type':'lead_received',"
      "'payload':{'x':[1,2,{'y':null}]},'Url':1,'URL':'http://x'}],"
      "'extra':[true,false,null,-1.5e3,'\\u00e9']}",
      NULL, "https://a.b", NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED, 0 },

    { NULL, NULL, NULL, NULL, 0, 0 }
};


static void
ngx_http_partoo_tryout_test_result(int ok, const char *name,
    const char *fmt, ...)
{
    va_list  args;

    ngx_http_partoo_tryout_test_count++;

    printf("%sok %d - %s\n", ok ? "" : "not ",
           ngx_http_partoo_tryout_test_count, name);

    if (ok) {
        return;
    }

    ngx_http_partoo_tryout_test_failed++;

    printf("# ");
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    printf("\n");
}


/* ' stands for " in the tables */

static char *
ngx_http_partoo_tryout_test_quotes(const char *s, size_t *len)
{
    char    *d;
    size_t   i, n;

    n = strlen(s);

    d = malloc(n + 1);
    if (d == NULL) {
        abort();
    }

    for (i = 0; i < n; i++) {
        d[i] = (s[i] == '\'') ? '"' : s[i];
    }

    d[n] = '\0';

    if (len) {
        *len = n;
    }

    return d;
}


static char *
ngx_http_partoo_tryout_test_repeat(const char *head, const char *unit,
    size_t n, const char *tail)
{
    char    *d, *p;
    size_t   hl, ul, tl, i;

    hl = strlen(head);
    ul = strlen(unit);
    tl = strlen(tail);

    d = malloc(hl + ul * n + tl + 1);
    if (d == NULL) {
        abort();
    }

    p = d;
    memcpy(p, head, hl);
    p += hl;

    for (i = 0; i < n; i++) {
        memcpy(p, unit, ul);
        p += ul;
    }

    memcpy(p, tail, tl);
    p += tl;
    *p = '\0';

    return d;
}


/*
 * Validates "len" bytes of "body" (NUL-free bodies: len 0 means strlen)
 * and expects "error" (with ' for ") or, when "error" is NULL, a valid item
 */

static int
ngx_http_partoo_tryout_test_run(const char *name, const char *body,
    size_t len, const char *error, ngx_http_partoo_tryout_item_t *item)
{
    int                               ok;
    char                             *expect;
    size_t                            expect_len;
    ngx_http_partoo_tryout_verdict_e  verdict;

    verdict = ngx_http_partoo_tryout_validate(ngx_http_partoo_tryout_test_v,
                                              body, len, item);

    if (error == NULL) {
        ok = (verdict == NGX_HTTP_PARTOO_TRYOUT_VALID && item->root != NULL
              && item->error == NULL);

        ngx_http_partoo_tryout_test_result(ok, name,
            "expected valid, got verdict %d: %.*s", (int) verdict,
            (int) item->error_len, item->error ? item->error : "");

        return ok;
    }

    expect = ngx_http_partoo_tryout_test_quotes(error, &expect_len);

    ok = (verdict == NGX_HTTP_PARTOO_TRYOUT_INVALID
          && item->root == NULL && item->url == NULL && item->nheaders == 0
          && item->error != NULL && item->error_len == expect_len
          && memcmp(item->error, expect, expect_len) == 0);

    ngx_http_partoo_tryout_test_result(ok, name,
        "verdict %d\n#      got: %.*s\n# expected: %s", (int) verdict,
        (int) item->error_len, item->error ? item->error : "", expect);

    free(expect);

    return ok;
}


static void
ngx_http_partoo_tryout_test_table(void)
{
    int                                        ok;
    char                                      *body;
    size_t                                     len;
    ngx_http_partoo_tryout_item_t              item;
    const ngx_http_partoo_tryout_test_case_t  *c;

    for (c = ngx_http_partoo_tryout_test_cases; c->name; c++) {
        body = ngx_http_partoo_tryout_test_quotes(c->body, &len);

        ok = ngx_http_partoo_tryout_test_run(c->name, body, len, c->error,
                                             &item);

        if (ok && c->error == NULL) {
            ok = (item.url_len == strlen(c->url)
                  && memcmp(item.url, c->url, item.url_len) == 0
                  && (int) item.event == c->event
                  && item.nheaders == c->nheaders);

            ngx_http_partoo_tryout_test_result(ok, "... url, event, headers",
                "got url \"%.*s\" event %d, %d headers", (int) item.url_len,
                item.url, (int) item.event, (int) item.nheaders);
        }

        ngx_http_partoo_tryout_item_free(&item);
        free(body);
    }
}


/*
 * {"items":[{"url":"URL","event_type":"lead_received"}]}, with
 * "custom_headers":{"NAME":"VALUE"} when "name" is not NULL
 */

static char *
ngx_http_partoo_tryout_test_body(const char *url, const char *name,
    const char *value)
{
    char    *body;
    size_t   size;

    size = strlen(url) + (name ? strlen(name) + strlen(value) : 0) + 128;

    body = malloc(size);
    if (body == NULL) {
        abort();
    }

    if (name == NULL) {
        snprintf(body, size, "{\"items\":[{\"url\":\"%s\","
                 "\"event_type\":\"lead_received\"}]}", url);

    } else {
        snprintf(body, size, "{\"items\":[{\"url\":\"%s\","
                 "\"event_type\":\"lead_received\","
                 "\"custom_headers\":{\"%s\":\"%s\"}}]}", url, name, value);
    }

    return body;
}


/* validates "body", frees it, and expects "error" or a valid item */

static int
ngx_http_partoo_tryout_test_take(const char *name, char *body,
    const char *error, ngx_http_partoo_tryout_item_t *item)
{
    int  ok;

    ok = ngx_http_partoo_tryout_test_run(name, body, strlen(body), error,
                                         item);
    free(body);

    return ok;
}


/* HEAD, then UNIT "n" times, then TAIL, then CLOSE "n" times, then END */

static char *
ngx_http_partoo_tryout_test_nest(const char *head, const char *unit,
    const char *tail, const char *close, size_t n, const char *end)
{
    char  *open, *body;

    open = ngx_http_partoo_tryout_test_repeat(head, unit, n, tail);
    body = ngx_http_partoo_tryout_test_repeat(open, close, n, end);
    free(open);

    return body;
}


/* bodies with raw NUL bytes, a real ', or lengths too long for a table */

static void
ngx_http_partoo_tryout_test_built(void)
{
    char                           *s, *error;
    ngx_http_partoo_tryout_item_t   item;

    static const char  nul_inside[] =
        "{\"items\":[{\"url\":\"https://a.b\0\","
        "\"event_type\":\"lead_received\"}]}";

    static const char  nul_after[] = "{\"items\":[]}\0";

    /* raw bytes */

    ngx_http_partoo_tryout_test_run("raw NUL inside a string", nul_inside,
                                    sizeof(nul_inside) - 1,
                                    NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON,
                                    &item);
    ngx_http_partoo_tryout_item_free(&item);

    ngx_http_partoo_tryout_test_run("raw NUL after the document", nul_after,
                                    sizeof(nul_after) - 1,
                                    NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON,
                                    &item);
    ngx_http_partoo_tryout_item_free(&item);

    s = "{\"items\":[]}";
    ngx_http_partoo_tryout_test_run("body length stops the parser", s, 11,
                                    NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON,
                                    &item);
    ngx_http_partoo_tryout_item_free(&item);

    s = "{'items':[]}";
    ngx_http_partoo_tryout_test_run("single quotes", s, strlen(s),
                                    NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON,
                                    &item);
    ngx_http_partoo_tryout_item_free(&item);

    /* depth: the top-level object is 1, "items" 2, the item 3 */

    ngx_http_partoo_tryout_test_take("depth 32 is fine",
        ngx_http_partoo_tryout_test_nest("{\"items\":[{\"x\":", "{\"a\":",
            "1", "}", 29, ",\"url\":\"https://a.b\","
            "\"event_type\":\"lead_received\"}]}"),
        NULL, &item);
    ngx_http_partoo_tryout_item_free(&item);

    ngx_http_partoo_tryout_test_take("depth 33 is invalid JSON",
        ngx_http_partoo_tryout_test_nest("{\"items\":[{\"x\":", "{\"a\":",
            "1", "}", 30, ",\"url\":\"https://a.b\","
            "\"event_type\":\"lead_received\"}]}"),
        NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, &item);
    ngx_http_partoo_tryout_item_free(&item);

    ngx_http_partoo_tryout_test_take("arrays 32 deep: shape error",
        ngx_http_partoo_tryout_test_nest("", "[", "", "]", 32, ""),
        NGX_HTTP_PARTOO_TRYOUT_T_NOT_OBJECT, &item);
    ngx_http_partoo_tryout_item_free(&item);

    ngx_http_partoo_tryout_test_take("arrays 33 deep: JSON error first",
        ngx_http_partoo_tryout_test_nest("", "[", "", "]", 33, ""),
        NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, &item);
    ngx_http_partoo_tryout_item_free(&item);

    ngx_http_partoo_tryout_test_take("depth 33 in an ignored item",
        ngx_http_partoo_tryout_test_nest("{\"items\":[{\"url\":\"https://a.b\","
            "\"event_type\":\"lead_received\"},", "[", "", "]", 31, "]}"),
        NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, &item);
    ngx_http_partoo_tryout_item_free(&item);

    /* more brackets than the limit take the exact scan */

    ngx_http_partoo_tryout_test_take("33 sibling arrays are depth 3",
        ngx_http_partoo_tryout_test_repeat("{\"items\":[{\"url\":"
            "\"https://a.b\",\"event_type\":\"lead_received\","
            "\"x\":[[]", ",[]", 32, "]}]}"),
        NULL, &item);
    ngx_http_partoo_tryout_item_free(&item);

    ngx_http_partoo_tryout_test_take("depth 32 and brackets in strings",
        ngx_http_partoo_tryout_test_nest("{\"items\":[{\"x\":", "{\"a\":",
            "\"[[[[[{{{{{\"", "}", 29, ",\"url\":\"https://a.b\","
            "\"event_type\":\"lead_received\"}]}"),
        NULL, &item);
    ngx_http_partoo_tryout_item_free(&item);

    ngx_http_partoo_tryout_test_take("depth 33 and brackets in strings",
        ngx_http_partoo_tryout_test_nest("{\"items\":[{\"x\":", "{\"a\":",
            "\"[[[[[{{{{{\"", "}", 30, ",\"url\":\"https://a.b\","
            "\"event_type\":\"lead_received\"}]}"),
        NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, &item);
    ngx_http_partoo_tryout_item_free(&item);

    ngx_http_partoo_tryout_test_take("brackets after escaped quotes",
        ngx_http_partoo_tryout_test_repeat("{\"items\":[{\"url\":"
            "\"https://a.b\",\"event_type\":\"lead_received\"}],"
            "\"[{\\\"[{\":\"", "\\\"[{", 40, "\"}"),
        NULL, &item);
    ngx_http_partoo_tryout_item_free(&item);

    ngx_http_partoo_tryout_test_take("100000 open brackets",
        ngx_http_partoo_tryout_test_repeat("", "[", 100000, ""),
        NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON, &item);
    ngx_http_partoo_tryout_item_free(&item);

    /* url length: 2048 characters */

    s = ngx_http_partoo_tryout_test_repeat("https://example.com/", "a",
                                           2048 - 20, "");
    if (ngx_http_partoo_tryout_test_take("2048-byte url",
            ngx_http_partoo_tryout_test_body(s, NULL, NULL), NULL, &item))
    {
        ngx_http_partoo_tryout_test_result(item.url_len == 2048
                                           && memcmp(item.url, s, 2048) == 0,
                                           "... url_len 2048", "url_len %d",
                                           (int) item.url_len);
    }
    ngx_http_partoo_tryout_item_free(&item);
    free(s);

    s = ngx_http_partoo_tryout_test_repeat("https://example.com/", "a",
                                           2049 - 20, "");
    ngx_http_partoo_tryout_test_take("2049-byte url",
        ngx_http_partoo_tryout_test_body(s, NULL, NULL),
        NGX_HTTP_PARTOO_TRYOUT_T_FIELDS(
            "'url':'must be at most 2048 characters'"),
        &item);
    ngx_http_partoo_tryout_item_free(&item);
    free(s);

    s = ngx_http_partoo_tryout_test_repeat("http://exa mple.com/", "a",
                                           2049 - 20, "");
    ngx_http_partoo_tryout_test_take("2049-byte http url with a space: "
        "length first", ngx_http_partoo_tryout_test_body(s, NULL, NULL),
        NGX_HTTP_PARTOO_TRYOUT_T_FIELDS(
            "'url':'must be at most 2048 characters'"),
        &item);
    ngx_http_partoo_tryout_item_free(&item);
    free(s);

    /* 2048 code points in 4076 bytes: short enough, but not ASCII */

    s = ngx_http_partoo_tryout_test_repeat("https://example.com/", "\xc3\xa9",
                                           2048 - 20, "");
    ngx_http_partoo_tryout_test_take("2048-character non-ASCII url",
        ngx_http_partoo_tryout_test_body(s, NULL, NULL),
        NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'must be a valid url'"),
        &item);
    ngx_http_partoo_tryout_item_free(&item);
    free(s);

    s = ngx_http_partoo_tryout_test_repeat("https://example.com/", "\xc3\xa9",
                                           2049 - 20, "");
    ngx_http_partoo_tryout_test_take("2049-character non-ASCII url",
        ngx_http_partoo_tryout_test_body(s, NULL, NULL),
        NGX_HTTP_PARTOO_TRYOUT_T_FIELDS(
            "'url':'must be at most 2048 characters'"),
        &item);
    ngx_http_partoo_tryout_item_free(&item);
    free(s);

    /* header name length: 128 characters */

    s = ngx_http_partoo_tryout_test_repeat("X-", "n", 126, "");
    if (ngx_http_partoo_tryout_test_take("128-character name",
            ngx_http_partoo_tryout_test_body("https://a.b", s, "v"), NULL,
            &item))
    {
        ngx_http_partoo_tryout_test_result(item.nheaders == 1
                                           && item.headers[0].name_len == 128,
                                           "... name_len 128", "nheaders %d",
                                           (int) item.nheaders);
    }
    ngx_http_partoo_tryout_item_free(&item);
    free(s);

    s = ngx_http_partoo_tryout_test_repeat("X-", "n", 127, "");
    error = ngx_http_partoo_tryout_test_repeat(
        "{'errors':{'json':{'items':{'0':{'custom_headers':{'", s, 1,
        "':'must be at most 128 characters'}}}}}}");
    ngx_http_partoo_tryout_test_take("129-character name",
        ngx_http_partoo_tryout_test_body("https://a.b", s, "v"), error,
        &item);
    ngx_http_partoo_tryout_item_free(&item);
    free(error);
    free(s);

    s = ngx_http_partoo_tryout_test_repeat("X-Partoo-", "n", 120, "");
    error = ngx_http_partoo_tryout_test_repeat(
        "{'errors':{'json':{'items':{'0':{'custom_headers':{'", s, 1,
        "':'invalid header name'}}}}}}");
    ngx_http_partoo_tryout_test_take("129-character reserved name: pattern "
        "first", ngx_http_partoo_tryout_test_body("https://a.b", s, "v"),
        error, &item);
    ngx_http_partoo_tryout_item_free(&item);
    free(error);
    free(s);

    /* header value length: 512 characters */

    s = ngx_http_partoo_tryout_test_repeat("", "v", 512, "");
    if (ngx_http_partoo_tryout_test_take("512-character value",
            ngx_http_partoo_tryout_test_body("https://a.b", "X-A", s), NULL,
            &item))
    {
        ngx_http_partoo_tryout_test_result(item.nheaders == 1
                                           && item.headers[0].value_len == 512,
                                           "... value_len 512", "nheaders %d",
                                           (int) item.nheaders);
    }
    ngx_http_partoo_tryout_item_free(&item);
    free(s);

    s = ngx_http_partoo_tryout_test_repeat("", "v", 513, "");
    ngx_http_partoo_tryout_test_take("513-character value",
        ngx_http_partoo_tryout_test_body("https://a.b", "X-A", s),
        NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
            "'X-A':'must be at most 512 characters'"),
        &item);
    ngx_http_partoo_tryout_item_free(&item);
    free(s);

    s = ngx_http_partoo_tryout_test_repeat("", "\xc3\xa9", 512, "");
    if (ngx_http_partoo_tryout_test_take("512 two-byte characters",
            ngx_http_partoo_tryout_test_body("https://a.b", "X-A", s), NULL,
            &item))
    {
        ngx_http_partoo_tryout_test_result(item.nheaders == 1
                                           && item.headers[0].value_len == 1024,
                                           "... value_len 1024", "nheaders %d",
                                           (int) item.nheaders);
    }
    ngx_http_partoo_tryout_item_free(&item);
    free(s);

    s = ngx_http_partoo_tryout_test_repeat("", "\\ud83d\\ude00", 512, "");
    if (ngx_http_partoo_tryout_test_take("512 four-byte characters, escaped",
            ngx_http_partoo_tryout_test_body("https://a.b", "X-A", s), NULL,
            &item))
    {
        ngx_http_partoo_tryout_test_result(item.nheaders == 1
                                           && item.headers[0].value_len == 2048,
                                           "... value_len 2048", "nheaders %d",
                                           (int) item.nheaders);
    }
    ngx_http_partoo_tryout_item_free(&item);
    free(s);

    s = ngx_http_partoo_tryout_test_repeat("", "\xe2\x82\xac", 513, "");
    ngx_http_partoo_tryout_test_take("513 three-byte characters",
        ngx_http_partoo_tryout_test_body("https://a.b", "X-A", s),
        NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
            "'X-A':'must be at most 512 characters'"),
        &item);
    ngx_http_partoo_tryout_item_free(&item);
    free(s);

    s = ngx_http_partoo_tryout_test_repeat("\\r\\n", "v", 511, "");
    ngx_http_partoo_tryout_test_take("513 characters with CRLF: length first",
        ngx_http_partoo_tryout_test_body("https://a.b", "X-A", s),
        NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
            "'X-A':'must be at most 512 characters'"),
        &item);
    ngx_http_partoo_tryout_item_free(&item);
    free(s);
}


static void
ngx_http_partoo_tryout_test_headers_in_order(void)
{
    int                             ok;
    char                           *body;
    size_t                          i, len;
    ngx_http_partoo_tryout_item_t   item;

    static const char  *names[] = {
        "X-Zeta", "x-alpha", "X-Partner", "X-Mid", "X-A"
    };

    static const char  *values[] = {
        "z", "", "caf\xc3\xa9", "a\"b\\c", "last value"
    };

    body = ngx_http_partoo_tryout_test_quotes(
        "{'items':[{'custom_headers':{'X-Zeta':'z','x-alpha':'',"
        "'X-Partner':'caf\\u00e9','X-Mid':'a\\'b\\\\c','X-A':'last value'},"
        "'event_type':'message_updated','url':'https://h.example/p'}]}",
        &len);

    if (!ngx_http_partoo_tryout_test_run("valid headers returned in order",
                                         body, len, NULL, &item))
    {
        ngx_http_partoo_tryout_item_free(&item);
        free(body);
        return;
    }

    ok = (item.nheaders == 5
          && item.event == NGX_HTTP_PARTOO_TRYOUT_MESSAGE_UPDATED
          && item.url_len == 19
          && memcmp(item.url, "https://h.example/p", 19) == 0);

    for (i = 0; ok && i < 5; i++) {
        ok = (item.headers[i].name_len == strlen(names[i])
              && memcmp(item.headers[i].name, names[i],
                        item.headers[i].name_len) == 0
              && item.headers[i].value_len == strlen(values[i])
              && memcmp(item.headers[i].value, values[i],
                        item.headers[i].value_len) == 0);
    }

    ngx_http_partoo_tryout_test_result(ok, "... names and values in order",
                                       "header %d differs", (int) i);

    /* the strings live in the document the item holds */

    ok = (item.url == json_string_value(json_object_get(
              json_array_get(json_object_get(item.root, "items"), 0), "url")));

    ngx_http_partoo_tryout_test_result(ok, "url points into item->root", "");

    ngx_http_partoo_tryout_item_free(&item);

    ok = (item.root == NULL && item.error == NULL && item.nheaders == 0);
    ngx_http_partoo_tryout_item_free(&item);

    ngx_http_partoo_tryout_test_result(ok, "item_free resets the item", "");

    free(body);
}


static void
ngx_http_partoo_tryout_test_odd_keys(void)
{
    char                           *body;
    size_t                          len;
    json_t                         *doc, *headers;
    ngx_http_partoo_tryout_item_t   item;

    /* a name echoed as an error key is escaped by jansson */

    body = ngx_http_partoo_tryout_test_quotes(NGX_HTTP_PARTOO_TRYOUT_T_ITEM(
        "{'X-\\'q\\u0001':'1','X-\\\\\\u001f':'2','X-/\\u007f':'3',"
        "'\\u2028':'4'}"), &len);

    ngx_http_partoo_tryout_test_run("odd names come out as JSON", body, len,
        NGX_HTTP_PARTOO_TRYOUT_T_HEADERS(
            "'X-\\'q\\u0001':'invalid header name',"
            "'X-\\\\\\u001F':'invalid header name',"
            "'X-/\x7f':'invalid header name',"
            "'\xe2\x80\xa8':'invalid header name'"),
        &item);

    doc = json_loadb(item.error, item.error_len, JSON_REJECT_DUPLICATES, NULL);

    headers = json_object_get(json_object_get(json_object_get(json_object_get(
                  json_object_get(doc, "errors"), "json"), "items"), "0"),
                  "custom_headers");

    ngx_http_partoo_tryout_test_result(json_object_size(headers) == 4
        && json_is_string(json_object_get(headers, "X-\"q\x01"))
        && json_is_string(json_object_get(headers, "X-\\\x1f"))
        && json_is_string(json_object_get(headers, "\xe2\x80\xa8")),
        "odd names parse back", "");

    json_decref(doc);
    ngx_http_partoo_tryout_item_free(&item);
    free(body);
}


static void
ngx_http_partoo_tryout_test_events(void)
{
    int          ok, i;
    const char  *name;

    ok = 1;

    for (i = 0; i < NGX_HTTP_PARTOO_TRYOUT_NEVENTS; i++) {
        name = ngx_http_partoo_tryout_event_name(i);
        ok = ok && name != NULL
             && ngx_http_partoo_tryout_event_lookup(name, strlen(name)) == i;
    }

    ok = ok
         && ngx_http_partoo_tryout_event_name(NGX_HTTP_PARTOO_TRYOUT_NEVENTS)
            == NULL
         && ngx_http_partoo_tryout_event_lookup("lead_received", 12) == -1
         && ngx_http_partoo_tryout_event_lookup("", 0) == -1
         && strcmp(ngx_http_partoo_tryout_event_name(
                       NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED),
                   "lead_received") == 0;

    ngx_http_partoo_tryout_test_result(ok, "event names and lookup", "");
}


/*
 * The validator against libcurl, which the thread-pool engine parses the
 * url with: a url libcurl refuses is "must be a valid url", and one the
 * validator passes libcurl takes.  The validator spares libcurl's parse
 * for plain hosts and ports, so the urls are made around those edges:
 * hosts that look like numbers, empty labels, ports out of range or with
 * leading zeros, userinfo and IP literals.
 */

static void
ngx_http_partoo_tryout_test_libcurl_agrees(void)
{
    int                              ok, curl_ok, valid, invalid_url;
    char                             url[128], host[16], *body;
    char                            *expected;
    size_t                           h, s, o, t, i, len, cases;
    CURLU                           *u;
    unsigned long                    seed;
    ngx_http_partoo_tryout_item_t    item;
    ngx_http_partoo_tryout_verdict_e verdict;

    static const char  *schemes[] = { "https", "HTTPS", "http", "hTtP" };
    static const char  *ports[] = { "", ":", ":0", ":1", ":443", ":65535",
                                    ":65536", ":99999", ":0443", ":123456",
                                    ":12a", ":-1", "::1" };
    static const char  *tails[] = { "", "/", "/x?y=1#z", "?q", "#f",
                                    "/%zz/../a", "/a:b@c" };
    static const char  *hosts[] = { "a", "a.b", "example.com", "a-b.c-d",
                                    "A.B", "a..b", "a.", ".a", "a.b.",
                                    "0x7f.1", "127.0.0.1", "999.1.1.1",
                                    "4294967296", "0", "1.2.3", "a.1",
                                    "x0", "0x", "-a", "a-", "localhost",
                                    "u@a.b", "u:p@a.b", "@a.b", "[::1]",
                                    "[::ffff:127.0.0.1]", "a%2eb", "a_b",
                                    "a~b", "a!b", "a$b", "a,b", "a;b",
                                    "a=b", "a+b", "a&b", "a'b", "a(b" };
    static const char   alphabet[] = "abzAZ0179-._:@[]%~";

    u = curl_url();
    if (u == NULL) {
        abort();
    }

    expected = ngx_http_partoo_tryout_test_quotes(
                   NGX_HTTP_PARTOO_TRYOUT_T_FIELDS(
                       "'url':'must be a valid url'"), &len);

    ok = 1;
    cases = 0;
    seed = 20261204;

    for (h = 0; h < sizeof(hosts) / sizeof(hosts[0]) + 400; h++) {

        if (h < sizeof(hosts) / sizeof(hosts[0])) {
            snprintf(host, sizeof(host), "%s", hosts[h]);

        } else {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;

            for (i = 0; i < 1 + (seed >> 60) % 10; i++) {
                seed = seed * 6364136223846793005UL + 1442695040888963407UL;
                host[i] = alphabet[(seed >> 33) % (sizeof(alphabet) - 1)];
            }

            host[i] = '\0';
        }

        for (s = 0; s < sizeof(schemes) / sizeof(schemes[0]); s++) {
            for (o = 0; o < sizeof(ports) / sizeof(ports[0]); o++) {
                for (t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {

                    snprintf(url, sizeof(url), "%s://%s%s%s", schemes[s],
                             host, ports[o], tails[t]);

                    curl_ok = curl_url_set(u, CURLUPART_URL, url,
                                           CURLU_NON_SUPPORT_SCHEME)
                              == CURLUE_OK;

                    body = ngx_http_partoo_tryout_test_body(url, NULL, NULL);
                    verdict = ngx_http_partoo_tryout_validate(
                                  ngx_http_partoo_tryout_test_v, body,
                                  strlen(body), &item);
                    free(body);

                    valid = (verdict == NGX_HTTP_PARTOO_TRYOUT_VALID);
                    invalid_url = (verdict == NGX_HTTP_PARTOO_TRYOUT_INVALID
                                   && item.error_len == len
                                   && memcmp(item.error, expected, len)
                                      == 0);

                    ngx_http_partoo_tryout_item_free(&item);

                    cases++;

                    if ((valid && !curl_ok) || (!curl_ok && !invalid_url)) {
                        if (ok) {
                            printf("# %s: libcurl %s, validator %s\n", url,
                                   curl_ok ? "takes it" : "refuses it",
                                   valid ? "passes it" : "refuses it "
                                   "otherwise");
                        }

                        ok = 0;
                    }
                }
            }
        }
    }

    free(expected);
    curl_url_cleanup(u);

    ngx_http_partoo_tryout_test_result(ok,
        "libcurl and the validator agree on every url made",
        "%zu urls", cases);
}


/*
 * The arena: bodies larger than its first chunk, a single string larger
 * than any chunk so far, and a second item made while the first holds it.
 */

static void
ngx_http_partoo_tryout_test_arena(void)
{
    int                             ok;
    char                           *body, *field;
    ngx_http_partoo_tryout_item_t   item, other;

    field = ngx_http_partoo_tryout_test_repeat(",{\"x\":\"", "y", 1000,
                                               "\",\"z\":[1,2.5,null]}");

    body = ngx_http_partoo_tryout_test_repeat(
        "{\"items\":[{\"url\":\"https://a.b/\","
        "\"event_type\":\"lead_received\"}", field, 200, "]}");
    if (ngx_http_partoo_tryout_test_take("200k body of ignored items", body,
                                         NULL, &item))
    {
        ngx_http_partoo_tryout_test_result(item.url_len == 12
            && memcmp(item.url, "https://a.b/", 12) == 0
            && item.event == NGX_HTTP_PARTOO_TRYOUT_LEAD_RECEIVED,
            "... url and event", "url_len %d", (int) item.url_len);
    }
    ngx_http_partoo_tryout_item_free(&item);

    body = ngx_http_partoo_tryout_test_repeat(
        "{\"items\":[{\"url\":\"http://a.b/\","
        "\"event_type\":\"lead_received\","
        "\"custom_headers\":{\"X-Partoo\":\"1\"}}", field, 200, "]}");
    ngx_http_partoo_tryout_test_take("200k body, field errors", body,
        NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'only HTTPS URLs are supported',"
            "'custom_headers':{'X-Partoo':'invalid header name'}"),
        &item);
    ngx_http_partoo_tryout_item_free(&item);

    free(field);

    body = ngx_http_partoo_tryout_test_repeat(
        "{\"items\":[{\"url\":\"https://a.b/\","
        "\"event_type\":\"lead_received\"}],\"x\":\"", "\\u00e9", 300000,
        "\"}");
    ngx_http_partoo_tryout_test_take("a 600k string", body, NULL, &item);
    ngx_http_partoo_tryout_item_free(&item);

    body = ngx_http_partoo_tryout_test_body("http://a.b", NULL, NULL);
    ngx_http_partoo_tryout_test_take("a small body after large ones", body,
        NGX_HTTP_PARTOO_TRYOUT_T_HTTP_URL, &item);
    ngx_http_partoo_tryout_item_free(&item);

    /* two items alive at once, freed in either order */

    body = ngx_http_partoo_tryout_test_body("https://a.b/1", "X-A", "1");
    ok = ngx_http_partoo_tryout_test_take("first of two items", body, NULL,
                                          &item);

    body = ngx_http_partoo_tryout_test_body("https://a.b/2", "X-B", "2");
    ok = ngx_http_partoo_tryout_test_take("second item, the first kept",
                                          body, NULL, &other)
         && ok;

    ngx_http_partoo_tryout_test_result(ok
        && item.url_len == 13 && memcmp(item.url, "https://a.b/1", 13) == 0
        && item.nheaders == 1 && item.headers[0].value[0] == '1'
        && other.url_len == 13 && memcmp(other.url, "https://a.b/2", 13) == 0
        && other.nheaders == 1 && other.headers[0].value[0] == '2',
        "... both intact", "");

    ngx_http_partoo_tryout_item_free(&item);
    ngx_http_partoo_tryout_item_free(&other);

    body = ngx_http_partoo_tryout_test_body("http://a.b/1", NULL, NULL);
    ngx_http_partoo_tryout_test_take("first of two errors", body,
        NGX_HTTP_PARTOO_TRYOUT_T_HTTP_URL, &item);

    body = ngx_http_partoo_tryout_test_body("https://a.b/2", "X-Partoo", "2");
    ngx_http_partoo_tryout_test_take("second error, the first kept", body,
        NGX_HTTP_PARTOO_TRYOUT_T_HEADERS("'X-Partoo':'invalid header name'"),
        &other);

    ngx_http_partoo_tryout_item_free(&other);

    body = ngx_http_partoo_tryout_test_quotes(
               NGX_HTTP_PARTOO_TRYOUT_T_HTTP_URL, NULL);
    ngx_http_partoo_tryout_test_result(item.error_len == strlen(body)
        && memcmp(item.error, body, item.error_len) == 0,
        "... the first error intact", "");
    free(body);

    ngx_http_partoo_tryout_item_free(&item);
}


/* jansson's allocator fails after a budget: every verdict stays sane */

static long  ngx_http_partoo_tryout_test_budget = -1;


static void *
ngx_http_partoo_tryout_test_malloc(size_t size)
{
    if (ngx_http_partoo_tryout_test_budget == 0) {
        return NULL;
    }

    if (ngx_http_partoo_tryout_test_budget > 0) {
        ngx_http_partoo_tryout_test_budget--;
    }

    return malloc(size);
}


static void
ngx_http_partoo_tryout_test_out_of_memory(void)
{
    int                                  ok, errors, arena;
    long                                 n;
    char                                *body, *expect;
    size_t                               len, expect_len, invalid_len;
    ngx_http_partoo_tryout_item_t        item;
    ngx_http_partoo_tryout_validator_t  *v;
    ngx_http_partoo_tryout_verdict_e     verdict;

    body = ngx_http_partoo_tryout_test_quotes(
        "{'items':[{'url':'http://a.b','event_type':'x',"
        "'custom_headers':{'X-Partoo':'1','Y\\u0001':'2','X-A':3}}]}", &len);
    expect = ngx_http_partoo_tryout_test_quotes(
        NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'only HTTPS URLs are supported',"
            "'event_type':'" NGX_HTTP_PARTOO_TRYOUT_T_ONE_OF "',"
            "'custom_headers':{'X-Partoo':'invalid header name',"
            "'Y\\u0001':'invalid header name','X-A':'must be a string'}"),
        &expect_len);
    invalid_len = sizeof(NGX_HTTP_PARTOO_TRYOUT_T_INVALID_JSON) - 1;

    /*
     * Set over the validators' hooks, the budget counts jansson's every
     * allocation; under a validator made afterwards, the arena's chunks
     * and what jansson allocates outside a parse
     */

    json_set_alloc_funcs(ngx_http_partoo_tryout_test_malloc, free);

    for (arena = 0; arena < 2; arena++) {

    v = ngx_http_partoo_tryout_test_v;

    if (arena) {
        v = ngx_http_partoo_tryout_validator_create();
        if (v == NULL) {
            abort();
        }
    }

    ok = 1;
    errors = 0;

    for (n = 0; n < 1000; n++) {
        ngx_http_partoo_tryout_test_budget = n;

        verdict = ngx_http_partoo_tryout_validate(v, body, len, &item);

        ngx_http_partoo_tryout_test_budget = -1;

        if (verdict == NGX_HTTP_PARTOO_TRYOUT_ERROR) {
            ok = ok && item.error == NULL && item.root == NULL;
            errors++;

        } else if (verdict == NGX_HTTP_PARTOO_TRYOUT_INVALID
                   && item.error_len == expect_len
                   && memcmp(item.error, expect, expect_len) == 0)
        {
            ngx_http_partoo_tryout_item_free(&item);
            break;

        } else {
            /* jansson reports some failures as syntax errors */
            ok = ok && verdict == NGX_HTTP_PARTOO_TRYOUT_INVALID
                 && item.error_len == invalid_len;
        }

        ngx_http_partoo_tryout_item_free(&item);
    }

    ngx_http_partoo_tryout_test_result(ok && n < 1000 && errors > 0,
        arena ? "arena allocation failures answer ERROR or a correct body"
              : "allocation failures answer ERROR or a correct body",
        "ok %d after %ld budgets, %d errors", ok, n, errors);

    if (arena) {
        ngx_http_partoo_tryout_validator_destroy(v);
    }

    }

    json_set_alloc_funcs(malloc, free);

    free(body);
    free(expect);
}


/*
 * The hooks are fit for the process's other users of jansson: what was
 * allocated before them is freed by what allocated it, and the last
 * validator gone puts the functions found back.
 */

static long  ngx_http_partoo_tryout_test_allocated;


static void *
ngx_http_partoo_tryout_test_count_malloc(size_t size)
{
    ngx_http_partoo_tryout_test_allocated++;

    return malloc(size);
}


static void
ngx_http_partoo_tryout_test_count_free(void *p)
{
    ngx_http_partoo_tryout_test_allocated--;

    free(p);
}


static void
ngx_http_partoo_tryout_test_hooks(void)
{
    int                                  ok;
    char                                *body;
    json_t                              *before, *during;
    json_free_t                          f;
    json_malloc_t                        m;
    ngx_http_partoo_tryout_item_t        item;
    ngx_http_partoo_tryout_validator_t  *v, *saved;

    json_set_alloc_funcs(ngx_http_partoo_tryout_test_count_malloc,
                         ngx_http_partoo_tryout_test_count_free);

    before = json_pack("{s:[i,s]}", "a", 1, "another module's");

    v = ngx_http_partoo_tryout_validator_create();
    if (v == NULL) {
        abort();
    }

    json_get_alloc_funcs(&m, &f);

    ngx_http_partoo_tryout_test_result(
        m != ngx_http_partoo_tryout_test_count_malloc
        && f != ngx_http_partoo_tryout_test_count_free,
        "a validator sets its hooks", "");

    saved = ngx_http_partoo_tryout_test_v;
    ngx_http_partoo_tryout_test_v = v;

    body = ngx_http_partoo_tryout_test_body("https://a.b", "X-A", "1");
    ngx_http_partoo_tryout_test_take("valid under the hooks", body, NULL,
                                     &item);

    /* jansson used elsewhere while an item holds the arena */

    during = json_pack("{s:s}", "b", "made while an item is held");
    json_decref(before);

    ngx_http_partoo_tryout_item_free(&item);

    body = ngx_http_partoo_tryout_test_body("http://a.b", "X-Partoo", "1");
    ngx_http_partoo_tryout_test_take("field errors under the hooks", body,
        NGX_HTTP_PARTOO_TRYOUT_T_FIELDS("'url':'only HTTPS URLs are supported',"
            "'custom_headers':{'X-Partoo':'invalid header name'}"),
        &item);
    ngx_http_partoo_tryout_item_free(&item);

    ngx_http_partoo_tryout_test_v = saved;

    ok = json_is_object(during);

    ngx_http_partoo_tryout_validator_destroy(v);

    json_get_alloc_funcs(&m, &f);

    ngx_http_partoo_tryout_test_result(
        m == ngx_http_partoo_tryout_test_count_malloc
        && f == ngx_http_partoo_tryout_test_count_free,
        "the last validator sets the functions found back", "");

    json_decref(during);

    ngx_http_partoo_tryout_test_result(ok
        && ngx_http_partoo_tryout_test_allocated == 0,
        "every allocation freed by its own allocator",
        "%ld left", ngx_http_partoo_tryout_test_allocated);

    json_set_alloc_funcs(malloc, free);
}


int
main(void)
{
    ngx_http_partoo_tryout_test_v = ngx_http_partoo_tryout_validator_create();

    ngx_http_partoo_tryout_test_result(ngx_http_partoo_tryout_test_v != NULL,
                                       "validator_create", "");
    if (ngx_http_partoo_tryout_test_v == NULL) {
        return 1;
    }

    ngx_http_partoo_tryout_test_table();
    ngx_http_partoo_tryout_test_built();
    ngx_http_partoo_tryout_test_headers_in_order();
    ngx_http_partoo_tryout_test_odd_keys();
    ngx_http_partoo_tryout_test_events();
    ngx_http_partoo_tryout_test_libcurl_agrees();
    ngx_http_partoo_tryout_test_arena();
    ngx_http_partoo_tryout_test_out_of_memory();

    ngx_http_partoo_tryout_validator_destroy(ngx_http_partoo_tryout_test_v);
    ngx_http_partoo_tryout_validator_destroy(NULL);

    /* with no validator left */
    ngx_http_partoo_tryout_test_hooks();

    printf("1..%d\n", ngx_http_partoo_tryout_test_count);

    if (ngx_http_partoo_tryout_test_failed) {
        printf("# %d of %d failed\n", ngx_http_partoo_tryout_test_failed,
               ngx_http_partoo_tryout_test_count);
        return 1;
    }

    return 0;
}
