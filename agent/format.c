/* format.c - formatter options, --stdout names, format_message() dispatch and the small
 * helpers the bodies share (UTC breakdown, IP kind, alert text). Knows nothing of sockets. */
#include "config.h"
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "format.h"
#include "format_int.h"

void format_opts_default(struct format_opts *fo)
{
    /* Per process, never per event: the host name and pid do not change. */
    static char host[256];
    static char pid[24];
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    unsigned long v = (unsigned long)getpid();

    if (host[0] == '\0' && (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0'))
        memcpy(host, "localhost", sizeof("localhost"));
    host[sizeof(host) - 1] = '\0';
    *--p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(pid, p, (size_t)(tmp + sizeof(tmp) - p));

    fo->body = FORMAT_CEF;
    fo->header = HEADER_RFC5424;
    fo->facility = 13; /* log audit */
    fo->hostname = host;
    fo->app_name = "ece-auditd";
    fo->procid = pid;
    fo->version = PACKAGE_VERSION;
    fo->sd_dedup = true;
}

int format_parse_name(const char *name, struct format_opts *fo)
{
    static const struct {
        const char *name;
        enum out_format body;
        enum out_header header;
    } names[] = {
        {"cef", FORMAT_CEF, HEADER_NONE},
        {"leef", FORMAT_LEEF, HEADER_NONE},
        {"json", FORMAT_JSON, HEADER_NONE},
        {"rfc5424-cef", FORMAT_CEF, HEADER_RFC5424},
        {"rfc5424-leef", FORMAT_LEEF, HEADER_RFC5424},
        {"rfc5424-json", FORMAT_JSON, HEADER_RFC5424},
        {"rfc3164-cef", FORMAT_CEF, HEADER_RFC3164},
        {"rfc3164-leef", FORMAT_LEEF, HEADER_RFC3164},
    };

    if (name == NULL)
        return -1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            fo->body = names[i].body;
            fo->header = names[i].header;
            return 0;
        }
    }
    return -1;
}

static int format_body(const struct audit_event *ev, const struct format_opts *fo,
                       struct strbuf *sb)
{
    switch (fo->body) {
    case FORMAT_LEEF:
        return format_leef(ev, fo, sb);
    case FORMAT_JSON:
        return format_json(ev, fo, sb);
    case FORMAT_CEF:
    default:
        return format_cef(ev, fo, sb);
    }
}

static int syslog_pri(const struct format_opts *fo, int cef_severity)
{
    int fac = fo->facility;

    if (fac < 0 || fac > 23)
        fac = 13;
    return fac * 8 + format_syslog_severity(cef_severity);
}

int format_message(const struct audit_event *ev, const struct format_opts *fo, struct strbuf *sb)
{
    size_t start = sb->len;

    if (strbuf_failed(sb))
        return -1;
    switch (fo->header) {
    case HEADER_RFC5424:
        format_rfc5424_header(sb, syslog_pri(fo, ev->severity), ev->ts_ms, fo->hostname,
                              fo->app_name, fo->procid, ev->class);
        if (fo->sd_dedup && (ev->dedup_key != NULL || ev->request_id != NULL)) {
            const char *kv[4] = {"dedupKey", ev->dedup_key, "requestId", ev->request_id};
            strbuf_addc(sb, ' ');
            format_sd_element(sb, FORMAT_SD_ID, kv, 2);
            strbuf_addc(sb, ' ');
        } else {
            SB_LIT(sb, " - ");
        }
        break;
    case HEADER_RFC3164:
        format_rfc3164_header(sb, syslog_pri(fo, ev->severity), ev->ts_ms, fo->hostname,
                              fo->app_name, fo->procid);
        break;
    case HEADER_NONE:
    default:
        break;
    }
    if (strbuf_failed(sb) || format_body(ev, fo, sb) < 0) {
        strbuf_truncate(sb, start);
        sb->failed = false;
        return -1;
    }
    return 0;
}

/* ---- helpers shared by the bodies ---- */

void fmt_utc(int64_t ms, struct fmt_tm *tm)
{
    int64_t days = ms / 86400000, rem = ms % 86400000;
    int64_t era, doe, yoe, doy, mp, y;

    if (rem < 0) {
        rem += 86400000;
        days--;
    }
    tm->ms = (int)(rem % 1000);
    rem /= 1000;
    tm->sec = (int)(rem % 60);
    tm->min = (int)(rem / 60 % 60);
    tm->hour = (int)(rem / 3600);

    /* days since 1970-01-01 -> civil date (H. Hinnant's algorithm, public domain idea) */
    days += 719468;
    era = (days >= 0 ? days : days - 146096) / 146097;
    doe = days - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    tm->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
    tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
    tm->year = (int)(y + (tm->mon <= 2));
}

static char *put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

size_t fmt_rfc3339(int64_t ms, char out[24])
{
    struct fmt_tm tm;
    char *p = out;

    fmt_utc(ms, &tm);
    if (tm.year < 0 || tm.year > 9999)
        return 0;
    p = put2(p, tm.year / 100);
    p = put2(p, tm.year % 100);
    *p++ = '-';
    p = put2(p, tm.mon);
    *p++ = '-';
    p = put2(p, tm.mday);
    *p++ = 'T';
    p = put2(p, tm.hour);
    *p++ = ':';
    p = put2(p, tm.min);
    *p++ = ':';
    p = put2(p, tm.sec);
    *p++ = '.';
    *p++ = (char)('0' + tm.ms / 100);
    p = put2(p, tm.ms % 100);
    *p++ = 'Z';
    return (size_t)(p - out);
}

const char *fmt_month(int mon)
{
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return (mon >= 1 && mon <= 12) ? months[mon - 1] : "Jan";
}

/* Dotted quad as inet_pton(AF_INET) reads it: four 0..255 parts, no leading zeros. */
static bool is_ipv4(const char *s)
{
    for (int part = 0; part < 4; part++) {
        int v = 0, nd = 0;
        if (part > 0 && *s++ != '.')
            return false;
        while (*s >= '0' && *s <= '9' && nd < 4) {
            if (nd == 1 && v == 0)
                return false;
            v = v * 10 + (*s++ - '0');
            nd++;
        }
        if (nd == 0 || nd > 3 || v > 255)
            return false;
    }
    return *s == '\0';
}

enum fmt_ip fmt_ip_kind(const char *s)
{
    unsigned char addr[16];

    if (s == NULL || *s == '\0')
        return FMT_IP_NONE;
    if (is_ipv4(s))
        return FMT_IP_V4;
    if (strchr(s, ':') != NULL && inet_pton(AF_INET6, s, addr) == 1)
        return FMT_IP_V6;
    return FMT_IP_NONE;
}

bool fmt_is_alert(const struct audit_event *ev)
{
    return ev->class != NULL && strncmp(ev->class, "alert.", 6) == 0;
}

size_t fmt_i64(int64_t v, char out[24])
{
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t n;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    n = (size_t)(tmp + sizeof(tmp) - p);
    memcpy(out, p, n);
    return n;
}

size_t fmt_duration(int64_t ms, char out[32])
{
    static const struct {
        int64_t div;
        char unit;
    } units[] = {{3600000, 'h'}, {60000, 'm'}, {1000, 's'}};
    size_t n;

    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (ms > 0 && ms % units[i].div == 0) {
            n = fmt_i64(ms / units[i].div, out);
            out[n++] = units[i].unit;
            out[n] = '\0';
            return n;
        }
    }
    n = fmt_i64(ms, out);
    out[n++] = 'm';
    out[n++] = 's';
    out[n] = '\0';
    return n;
}

/* Append at most what fits, never splitting a UTF-8 sequence; false when something was cut. */
static bool put_cut(char *out, size_t size, size_t *len, const char *s, size_t n)
{
    size_t room = size - 1 - *len;

    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        memcpy(out + *len, s, n);
        *len += n;
        return false;
    }
    memcpy(out + *len, s, n);
    *len += n;
    return true;
}

size_t fmt_alert_msg(const struct audit_event *ev, char *out, size_t size)
{
    char num[32];
    size_t len = 0, n;
    int nput = 0;

    if (size == 0)
        return 0;
    n = fmt_i64(ev->alert_count, num);
    if (!put_cut(out, size, &len, num, n) || !put_cut(out, size, &len, " events", 7))
        goto out;
    if (ev->alert_window_ms > 0) {
        n = fmt_duration(ev->alert_window_ms, num);
        if (!put_cut(out, size, &len, " in ", 4) || !put_cut(out, size, &len, num, n))
            goto out;
    }
    for (int i = 0; i < ev->alert_nids && i < EV_ALERT_IDS_MAX; i++) {
        const char *id = ev->alert_ids[i];
        if (id == NULL || *id == '\0')
            continue;
        if (!put_cut(out, size, &len, nput == 0 ? ": " : ",", nput == 0 ? 2 : 1) ||
            !put_cut(out, size, &len, id, strlen(id)))
            goto out;
        nput++;
    }
out:
    out[len] = '\0';
    return len;
}
