/* format_int.h - helpers shared by the format_*.c files (and their unit tests):
 * UTC breakdown without libc locks, IP literal classification, alert text, and the
 * low-level RFC 5424 / RFC 3164 header writers. Not for use outside the formatters. */
#ifndef ECE_FORMAT_INT_H
#define ECE_FORMAT_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
