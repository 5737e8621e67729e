/* format.h - pure formatters: struct audit_event -> bytes. No I/O, no sockets.
 * CEF, LEEF 2.0, JSON (ECS names) bodies; RFC 5424 / RFC 3164 headers; RFC 6587 framing. */
#ifndef ECE_FORMAT_H
#define ECE_FORMAT_H
#include <stdbool.h>
#include "cfg.h"
#include "event.h"
#include "strbuf.h"

#define CEF_VENDOR  "Elastic"
#define CEF_PRODUCT "ECE"

/* RFC 5424 section 6 limits */
#define RFC5424_HOSTNAME_MAX 255
#define RFC5424_APPNAME_MAX  48
#define RFC5424_PROCID_MAX   128
#define RFC5424_MSGID_MAX    32

struct format_opts {
    enum out_format body;     /* cef | leef | json */
    enum out_header header;   /* rfc5424 | rfc3164 | none */
    int facility;             /* 0..23 */
    const char *hostname;     /* syslog HOSTNAME */
    const char *app_name;     /* syslog APP-NAME / 3164 TAG */
    const char *procid;       /* "-" or the pid */
    const char *version;      /* device version in CEF/LEEF headers: the agent version */
    bool sd_dedup;            /* RFC 5424: add [ece@32473 dedupKey=".." requestId=".."] */
};

/** @brief Fill @p fo with defaults (CEF in RFC 5424, facility 13, gethostname, pid). */
void format_opts_default(struct format_opts *fo);

/** @brief Parse a --stdout FORMAT name ("cef", "rfc5424-leef", ...) into body+header. */
int format_parse_name(const char *name, struct format_opts *fo);

/* Bodies. Append to @p sb; on error roll @p sb back to its length at entry and return -1. */
int format_cef(const struct audit_event *ev, const struct format_opts *fo, struct strbuf *sb);
int format_leef(const struct audit_event *ev, const struct format_opts *fo, struct strbuf *sb);
int format_json(const struct audit_event *ev, const struct format_opts *fo, struct strbuf *sb);

/** @brief Header (per fo->header) + body (per fo->body): one complete syslog message, no framing. */
int format_message(const struct audit_event *ev, const struct format_opts *fo, struct strbuf *sb);

/* Field encoders (exposed for the unit tests of formats.md section 5). */
void cef_header_escape(struct strbuf *sb, const char *s, size_t max_cp);
/** @brief Returns false (and appends nothing) when the value is empty after trimming. */
bool cef_ext_escape(struct strbuf *sb, const char *s, size_t max_cp);
void leef_header_escape(struct strbuf *sb, const char *s);
bool leef_value_escape(struct strbuf *sb, const char *s, char delim, size_t max_cp);
void sd_param_escape(struct strbuf *sb, const char *s);

/** @brief CEF severity 0..10 -> syslog severity (0-3 -> 6, 4-6 -> 5, 7-8 -> 4, 9-10 -> 2). */
int format_syslog_severity(int cef_severity);

/** @brief RFC 6587 octet-counting frame: "<len> <msg>" appended to @p out. */
void format_frame_octet(struct strbuf *out, const char *msg, size_t len);

#endif
