/* cursor.c - watermark and the overlap de-dup set of "_index/_id" keys.
 * Pure: a hash set (open addressing, linear probing, backward-shift deletion) plus a
 * min-heap on event time for pruning and for evicting the oldest entries. No I/O. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "cursor.h"
#include "xalloc.h"

struct entry {
    int64_t ts_ms;
    uint64_t hash;
    size_t heap_pos;
    size_t index_len;       /* key = index '/' id; ES index names cannot contain '/' */
    char key[];
};

struct cursor {
    int64_t lookback_ms;
    size_t max_seen;
    bool has_wm;
    int64_t wm_ms;
    struct entry **slots;   /* hash table, power of two */
    size_t nslots;
    size_t count;
    struct entry **heap;    /* min-heap on ts_ms */
    size_t heap_alloc;
};

static uint64_t key_hash(const char *index, const char *id)
{
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a 64 */

    for (const char *p = index; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ '/') * 1099511628211ULL;
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    /* final mix so that the low bits (the slot) depend on every byte */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static bool key_eq(const struct entry *e, uint64_t h, const char *index, size_t ilen,
                   const char *id)
{
    return e->hash == h && e->index_len == ilen && memcmp(e->key, index, ilen) == 0 &&
           strcmp(e->key + ilen + 1, id) == 0;
}

/* heap */
static void heap_set(struct cursor *cur, size_t i, struct entry *e)
{
    cur->heap[i] = e;
    e->heap_pos = i;
}

static void heap_up(struct cursor *cur, size_t i)
{
    struct entry *e = cur->heap[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (cur->heap[parent]->ts_ms <= e->ts_ms)
            break;
        heap_set(cur, i, cur->heap[parent]);
        i = parent;
    }
    heap_set(cur, i, e);
}

static void heap_down(struct cursor *cur, size_t i)
{
    struct entry *e = cur->heap[i];

    for (;;) {
        size_t l = 2 * i + 1, m = i;
        int64_t mts = e->ts_ms;
        if (l < cur->count && cur->heap[l]->ts_ms < mts) {
            m = l;
            mts = cur->heap[l]->ts_ms;
        }
        if (l + 1 < cur->count && cur->heap[l + 1]->ts_ms < mts)
            m = l + 1;
        if (m == i)
            break;
        heap_set(cur, i, cur->heap[m]);
        i = m;
    }
    heap_set(cur, i, e);
}

/* hash table */
static size_t slot_find(const struct cursor *cur, uint64_t h, const char *index, const char *id)
{
    size_t mask = cur->nslots - 1, ilen = strlen(index);

    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const struct entry *e = cur->slots[i];
        if (e == NULL || key_eq(e, h, index, ilen, id))
            return i;
    }
}

static void rehash(struct cursor *cur, size_t nslots)
{
    struct entry **old = cur->slots;
    size_t oldn = cur->nslots;

    cur->slots = xcalloc(nslots, sizeof(*cur->slots));
    cur->nslots = nslots;
    for (size_t i = 0; i < oldn; i++) {
        struct entry *e = old[i];
        if (e == NULL)
            continue;
        size_t j = e->hash & (nslots - 1);
        while (cur->slots[j] != NULL)
            j = (j + 1) & (nslots - 1);
        cur->slots[j] = e;
    }
    free(old);
}

/* Knuth's algorithm R: shift later members of the probe run back into the hole. */
static void slot_delete(struct cursor *cur, size_t hole)
{
    size_t mask = cur->nslots - 1;

    cur->slots[hole] = NULL;
    for (size_t j = (hole + 1) & mask; cur->slots[j] != NULL; j = (j + 1) & mask) {
        size_t home = cur->slots[j]->hash & mask;
        /* move j into the hole unless its home lies cyclically in (hole, j] */
        bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
            cur->slots[hole] = cur->slots[j];
            cur->slots[j] = NULL;
            hole = j;
        }
    }
}

static void entry_remove(struct cursor *cur, struct entry *e)
{
    size_t mask = cur->nslots - 1, pos = e->heap_pos, slot = e->hash & mask;

    while (cur->slots[slot] != e)
        slot = (slot + 1) & mask;
    slot_delete(cur, slot);
    cur->count--;
    if (pos != cur->count) {
        struct entry *last = cur->heap[cur->count];
        heap_set(cur, pos, last);
        heap_up(cur, pos);
        heap_down(cur, last->heap_pos);
    }
    free(e);
}

struct cursor *cursor_new(int64_t lookback_ms, size_t max_seen)
{
    struct cursor *cur = xcalloc(1, sizeof(*cur));

    cur->lookback_ms = lookback_ms > 0 ? lookback_ms : 0;
    cur->max_seen = max_seen > 0 ? max_seen : 1;
    cur->nslots = 64;
    cur->slots = xcalloc(cur->nslots, sizeof(*cur->slots));
    return cur;
}

void cursor_free(struct cursor *cur)
{
    if (cur == NULL)
        return;
    for (size_t i = 0; i < cur->count; i++)
        free(cur->heap[i]);
    free(cur->heap);
    free(cur->slots);
    free(cur);
}

bool cursor_has_watermark(const struct cursor *cur)
{
    return cur->has_wm;
}

int64_t cursor_watermark(const struct cursor *cur)
{
    return cur->has_wm ? cur->wm_ms : 0;
}

void cursor_set_watermark(struct cursor *cur, int64_t ts_ms)
{
    cur->has_wm = true;
    cur->wm_ms = ts_ms;
}

bool cursor_seen(const struct cursor *cur, const char *index, const char *id)
{
    return cur->slots[slot_find(cur, key_hash(index, id), index, id)] != NULL;
}

void cursor_commit(struct cursor *cur, const char *index, const char *id, int64_t ts_ms)
{
    uint64_t h = key_hash(index, id);
    size_t slot = slot_find(cur, h, index, id);
    size_t ilen, idlen;
    struct entry *e;

    if (!cur->has_wm || ts_ms > cur->wm_ms)
        cursor_set_watermark(cur, ts_ms);
    if ((e = cur->slots[slot]) != NULL) {
        if (ts_ms > e->ts_ms) {
            e->ts_ms = ts_ms;
            heap_down(cur, e->heap_pos);
        }
        return;
    }
    ilen = strlen(index);
    idlen = strlen(id);
    e = xmalloc(sizeof(*e) + ilen + 1 + idlen + 1);
    e->ts_ms = ts_ms;
    e->hash = h;
    e->index_len = ilen;
    memcpy(e->key, index, ilen);
    e->key[ilen] = '/';
    memcpy(e->key + ilen + 1, id, idlen + 1);
    cur->slots[slot] = e;
    if (cur->count == cur->heap_alloc) {
        cur->heap_alloc = cur->heap_alloc ? cur->heap_alloc * 2 : 64;
        cur->heap = xrealloc(cur->heap, cur->heap_alloc * sizeof(*cur->heap));
    }
    cur->heap[cur->count] = e;
    e->heap_pos = cur->count;
    cur->count++;
    heap_up(cur, cur->count - 1);
    if (cur->count * 4 > cur->nslots * 3)
        rehash(cur, cur->nslots * 2);
    while (cur->count > cur->max_seen)
        entry_remove(cur, cur->heap[0]);
}

void cursor_prune(struct cursor *cur)
{
    int64_t start = cursor_range_start(cur);

    if (!cur->has_wm)
        return;
    while (cur->count > 0 && cur->heap[0]->ts_ms < start)
        entry_remove(cur, cur->heap[0]);
    /* shrink a table left large by a burst */
    if (cur->nslots > 64 && cur->count * 8 < cur->nslots)
        rehash(cur, cur->nslots / 2);
}

int64_t cursor_range_start(const struct cursor *cur)
{
    if (!cur->has_wm)
        return 0;
    if (cur->wm_ms < INT64_MIN + cur->lookback_ms)
        return INT64_MIN;
    return cur->wm_ms - cur->lookback_ms;
}

static void clone_visit(void *ctx, const char *index, const char *id, int64_t ts_ms)
{
    struct cursor *copy = ctx;
    bool has = copy->has_wm;
    int64_t wm = copy->wm_ms;

    cursor_commit(copy, index, id, ts_ms);
    copy->has_wm = has;     /* the watermark is copied, not recomputed from the entries */
    copy->wm_ms = wm;
}

struct cursor *cursor_clone(const struct cursor *cur)
{
    struct cursor *copy = cursor_new(cur->lookback_ms, cur->max_seen);

    copy->has_wm = cur->has_wm;
    copy->wm_ms = cur->wm_ms;
    cursor_foreach(cur, clone_visit, copy);
    return copy;
}

size_t cursor_seen_count(const struct cursor *cur)
{
    return cur->count;
}

void cursor_foreach(const struct cursor *cur, cursor_visit_fn fn, void *ctx)
{
    char *index = NULL;
    size_t alloc = 0;

    for (size_t i = 0; i < cur->count; i++) {
        const struct entry *e = cur->heap[i];
        if (e->index_len + 1 > alloc) {
            alloc = e->index_len + 1;
            index = xrealloc(index, alloc);
        }
        memcpy(index, e->key, e->index_len);
        index[e->index_len] = '\0';
        fn(ctx, index, e->key + e->index_len + 1, e->ts_ms);
    }
    free(index);
}
