/* format_syslog.c - RFC 5424 and RFC 3164 headers, STRUCTURED-DATA escaping and RFC 6587
 * octet-counting frames. Pure byte writers: knows nothing of sockets or of the body format. */
#include "config.h"
#include <string.h>
#include "format.h"
#include "format_int.h"

int format_syslog_severity(int cef_severity)
{
    /* formats.md 3.2: CEF 0-3 -> 6 Informational, 4-6 -> 5 Notice, 7-8 -> 4 Warning,
     * 9-10 -> 2 Critical. */
    if (cef_severity <= 3)
        return 6;
    if (cef_severity <= 6)
        return 5;
    if (cef_severity <= 8)
        return 4;
    return 2;
}

void format_frame_octet(struct strbuf *out, const char *msg, size_t len)
{
    /* RFC 6587 3.4.1 / RFC 5425 4.3: MSG-LEN SP SYSLOG-MSG, MSG-LEN in octets. */
    strbuf_add_u64(out, (uint64_t)len);
    strbuf_addc(out, ' ');
    strbuf_add(out, msg, len);
}

enum { PR_PLAIN = 0, PR_TAG = 1 };

/*
 * A syslog header field, then @p tail (SP) unless NUL: every character outside PRINTUSASCII
 * (33..126) becomes one '_' (a multi-byte UTF-8 character counts once), then the result is
 * cut to @p max characters; in PR_TAG mode '[', ']' and ':' are replaced too (they end an
 * RFC 3164 TAG). NULL or empty writes @p nil.
 */
static void put_printable(struct strbuf *sb, const char *s, size_t max, const char *nil, int mode,
                          char tail)
{
    size_t n = s ? strlen(s) : 0, o = 0, room;
    unsigned bad = 0;
    char *p;

    if (n == 0) {
        s = nil;
        n = strlen(nil);
    }
    /* Fast path, the usual case: already clean and short enough (a loop the compiler can
     * vectorise: no early exit). */
    for (size_t i = 0; i < n; i++)
        bad |= (unsigned)((unsigned char)s[i] - 33u) > 93u;
    if (!bad && n <= max && mode == PR_PLAIN) {
        p = fmt_reserve(sb, n + (tail != '\0'));
        if (p == NULL)
            return;
        memcpy(p, s, n);
        if (tail != '\0')
            p[n++] = tail;
        fmt_commit(sb, n);
        return;
    }
    room = n < max ? n : max;
    if (room + 1 > sb->cap - sb->len) {
        /* near the cap: reserve exactly (one '_' per multi-byte character) */
        room = 0;
        for (size_t i = 0; i < n && room < max; i++)
            room += ((unsigned char)s[i] & 0xC0) != 0x80;
    }
    p = fmt_reserve(sb, room + (tail != '\0'));
    if (p == NULL)
        return;
    for (size_t i = 0; i < n && o < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            bool ok = c >= 33 && c <= 126;
            if (mode == PR_TAG && (c == '[' || c == ']' || c == ':'))
                ok = false;
            p[o++] = ok ? (char)c : '_';
        } else if (c >= 0xC0) {
            p[o++] = '_';
        }
    }
    if (tail != '\0')
        p[o++] = tail;
    fmt_commit(sb, o);
}

/* "<PRI>" (+ "1 " for RFC 5424) */
static void put_pri(struct strbuf *sb, int pri, bool version)
{
    char *p = fmt_reserve(sb, 7), *start = p;

    if (p == NULL)
        return;
    if (pri < 0)
        pri = 0;
    if (pri > 191)
        pri = 191;
    *p++ = '<';
    p = fmt_put_i64(p, pri);
    *p++ = '>';
    if (version) {
        *p++ = '1';
        *p++ = ' ';
    }
    fmt_commit(sb, (size_t)(p - start));
}

void format_rfc5424_header(struct strbuf *sb, int pri, int64_t ts_ms, const char *hostname,
                           const char *app_name, const char *procid, const char *msgid)
{
    char *p;
    size_t n;

    put_pri(sb, pri, true);
    p = fmt_reserve(sb, 25);
    if (p == NULL)
        return;
    n = ts_ms == FORMAT_TS_NONE ? 0 : fmt_rfc3339(ts_ms, p);
    if (n == 0)
        p[n++] = '-'; /* NILVALUE: unknown, or not representable in RFC 3339 */
    p[n++] = ' ';
    fmt_commit(sb, n);
    put_printable(sb, hostname, RFC5424_HOSTNAME_MAX, "-", PR_PLAIN, ' ');
    put_printable(sb, app_name, RFC5424_APPNAME_MAX, "-", PR_PLAIN, ' ');
    put_printable(sb, procid, RFC5424_PROCID_MAX, "-", PR_PLAIN, ' ');
    put_printable(sb, msgid, RFC5424_MSGID_MAX, "-", PR_PLAIN, '\0');
}

void sd_param_escape(struct strbuf *sb, const char *s)
{
    /* RFC 5424 6.3.3: '"', '\' and ']' MUST be escaped. Controls become SP so that no
     * CR/LF (or TAB, which relays rewrite to #011) ever reaches the wire. */
    size_t n = strlen(s), worst = 2 * n, o = 0;
    char *p;

    if (worst > sb->cap - sb->len) {
        worst = n;
        for (size_t i = 0; i < n; i++)
            worst += s[i] == '"' || s[i] == '\\' || s[i] == ']';
    }
    p = fmt_reserve(sb, worst);
    if (p == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        size_t run = fmt_plain_run((const unsigned char *)s + i, n - i, '"', '\\', ']');
        unsigned char c;
        memcpy(p + o, s + i, run);
        o += run;
        i += run;
        if (i >= n)
            break;
        c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c == ']') {
            p[o++] = '\\';
            p[o++] = (char)c;
        } else if (c < 0x20 || c == 0x7F) {
            p[o++] = ' ';
        } else {
            p[o++] = (char)c;
        }
    }
    fmt_commit(sb, o);
}

void format_sd_element(struct strbuf *sb, const char *sd_id, const char *const *kv, size_t npairs)
{
    strbuf_addc(sb, '[');
    strbuf_adds(sb, sd_id);
    for (size_t i = 0; i < npairs; i++) {
        if (kv[2 * i + 1] == NULL)
            continue;
        strbuf_addc(sb, ' ');
        strbuf_adds(sb, kv[2 * i]);
        SB_LIT(sb, "=\"");
        sd_param_escape(sb, kv[2 * i + 1]);
        strbuf_addc(sb, '"');
    }
    strbuf_addc(sb, ']');
}

void format_rfc3164_header(struct strbuf *sb, int pri, int64_t ts_ms, const char *hostname,
                           const char *tag, const char *procid)
{
    struct fmt_tm tm;
    char *p;

    /* RFC 3164 4.1.2: "Mmm dd hh:mm:ss", day space-padded; we write UTC. */
    fmt_utc(ts_ms == FORMAT_TS_NONE ? 0 : ts_ms, &tm);
    put_pri(sb, pri, false);
    p = fmt_reserve(sb, 16);
    if (p != NULL) {
        memcpy(p, fmt_month(tm.mon), 3);
        p[3] = ' ';
        p[4] = tm.mday < 10 ? ' ' : (char)('0' + tm.mday / 10);
        p[5] = (char)('0' + tm.mday % 10);
        p[6] = ' ';
        p[7] = (char)('0' + tm.hour / 10);
        p[8] = (char)('0' + tm.hour % 10);
        p[9] = ':';
        p[10] = (char)('0' + tm.min / 10);
        p[11] = (char)('0' + tm.min % 10);
        p[12] = ':';
        p[13] = (char)('0' + tm.sec / 10);
        p[14] = (char)('0' + tm.sec % 10);
        p[15] = ' ';
        fmt_commit(sb, 16);
    }
    put_printable(sb, hostname, RFC5424_HOSTNAME_MAX, "-", PR_PLAIN, ' ');
    /* formats.md 3.9: always a TAG, or relays take "CEF" for the program name. */
    put_printable(sb, tag, 32, "ece-auditd", PR_TAG, '\0');
    if (procid != NULL && procid[0] != '\0' && strcmp(procid, "-") != 0) {
        strbuf_addc(sb, '[');
        put_printable(sb, procid, RFC5424_PROCID_MAX, "-", PR_TAG, ']');
    }
    SB_LIT(sb, ": ");
}
