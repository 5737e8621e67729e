/* format_leef.c - struct audit_event -> IBM QRadar LEEF 2.0 line with '^' as delimiter.
 * LEEF has no escapes (formats.md 2.2): characters are replaced, never escaped.
 * Knows nothing of syslog or sockets. */
#include "config.h"
#include <string.h>
#include "format.h"
#include "format_int.h"

#define LEEF_EVENTID_MAX 255 /* LEEF guide: EventID "cannot exceed 255 characters" */
#define LEEF_USER_MAX    255 /* usrName is typed string 255 */
#define LEEF_STRING_MAX  1023
#define LEEF_CS_MAX      4000
#define LEEF_DELIM       '^'

/* The devTime text and its SimpleDateFormat pattern (formats.md 2.4 / T6). A zone is part of
 * the pattern so that QRadar does not read UTC as its own local time. */
#define LEEF_TIME_FORMAT "MMM dd yyyy HH:mm:ss.SSS z"

static void header_field(struct strbuf *sb, const char *s, size_t max_cp)
{
    size_t n = s ? fmt_cut_cp(s, strlen(s), max_cp) : 0;
    char *p;

    if (n == 0) {
        SB_LIT(sb, "unknown");
        return;
    }
    p = fmt_reserve(sb, n);
    if (p == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        /* formats.md 2.2 [P]: QRadar's handling of "\|" is undocumented, so replace. */
        p[i] = (c < 0x20 || c == 0x7F) ? ' ' : c == '|' ? '_' : (char)c;
    }
    fmt_commit(sb, n);
}

void leef_header_escape(struct strbuf *sb, const char *s)
{
    header_field(sb, s, SIZE_MAX);
}

/* Characters that become SP before trimming: controls other than CR/LF, DEL, the delimiter. */
static inline bool blank(unsigned char c, unsigned char delim)
{
    if (c == ' ' || c == 0x7F || (c == delim && c != '\0'))
        return true;
    return c != '\0' && c < 0x20 && c != '\r' && c != '\n';
}

/* @p key (may be empty) and the value in one reservation; false (nothing written) when the
 * value is empty after trimming. */
static bool value_write(struct strbuf *sb, const char *key, size_t keylen, const char *s,
                        char delim, size_t max_cp)
{
    /* A non-ASCII delimiter byte would cut UTF-8 sequences: only ASCII ones are honoured. */
    unsigned char d = (unsigned char)delim < 0x80 ? (unsigned char)delim : '\0';
    const unsigned char *u = (const unsigned char *)s;
    size_t n, worst, o = keylen;
    char *p;

    if (s == NULL)
        return false;
    while (blank(*u, d))
        u++;
    s = (const char *)u;
    n = fmt_cut_cp(s, strlen(s), max_cp);
    while (n > 0 && blank(u[n - 1], d))
        n--;
    if (n == 0)
        return false;
    worst = keylen + 2 * n;
    if (worst > sb->cap - sb->len) {
        worst = keylen + n;
        for (size_t i = 0; i < n; i++)
            worst += u[i] == '\r' || u[i] == '\n';
    }
    p = fmt_reserve(sb, worst);
    if (p == NULL)
        return true;
    if (keylen > 0)
        memcpy(p, key, keylen);
    for (size_t i = 0; i < n; i++) {
        unsigned char stop = d != '\0' ? d : 0x7F; /* 0x7F: a byte that stops anyway */
        size_t run = fmt_plain_run(u + i, n - i, stop, stop, stop);
        unsigned char c;
        memcpy(p + o, u + i, run);
        o += run;
        i += run;
        if (i >= n)
            break;
        c = u[i];
        if (c == '\n' || c == '\r') {
            p[o++] = '\\';
            p[o++] = c == '\n' ? 'n' : 'r';
        } else {
            p[o++] = ' ';
        }
    }
    fmt_commit(sb, o);
    return true;
}

bool leef_value_escape(struct strbuf *sb, const char *s, char delim, size_t max_cp)
{
    return value_write(sb, NULL, 0, s, delim, max_cp);
}

#define ATTR(sb, key, val, max) value_write((sb), (key), sizeof(key) - 1, (val), LEEF_DELIM, (max))
#define ATTR_NUM(sb, key, v)    fmt_key_num((sb), (key), sizeof(key) - 1, (v))

/* "devTime=May 01 2024 12:34:56.789 UTC^devTimeFormat=MMM dd yyyy HH:mm:ss.SSS z" */
static void dev_time(struct strbuf *sb, int64_t ms)
{
    struct fmt_tm tm;
    char *p;

    fmt_utc(ms, &tm);
    if (tm.year < 0 || tm.year > 9999) {
        /* Not expressible in the pattern: a 13-digit epoch value needs no devTimeFormat. */
        ATTR_NUM(sb, "devTime=", ms);
        return;
    }
    SB_LIT(sb, "devTime=");
    p = fmt_reserve(sb, 28);
    if (p == NULL)
        return;
    memcpy(p, fmt_month(tm.mon), 3);
    p[3] = ' ';
    p[4] = (char)('0' + tm.mday / 10);
    p[5] = (char)('0' + tm.mday % 10);
    p[6] = ' ';
    p[7] = (char)('0' + tm.year / 1000);
    p[8] = (char)('0' + tm.year / 100 % 10);
    p[9] = (char)('0' + tm.year / 10 % 10);
    p[10] = (char)('0' + tm.year % 10);
    p[11] = ' ';
    p[12] = (char)('0' + tm.hour / 10);
    p[13] = (char)('0' + tm.hour % 10);
    p[14] = ':';
    p[15] = (char)('0' + tm.min / 10);
    p[16] = (char)('0' + tm.min % 10);
    p[17] = ':';
    p[18] = (char)('0' + tm.sec / 10);
    p[19] = (char)('0' + tm.sec % 10);
    p[20] = '.';
    p[21] = (char)('0' + tm.ms / 100);
    p[22] = (char)('0' + tm.ms / 10 % 10);
    p[23] = (char)('0' + tm.ms % 10);
    memcpy(p + 24, " UTC", 4);
    fmt_commit(sb, 28);
    SB_LIT(sb, "^devTimeFormat=" LEEF_TIME_FORMAT);
}

static void attr_alert(struct strbuf *sb, const struct audit_event *ev)
{
    char msg[FORMAT_ALERT_MSG_MAX];

    ATTR(sb, "^groupValue=", ev->group_value, LEEF_CS_MAX);
    if (ev->alert_count > 0)
        ATTR_NUM(sb, "^eventCount=", ev->alert_count);
    if (ev->alert_first_ms > 0)
        ATTR_NUM(sb, "^startTime=", ev->alert_first_ms);
    if (ev->alert_last_ms > 0)
        ATTR_NUM(sb, "^endTime=", ev->alert_last_ms);
    ATTR(sb, "^reason=", ev->reason, LEEF_STRING_MAX);
    if (ev->alert_count > 0) {
        fmt_alert_msg(ev, msg, sizeof(msg));
        ATTR(sb, "^msg=", msg, LEEF_STRING_MAX);
    } else {
        ATTR(sb, "^msg=", ev->message, LEEF_STRING_MAX);
    }
}

int format_leef(const struct audit_event *ev, const struct format_opts *fo, struct strbuf *sb)
{
    size_t start = sb->len;
    /* LEEF sev is 1..10 (formats.md 6: CEF 0 -> 1). */
    int sev = ev->severity < 1 ? 1 : ev->severity > 10 ? 10 : ev->severity;

    if (strbuf_failed(sb))
        return -1;
    SB_LIT(sb, "LEEF:2.0|" CEF_VENDOR "|" CEF_PRODUCT "|");
    leef_header_escape(sb, fo->version);
    strbuf_addc(sb, '|');
    header_field(sb, ev->class, LEEF_EVENTID_MAX);
    SB_LIT(sb, "|^|");

    dev_time(sb, ev->ts_ms);
    ATTR(sb, "^name=", ev->name, LEEF_STRING_MAX);
    ATTR_NUM(sb, "^sev=", sev);
    ATTR(sb, "^outcome=", ev_outcome_name(ev->outcome), LEEF_STRING_MAX);
    ATTR(sb, "^usrName=", ev->user, LEEF_USER_MAX);
    ATTR(sb, "^targetUser=", ev->target_user, LEEF_USER_MAX);
    /* LEEF src takes IPv4 and IPv6; anything else would break QRadar's IP parsing. */
    if (fmt_ip_kind(ev->src_ip) != FMT_IP_NONE)
        ATTR(sb, "^src=", ev->src_ip, 64);
    else
        ATTR(sb, "^srcHost=", ev->src_ip, LEEF_STRING_MAX);
    if (ev->src_port > 0 && ev->src_port <= 65535)
        ATTR_NUM(sb, "^srcPort=", ev->src_port);
    ATTR(sb, "^dstHost=", ev->dest_host, LEEF_STRING_MAX);
    if (ev->dest_port > 0 && ev->dest_port <= 65535)
        ATTR_NUM(sb, "^dstPort=", ev->dest_port);
    ATTR(sb, "^method=", ev->method, LEEF_STRING_MAX);
    ATTR(sb, "^url=", ev->path, LEEF_STRING_MAX);
    if (ev->status >= 0)
        ATTR_NUM(sb, "^returnCode=", ev->status);
    if (ev->duration_ms >= 0)
        ATTR_NUM(sb, "^durationMs=", ev->duration_ms);
    ATTR(sb, "^externalId=", ev->request_id, LEEF_USER_MAX);
    ATTR(sb, "^dedupKey=", ev->dedup_key, LEEF_CS_MAX);
    ATTR(sb, "^deploymentId=", ev->deployment_id, LEEF_CS_MAX);
    ATTR(sb, "^deploymentName=", ev->deployment_name, LEEF_CS_MAX);
    ATTR(sb, "^region=", ev->region, LEEF_CS_MAX);
    ATTR(sb, "^authType=", ev->auth_type, LEEF_CS_MAX);
    ATTR(sb, "^apiKeyId=", ev->api_key_id, LEEF_CS_MAX);
    ATTR(sb, "^orgId=", ev->org_id, LEEF_CS_MAX);
    ATTR(sb, "^userAgent=", ev->user_agent, LEEF_STRING_MAX);
    if (fmt_is_alert(ev)) {
        attr_alert(sb, ev);
    } else {
        ATTR(sb, "^reason=", ev->reason, LEEF_STRING_MAX);
        ATTR(sb, "^msg=", ev->message, LEEF_STRING_MAX);
    }

    if (strbuf_failed(sb)) {
        strbuf_truncate(sb, start);
        sb->failed = false;
        return -1;
    }
    return 0;
}
