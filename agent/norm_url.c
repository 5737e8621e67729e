/* norm_url.c - pieces of a logged request: URL (with or without scheme, format B's host:port/path),
 * host:port and IPv6 forms, and the four request headers the normalizer reads.
 * Knows nothing of events or endpoint classes. */
#include "config.h"
#include <string.h>
#include <strings.h>
#include "norm_internal.h"

static int parse_port(const char *s, size_t n)
{
    int v = 0;

    if (n == 0 || n > 5)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v <= 65535 ? v : 0;
}

/* "host", "host:port", "[v6]:port", "v6" -> host slice and port. */
void split_hostport(const char *s, size_t n, const char **h, size_t *hl, int *port)
{
    const char *c;

    *port = 0;
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *h = s;
    *hl = n;
    if (n > 0 && s[0] == '[') {
        c = memchr(s, ']', n);
        if (c == NULL)
            return;
        *h = s + 1;
        *hl = (size_t)(c - s - 1);
        if ((size_t)(c - s) + 1 < n && c[1] == ':')
            *port = parse_port(c + 2, n - (size_t)(c - s) - 2);
        return;
    }
    c = memchr(s, ':', n);
    if (c && memchr(c + 1, ':', n - (size_t)(c - s) - 1) == NULL) {
        *hl = (size_t)(c - s);
        *port = parse_port(c + 1, n - (size_t)(c - s) - 1);
    }
}


static void header_one(struct hdrs *h, const char *name, size_t nl, const char *val, size_t vl)
{
#define HN(lit) (nl == sizeof(lit) - 1 && strncasecmp(name, lit, nl) == 0)
    if (val == NULL)
        return;
    if (HN("host")) {
        h->host = val;
        h->host_l = vl;
    } else if (HN("user-agent")) {
        h->ua = val;
        h->ua_l = vl;
    } else if (HN("x-forwarded-for")) {
        h->xff = val;
        h->xff_l = vl;
    } else if (HN("x-real-ip")) {
        h->xri = val;
        h->xri_l = vl;
    }
#undef HN
}

/* headers: [{name,value}], ["Name: value"], or {"Name": "value"}. Only four names are read. */
void parse_headers(struct hdrs *h, struct jnode *headers)
{
    struct jit it;
    const char *k, *s, *v;
    size_t sl, vl, nl;
    struct jnode *e;

    memset(h, 0, sizeof(*h));
    jit_init(&it, headers);
    while (jit_next(&it, &k, &e)) {
        vl = 0;
        if (k != NULL) {
            v = jv_str(e, &vl);
            header_one(h, k, strlen(k), v, vl);
        } else if (jv_is_obj(e)) {
            if ((s = jv_str(jv_get(e, "name"), &sl)) != NULL) {
                v = jv_str(jv_get(e, "value"), &vl);
                header_one(h, s, sl, v, vl);
            }
        } else if ((s = jv_str(e, &sl)) != NULL) {
            const char *c = memchr(s, ':', sl);
            if (c == NULL)
                continue;
            nl = (size_t)(c - s);
            for (v = c + 1; v < s + sl && (*v == ' ' || *v == '\t'); v++)
                ;
            header_one(h, s, nl, v, (size_t)(s + sl - v));
        }
    }
}


/* "scheme://[userinfo@]authority/path?query#frag", "authority/path" (format B), or "/path". */
void parse_url(struct url *u, const char *s, size_t n)
{
    const char *e = s + n, *p = s, *q;

    memset(u, 0, sizeof(*u));
    for (q = s; q + 2 < e && *q != '/' && *q != '?'; q++) {
        if (q[0] == ':' && q[1] == '/' && q[2] == '/' && q > s) {
            u->scheme = s;
            u->scheme_l = (size_t)(q - s);
            p = q + 3;
            break;
        }
    }
    if (u->scheme || (p < e && *p != '/')) {
        for (q = p; q < e && *q != '/' && *q != '?' && *q != '#'; q++)
            ;
        const char *at = memrchr(p, '@', (size_t)(q - p));
        u->auth = at ? at + 1 : p; /* userinfo (credentials) is never kept */
        u->auth_l = (size_t)(q - u->auth);
        p = q;
    }
    q = memchr(p, '?', (size_t)(e - p));
    const char *h = memchr(p, '#', (size_t)((q ? q : e) - p));
    if (h)
        q = h;
    else if (q == NULL)
        q = e;
    u->path = p;
    u->path_l = (size_t)(q - p);
    if (q < e && *q == '?') {
        h = memchr(q, '#', (size_t)(e - q));
        u->query = q + 1;
        u->query_l = (size_t)((h ? h : e) - q - 1);
    }
}
