/* redact.c - decides which keys, headers, path segments and query values are secret, and
 * produces redacted copies. Knows nothing of documents, events or endpoint classes. */
#include "config.h"
#include <string.h>
#include <strings.h>
#include "ascii.h"
#include "redact.h"

static inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* @p needle is lower case. */
static bool icontains(const char *s, size_t n, const char *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++) {
        if (lower(s[i]) != needle[0])
            continue;
        size_t j = 1;
        while (j < m && lower(s[i + j]) == needle[j])
            j++;
        if (j == m)
            return true;
    }
    return false;
}

static bool ieq(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n == m && strncasecmp(s, lit, m) == 0;
}

bool redact_key_is_sensitive(const char *key, size_t len)
{
#define W(s) { s, sizeof(s) - 1 }
    static const struct { const char *w; size_t n; } words[] = {
        W("password"), W("passwd"), W("secret"), W("token"), W("signature"), W("key"),
        W("credential"), W("private"),
    };
#undef W

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (icontains(key, len, words[i].w, words[i].n))
            return true;
    }
    return false;
}

bool redact_header_is_sensitive(const char *name, size_t len)
{
    return ieq(name, len, "authorization") || ieq(name, len, "proxy-authorization") ||
           ieq(name, len, "cookie") || ieq(name, len, "set-cookie") ||
           redact_key_is_sensitive(name, len);
}

bool redact_query_key_is_sensitive(const char *key, size_t len)
{
    char dec[128];
    size_t n;

    if (len >= sizeof(dec))
        return true; /* absurd key: keep nothing of its value */
    n = pct_decode(key, len, dec, sizeof(dec));
    return redact_key_is_sensitive(dec, n) || ieq(dec, n, "samlrequest") ||
           ieq(dec, n, "samlresponse") || ieq(dec, n, "relaystate");
}

size_t pct_decode(const char *s, size_t len, char *out, size_t outsz)
{
    size_t o = 0;

    if (outsz == 0)
        return 0;
    for (size_t i = 0; i < len && o + 1 < outsz; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = ascii_hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = ascii_hexval((unsigned char)s[i + 2])) >= 0) {
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return o;
}

/* Bounded appender for the copy functions. */
struct outb {
    char *p;
    size_t n, cap;
};

static void put(struct outb *o, const char *s, size_t n)
{
    if (n == 0 || o->n + 1 >= o->cap)
        return;
    if (n > o->cap - 1 - o->n)
        n = o->cap - 1 - o->n;
    memcpy(o->p + o->n, s, n);
    o->n += n;
}

static bool seg_is(const char *s, size_t n, const char *lit)
{
    char dec[64];
    size_t m;

    if (n >= sizeof(dec) * 3)
        return false;
    if (memchr(s, '%', n) == NULL)
        return n == strlen(lit) && memcmp(s, lit, n) == 0;
    m = pct_decode(s, n, dec, sizeof(dec));
    return m == strlen(lit) && memcmp(dec, lit, m) == 0;
}

size_t redact_path(const char *p, size_t len, char *out, size_t outsz)
{
    struct outb o = { out, 0, outsz };
    bool secret_next = false;
    size_t i = 0;

    if (outsz == 0)
        return 0;
    while (i < len) {
        size_t j = i;
        if (p[i] == '/') {
            put(&o, "/", 1);
            i++;
            continue;
        }
        while (j < len && p[j] != '/')
            j++;
        if (secret_next)
            put(&o, REDACTED_TEXT, sizeof(REDACTED_TEXT) - 1);
        else
            put(&o, p + i, j - i);
        /* (a percent-encoded segment is longer than its name, so no length shortcut for it) */
        secret_next = (j - i >= 11 && (p[i] == 'e' || p[i] == 'i' || p[i] == '%')) &&
                      (seg_is(p + i, j - i, "enrollment-tokens") || seg_is(p + i, j - i, "invitations"));
        i = j;
    }
    out[o.n] = '\0';
    return o.n;
}

size_t redact_query(const char *q, size_t len, char *out, size_t outsz)
{
    struct outb o = { out, 0, outsz };
    size_t i = 0;

    if (outsz == 0)
        return 0;
    while (i < len) {
        size_t j = i, eq;
        while (j < len && q[j] != '&')
            j++;
        for (eq = i; eq < j && q[eq] != '='; eq++)
            ;
        if (eq < j && redact_query_key_is_sensitive(q + i, eq - i)) {
            put(&o, q + i, eq - i + 1);
            put(&o, REDACTED_TEXT, sizeof(REDACTED_TEXT) - 1);
        } else {
            put(&o, q + i, j - i);
        }
        if (j < len)
            put(&o, "&", 1);
        i = j + 1;
    }
    out[o.n] = '\0';
    return o.n;
}
