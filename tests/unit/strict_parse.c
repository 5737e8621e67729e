/* strict_parse.c - strict CEF / LEEF / RFC 5424 readers for the format unit tests.
 * Written from the specs (CEF rev 27, LEEF 2.0 guide, RFC 5424 section 6), not from our
 * encoder: anything our encoder must never emit is an error here. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strict_parse.h"
#include "xalloc.h"

static int fail(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(char *why, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, STRICT_WHY_MAX, fmt, ap);
    va_end(ap);
    return -1;
}

bool strict_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t k;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            k = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            k = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            k = 3;
        else
            return false;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
        else if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
        if (len - i < k + 1)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t j = 2; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
        i += k + 1;
    }
    return true;
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool has_ctl(const char *s, size_t len, char allowed)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 || c == 0x7F) && !(allowed != '\0' && c == (unsigned char)allowed))
            return true;
    }
    return false;
}

static char *dup_n(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Shared checks of a decoded key/value list: duplicates, empty or space-padded values. */
static int check_pairs(struct strict_pair *pairs, size_t n, char *why)
{
    for (size_t i = 0; i < n; i++) {
        size_t vl = strlen(pairs[i].val);
        if (vl == 0)
            return fail(why, "empty value of %s", pairs[i].key);
        if (pairs[i].val[0] == ' ' || pairs[i].val[vl - 1] == ' ')
            return fail(why, "value of %s has leading/trailing space", pairs[i].key);
        for (size_t j = 0; j < i; j++)
            if (strcmp(pairs[i].key, pairs[j].key) == 0)
                return fail(why, "duplicate key %s", pairs[i].key);
    }
    return 0;
}

/* ---- CEF ---- */

/* One header field up to the next unescaped '|'; only \\ and \| are escapes. */
static int cef_hdr_field(const char **pp, const char *end, char **out, char *why)
{
    const char *p = *pp;
    char *buf = xmalloc((size_t)(end - p) + 1);
    size_t o = 0;

    while (p < end && *p != '|') {
        if (*p == '\\') {
            if (p + 1 >= end || (p[1] != '\\' && p[1] != '|')) {
                free(buf);
                return fail(why, "invalid header escape at offset %td", p - *pp);
            }
            p++;
        }
        buf[o++] = *p++;
    }
    buf[o] = '\0';
    if (p >= end) {
        free(buf);
        return fail(why, "header ends early");
    }
    *pp = p + 1;
    *out = buf;
    return 0;
}

/* At a SP: does "key=" (alphanumeric key) follow? */
static bool key_follows(const char *p, const char *end)
{
    const char *k = p + 1;

    while (k < end && is_alnum(*k))
        k++;
    return k > p + 1 && k < end && *k == '=';
}

static bool needs_label(const char *key)
{
    static const char *const pfx[] = {
        "cs", "cn", "c6a", "cfp", "flexString", "flexDate", "deviceCustomDate"};
    for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
        size_t n = strlen(pfx[i]);
        if (strncmp(key, pfx[i], n) == 0 && key[n] >= '1' && key[n] <= '9' && key[n + 1] == '\0')
            return true;
    }
    return false;
}

static int cef_labels(struct strict_cef *m)
{
    for (size_t i = 0; i < m->npairs; i++) {
        const char *k = m->pairs[i].key;
        size_t kl = strlen(k);
        if (needs_label(k)) {
            if (i == 0 || strncmp(m->pairs[i - 1].key, k, kl) != 0 ||
                strcmp(m->pairs[i - 1].key + kl, "Label") != 0)
                return fail(m->why, "%s without its Label right before it", k);
        } else if (kl > 5 && strcmp(k + kl - 5, "Label") == 0) {
            if (i + 1 >= m->npairs || strlen(m->pairs[i + 1].key) != kl - 5 ||
                strncmp(m->pairs[i + 1].key, k, kl - 5) != 0)
                return fail(m->why, "%s not followed by its value key", k);
        }
    }
    return 0;
}

static int cef_ext(const char *p, const char *end, struct strict_cef *m)
{
    while (p < end) {
        const char *k = p;
        char *val;
        size_t o = 0;
        while (p < end && is_alnum(*p))
            p++;
        if (p == k || p >= end || *p != '=')
            return fail(m->why, "bad key at \"%.20s\"", k);
        if (m->npairs == STRICT_MAX_PAIRS)
            return fail(m->why, "too many pairs");
        m->pairs[m->npairs].key = dup_n(k, (size_t)(p - k));
        val = xmalloc((size_t)(end - p) + 1);
        m->pairs[m->npairs].val = val;
        m->npairs++;
        p++;
        while (p < end) {
            if (*p == ' ' && key_follows(p, end)) {
                p++;
                break;
            }
            if (*p == '=')
                return fail(m->why, "unescaped '=' in value of %s", m->pairs[m->npairs - 1].key);
            if (*p == '\\') {
                if (p + 1 >= end)
                    return fail(m->why, "lone trailing backslash");
                switch (p[1]) {
                case '\\':
                case '=':
                    val[o++] = p[1];
                    break;
                case 'n':
                    val[o++] = '\n';
                    break;
                case 'r':
                    val[o++] = '\r';
                    break;
                default:
                    return fail(m->why, "invalid extension escape \\%c", p[1]);
                }
                p += 2;
                continue;
            }
            val[o++] = *p++;
        }
        val[o] = '\0';
    }
    return 0;
}

int strict_cef_parse(const char *line, size_t len, struct strict_cef *m)
{
    const char *p = line, *end = line + len;
    char *endp;
    long sev;

    memset(m, 0, sizeof(*m));
    if (!strict_utf8_valid(line, len))
        return fail(m->why, "invalid UTF-8");
    if (has_ctl(line, len, '\0'))
        return fail(m->why, "raw control character");
    if (len < 4 || memcmp(line, "CEF:", 4) != 0)
        return fail(m->why, "no CEF: prefix");
    p += 4;
    for (int i = 0; i < 7; i++) {
        if (cef_hdr_field(&p, end, &m->hdr[i], m->why) < 0)
            return -1;
        if (m->hdr[i][0] == '\0')
            return fail(m->why, "empty header field %d", i);
    }
    if (strcmp(m->hdr[0], "0") != 0 && strcmp(m->hdr[0], "1") != 0)
        return fail(m->why, "CEF version %s", m->hdr[0]);
    sev = strtol(m->hdr[6], &endp, 10);
    if (*endp != '\0' || sev < 0 || sev > 10 || m->hdr[6][0] == '-' || m->hdr[6][0] == '+')
        return fail(m->why, "severity %s", m->hdr[6]);
    if (cef_ext(p, end, m) < 0)
        return -1;
    if (check_pairs(m->pairs, m->npairs, m->why) < 0)
        return -1;
    return cef_labels(m);
}

static void free_pairs(struct strict_pair *pairs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(pairs[i].key);
        free(pairs[i].val);
    }
}

void strict_cef_free(struct strict_cef *m)
{
    for (int i = 0; i < 7; i++)
        free(m->hdr[i]);
    free_pairs(m->pairs, m->npairs);
    memset(m, 0, sizeof(*m));
}

static const char *get(const struct strict_pair *pairs, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(pairs[i].key, key) == 0)
            return pairs[i].val;
    return NULL;
}

const char *strict_cef_get(const struct strict_cef *m, const char *key)
{
    return get(m->pairs, m->npairs, key);
}

/* ---- LEEF ---- */

static int leef_delim(const char *f, char *delim, char *why)
{
    const char *h = f;
    char *endp;
    long v;

    if (f[0] != '\0' && f[1] == '\0') {
        *delim = f[0];
        return 0;
    }
    if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
        h += 2;
    else if (h[0] == 'x' || h[0] == 'X')
        h += 1;
    else
        return fail(why, "bad delimiter field %s", f);
    if (strlen(h) < 1 || strlen(h) > 4)
        return fail(why, "bad delimiter field %s", f);
    v = strtol(h, &endp, 16);
    if (*endp != '\0' || v <= 0 || v > 0x7F)
        return fail(why, "bad delimiter field %s", f);
    *delim = (char)v;
    return 0;
}

int strict_leef_parse(const char *line, size_t len, struct strict_leef *m)
{
    const char *p, *end = line + len;
    int nhdr;

    memset(m, 0, sizeof(*m));
    if (!strict_utf8_valid(line, len))
        return fail(m->why, "invalid UTF-8");
    if (len >= 9 && memcmp(line, "LEEF:2.0|", 9) == 0)
        nhdr = 6;
    else if (len >= 9 && memcmp(line, "LEEF:1.0|", 9) == 0)
        nhdr = 5;
    else
        return fail(m->why, "no LEEF:1.0|/LEEF:2.0| prefix");
    m->hdr[0] = dup_n(line + 5, 3);
    p = line + 9;
    for (int i = 1; i < nhdr; i++) {
        const char *bar = memchr(p, '|', (size_t)(end - p));
        char *field;
        if (bar == NULL)
            return fail(m->why, "header ends early");
        field = dup_n(p, (size_t)(bar - p));
        if (field[0] == '\0' || has_ctl(field, strlen(field), '\0')) {
            free(field);
            return fail(m->why, "empty or control character in header field %d", i);
        }
        p = bar + 1;
        if (i < 5) {
            m->hdr[i] = field;
            continue;
        }
        if (leef_delim(field, &m->delim, m->why) < 0) {
            free(field);
            return -1;
        }
        free(field);
    }
    if (nhdr == 5)
        m->delim = '\t';
    if (has_ctl(p, (size_t)(end - p), nhdr == 5 ? '\t' : '\0'))
        return fail(m->why, "raw control character in attributes");
    while (p < end) {
        const char *d = memchr(p, m->delim, (size_t)(end - p));
        const char *seg_end = d ? d : end, *k = p;
        if (m->npairs == STRICT_MAX_PAIRS)
            return fail(m->why, "too many attributes");
        while (k < seg_end && is_alnum(*k))
            k++;
        if (k == p || k >= seg_end || *k != '=')
            return fail(m->why, "bad key at \"%.20s\"", p);
        m->pairs[m->npairs].key = dup_n(p, (size_t)(k - p));
        m->pairs[m->npairs].val = dup_n(k + 1, (size_t)(seg_end - k - 1));
        m->npairs++;
        if (d != NULL && d + 1 == end)
            return fail(m->why, "trailing delimiter");
        p = d ? d + 1 : end;
    }
    return check_pairs(m->pairs, m->npairs, m->why);
}

void strict_leef_free(struct strict_leef *m)
{
    for (int i = 0; i < 5; i++)
        free(m->hdr[i]);
    free_pairs(m->pairs, m->npairs);
    memset(m, 0, sizeof(*m));
}

const char *strict_leef_get(const struct strict_leef *m, const char *key)
{
    return get(m->pairs, m->npairs, key);
}

/* ---- RFC 5424 ---- */

static bool num(const char *p, int n, int *v)
{
    int x = 0;

    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        x = x * 10 + (p[i] - '0');
    }
    *v = x;
    return true;
}

static int mdays(int y, int mo)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return mo == 2 && leap ? 29 : d[mo - 1];
}

/* RFC 5424 6.2.3: FULL-DATE "T" FULL-TIME, upper-case T and Z, 1-6 fraction digits,
 * no leap seconds. */
static int check_ts(const char *t, size_t n, char *why)
{
    int y, mo, d, h, mi, s, oh, om;
    size_t i = 19, nf = 0;

    if (n == 1 && t[0] == '-')
        return 0;
    if (n < 20 || !num(t, 4, &y) || t[4] != '-' || !num(t + 5, 2, &mo) || t[7] != '-' ||
        !num(t + 8, 2, &d) || t[10] != 'T' || !num(t + 11, 2, &h) || t[13] != ':' ||
        !num(t + 14, 2, &mi) || t[16] != ':' || !num(t + 17, 2, &s))
        return fail(why, "bad TIMESTAMP %.*s", (int)n, t);
    if (mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo) || h > 23 || mi > 59 || s > 59)
        return fail(why, "TIMESTAMP out of range (or leap second) %.*s", (int)n, t);
    if (t[i] == '.') {
        for (i++; i < n && t[i] >= '0' && t[i] <= '9'; i++)
            nf++;
        if (nf < 1 || nf > 6)
            return fail(why, "TIME-SECFRAC of %zu digits", nf);
    }
    if (i + 1 == n && t[i] == 'Z')
        return 0;
    if (i + 6 == n && (t[i] == '+' || t[i] == '-') && num(t + i + 1, 2, &oh) && t[i + 3] == ':' &&
        num(t + i + 4, 2, &om) && oh <= 23 && om <= 59)
        return 0;
    return fail(why, "bad TIME-OFFSET in %.*s", (int)n, t);
}

/* A header field: NILVALUE or 1..max PRINTUSASCII, followed by SP. */
static int hdr_token(const char **pp, const char *end, char *out, size_t max, const char *name,
                     char *why)
{
    const char *p = *pp, *sp = memchr(p, ' ', (size_t)(end - p));
    size_t n;

    if (sp == NULL)
        return fail(why, "frame ends in %s", name);
    n = (size_t)(sp - p);
    if (n == 0 || n > max)
        return fail(why, "%s of %zu characters", name, n);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 33 || (unsigned char)p[i] > 126)
            return fail(why, "%s has a character outside 33..126", name);
    memcpy(out, p, n);
    out[n] = '\0';
    *pp = sp + 1;
    return 0;
}

static int sd_name(const char **pp, const char *end, char out[33], char *why)
{
    const char *p = *pp;
    size_t n = 0;

    while (p + n < end && n <= 32) {
        unsigned char c = (unsigned char)p[n];
        if (c < 33 || c > 126 || c == '=' || c == ' ' || c == ']' || c == '"')
            break;
        n++;
    }
    if (n == 0 || n > 32)
        return fail(why, "SD-NAME of %zu characters", n);
    memcpy(out, p, n);
    out[n] = '\0';
    *pp = p + n;
    return 0;
}

/* RFC 5424 6.3.2 / 7: "name@<digits>" or an IANA-registered SD-ID. */
static bool sd_id_ok(const char *id)
{
    static const char *const iana[] = {"timeQuality", "origin", "meta"};
    const char *at = strchr(id, '@');

    if (at == NULL) {
        for (size_t i = 0; i < sizeof(iana) / sizeof(iana[0]); i++)
            if (strcmp(id, iana[i]) == 0)
                return true;
        return false;
    }
    if (at == id || at[1] == '\0' || strchr(at + 1, '@') != NULL)
        return false;
    for (const char *q = at + 1; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    return true;
}

static int sd_value(const char **pp, const char *end, char **out, char *why)
{
    const char *p = *pp;
    char *v = xmalloc((size_t)(end - p) + 1);
    size_t o = 0;

    for (;;) {
        if (p >= end) {
            free(v);
            return fail(why, "PARAM-VALUE not closed");
        }
        if (*p == '"')
            break;
        if (*p == '\\') {
            if (p + 1 >= end || (p[1] != '"' && p[1] != '\\' && p[1] != ']')) {
                free(v);
                return fail(why, "invalid escape in PARAM-VALUE");
            }
            p++;
        } else if (*p == ']' || (unsigned char)*p < 0x20 || *p == 0x7F) {
            free(v);
            return fail(why, "unescaped ']' or control character in PARAM-VALUE");
        }
        v[o++] = *p++;
    }
    v[o] = '\0';
    *out = v;
    *pp = p + 1;
    return 0;
}

static int sd_element(const char **pp, const char *end, struct strict_5424 *f, char ids[][33],
                      size_t *nids)
{
    const char *p = *pp + 1;
    char id[33], name[33];

    if (sd_name(&p, end, id, f->why) < 0)
        return -1;
    if (!sd_id_ok(id))
        return fail(f->why, "SD-ID %s is neither name@PEN nor IANA-registered", id);
    for (size_t i = 0; i < *nids; i++)
        if (strcmp(ids[i], id) == 0)
            return fail(f->why, "SD-ID %s twice", id);
    if (*nids == 16)
        return fail(f->why, "too many SD elements");
    memcpy(ids[(*nids)++], id, sizeof(id));
    while (p < end && *p == ' ') {
        struct strict_sd_param *sp;
        p++;
        if (sd_name(&p, end, name, f->why) < 0)
            return -1;
        if (p + 1 >= end || p[0] != '=' || p[1] != '"')
            return fail(f->why, "SD-PARAM %s without =\"", name);
        p += 2;
        if (f->nparams == 16)
            return fail(f->why, "too many SD params");
        sp = &f->params[f->nparams];
        if (sd_value(&p, end, &sp->value, f->why) < 0)
            return -1;
        sp->id = dup_n(id, strlen(id));
        sp->name = dup_n(name, strlen(name));
        f->nparams++;
    }
    if (p >= end || *p != ']')
        return fail(f->why, "SD-ELEMENT %s not closed by ']'", id);
    *pp = p + 1;
    return 0;
}

static int check_sd(const char **pp, const char *end, struct strict_5424 *f)
{
    const char *p = *pp;
    char ids[16][33];
    size_t nids = 0;

    f->sd = p;
    if (p < end && *p == '-') {
        p++;
    } else if (p < end && *p == '[') {
        while (p < end && *p == '[')
            if (sd_element(&p, end, f, ids, &nids) < 0)
                return -1;
    } else {
        return fail(f->why, "STRUCTURED-DATA missing");
    }
    f->sd_len = (size_t)(p - f->sd);
    *pp = p;
    return 0;
}

int strict_5424_parse(const char *frame, size_t len, int flags, struct strict_5424 *f)
{
    const char *p = frame, *end = frame + len, *gt;
    size_t tslen;

    memset(f, 0, sizeof(*f));
    if (!strict_utf8_valid(frame, len))
        return fail(f->why, "invalid UTF-8");
    gt = len > 0 ? memchr(frame, '>', len < 5 ? len : 5) : NULL;
    if (len < 3 || frame[0] != '<' || gt == NULL || gt - frame < 2 ||
        !num(frame + 1, (int)(gt - frame - 1), &f->pri))
        return fail(f->why, "bad PRI");
    if (gt - frame > 2 && frame[1] == '0')
        return fail(f->why, "PRI with a leading zero");
    if (f->pri > 191)
        return fail(f->why, "PRIVAL %d > 191", f->pri);
    p = gt + 1;
    if (end - p < 2 || p[0] != '1' || p[1] != ' ')
        return fail(f->why, "VERSION is not 1");
    p += 2;
    if (hdr_token(&p, end, f->ts, sizeof(f->ts) - 1, "TIMESTAMP", f->why) < 0)
        return -1;
    tslen = strlen(f->ts);
    if (check_ts(f->ts, tslen, f->why) < 0 ||
        hdr_token(&p, end, f->host, 255, "HOSTNAME", f->why) < 0 ||
        hdr_token(&p, end, f->app, 48, "APP-NAME", f->why) < 0 ||
        hdr_token(&p, end, f->procid, 128, "PROCID", f->why) < 0)
        return -1;
    /* MSGID is followed by SP and STRUCTURED-DATA */
    if (hdr_token(&p, end, f->msgid, 32, "MSGID", f->why) < 0 || check_sd(&p, end, f) < 0)
        return -1;
    if (p == end)
        return 0;
    if (*p != ' ')
        return fail(f->why, "no SP after STRUCTURED-DATA");
    f->msg = p + 1;
    f->msg_len = (size_t)(end - f->msg);
    if (f->msg_len > 0 && f->msg[0] == '[')
        return fail(f->why, "SP between SD elements (MSG starts with '[')");
    if (f->msg_len >= 3 && memcmp(f->msg, "\xEF\xBB\xBF", 3) == 0 &&
        !(flags & STRICT_5424_ALLOW_BOM))
        return fail(f->why, "BOM in MSG");
    if (has_ctl(f->msg, f->msg_len, '\0'))
        return fail(f->why, "raw control character in MSG");
    return 0;
}

void strict_5424_free(struct strict_5424 *f)
{
    for (size_t i = 0; i < f->nparams; i++) {
        free(f->params[i].id);
        free(f->params[i].name);
        free(f->params[i].value);
    }
    f->nparams = 0;
}

const char *strict_5424_param(const struct strict_5424 *f, const char *id, const char *name)
{
    for (size_t i = 0; i < f->nparams; i++)
        if (strcmp(f->params[i].id, id) == 0 && strcmp(f->params[i].name, name) == 0)
            return f->params[i].value;
    return NULL;
}
