/* http.h - one reusable HTTP(S) connection to Elasticsearch (libcurl): auth, TLS, timeouts,
 * gzip, a capped response body. The only module that knows libcurl. */
#ifndef ECE_HTTP_H
#define ECE_HTTP_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfg.h"
#include "err.h"
#include "strbuf.h"

/* Largest response body kept; beyond it the request fails with ERR_PARSE. */
#define HTTP_BODY_MAX_BYTES ((size_t)256 * 1024 * 1024)
/* Longest connect phase, whatever source.timeout says. */
#define HTTP_CONNECT_MAX_MS 10000
/* A running request notices *stop within this time. */
#define HTTP_STOP_POLL_MS 100

struct http;

struct http_req {
    const char *method;     /* "GET", "POST", "DELETE" */
    const char *path;       /* "/_search?x=y", appended to the base URL */
    const char *body;       /* JSON or NULL */
    size_t body_len;
    int64_t timeout_ms;     /* 0: source.timeout */
    bool ignore_stop;       /* run to the end even when *stop is set (closing a PIT) */
    size_t body_max;        /* 0: HTTP_BODY_MAX_BYTES */
};

struct http_resp {
    long status;
    struct strbuf body;
    double latency_ms;
};

/**
 * @brief Create the connection object (nothing is connected yet). @p cs and @p stop are
 * borrowed and must outlive it; secrets are copied into curl and never logged.
 * ERR_CONFIG for an unusable URL or TLS setting.
 */
struct http *http_new(const struct cfg_source *cs, volatile sig_atomic_t *stop, struct err *err);
void http_free(struct http *h);

void http_resp_init(struct http_resp *resp);
void http_resp_fini(struct http_resp *resp);

/**
 * @brief Run one request; @p resp receives status and body (any HTTP status is a success of
 * this call). Errors: ERR_TRANSIENT (connect, reset, timeout, "stopping" when *stop became
 * set), ERR_CONFIG (TLS verification, bad certificate files), ERR_PARSE (body larger than
 * the cap). Messages never contain credentials.
 */
int http_request(struct http *h, const struct http_req *req, struct http_resp *resp,
                 struct err *err);

/** @brief The base URL without credentials, for log lines. */
const char *http_url(const struct http *h);

#endif
