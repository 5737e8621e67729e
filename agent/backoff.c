/* backoff.c - exponential backoff with equal jitter. Pure: knows nothing of sleeping,
 * clocks or randomness beyond the injected functions. */
#include "config.h"
#include "backoff.h"

void backoff_init(struct backoff *b, int64_t base_ms, int64_t cap_ms, backoff_rng_fn rng,
                  void *rng_ctx, backoff_clock_fn clock, void *clock_ctx)
{
    b->base_ms = base_ms > 0 ? base_ms : 1;
    b->cap_ms = cap_ms >= b->base_ms ? cap_ms : b->base_ms;
    b->attempt = 0;
    b->rng = rng;
    b->rng_ctx = rng_ctx;
    b->clock = clock;
    b->clock_ctx = clock_ctx;
    b->due_ms = clock(clock_ctx);
}

int64_t backoff_ceiling(const struct backoff *b, unsigned attempt)
{
    int64_t d = b->base_ms;

    /* doubling stops at the cap, so this never overflows */
    for (unsigned i = 0; i < attempt && d < b->cap_ms; i++)
        d *= 2;
    return d < b->cap_ms ? d : b->cap_ms;
}

int64_t backoff_fail(struct backoff *b)
{
    int64_t ceil = backoff_ceiling(b, b->attempt);
    int64_t half = ceil / 2;
    uint64_t span = (uint64_t)(ceil - half) + 1;
    int64_t delay = half + (int64_t)(b->rng(b->rng_ctx) % span);

    if (b->attempt < 64)
        b->attempt++;
    b->due_ms = b->clock(b->clock_ctx) + delay;
    return delay;
}

int64_t backoff_remaining(const struct backoff *b)
{
    int64_t left = b->due_ms - b->clock(b->clock_ctx);

    return left > 0 ? left : 0;
}

void backoff_reset(struct backoff *b)
{
    b->attempt = 0;
    b->due_ms = b->clock(b->clock_ctx);
}
