/* batch.c - in-flight batch accounting: acks in any order, commits in opening order.
 * Knows nothing of outputs, cursors or files. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "batch.h"
#include "xalloc.h"

static struct batch *slot(struct batch_ring *br, uint64_t seq)
{
    return &br->slots[seq % BATCH_MAX_IN_FLIGHT];
}

static void clear_hits(struct batch *b)
{
    for (size_t i = 0; i < b->nhits; i++) {
        free(b->hits[i].index);
        free(b->hits[i].id);
    }
    b->nhits = 0;
}

void batch_ring_init(struct batch_ring *br, int max)
{
    memset(br, 0, sizeof(*br));
    br->max = max < 1 ? 1 : max > BATCH_MAX_IN_FLIGHT ? BATCH_MAX_IN_FLIGHT : max;
}

void batch_ring_fini(struct batch_ring *br)
{
    for (int i = 0; i < BATCH_MAX_IN_FLIGHT; i++) {
        clear_hits(&br->slots[i]);
        free(br->slots[i].hits);
    }
    memset(br, 0, sizeof(*br));
}

uint64_t batch_open(struct batch_ring *br)
{
    uint64_t seq = br->tail++;
    struct batch *b = slot(br, seq);

    clear_hits(b);
    b->seq = seq;
    b->pending = 0;
    b->closed = false;
    return seq;
}

void batch_add_hit(struct batch_ring *br, uint64_t seq, const char *index, const char *id,
                   int64_t ts_ms)
{
    struct batch *b = slot(br, seq);

    if (b->nhits == b->ahits) {
        b->ahits = b->ahits ? b->ahits * 2 : 256;
        b->hits = xrealloc(b->hits, b->ahits * sizeof(*b->hits));
    }
    b->hits[b->nhits].index = xstrdup(index);
    b->hits[b->nhits].id = xstrdup(id);
    b->hits[b->nhits].ts_ms = ts_ms;
    b->nhits++;
}

void batch_submitted(struct batch_ring *br, uint64_t seq)
{
    slot(br, seq)->pending++;
}

void batch_acked(struct batch_ring *br, uint64_t seq)
{
    struct batch *b = slot(br, seq);

    /* A late ack for a batch abandoned on shutdown finds another sequence here. */
    if (seq >= br->head && seq < br->tail && b->seq == seq && b->pending > 0)
        b->pending--;
}

void batch_close(struct batch_ring *br, uint64_t seq)
{
    slot(br, seq)->closed = true;
}

struct batch *batch_ready(struct batch_ring *br)
{
    struct batch *b;

    if (br->head == br->tail)
        return NULL;
    b = slot(br, br->head);
    return b->closed && b->pending == 0 ? b : NULL;
}

void batch_pop(struct batch_ring *br)
{
    if (br->head < br->tail) {
        clear_hits(slot(br, br->head));
        br->head++;
    }
}
