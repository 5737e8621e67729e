/* output.h - the one interface every output implements (file, syslog, kafka).
 * Outputs receive formatted bytes plus an ack token; they never see struct audit_event.
 * An output never drops: it retries internally until the bytes are delivered, then
 * calls output_ack(). There is no DROP result. */
#ifndef ECE_OUTPUT_H
#define ECE_OUTPUT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfg.h"
#include "err.h"
#include "format.h"

enum out_result {
    OUT_QUEUED = 0, /* accepted; output_ack() follows when delivered */
    OUT_BUSY,       /* queue full (backpressure): poll, then submit again */
    OUT_FATAL       /* unusable output (bad config discovered late) */
};

/* One message handed to an output. Borrowed for the duration of submit(). */
struct out_msg {
    const char *data;       /* complete message without transport framing */
    size_t len;
    const char *key;        /* Kafka record key (may be NULL) */
    const char *ev_class;   /* event class, for Kafka headers */
    const char *dedup_key;  /* for Kafka headers */
    uint64_t token;         /* handed back through output_ack() */
};

struct output_stats {
    uint64_t sent;          /* messages submitted */
    uint64_t acked;         /* messages confirmed delivered */
    uint64_t retried;       /* messages re-sent after a failure */
    uint64_t failed;        /* delivery attempts that failed (each retried) */
    uint64_t truncated;     /* messages cut to max_message */
    uint64_t bytes;         /* bytes written / produced */
    int connected;          /* 1 up, 0 down, -1 n/a */
};

struct output;

struct output_ops {
    const char *type;                                            /* "file", "syslog", "kafka" */
    int (*validate)(const struct cfg_output *co, struct err *err); /* no I/O */
    int (*open)(struct output *out, struct err *err);
    enum out_result (*submit)(struct output *out, const struct out_msg *msg);
    /** Make progress (I/O, delivery reports) for at most timeout_ms; calls output_ack(). */
    int (*poll)(struct output *out, int timeout_ms);
    /** Number of submitted messages not yet acked. */
    size_t (*pending)(const struct output *out);
    /** Reopen files (SIGHUP). May be NULL. */
    void (*reopen)(struct output *out);
    void (*close)(struct output *out);
};

typedef void (*output_ack_fn)(void *ctx, struct output *out, uint64_t token);

struct output {
    const struct output_ops *ops;
    const struct cfg_output *co;     /* borrowed from struct cfg */
    struct format_opts fo;
    struct output_stats stats;
    output_ack_fn ack_fn;
    void *ack_ctx;
    int index;                       /* position in the output set */
    void *priv;                      /* the transport's own state */
};

extern const struct output_ops output_file_ops;
extern const struct output_ops output_syslog_ops;
extern const struct output_ops output_kafka_ops;

/** @brief The ops for a configured output type. */
const struct output_ops *output_ops_for(enum out_type type);

/** @brief Format options of a configured output (body, header, facility, hostname, app name). */
void output_format_opts(const struct cfg_output *co, struct format_opts *fo);

/** @brief Called by transports when a message is delivered. */
static inline void output_ack(struct output *out, uint64_t token)
{
    out->stats.acked++;
    if (out->ack_fn)
        out->ack_fn(out->ack_ctx, out, token);
}

#endif
