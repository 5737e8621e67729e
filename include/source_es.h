/* source_es.h - Elasticsearch tail: PIT + search_after sweeps over
 * [watermark - lookback, now - settle_delay), retry with backoff, PIT expiry recovery.
 * Knows nothing of formats or outputs. */
#ifndef ECE_SOURCE_ES_H
#define ECE_SOURCE_ES_H
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "cfg.h"
#include "cursor.h"
#include "err.h"

struct jnode;
struct source_es;

struct es_hit {
    const char *index;            /* borrowed from the page */
    const char *id;
    int64_t ts_ms;                /* the timestamp_field value */
    struct jnode *doc;            /* the whole hit (_index, _id, _source); borrowed */
};

struct es_page {
    int n;
    struct es_hit *hits;
    /* data gap detected before this page (documents deleted under the cursor / checkpoint
     * older than the oldest document): the agent raises agent.data_gap */
    bool gap;
    int64_t gap_from_ms;
    int64_t gap_to_ms;
    void *priv;                   /* owns the parsed response */
};

struct es_stats {
    uint64_t requests;
    uint64_t retries;
    uint64_t hits;
    uint64_t skipped_seen;        /* overlap hits already delivered */
    uint64_t pit_reopened;
    uint64_t sweeps;
    double last_latency_ms;
};

/**
 * @brief Create the source. @p cur (borrowed) is consulted for the range and the de-dup set.
 * @p stop (borrowed) is polled during backoff sleeps: when it becomes non-zero, calls return -1
 * with ERR_TRANSIENT "stopping".
 */
struct source_es *source_es_new(const struct cfg_source *cs, struct cursor *cur,
                                volatile sig_atomic_t *stop, struct err *err);
void source_es_free(struct source_es *src);

/** @brief Start-up checks: GET /, open+close a PIT on the pattern. Names the missing privilege. */
int source_es_preflight(struct source_es *src, struct err *err);

/**
 * @brief Next page of not-yet-delivered hits. Opens a sweep (PIT) when none is open.
 * Retries transient and auth errors forever with backoff (logging each state change once).
 * @return 1 a page (maybe with n == 0 hits if all were seen), 0 the sweep is finished
 * (caught up to now - settle_delay; the PIT is closed), -1 stopping or fatal (err).
 */
int source_es_next(struct source_es *src, struct es_page *page, struct err *err);
void source_es_page_free(struct es_page *page);

/** @brief Abandon the current sweep (close the PIT). */
void source_es_end_sweep(struct source_es *src);

void source_es_get_stats(const struct source_es *src, struct es_stats *st);

#endif
