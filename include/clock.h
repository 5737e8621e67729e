/* clock.h - the two clocks the agent reads: monotonic (timeouts, backoff, intervals) and
 * wall (event-time ranges, lag). Milliseconds. */
#ifndef ECE_CLOCK_H
#define ECE_CLOCK_H
#include <stdint.h>

int64_t clock_mono_ms(void);
int64_t clock_wall_ms(void);

#endif
