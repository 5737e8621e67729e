/* batch.h - ack accounting for the batches in flight (one page of hits each, sent to N
 * outputs). Batches complete in any order but are handed back for commit in the order they
 * were opened, so the checkpoint only ever moves over fully delivered pages. Pure. */
#ifndef ECE_BATCH_H
#define ECE_BATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BATCH_MAX_IN_FLIGHT 64

struct batch_hit {
    char *index;
    char *id;
    int64_t ts_ms;
};

struct batch {
    uint64_t seq;
    uint64_t pending;        /* messages submitted and not yet acked */
    bool closed;             /* every message of the batch was submitted */
    size_t nhits, ahits;
    struct batch_hit *hits;  /* what the commit adds to the cursor */
};

struct batch_ring {
    int max;                 /* batches in flight at most (1..BATCH_MAX_IN_FLIGHT) */
    uint64_t head;           /* oldest open batch */
    uint64_t tail;           /* next sequence number */
    struct batch slots[BATCH_MAX_IN_FLIGHT];
};

void batch_ring_init(struct batch_ring *br, int max);
void batch_ring_fini(struct batch_ring *br);
/** @brief Batches opened and not yet popped. */
static inline int batch_ring_count(const struct batch_ring *br) { return (int)(br->tail - br->head); }
/** @brief Open the next batch (the caller keeps count < max); returns its sequence number. */
uint64_t batch_open(struct batch_ring *br);
/** @brief Remember a hit of batch @p seq for the commit (strings copied). */
void batch_add_hit(struct batch_ring *br, uint64_t seq, const char *index, const char *id,
                   int64_t ts_ms);
/** @brief One more message of batch @p seq was submitted (its ack token is @p seq). */
void batch_submitted(struct batch_ring *br, uint64_t seq);
/** @brief An output acknowledged a message whose token is @p seq. */
void batch_acked(struct batch_ring *br, uint64_t seq);
void batch_close(struct batch_ring *br, uint64_t seq);
/** @brief The oldest batch if it is closed and fully acked, else NULL. Valid until batch_pop(). */
struct batch *batch_ready(struct batch_ring *br);
/** @brief Release the oldest batch (after its commit). */
void batch_pop(struct batch_ring *br);

#endif
