/* endpoint_match.c - compiles the endpoint table's path templates once and matches
 * method + normalized path against them (literal segments beat placeholders).
 * Knows nothing of document shapes or payloads. */
#include "config.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "endpoints.h"
#include "normalize.h"
#include "redact.h"

/* ---- compiled table ---- */

enum seg_kind { SK_LIT, SK_SET, SK_ENUM, SK_VAR, SK_REST };

#define MAX_TSEG 12
#define MAX_PSEG 32
#define MAX_GROUPS 32
#define MAX_ROWS 512

struct cseg {
    uint8_t kind;
    uint8_t name_len;
    uint16_t lit_len;
    const char *name;
    const char *lit; /* literal, or "a|b|c" alternatives */
};

struct crow {
    uint8_t nseg;
    uint8_t rest; /* last segment is a catch-all */
    struct cseg seg[MAX_TSEG];
};

struct group {
    const char *lit;
    size_t len;
    size_t start, count;
};

static const struct endpoint *rows;
static size_t n_rows;
static struct crow crows[MAX_ROWS];
static uint16_t grp_rows[MAX_ROWS];
static struct group groups[MAX_GROUPS];
static size_t n_groups;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static const struct {
    const char *name;
    const char *set;
} named_sets[] = {
    { "resource_kind", "elasticsearch|kibana|apm|appsearch|enterprise_search|integrations_server" },
    { "stateless_resource_kind", "kibana|apm|appsearch|enterprise_search|integrations_server" },
    { "kind", "elasticsearch|kibana|apm" },
    { "component", "adminconsoles|allocators|constructors|runners" },
};

static int compile_seg(struct cseg *s, const char *p, size_t n, bool last)
{
    memset(s, 0, sizeof(*s));
    if (n == 0)
        return -1;
    if (p[0] != '{') {
        s->kind = SK_LIT;
        s->lit = p;
        s->lit_len = (uint16_t)n;
        return 0;
    }
    if (n < 3 || p[n - 1] != '}')
        return -1;
    p++;
    n -= 2;
    const char *colon = memchr(p, ':', n);
    if (colon) {
        s->kind = SK_SET;
        s->name = p;
        s->name_len = (uint8_t)(colon - p);
        s->lit = colon + 1;
        s->lit_len = (uint16_t)(n - (size_t)(colon - p) - 1);
        return 0;
    }
    if (n > 3 && memcmp(p + n - 3, "...", 3) == 0) {
        if (!last)
            return -1;
        s->kind = SK_REST;
        s->name = p;
        s->name_len = (uint8_t)(n - 3);
        return 0;
    }
    s->kind = SK_VAR;
    s->name = p;
    s->name_len = (uint8_t)n;
    for (size_t i = 0; i < sizeof(named_sets) / sizeof(named_sets[0]); i++) {
        if (strlen(named_sets[i].name) == n && memcmp(named_sets[i].name, p, n) == 0) {
            s->kind = SK_ENUM;
            s->lit = named_sets[i].set;
            s->lit_len = (uint16_t)strlen(named_sets[i].set);
        }
    }
    return 0;
}

static int compile_row(struct crow *cr, const char *t)
{
    const char *p = t;

    cr->nseg = 0;
    cr->rest = 0;
    if (*p != '/')
        return -1;
    while (*p == '/') {
        const char *q = ++p;
        while (*q && *q != '/')
            q++;
        if (cr->nseg >= MAX_TSEG)
            return -1;
        if (compile_seg(&cr->seg[cr->nseg], p, (size_t)(q - p), *q == '\0') != 0)
            return -1;
        if (cr->seg[cr->nseg].kind == SK_REST)
            cr->rest = 1;
        cr->nseg++;
        p = q;
    }
    return cr->seg[0].kind == SK_LIT ? 0 : -1;
}

static void table_init(void)
{
    size_t counts[MAX_GROUPS] = { 0 }, fill[MAX_GROUPS] = { 0 };
    uint8_t gof[MAX_ROWS];

    rows = endpoints_rows(&n_rows);
    if (n_rows > MAX_ROWS)
        n_rows = MAX_ROWS; /* test_endpoints checks endpoints_count() against this */
    for (size_t r = 0; r < n_rows; r++) {
        size_t g;
        if (compile_row(&crows[r], rows[r].tmpl) != 0) {
            crows[r].nseg = 0; /* never matches; test_endpoints checks every row */
            gof[r] = 0xFF;
            continue;
        }
        const struct cseg *s0 = &crows[r].seg[0];
        for (g = 0; g < n_groups; g++) {
            if (groups[g].len == s0->lit_len && memcmp(groups[g].lit, s0->lit, s0->lit_len) == 0)
                break;
        }
        if (g == n_groups) {
            if (n_groups >= MAX_GROUPS) {
                crows[r].nseg = 0;
                gof[r] = 0xFF;
                continue;
            }
            groups[g].lit = s0->lit;
            groups[g].len = s0->lit_len;
            n_groups++;
        }
        gof[r] = (uint8_t)g;
        counts[g]++;
    }
    for (size_t g = 0, at = 0; g < n_groups; g++) {
        groups[g].start = at;
        groups[g].count = counts[g];
        at += counts[g];
    }
    for (size_t r = 0; r < n_rows; r++) {
        if (gof[r] != 0xFF)
            grp_rows[groups[gof[r]].start + fill[gof[r]]++] = (uint16_t)r;
    }
}

/* ---- matching ---- */

struct pseg {
    const char *raw, *dec;
    size_t rawlen, declen;
};

static bool in_set(const char *set, size_t setlen, const char *s, size_t n)
{
    const char *p = set, *e = set + setlen;

    while (p < e) {
        const char *q = memchr(p, '|', (size_t)(e - p));
        size_t l = q ? (size_t)(q - p) : (size_t)(e - p);
        if (l == n && memcmp(p, s, n) == 0)
            return true;
        p += l + 1;
    }
    return false;
}

static unsigned method_bit(const char *m)
{
    if (m == NULL)
        return M_OTHER;
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
        return M_GET;
    if (strcmp(m, "POST") == 0)
        return M_POST;
    if (strcmp(m, "PUT") == 0)
        return M_PUT;
    if (strcmp(m, "PATCH") == 0)
        return M_PATCH;
    if (strcmp(m, "DELETE") == 0)
        return M_DELETE;
    return M_OTHER;
}

/* Split into non-empty segments, percent-decoding those that need it into @p dec. */
static size_t split_path(const char *p, const char *e, struct pseg *segs, bool *more, char *dec, size_t decsz)
{
    size_t n = 0, used = 0;

    *more = false;
    while (p < e) {
        while (p < e && *p == '/')
            p++;
        if (p >= e)
            break;
        const char *q = memchr(p, '/', (size_t)(e - p));
        if (q == NULL)
            q = e;
        if (n == MAX_PSEG) {
            *more = true;
            break;
        }
        struct pseg *s = &segs[n++];
        s->raw = s->dec = p;
        s->rawlen = s->declen = (size_t)(q - p);
        if (memchr(p, '%', s->rawlen) && used + s->rawlen + 1 <= decsz) {
            s->dec = dec + used;
            s->declen = pct_decode(p, s->rawlen, dec + used, decsz - used);
            used += s->declen + 1;
        }
        p = q;
    }
    return n;
}

static int match_row(const struct crow *cr, const struct pseg *segs, size_t n, bool more, uint64_t *score)
{
    size_t fixed = cr->rest ? (size_t)cr->nseg - 1 : cr->nseg;
    uint64_t sc = 0;

    if (cr->nseg == 0)
        return -1;
    if (cr->rest ? n < fixed : (n != fixed || more))
        return -1;
    for (size_t i = 0; i < fixed; i++) {
        const struct cseg *s = &cr->seg[i];
        const struct pseg *p = &segs[i];
        uint64_t pts;
        switch (s->kind) {
        case SK_LIT:
            if (p->declen != s->lit_len || memcmp(p->dec, s->lit, p->declen) != 0)
                return -1;
            pts = 3;
            break;
        case SK_SET:
        case SK_ENUM:
            if (!in_set(s->lit, s->lit_len, p->dec, p->declen))
                return -1;
            pts = s->kind == SK_SET ? 3 : 2;
            break;
        default:
            pts = 1;
            break;
        }
        if (i < 31)
            sc |= pts << (60 - 2 * i);
    }
    *score = sc;
    return 0;
}

static void capture(struct ep_match *m, const char *name, size_t nlen, const char *v, size_t vlen)
{
    struct ep_var *var;

    if (m->nvars >= EP_MAX_VARS || m->buf_len + vlen + 1 > sizeof(m->buf))
        return;
    var = &m->vars[m->nvars++];
    var->name = name;
    var->name_len = nlen;
    var->val = m->buf + m->buf_len;
    var->len = vlen;
    memcpy(m->buf + m->buf_len, v, vlen);
    m->buf[m->buf_len + vlen] = '\0';
    m->buf_len += vlen + 1;
}

const char *ep_var(const struct ep_match *m, const char *name, size_t *len)
{
    size_t n = strlen(name);

    for (int i = 0; i < m->nvars; i++) {
        if (m->vars[i].name_len == n && memcmp(m->vars[i].name, name, n) == 0) {
            if (len)
                *len = m->vars[i].len;
            return m->vars[i].val;
        }
    }
    return NULL;
}

static const char *unknown_class(const char *m)
{
    static const char *const known[][2] = {
        { "GET", "api.unknown.get" },       { "HEAD", "api.unknown.head" },
        { "POST", "api.unknown.post" },     { "PUT", "api.unknown.put" },
        { "PATCH", "api.unknown.patch" },   { "DELETE", "api.unknown.delete" },
        { "OPTIONS", "api.unknown.options" },
    };

    for (size_t i = 0; m && i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(m, known[i][0]) == 0)
            return known[i][1];
    }
    return "api.unknown.other";
}

/* API console: severity by method, 7 when the proxied path starts with a sensitive API. */
static void proxy_severity(struct audit_event *ev, const struct ep_match *m)
{
    static const char *const sensitive[] = { "_security", "_snapshot", "_cluster/settings", "_ilm",
                                              "_ingest", "_license", "api/security", "_xpack/security" };
    char dec[512];
    const char *p = dec;
    size_t n;
    unsigned mb = method_bit(ev->method);

    ev->severity = mb == M_GET ? 2 : mb == M_PUT || mb == M_PATCH ? 5 : mb == M_DELETE ? 6 : 3;
    if (m->rest == NULL)
        return;
    n = pct_decode(m->rest, m->rest_len < sizeof(dec) ? m->rest_len : sizeof(dec) - 1, dec, sizeof(dec));
    while (n > 0 && *p == '/') {
        p++;
        n--;
    }
    for (size_t i = 0; i < sizeof(sensitive) / sizeof(sensitive[0]); i++) {
        size_t l = strlen(sensitive[i]);
        if (n >= l && memcmp(p, sensitive[i], l) == 0 && (n == l || p[l] == '/' || p[l] == '?')) {
            ev->severity = 7;
            ev_setf(ev, &ev->reason, "API console call to %s", sensitive[i]);
            return;
        }
    }
}

static void set_targets(struct audit_event *ev, const struct ep_match *m)
{
    for (int i = 0; i < m->nvars; i++) {
        const struct ep_var *v = &m->vars[i];
        const char **f = NULL;
#define IS(lit) (v->name_len == sizeof(lit) - 1 && memcmp(v->name, lit, sizeof(lit) - 1) == 0)
        if (IS("deployment_id") || IS("cluster_id"))
            f = &ev->deployment_id;
        else if (IS("ref_id"))
            f = &ev->ref_id;
        else if (IS("resource_kind") || IS("stateless_resource_kind") || IS("kind"))
            f = &ev->resource_kind;
        else if (IS("user_name") || IS("user_id"))
            f = &ev->target_user;
        else if (IS("sso_target")) {
            /* ec:{organization_id}:{cluster_id} */
            const char *c = memrchr(v->val, ':', v->len);
            if (c && c + 1 < v->val + v->len)
                ev_setn(ev, &ev->deployment_id, c + 1, (size_t)(v->val + v->len - c - 1));
        }
#undef IS
        if (f)
            ev_setn(ev, f, v->val, v->len);
    }
}

int endpoints_match(struct audit_event *ev, struct ep_match *m)
{
    char dec[EV_FIELD_MAX + 64];
    struct pseg segs[MAX_PSEG];
    const char *p = ev->path ? ev->path : "/", *e;
    size_t n, best = SIZE_MAX;
    uint64_t best_score = 0;
    unsigned mb = method_bit(ev->method);
    bool more;

    pthread_once(&table_once, table_init);
    memset(m, 0, offsetof(struct ep_match, buf));
    m->row = -1;
    m->fail_sev = -1;
    e = p + strlen(p);
    if (e - p >= 7 && memcmp(p, "/api/v1", 7) == 0 && (p[7] == '/' || p[7] == '\0')) {
        /* not normalized yet (direct callers): drop /api/v1 and /regions/{region_id} */
        p += 7;
        n = split_path(p, e, segs, &more, dec, sizeof(dec));
        if (n >= 2 && segs[0].declen == 7 && memcmp(segs[0].dec, "regions", 7) == 0) {
            if (ev->region == NULL)
                ev_setn(ev, &ev->region, segs[1].dec, segs[1].declen);
            p = segs[1].raw + segs[1].rawlen;
        }
    }
    n = split_path(p, e, segs, &more, dec, sizeof(dec));
    for (size_t g = 0; n > 0 && g < n_groups; g++) {
        if (groups[g].len != segs[0].declen || memcmp(groups[g].lit, segs[0].dec, segs[0].declen) != 0)
            continue;
        for (size_t k = 0; k < groups[g].count; k++) {
            size_t r = grp_rows[groups[g].start + k];
            uint64_t sc;
            if (!(rows[r].methods & mb) || match_row(&crows[r], segs, n, more, &sc) != 0)
                continue;
            if (best == SIZE_MAX || sc > best_score) {
                best = r;
                best_score = sc;
            }
        }
        break;
    }
    if (best == SIZE_MAX) {
        ev->class = unknown_class(ev->method);
        ev->name = "Unknown ECE API call";
        ev->read_only = mb == M_GET;
        ev->severity = ev->read_only ? 1 : 3;
        m->base_sev = ev->severity;
        return 1;
    }

    const struct endpoint *row = &rows[best];
    const struct crow *cr = &crows[best];
    m->row = (int)best;
    m->flags = row->flags;
    m->esc = row->esc;
    m->base_sev = row->sev;
    m->fail_sev = row->fail_sev;
    for (size_t i = 0; i < cr->nseg; i++) {
        const struct cseg *s = &cr->seg[i];
        if (s->kind == SK_REST) {
            m->rest = i < n ? segs[i].raw : e;
            m->rest_len = (size_t)(e - m->rest);
        } else if (s->kind != SK_LIT && s->name_len > 0) {
            capture(m, s->name, s->name_len, segs[i].dec, segs[i].declen);
        }
    }
    ev->class = row->class;
    ev->name = row->name;
    ev->severity = row->sev;
    ev->read_only = (row->flags & EPF_RO) != 0;
    if (row->fail_sev >= 0) {
        bool ok = ev->status >= 200 && ev->status < 400;
        bool denied = ev->status == 401 || ev->status == 403;
        if ((row->flags & EPF_LOGIN) ? !ok : denied) {
            m->used_fail = 1;
            ev->class = row->fail_class ? row->fail_class : row->class;
            ev->name = row->fail_name ? row->fail_name : row->name;
            ev->severity = row->fail_sev;
        }
    }
    if (row->esc == ESC_PROXY) {
        proxy_severity(ev, m);
        m->base_sev = ev->severity;
    }
    set_targets(ev, m);
    return 0;
}

int endpoints_classify(struct audit_event *ev)
{
    struct ep_match m;
    return endpoints_match(ev, &m);
}
