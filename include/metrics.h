/* metrics.h - counters written atomically as a Prometheus text file (node_exporter
 * textfile collector format) every interval. */
#ifndef ECE_METRICS_H
#define ECE_METRICS_H
#include <stdbool.h>
#include <stdint.h>
#include "agent.h"
#include "output.h"
#include "rules.h"

struct metrics;

struct metrics *metrics_new(const char *path, int64_t interval_ms);
void metrics_free(struct metrics *m);
/** @brief Write the file if the interval elapsed (or @p force). Errors are logged once. */
void metrics_tick(struct metrics *m, const struct agent_stats *st, const struct output *outs,
                  int nouts, const struct rules *rules, bool force);

#endif
