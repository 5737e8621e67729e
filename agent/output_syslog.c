/* output_syslog.c - syslog over UDP (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425): connections,
 * backoff, and acks that mean "the peer's TCP stack acknowledged the message's last byte, at
 * least ack_delay ago, and the connection is still up". Knows nothing of events or formats,
 * nor of sockets: frames come from syslog_frame.c, the queue from syslog_queue.c, the
 * connection mechanics from syslog_conn.c. This file is the policy: when to connect,
 * backoff, probation, what counts as acked, what gets logged.
 *
 * The ack contract. Plain TCP syslog calls a message delivered once write() returned, and so
 * loses the kernel's buffered tail when a connection breaks. Here a message stays queued
 * after its last byte went to the kernel, with a mark: its end position in the connection's
 * byte stream (plain TCP: bytes we wrote; TLS: bytes OpenSSL's socket BIO wrote, so record
 * overhead is counted). The peer has acknowledged everything up to
 * (bytes written - SIOCOUTQ), SIOCOUTQ being the socket's unsent + unacknowledged bytes;
 * a message whose mark is at or below that is "TCP-acked", at the time we observed it.
 *
 * The ack delay. A TCP ack only says the bytes reached the receiver's kernel: a receiver
 * that dies (kill -9, and rsyslog even on SIGTERM) loses what sat in its socket buffer and
 * its internal queue - measured against rsyslog, 140 to 4400 messages per restart. So a
 * TCP-acked message is acked only once ack_delay (default 2 s) has passed since we saw its
 * TCP ack AND the connection is still up at that moment (no FIN, no RST, no SO_ERROR:
 * checked right before acking). A receiver that dies with data in its socket buffer or
 * queue breaks the connection within the delay, so that data is re-sent instead of lost.
 * When the connection is lost, every message not yet acked - TCP-acked ones still inside
 * the delay included - is re-sent on the next one: duplicates rather than loss (each
 * message carries its dedup key). What a live receiver holds for longer than ack_delay
 * and then loses is the receiver's own durability. ack_delay = 0 acks at the TCP ack.
 * A server that reads and then drops a connection it does not want (rsyslog over its
 * session limit, a TLS 1.3 server rejecting our certificate after the handshake) is
 * covered as well by probation: a new connection acks nothing during a short probation,
 * so a connection closed right away delivers nothing and is retried.
 * In-flight bounds are large (QUEUE_MAX_*) so that throughput survives the delay:
 * about QUEUE_MAX_MSGS / ack_delay messages per second at most.
 * UDP cannot confirm anything: a datagram is acked once sendto() took it.
 *
 * Concurrency: one thread; everything happens inside submit()/poll() called by the agent. */
#include "config.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "output.h"
#include "syslog_conn.h"
#include "syslog_frame.h"
#include "syslog_queue.h"
#include "tls.h"
#include "xalloc.h"

/* backpressure: submit() says OUT_BUSY beyond either bound; nothing is ever dropped. Every
 * message written in the last ack_delay is held: the bounds set the throughput ceiling. */
#define QUEUE_MAX_MSGS        200000
#define QUEUE_MAX_BYTES       (64u * 1024 * 1024)
#define CONNECT_TIMEOUT_MS    10000  /* when timeout is 0 */
#define RECONNECT_MAX_MS      30000  /* when reconnect_max is 0 */
#define BACKOFF_BASE_MS       100
#define CONFIRM_UPTIME_MS     2000   /* a connection that lived this long counts as working */
#define PROBATION_MIN_MS      500    /* no acks this early on a new connection (+ 2 RTT) */
#define ACK_TICK_MIN_MS       1
#define ACK_TICK_MAX_MS       50

struct syslog_out {
    struct output *out;
    const struct cfg_output *co;
    char comp[96];             /* "output/<name>" */
    char peer[300];            /* host:port */
    size_t max_message;
    int64_t reconnect_max_ms;
    int64_t ack_delay_ms;      /* TCP/TLS; 0 = ack at the TCP ack */
    struct syslog_queue q;
    struct tls_client *tc;
    struct syslog_conn conn;
    int64_t next_try_ms;       /* while closed */
    unsigned attempts;         /* failed attempts since the last working connection */
    int ack_tick_ms;
    int64_t up_since_ms;
    int64_t probation_until_ms; /* acks withheld until then */
    int64_t down_since_ms;
    bool announced;            /* this connection was logged as (re)connected */
    bool ever_announced;
    enum err_kind logged_kind; /* failure kind logged in this down period; ERR_NONE = none */
    unsigned failures;         /* failed attempts in this down period */
    uint64_t rng;
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t rng_next(struct syslog_out *s)
{
    /* xorshift64*: jitter only, not security */
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return s->rng * 0x2545F4914F6CDD1DULL;
}

/* Exponential backoff with jitter: uniform in [d/2, d], d = base * 2^attempts, capped. */
static int64_t backoff_ms(struct syslog_out *s)
{
    unsigned shift = s->attempts < 20 ? s->attempts : 20;
    int64_t d = (int64_t)BACKOFF_BASE_MS << shift;

    if (d > s->reconnect_max_ms)
        d = s->reconnect_max_ms;
    s->attempts++;
    return d / 2 + (int64_t)(rng_next(s) % (uint64_t)(d / 2 + 1));
}

static const char *transport_name(enum out_transport t)
{
    return t == TRANSPORT_UDP ? "udp" : t == TRANSPORT_TCP ? "tcp" : "tls";
}

static void ack_cb(void *ctx, uint64_t token)
{
    struct syslog_out *s = ctx;

    output_ack(s->out, token);
}

/* Log "connected"/"reconnected" once per connection: at its first ack or once it has lived
 * CONFIRM_UPTIME_MS (a TLS 1.3 server can still reject our certificate after the handshake,
 * and a peer that accepts and drops must not log once per retry). */
static void announce(struct syslog_out *s)
{
    const char *ver = "-", *cipher = "-";

    if (s->announced)
        return;
    s->announced = true;
    if (s->conn.tls)
        tls_conn_describe(s->conn.tls, &ver, &cipher);
    if (!s->ever_announced)
        log_info(s->comp, "connected peer=%s transport=%s tls=%s cipher=%s ack_delay_ms=%lld",
                 s->peer, transport_name(s->co->transport), ver, cipher,
                 (long long)s->ack_delay_ms);
    else
        log_info(s->comp, "reconnected peer=%s down_ms=%lld failed_attempts=%u tls=%s", s->peer,
                 (long long)(s->up_since_ms - s->down_since_ms), s->failures, ver);
    s->ever_announced = true;
    s->logged_kind = ERR_NONE;
    s->failures = 0;
}

/* Record what the peer's TCP stack acknowledged, then ack what has been TCP-acked for
 * ack_delay, if the connection is still up. @p tacked: messages newly TCP-acked.
 * Returns the number acked, or -1 when the peer is gone (@p err says why; nothing acked). */
static ssize_t collect_acks(struct syslog_out *s, size_t *tacked, struct err *err)
{
    uint64_t pos;
    int64_t now;
    size_t n;

    *tacked = 0;
    if (s->conn.st != SC_UP || syslog_queue_inflight(&s->q) == 0)
        return 0;
    now = now_ms();
    if (now < s->probation_until_ms)
        return 0;
    if (syslog_queue_untacked(&s->q) > 0 && syslog_conn_acked_pos(&s->conn, &pos) == 0)
        *tacked = syslog_queue_tcp_acked(&s->q, pos, now);
    if (syslog_queue_release_at(&s->q, s->ack_delay_ms) > now)
        return 0;
    /* acking moves the checkpoint: only over a connection that is still up right now */
    if (s->ack_delay_ms > 0 && syslog_conn_peer_gone(&s->conn, err))
        return -1;
    n = syslog_queue_release(&s->q, now, s->ack_delay_ms, ack_cb, s);
    if (n > 0)
        announce(s);
    return (ssize_t)n;
}

/* Connection gone or attempt failed: rewind, schedule the next attempt, log a state change once. */
static void conn_lost(struct syslog_out *s, const struct err *err)
{
    bool was_up = s->conn.st == SC_UP;
    bool announced = was_up && s->announced;
    int64_t now = now_ms(), delay;
    size_t rewound;

    if (was_up && s->ack_delay_ms == 0) {
        /* no delay: bytes acknowledged before the loss still count (with a delay nothing
         * is acked over a broken connection: what it held is re-sent) */
        struct err ignored = {0};
        size_t tacked;

        collect_acks(s, &tacked, &ignored);
    }
    rewound = syslog_queue_rewind(&s->q);
    s->out->stats.failed += rewound;
    syslog_conn_close(&s->conn);
    s->out->stats.connected = s->co->transport == TRANSPORT_UDP ? -1 : 0;
    if (was_up && (s->announced || now - s->up_since_ms >= CONFIRM_UPTIME_MS))
        s->attempts = 0;
    delay = backoff_ms(s);
    s->next_try_ms = now + delay;
    s->announced = false;
    if (!announced)
        s->failures++;
    if (announced) {
        log_warn(s->comp, "connection lost peer=%s reason=\"%s\" unacked=%zu retry_in_ms=%lld",
                 s->peer, err->msg, rewound, (long long)delay);
        s->down_since_ms = now;
        s->logged_kind = err->kind;
    } else if (s->logged_kind == ERR_NONE || err->kind != s->logged_kind) {
        /* a failed attempt: logged once per down period (again if the kind of failure
         * changes, e.g. refused -> certificate rejected), never once per retry */
        log_msg(err->kind == ERR_AUTH ? LOG_LVL_ERROR : LOG_LVL_WARN, s->comp,
                "cannot connect peer=%s reason=\"%s\" retry_in_ms=%lld", s->peer, err->msg,
                (long long)delay);
        s->logged_kind = err->kind;
    } else {
        log_debug(s->comp, "attempt failed peer=%s reason=\"%s\" retry_in_ms=%lld", s->peer,
                  err->msg, (long long)delay);
    }
}

static void conn_up(struct syslog_out *s)
{
    s->out->stats.connected = s->co->transport == TRANSPORT_UDP ? -1 : 1;
    s->up_since_ms = now_ms();
    s->ack_tick_ms = ACK_TICK_MIN_MS;
    s->probation_until_ms = 0;
    if (s->co->transport == TRANSPORT_UDP)
        announce(s);
    else
        s->probation_until_ms = s->up_since_ms + PROBATION_MIN_MS +
                                2 * (int64_t)syslog_conn_rtt_ms(&s->conn);
}

/* UP: check the peer, write, collect acks. Returns the wait in ms (-1 none), or -2 when
 * the connection was lost. */
static int64_t up_step(struct syslog_out *s, struct pollfd *pfd)
{
    struct err err = {0};
    size_t tacked, tacked2;
    int64_t now, wait, due;

    if (syslog_conn_peer_gone(&s->conn, &err)) {
        conn_lost(s, &err);
        return -2;
    }
    if (!s->announced && now_ms() - s->up_since_ms >= CONFIRM_UPTIME_MS)
        announce(s);
    if (collect_acks(s, &tacked, &err) < 0 ||
        syslog_conn_write(&s->conn, &s->q, &s->out->stats.bytes, &s->out->stats.retried,
                          &err) < 0 ||
        collect_acks(s, &tacked2, &err) < 0) {
        conn_lost(s, &err);
        return -2;
    }
    pfd->fd = s->conn.fd;
    pfd->events = syslog_conn_events(&s->conn);
    if (syslog_queue_inflight(&s->q) == 0)
        return -1;
    now = now_ms();
    if (now < s->probation_until_ms)
        return s->probation_until_ms - now;
    wait = -1;
    if (syslog_queue_untacked(&s->q) > 0) {
        /* the kernel does not wake us when an ack arrives: look again soon, less often if
         * slow */
        if (tacked + tacked2 > 0)
            s->ack_tick_ms = ACK_TICK_MIN_MS;
        else if (s->ack_tick_ms < ACK_TICK_MAX_MS)
            s->ack_tick_ms *= 2;
        wait = s->ack_tick_ms;
    }
    /* a peer that closes wakes poll (POLLIN | POLLRDHUP); otherwise wake when acks are due */
    due = syslog_queue_release_at(&s->q, s->ack_delay_ms);
    if (due != INT64_MAX && (wait < 0 || due - now < wait))
        wait = due > now ? due - now : 0;
    return wait;
}

/* Do all non-blocking work; fill @p pfd and return how long to wait (-1 = no limit). */
static int64_t drive(struct syslog_out *s, struct pollfd *pfd)
{
    for (;;) {
        struct err err = {0};
        int64_t now = now_ms(), w;
        int r;

        pfd->fd = -1;
        pfd->events = 0;
        switch (s->conn.st) {
        case SC_CLOSED:
            if (now < s->next_try_ms)
                return s->next_try_ms - now;
            if (syslog_conn_open(&s->conn, s->co->host, s->co->port, &err) < 0) {
                conn_lost(s, &err);
                return s->next_try_ms - now_ms();
            }
            if (s->conn.st == SC_UP)
                conn_up(s);
            break;
        case SC_CONNECTING:
        case SC_HANDSHAKE:
            r = syslog_conn_progress(&s->conn, pfd, &err);
            if (r == 1)
                return s->conn.deadline_ms - now;
            if (r < 0) {
                conn_lost(s, &err);
                return s->next_try_ms - now_ms();
            }
            conn_up(s);
            break;
        case SC_UP:
            w = up_step(s, pfd);
            if (w != -2)
                return w;
            break;
        }
    }
}

static int syslog_poll(struct output *out, int timeout_ms)
{
    struct syslog_out *s = out->priv;
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    uint64_t acked0 = out->stats.acked;

    for (;;) {
        struct pollfd pfd;
        int64_t wait = drive(s, &pfd), left = deadline - now_ms();

        /* return as soon as there is news for the caller or nothing to do */
        if (syslog_queue_count(&s->q) == 0 || out->stats.acked > acked0 || left <= 0)
            return 0;
        if (wait < 0 || wait > left)
            wait = left;
        if (poll(&pfd, pfd.fd >= 0 ? 1 : 0, (int)wait) < 0 && errno != EINTR)
            return -1;
    }
}

static int syslog_validate(const struct cfg_output *co, struct err *err)
{
    const char *n = co->name ? co->name : "?";
    int lim;

    if (co->host == NULL || co->host[0] == '\0')
        return err_set(err, ERR_CONFIG, "line %d: output '%s': host: required", co->cfg_line, n);
    if (co->port < 1 || co->port > 65535)
        return err_set(err, ERR_CONFIG, "line %d: output '%s': port: must be 1..65535",
                       co->cfg_line, n);
    if (co->transport < TRANSPORT_UDP || co->transport > TRANSPORT_TLS ||
        co->framing < FRAMING_OCTET || co->framing > FRAMING_LF)
        return err_set(err, ERR_CONFIG, "line %d: output '%s': transport: unknown", co->cfg_line,
                       n);
    lim = co->transport == TRANSPORT_UDP ? SYSLOG_UDP_MAX : SYSLOG_TCP_MAX;
    if (co->max_message != 0 && (co->max_message < SYSLOG_MIN_MAX || co->max_message > lim))
        return err_set(err, ERR_CONFIG, "line %d: output '%s': max_message: must be %d..%d for %s",
                       co->cfg_line, n, SYSLOG_MIN_MAX, lim, transport_name(co->transport));
    if (co->timeout_ms < 0 || co->reconnect_max_ms < 0)
        return err_set(err, ERR_CONFIG, "line %d: output '%s': timeout: must not be negative",
                       co->cfg_line, n);
    if (co->ack_delay_ms < 0)
        return err_set(err, ERR_CONFIG, "line %d: output '%s': ack_delay: must not be negative",
                       co->cfg_line, n);
    if (co->transport == TRANSPORT_TLS && (co->tls.cert_file == NULL) != (co->tls.key_file == NULL))
        return err_set(err, ERR_CONFIG, "line %d: output '%s': tls: cert_file and key_file go together",
                       co->cfg_line, n);
    return 0;
}

static int syslog_open(struct output *out, struct err *err)
{
    const struct cfg_output *co = out->co;
    struct syslog_out *s;
    struct sigaction sa;
    struct pollfd pfd;

    if (syslog_validate(co, err) < 0)
        return -1;
    s = xcalloc(1, sizeof(*s));
    s->out = out;
    s->co = co;
    snprintf(s->comp, sizeof(s->comp), "output/%s", co->name ? co->name : "syslog");
    snprintf(s->peer, sizeof(s->peer), strchr(co->host, ':') ? "[%s]:%d" : "%s:%d", co->host,
             co->port);
    s->max_message = syslog_frame_max_message(co);
    s->reconnect_max_ms = co->reconnect_max_ms > 0 ? co->reconnect_max_ms : RECONNECT_MAX_MS;
    if (s->reconnect_max_ms < BACKOFF_BASE_MS)
        s->reconnect_max_ms = BACKOFF_BASE_MS;
    s->ack_delay_ms = co->transport == TRANSPORT_UDP ? 0 : co->ack_delay_ms;
    if (getrandom(&s->rng, sizeof(s->rng), GRND_NONBLOCK) != (ssize_t)sizeof(s->rng) || !s->rng)
        s->rng = (uint64_t)now_ms() * 2654435761u + (uint64_t)getpid();
    syslog_queue_init(&s->q);
    if (co->transport == TRANSPORT_TLS) {
        s->tc = tls_client_new(&co->tls, co->host, err);
        if (s->tc == NULL) {
            free(s);
            return -1;
        }
        /* OpenSSL writes with write(2): a dead peer must give EPIPE, not kill us */
        if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
            signal(SIGPIPE, SIG_IGN);
    }
    syslog_conn_init(&s->conn, co->transport, s->tc,
                     co->timeout_ms > 0 ? co->timeout_ms : CONNECT_TIMEOUT_MS);
    out->stats.connected = co->transport == TRANSPORT_UDP ? -1 : 0;
    out->priv = s;
    drive(s, &pfd); /* start connecting; a refused connection is retried from poll() */
    return 0;
}

static enum out_result syslog_submit(struct output *out, const struct out_msg *msg)
{
    struct syslog_out *s = out->priv;
    size_t flen;
    bool cut;
    char *frame;

    if (syslog_queue_count(&s->q) > 0 &&
        (syslog_queue_count(&s->q) >= QUEUE_MAX_MSGS || s->q.bytes >= QUEUE_MAX_BYTES))
        return OUT_BUSY;
    frame = syslog_frame_build(msg->data, msg->len, s->co->transport, s->co->framing,
                               s->max_message, &flen, &cut);
    syslog_queue_push(&s->q, frame, flen, msg->token);
    out->stats.sent++;
    if (cut)
        out->stats.truncated++;
    return OUT_QUEUED;
}

static size_t syslog_pending(const struct output *out)
{
    const struct syslog_out *s = out->priv;

    return s ? syslog_queue_count(&s->q) : 0;
}

static void syslog_close(struct output *out)
{
    struct syslog_out *s = out->priv;

    if (s == NULL)
        return;
    if (syslog_queue_count(&s->q) > 0)
        log_info(s->comp, "closing peer=%s unacked=%zu", s->peer, syslog_queue_count(&s->q));
    syslog_conn_fini(&s->conn);
    tls_client_free(s->tc);
    syslog_queue_fini(&s->q);
    free(s);
    out->priv = NULL;
    out->stats.connected = out->co->transport == TRANSPORT_UDP ? -1 : 0;
}

const struct output_ops output_syslog_ops = {
    .type = "syslog",
    .validate = syslog_validate,
    .open = syslog_open,
    .submit = syslog_submit,
    .poll = syslog_poll,
    .pending = syslog_pending,
    .reopen = NULL,
    .close = syslog_close,
};
