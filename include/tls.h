/* tls.h - OpenSSL client side for the syslog output (RFC 5425): one context per output,
 * one non-blocking session per connection. Callers never see an OpenSSL type.
 * Verification is on unless cfg_tls.verify is false; TLS 1.2 is the minimum. */
#ifndef ECE_TLS_H
#define ECE_TLS_H
#include <stddef.h>
#include <stdint.h>
#include "cfg.h"
#include "err.h"

struct tls_client;  /* SSL_CTX + the name to verify */
struct tls_conn;    /* SSL over one connected socket */

/* Result of a non-blocking TLS step. */
enum tls_io {
    TLS_IO_OK = 0,    /* done */
    TLS_IO_WANT_READ, /* poll for POLLIN, then call again with the same arguments */
    TLS_IO_WANT_WRITE,/* poll for POLLOUT, then call again with the same arguments */
    TLS_IO_CLOSED,    /* the peer sent close_notify or closed the TCP connection */
    TLS_IO_ERROR      /* see err */
};

/**
 * @brief Build a client context from @p t: CA file (or the system store), client cert + key
 * (key_password borrowed only during this call), verification per t->verify, TLS >= 1.2.
 * @param host the name to verify and send as SNI when t->server_name is NULL (copied).
 * @return NULL with ERR_CONFIG when a file cannot be loaded.
 */
struct tls_client *tls_client_new(const struct cfg_tls *t, const char *host, struct err *err);

/** @brief Free the context; NULL is ignored. Sessions must be freed first. */
void tls_client_free(struct tls_client *tc);

/**
 * @brief Start a client session on the connected, non-blocking socket @p fd (borrowed:
 * tls_conn_free() does not close it). Sets SNI (DNS names only) and the verified host or IP.
 * @return NULL with ERR_FATAL when OpenSSL refuses (out of memory, bad name).
 */
struct tls_conn *tls_conn_new(struct tls_client *tc, int fd, struct err *err);

/** @brief One handshake step. TLS_IO_ERROR carries the verification failure in @p err. */
enum tls_io tls_conn_handshake(struct tls_conn *c, struct err *err);

/**
 * @brief Write all of @p buf as TLS records. After TLS_IO_WANT_*, call again with the
 * same bytes (the address may change). TLS_IO_OK means every byte is in the kernel.
 */
enum tls_io tls_conn_write(struct tls_conn *c, const void *buf, size_t len, struct err *err);

/**
 * @brief Process whatever the server sent (session tickets, alerts) and discard
 * application data (syslog servers send none). TLS_IO_WANT_READ = nothing more to read.
 */
enum tls_io tls_conn_read_discard(struct tls_conn *c, struct err *err);

/** @brief Bytes the TLS layer has handed to the kernel on this socket (handshake included). */
uint64_t tls_conn_wire_bytes(const struct tls_conn *c);

/** @brief "TLSv1.3 TLS_AES_256_GCM_SHA384" style description (static OpenSSL strings). */
void tls_conn_describe(const struct tls_conn *c, const char **version, const char **cipher);

/** @brief Send close_notify once without waiting for the peer's, then free (NULL ignored). */
void tls_conn_free(struct tls_conn *c);

#endif
