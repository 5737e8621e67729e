/* format_int.h - helpers shared by the format_*.c files (and their unit tests):
 * UTC breakdown without libc locks, IP literal classification, alert text, and the
 * low-level RFC 5424 / RFC 3164 header writers. Not for use outside the formatters. */
#ifndef ECE_FORMAT_INT_H
#define ECE_FORMAT_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "event.h"
#include "strbuf.h"

/* Append a string literal without strlen(). */
#define SB_LIT(sb, lit) strbuf_add((sb), (lit), sizeof(lit) - 1)

/* Timestamp value meaning "unknown": RFC 5424 NILVALUE. */
#define FORMAT_TS_NONE INT64_MIN

/* Private SD-ID of the dedup element (RFC 5424 section 7.2.2 form name@PEN). */
#define FORMAT_SD_ID "ece@32473"

/* Longest alert summary text built for CEF msg / LEEF msg (bytes, before escaping). */
#define FORMAT_ALERT_MSG_MAX 2048

/*
 * Direct writes into a strbuf without a call per append: fmt_reserve() returns room for
 * @p n bytes (NULL once the cap is hit, which sets the sticky flag), fmt_commit() accounts
 * for the bytes actually written. The fast path relies on strbuf's documented invariant
 * (len + 1 <= alloc, NUL-terminated); anything else goes through strbuf_reserve().
 */
static inline char *fmt_reserve(struct strbuf *sb, size_t n)
{
    if (!sb->failed && sb->buf != NULL && n <= sb->cap - sb->len && sb->alloc - sb->len > n)
        return sb->buf + sb->len;
    return strbuf_reserve(sb, n);
}

static inline void fmt_commit(struct strbuf *sb, size_t n)
{
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

/* Decimal digits of @p v at @p p (at most 20 bytes, plus 1 for a sign); returns the end. */
static inline char *fmt_put_i64(char *p, int64_t v)
{
    char tmp[24];
    char *t = tmp + sizeof(tmp);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        *--t = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--t = '-';
    while (t < tmp + sizeof(tmp))
        *p++ = *t++;
    return p;
}

/* "key" + decimal value, one exact reservation (so that a message that fits the cap
 * exactly is never refused). */
static inline void fmt_key_num(struct strbuf *sb, const char *key, size_t keylen, int64_t v)
{
    char num[24];
    size_t n = (size_t)(fmt_put_i64(num, v) - num);
    char *p = fmt_reserve(sb, keylen + n);

    if (p == NULL)
        return;
    for (size_t i = 0; i < keylen; i++)
        p[i] = key[i];
    for (size_t i = 0; i < n; i++)
        p[keylen + i] = num[i];
    fmt_commit(sb, keylen + n);
}

/*
 * Length of the run at the start of @p s (@p n bytes) that every encoder copies unchanged:
 * no C0 control, no DEL and none of @p a, @p b, @p c (ASCII). Eight bytes per step while
 * nothing special is in the word (the exact "has byte less than / equal to" bit tricks),
 * then byte by byte up to the first special byte.
 */
static inline size_t fmt_plain_run(const unsigned char *s, size_t n, unsigned char a,
                                   unsigned char b, unsigned char c)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t x, ya, yb, yc, yd, hit;
        memcpy(&x, s + i, 8);
        ya = x ^ (ones * a);
        yb = x ^ (ones * b);
        yc = x ^ (ones * c);
        yd = x ^ (ones * 0x7F);
        hit = ((x - ones * 0x20) & ~x) | ((ya - ones) & ~ya) | ((yb - ones) & ~yb) |
              ((yc - ones) & ~yc) | ((yd - ones) & ~yd);
        if (hit & high)
            break;
    }
    for (; i < n; i++) {
        unsigned char ch = s[i];
        if (ch < 0x20 || ch == 0x7F || ch == a || ch == b || ch == c)
            break;
    }
    return i;
}

/** @brief Byte length of the first @p max_cp code points of @p s (length @p n, valid UTF-8). */
static inline size_t fmt_cut_cp(const char *s, size_t n, size_t max_cp)
{
    size_t cp = 0;

    if (n <= max_cp)
        return n; /* a code point is at least one byte */
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (cp == max_cp)
                return i;
            cp++;
        }
    }
    return n;
}

struct fmt_tm {
    int year, mon, mday; /* mon 1..12 */
    int hour, min, sec, ms;
};

/** @brief Split epoch milliseconds into UTC calendar fields (proleptic Gregorian). */
void fmt_utc(int64_t ms, struct fmt_tm *tm);

/**
 * @brief Write @p ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 bytes, no NUL).
 * @return 24, or 0 when the year is outside 0..9999 (not representable in RFC 3339).
 */
size_t fmt_rfc3339(int64_t ms, char out[24]);

/** @brief English three-letter month abbreviation, @p mon 1..12. */
const char *fmt_month(int mon);

enum fmt_ip { FMT_IP_NONE = 0, FMT_IP_V4, FMT_IP_V6 };
/** @brief Classify a textual address: IPv4 dotted quad, IPv6, or neither (NULL -> NONE). */
enum fmt_ip fmt_ip_kind(const char *s);

/** @brief True for agent alerts: class "alert.<rule>". */
bool fmt_is_alert(const struct audit_event *ev);

/**
 * @brief The alert summary "<count> events in <window>: <id>,<id>,..." into @p out
 * (NUL-terminated, cut at a UTF-8 boundary to fit @p size).
 * @return the length written.
 */
size_t fmt_alert_msg(const struct audit_event *ev, char *out, size_t size);

/** @brief Decimal text of @p v (no NUL); returns the length (at most 20). */
size_t fmt_i64(int64_t v, char out[24]);

/** @brief A duration in ms as compact text: "5m", "90s", "2h", "1500ms". */
size_t fmt_duration(int64_t ms, char out[32]);

/**
 * @brief RFC 5424 HEADER without STRUCTURED-DATA:
 * "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID". HOSTNAME, APP-NAME, PROCID and
 * MSGID are sanitized (outside 33..126 -> '_', cut to the RFC 5424 section 6 limits,
 * empty or NULL -> "-"); @p ts_ms FORMAT_TS_NONE writes the NILVALUE.
 */
void format_rfc5424_header(struct strbuf *sb, int pri, int64_t ts_ms, const char *hostname,
                           const char *app_name, const char *procid, const char *msgid);

/**
 * @brief One SD-ELEMENT "[id name="value" ...]" with PARAM-VALUE escaping; @p kv holds
 * @p npairs name/value pairs, a NULL value skips its pair.
 */
void format_sd_element(struct strbuf *sb, const char *sd_id, const char *const *kv, size_t npairs);

/**
 * @brief RFC 3164 prefix "<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: " (UTC, day space-padded,
 * TAG never empty; "[PID]" left out when @p procid is NULL, empty or "-").
 */
void format_rfc3164_header(struct strbuf *sb, int pri, int64_t ts_ms, const char *hostname,
                           const char *tag, const char *procid);

#endif
