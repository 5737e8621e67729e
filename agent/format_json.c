/* format_json.c - struct audit_event -> one JSON object (ECS field names, nested objects),
 * hand-written for the hot path: no json-c, no allocation per field. Absent values and
 * objects that would stay empty are left out. Knows nothing of syslog or sockets. */
#include "config.h"
#include <string.h>
#include "format.h"
#include "format_int.h"

#define JW_DEPTH 6

/* A writer that opens objects lazily: an object that received no member is removed again. */
struct jw {
    struct strbuf *sb;
    int depth;
    bool first[JW_DEPTH];
    bool outer_first[JW_DEPTH];
    size_t mark[JW_DEPTH];
};

static const char hex[] = "0123456789abcdef";

/* RFC 8259 section 7: '"', '\' and U+0000..U+001F are escaped; so is DEL (legal raw, but
 * syslog relays rewrite it); UTF-8 stays raw.
 * Writes [","] [key] "string" in one reservation. */
static void json_write(struct strbuf *sb, bool comma, const char *key, size_t keylen, const char *s)
{
    size_t n = strlen(s), fixed = comma + keylen + 2, worst = fixed + 6 * n, o = 0;
    char *p;

    if (worst > sb->cap - sb->len) {
        worst = fixed + n;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            worst += c == '"' || c == '\\' ? 1 : c < 0x20 || c == 0x7F ? 5 : 0;
        }
    }
    p = fmt_reserve(sb, worst);
    if (p == NULL)
        return;
    if (comma)
        p[o++] = ',';
    if (keylen > 0)
        memcpy(p + o, key, keylen);
    o += keylen;
    p[o++] = '"';
    for (size_t i = 0; i < n; i++) {
        size_t run = fmt_plain_run((const unsigned char *)s + i, n - i, '"', '\\', '"');
        unsigned char c;
        memcpy(p + o, s + i, run);
        o += run;
        i += run;
        if (i >= n)
            break;
        c = (unsigned char)s[i];
        p[o++] = '\\';
        switch (c) {
        case '"':
        case '\\':
            p[o++] = (char)c;
            break;
        case '\n':
            p[o++] = 'n';
            break;
        case '\r':
            p[o++] = 'r';
            break;
        case '\t':
            p[o++] = 't';
            break;
        default:
            memcpy(p + o, "u00", 3);
            p[o + 3] = hex[c >> 4];
            p[o + 4] = hex[c & 15];
            o += 5;
            break;
        }
    }
    p[o++] = '"';
    fmt_commit(sb, o);
}

static void json_string(struct strbuf *sb, const char *s)
{
    json_write(sb, false, NULL, 0, s);
}

/* Is a comma needed before the next member? (and there is one from now on) */
static bool jw_comma(struct jw *w)
{
    bool comma = !w->first[w->depth];
    w->first[w->depth] = false;
    return comma;
}

/* @p key is the quoted key with its colon: "\"name\":"; @p tail is appended unless NUL. */
static void jw_key(struct jw *w, const char *key, size_t keylen, char tail)
{
    bool comma = jw_comma(w);
    char *p = fmt_reserve(w->sb, comma + keylen + (tail != '\0'));
    size_t o = 0;

    if (p == NULL)
        return;
    if (comma)
        p[o++] = ',';
    memcpy(p + o, key, keylen);
    o += keylen;
    if (tail != '\0')
        p[o++] = tail;
    fmt_commit(w->sb, o);
}

static void jw_open(struct jw *w, const char *key, size_t keylen)
{
    size_t mark = w->sb->len;
    bool first = w->first[w->depth];

    jw_key(w, key, keylen, '{');
    w->depth++;
    w->mark[w->depth] = mark;
    w->outer_first[w->depth] = first;
    w->first[w->depth] = true;
}

static void jw_close(struct jw *w)
{
    if (w->first[w->depth]) {
        /* nothing inside: drop ",\"key\":{" and restore the parent's state */
        strbuf_truncate(w->sb, w->mark[w->depth]);
        w->first[w->depth - 1] = w->outer_first[w->depth];
    } else {
        strbuf_addc(w->sb, '}');
    }
    w->depth--;
}

static void jw_str(struct jw *w, const char *key, size_t keylen, const char *val)
{
    if (val == NULL || *val == '\0')
        return;
    json_write(w->sb, jw_comma(w), key, keylen, val);
}

static void jw_num(struct jw *w, const char *key, size_t keylen, int64_t v)
{
    if (jw_comma(w))
        strbuf_addc(w->sb, ',');
    fmt_key_num(w->sb, key, keylen, v);
}

static void jw_time(struct jw *w, const char *key, size_t keylen, int64_t ms)
{
    char ts[24];
    size_t n = fmt_rfc3339(ms, ts);

    if (n == 0)
        return;
    jw_key(w, key, keylen, '"');
    strbuf_add(w->sb, ts, n);
    strbuf_addc(w->sb, '"');
}

#define K(k)          "\"" k "\":", sizeof("\"" k "\":") - 1
#define OPEN(w, k)    jw_open((w), K(k))
#define STR(w, k, v)  jw_str((w), K(k), (v))
#define NUM(w, k, v)  jw_num((w), K(k), (v))
#define TIME(w, k, v) jw_time((w), K(k), (v))

static void event_obj(struct jw *w, const struct audit_event *ev, bool alert)
{
    OPEN(w, "event");
    STR(w, "kind", alert ? "alert" : "event");
    STR(w, "module", "ece");
    STR(w, "dataset", "ece.audit");
    STR(w, "action", ev->class);
    NUM(w, "severity", ev->severity < 0 ? 0 : ev->severity > 10 ? 10 : ev->severity);
    STR(w, "outcome", ev_outcome_name(ev->outcome));
    STR(w, "id", ev->dedup_key);
    if (ev->duration_ms >= 0)
        NUM(w, "duration", ev->duration_ms * 1000000); /* ECS: nanoseconds */
    STR(w, "reason", ev->reason);
    if (alert && ev->alert_first_ms > 0)
        TIME(w, "start", ev->alert_first_ms);
    if (alert && ev->alert_last_ms > 0)
        TIME(w, "end", ev->alert_last_ms);
    jw_close(w);
}

static void network_objs(struct jw *w, const struct audit_event *ev)
{
    OPEN(w, "source");
    if (fmt_ip_kind(ev->src_ip) != FMT_IP_NONE)
        STR(w, "ip", ev->src_ip);
    else
        STR(w, "address", ev->src_ip);
    if (ev->src_port > 0 && ev->src_port <= 65535)
        NUM(w, "port", ev->src_port);
    jw_close(w);
    OPEN(w, "destination");
    STR(w, "address", ev->dest_host);
    if (ev->dest_port > 0 && ev->dest_port <= 65535)
        NUM(w, "port", ev->dest_port);
    jw_close(w);
    OPEN(w, "http");
    OPEN(w, "request");
    STR(w, "method", ev->method);
    STR(w, "id", ev->request_id);
    jw_close(w);
    OPEN(w, "response");
    if (ev->status >= 0)
        NUM(w, "status_code", ev->status);
    jw_close(w);
    jw_close(w);
    OPEN(w, "url");
    STR(w, "path", ev->path);
    STR(w, "query", ev->query);
    jw_close(w);
    OPEN(w, "user_agent");
    STR(w, "original", ev->user_agent);
    jw_close(w);
}

static void ece_obj(struct jw *w, const struct audit_event *ev, bool alert)
{
    OPEN(w, "ece");
    OPEN(w, "deployment");
    STR(w, "id", ev->deployment_id);
    STR(w, "name", ev->deployment_name);
    STR(w, "ref_id", ev->ref_id);
    jw_close(w);
    STR(w, "resource_kind", ev->resource_kind);
    STR(w, "auth_type", ev->auth_type);
    STR(w, "api_key_id", ev->api_key_id);
    STR(w, "message", ev->message);
    if (alert) {
        OPEN(w, "alert");
        STR(w, "group_value", ev->group_value);
        if (ev->alert_count > 0)
            NUM(w, "count", ev->alert_count);
        if (ev->alert_window_ms > 0)
            NUM(w, "window_ms", ev->alert_window_ms);
        if (ev->alert_nids > 0) {
            jw_key(w, K("request_ids"), '[');
            for (int i = 0, k = 0; i < ev->alert_nids && i < EV_ALERT_IDS_MAX; i++) {
                if (ev->alert_ids[i] == NULL)
                    continue;
                if (k++ > 0)
                    strbuf_addc(w->sb, ',');
                json_string(w->sb, ev->alert_ids[i]);
            }
            strbuf_addc(w->sb, ']');
        }
        jw_close(w);
    }
    jw_close(w);
}

int format_json(const struct audit_event *ev, const struct format_opts *fo, struct strbuf *sb)
{
    struct jw w = {.sb = sb, .depth = 0, .first = {true}};
    size_t start = sb->len;
    bool alert = fmt_is_alert(ev);

    if (strbuf_failed(sb))
        return -1;
    strbuf_addc(sb, '{');
    TIME(&w, "@timestamp", ev->ts_ms);
    event_obj(&w, ev, alert);
    STR(&w, "message", ev->name);
    OPEN(&w, "user");
    STR(&w, "name", ev->user);
    OPEN(&w, "target");
    STR(&w, "name", ev->target_user);
    jw_close(&w);
    jw_close(&w);
    network_objs(&w, ev);
    OPEN(&w, "cloud");
    STR(&w, "region", ev->region);
    jw_close(&w);
    OPEN(&w, "organization");
    STR(&w, "id", ev->org_id);
    jw_close(&w);
    if (alert) {
        OPEN(&w, "rule");
        STR(&w, "name", ev->rule_name);
        jw_close(&w);
    }
    ece_obj(&w, ev, alert);
    OPEN(&w, "agent");
    STR(&w, "type", "ece-auditd");
    STR(&w, "version", fo->version);
    jw_close(&w);
    strbuf_addc(sb, '}');

    if (strbuf_failed(sb)) {
        strbuf_truncate(sb, start);
        sb->failed = false;
        return -1;
    }
    return 0;
}
