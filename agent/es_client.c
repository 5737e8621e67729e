/* es_client.c - one Elasticsearch request under the retry policy (backoff, slow retry,
 * state-change logging, error descriptions). Knows nothing of sweeps, PIT ids or the cursor.
 * Concurrency: the agent thread only; *stop is set by a signal handler. */
#include "config.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "es_client.h"
#include "es_json.h"
#include "log.h"

int64_t es_client_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t es_client_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_clock(void *ctx)
{
    return es_client_mono_ms();
}

static uint64_t xorshift(void *ctx)
{
    uint64_t *s = ctx;

    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

bool es_client_stopping(const struct es_client *c)
{
    return c->stop != NULL && *c->stop;
}

/* Sleep @p ms in slices of at most ES_STOP_POLL_MS; -1 when *stop became set. */
static int nap(struct es_client *c, int64_t ms, struct err *err)
{
    int64_t end = es_client_mono_ms() + ms;

    for (;;) {
        int64_t left = end - es_client_mono_ms();
        struct timespec ts;
        if (es_client_stopping(c))
            return err_set(err, ERR_TRANSIENT, "stopping");
        if (left <= 0)
            return 0;
        if (left > ES_STOP_POLL_MS)
            left = ES_STOP_POLL_MS;
        ts.tv_sec = left / 1000;
        ts.tv_nsec = (long)(left % 1000) * 1000000L;
        nanosleep(&ts, NULL);
    }
}

/* One line naming the cause and what to do about it. */
static void describe(const struct es_client *c, const struct es_error *e, const char *what,
                     struct err *err)
{
    enum err_kind kind = e->cls == ES_AUTH ? ERR_AUTH
                         : e->cls == ES_CONFIG ? ERR_CONFIG : ERR_TRANSIENT;
    const char *type = e->type[0] ? e->type : "error";

    if (e->status == 403)
        err_set(err, kind, "%s: HTTP 403 %s: not allowed to run %s on %s (ES grants it with "
                "the index privileges %s); grant the index privileges read and "
                "view_index_metadata on \"%s\" and on its concrete indices or data streams "
                "(ES: %.160s)", what, type, e->action[0] ? e->action : "[this action]",
                e->indices[0] ? e->indices : c->index,
                e->privileges[0] ? e->privileges : "[read]", c->index, e->reason);
    else if (e->status == 401)
        err_set(err, kind, "%s: HTTP 401 %s: authentication failed, check source.auth (the "
                "password or API key may have been rotated) (ES: %.200s)", what, type, e->reason);
    else if (strcmp(type, "index_not_found_exception") == 0)
        err_set(err, kind, "%s: HTTP %ld %s: no index matches source.index \"%s\" (ES: %.200s)",
                what, e->status, type, c->index, e->reason);
    else
        err_set(err, kind, "%s: HTTP %ld %s: %.300s", what, e->status, type, e->reason);
}

void es_client_recovered(struct es_client *c)
{
    if (c->failing)
        log_info("source", "elasticsearch recovered url=%s retries=%" PRIu64 " after_ms=%" PRId64,
                 http_url(c->http), c->fail_retries, es_client_mono_ms() - c->fail_since_ms);
    c->failing = false;
    c->fail_retries = 0;
    backoff_reset(&c->bo);
}

int es_client_retry_wait(struct es_client *c, const struct err *cause, struct err *err)
{
    bool slow = cause->kind == ERR_AUTH || cause->kind == ERR_CONFIG;
    int64_t delay = slow ? ES_SLOW_RETRY_MS : backoff_fail(&c->bo);

    if (es_client_stopping(c))
        return err_set(err, ERR_TRANSIENT, "stopping");
    if (!c->failing || c->fail_kind != cause->kind) {
        if (slow)
            log_error("source", "elasticsearch request refused, retrying every %ds: %s",
                      ES_SLOW_RETRY_MS / 1000, cause->msg);
        else
            log_warn("source", "elasticsearch request failed, retrying with backoff: %s",
                     cause->msg);
        if (!c->failing)
            c->fail_since_ms = es_client_mono_ms();
        c->failing = true;
        c->fail_kind = cause->kind;
    }
    c->fail_retries++;
    c->retries++;
    return nap(c, delay, err);
}

int es_client_call(struct es_client *c, const char *what, const char *method, const char *path,
                   int flags, struct err *err)
{
    struct http_req req = {0};

    req.method = method;
    req.path = path;
    req.body = strcmp(method, "GET") == 0 ? NULL : strbuf_str(&c->body);
    req.body_len = req.body != NULL ? c->body.len : 0;
    for (;;) {
        struct err cause;
        struct es_error e;
        err_clear(&cause);
        if (es_client_stopping(c))
            return err_set(err, ERR_TRANSIENT, "stopping");
        c->requests++;
        if (http_request(c->http, &req, &c->resp, &cause) == 0) {
            c->last_latency_ms = c->resp.latency_ms;
            if (c->resp.status >= 200 && c->resp.status < 300)
                return ES_CALL_OK;
            es_parse_error(c->resp.status, c->resp.body.buf, c->resp.body.len, &e);
            if (e.cls == ES_PIT_LOST && (flags & ES_CALL_PIT))
                return ES_CALL_PIT_LOST;
            describe(c, &e, what, &cause);
        } else {
            if (es_client_stopping(c))
                return err_set(err, ERR_TRANSIENT, "stopping");
            if (cause.kind == ERR_PARSE && (flags & ES_CALL_SHRINK))
                return ES_CALL_TOO_BIG;
        }
        if ((flags & ES_CALL_STRICT) && cause.kind != ERR_TRANSIENT) {
            if (err != NULL)
                *err = cause;
            return -1;
        }
        if (es_client_retry_wait(c, &cause, err) < 0)
            return -1;
    }
}

int es_client_init(struct es_client *c, const struct cfg_source *cs,
                   volatile sig_atomic_t *stop, struct err *err)
{
    memset(c, 0, sizeof(*c));
    c->index = cs->index;
    c->stop = stop;
    http_resp_init(&c->resp);
    strbuf_init(&c->body, 0);
    c->rng = (uint64_t)es_client_wall_ms() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)c;
    if (c->rng == 0)
        c->rng = 1;
    backoff_init(&c->bo, ES_RETRY_BASE_MS, ES_RETRY_CAP_MS, xorshift, &c->rng, mono_clock, NULL);
    c->http = http_new(cs, stop, err);
    return c->http != NULL ? 0 : -1;
}

void es_client_fini(struct es_client *c)
{
    http_free(c->http);
    c->http = NULL;
    http_resp_fini(&c->resp);
    strbuf_fini(&c->body);
}
