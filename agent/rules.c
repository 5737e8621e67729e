/* rules.c - threshold detections over sliding windows on *event* time -> alert events.
 * Pure: no I/O, no wall clock, no libconfig; knows nothing of formats or transports.
 * Groups and windows live in rules_group.c, the saved state in rules_state.c. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "rules.h"
#include "rules_int.h"
#include "xalloc.h"

/* ---- precompiled globs: '*' any run, '?' one UTF-8 code point ---- */

static bool glob_general(const char *p, const char *s)
{
    const char *star_p = NULL, *star_s = NULL;

    while (*s) {
        if (*p == '*') {
            star_p = ++p;
            star_s = s;
            continue;
        }
        if (*p == '?' || *p == *s) {
            if (*p == '?') {
                s++;
                while ((*s & 0xC0) == 0x80)
                    s++; /* continuation bytes of the same code point */
            } else {
                s++;
            }
            p++;
            continue;
        }
        if (star_p == NULL)
            return false;
        p = star_p;
        s = ++star_s;
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

void rules_pat_compile(struct rules_pat *pat, const char *pattern)
{
    size_t len = strlen(pattern);
    size_t nstar = 0, nq = 0;

    for (size_t i = 0; i < len; i++) {
        nstar += pattern[i] == '*';
        nq += pattern[i] == '?';
    }
    pat->s = pattern;
    pat->len = len;
    if (nstar == len && len > 0)
        pat->kind = PAT_ANY;
    else if (nstar == 0 && nq == 0)
        pat->kind = PAT_EXACT;
    else if (nq == 0 && nstar == 1 && pattern[len - 1] == '*')
        pat->kind = PAT_PREFIX, pat->len = len - 1;
    else if (nq == 0 && nstar == 1 && pattern[0] == '*')
        pat->kind = PAT_SUFFIX, pat->s = pattern + 1, pat->len = len - 1;
    else
        pat->kind = PAT_GLOB;
}

bool rules_pat_match(const struct rules_pat *pat, const char *s, size_t slen)
{
    switch (pat->kind) {
    case PAT_ANY:
        return true;
    case PAT_EXACT:
        return slen == pat->len && memcmp(s, pat->s, slen) == 0;
    case PAT_PREFIX:
        return slen >= pat->len && memcmp(s, pat->s, pat->len) == 0;
    case PAT_SUFFIX:
        return slen >= pat->len && memcmp(s + slen - pat->len, pat->s, pat->len) == 0;
    default:
        return glob_general(pat->s, s);
    }
}

/* ---- event fields ---- */

static const char *const field_names[RF_COUNT_] = {
    [RF_USER] = "user",       [RF_SOURCE_IP] = "source_ip", [RF_DEPLOYMENT_ID] = "deployment_id",
    [RF_DEPLOYMENT_NAME] = "deployment_name", [RF_CLASS] = "class", [RF_OUTCOME] = "outcome",
    [RF_METHOD] = "method",   [RF_REGION] = "region",       [RF_STATUS] = "status",
    [RF_API_KEY_ID] = "api_key_id",
};

const char *rules_field_name(enum rule_field f)
{
    return (unsigned)f < RF_COUNT_ ? field_names[f] : "?";
}

/* Value of field f, or NULL when the event does not have it. tmp holds numbers. */
static const char *field_value(const struct audit_event *ev, enum rule_field f, char tmp[16])
{
    switch (f) {
    case RF_USER: return ev->user;
    case RF_SOURCE_IP: return ev->src_ip;
    case RF_DEPLOYMENT_ID: return ev->deployment_id;
    case RF_DEPLOYMENT_NAME: return ev->deployment_name;
    case RF_CLASS: return ev->class;
    case RF_OUTCOME: return ev_outcome_name(ev->outcome);
    case RF_METHOD: return ev->method;
    case RF_REGION: return ev->region;
    case RF_API_KEY_ID: return ev->api_key_id;
    case RF_STATUS:
        if (ev->status < 0)
            return NULL;
        snprintf(tmp, 16, "%d", ev->status);
        return tmp;
    default: return NULL;
    }
}

static bool rule_matches(const struct rule *ru, const struct audit_event *ev, const char *cls,
                         size_t clen)
{
    const struct cfg_rule *cr = ru->cr;
    char tmp[16];

    if (!rules_pat_match(&ru->match, cls, clen))
        return false;
    if (cr->outcome >= 0 && (int)ev->outcome != cr->outcome)
        return false;
    for (int i = 0; i < cr->n_conds; i++) {
        /* a missing field is matched as "" (only "*" matches it) */
        const char *v = field_value(ev, cr->conds[i].field, tmp);
        if (v == NULL)
            v = "";
        if (!rules_pat_match(&ru->conds[i], v, strlen(v)))
            return false;
    }
    return true;
}

/* Group value: the group_by values joined with '|', "-" for a missing one (or no group_by). */
static void group_key(struct rules *r, const struct rule *ru, const struct audit_event *ev)
{
    struct strbuf *sb = &r->key;
    char tmp[16];

    strbuf_reset(sb);
    for (int i = 0; i < ru->cr->n_group_by; i++) {
        const char *v = field_value(ev, ru->cr->group_by[i], tmp);
        if (i > 0)
            strbuf_addc(sb, '|');
        strbuf_adds(sb, v && *v ? v : "-");
    }
    if (sb->len == 0)
        strbuf_addc(sb, '-');
    if (sb->len > RULES_KEY_MAX) {
        size_t n = RULES_KEY_MAX;
        while (n > 0 && (sb->buf[n] & 0xC0) == 0x80)
            n--; /* cut on a code-point boundary */
        strbuf_truncate(sb, n);
    }
}

uint64_t rules_hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ---- engine ---- */

static int64_t seen_capacity(const struct cfg *cfg)
{
    /* a crash replays at most the batches in flight: remember that many event ids */
    int64_t n = (int64_t)cfg->max_batches_in_flight * cfg->source.page_size;
    if (n <= 0)
        n = RULES_SEEN_DEFAULT;
    if (n < RULES_SEEN_MIN)
        n = RULES_SEEN_MIN;
    if (n > RULES_SEEN_LIMIT)
        n = RULES_SEEN_LIMIT;
    return n;
}

struct rules *rules_new(const struct cfg *cfg)
{
    struct rules *r;

    if (cfg == NULL || cfg->n_rules <= 0)
        return NULL;
    r = xcalloc(1, sizeof(*r));
    r->n = cfg->n_rules > CFG_MAX_RULES ? CFG_MAX_RULES : cfg->n_rules;
    r->rules = xcalloc((size_t)r->n, sizeof(*r->rules));
    for (int i = 0; i < r->n; i++) {
        struct rule *ru = &r->rules[i];
        const struct cfg_rule *cr = &cfg->rules[i];
        ru->cr = cr;
        rules_pat_compile(&ru->match, cr->match ? cr->match : "*");
        for (int c = 0; c < cr->n_conds && c < CFG_MAX_CONDS; c++)
            rules_pat_compile(&ru->conds[c], cr->conds[c].value ? cr->conds[c].value : "");
        ru->threshold = cr->threshold < 1 ? 1 : cr->threshold;
        ru->window_ms = cr->window_ms < 0 ? 0 : cr->window_ms;
        ru->suppress_ms = cr->suppress_ms < 0 ? 0 : cr->suppress_ms;
        ru->late_ms = cfg->source.lookback_ms > ru->window_ms ? cfg->source.lookback_ms
                                                              : ru->window_ms;
        ru->max_groups = cr->max_groups > 0 ? (size_t)cr->max_groups : RULES_MAX_GROUPS_DEFAULT;
    }
    r->seen.cap = (size_t)seen_capacity(cfg);
    strbuf_init(&r->key, RULES_KEY_MAX + 8 * EV_FIELD_MAX);
    r->alert = xmalloc(sizeof(*r->alert));
    ev_reset(r->alert);
    return r;
}

void rules_free(struct rules *r)
{
    if (r == NULL)
        return;
    for (int i = 0; i < r->n; i++) {
        rules_rule_clear(&r->rules[i]);
        free(r->rules[i].tab);
    }
    free(r->seen.ring);
    free(r->seen.tab);
    free(r->rules);
    strbuf_fini(&r->key);
    free(r->alert);
    free(r);
}

void rules_get_stats(const struct rules *r, struct rules_stats *st)
{
    memset(st, 0, sizeof(*st));
    if (r == NULL)
        return;
    *st = r->st;
    st->groups = 0;
    for (int i = 0; i < r->n; i++)
        st->groups += r->rules[i].ngroups;
}

/* ---- alerts ---- */

static void format_duration(int64_t ms, char out[32])
{
    if (ms > 0 && ms % 3600000 == 0)
        snprintf(out, 32, "%lldh", (long long)(ms / 3600000));
    else if (ms > 0 && ms % 60000 == 0)
        snprintf(out, 32, "%lldm", (long long)(ms / 60000));
    else if (ms > 0 && ms % 1000 == 0)
        snprintf(out, 32, "%llds", (long long)(ms / 1000));
    else
        snprintf(out, 32, "%lldms", (long long)ms);
}

/* Copy the triggering event's identity fields that are part of the group (so they are the
 * same for every event counted), or all of them when the alert rests on one event. */
static void copy_identity(struct audit_event *al, const struct rule *ru,
                          const struct audit_event *ev, int64_t count)
{
    bool want[RF_COUNT_] = { false };

    for (int i = 0; i < ru->cr->n_group_by; i++)
        if ((unsigned)ru->cr->group_by[i] < RF_COUNT_)
            want[ru->cr->group_by[i]] = true;
    if (count == 1)
        want[RF_USER] = want[RF_SOURCE_IP] = want[RF_DEPLOYMENT_ID] = want[RF_DEPLOYMENT_NAME] =
            want[RF_REGION] = want[RF_API_KEY_ID] = true;
    if (want[RF_USER])
        ev_set(al, &al->user, ev->user);
    if (want[RF_SOURCE_IP])
        ev_set(al, &al->src_ip, ev->src_ip);
    if (want[RF_DEPLOYMENT_ID])
        ev_set(al, &al->deployment_id, ev->deployment_id);
    if (want[RF_DEPLOYMENT_NAME])
        ev_set(al, &al->deployment_name, ev->deployment_name);
    if (want[RF_REGION])
        ev_set(al, &al->region, ev->region);
    if (want[RF_API_KEY_ID])
        ev_set(al, &al->api_key_id, ev->api_key_id);
}

/* Build the alert for entries [a, b] of group g and hand it to emit. */
static void alert_emit(struct rules *r, const struct rule *ru, const struct group *g,
                       const struct audit_event *ev, int a, int b, rules_emit_fn emit, void *ctx)
{
    const struct cfg_rule *cr = ru->cr;
    struct audit_event *al = r->alert;
    const struct rules_entry *first = &g->ents[a], *last = &g->ents[b];
    int64_t count = b - a + 1;
    const char *ids[EV_ALERT_IDS_MAX];
    int nids = 0;
    char win[32];

    ev_reset(al);
    ev_setf(al, &al->class, "alert.%s", cr->name);
    ev_setf(al, &al->name, "ECE alert: %s", cr->name);
    al->severity = cr->severity;
    al->outcome = cr->outcome >= 0 ? (enum ev_outcome)cr->outcome : OUTCOME_UNKNOWN;
    al->shape = SHAPE_AGENT;
    al->ts_ms = last->ts;
    ev_set(al, &al->rule_name, cr->name);
    ev_set(al, &al->group_value, g->key);
    al->alert_count = count;
    al->alert_window_ms = ru->window_ms;
    al->alert_first_ms = first->ts;
    al->alert_last_ms = last->ts;
    /* evidence: the most recent request ids, oldest first */
    for (int i = b; i >= a && nids < EV_ALERT_IDS_MAX; i--)
        if (rules_entry_id(&g->ents[i]))
            ids[nids++] = rules_entry_id(&g->ents[i]);
    for (int i = nids - 1; i >= 0; i--)
        if (ev_set(al, &al->alert_ids[al->alert_nids], ids[i]) == 0 && al->alert_ids[al->alert_nids])
            al->alert_nids++;
    copy_identity(al, ru, ev, count);
    format_duration(ru->window_ms, win);
    if (count == 1) /* the sole event's own class says more than the rule's glob */
        ev_setf(al, &al->message, "1 %s event for %s", ev->class ? ev->class : "?", g->key);
    else
        ev_setf(al, &al->message, "%lld %s events for %s within %s", (long long)count,
                cr->match ? cr->match : "*", g->key, win);
    /* deterministic: the same burst replayed yields the same key */
    if (rules_entry_id(first))
        ev_setf(al, &al->dedup_key, "alert:%s:%s:%s", cr->name, g->key, rules_entry_id(first));
    else
        ev_setf(al, &al->dedup_key, "alert:%s:%s:%lld", cr->name, g->key, (long long)first->ts);
    emit(ctx, al);
}

/* Feed one matching event to its rule. */
static void rule_feed(struct rules *r, struct rule *ru, const struct audit_event *ev,
                      rules_emit_fn emit, void *ctx)
{
    int64_t t = ev->ts_ms;
    struct group *g;
    uint64_t h;
    int a, b;

    if (!ru->have_ts || t > ru->max_ts) {
        ru->max_ts = t;
        ru->have_ts = true;
    }
    rules_expire(ru);
    group_key(r, ru, ev);
    h = rules_hash(r->key.buf, r->key.len);
    g = rules_group_get(r, ru, r->key.buf, r->key.len, h);
    if (!rules_window_add(ru, g, t, ev->request_id, &a, &b))
        return;
    if (g->has_alert && llabs(g->ents[b].ts - g->last_alert) < ru->suppress_ms) {
        r->st.suppressed++;
    } else {
        alert_emit(r, ru, g, ev, a, b, emit, ctx);
        r->st.alerts++;
        if (!g->has_alert || g->ents[b].ts > g->last_alert)
            g->last_alert = g->ents[b].ts;
        g->has_alert = true;
    }
    rules_window_drop(g, a, b); /* alert or not, the next alert needs a fresh burst */
}

void rules_process(struct rules *r, const struct audit_event *ev, rules_emit_fn emit, void *ctx)
{
    const char *cls;
    size_t clen;
    bool matched = false;

    if (r == NULL || ev == NULL)
        return;
    cls = ev->class ? ev->class : "";
    clen = strlen(cls);
    for (int i = 0; i < r->n; i++) {
        struct rule *ru = &r->rules[i];
        if (!rule_matches(ru, ev, cls, clen))
            continue;
        if (!matched) {
            matched = true;
            r->st.matched++;
            /* the rules that match an event are the same every time it is fed, so an
             * event seen before (a crash replays the batches in flight) was counted */
            const char *id = ev->dedup_key ? ev->dedup_key : ev->request_id;
            if (id != NULL && !rules_seen_add(&r->seen, rules_hash(id, strlen(id))))
                return;
        }
        rule_feed(r, ru, ev, emit, ctx);
    }
}
