/* syslog_queue.h - the syslog output's queue of framed messages, in submission order (pure).
 * Each message is unsent, written (its last byte handed to the kernel, with a "mark"
 * in the connection's byte stream), TCP-acked (the peer acknowledged the stream up to its
 * mark, at a recorded time) or gone (acked and freed). A TCP-acked message is acked once
 * it has been TCP-acked for the ack delay; a lost connection rewinds every written or
 * TCP-acked message to unsent. Knows nothing of sockets or clocks: the caller supplies
 * stream positions and times. */
#ifndef ECE_SYSLOG_QUEUE_H
#define ECE_SYSLOG_QUEUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct syslog_qent {
    char *frame;     /* owned */
    size_t len;
    uint64_t token;
    uint64_t mark;   /* stream position that must be acknowledged; valid once written */
    int64_t tacked_ms; /* when the peer's TCP ack of mark was observed; valid once TCP-acked */
    bool resend;     /* was written on a connection that was lost */
};

struct syslog_queue {
    struct syslog_qent *ring;
    size_t cap;       /* power of two */
    uint64_t head;    /* oldest message not yet acked */
    uint64_t tack;    /* oldest message not yet TCP-acked; head <= tack <= wr */
    uint64_t wr;      /* next message to write; head <= wr <= tail */
    uint64_t tail;    /* one past the newest */
    size_t wr_off;    /* bytes of message wr already written (partial write) */
    size_t bytes;     /* frame bytes held */
};

typedef void (*syslog_queue_ack_fn)(void *ctx, uint64_t token);

void syslog_queue_init(struct syslog_queue *q);
/** @brief Free every frame (unacked messages are forgotten, not acked). */
void syslog_queue_fini(struct syslog_queue *q);

/** @brief Append a frame; takes ownership of @p frame. */
void syslog_queue_push(struct syslog_queue *q, char *frame, size_t len, uint64_t token);

static inline size_t syslog_queue_count(const struct syslog_queue *q)
{
    return (size_t)(q->tail - q->head);
}
/** @brief Messages whose last byte is in the kernel but not yet acked (TCP-acked or not). */
static inline size_t syslog_queue_inflight(const struct syslog_queue *q)
{
    return (size_t)(q->wr - q->head);
}
/** @brief Written messages the peer's TCP stack has not acknowledged yet. */
static inline size_t syslog_queue_untacked(const struct syslog_queue *q)
{
    return (size_t)(q->wr - q->tack);
}
static inline bool syslog_queue_has_unsent(const struct syslog_queue *q)
{
    return q->wr < q->tail;
}

/**
 * @brief Describe up to @p max unsent buffers (starting inside a partly written one)
 * totalling about @p max_bytes (at least one buffer when any is unsent).
 * @return the number of iovecs filled.
 */
int syslog_queue_iov(const struct syslog_queue *q, struct iovec *iov, int max, size_t max_bytes);

/**
 * @brief Record that the next @p n unsent bytes were handed to the kernel.
 * Each message completed by these bytes gets its mark: with @p exact, its own end
 * position (pos_after minus the bytes written after it); otherwise @p pos_after for all
 * (TLS: a record's bytes are in the kernel only when the whole write finished).
 * @return how many completed messages were re-sends.
 */
size_t syslog_queue_wrote(struct syslog_queue *q, size_t n, uint64_t pos_after, bool exact);

/**
 * @brief The peer acknowledged the stream up to @p acked_pos, as observed at @p now_ms:
 * every written message whose mark <= @p acked_pos and that was not TCP-acked yet becomes
 * TCP-acked at @p now_ms (the ack delay starts).
 * @return the number newly TCP-acked.
 */
size_t syslog_queue_tcp_acked(struct syslog_queue *q, uint64_t acked_pos, int64_t now_ms);

/**
 * @brief Ack, oldest first, every message TCP-acked at or before @p now_ms - @p delay_ms:
 * calls @p fn for its token and frees it. The caller has made sure the connection is
 * still up (a message TCP-acked on a connection that then broke must be re-sent).
 * @return the number acked.
 */
size_t syslog_queue_release(struct syslog_queue *q, int64_t now_ms, int64_t delay_ms,
                            syslog_queue_ack_fn fn, void *ctx);

/** @brief When the oldest TCP-acked message is due (its TCP ack time + @p delay_ms);
 * INT64_MAX when none is TCP-acked. */
int64_t syslog_queue_release_at(const struct syslog_queue *q, int64_t delay_ms);

/**
 * @brief No ack delay: TCP-ack up to @p acked_pos and ack those at once
 * (syslog_queue_tcp_acked() + syslog_queue_release() with delay 0).
 * @return the number acked.
 */
size_t syslog_queue_ack(struct syslog_queue *q, uint64_t acked_pos, syslog_queue_ack_fn fn,
                        void *ctx);

/**
 * @brief The connection was lost: every written, TCP-acked-but-not-acked or partly
 * written message becomes unsent again (marked as a re-send), to be written from its
 * first byte.
 * @return the number of messages rewound.
 */
size_t syslog_queue_rewind(struct syslog_queue *q);

/** @brief The unsent message at the write position (for datagrams); NULL if none. */
const struct syslog_qent *syslog_queue_next(const struct syslog_queue *q);

#endif
