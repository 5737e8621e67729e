/* es_client.h - one Elasticsearch request under the retry policy: exponential backoff with
 * jitter for transient failures, slow retry for auth/configuration failures, each change of
 * state logged once, errors described with their cause and remedy. No sweep logic. */
#ifndef ECE_ES_CLIENT_H
#define ECE_ES_CLIENT_H
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "backoff.h"
#include "cfg.h"
#include "err.h"
#include "http.h"
#include "strbuf.h"

#define ES_RETRY_BASE_MS 100
#define ES_RETRY_CAP_MS  30000
#define ES_SLOW_RETRY_MS 30000   /* auth and configuration errors: credentials may be rotated */
#define ES_STOP_POLL_MS  100     /* retry sleeps notice *stop this fast */

/* flags of es_client_call() */
#define ES_CALL_PIT    1   /* a lost search context returns ES_CALL_PIT_LOST */
#define ES_CALL_STRICT 2   /* auth/config errors are returned, not retried (preflight) */
#define ES_CALL_SHRINK 4   /* a body over the cap returns ES_CALL_TOO_BIG */

enum es_call_rc { ES_CALL_OK = 0, ES_CALL_PIT_LOST = 1, ES_CALL_TOO_BIG = 2 };

struct es_client {
    struct http *http;
    const char *index;             /* borrowed, for messages */
    volatile sig_atomic_t *stop;   /* borrowed, may be NULL */
    struct http_resp resp;         /* answer of the last request */
    struct strbuf body;            /* request body, filled by the caller */
    struct backoff bo;
    uint64_t rng;
    bool failing;                  /* state for "log each change once" */
    enum err_kind fail_kind;
    uint64_t fail_retries;
    int64_t fail_since_ms;
    uint64_t requests;
    uint64_t retries;
    double last_latency_ms;
};

/** @brief Set up @p c for source @p cs (borrowed). ERR_CONFIG for a bad URL or TLS setup. */
int es_client_init(struct es_client *c, const struct cfg_source *cs,
                   volatile sig_atomic_t *stop, struct err *err);
void es_client_fini(struct es_client *c);

/**
 * @brief Send c->body (ignored for GET) until a 2xx answer arrives (then in c->resp).
 * @return ES_CALL_OK, ES_CALL_PIT_LOST / ES_CALL_TOO_BIG when the flags ask for them, or -1:
 * ERR_TRANSIENT "stopping", or (ES_CALL_STRICT) the ERR_AUTH / ERR_CONFIG cause.
 */
int es_client_call(struct es_client *c, const char *what, const char *method, const char *path,
                   int flags, struct err *err);

/** @brief A failed attempt: log on state change, sleep (polling *stop). -1 when stopping. */
int es_client_retry_wait(struct es_client *c, const struct err *cause, struct err *err);

/** @brief A successful exchange: log the recovery once, reset the backoff. */
void es_client_recovered(struct es_client *c);

bool es_client_stopping(const struct es_client *c);

/** @brief Milliseconds of CLOCK_REALTIME (event time) and CLOCK_MONOTONIC. */
int64_t es_client_wall_ms(void);
int64_t es_client_mono_ms(void);

#endif
