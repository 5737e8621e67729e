/* syslog_conn.h - one non-blocking connection to a syslog receiver (UDP, TCP or TLS):
 * resolve and connect with a deadline, TLS handshake, "has the peer closed?", writing queued
 * frames (setting their stream marks), and how far the peer's TCP stack has acknowledged the
 * stream. Knows nothing of backoff, logging, probation or acks (output_syslog.c does those). */
#ifndef ECE_SYSLOG_CONN_H
#define ECE_SYSLOG_CONN_H
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include "cfg.h"
#include "err.h"
#include "syslog_queue.h"
#include "tls.h"

enum syslog_conn_state { SC_CLOSED = 0, SC_CONNECTING, SC_HANDSHAKE, SC_UP };

struct addrinfo;

struct syslog_conn {
    enum out_transport transport;
    struct tls_client *tc;      /* borrowed; NULL unless TLS */
    int64_t timeout_ms;         /* connect and handshake, each */
    enum syslog_conn_state st;
    int fd;
    struct tls_conn *tls;
    struct addrinfo *ai_list;   /* resolved for the current attempt */
    struct addrinfo *ai_next;   /* next address to try */
    int64_t deadline_ms;
    enum tls_io want;           /* direction the last TLS call waits for */
    bool blocked;               /* the last write would block */
    uint64_t written;           /* TCP: stream bytes the kernel accepted on this connection */
    char *stage;                /* TLS: frames being written as one SSL_write */
    size_t stage_len, stage_cap;
};

/** @brief Prepare a closed connection. @p tc is borrowed (TLS only, else NULL). */
void syslog_conn_init(struct syslog_conn *c, enum out_transport transport, struct tls_client *tc,
                      int64_t timeout_ms);

/**
 * @brief Resolve @p host (blocking getaddrinfo) and start connecting to each address in turn.
 * @return 0 when in progress or up (see c->st), -1 when every address failed (ERR_TRANSIENT).
 */
int syslog_conn_open(struct syslog_conn *c, const char *host, int port, struct err *err);

/**
 * @brief Advance a connection in SC_CONNECTING or SC_HANDSHAKE (tries the next address on
 * failure). Certificate problems are ERR_AUTH.
 * @return 1 still in progress (poll @p pfd, at most until c->deadline_ms), 0 now SC_UP,
 * -1 failed and closed.
 */
int syslog_conn_progress(struct syslog_conn *c, struct pollfd *pfd, struct err *err);

/** @brief SC_UP, TCP/TLS: true when the peer closed or reset (what it sent is discarded). */
bool syslog_conn_peer_gone(struct syslog_conn *c, struct err *err);

/**
 * @brief SC_UP: write the unsent frames of @p q and mark them (syslog_queue_wrote()).
 * UDP: one datagram per frame.
 * @param bytes  incremented by the frame bytes written.
 * @param resent incremented by the re-sent messages completed.
 * @return 0 all written, 1 would block (c->blocked; see syslog_conn_events()), -1 failed.
 */
int syslog_conn_write(struct syslog_conn *c, struct syslog_queue *q, uint64_t *bytes,
                      uint64_t *resent, struct err *err);

/** @brief The poll events an SC_UP connection waits for. */
short syslog_conn_events(const struct syslog_conn *c);

/**
 * @brief SC_UP: stream position up to which the peer's TCP stack acknowledged our bytes
 * (bytes handed to the kernel - SIOCOUTQ); UDP: UINT64_MAX (no acknowledgement exists).
 * @return 0, or -1 when the kernel does not say.
 */
int syslog_conn_acked_pos(const struct syslog_conn *c, uint64_t *pos);

/** @brief Smoothed round-trip time in ms from TCP_INFO; 0 when unknown or UDP. */
unsigned syslog_conn_rtt_ms(const struct syslog_conn *c);

/** @brief Close (TLS: close_notify without waiting); back to SC_CLOSED. Idempotent. */
void syslog_conn_close(struct syslog_conn *c);

/** @brief Close and free the staging buffer. */
void syslog_conn_fini(struct syslog_conn *c);

#endif
