/* syslog_queue.c - ring of framed messages with stream marks: what was written, what the
 * peer's TCP stack acknowledged and when, what is acked after the ack delay, what to resend
 * after a loss (pure: no sockets, no clock; see syslog_queue.h). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "syslog_queue.h"
#include "xalloc.h"

#define QUEUE_INITIAL_CAP 256

static struct syslog_qent *ent(const struct syslog_queue *q, uint64_t seq)
{
    return &q->ring[seq & (q->cap - 1)];
}

void syslog_queue_init(struct syslog_queue *q)
{
    memset(q, 0, sizeof(*q));
}

void syslog_queue_fini(struct syslog_queue *q)
{
    for (uint64_t s = q->head; s < q->tail; s++)
        free(ent(q, s)->frame);
    free(q->ring);
    memset(q, 0, sizeof(*q));
}

static void grow(struct syslog_queue *q)
{
    size_t ncap = q->cap ? q->cap * 2 : QUEUE_INITIAL_CAP;
    struct syslog_qent *nring = xcalloc(ncap, sizeof(*nring));

    /* keep sequence numbers: each entry moves to its slot under the new mask */
    for (uint64_t s = q->head; s < q->tail; s++)
        nring[s & (ncap - 1)] = *ent(q, s);
    free(q->ring);
    q->ring = nring;
    q->cap = ncap;
}

void syslog_queue_push(struct syslog_queue *q, char *frame, size_t len, uint64_t token)
{
    struct syslog_qent *e;

    if (syslog_queue_count(q) == q->cap)
        grow(q);
    e = ent(q, q->tail);
    e->frame = frame;
    e->len = len;
    e->token = token;
    e->mark = 0;
    e->tacked_ms = 0;
    e->resend = false;
    q->tail++;
    q->bytes += len;
}

int syslog_queue_iov(const struct syslog_queue *q, struct iovec *iov, int max, size_t max_bytes)
{
    size_t total = 0;
    int n = 0;

    for (uint64_t s = q->wr; s < q->tail && n < max; s++) {
        const struct syslog_qent *e = ent(q, s);
        size_t off = s == q->wr ? q->wr_off : 0;

        if (n > 0 && total + (e->len - off) > max_bytes)
            break;
        iov[n].iov_base = e->frame + off;
        iov[n].iov_len = e->len - off;
        total += e->len - off;
        n++;
    }
    return n;
}

size_t syslog_queue_wrote(struct syslog_queue *q, size_t n, uint64_t pos_after, bool exact)
{
    uint64_t pos = pos_after - n; /* stream position of the first byte written */
    size_t resent = 0;

    while (n > 0 && q->wr < q->tail) {
        struct syslog_qent *e = ent(q, q->wr);
        size_t left = e->len - q->wr_off;

        if (n < left) {
            q->wr_off += n;
            return resent;
        }
        n -= left;
        pos += left;
        e->mark = exact ? pos : pos_after;
        if (e->resend) {
            e->resend = false;
            resent++;
        }
        q->wr++;
        q->wr_off = 0;
    }
    return resent;
}

size_t syslog_queue_tcp_acked(struct syslog_queue *q, uint64_t acked_pos, int64_t now_ms)
{
    size_t n = 0;

    while (q->tack < q->wr) {
        struct syslog_qent *e = ent(q, q->tack);

        if (e->mark > acked_pos)
            break;
        e->tacked_ms = now_ms;
        q->tack++;
        n++;
    }
    return n;
}

size_t syslog_queue_release(struct syslog_queue *q, int64_t now_ms, int64_t delay_ms,
                            syslog_queue_ack_fn fn, void *ctx)
{
    size_t n = 0;

    while (q->head < q->tack) {
        struct syslog_qent *e = ent(q, q->head);
        uint64_t token = e->token;

        if (now_ms - e->tacked_ms < delay_ms)
            break;
        q->bytes -= e->len;
        free(e->frame);
        e->frame = NULL;
        q->head++;
        n++;
        if (fn)
            fn(ctx, token); /* may push: e is not used after this */
    }
    return n;
}

int64_t syslog_queue_release_at(const struct syslog_queue *q, int64_t delay_ms)
{
    if (q->head == q->tack)
        return INT64_MAX;
    return ent(q, q->head)->tacked_ms + delay_ms;
}

size_t syslog_queue_ack(struct syslog_queue *q, uint64_t acked_pos, syslog_queue_ack_fn fn,
                        void *ctx)
{
    syslog_queue_tcp_acked(q, acked_pos, 0);
    return syslog_queue_release(q, 0, 0, fn, ctx);
}

size_t syslog_queue_rewind(struct syslog_queue *q)
{
    uint64_t end = q->wr + (q->wr_off > 0 && q->wr < q->tail ? 1 : 0);
    size_t n = (size_t)(end - q->head);

    for (uint64_t s = q->head; s < end; s++)
        ent(q, s)->resend = true;
    q->tack = q->head;
    q->wr = q->head;
    q->wr_off = 0;
    return n;
}

const struct syslog_qent *syslog_queue_next(const struct syslog_queue *q)
{
    return q->wr < q->tail ? ent(q, q->wr) : NULL;
}
