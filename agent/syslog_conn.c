/* syslog_conn.c - one non-blocking connection to a syslog receiver: connect, handshake,
 * peer-closed check, frame writing with stream marks, and the acknowledged stream position.
 * Knows nothing of backoff, logging or acks; it never blocks except in getaddrinfo().
 * Concurrency: one thread; used only by the output that owns it. */
#include "config.h"
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>
#include "syslog_conn.h"
#include "xalloc.h"

#define USER_TIMEOUT_MIN_MS 30000          /* TCP_USER_TIMEOUT: a silent peer is given up */
#define WRITE_IOV_MAX       64
#define WRITE_CHUNK_BYTES   (256 * 1024)
#define TLS_STAGE_BYTES     (16 * 1024)    /* coalesce small frames into one TLS record */

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void syslog_conn_init(struct syslog_conn *c, enum out_transport transport, struct tls_client *tc,
                      int64_t timeout_ms)
{
    memset(c, 0, sizeof(*c));
    c->transport = transport;
    c->tc = tc;
    c->timeout_ms = timeout_ms;
    c->fd = -1;
}

static void close_socket(struct syslog_conn *c)
{
    tls_conn_free(c->tls); /* close_notify when the session is healthy, never waits */
    c->tls = NULL;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->stage_len = 0;
    c->blocked = false;
    c->st = SC_CLOSED;
}

void syslog_conn_close(struct syslog_conn *c)
{
    close_socket(c);
    if (c->ai_list)
        freeaddrinfo(c->ai_list);
    c->ai_list = c->ai_next = NULL;
}

void syslog_conn_fini(struct syslog_conn *c)
{
    syslog_conn_close(c);
    free(c->stage);
    c->stage = NULL;
    c->stage_cap = 0;
}

static void sock_options(struct syslog_conn *c)
{
    int one = 1;
    unsigned int ut = (unsigned int)(c->timeout_ms > USER_TIMEOUT_MIN_MS ? c->timeout_ms
                                                                          : USER_TIMEOUT_MIN_MS);

    if (c->transport == TRANSPORT_UDP)
        return;
    /* we coalesce writes ourselves; Nagle would only delay the acks the output waits for */
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    /* unacknowledged data older than this breaks the connection instead of waiting ~15 min */
    setsockopt(c->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof(ut));
}

static void now_up(struct syslog_conn *c)
{
    c->st = SC_UP;
    c->written = 0;
    c->blocked = false;
    if (c->ai_list)
        freeaddrinfo(c->ai_list);
    c->ai_list = c->ai_next = NULL;
}

/* Socket connected: up, or on to the TLS handshake. -1 only if OpenSSL refuses the session. */
static int connected(struct syslog_conn *c, struct err *err)
{
    if (c->tc == NULL) {
        now_up(c);
        return 0;
    }
    c->tls = tls_conn_new(c->tc, c->fd, err);
    if (c->tls == NULL)
        return -1;
    c->st = SC_HANDSHAKE;
    c->want = TLS_IO_WANT_WRITE;
    c->deadline_ms = now_ms() + c->timeout_ms;
    return 0;
}

/* Try the remaining addresses: 0 in progress or up, -1 all failed (err from the last). */
static int try_addresses(struct syslog_conn *c, struct err *err)
{
    while (c->ai_next) {
        struct addrinfo *ai = c->ai_next;

        c->ai_next = ai->ai_next;
        c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       ai->ai_protocol);
        if (c->fd < 0) {
            err_set(err, ERR_TRANSIENT, "socket: %s", strerror(errno));
            continue;
        }
        sock_options(c);
        if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            if (connected(c, err) == 0)
                return 0;
        } else if (errno == EINPROGRESS) {
            c->st = SC_CONNECTING;
            c->deadline_ms = now_ms() + c->timeout_ms;
            return 0;
        } else {
            err_set(err, ERR_TRANSIENT, "connect: %s", strerror(errno));
        }
        close_socket(c);
    }
    syslog_conn_close(c);
    return -1;
}

int syslog_conn_open(struct syslog_conn *c, const char *host, int port, struct err *err)
{
    struct addrinfo hints = {0};
    char portstr[16];
    int rc;

    syslog_conn_close(c);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = c->transport == TRANSPORT_UDP ? SOCK_DGRAM : SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    snprintf(portstr, sizeof(portstr), "%d", port);
    rc = getaddrinfo(host, portstr, &hints, &c->ai_list);
    if (rc != 0) {
        c->ai_list = NULL;
        return err_set(err, ERR_TRANSIENT, "resolve %s: %s", host, gai_strerror(rc));
    }
    c->ai_next = c->ai_list;
    err_set(err, ERR_TRANSIENT, "no address for %s", host);
    return try_addresses(c, err);
}

/* The current address failed: next one, if any. */
static int address_failed(struct syslog_conn *c, struct pollfd *pfd, struct err *err)
{
    close_socket(c);
    if (try_addresses(c, err) < 0)
        return -1;
    return syslog_conn_progress(c, pfd, err);
}

int syslog_conn_progress(struct syslog_conn *c, struct pollfd *pfd, struct err *err)
{
    struct pollfd p = {.fd = c->fd, .events = POLLOUT};
    int soerr = 0;
    socklen_t sl = sizeof(soerr);
    enum tls_io r;

    pfd->fd = c->fd;
    switch (c->st) {
    case SC_UP:
        return 0;
    case SC_CLOSED:
        return -1;
    case SC_CONNECTING:
        if (poll(&p, 1, 0) <= 0) {
            if (now_ms() < c->deadline_ms) {
                pfd->events = POLLOUT;
                return 1;
            }
            err_set(err, ERR_TRANSIENT, "connect: timed out after %lld ms",
                    (long long)c->timeout_ms);
            return address_failed(c, pfd, err);
        }
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
            soerr = errno;
        if (soerr != 0) {
            err_set(err, ERR_TRANSIENT, "connect: %s", strerror(soerr));
            return address_failed(c, pfd, err);
        }
        if (connected(c, err) < 0)
            return address_failed(c, pfd, err);
        return syslog_conn_progress(c, pfd, err);
    case SC_HANDSHAKE:
        if (now_ms() >= c->deadline_ms) {
            err_set(err, ERR_TRANSIENT, "tls handshake: timed out after %lld ms",
                    (long long)c->timeout_ms);
            return address_failed(c, pfd, err);
        }
        r = tls_conn_handshake(c->tls, err);
        if (r == TLS_IO_OK) {
            now_up(c);
            return 0;
        }
        if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE) {
            c->want = r;
            pfd->events = r == TLS_IO_WANT_READ ? POLLIN : POLLOUT;
            return 1;
        }
        return address_failed(c, pfd, err);
    }
    return -1;
}

bool syslog_conn_peer_gone(struct syslog_conn *c, struct err *err)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN | POLLRDHUP};
    char buf[512];
    ssize_t n;

    if (c->transport == TRANSPORT_UDP || poll(&p, 1, 0) <= 0)
        return false;
    if (p.revents & POLLERR) {
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        err_set(err, ERR_TRANSIENT, "connection error: %s", strerror(soerr ? soerr : EPIPE));
        return true;
    }
    if (c->tls) {
        enum tls_io r = tls_conn_read_discard(c->tls, err);
        return r == TLS_IO_CLOSED || r == TLS_IO_ERROR;
    }
    for (;;) {
        n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
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

static int write_tcp(struct syslog_conn *c, struct syslog_queue *q, uint64_t *bytes,
                     uint64_t *resent, struct err *err)
{
    struct iovec iov[WRITE_IOV_MAX];

    while (syslog_queue_has_unsent(q)) {
        struct msghdr mh = {.msg_iov = iov};
        ssize_t n;

        mh.msg_iovlen = (size_t)syslog_queue_iov(q, iov, WRITE_IOV_MAX, WRITE_CHUNK_BYTES);
        n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 1;
            return err_set(err, ERR_TRANSIENT, "write: %s", strerror(errno));
        }
        c->written += (uint64_t)n;
        *bytes += (uint64_t)n;
        /* exact marks: each message's own end in the stream */
        *resent += syslog_queue_wrote(q, (size_t)n, c->written, true);
    }
    return 0;
}

static void stage_frames(struct syslog_conn *c, struct syslog_queue *q)
{
    struct iovec iov[WRITE_IOV_MAX];
    int n = syslog_queue_iov(q, iov, WRITE_IOV_MAX, TLS_STAGE_BYTES);
    size_t need = 0;

    for (int i = 0; i < n; i++)
        need += iov[i].iov_len;
    if (need > c->stage_cap) {
        c->stage = xrealloc(c->stage, need);
        c->stage_cap = need;
    }
    for (int i = 0; i < n; i++) {
        memcpy(c->stage + c->stage_len, iov[i].iov_base, iov[i].iov_len);
        c->stage_len += iov[i].iov_len;
    }
}

static int write_tls(struct syslog_conn *c, struct syslog_queue *q, uint64_t *bytes,
                     uint64_t *resent, struct err *err)
{
    while (c->stage_len > 0 || syslog_queue_has_unsent(q)) {
        enum tls_io r;

        if (c->stage_len == 0)
            stage_frames(c, q); /* whole frames only: a retried SSL_write needs the same bytes */
        r = tls_conn_write(c->tls, c->stage, c->stage_len, err);
        if (r == TLS_IO_WANT_READ || r == TLS_IO_WANT_WRITE) {
            c->want = r;
            return 1;
        }
        if (r != TLS_IO_OK)
            return -1;
        *bytes += c->stage_len;
        /* every record of this write is in the kernel: each message completed by it waits
         * for the wire bytes so far (record overhead and handshake included) */
        *resent += syslog_queue_wrote(q, c->stage_len, tls_conn_wire_bytes(c->tls), false);
        c->stage_len = 0;
    }
    return 0;
}

static int write_udp(struct syslog_conn *c, struct syslog_queue *q, uint64_t *bytes,
                     uint64_t *resent, struct err *err)
{
    const struct syslog_qent *e;
    int refused = 0;

    while ((e = syslog_queue_next(q)) != NULL) {
        ssize_t n = send(c->fd, e->frame, e->len, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 1;
            /* ICMP port unreachable for an earlier datagram: this one was not sent */
            if (errno == ECONNREFUSED && refused++ == 0)
                continue;
            return err_set(err, ERR_TRANSIENT, "send: %s", strerror(errno));
        }
        refused = 0;
        *bytes += (uint64_t)n;
        *resent += syslog_queue_wrote(q, e->len, 0, true);
    }
    return 0;
}

int syslog_conn_write(struct syslog_conn *c, struct syslog_queue *q, uint64_t *bytes,
                      uint64_t *resent, struct err *err)
{
    int rc;

    if (c->transport == TRANSPORT_UDP)
        rc = write_udp(c, q, bytes, resent, err);
    else if (c->tls)
        rc = write_tls(c, q, bytes, resent, err);
    else
        rc = write_tcp(c, q, bytes, resent, err);
    c->blocked = rc == 1;
    return rc;
}

short syslog_conn_events(const struct syslog_conn *c)
{
    short ev = c->transport == TRANSPORT_UDP ? 0 : POLLIN | POLLRDHUP;

    if (c->blocked)
        ev |= (c->tls && c->want == TLS_IO_WANT_READ) ? POLLIN : POLLOUT;
    return ev;
}

int syslog_conn_acked_pos(const struct syslog_conn *c, uint64_t *pos)
{
    int outq = 0;
    uint64_t total;

    if (c->st != SC_UP)
        return -1;
    if (c->transport == TRANSPORT_UDP) {
        *pos = UINT64_MAX; /* RFC 5426 has no acknowledgement: sent is all we can know */
        return 0;
    }
    /* SIOCOUTQ: bytes in the send queue, unsent + sent but unacknowledged */
    if (ioctl(c->fd, SIOCOUTQ, &outq) < 0 || outq < 0)
        return -1;
    total = c->tls ? tls_conn_wire_bytes(c->tls) : c->written;
    *pos = total >= (uint64_t)outq ? total - (uint64_t)outq : 0;
    return 0;
}

unsigned syslog_conn_rtt_ms(const struct syslog_conn *c)
{
    struct tcp_info ti;
    socklen_t tl = sizeof(ti);

    if (c->transport == TRANSPORT_UDP || c->fd < 0)
        return 0;
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) < 0)
        return 0;
    return ti.tcpi_rtt / 1000;
}
