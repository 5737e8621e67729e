/* strict_parse.h - strict readers of what the formatters write, for the unit tests only:
 * a CEF parser (header + extension, rejects anything a SIEM parser could misread), an
 * RFC 5424 frame validator (formats.md 5.4) and a LEEF splitter. */
#ifndef ECE_STRICT_PARSE_H
#define ECE_STRICT_PARSE_H
#include <stdbool.h>
#include <stddef.h>

#define STRICT_MAX_PAIRS 96
#define STRICT_WHY_MAX   160

struct strict_pair {
    char *key;
    char *val; /* decoded */
};

struct strict_cef {
    char *hdr[7]; /* version ("0"), vendor, product, device version, class, name, severity */
    size_t npairs;
    struct strict_pair pairs[STRICT_MAX_PAIRS];
    char why[STRICT_WHY_MAX]; /* reason of the rejection */
};

/**
 * @brief Parse one CEF line (starting at "CEF:"). Rejects: raw control characters, invalid
 * UTF-8, header escapes other than \\ and \|, extension escapes other than \\ \= \n \r,
 * unescaped '=' inside a value, keys that are not [A-Za-z0-9]+, duplicate keys, empty
 * values, values with leading or trailing spaces, csN/cnN/c6aN without the label key
 * right before them. @return 0, or -1 with m->why set. Free with strict_cef_free().
 */
int strict_cef_parse(const char *line, size_t len, struct strict_cef *m);
void strict_cef_free(struct strict_cef *m);
/** @brief Decoded value of @p key, or NULL. */
const char *strict_cef_get(const struct strict_cef *m, const char *key);

struct strict_leef {
    char *hdr[5]; /* version ("2.0"), vendor, product, device version, event id */
    char delim;
    size_t npairs;
    struct strict_pair pairs[STRICT_MAX_PAIRS];
    char why[STRICT_WHY_MAX];
};

/**
 * @brief Split a LEEF 1.0 (TAB) or 2.0 (declared delimiter) line. Rejects raw control
 * characters (except the LEEF 1.0 TAB), invalid UTF-8, '|' or empty header fields,
 * non-alphanumeric or duplicate keys, empty values, values with leading/trailing spaces.
 */
int strict_leef_parse(const char *line, size_t len, struct strict_leef *m);
void strict_leef_free(struct strict_leef *m);
const char *strict_leef_get(const struct strict_leef *m, const char *key);

#define STRICT_5424_ALLOW_BOM 1 /* accept MSG-UTF8 with a BOM (valid RFC 5424, not our policy) */

struct strict_sd_param {
    char *id, *name, *value; /* value decoded */
};

struct strict_5424 {
    int pri;
    char ts[40], host[256], app[49], procid[129], msgid[33];
    const char *sd; /* points into the frame */
    size_t sd_len;
    const char *msg; /* NULL when the frame has no "SP MSG" part */
    size_t msg_len;
    size_t nparams;
    struct strict_sd_param params[16];
    char why[STRICT_WHY_MAX];
};

/**
 * @brief Validate one RFC 5424 frame (no framing) per the ABNF of RFC 5424 section 6 and
 * the "invalid frames" list of formats.md 5.4; also rejects raw control characters and a
 * BOM (unless STRICT_5424_ALLOW_BOM) in MSG, unescaped ']' and unknown escapes in
 * PARAM-VALUE, leading zeros in PRI. Free with strict_5424_free().
 */
int strict_5424_parse(const char *frame, size_t len, int flags, struct strict_5424 *f);
void strict_5424_free(struct strict_5424 *f);
const char *strict_5424_param(const struct strict_5424 *f, const char *id, const char *name);

/** @brief Strict RFC 3629 UTF-8 check. */
bool strict_utf8_valid(const char *s, size_t len);

#endif
