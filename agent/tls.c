/* tls.c - OpenSSL client contexts and non-blocking sessions for the syslog output.
 * Knows nothing of syslog, framing or acks: it moves bytes and verifies the server.
 * Concurrency: one thread; each tls_conn is used by the output that created it. */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "tls.h"
#include "xalloc.h"

struct tls_client {
    SSL_CTX *ctx;
    char *name;      /* SNI and verification name */
    bool name_is_ip; /* verified against IP SANs; no SNI (RFC 6066 section 3) */
    bool verify;
};

struct tls_conn {
    SSL *ssl;
    int fd;
    bool broken; /* fatal error or peer gone: no close_notify (OpenSSL forbids it) */
};

/* Append OpenSSL's error queue (emptied) to @p buf. */
static void drain_errors(char *buf, size_t n)
{
    unsigned long e;
    size_t len = strlen(buf);

    while ((e = ERR_get_error()) != 0) {
        char one[256];
        ERR_error_string_n(e, one, sizeof(one));
        if (len + 2 < n) {
            int w = snprintf(buf + len, n - len, "%s%s", len ? "; " : "", one);
            if (w > 0)
                len += (size_t)w < n - len ? (size_t)w : n - len - 1;
        }
    }
}

static int ctx_error(struct err *err, const char *what, const char *file)
{
    char detail[384] = "";

    drain_errors(detail, sizeof(detail));
    return err_set(err, ERR_CONFIG, "tls: %s %s: %s", what, file ? file : "",
                   detail[0] ? detail : "failed");
}

static int password_cb(char *buf, int size, int rwflag, void *userdata)
{
    const char *pw = userdata;
    size_t n;

    (void)rwflag;
    if (pw == NULL || size <= 0)
        return 0;
    n = strlen(pw);
    if (n > (size_t)size)
        return 0;
    memcpy(buf, pw, n);
    return (int)n;
}

static bool is_ip_literal(const char *s)
{
    unsigned char a[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static int load_client_cert(SSL_CTX *ctx, const struct cfg_tls *t, struct err *err)
{
    int rc = -1;

    if (t->cert_file == NULL && t->key_file == NULL)
        return 0;
    if (t->cert_file == NULL || t->key_file == NULL)
        return err_set(err, ERR_CONFIG, "tls: cert_file and key_file must be given together");
    SSL_CTX_set_default_passwd_cb(ctx, password_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, t->key_password.value);
    if (SSL_CTX_use_certificate_chain_file(ctx, t->cert_file) != 1) {
        ctx_error(err, "cannot load client certificate", t->cert_file);
        goto out;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, t->key_file, SSL_FILETYPE_PEM) != 1) {
        ctx_error(err, "cannot load client key", t->key_file);
        goto out;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ctx_error(err, "client key does not match certificate", t->key_file);
        goto out;
    }
    rc = 0;
out:
    /* the password is borrowed: forget it once the key is loaded */
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
    return rc;
}

struct tls_client *tls_client_new(const struct cfg_tls *t, const char *host, struct err *err)
{
    struct tls_client *tc = xcalloc(1, sizeof(*tc));
    const char *name = t->server_name && t->server_name[0] ? t->server_name : host;

    tc->ctx = SSL_CTX_new(TLS_client_method());
    if (tc->ctx == NULL) {
        ctx_error(err, "cannot create context", NULL);
        goto fail;
    }
    /* RFC 5425 asks for TLS 1.2 at least (RFC 9662 updated the suites, not the floor) */
    if (SSL_CTX_set_min_proto_version(tc->ctx, TLS1_2_VERSION) != 1) {
        ctx_error(err, "cannot set minimum version", NULL);
        goto fail;
    }
    SSL_CTX_set_mode(tc->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    tc->verify = t->verify;
    if (t->verify) {
        int ok = t->ca_file ? SSL_CTX_load_verify_locations(tc->ctx, t->ca_file, NULL)
                            : SSL_CTX_set_default_verify_paths(tc->ctx);
        if (ok != 1) {
            ctx_error(err, "cannot load CA", t->ca_file ? t->ca_file : "(system store)");
            goto fail;
        }
        SSL_CTX_set_verify(tc->ctx, SSL_VERIFY_PEER, NULL);
    } else {
        SSL_CTX_set_verify(tc->ctx, SSL_VERIFY_NONE, NULL);
    }
    if (load_client_cert(tc->ctx, t, err) < 0)
        goto fail;
    if (name == NULL || name[0] == '\0') {
        err_set(err, ERR_CONFIG, "tls: no host name to verify");
        goto fail;
    }
    tc->name = xstrdup(name);
    tc->name_is_ip = is_ip_literal(name);
    return tc;
fail:
    tls_client_free(tc);
    return NULL;
}

void tls_client_free(struct tls_client *tc)
{
    if (tc == NULL)
        return;
    SSL_CTX_free(tc->ctx);
    free(tc->name);
    free(tc);
}

struct tls_conn *tls_conn_new(struct tls_client *tc, int fd, struct err *err)
{
    struct tls_conn *c = xcalloc(1, sizeof(*c));
    int ok;

    c->fd = fd;
    ERR_clear_error();
    c->ssl = SSL_new(tc->ctx);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1)
        goto fail;
    if (!tc->name_is_ip && SSL_set_tlsext_host_name(c->ssl, tc->name) != 1)
        goto fail;
    if (tc->verify) {
        X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        ok = tc->name_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, tc->name)
                            : X509_VERIFY_PARAM_set1_host(param, tc->name, 0);
        if (ok != 1)
            goto fail;
    }
    SSL_set_connect_state(c->ssl);
    return c;
fail: {
        char detail[256] = "";
        drain_errors(detail, sizeof(detail));
        err_set(err, ERR_FATAL, "tls: cannot set up session for %s: %s", tc->name,
                detail[0] ? detail : "failed");
    }
    if (c->ssl)
        SSL_free(c->ssl);
    free(c);
    return NULL;
}

/* Map an SSL_get_error() result; fills err for the failures. */
static enum tls_io classify(struct tls_conn *c, int ret, const char *op, struct err *err)
{
    int e = SSL_get_error(c->ssl, ret);
    int saved = errno;
    char detail[384] = "";
    long vr;

    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        c->broken = true;
    switch (e) {
    case SSL_ERROR_WANT_READ:
        return TLS_IO_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return TLS_IO_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        err_set(err, ERR_TRANSIENT, "tls %s: peer sent close_notify", op);
        return TLS_IO_CLOSED;
    case SSL_ERROR_SYSCALL:
        drain_errors(detail, sizeof(detail));
        if (saved == 0 || saved == ECONNRESET || saved == EPIPE || detail[0] == '\0') {
            err_set(err, ERR_TRANSIENT, "tls %s: connection closed by peer%s%s", op,
                    saved ? ": " : "", saved ? strerror(saved) : "");
            return TLS_IO_CLOSED;
        }
        err_set(err, ERR_TRANSIENT, "tls %s: %s", op, detail);
        return TLS_IO_ERROR;
    default:
        vr = SSL_get_verify_result(c->ssl);
        drain_errors(detail, sizeof(detail));
        if (vr != X509_V_OK)
            err_set(err, ERR_AUTH, "tls %s: certificate verification failed: %s", op,
                    X509_verify_cert_error_string(vr));
        else
            err_set(err, ERR_TRANSIENT, "tls %s: %s", op, detail[0] ? detail : "protocol error");
        return TLS_IO_ERROR;
    }
}

enum tls_io tls_conn_handshake(struct tls_conn *c, struct err *err)
{
    int ret;

    ERR_clear_error();
    errno = 0;
    ret = SSL_do_handshake(c->ssl);
    if (ret == 1)
        return TLS_IO_OK;
    return classify(c, ret, "handshake", err);
}

enum tls_io tls_conn_write(struct tls_conn *c, const void *buf, size_t len, struct err *err)
{
    int ret;

    if (len == 0)
        return TLS_IO_OK;
    if (len > INT_MAX)
        len = INT_MAX; /* callers stage far less; never reached */
    ERR_clear_error();
    errno = 0;
    ret = SSL_write(c->ssl, buf, (int)len);
    if (ret > 0)
        return TLS_IO_OK; /* partial writes are off: ret == len */
    return classify(c, ret, "write", err);
}

enum tls_io tls_conn_read_discard(struct tls_conn *c, struct err *err)
{
    char buf[4096];
    int ret;

    for (;;) {
        ERR_clear_error();
        errno = 0;
        ret = SSL_read(c->ssl, buf, sizeof(buf));
        if (ret <= 0)
            return classify(c, ret, "read", err);
    }
}

uint64_t tls_conn_wire_bytes(const struct tls_conn *c)
{
    /* the socket BIO counts every byte the kernel accepted from OpenSSL */
    return BIO_number_written(SSL_get_wbio(c->ssl));
}

void tls_conn_describe(const struct tls_conn *c, const char **version, const char **cipher)
{
    *version = SSL_get_version(c->ssl);
    *cipher = SSL_get_cipher_name(c->ssl);
    if (*cipher == NULL)
        *cipher = "-";
}

void tls_conn_free(struct tls_conn *c)
{
    if (c == NULL)
        return;
    /* RFC 5425 section 4.4: send close_notify, do not wait for the peer's (rsyslog never
     * answers). Needs SIGPIPE ignored: OpenSSL writes with write(2). */
    if (!c->broken && SSL_is_init_finished(c->ssl) &&
        !(SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN))
        SSL_shutdown(c->ssl);
    ERR_clear_error();
    SSL_free(c->ssl);
    free(c);
}
