/* agent.h - the pipeline: source -> normalize -> rules -> format -> outputs -> acks -> checkpoint. */
#ifndef ECE_AGENT_H
#define ECE_AGENT_H
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "cfg.h"

struct agent_stats {
    uint64_t read;          /* documents read */
    uint64_t events;        /* request events normalized */
    uint64_t forwarded;     /* events handed to every output */
    uint64_t dropped_ro;    /* read-only calls not forwarded */
    uint64_t excluded;      /* classes excluded by events.exclude/include */
    uint64_t skipped;       /* non-request lines */
    uint64_t malformed;     /* unusable documents (forwarded raw as agent.malformed_document) */
    uint64_t alerts;        /* alerts raised by rules */
    uint64_t gaps;          /* data gaps detected */
    uint64_t batches;       /* batches fully acknowledged */
    uint64_t checkpoints;   /* checkpoint files written */
    uint64_t checkpoint_errors;
    int64_t watermark_ms;   /* event time of the newest committed hit */
    uint64_t es_requests;   /* Elasticsearch requests made */
    uint64_t es_retries;    /* Elasticsearch requests retried */
    double es_latency_ms;   /* latency of the last Elasticsearch request */
};

/* Flags set by signal handlers (main.c) and polled by the loop. */
struct agent_signals {
    volatile sig_atomic_t stop;   /* SIGTERM / SIGINT */
    volatile sig_atomic_t reopen; /* SIGHUP */
    volatile sig_atomic_t report; /* SIGUSR1 */
};

struct agent_opts {
    bool once;                /* --once: stop when caught up */
    const char *replay;       /* --replay FILE|- (NULL: tail Elasticsearch) */
    bool reset_checkpoint;    /* --reset-checkpoint: ignore an existing checkpoint */
};

/**
 * @brief Run the agent. @p cfg must have at least one output.
 * @return process exit code: 0 success, 2 runtime failure.
 */
int agent_run(struct cfg *cfg, const struct agent_opts *opts, struct agent_signals *sig);

#endif
