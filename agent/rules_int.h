/* rules_int.h - private to rules.c, rules_group.c and rules_state.c: the engine's state.
 * Nothing outside the rules files includes this. */
#ifndef ECE_RULES_INT_H
#define ECE_RULES_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfg.h"
#include "event.h"
#include "rules.h"
#include "strbuf.h"

#define RULES_KEY_MAX            1024   /* bytes of a group value kept (longer ones are cut) */
#define RULES_MAX_GROUPS_DEFAULT 10000  /* when cfg_rule.max_groups is 0 */
#define RULES_SEEN_DEFAULT       4096   /* replay de-dup ids per rule when cfg has no batch sizes */
#define RULES_SEEN_MIN           256
#define RULES_SEEN_LIMIT         (1 << 20)
#define RULES_SWEEP_EVERY        4096   /* full expiry sweep every N matching events of a rule */
#define RULES_ID_INLINE          48     /* request ids shorter than this live in the entry */
#define RULES_GROUP_INLINE       4      /* entries allocated with the group */

enum rules_pat_kind { PAT_ANY = 0, PAT_EXACT, PAT_PREFIX, PAT_SUFFIX, PAT_GLOB };

/* A glob precompiled to the cheapest test that decides it. */
struct rules_pat {
    enum rules_pat_kind kind;
    const char *s;   /* literal part (borrowed from the config) or the whole glob */
    size_t len;
};

/* One counted event of a window. Its request id sits in inl (ECE ids are 32 hex digits),
 * or in heap when longer; no id at all is inl[0] == '\0' with heap NULL. */
struct rules_entry {
    int64_t ts;
    char *heap;
    char inl[RULES_ID_INLINE];
};

static inline const char *rules_entry_id(const struct rules_entry *e)
{
    return e->heap ? e->heap : e->inl[0] ? e->inl : NULL;
}

struct group {
    struct group *hnext;               /* hash chain */
    struct group *prev, *next;         /* LRU list: head = most recently updated */
    uint64_t hash;
    int64_t newest;                    /* newest event time fed to the group */
    int64_t last_alert;                /* event time of the last alert raised (if has_alert) */
    bool has_alert;
    int n, cap;
    struct rules_entry *ents;          /* the window, sorted by ts (stable) */
    struct rules_entry inl[RULES_GROUP_INLINE]; /* ents until the window outgrows it */
    size_t keylen;
    char key[];                        /* group value, NUL-terminated */
};

/* FIFO set of 64-bit hashes of the ids of the events the rules counted (replay de-dup). */
struct rules_seen {
    size_t cap, n, head;               /* ring: n ids from head, oldest first */
    uint64_t *ring;
    uint64_t *tab;                     /* open addressing, 0 = empty; mask+1 slots */
    size_t mask;
};

struct rule {
    const struct cfg_rule *cr;
    struct rules_pat match;
    struct rules_pat conds[CFG_MAX_CONDS];
    int threshold;
    int64_t window_ms, suppress_ms;
    int64_t late_ms;                   /* out-of-order tolerance: max(window, source lookback) */
    size_t max_groups;
    bool have_ts;
    int64_t max_ts;                    /* newest event time this rule has counted */
    struct group **tab;                /* hash table of groups, tab_size buckets (power of 2) */
    size_t tab_size, ngroups;
    struct group *lru_head, *lru_tail;
    uint64_t feeds;                    /* drives the periodic sweep */
};

struct rules {
    int n;
    struct rule *rules;
    struct rules_stats st;
    struct rules_seen seen;            /* ids of matched events, as many as can be in flight */
    struct strbuf key;                 /* scratch: group value of the current event */
    struct audit_event *alert;         /* scratch: the alert being emitted */
};

/* rules.c */
void rules_pat_compile(struct rules_pat *pat, const char *pattern);
bool rules_pat_match(const struct rules_pat *pat, const char *s, size_t slen);
const char *rules_field_name(enum rule_field f);
uint64_t rules_hash(const char *s, size_t n);

/* rules_group.c */
bool rules_seen_has(const struct rules_seen *seen, uint64_t h);
/** Remember h; false when it was already there. */
bool rules_seen_add(struct rules_seen *seen, uint64_t h);
/** Find or create the group (evicting the least recently updated one at max_groups). */
struct group *rules_group_get(struct rules *r, struct rule *ru, const char *key, size_t keylen,
                              uint64_t h);
/** Drop groups whose newest event is older than max_ts - window - suppress. */
void rules_expire(struct rule *ru);
/** Free every group of the rule. */
void rules_rule_clear(struct rule *ru);
void rules_seen_clear(struct rules_seen *seen);
/** Insert (t, id) in time order (stable); returns its index. */
int rules_group_insert(struct group *g, int64_t t, const char *id);
/** Insert (t, id); true when entries [*a, *b] reach the threshold within the window. */
bool rules_window_add(const struct rule *ru, struct group *g, int64_t t, const char *id, int *a,
                      int *b);
void rules_window_drop(struct group *g, int a, int b);

#endif
