/* rules_group.c - the rule engine's bounded memory: groups (hash table + LRU), their
 * event-time windows, expiry, and the per-rule set of ids already counted.
 * Pure; knows nothing of alerts, formats or the config file. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "rules_int.h"
#include "xalloc.h"

/* ---- seen ids: FIFO ring + linear-probing set (backward-shift deletion) ---- */

bool rules_seen_has(const struct rules_seen *seen, uint64_t h)
{
    if (seen->tab == NULL)
        return false;
    h = h ? h : 1;
    for (size_t i = h & seen->mask;; i = (i + 1) & seen->mask) {
        if (seen->tab[i] == h)
            return true;
        if (seen->tab[i] == 0)
            return false;
    }
}

static void seen_del(struct rules_seen *seen, uint64_t h)
{
    size_t i = h & seen->mask, j;

    while (seen->tab[i] != h) {
        if (seen->tab[i] == 0)
            return;
        i = (i + 1) & seen->mask;
    }
    for (j = i;;) {
        j = (j + 1) & seen->mask;
        if (seen->tab[j] == 0)
            break;
        size_t home = seen->tab[j] & seen->mask;
        /* keep tab[j] where it is when its home lies cyclically in (i, j] */
        if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
            continue;
        seen->tab[i] = seen->tab[j];
        i = j;
    }
    seen->tab[i] = 0;
}

bool rules_seen_add(struct rules_seen *seen, uint64_t h)
{
    size_t i;

    h = h ? h : 1;
    if (seen->tab == NULL) {
        size_t slots = 16;
        while (slots < 2 * seen->cap)
            slots *= 2;
        seen->tab = xcalloc(slots, sizeof(*seen->tab));
        seen->mask = slots - 1;
        seen->ring = xcalloc(seen->cap, sizeof(*seen->ring));
    }
    for (i = h & seen->mask; seen->tab[i] != 0; i = (i + 1) & seen->mask)
        if (seen->tab[i] == h)
            return false;
    if (seen->n == seen->cap) {
        seen_del(seen, seen->ring[seen->head]);
        seen->ring[seen->head] = h;
        seen->head = (seen->head + 1) % seen->cap;
    } else {
        seen->ring[(seen->head + seen->n) % seen->cap] = h;
        seen->n++;
    }
    /* the deletion may have moved entries: probe again */
    for (i = h & seen->mask; seen->tab[i] != 0; i = (i + 1) & seen->mask)
        ;
    seen->tab[i] = h;
    return true;
}

/* ---- groups ---- */

static void lru_unlink(struct rule *ru, struct group *g)
{
    if (g->prev)
        g->prev->next = g->next;
    else
        ru->lru_head = g->next;
    if (g->next)
        g->next->prev = g->prev;
    else
        ru->lru_tail = g->prev;
    g->prev = g->next = NULL;
}

static void lru_push_head(struct rule *ru, struct group *g)
{
    g->prev = NULL;
    g->next = ru->lru_head;
    if (ru->lru_head)
        ru->lru_head->prev = g;
    ru->lru_head = g;
    if (ru->lru_tail == NULL)
        ru->lru_tail = g;
}

static void group_free(struct group *g)
{
    for (int i = 0; i < g->n; i++)
        free(g->ents[i].heap);
    if (g->ents != g->inl)
        free(g->ents);
    free(g);
}

static void group_remove(struct rule *ru, struct group *g)
{
    struct group **pp = &ru->tab[g->hash & (ru->tab_size - 1)];

    while (*pp != g)
        pp = &(*pp)->hnext;
    *pp = g->hnext;
    lru_unlink(ru, g);
    ru->ngroups--;
    group_free(g);
}

static void tab_grow(struct rule *ru)
{
    size_t nsize = ru->tab_size ? ru->tab_size * 2 : 64;
    struct group **ntab = xcalloc(nsize, sizeof(*ntab));

    for (size_t i = 0; i < ru->tab_size; i++) {
        struct group *g = ru->tab[i], *next;
        for (; g; g = next) {
            next = g->hnext;
            g->hnext = ntab[g->hash & (nsize - 1)];
            ntab[g->hash & (nsize - 1)] = g;
        }
    }
    free(ru->tab);
    ru->tab = ntab;
    ru->tab_size = nsize;
}

struct group *rules_group_get(struct rules *r, struct rule *ru, const char *key, size_t keylen,
                              uint64_t h)
{
    struct group *g;

    if (ru->tab_size) {
        for (g = ru->tab[h & (ru->tab_size - 1)]; g; g = g->hnext) {
            if (g->hash == h && g->keylen == keylen && memcmp(g->key, key, keylen) == 0) {
                if (ru->lru_head != g) {
                    lru_unlink(ru, g);
                    lru_push_head(ru, g);
                }
                return g;
            }
        }
    }
    /* full: a flood of new names must not blind the rule, so the stalest group goes */
    while (ru->ngroups >= ru->max_groups && ru->lru_tail) {
        group_remove(ru, ru->lru_tail);
        r->st.group_cap_hits++;
    }
    if (ru->ngroups >= ru->tab_size)
        tab_grow(ru);
    g = xcalloc(1, sizeof(*g) + keylen + 1);
    memcpy(g->key, key, keylen);
    g->keylen = keylen;
    g->hash = h;
    g->newest = INT64_MIN;
    g->ents = g->inl;
    g->cap = RULES_GROUP_INLINE;
    g->hnext = ru->tab[h & (ru->tab_size - 1)];
    ru->tab[h & (ru->tab_size - 1)] = g;
    lru_push_head(ru, g);
    ru->ngroups++;
    return g;
}

static bool group_expired(const struct rule *ru, const struct group *g)
{
    return g->newest < ru->max_ts - ru->window_ms - ru->suppress_ms;
}

void rules_expire(struct rule *ru)
{
    /* the LRU tail is the stalest group when events come in order; out-of-order events can
     * hide an expired group behind a fresher one, which the periodic sweep catches */
    while (ru->lru_tail && group_expired(ru, ru->lru_tail))
        group_remove(ru, ru->lru_tail);
    if (++ru->feeds % RULES_SWEEP_EVERY != 0)
        return;
    for (struct group *g = ru->lru_head, *next; g; g = next) {
        next = g->next;
        if (group_expired(ru, g))
            group_remove(ru, g);
    }
}

void rules_rule_clear(struct rule *ru)
{
    while (ru->lru_tail)
        group_remove(ru, ru->lru_tail);
    ru->have_ts = false;
    ru->max_ts = 0;
}

void rules_seen_clear(struct rules_seen *seen)
{
    seen->n = seen->head = 0;
    if (seen->tab)
        memset(seen->tab, 0, (seen->mask + 1) * sizeof(*seen->tab));
}

/* ---- the window of one group ---- */

void rules_window_drop(struct group *g, int a, int b)
{
    for (int i = a; i <= b; i++)
        free(g->ents[i].heap);
    memmove(g->ents + a, g->ents + b + 1, (size_t)(g->n - b - 1) * sizeof(*g->ents));
    g->n -= b - a + 1;
}

int rules_group_insert(struct group *g, int64_t t, const char *id)
{
    struct rules_entry *e;
    size_t len = id ? strlen(id) : 0;
    int pos;

    if (g->n == g->cap) {
        g->cap *= 2;
        if (g->ents == g->inl) {
            g->ents = xmalloc((size_t)g->cap * sizeof(*g->ents));
            memcpy(g->ents, g->inl, sizeof(g->inl));
        } else {
            g->ents = xrealloc(g->ents, (size_t)g->cap * sizeof(*g->ents));
        }
    }
    for (pos = g->n; pos > 0 && g->ents[pos - 1].ts > t; pos--)
        ;
    memmove(g->ents + pos + 1, g->ents + pos, (size_t)(g->n - pos) * sizeof(*g->ents));
    g->n++;
    e = &g->ents[pos];
    e->ts = t;
    e->heap = NULL;
    e->inl[0] = '\0';
    if (len >= sizeof(e->inl))
        e->heap = xstrdup(id);
    else if (len > 0)
        memcpy(e->inl, id, len + 1);
    return pos;
}

/*
 * Semantics (event time, inclusive): events at times x <= y are in one window when
 * y - x <= window. An event at t is evaluated against every window [x, x + window] that
 * contains t, earliest first; the first one holding `threshold` events fires, and its events
 * leave the group (the next alert needs a fresh burst). The group keeps events back to
 * newest - window - late_ms so that late (out-of-order) events can still complete a burst;
 * a late event older than that horizon is evaluated with what is kept, then forgotten
 * unless it fired.
 */
bool rules_window_add(const struct rule *ru, struct group *g, int64_t t, const char *id, int *a,
                      int *b)
{
    int64_t horizon;
    int keep = 0, pos, lo, e;

    if (t > g->newest)
        g->newest = t;
    horizon = g->newest - ru->window_ms - ru->late_ms;
    while (keep < g->n && g->ents[keep].ts < horizon)
        keep++;
    if (keep > 0)
        rules_window_drop(g, 0, keep - 1);
    pos = rules_group_insert(g, t, id);
    for (lo = pos; lo > 0 && t - g->ents[lo - 1].ts <= ru->window_ms; lo--)
        ;
    /* windows starting at ents[lo..pos] contain t; e = last event of the window at j */
    e = pos;
    for (int j = lo; j <= pos; j++) {
        while (e + 1 < g->n && g->ents[e + 1].ts - g->ents[j].ts <= ru->window_ms)
            e++;
        if (e - j + 1 >= ru->threshold) {
            *a = j;
            *b = e;
            return true;
        }
    }
    if (t < horizon)
        rules_window_drop(g, pos, pos);
    return false;
}
