/* backoff.h - exponential backoff with jitter. Pure: the clock and the random source are
 * injected, so tests never sleep. */
#ifndef ECE_BACKOFF_H
#define ECE_BACKOFF_H
#include <stdint.h>

/** @brief Random source: any 64-bit value (uniformity is the caller's business). */
typedef uint64_t (*backoff_rng_fn)(void *ctx);
/** @brief Clock in milliseconds (monotonic in production). */
typedef int64_t (*backoff_clock_fn)(void *ctx);

struct backoff {
    int64_t base_ms;       /* first delay's upper bound */
    int64_t cap_ms;        /* no delay is longer than this */
    unsigned attempt;      /* failures since the last reset */
    int64_t due_ms;        /* clock value when the next attempt may run */
    backoff_rng_fn rng;
    void *rng_ctx;
    backoff_clock_fn clock;
    void *clock_ctx;
};

/**
 * @brief Initialise. Delays grow as base * 2^attempt, capped at @p cap_ms, with "equal jitter":
 * the delay is drawn from [ceiling / 2, ceiling].
 */
void backoff_init(struct backoff *b, int64_t base_ms, int64_t cap_ms, backoff_rng_fn rng,
                  void *rng_ctx, backoff_clock_fn clock, void *clock_ctx);

/** @brief Upper bound of the delay for failure number @p attempt (0-based). */
int64_t backoff_ceiling(const struct backoff *b, unsigned attempt);

/** @brief Record a failure; returns the delay before the next attempt and sets due_ms. */
int64_t backoff_fail(struct backoff *b);

/** @brief Milliseconds until the next attempt is due (0 when due). */
int64_t backoff_remaining(const struct backoff *b);

/** @brief Success: the next failure starts again at base_ms. */
void backoff_reset(struct backoff *b);

#endif
