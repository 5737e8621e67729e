/* output_syslog.c - syslog over UDP (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425): connections,
 * backoff, and acks that mean "the peer's TCP stack acknowledged the message's last byte".
 * Knows nothing of events or formats: it moves framed bytes (syslog_frame.c, syslog_queue.c).
 *
 * The ack contract. Plain TCP syslog calls a message delivered once write() returned, and so
 * loses the kernel's buffered tail when a connection breaks. Here a message stays queued
 * after its last byte went to the kernel, with a mark: its end position in the connection's
 * byte stream (plain TCP: bytes we wrote; TLS: bytes OpenSSL's socket BIO wrote, so record
 * overhead is counted). The peer has acknowledged everything up to
 * (bytes written - SIOCOUTQ), SIOCOUTQ being the socket's unsent + unacknowledged bytes;
 * every message whose mark is at or below that is acked. When the connection is lost, the
 * rest is resent on the next one: duplicates rather than loss (each carries its dedup key).
 * A receiver that crashes after its kernel acknowledged bytes can still lose them: TCP
 * cannot see that, nor a server that reads and then drops a connection it does not want
 * (rsyslog over its session limit, a TLS 1.3 server rejecting our certificate after the
 * handshake): for those, a new connection acks nothing during a short probation, so a
 * connection closed right away delivers nothing and is retried.
 * UDP cannot confirm anything: a datagram is acked once sendto() took it.
 *
 * Concurrency: one thread; everything happens inside submit()/poll() called by the agent. */
#include "config.h"
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>
#include "log.h"
#include "output.h"
#include "syslog_frame.h"
#include "syslog_queue.h"
#include "tls.h"
#include "xalloc.h"

/* backpressure: submit() says OUT_BUSY beyond either bound; nothing is ever dropped */
#define QUEUE_MAX_MSGS        10000
#define QUEUE_MAX_BYTES       (8u * 1024 * 1024)
#define CONNECT_TIMEOUT_MS    10000  /* when timeout is 0 */
#define RECONNECT_MAX_MS      30000  /* when reconnect_max is 0 */
#define BACKOFF_BASE_MS       100
#define USER_TIMEOUT_MIN_MS   30000  /* TCP_USER_TIMEOUT: a silent peer is given up after this */
#define CONFIRM_UPTIME_MS     2000   /* a connection that lived this long counts as working */
#define PROBATION_MIN_MS      250    /* no acks this early on a new connection (+ 2 RTT) */
#define WRITE_IOV_MAX         64
#define WRITE_CHUNK_BYTES     (256 * 1024)
#define TLS_STAGE_BYTES       (16 * 1024) /* coalesce small messages into one TLS record */
#define ACK_TICK_MIN_MS       1
#define ACK_TICK_MAX_MS       50

enum conn_state { ST_DOWN = 0, ST_CONNECTING, ST_HANDSHAKE, ST_UP };

struct syslog_out {
    struct output *out;
    const struct cfg_output *co;
    char comp[96];             /* "output/<name>" */
    char peer[300];            /* host:port */
    size_t max_message;
    int64_t connect_timeout_ms;
    int64_t reconnect_max_ms;
    struct syslog_queue q;
    struct tls_client *tc;
    struct tls_conn *tls;
    struct addrinfo *ai_list;  /* resolved for the current attempt */
    struct addrinfo *ai_next;  /* next address to try */
    enum conn_state st;
    int fd;
    enum tls_io tls_want;      /* direction the last TLS call waits for */
    int64_t deadline_ms;       /* CONNECTING, HANDSHAKE */
    int64_t next_try_ms;       /* DOWN */
    unsigned attempts;         /* failed attempts since the last working connection */
    uint64_t written;          /* plain TCP: bytes the kernel accepted on this connection */
    char *stage;               /* TLS: frames being written as one SSL_write */
    size_t stage_len, stage_cap;
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

static void announce(struct syslog_out *s)
{
    const char *ver = "-", *cipher = "-";

    if (s->announced)
        return;
    s->announced = true;
    if (s->tls)
        tls_conn_describe(s->tls, &ver, &cipher);
    if (!s->ever_announced)
        log_info(s->comp, "connected peer=%s transport=%s tls=%s cipher=%s", s->peer,
                 transport_name(s->co->transport), ver, cipher);
    else
        log_info(s->comp, "reconnected peer=%s down_ms=%lld failed_attempts=%u tls=%s", s->peer,
                 (long long)(s->up_since_ms - s->down_since_ms), s->failures, ver);
    s->ever_announced = true;
    s->logged_kind = ERR_NONE;
    s->failures = 0;
}

/* Ack what the peer's TCP stack has acknowledged: stream position written - SIOCOUTQ. */
static size_t collect_acks(struct syslog_out *s)
{
    int outq = 0;
    uint64_t total, acked_pos;
    size_t n;

    if (s->st != ST_UP || s->co->transport == TRANSPORT_UDP || syslog_queue_inflight(&s->q) == 0)
        return 0;
    if (now_ms() < s->probation_until_ms)
        return 0;
    if (ioctl(s->fd, SIOCOUTQ, &outq) < 0 || outq < 0)
        return 0;
    total = s->tls ? tls_conn_wire_bytes(s->tls) : s->written;
    acked_pos = total >= (uint64_t)outq ? total - (uint64_t)outq : 0;
    n = syslog_queue_ack(&s->q, acked_pos, ack_cb, s);
    if (n > 0)
        announce(s);
    return n;
}

static void conn_close(struct syslog_out *s)
{
    tls_conn_free(s->tls); /* close_notify when the session is healthy, never waits */
    s->tls = NULL;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->stage_len = 0;
    if (s->ai_list)
        freeaddrinfo(s->ai_list);
    s->ai_list = s->ai_next = NULL;
}

/* Connection gone or attempt failed: rewind, schedule the next attempt, log a state change once. */
static void conn_lost(struct syslog_out *s, const struct err *err)
{
    bool was_up = s->st == ST_UP;
    bool announced = was_up && s->announced;
    int64_t now = now_ms(), delay;
    size_t rewound;

    if (was_up)
        collect_acks(s); /* bytes acknowledged before the loss still count */
    rewound = syslog_queue_rewind(&s->q);
    s->out->stats.failed += rewound;
    conn_close(s);
    s->out->stats.connected = s->co->transport == TRANSPORT_UDP ? -1 : 0;
    if (was_up && (s->announced || now - s->up_since_ms >= CONFIRM_UPTIME_MS))
        s->attempts = 0;
    delay = backoff_ms(s);
    s->next_try_ms = now + delay;
    if (!announced)
        s->failures++;
    s->st = ST_DOWN;
    s->announced = false;
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
    struct tcp_info ti;
    socklen_t tl = sizeof(ti);

    s->st = ST_UP;
    s->out->stats.connected = s->co->transport == TRANSPORT_UDP ? -1 : 1;
    s->up_since_ms = now_ms();
    s->probation_until_ms = 0;
    if (s->co->transport != TRANSPORT_UDP) {
        memset(&ti, 0, sizeof(ti));
        if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) < 0)
            ti.tcpi_rtt = 0;
        s->probation_until_ms = s->up_since_ms + PROBATION_MIN_MS + 2 * (ti.tcpi_rtt / 1000);
    }
    s->written = 0;
    s->ack_tick_ms = ACK_TICK_MIN_MS;
    if (s->ai_list)
        freeaddrinfo(s->ai_list);
    s->ai_list = s->ai_next = NULL;
    /* announced at the first ack or after CONFIRM_UPTIME_MS: a TLS 1.3 server can still
     * reject our certificate after the handshake, and a flapping peer must not log per retry */
    if (s->co->transport == TRANSPORT_UDP)
        announce(s);
}

static void conn_start(struct syslog_out *s);

static void attempt_failed(struct syslog_out *s, const struct err *err)
{
    if (s->tls) {
        tls_conn_free(s->tls);
        s->tls = NULL;
    }
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->st = ST_DOWN;
    if (s->ai_next) {
        conn_start(s); /* the next address of this attempt */
        return;
    }
    conn_lost(s, err);
}

static void established(struct syslog_out *s)
{
    struct err err = {0};

    if (s->tc == NULL) {
        conn_up(s);
        return;
    }
    s->tls = tls_conn_new(s->tc, s->fd, &err);
    if (s->tls == NULL) {
        attempt_failed(s, &err);
        return;
    }
    s->st = ST_HANDSHAKE;
    s->tls_want = TLS_IO_WANT_WRITE;
    s->deadline_ms = now_ms() + s->connect_timeout_ms;
}

static void sock_options(struct syslog_out *s, int fd)
{
    int one = 1;
    unsigned int ut = (unsigned int)(s->connect_timeout_ms > USER_TIMEOUT_MIN_MS
                                         ? s->connect_timeout_ms : USER_TIMEOUT_MIN_MS);

    if (s->co->transport == TRANSPORT_UDP)
        return;
    /* we coalesce writes ourselves; Nagle would only delay the acks we wait for */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof(ut));
}

static void conn_start(struct syslog_out *s)
{
    struct err err = {0};
    char port[16];
    int rc;

    if (s->ai_list == NULL) {
        struct addrinfo hints = {0};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = s->co->transport == TRANSPORT_UDP ? SOCK_DGRAM : SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
        snprintf(port, sizeof(port), "%d", s->co->port);
        rc = getaddrinfo(s->co->host, port, &hints, &s->ai_list);
        if (rc != 0) {
            s->ai_list = NULL;
            err_set(&err, ERR_TRANSIENT, "resolve %s: %s", s->co->host, gai_strerror(rc));
            conn_lost(s, &err);
            return;
        }
        s->ai_next = s->ai_list;
    }
    while (s->ai_next) {
        struct addrinfo *ai = s->ai_next;

        s->ai_next = ai->ai_next;
        s->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       ai->ai_protocol);
        if (s->fd < 0) {
            err_set(&err, ERR_TRANSIENT, "socket: %s", strerror(errno));
            continue;
        }
        sock_options(s, s->fd);
        if (connect(s->fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            established(s);
            return;
        }
        if (errno == EINPROGRESS) {
            s->st = ST_CONNECTING;
            s->deadline_ms = now_ms() + s->connect_timeout_ms;
            return;
        }
        err_set(&err, ERR_TRANSIENT, "connect: %s", strerror(errno));
        close(s->fd);
        s->fd = -1;
    }
    conn_lost(s, &err);
}

/* CONNECTING: 1 still in progress, 0 state changed. */
static int connect_check(struct syslog_out *s)
{
    struct pollfd p = {.fd = s->fd, .events = POLLOUT};
    struct err err = {0};
    int soerr = 0;
    socklen_t sl = sizeof(soerr);

    if (poll(&p, 1, 0) <= 0) {
        if (now_ms() < s->deadline_ms)
            return 1;
        err_set(&err, ERR_TRANSIENT, "connect: timed out after %lld ms",
                (long long)s->connect_timeout_ms);
        attempt_failed(s, &err);
        return 0;
    }
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
        soerr = errno;
    if (soerr != 0) {
        err_set(&err, ERR_TRANSIENT, "connect: %s", strerror(soerr));
        attempt_failed(s, &err);
        return 0;
    }
    established(s);
    return 0;
}

/* HANDSHAKE: 1 waiting, 0 state changed. */
static int handshake_step(struct syslog_out *s)
{
    struct err err = {0};
    enum tls_io r;

    if (now_ms() >= s->deadline_ms) {
        err_set(&err, ERR_TRANSIENT, "tls handshake: timed out after %lld ms",
                (long long)s->connect_timeout_ms);
        attempt_failed(s, &err);
        return 0;
    }
    r = tls_conn_handshake(s->tls, &err);
    if (r == TLS_IO_OK) {
        conn_up(s);
        return 0;
    }
    if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE) {
        s->tls_want = r;
        return 1;
    }
    attempt_failed(s, &err);
    return 0;
}

/* Before writing: has the peer closed (FIN, RST, close_notify)? Discards what it sent. */
static bool peer_gone(struct syslog_out *s, struct err *err)
{
    struct pollfd p = {.fd = s->fd, .events = POLLIN | POLLRDHUP};
    char buf[512];
    ssize_t n;

    if (poll(&p, 1, 0) <= 0)
        return false;
    if (p.revents & POLLERR) {
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        err_set(err, ERR_TRANSIENT, "connection error: %s", strerror(soerr ? soerr : EPIPE));
        return true;
    }
    if (s->tls) {
        enum tls_io r = tls_conn_read_discard(s->tls, err);
        return r == TLS_IO_CLOSED || r == TLS_IO_ERROR;
    }
    for (;;) {
        n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n == 0) {
            err_set(err, ERR_TRANSIENT, "connection closed by peer");
            return true;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return false;
            err_set(err, ERR_TRANSIENT, "connection error: %s", strerror(errno));
            return true;
        }
        /* a syslog receiver sends nothing; whatever it sent is dropped */
    }
}

/* Writers: 0 all written, 1 would block, -1 connection failed (err set). */
static int write_tcp(struct syslog_out *s, struct err *err)
{
    struct iovec iov[WRITE_IOV_MAX];

    while (syslog_queue_has_unsent(&s->q)) {
        struct msghdr mh = {.msg_iov = iov};
        ssize_t n;

        mh.msg_iovlen = (size_t)syslog_queue_iov(&s->q, iov, WRITE_IOV_MAX, WRITE_CHUNK_BYTES);
        n = sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 1;
            return err_set(err, ERR_TRANSIENT, "write: %s", strerror(errno));
        }
        s->written += (uint64_t)n;
        s->out->stats.bytes += (uint64_t)n;
        s->out->stats.retried += syslog_queue_wrote(&s->q, (size_t)n, s->written, true);
    }
    return 0;
}

static int write_tls(struct syslog_out *s, struct err *err)
{
    struct iovec iov[WRITE_IOV_MAX];

    while (s->stage_len > 0 || syslog_queue_has_unsent(&s->q)) {
        enum tls_io r;

        if (s->stage_len == 0) {
            int n = syslog_queue_iov(&s->q, iov, WRITE_IOV_MAX, TLS_STAGE_BYTES);
            size_t need = 0;
            for (int i = 0; i < n; i++)
                need += iov[i].iov_len;
            if (need > s->stage_cap) {
                s->stage = xrealloc(s->stage, need);
                s->stage_cap = need;
            }
            for (int i = 0; i < n; i++) {
                memcpy(s->stage + s->stage_len, iov[i].iov_base, iov[i].iov_len);
                s->stage_len += iov[i].iov_len;
            }
        }
        r = tls_conn_write(s->tls, s->stage, s->stage_len, err);
        if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE) {
            s->tls_want = r;
            return 1;
        }
        if (r != TLS_IO_OK)
            return -1;
        s->out->stats.bytes += s->stage_len;
        /* records of this write are all in the kernel now: mark = wire bytes so far */
        s->out->stats.retried +=
            syslog_queue_wrote(&s->q, s->stage_len, tls_conn_wire_bytes(s->tls), false);
        s->stage_len = 0;
    }
    return 0;
}

static int write_udp(struct syslog_out *s, struct err *err)
{
    const struct syslog_qent *e;
    int refused = 0;

    while ((e = syslog_queue_next(&s->q)) != NULL) {
        size_t len = e->len;
        ssize_t n = send(s->fd, e->frame, len, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 1;
            /* ICMP port unreachable for an earlier datagram: this one was not sent */
            if (errno == ECONNREFUSED && refused++ == 0) {
                s->out->stats.failed++;
                continue;
            }
            return err_set(err, ERR_TRANSIENT, "send: %s", strerror(errno));
        }
        refused = 0;
        s->out->stats.bytes += (uint64_t)n;
        s->out->stats.retried += syslog_queue_wrote(&s->q, len, 0, true);
        /* RFC 5426 has no acknowledgement: a datagram the kernel took is all we can know */
        syslog_queue_ack(&s->q, UINT64_MAX, ack_cb, s);
    }
    return 0;
}

/* UP: check the peer, write, collect acks. Returns the wait in ms (-1 none), or -2 when
 * the state changed. */
static int64_t up_step(struct syslog_out *s, struct pollfd *pfd)
{
    struct err err = {0};
    bool udp = s->co->transport == TRANSPORT_UDP;
    size_t acked = 0;
    int64_t now;
    int w;

    if (!udp && peer_gone(s, &err)) {
        conn_lost(s, &err);
        return -2;
    }
    if (!s->announced && now_ms() - s->up_since_ms >= CONFIRM_UPTIME_MS)
        announce(s);
    acked += collect_acks(s);
    w = udp ? write_udp(s, &err) : s->tls ? write_tls(s, &err) : write_tcp(s, &err);
    if (w < 0) {
        conn_lost(s, &err);
        return -2;
    }
    acked += collect_acks(s);
    pfd->fd = s->fd;
    pfd->events = udp ? 0 : POLLIN | POLLRDHUP;
    if (w == 1)
        pfd->events |= (s->tls && s->tls_want == TLS_IO_WANT_READ) ? POLLIN : POLLOUT;
    if (syslog_queue_inflight(&s->q) == 0)
        return -1;
    now = now_ms();
    if (now < s->probation_until_ms)
        return s->probation_until_ms - now;
    /* the kernel does not wake us when an ack arrives: look again soon, less often if slow */
    if (acked > 0)
        s->ack_tick_ms = ACK_TICK_MIN_MS;
    else if (s->ack_tick_ms < ACK_TICK_MAX_MS)
        s->ack_tick_ms *= 2;
    return s->ack_tick_ms;
}

/* Do all non-blocking work; fill @p pfd and return how long to wait (-1 = no limit). */
static int64_t drive(struct syslog_out *s, struct pollfd *pfd)
{
    for (;;) {
        int64_t now = now_ms(), w;

        pfd->fd = -1;
        pfd->events = 0;
        switch (s->st) {
        case ST_DOWN:
            if (now < s->next_try_ms)
                return s->next_try_ms - now;
            conn_start(s);
            if (s->st == ST_DOWN)
                return s->next_try_ms - now_ms();
            break;
        case ST_CONNECTING:
            if (connect_check(s) == 1) {
                pfd->fd = s->fd;
                pfd->events = POLLOUT;
                return s->deadline_ms - now;
            }
            break;
        case ST_HANDSHAKE:
            if (handshake_step(s) == 1) {
                pfd->fd = s->fd;
                pfd->events = s->tls_want == TLS_IO_WANT_READ ? POLLIN : POLLOUT;
                return s->deadline_ms - now;
            }
            break;
        case ST_UP:
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

    if (syslog_validate(co, err) < 0)
        return -1;
    s = xcalloc(1, sizeof(*s));
    s->out = out;
    s->co = co;
    s->fd = -1;
    snprintf(s->comp, sizeof(s->comp), "output/%s", co->name ? co->name : "syslog");
    snprintf(s->peer, sizeof(s->peer), strchr(co->host, ':') ? "[%s]:%d" : "%s:%d", co->host,
             co->port);
    s->max_message = syslog_frame_max_message(co);
    s->connect_timeout_ms = co->timeout_ms > 0 ? co->timeout_ms : CONNECT_TIMEOUT_MS;
    s->reconnect_max_ms = co->reconnect_max_ms > 0 ? co->reconnect_max_ms : RECONNECT_MAX_MS;
    if (s->reconnect_max_ms < BACKOFF_BASE_MS)
        s->reconnect_max_ms = BACKOFF_BASE_MS;
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
    out->stats.connected = co->transport == TRANSPORT_UDP ? -1 : 0;
    out->priv = s;
    conn_start(s); /* non-blocking; a refused connection is retried from poll() */
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
    conn_close(s);
    tls_client_free(s->tc);
    syslog_queue_fini(&s->q);
    free(s->stage);
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
