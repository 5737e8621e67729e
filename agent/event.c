/* event.c - the audit event's arena, UTF-8 sanitizing copies, and time conversion.
 * Knows nothing of document shapes or output formats. */
#include "config.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "event.h"

void ev_reset(struct audit_event *ev)
{
    memset(ev, 0, offsetof(struct audit_event, arena_len));
    ev->status = -1;
    ev->duration_ms = -1;
    ev->arena_len = 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid (RFC 3629). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];

    if (c < 0x80)
        return c ? 1 : 0;
    if (c >= 0xC2 && c <= 0xDF)
        return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0;
        if (c == 0xF4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

int ev_setn(struct audit_event *ev, const char **field, const char *s, size_t len)
{
    static const char repl[] = "\xEF\xBF\xBD";
    const unsigned char *p = (const unsigned char *)s;
    size_t room, i = 0, o;
    char *dst;

    *field = NULL;
    if (s == NULL || len == 0)
        return 0;
    room = EV_ARENA_SIZE - ev->arena_len;
    if (room < 2)
        return -1;
    room -= 1; /* NUL */
    if (room > EV_FIELD_MAX)
        room = EV_FIELD_MAX;
    dst = ev->arena + ev->arena_len;
    o = 0;
    while (i < len) {
        /* fast path: a run of ASCII bytes other than NUL is copied as it is, 8 bytes a test */
        size_t j = i, lim = i + (len - i < room - o ? len - i : room - o);
        while (j + 8 <= lim) {
            uint64_t w;
            memcpy(&w, p + j, 8);
            if (((w - 0x0101010101010101ULL) | w) & 0x8080808080808080ULL)
                break; /* a byte >= 0x80 or a NUL in this word */
            j += 8;
        }
        while (j < lim && (unsigned char)(p[j] - 1) < 0x7F)
            j++;
        if (j > i) {
            memcpy(dst + o, p + i, j - i);
            o += j - i;
            i = j;
            continue;
        }
        size_t k = utf8_seq(p + i, len - i);
        if (k == 0) {
            if (o + 3 > room)
                break;
            memcpy(dst + o, repl, 3);
            o += 3;
            i++;
            continue;
        }
        if (o + k > room)
            break;
        memcpy(dst + o, p + i, k);
        o += k;
        i += k;
    }
    if (o == 0)
        return 0;
    dst[o] = '\0';
    ev->arena_len += o + 1;
    *field = dst;
    return 0;
}

int ev_set(struct audit_event *ev, const char **field, const char *s)
{
    return ev_setn(ev, field, s, s ? strlen(s) : 0);
}

int ev_setf(struct audit_event *ev, const char **field, const char *fmt, ...)
{
    char tmp[EV_FIELD_MAX];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n >= sizeof(tmp))
        n = (int)sizeof(tmp) - 1;
    return ev_setn(ev, field, tmp, (size_t)n);
}

const char *ev_outcome_name(enum ev_outcome o)
{
    switch (o) {
    case OUTCOME_SUCCESS: return "success";
    case OUTCOME_FAILURE: return "failure";
    default: return "unknown";
    }
}

static const char *rebase(const struct audit_event *src, struct audit_event *dst, const char *p)
{
    if (p >= src->arena && p < src->arena + EV_ARENA_SIZE)
        return dst->arena + (p - src->arena);
    return p; /* static string (class/name tables) */
}

void ev_copy(struct audit_event *dst, const struct audit_event *src)
{
    memcpy(dst, src, offsetof(struct audit_event, arena) + src->arena_len);
#define RB(f) dst->f = rebase(src, dst, src->f)
    RB(class); RB(name); RB(user); RB(auth_type); RB(api_key_id); RB(org_id); RB(src_ip);
    RB(user_agent); RB(method); RB(url); RB(path); RB(query); RB(dest_host); RB(request_id);
    RB(dedup_key); RB(deployment_id); RB(deployment_name); RB(ref_id); RB(resource_kind);
    RB(target_user); RB(region); RB(reason); RB(message); RB(rule_name); RB(group_value);
#undef RB
    for (int i = 0; i < src->alert_nids; i++)
        dst->alert_ids[i] = rebase(src, dst, src->alert_ids[i]);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* H. Hinnant's algorithm: days since 1970-01-01 in the proleptic Gregorian calendar */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

size_t ev_format_time(int64_t ms, char out[32])
{
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)secs * 1000);
    struct tm tm;

    gmtime_r(&secs, &tm);
    return (size_t)snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static int digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

int ev_parse_time(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, frac = 0, nfrac = 0, oh = 0, om = 0, sign = 0;
    const char *p;

    if (s == NULL || strlen(s) < 19)
        return -1;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
        digits(s + 17, 2, &sec))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    p = s + 19;
    if (*p == '.' || *p == ',') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (nfrac < 3) {
                frac = frac * 10 + (*p - '0');
            }
            nfrac++;
            p++;
        }
        if (nfrac == 0 || nfrac > 9)
            return -1;
        for (int i = nfrac; i < 3; i++)
            frac *= 10;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om))
            return -1;
        p += 6;
    } else if (*p != '\0') {
        return -1;
    }
    if (*p != '\0')
        return -1;
    if (sec == 60)
        sec = 59; /* leap second: clamp, RFC 5424 forbids emitting it */
    int64_t t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
    t -= (int64_t)sign * (oh * 3600 + om * 60);
    *ms = t * 1000 + frac;
    return 0;
}
