/*
 * The tryout endpoint as an nginx operator would script it with njs 0.7.9
 * (Debian's libnginx-mod-http-js): js_content + ngx.fetch.  It is the peer
 * of the module in bench/run, doing the same work per request: API key
 * digest lookup, JSON validation, the payload document, a signature, the
 * HTTPS POST, the JSON answer.
 *
 * njs 0.7.9's WebCrypto has no Ed25519, so the peer signs with ECDSA P-256
 * (a signature of the same order of cost) and imports the key per request:
 * njs cannot keep an imported key between requests.
 */

var fs = require('fs');
var nodecrypto = require('crypto');

var DIR = process.env.BENCH_DIR;
var KEYS = {};
var SIGNING_KEY = fs.readFileSync(DIR + '/njs-signing.pkcs8').toString();

/* the payload object the module gets from partoo_tryout_default_payload */
var PAYLOAD = fs.readFileSync(DIR + '/payload.json').toString().trim();

JSON.parse(fs.readFileSync(DIR + '/keys.json')).keys.forEach(function (k) {
    KEYS[k.key_sha256] = k;
});

var EVENTS = ['business_created', 'business_updated', 'business_deleted',
              'message_updated', 'message_created', 'lead_received'];

var NAME_RE = /^[Xx]-(?![Pp][Aa][Rr][Tt][Oo][Oo])[^ ()<>@,;:\\"\/\[\]?={}]*$/;

function send(r, status, doc) {
    r.headersOut['Content-Type'] = 'application/json';
    r.return(status, typeof doc === 'string' ? doc : JSON.stringify(doc));
}

function validate(item) {
    var errors = {};
    var url = item.url;
    var h = item.custom_headers;

    if (url === undefined) {
        errors.url = 'is required';
    } else if (typeof url !== 'string') {
        errors.url = 'must be a string';
    } else if (url.length > 2048) {
        errors.url = 'must be at most 2048 characters';
    } else if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\/\s]+[^\s]*$/.test(url)) {
        errors.url = 'must be a valid url';
    } else if (!/^https:/i.test(url)) {
        errors.url = 'only HTTPS URLs are supported';
    }

    if (item.event_type === undefined) {
        errors.event_type = 'is required';
    } else if (typeof item.event_type !== 'string') {
        errors.event_type = 'must be a string';
    } else if (EVENTS.indexOf(item.event_type) < 0) {
        errors.event_type = 'must be one of: ' + EVENTS.join(', ');
    }

    if (h !== undefined && h !== null) {
        if (typeof h !== 'object' || Array.isArray(h)) {
            errors.custom_headers = 'must be an object';
        } else if (Object.keys(h).length > 5) {
            errors.custom_headers = 'must have at most 5 headers';
        } else {
            var he = {};
            Object.keys(h).forEach(function (name) {
                var v = h[name];
                if (!NAME_RE.test(name) || /[^\x21-\x7e]/.test(name)) {
                    he[name] = 'invalid header name';
                } else if (name.length > 128) {
                    he[name] = 'must be at most 128 characters';
                } else if (typeof v !== 'string') {
                    he[name] = 'must be a string';
                } else if (v.length > 512) {
                    he[name] = 'must be at most 512 characters';
                } else if (/[\x00-\x1f\x7f]/.test(v)) {
                    he[name] = 'must not contain control characters';
                }
            });
            if (Object.keys(he).length) {
                errors.custom_headers = he;
            }
        }
    }

    return Object.keys(errors).length ? errors : null;
}

function b64(buf) {
    return Buffer.from(buf).toString('base64');
}

async function tryout(r) {
    var key, doc, item, errors, payload, sig, reply, start, result;

    if (r.method !== 'POST') {
        r.headersOut['Allow'] = 'POST';
        return send(r, 405, '{"errors":{"json":"method not allowed"}}');
    }

    key = r.headersIn['x-apikey'];
    if (!key
        || !KEYS[nodecrypto.createHash('sha256').update(key).digest('hex')])
    {
        return send(r, 401,
                    '{"errors":{"authentication":"User not authenticated"}}');
    }

    if (!/^application\/json\s*(;|$)/i.test(r.headersIn['Content-Type']
                                            || ''))
    {
        return send(r, 415, '{"errors":{"json":"Unsupported media type. '
                            + 'Please use application/json"}}');
    }

    try {
        doc = JSON.parse(r.requestText || '');
    } catch (e) {
        return send(r, 400, '{"errors":{"json":"invalid JSON body"}}');
    }

    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
        return send(r, 400, '{"errors":{"json":"must be an object"}}');
    }

    if (!Array.isArray(doc.items)) {
        return send(r, 400, {errors: {json: {items: doc.items === undefined
                                                    ? 'is required'
                                                    : 'must be a list'}}});
    }

    item = doc.items[0];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        return send(r, 400, {errors: {json: {items: {'0':
                                                     'must be an object'}}}});
    }

    errors = validate(item);
    if (errors) {
        return send(r, 400, {errors: {json: {items: {'0': errors}}}});
    }

    payload = '{"type":' + JSON.stringify(item.event_type) + ',"payload":'
              + PAYLOAD + '}';

    key = await crypto.subtle.importKey('pkcs8',
                                        Buffer.from(SIGNING_KEY, 'base64'),
                                        {name: 'ECDSA', namedCurve: 'P-256'},
                                        false, ['sign']);
    sig = await crypto.subtle.sign({name: 'ECDSA', hash: 'SHA-256'}, key,
                                   payload);

    var headers = {'Content-Type': 'application/json',
                   'User-Agent': 'Partoo-Webhooks-Tryout/1.0',
                   'X-Partoo-Webhook-Tryout': 'true',
                   'X-Partoo-Signature-v1': b64(sig)};

    Object.keys(item.custom_headers || {}).forEach(function (name) {
        headers[name] = item.custom_headers[name];
    });

    start = Date.now();
    result = {payload: JSON.parse(payload), event_type: item.event_type,
              url: item.url, status: 'error', response_status: null,
              error: null, duration_ms: 0};

    try {
        reply = await ngx.fetch(item.url, {method: 'POST', body: payload,
                                           headers: headers});
        result.response_status = reply.status;
        result.status = reply.ok ? 'success' : 'error';
        result.error = reply.ok ? null : 'http_status';

    } catch (e) {
        result.error = 'connection_failed';
    }

    result.duration_ms = Date.now() - start;

    send(r, 200, {items: [result]});
}

export default {tryout};
