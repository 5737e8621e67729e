/* normalize.c - one ECE request log document (format A, format B, ECS, or an ES hit around any
 * of them) -> struct audit_event: shape detection, fields, URL/path normalization, actor.
 * Knows nothing of output formats; classification is endpoints.c, escalators escalate.c. */
#include "config.h"
#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "ascii.h"
#include "norm_internal.h"
#include "redact.h"

#define LINE_MAX_BYTES (16u << 20)
#define REQUEST_LOGGER "no.found.adminconsole.http.requests"

enum fid {
    F_TS, F_TS2, F_REQUEST_ID, F_METHOD, F_PATH, F_HEADERS, F_PAYLOAD, F_RETURN_CODE, F_ADMIN_ID,
    F_REQ_METHOD, F_REQ_URL, F_REQ_HOST, F_QUERY_PARAMS, F_STATUS_CODE, F_AUTH_USER, F_AUTH_TYPE,
    F_API_KEY_ID, F_ORG_ID, F_CLIENT_IP, F_USER_AGENT, F_REQ_PAYLOAD, F_RESPONSE_TIME, F_REGION,
    F_LOG, F_LOG_LOGGER, F_HTTP, F_URL, F_USER, F_CLIENT, F_SOURCE, F_EVENT, F_ORGANIZATION, F_CLOUD,
    F_E_METHOD, F_E_STATUS, F_E_REQ_ID, F_E_BODY, F_E_URL_PATH, F_E_URL_ORIG, F_E_URL_QUERY,
    F_E_URL_DOMAIN, F_E_URL_PORT, F_E_USER_NAME, F_E_CLIENT_ADDR, F_E_CLIENT_IP, F_E_CLIENT_PORT,
    F_E_SOURCE_IP, F_E_SOURCE_ADDR, F_E_SOURCE_PORT, F_E_UA_ORIG, F_E_ORG_ID, F_E_REGION,
    F_E_DURATION, F_E_CREATED, F_E_INGESTED, F_INDEX, F_ID, F_HIT_SOURCE, F_IGNORED, F__N
};

struct key { const char *name; size_t len; enum fid id; };

#define K(s, f) { s, sizeof(s) - 1, f }
static struct key keys[] = {
    K("@timestamp", F_TS), K("timestamp", F_TS2), K("request_id", F_REQUEST_ID), K("method", F_METHOD),
    K("path", F_PATH), K("headers", F_HEADERS), K("payload", F_PAYLOAD), K("return_code", F_RETURN_CODE),
    K("admin_id", F_ADMIN_ID), K("request_method", F_REQ_METHOD), K("request_url", F_REQ_URL),
    K("request_host", F_REQ_HOST), K("query_parameters", F_QUERY_PARAMS), K("status_code", F_STATUS_CODE),
    K("auth_user", F_AUTH_USER), K("auth_type", F_AUTH_TYPE), K("api_key_id", F_API_KEY_ID),
    K("organization_id", F_ORG_ID), K("client_ip", F_CLIENT_IP), K("user_agent", F_USER_AGENT),
    K("request_payload", F_REQ_PAYLOAD), K("response_time", F_RESPONSE_TIME), K("region", F_REGION),
    K("log", F_LOG), K("log.logger", F_LOG_LOGGER), K("http", F_HTTP), K("url", F_URL), K("user", F_USER),
    K("client", F_CLIENT), K("source", F_SOURCE), K("event", F_EVENT), K("organization", F_ORGANIZATION),
    K("cloud", F_CLOUD), K("http.request.method", F_E_METHOD), K("http.response.status_code", F_E_STATUS),
    K("http.request.id", F_E_REQ_ID), K("http.request.body.content", F_E_BODY), K("url.path", F_E_URL_PATH),
    K("url.original", F_E_URL_ORIG), K("url.query", F_E_URL_QUERY), K("url.domain", F_E_URL_DOMAIN),
    K("url.port", F_E_URL_PORT), K("user.name", F_E_USER_NAME), K("client.address", F_E_CLIENT_ADDR),
    K("client.ip", F_E_CLIENT_IP), K("client.port", F_E_CLIENT_PORT), K("source.ip", F_E_SOURCE_IP),
    K("source.address", F_E_SOURCE_ADDR), K("source.port", F_E_SOURCE_PORT),
    K("user_agent.original", F_E_UA_ORIG), K("organization.id", F_E_ORG_ID), K("cloud.region", F_E_REGION),
    K("event.duration", F_E_DURATION), K("event.created", F_E_CREATED), K("event.ingested", F_E_INGESTED),
    K("_index", F_INDEX), K("_id", F_ID), K("_source", F_HIT_SOURCE),
    K("trace.id", F_IGNORED), K("transaction.id", F_IGNORED), K("span.id", F_IGNORED),
};
#undef K
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static pthread_once_t keys_once = PTHREAD_ONCE_INIT;

/* Order by length, then bytes: most probes end at the length test. */
static int key_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    if (al != bl)
        return al < bl ? -1 : 1;
    return memcmp(a, b, al);
}

static int key_qcmp(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    return key_cmp(x->name, x->len, y->name, y->len);
}

static void keys_init(void)
{
    qsort(keys, N_KEYS, sizeof(keys[0]), key_qcmp);
}

static int key_find(const char *k, size_t n)
{
    size_t lo = 0, hi = N_KEYS;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = key_cmp(k, n, keys[mid].name, keys[mid].len);
        if (c == 0)
            return (int)keys[mid].id;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

struct doc {
    struct jnode *root;
    struct jnode *f[F__N];
    bool other_dotted; /* a dotted key we do not know: resolve ECS names the slow way */
};

/* One pass over the members (null ones are skipped by jit_next: null is absent). */
static void gather(struct doc *d, struct jnode *root)
{
    struct jit it;
    const char *k;
    struct jnode *v;

    memset(d, 0, sizeof(*d));
    d->root = root;
    jit_init(&it, root);
    while (jit_next(&it, &k, &v)) {
        size_t kl = strlen(k);
        int id = key_find(k, kl);
        if (id >= 0)
            d->f[id] = v;
        else if (memchr(k, '.', kl))
            d->other_dotted = true;
    }
}

/* ECS field: literal dotted key, nested under its root, or any mix. */
static struct jnode *ecs(const struct doc *d, enum fid lit, enum fid root, const char *rest, const char *full)
{
    struct jnode *v = d->f[lit];

    if (v != NULL)
        return v;
    if (d->f[root] != NULL && (v = jv_path(d->f[root], rest)) != NULL)
        return v;
    return d->other_dotted ? jv_path(d->root, full) : NULL;
}

/* A string value; NULL for absent, non-strings and the sentinels "unknown", "-", "". */
static const char *sval(struct jnode *n, size_t *len)
{
    const char *s = jv_str(n, len);

    if (s == NULL || *len == 0 || (*len == 1 && s[0] == '-') ||
        (*len == 7 && memcmp(s, "unknown", 7) == 0))
        return NULL;
    return s;
}

static bool set_str(struct audit_event *ev, const char **field, struct jnode *n)
{
    size_t len;
    const char *s = sval(n, &len);

    if (s == NULL)
        return false;
    ev_setn(ev, field, s, len);
    return *field != NULL;
}

static void set_src(struct audit_event *ev, const char *s, size_t n)
{
    const char *h;
    size_t hl;
    int port;

    split_hostport(s, n, &h, &hl, &port);
    if (hl == 0 || ev_setn(ev, &ev->src_ip, h, hl) != 0)
        return;
    if (port)
        ev->src_port = port;
}

struct outb {
    char *p;
    size_t n, cap;
};

static void put(struct outb *o, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (n > o->cap - 1 - o->n)
        n = o->cap - 1 - o->n;
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = '\0';
}

/* Path and URL fields: ev->path (no /api/v1, no region prefix, tokens redacted, percent-encoding
 * kept as logged), ev->url (as logged minus userinfo, redacted), ev->query (redacted). */
static void set_request(struct audit_event *ev, const struct url *u, const char *q, size_t ql)
{
    char buf[EV_FIELD_MAX];
    struct outb o = { buf, 0, sizeof(buf) };
    const char *p, *e;
    size_t qs = 0;

    buf[0] = '\0';
    if (u->scheme) {
        put(&o, u->scheme, u->scheme_l);
        put(&o, "://", 3);
    }
    put(&o, u->auth, u->auth_l);
    p = buf + o.n;
    o.n += redact_path(u->path, u->path_l, buf + o.n, sizeof(buf) - o.n);
    e = buf + o.n;
    if (ql > 0 && o.n + 2 < sizeof(buf)) {
        put(&o, "?", 1);
        qs = o.n;
        o.n += redact_query(q, ql, buf + o.n, sizeof(buf) - o.n);
        ev_setn(ev, &ev->query, buf + qs, o.n - qs);
    }
    ev_setn(ev, &ev->url, buf, o.n);

    /* the normalized path is the redacted one minus /api/v1 and /regions/{region_id} */
    if (e - p >= 7 && memcmp(p, "/api/v1", 7) == 0 && (e - p == 7 || p[7] == '/')) {
        p += 7;
        if (e - p > 9 && memcmp(p, "/regions/", 9) == 0) {
            const char *r = p + 9, *re = memchr(r, '/', (size_t)(e - r));
            char dec[256];
            if (re == NULL)
                re = e;
            if (re > r) {
                size_t dl = pct_decode(r, (size_t)(re - r), dec, sizeof(dec));
                ev_setn(ev, &ev->region, dec, dl);
                p = re;
            }
        }
    }
    if (p == e)
        ev_setn(ev, &ev->path, "/", 1);
    else
        ev_setn(ev, &ev->path, p, (size_t)(e - p));
}

static int set_method(struct audit_event *ev, const char *s, size_t n)
{
    char m[16];

    if (n == 0 || n >= sizeof(m))
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c < 'A' || c > 'Z')
            return -1;
        m[i] = c;
    }
    return ev_setn(ev, &ev->method, m, n);
}

static bool parse_ts(struct jnode *n, int64_t *ms)
{
    size_t len;
    const char *s = jv_str(n, &len);

    if (s == NULL) /* epoch_millis */
        return n != NULL && jnode_type(n) == JT_NUMBER && jv_i64(n, ms);
    if (strlen(s) != len)
        return false; /* embedded NUL */
    if (ev_parse_time(s, ms) == 0)
        return true;
    return len >= 10 && len <= 16 && jv_i64(n, ms); /* "1794009600000" */
}

static void id_for_msg(const struct doc *hit, char out[80])
{
    size_t len, i;
    const char *s = jv_str(hit ? hit->f[F_ID] : NULL, &len);

    out[0] = '\0';
    if (s == NULL)
        return;
    memcpy(out, " (_id ", 6);
    for (i = 0; i < len && i < 64; i++)
        out[6 + i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    out[6 + i] = ')';
    out[7 + i] = '\0';
}

static void set_endpoints(struct audit_event *ev, const struct doc *d, const struct hdrs *h)
{
    const char *s;
    size_t n;
    int64_t v;

    /* source address: X-Forwarded-For first hop (A), client_ip (B), client/source (ECS) */
    if (h->xff) {
        const char *c = memchr(h->xff, ',', h->xff_l);
        set_src(ev, h->xff, c ? (size_t)(c - h->xff) : h->xff_l);
    }
    if (!ev->src_ip && h->xri)
        set_src(ev, h->xri, h->xri_l);
    if (!ev->src_ip && (s = sval(d->f[F_CLIENT_IP], &n)) != NULL)
        set_src(ev, s, n);
    if (!ev->src_ip) {
        struct jnode *a = ecs(d, F_E_CLIENT_ADDR, F_CLIENT, "address", "client.address");
        if (a == NULL)
            a = ecs(d, F_E_CLIENT_IP, F_CLIENT, "ip", "client.ip");
        if (a == NULL)
            a = ecs(d, F_E_SOURCE_IP, F_SOURCE, "ip", "source.ip");
        if (a == NULL)
            a = ecs(d, F_E_SOURCE_ADDR, F_SOURCE, "address", "source.address");
        if ((s = sval(a, &n)) != NULL)
            set_src(ev, s, n);
        if (ev->src_ip && ev->src_port == 0 &&
            (jv_i64(ecs(d, F_E_CLIENT_PORT, F_CLIENT, "port", "client.port"), &v) ||
             jv_i64(ecs(d, F_E_SOURCE_PORT, F_SOURCE, "port", "source.port"), &v)) &&
            v > 0 && v < 65536)
            ev->src_port = (int)v;
    }
    if (h->ua)
        ev_setn(ev, &ev->user_agent, h->ua, h->ua_l);
    else if (!set_str(ev, &ev->user_agent, d->f[F_USER_AGENT]))
        set_str(ev, &ev->user_agent, ecs(d, F_E_UA_ORIG, F_USER_AGENT, "original", "user_agent.original"));
}

static void set_dest(struct audit_event *ev, const struct doc *d, const struct url *u, const struct hdrs *h)
{
    const char *hs;
    size_t hl, n;
    int port = 0;
    int64_t v;

    if (u->auth_l > 0)
        split_hostport(u->auth, u->auth_l, &hs, &hl, &port);
    else if (h->host)
        split_hostport(h->host, h->host_l, &hs, &hl, &port);
    else if ((hs = sval(d->f[F_REQ_HOST], &n)) != NULL)
        hl = n;
    else if ((hs = sval(ecs(d, F_E_URL_DOMAIN, F_URL, "domain", "url.domain"), &n)) != NULL)
        hl = n;
    else
        return;
    ev_setn(ev, &ev->dest_host, hs, hl);
    if (port == 0 && jv_i64(ecs(d, F_E_URL_PORT, F_URL, "port", "url.port"), &v) && v > 0 && v < 65536)
        port = (int)v;
    ev->dest_port = port;
}

static enum norm_result norm_root(struct norm_ctx *nc, struct jnode *root, struct audit_event *ev, struct err *err)
{
    struct doc top, src;
    const struct doc *d = &top, *hit = NULL;
    struct jnode *method, *urln, *qn, *body, *logger;
    struct url u;
    struct hdrs h;
    struct ep_match m;
    struct payload pl;
    char idm[80];
    const char *s, *q = NULL;
    size_t n, ql = 0;
    int64_t v;

    pthread_once(&keys_once, keys_init);
    ev_reset(ev);
    if (!jv_is_obj(root)) {
        err_set(err, ERR_PARSE, "document is not a JSON object");
        return NORM_MALFORMED;
    }
    gather(&top, root);
    if (top.f[F_HIT_SOURCE] != NULL) {
        hit = &top;
        id_for_msg(hit, idm);
        if (!jv_is_obj(top.f[F_HIT_SOURCE])) {
            err_set(err, ERR_PARSE, "hit _source is not an object%s", idm);
            return NORM_MALFORMED;
        }
        gather(&src, top.f[F_HIT_SOURCE]);
        d = &src;
    } else if (top.f[F_INDEX] != NULL && top.f[F_ID] != NULL) {
        id_for_msg(&top, idm);
        err_set(err, ERR_PARSE, "hit has no _source%s", idm);
        return NORM_MALFORMED;
    } else {
        idm[0] = '\0';
    }

    logger = d->f[F_LOG_LOGGER] ? d->f[F_LOG_LOGGER] : jv_get(d->f[F_LOG], "logger");
    if ((s = jv_str(logger, &n)) != NULL && !(n == sizeof(REQUEST_LOGGER) - 1 && memcmp(s, REQUEST_LOGGER, n) == 0))
        return NORM_SKIP;
    if (d->f[F_METHOD] != NULL) {
        ev->shape = SHAPE_PROXY;
        method = d->f[F_METHOD];
        urln = d->f[F_PATH];
    } else if (d->f[F_REQ_METHOD] != NULL) {
        ev->shape = SHAPE_ADMINCONSOLE;
        method = d->f[F_REQ_METHOD];
        urln = d->f[F_REQ_URL];
    } else if ((method = ecs(d, F_E_METHOD, F_HTTP, "request.method", "http.request.method")) != NULL) {
        ev->shape = SHAPE_ECS;
        urln = ecs(d, F_E_URL_ORIG, F_URL, "original", "url.original");
        if (urln == NULL)
            urln = ecs(d, F_E_URL_PATH, F_URL, "path", "url.path");
    } else {
        return NORM_SKIP;
    }
    if ((s = jv_str(method, &n)) == NULL || set_method(ev, s, n) != 0) {
        err_set(err, ERR_PARSE, "request method is not a method name%s", idm);
        return NORM_MALFORMED;
    }
    if (!parse_ts(d->f[F_TS], &ev->ts_ms) && !parse_ts(d->f[F_TS2], &ev->ts_ms) &&
        !parse_ts(ecs(d, F_E_CREATED, F_EVENT, "created", "event.created"), &ev->ts_ms) &&
        !parse_ts(ecs(d, F_E_INGESTED, F_EVENT, "ingested", "event.ingested"), &ev->ts_ms)) {
        err_set(err, ERR_PARSE, "no usable timestamp (@timestamp missing or invalid)%s", idm);
        return NORM_MALFORMED;
    }
    if ((s = jv_str(urln, &n)) == NULL || n == 0) {
        err_set(err, ERR_PARSE, "request has no path/url%s", idm);
        return NORM_MALFORMED;
    }
    parse_url(&u, s, n);
    if (u.query) {
        q = u.query;
        ql = u.query_l;
    } else {
        qn = ev->shape == SHAPE_ECS ? ecs(d, F_E_URL_QUERY, F_URL, "query", "url.query") : d->f[F_QUERY_PARAMS];
        if ((q = jv_str(qn, &ql)) != NULL && ql > 0 && q[0] == '?') {
            q++;
            ql--;
        }
    }
    set_request(ev, &u, q, ql);
    if (!ev->region && !set_str(ev, &ev->region, d->f[F_REGION]))
        set_str(ev, &ev->region, ecs(d, F_E_REGION, F_CLOUD, "region", "cloud.region"));
    parse_headers(&h, d->f[F_HEADERS]);
    set_dest(ev, d, &u, &h);
    set_endpoints(ev, d, &h);

    if ((jv_i64(d->f[F_RETURN_CODE], &v) || jv_i64(d->f[F_STATUS_CODE], &v) ||
         jv_i64(ecs(d, F_E_STATUS, F_HTTP, "response.status_code", "http.response.status_code"), &v)) &&
        v >= 100 && v <= 599)
        ev->status = (int)v;
    if (jv_i64(d->f[F_RESPONSE_TIME], &v) && v >= 0)
        ev->duration_ms = v;
    else if (jv_i64(ecs(d, F_E_DURATION, F_EVENT, "duration", "event.duration"), &v) && v >= 0)
        ev->duration_ms = v / 1000000;
    if (!set_str(ev, &ev->request_id, d->f[F_REQUEST_ID]))
        set_str(ev, &ev->request_id, ecs(d, F_E_REQ_ID, F_HTTP, "request.id", "http.request.id"));
    if (hit) {
        size_t il;
        const char *ix = jv_str(hit->f[F_INDEX], &il), *id = jv_str(hit->f[F_ID], &n);
        if (id && ix)
            ev_setf(ev, &ev->dedup_key, "%.*s/%.*s", (int)(il > 1024 ? 1024 : il), ix, (int)(n > 1024 ? 1024 : n), id);
        else if (id)
            ev_setn(ev, &ev->dedup_key, id, n);
    }
    if (!ev->dedup_key)
        ev->dedup_key = ev->request_id;

    if (!set_str(ev, &ev->user, d->f[F_ADMIN_ID]) && !set_str(ev, &ev->user, d->f[F_AUTH_USER]))
        set_str(ev, &ev->user, ecs(d, F_E_USER_NAME, F_USER, "name", "user.name"));
    set_str(ev, &ev->auth_type, d->f[F_AUTH_TYPE]);
    set_str(ev, &ev->api_key_id, d->f[F_API_KEY_ID]);
    if (!set_str(ev, &ev->org_id, d->f[F_ORG_ID]))
        set_str(ev, &ev->org_id, ecs(d, F_E_ORG_ID, F_ORGANIZATION, "id", "organization.id"));

    endpoints_match(ev, &m);
    body = d->f[F_PAYLOAD];
    if (body == NULL)
        body = d->f[F_REQ_PAYLOAD];
    if (body == NULL)
        body = ecs(d, F_E_BODY, F_HTTP, "request.body.content", "http.request.body.content");
    pl.root = NULL;
    if (body != NULL && (m.esc != ESC_NONE || (!ev->user && (m.flags & EPF_LOGIN))))
        payload_load(&pl, body, norm_doc(nc, NORM_DOC_PAYLOAD));
    if (!ev->user && (m.flags & EPF_LOGIN))
        set_str(ev, &ev->user, payload_get(pl.root, "username"));
    escalate(nc, ev, &m, &pl, q, q ? ql : 0);
    apply_status(ev, &m);
    payload_release(&pl);
    return NORM_OK;
}

enum norm_result normalize_doc(struct norm_ctx *nc, struct jnode *doc, struct audit_event *ev, struct err *err)
{
    if (doc == NULL) {
        ev_reset(ev);
        err_set(err, ERR_PARSE, "document is not a JSON object");
        return NORM_MALFORMED;
    }
    return norm_root(nc, doc, ev, err);
}


/* jdoc rejected the line: json-c words the error. Should json-c accept it all the same,
 * its own serialization of the document is normalized (the two parsers never disagree on the
 * fuzzed corpus; this keeps a disagreement from turning a document into a malformed one). */
static enum norm_result line_fallback(struct norm_ctx *nc, const char *line, size_t len, size_t i,
                                      struct audit_event *ev, struct err *err)
{
    struct json_tokener *tk = norm_tokener(nc);
    struct json_object *o;
    enum json_tokener_error je;
    enum norm_result rc = NORM_MALFORMED;
    size_t end;

    json_tokener_reset(tk);
    o = json_tokener_parse_ex(tk, line + i, (int)(len - i));
    je = json_tokener_get_error(tk);
    end = i + json_tokener_get_parse_end(tk);
    if (o != NULL) {
        while (end < len && ascii_is_json_ws((unsigned char)line[end]))
            end++;
        if (end == len) {
            const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                    JSON_C_TO_STRING_NOSLASHESCAPE);
            struct jnode *root = jdoc_parse(norm_doc(nc, NORM_DOC_LINE), txt, strlen(txt), NULL);
            if (root != NULL)
                rc = norm_root(nc, root, ev, err);
            else
                err_set(err, ERR_PARSE, "not JSON: rejected by the strict reader");
        } else {
            err_set(err, ERR_PARSE, "not JSON: data after the object at byte %zu", end);
        }
        json_object_put(o);
    } else if (je == json_tokener_error_depth) {
        err_set(err, ERR_PARSE, "not JSON: nested deeper than %d levels", NORM_DEPTH_MAX);
    } else if (je == json_tokener_continue) {
        err_set(err, ERR_PARSE, "not JSON: document ends inside the object");
    } else {
        err_set(err, ERR_PARSE, "not JSON: %s at byte %zu", json_tokener_error_desc(je), end);
    }
    if (rc == NORM_MALFORMED)
        ev_reset(ev);
    return rc;
}

enum norm_result normalize_line(struct norm_ctx *nc, const char *line, size_t len, struct audit_event *ev, struct err *err)
{
    struct jnode *root;
    size_t i = 0;

    if (len > LINE_MAX_BYTES) {
        ev_reset(ev);
        err_set(err, ERR_PARSE, "document too large (%zu bytes)", len);
        return NORM_MALFORMED;
    }
    while (i < len && ascii_is_json_ws((unsigned char)line[i]))
        i++;
    if (i == len || line[i] != '{') {
        ev_reset(ev);
        err_set(err, ERR_PARSE, "document is not a JSON object");
        return NORM_MALFORMED;
    }
    root = jdoc_parse(norm_doc(nc, NORM_DOC_LINE), line + i, len - i, NULL);
    if (root == NULL)
        return line_fallback(nc, line, len, i, ev, err);
    return norm_root(nc, root, ev, err);
}
