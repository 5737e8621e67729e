/* format_cef.c - struct audit_event -> ArcSight CEF:0 line (header and extension escaping
 * per formats.md 1.4, fixed key order per DESIGN.md). Knows nothing of syslog or sockets. */
#include "config.h"
#include <string.h>
#include "format.h"
#include "format_int.h"

/* Dictionary lengths (CEF rev 27, formats.md 1.2 / 1.6), in code points. */
#define CEF_VERSION_MAX 31
#define CEF_CLASS_MAX   1023
#define CEF_NAME_MAX    512
#define CEF_STRING_MAX  1023
#define CEF_OUTCOME_MAX 63
#define CEF_EXTID_MAX   40
#define CEF_CS_MAX      4000

/* Per-byte actions. Header: C0 and DEL -> SP; '\' and '|' get a backslash.
 * Extension: C0 except CR/LF and DEL -> SP; '\' and '=' get a backslash; CR/LF -> \r \n. */
enum { K_COPY = 0, K_SPACE, K_BSLASH, K_CR, K_LF };

static const unsigned char hdr_kind[256] = {
    [0x00 ... 0x1F] = K_SPACE,
    [0x7F] = K_SPACE,
    ['\\'] = K_BSLASH,
    ['|'] = K_BSLASH,
};

static const unsigned char ext_kind[256] = {
    [0x00 ... 0x09] = K_SPACE, ['\n'] = K_LF,    [0x0B ... 0x0C] = K_SPACE, ['\r'] = K_CR,
    [0x0E ... 0x1F] = K_SPACE, [0x7F] = K_SPACE, ['\\'] = K_BSLASH,         ['='] = K_BSLASH,
};

/* The header field, then @p tail (the '|' separator) if not NUL, in one reservation. */
static void hdr_write(struct strbuf *sb, const char *s, size_t max_cp, char tail)
{
    size_t n = s ? fmt_cut_cp(s, strlen(s), max_cp) : 0, worst, o = 0;
    char *p;

    if (n == 0) {
        s = "unknown";
        n = 7;
    }
    worst = 2 * n + 1;
    if (worst > sb->cap - sb->len) {
        worst = n + (tail != '\0');
        for (size_t i = 0; i < n; i++)
            worst += hdr_kind[(unsigned char)s[i]] == K_BSLASH;
    }
    p = fmt_reserve(sb, worst);
    if (p == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        size_t run = fmt_plain_run((const unsigned char *)s + i, n - i, '\\', '|', '|');
        memcpy(p + o, s + i, run);
        o += run;
        i += run;
        if (i >= n)
            break;
        if (hdr_kind[(unsigned char)s[i]] == K_SPACE) {
            p[o++] = ' ';
        } else {
            p[o++] = '\\';
            p[o++] = s[i];
        }
    }
    if (tail != '\0')
        p[o++] = tail;
    fmt_commit(sb, o);
}

void cef_header_escape(struct strbuf *sb, const char *s, size_t max_cp)
{
    hdr_write(sb, s, max_cp, '\0');
}

/* After step 1 of the extension rules these are all SP, so trimming removes them. */
static inline bool ext_blank(unsigned char c)
{
    return c == ' ' || (c != '\0' && ext_kind[c] == K_SPACE);
}

/* @p key (may be empty) and the escaped value in one reservation; nothing if the value is
 * empty after trimming. Returns false in that case. */
static bool ext_write(struct strbuf *sb, const char *key, size_t keylen, const char *s,
                      size_t max_cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n, worst, o = keylen;
    char *p;

    if (s == NULL)
        return false;
    while (ext_blank(*u))
        u++;
    s = (const char *)u;
    n = fmt_cut_cp(s, strlen(s), max_cp);
    /* Trim again after the cut, so that a truncated value never ends in a space. */
    while (n > 0 && ext_blank(u[n - 1]))
        n--;
    if (n == 0)
        return false;
    worst = keylen + 2 * n;
    if (worst > sb->cap - sb->len) {
        worst = keylen + n;
        for (size_t i = 0; i < n; i++)
            worst += ext_kind[u[i]] >= K_BSLASH;
    }
    p = fmt_reserve(sb, worst);
    if (p == NULL)
        return true;
    if (keylen > 0)
        memcpy(p, key, keylen);
    for (size_t i = 0; i < n; i++) {
        size_t run = fmt_plain_run(u + i, n - i, '\\', '=', '\\');
        unsigned char k;
        memcpy(p + o, u + i, run);
        o += run;
        i += run;
        if (i >= n)
            break;
        k = ext_kind[u[i]];
        if (k == K_SPACE) {
            p[o++] = ' ';
            continue;
        }
        p[o++] = '\\';
        p[o++] = k == K_CR ? 'r' : k == K_LF ? 'n' : (char)u[i];
    }
    fmt_commit(sb, o);
    return true;
}

bool cef_ext_escape(struct strbuf *sb, const char *s, size_t max_cp)
{
    return ext_write(sb, NULL, 0, s, max_cp);
}

/* " key=value" (or " xLabel=.. x=value"); nothing at all when the value is absent or empty. */
#define EXT(sb, key, val, max) ext_write((sb), (key), sizeof(key) - 1, (val), (max))
#define EXT_NUM(sb, key, v)    fmt_key_num((sb), (key), sizeof(key) - 1, (v))

static void ext_source(struct strbuf *sb, const struct audit_event *ev)
{
    /* formats.md 1.6: src is typed IPv4; IPv6 goes to c6a2 with its label. */
    switch (fmt_ip_kind(ev->src_ip)) {
    case FMT_IP_V4:
        EXT(sb, " src=", ev->src_ip, 64);
        break;
    case FMT_IP_V6:
        EXT(sb, " c6a2Label=Source IPv6 Address c6a2=", ev->src_ip, 64);
        break;
    case FMT_IP_NONE:
    default:
        EXT(sb, " shost=", ev->src_ip, CEF_STRING_MAX);
        break;
    }
    if (ev->src_port > 0 && ev->src_port <= 65535)
        EXT_NUM(sb, " spt=", ev->src_port);
}

static void ext_alert(struct strbuf *sb, const struct audit_event *ev)
{
    char msg[FORMAT_ALERT_MSG_MAX];

    if (ev->alert_count > 0)
        EXT_NUM(sb, " cnt=", ev->alert_count);
    if (ev->alert_first_ms > 0)
        EXT_NUM(sb, " start=", ev->alert_first_ms);
    if (ev->alert_last_ms > 0)
        EXT_NUM(sb, " end=", ev->alert_last_ms);
    EXT(sb, " reason=", ev->reason, CEF_STRING_MAX);
    if (ev->alert_count > 0) {
        fmt_alert_msg(ev, msg, sizeof(msg));
        EXT(sb, " msg=", msg, CEF_STRING_MAX);
    } else {
        EXT(sb, " msg=", ev->message, CEF_STRING_MAX);
    }
}

int format_cef(const struct audit_event *ev, const struct format_opts *fo, struct strbuf *sb)
{
    size_t start = sb->len;
    bool alert = fmt_is_alert(ev);
    int sev = ev->severity < 0 ? 0 : ev->severity > 10 ? 10 : ev->severity;

    if (strbuf_failed(sb))
        return -1;
    SB_LIT(sb, "CEF:0|" CEF_VENDOR "|" CEF_PRODUCT "|");
    hdr_write(sb, fo->version, CEF_VERSION_MAX, '|');
    hdr_write(sb, ev->class, CEF_CLASS_MAX, '|');
    hdr_write(sb, ev->name, CEF_NAME_MAX, '|');
    EXT_NUM(sb, "", sev);
    strbuf_addc(sb, '|');

    /* Fixed order (formats.md 1.9 with DESIGN.md names); msg last: it cannot swallow a key. */
    EXT_NUM(sb, "rt=", ev->ts_ms);
    EXT(sb, " outcome=", ev_outcome_name(ev->outcome), CEF_OUTCOME_MAX);
    EXT(sb, " suser=", ev->user, CEF_STRING_MAX);
    EXT(sb, " duser=", ev->target_user, CEF_STRING_MAX);
    ext_source(sb, ev);
    EXT(sb, " dhost=", ev->dest_host, CEF_STRING_MAX);
    if (ev->dest_port > 0 && ev->dest_port <= 65535)
        EXT_NUM(sb, " dpt=", ev->dest_port);
    EXT(sb, " requestMethod=", ev->method, CEF_STRING_MAX);
    EXT(sb, " request=", ev->path, CEF_STRING_MAX);
    EXT(sb, " requestClientApplication=", ev->user_agent, CEF_STRING_MAX);
    EXT(sb, " externalId=", ev->request_id, CEF_EXTID_MAX);
    if (ev->status >= 0)
        EXT_NUM(sb, " cn1Label=returnCode cn1=", ev->status);
    if (ev->duration_ms >= 0)
        EXT_NUM(sb, " cn2Label=durationMs cn2=", ev->duration_ms);
    EXT(sb, " cs1Label=deploymentId cs1=", ev->deployment_id, CEF_CS_MAX);
    EXT(sb, " cs2Label=deploymentName cs2=", ev->deployment_name, CEF_CS_MAX);
    EXT(sb, " cs3Label=region cs3=", ev->region, CEF_CS_MAX);
    EXT(sb, " cs4Label=authType cs4=", ev->auth_type, CEF_CS_MAX);
    if (alert)
        EXT(sb, " cs5Label=groupValue cs5=", ev->group_value, CEF_CS_MAX);
    else
        EXT(sb, " cs5Label=apiKeyId cs5=", ev->api_key_id, CEF_CS_MAX);
    EXT(sb, " cs6Label=dedupKey cs6=", ev->dedup_key, CEF_CS_MAX);
    if (alert) {
        ext_alert(sb, ev);
    } else {
        EXT(sb, " reason=", ev->reason, CEF_STRING_MAX);
        EXT(sb, " msg=", ev->message, CEF_STRING_MAX);
    }

    if (strbuf_failed(sb)) {
        strbuf_truncate(sb, start);
        sb->failed = false;
        return -1;
    }
    return 0;
}
