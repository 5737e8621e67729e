/* source_es.c - Elasticsearch tail: sweeps of PIT + search_after pages over
 * [watermark - lookback, now - settle_delay), overlap de-dup, PIT-expiry recovery, retries.
 * Knows nothing of formats or outputs; HTTP details live in http.c, JSON in es_json.c.
 * Concurrency: one thread (the agent loop); *stop is set by a signal handler.
 *
 * Exactly once, how: within one PIT, search_after on [ts, _shard_doc] visits every document
 * of the snapshot once. Across sweeps, the range restarts at watermark - lookback and hits
 * already committed are skipped with cursor_seen(). When the PIT is lost mid-sweep the
 * _shard_doc values are worthless, so the sweep restarts from the newest timestamp handed out
 * (range gte that ms) and skips the hits of that millisecond it already handed out (the
 * "handed" set) as well as committed ones. */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "backoff.h"
#include "es_json.h"
#include "event.h"
#include "http.h"
#include "log.h"
#include "source_es.h"
#include "strbuf.h"
#include "xalloc.h"

#define RETRY_BASE_MS  100
#define RETRY_CAP_MS   30000
#define SLOW_RETRY_MS  30000   /* auth and configuration errors: credentials may be rotated */
#define STOP_POLL_MS   100
#define CLOSE_TIMEOUT_MS 5000
#define PARTIAL "allow_partial_search_results=false"

enum call_rc { CALL_OK = 0, CALL_PIT_LOST = 1, CALL_TOO_BIG = 2 };

struct source_es {
    const struct cfg_source *cs;
    struct cursor *cur;
    volatile sig_atomic_t *stop;
    struct http *http;
    char *query;              /* normalized extra filter, or NULL */
    char *index_path;         /* "/<escaped pattern>" */
    char keep_alive[32];
    struct es_stats st;
    struct http_resp resp;    /* reused for every request */
    struct strbuf body;       /* request body, reused */
    struct backoff bo;
    uint64_t rng;
    int page_size;            /* halved while responses exceed HTTP_BODY_MAX_BYTES */

    bool started;             /* start_at and the gap check are done */
    int64_t floor_ms;         /* no range starts before this (start_at without checkpoint) */

    bool in_sweep;
    char *pit_id;
    int64_t gte_ms, lt_ms;    /* range of the sweep; gte moves forward on PIT loss */
    char *search_after;       /* sort values of the last hit, JSON */
    bool have_resume;
    int64_t resume_ms;        /* newest timestamp seen in this sweep */
    struct cursor *handed;    /* hits handed out at resume_ms in this sweep */

    bool failing;             /* for logging state changes once */
    enum err_kind fail_kind;
    uint64_t fail_retries;
    int64_t fail_since_ms;
};

struct page_priv {
    struct es_result res;
};

static int64_t mono_ms(void *ctx)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t xorshift(void *ctx)
{
    uint64_t *s = ctx;

    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static bool stopping(const struct source_es *src)
{
    return src->stop != NULL && *src->stop;
}

/* Sleep @p ms in slices of at most STOP_POLL_MS; -1 when *stop became set. */
static int nap(struct source_es *src, int64_t ms, struct err *err)
{
    int64_t end = mono_ms(NULL) + ms;

    for (;;) {
        int64_t left = end - mono_ms(NULL);
        struct timespec ts;
        if (stopping(src))
            return err_set(err, ERR_TRANSIENT, "stopping");
        if (left <= 0)
            return 0;
        if (left > STOP_POLL_MS)
            left = STOP_POLL_MS;
        ts.tv_sec = left / 1000;
        ts.tv_nsec = (long)(left % 1000) * 1000000L;
        nanosleep(&ts, NULL);
    }
}

static char *escape_index(const char *index)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "._*,:+-";
    struct strbuf sb;

    strbuf_init(&sb, 0);
    strbuf_addc(&sb, '/');
    for (const unsigned char *p = (const unsigned char *)index; *p; p++) {
        if (strchr(ok, *p) != NULL)
            strbuf_addc(&sb, (char)*p);
        else
            strbuf_addf(&sb, "%%%02X", *p);
    }
    return sb.buf;
}

/* One line naming the cause and what to do about it. */
static void describe(const struct source_es *src, const struct es_error *e, const char *what,
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
                e->indices[0] ? e->indices : src->cs->index,
                e->privileges[0] ? e->privileges : "[read]", src->cs->index, e->reason);
    else if (e->status == 401)
        err_set(err, kind, "%s: HTTP 401 %s: authentication failed, check source.auth (the "
                "password or API key may have been rotated) (ES: %.200s)", what, type, e->reason);
    else if (strcmp(type, "index_not_found_exception") == 0)
        err_set(err, kind, "%s: HTTP %ld %s: no index matches source.index \"%s\" (ES: %.200s)",
                what, e->status, type, src->cs->index, e->reason);
    else
        err_set(err, kind, "%s: HTTP %ld %s: %.300s", what, e->status, type, e->reason);
}

static void recovered(struct source_es *src)
{
    if (src->failing)
        log_info("source", "elasticsearch recovered url=%s retries=%" PRIu64 " after_ms=%" PRId64,
                 http_url(src->http), src->fail_retries, mono_ms(NULL) - src->fail_since_ms);
    src->failing = false;
    src->fail_retries = 0;
    backoff_reset(&src->bo);
}

/* Log the failure when the state changes, then wait before the next attempt. */
static int retry_wait(struct source_es *src, const struct err *cause, struct err *err)
{
    bool slow = cause->kind == ERR_AUTH || cause->kind == ERR_CONFIG;
    int64_t delay = slow ? SLOW_RETRY_MS : backoff_fail(&src->bo);

    if (stopping(src))
        return err_set(err, ERR_TRANSIENT, "stopping");
    if (!src->failing || src->fail_kind != cause->kind) {
        if (slow)
            log_error("source", "elasticsearch request refused, retrying every %ds: %s",
                      SLOW_RETRY_MS / 1000, cause->msg);
        else
            log_warn("source", "elasticsearch unavailable, retrying with backoff: %s",
                     cause->msg);
        if (!src->failing)
            src->fail_since_ms = mono_ms(NULL);
        src->failing = true;
        src->fail_kind = cause->kind;
    }
    src->fail_retries++;
    src->st.retries++;
    return nap(src, delay, err);
}

#define CALL_PIT    1   /* a lost search context returns CALL_PIT_LOST */
#define CALL_STRICT 2   /* auth/config errors are returned, not retried (preflight) */
#define CALL_SHRINK 4   /* a body over the cap returns CALL_TOO_BIG */

/* Run src->body as one request until it gets a 2xx answer. Transient failures back off;
 * auth and configuration failures retry slowly (unless CALL_STRICT). */
static int call(struct source_es *src, const char *what, const char *method, const char *path,
                int flags, struct err *err)
{
    struct http_req req = {0};

    req.method = method;
    req.path = path;
    req.body = strcmp(method, "GET") == 0 ? NULL : strbuf_str(&src->body);
    req.body_len = req.body != NULL ? src->body.len : 0;
    for (;;) {
        struct err cause;
        struct es_error e;
        err_clear(&cause);
        if (stopping(src))
            return err_set(err, ERR_TRANSIENT, "stopping");
        src->st.requests++;
        if (http_request(src->http, &req, &src->resp, &cause) == 0) {
            src->st.last_latency_ms = src->resp.latency_ms;
            if (src->resp.status >= 200 && src->resp.status < 300)
                return CALL_OK;
            es_parse_error(src->resp.status, src->resp.body.buf, src->resp.body.len, &e);
            if (e.cls == ES_PIT_LOST && (flags & CALL_PIT))
                return CALL_PIT_LOST;
            describe(src, &e, what, &cause);
        } else {
            if (stopping(src))
                return err_set(err, ERR_TRANSIENT, "stopping");
            if (cause.kind == ERR_PARSE && (flags & CALL_SHRINK))
                return CALL_TOO_BIG;
        }
        if ((flags & CALL_STRICT) && cause.kind != ERR_TRANSIENT) {
            if (err != NULL)
                *err = cause;
            return -1;
        }
        if (retry_wait(src, &cause, err) < 0)
            return -1;
    }
}

static int open_pit(struct source_es *src, int flags, struct err *err)
{
    char *path = xasprintf("%s/_pit?keep_alive=%s", src->index_path, src->keep_alive);
    int rc;

    free(src->pit_id);
    src->pit_id = NULL;
    strbuf_reset(&src->body);
    for (;;) {
        struct err cause;
        rc = call(src, "open point in time", "POST", path, flags, err);
        if (rc < 0)
            break;
        if (es_parse_pit_open(src->resp.body.buf, src->resp.body.len, &src->pit_id, &cause) == 0)
            break;
        if ((rc = retry_wait(src, &cause, err)) < 0)
            break;
    }
    free(path);
    if (rc == 0)
        recovered(src);
    return rc < 0 ? -1 : 0;
}

static void close_pit(struct source_es *src)
{
    struct http_req req = {0};
    struct err err;

    if (src->pit_id == NULL)
        return;
    strbuf_reset(&src->body);
    es_body_pit_close(&src->body, src->pit_id);
    req.method = "DELETE";
    req.path = "/_pit";
    req.body = strbuf_str(&src->body);
    req.body_len = src->body.len;
    req.timeout_ms = CLOSE_TIMEOUT_MS;
    req.ignore_stop = true;
    /* best effort, two tries: an unclosed PIT expires after keep_alive anyway */
    for (int i = 0; i < 2; i++) {
        src->st.requests++;
        if (http_request(src->http, &req, &src->resp, &err) < 0) {
            log_debug("source", "closing the point in time failed: %s", err.msg);
        } else if (src->resp.status != 200 && src->resp.status != 404) {
            log_debug("source", "closing the point in time: HTTP %ld", src->resp.status);
        } else {
            break;
        }
        if (stopping(src))
            break;
    }
    free(src->pit_id);
    src->pit_id = NULL;
}

static void build_search(struct source_es *src, int size)
{
    struct es_search_req req = {0};

    req.size = size;
    req.ts_field = src->cs->timestamp_field;
    req.gte_ms = src->gte_ms;
    req.lt_ms = src->lt_ms;
    req.query = src->query;
    req.pit_id = src->pit_id;
    req.keep_alive = src->keep_alive;
    req.search_after = src->search_after;
    req.tiebreaker = src->cs->tiebreaker_field;
    strbuf_reset(&src->body);
    es_body_search(&src->body, &req);
}

/* One page of the sweep into @p res; CALL_PIT_LOST when the PIT is gone. */
static int fetch(struct source_es *src, struct es_result *res, struct err *err)
{
    char *path = src->cs->use_pit ? xstrdup("/_search?" PARTIAL)
                                  : xasprintf("%s/_search?" PARTIAL, src->index_path);
    int rc;

    memset(res, 0, sizeof(*res));
    for (;;) {
        struct err cause;
        err_clear(&cause);
        build_search(src, src->page_size);
        rc = call(src, "search", "POST", path, CALL_SHRINK | (src->cs->use_pit ? CALL_PIT : 0),
                  err);
        if (rc < 0 || rc == CALL_PIT_LOST)
            break;
        if (rc == CALL_TOO_BIG && src->page_size > 1) {
            src->page_size /= 2;
            log_warn("source", "search response over %zu bytes, page_size lowered to %d",
                     (size_t)HTTP_BODY_MAX_BYTES, src->page_size);
            continue;
        }
        if (rc == CALL_TOO_BIG) {
            err_set(&cause, ERR_PARSE, "search: one document is larger than %zu bytes",
                    (size_t)HTTP_BODY_MAX_BYTES);
        } else if (es_parse_search(src->resp.body.buf, src->resp.body.len, res, &cause) == 0) {
            if (res->shards_failed == 0) {
                recovered(src);
                break;
            }
            rc = res->context_missing && src->cs->use_pit ? CALL_PIT_LOST : CALL_OK;
            err_set(&cause, ERR_TRANSIENT, "search: %d shard(s) failed: %.300s",
                    res->shards_failed, res->failure);
            es_result_fini(res);
            if (rc == CALL_PIT_LOST)
                break;
        }
        if ((rc = retry_wait(src, &cause, err)) < 0)
            break;
    }
    free(path);
    return rc;
}

/* Gap check at start-up with a checkpoint: the oldest document still in the index is newer
 * than the last one we delivered, so everything in between may have been deleted (ILM). */
static int check_gap(struct source_es *src, struct es_page *page, struct err *err)
{
    struct es_result res;
    char *path = xasprintf("%s/_search?" PARTIAL, src->index_path);
    int64_t wm = cursor_watermark(src->cur);
    int rc;

    for (;;) {
        struct err cause;
        strbuf_reset(&src->body);
        es_body_oldest(&src->body, src->cs->timestamp_field, src->query);
        if ((rc = call(src, "oldest document", "POST", path, 0, err)) < 0)
            break;
        if (es_parse_search(src->resp.body.buf, src->resp.body.len, &res, &cause) == 0) {
            if (res.shards_failed == 0)
                break;
            err_set(&cause, ERR_TRANSIENT, "oldest document: %d shard(s) failed: %.300s",
                    res.shards_failed, res.failure);
            es_result_fini(&res);
        }
        if ((rc = retry_wait(src, &cause, err)) < 0)
            break;
    }
    free(path);
    if (rc < 0)
        return -1;
    if (res.n > 0 && res.hits[0].ts_ms > wm) {
        char from[32], to[32];
        page->gap = true;
        page->gap_from_ms = wm;
        page->gap_to_ms = res.hits[0].ts_ms;
        ev_format_time(wm, from);
        ev_format_time(res.hits[0].ts_ms, to);
        log_error("source", "data gap: the checkpoint is older than the oldest document left in "
                  "\"%s\"; documents between %s and %s may have been deleted unread",
                  src->cs->index, from, to);
    }
    es_result_fini(&res);
    return 0;
}

static int start(struct source_es *src, struct es_page *page, struct err *err)
{
    char when[32];

    if (cursor_has_watermark(src->cur)) {
        /* a checkpoint: the overlap window de-duplicates; the seen set holds at least the
         * last delivered hit, whose disappearance proves a gap */
        if (cursor_seen_count(src->cur) > 0 && check_gap(src, page, err) < 0)
            return -1;
    } else {
        switch (src->cs->start_at) {
        case START_NOW: src->floor_ms = wall_ms(); break;
        case START_TIME: src->floor_ms = src->cs->start_time_ms; break;
        case START_BEGINNING: src->floor_ms = 0; break;
        }
        if (src->cs->start_at != START_BEGINNING)
            cursor_set_watermark(src->cur, src->floor_ms);
        ev_format_time(src->floor_ms, when);
        log_info("source", "no checkpoint: starting at %s", when);
    }
    src->started = true;
    return 0;
}

static void reset_handed(struct source_es *src)
{
    cursor_free(src->handed);
    src->handed = cursor_new(0, SIZE_MAX);
}

/* Returns 1 when a sweep is open, 0 when the range is empty (caught up). */
static int begin_sweep(struct source_es *src, struct err *err)
{
    int64_t start = cursor_range_start(src->cur);

    src->lt_ms = wall_ms() - src->cs->settle_delay_ms;
    src->gte_ms = start > src->floor_ms ? start : src->floor_ms;
    if (src->gte_ms >= src->lt_ms) {
        src->st.sweeps++;
        return 0;
    }
    free(src->search_after);
    src->search_after = NULL;
    src->have_resume = false;
    reset_handed(src);
    src->page_size = src->cs->page_size > 0 ? src->cs->page_size : 1000;
    if (src->cs->use_pit && open_pit(src, 0, err) < 0)
        return -1;
    src->in_sweep = true;
    return 1;
}

void source_es_end_sweep(struct source_es *src)
{
    if (src->in_sweep)
        src->st.sweeps++;
    close_pit(src);
    free(src->search_after);
    src->search_after = NULL;
    src->in_sweep = false;
}

/* The PIT is gone: _shard_doc values mean nothing in a new one, so restart the range at the
 * newest handed-out millisecond; filter() skips what was already handed out there. */
static int reopen(struct source_es *src, int losses, struct err *err)
{
    struct err cause;

    src->st.pit_reopened++;
    log_info("source", "point in time expired or lost, reopening (resume from %s)",
             src->have_resume ? "last timestamp" : "sweep start");
    free(src->pit_id);
    src->pit_id = NULL;
    free(src->search_after);
    src->search_after = NULL;
    if (src->have_resume)
        src->gte_ms = src->resume_ms;
    if (losses > 1) {
        err_set(&cause, ERR_TRANSIENT, "point in time lost %d times in a row", losses);
        if (retry_wait(src, &cause, err) < 0)
            return -1;
    }
    return open_pit(src, 0, err);
}

/* Drop hits already delivered; compacts res->hits. */
static void filter(struct source_es *src, struct es_result *res)
{
    int64_t last = res->hits[res->n - 1].ts_ms;
    bool have_old = src->have_resume;
    int64_t old = src->resume_ms;
    int out = 0;

    free(src->search_after);
    src->search_after = es_result_sort_json(res, res->n - 1);
    for (int i = 0; i < res->n; i++) {
        const struct es_hit *h = &res->hits[i];
        if (cursor_seen(src->cur, h->index, h->id) ||
            (have_old && h->ts_ms == old && cursor_seen(src->handed, h->index, h->id))) {
            src->st.skipped_seen++;
            continue;
        }
        res->hits[out++] = *h;
    }
    res->n = out;
    if (!have_old || last > old) {
        reset_handed(src);
        src->resume_ms = last;
        src->have_resume = true;
    }
    for (int i = 0; i < out; i++)
        if (res->hits[i].ts_ms == src->resume_ms)
            cursor_commit(src->handed, res->hits[i].index, res->hits[i].id, res->hits[i].ts_ms);
}

int source_es_next(struct source_es *src, struct es_page *page, struct err *err)
{
    int losses = 0, rc;

    memset(page, 0, sizeof(*page));
    if (!src->started) {
        if (start(src, page, err) < 0)
            return -1;
        if (page->gap)
            return 1;
    }
    if (!src->in_sweep && (rc = begin_sweep(src, err)) <= 0)
        return rc;
    for (;;) {
        struct es_result res;
        rc = fetch(src, &res, err);
        if (rc < 0)
            return -1;
        if (rc == CALL_PIT_LOST) {
            if (reopen(src, ++losses, err) < 0)
                return -1;
            continue;
        }
        losses = 0;
        if (res.pit_id != NULL && (src->pit_id == NULL || strcmp(res.pit_id, src->pit_id))) {
            free(src->pit_id);
            src->pit_id = xstrdup(res.pit_id);
        }
        if (res.n == 0) {
            es_result_fini(&res);
            source_es_end_sweep(src);
            return 0;
        }
        filter(src, &res);
        if (res.n == 0) {
            es_result_fini(&res);
            continue;
        }
        struct page_priv *pp = xmalloc(sizeof(*pp));
        pp->res = res;
        page->n = res.n;
        page->hits = res.hits;
        page->priv = pp;
        src->st.hits += (uint64_t)res.n;
        return 1;
    }
}

void source_es_page_free(struct es_page *page)
{
    struct page_priv *pp = page->priv;

    if (pp != NULL) {
        es_result_fini(&pp->res);
        free(pp);
    }
    memset(page, 0, sizeof(*page));
}

void source_es_get_stats(const struct source_es *src, struct es_stats *st)
{
    *st = src->st;
}

static int preflight_info(struct source_es *src, struct err *err)
{
    char version[32], cluster[128];
    struct err cause;

    if (call(src, "GET /", "GET", "/", CALL_STRICT, &cause) < 0) {
        /* GET / needs the cluster privilege "monitor", which a tail-only role may lack */
        if (cause.kind == ERR_AUTH && src->resp.status == 403) {
            log_warn("source", "GET / refused (no cluster privilege monitor); version unknown");
            return 0;
        }
        if (err != NULL)
            *err = cause;
        return -1;
    }
    if (es_parse_info(src->resp.body.buf, src->resp.body.len, version, sizeof(version), cluster,
                      sizeof(cluster), &cause) < 0)
        return err_set(err, ERR_CONFIG, "%s at %s is not Elasticsearch: %s", "GET /",
                       http_url(src->http), cause.msg);
    log_info("source", "elasticsearch url=%s version=%s cluster=%s", http_url(src->http),
             version, cluster);
    if (src->cs->use_pit && strtol(version, NULL, 10) < 8 && strncmp(version, "7.1", 3) != 0)
        log_warn("source", "elasticsearch %s may not support point in time (7.10+); set "
                 "source.use_pit = false if searches fail", version);
    return 0;
}

int source_es_preflight(struct source_es *src, struct err *err)
{
    struct err cause;
    int rc = -1;

    if (preflight_info(src, err) < 0)
        return -1;
    if (!src->cs->use_pit) {
        char *path = xasprintf("%s/_search?" PARTIAL, src->index_path);
        src->gte_ms = 0;
        src->lt_ms = wall_ms();
        build_search(src, 0);
        rc = call(src, "search", "POST", path, CALL_STRICT, err);
        free(path);
        return rc < 0 ? -1 : 0;
    }
    if (open_pit(src, CALL_STRICT, err) < 0)
        return -1;
    /* A PIT on an alias can open and then refuse the search when the role grants read on
     * the alias only, not on its concrete indices or data streams (es-api §3.1). */
    src->gte_ms = 0;
    src->lt_ms = wall_ms();
    build_search(src, 0);
    rc = call(src, "search", "POST", "/_search?" PARTIAL, CALL_STRICT | CALL_PIT, &cause);
    if (rc < 0 && cause.kind == ERR_AUTH)
        err_set(err, ERR_AUTH, "the credentials can open a point in time on \"%s\" but not "
                "search it: a role granting read on an alias must also grant read on the "
                "alias's concrete indices or data streams. %s", src->cs->index, cause.msg);
    else if (rc < 0 && err != NULL)
        *err = cause;
    close_pit(src);
    if (rc < 0)
        return -1;
    recovered(src);
    return 0;
}

struct source_es *source_es_new(const struct cfg_source *cs, struct cursor *cur,
                                volatile sig_atomic_t *stop, struct err *err)
{
    struct source_es *src = xcalloc(1, sizeof(*src));

    src->cs = cs;
    src->cur = cur;
    src->stop = stop;
    http_resp_init(&src->resp);
    strbuf_init(&src->body, 0);
    if (cs->index == NULL || *cs->index == '\0' || cs->timestamp_field == NULL ||
        (!cs->use_pit && cs->tiebreaker_field == NULL)) {
        err_set(err, ERR_CONFIG, "source: index, timestamp_field and (without PIT) "
                "tiebreaker_field are required");
        goto fail;
    }
    if (es_query_normalize(cs->query, &src->query, err) < 0)
        goto fail;
    src->http = http_new(cs, stop, err);
    if (src->http == NULL)
        goto fail;
    src->index_path = escape_index(cs->index);
    es_format_duration(cs->keep_alive_ms > 0 ? cs->keep_alive_ms : 60000, src->keep_alive);
    src->rng = (uint64_t)wall_ms() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)src;
    if (src->rng == 0)
        src->rng = 1;
    backoff_init(&src->bo, RETRY_BASE_MS, RETRY_CAP_MS, xorshift, &src->rng, mono_ms, NULL);
    src->page_size = cs->page_size > 0 ? cs->page_size : 1000;
    src->handed = cursor_new(0, SIZE_MAX);
    return src;
fail:
    source_es_free(src);
    return NULL;
}

void source_es_free(struct source_es *src)
{
    if (src == NULL)
        return;
    if (src->http != NULL)
        source_es_end_sweep(src);
    http_free(src->http);
    cursor_free(src->handed);
    free(src->query);
    free(src->index_path);
    free(src->pit_id);
    free(src->search_after);
    http_resp_fini(&src->resp);
    strbuf_fini(&src->body);
    free(src);
}
