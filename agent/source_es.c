/* source_es.c - Elasticsearch tail: sweeps of PIT + search_after pages over
 * [watermark - lookback, now - settle_delay), overlap de-dup, PIT-expiry recovery, retries.
 * Knows nothing of formats or outputs; HTTP details live in http.c, JSON in es_json.c.
 * Concurrency: one thread (the agent loop); *stop is set by a signal handler.
 *
 * Exactly once, how: within one PIT, search_after on [ts, _shard_doc] visits every document
 * of the snapshot once. Across sweeps, the range restarts at watermark - lookback and hits
 * already handed out are skipped with cursor_seen() on the "fetched" cursor: a copy of the
 * committed cursor taken at start, advanced as hits are handed out, so that a sweep can begin
 * while the previous one's pages still await acknowledgement (a restart resumes from the
 * committed cursor and re-sends those: duplicates, never loss). When the PIT is lost mid-sweep the
 * _shard_doc values are worthless, so the sweep restarts from the newest timestamp handed out
 * (range gte that ms) and skips the hits of that millisecond it already handed out (the
 * "handed" set) as well as committed ones.
 *
 * Limits, by design: a document that becomes searchable later than lookback after the
 * watermark passed its timestamp is never read; de-dup entries evicted by max_seen can be
 * delivered twice. Gap detection runs once, at the first call with a checkpoint: when the
 * oldest document left is newer than the watermark, the last delivered document is gone, so
 * (watermark, oldest] may have been deleted unread (ILM); an emptied index is not reported. */
#include "config.h"
#include "clock.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "es_client.h"
#include "es_json.h"
#include "event.h"
#include "log.h"
#include "source_es.h"
#include "strbuf.h"
#include "xalloc.h"

#define CLOSE_TIMEOUT_MS 5000
#define CLOSE_STOPPING_TIMEOUT_MS 2000
#define PARTIAL "allow_partial_search_results=false"
#define ES_PAGE_MAX 10000   /* index.max_result_window: the largest page ES serves */

struct source_es {
    const struct cfg_source *cs;
    struct cursor *cur;       /* committed by the agent: read at start only */
    struct cursor *fetched;   /* handed out in this run: range start and de-dup */
    struct es_client c;       /* requests, retries, failure logging */
    char *query;              /* normalized extra filter, or NULL */
    char *index_path;         /* "/<escaped pattern>" */
    char keep_alive[32];
    struct es_stats st;
    int page_size;            /* this sweep's: halved when a response exceeds
                               * HTTP_BODY_MAX_BYTES, doubled by reopen() */

    bool started;             /* start_at and the gap check are done */
    int64_t floor_ms;         /* no range starts before this (start_at without checkpoint) */

    bool in_sweep;
    char *pit_id;
    int64_t gte_ms, lt_ms;    /* range of the sweep; gte moves forward on PIT loss */
    char *search_after;       /* sort values of the last hit, JSON */
    bool have_resume;
    int64_t resume_ms;        /* newest timestamp seen in this sweep */
    struct cursor *handed;    /* hits handed out at resume_ms in this sweep */
    bool reopened;            /* position of the last PIT reopen in this sweep */
    bool reopen_have;
    int64_t reopen_ms;
};

struct page_priv {
    struct es_result res;
};

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

static int open_pit(struct source_es *src, int flags, struct err *err)
{
    char *path = xasprintf("%s/_pit?keep_alive=%s", src->index_path, src->keep_alive);
    int rc;

    free(src->pit_id);
    src->pit_id = NULL;
    strbuf_reset(&src->c.body);
    for (;;) {
        struct err cause;
        rc = es_client_call(&src->c, "open point in time", "POST", path, flags, err);
        if (rc < 0)
            break;
        if (es_parse_pit_open(src->c.resp.body.buf, src->c.resp.body.len, &src->pit_id,
                              &cause) == 0)
            break;
        if ((rc = es_client_retry_wait(&src->c, &cause, err)) < 0)
            break;
    }
    free(path);
    if (rc == 0)
        es_client_recovered(&src->c);
    return rc < 0 ? -1 : 0;
}

/* Best effort: an unclosed PIT expires after keep_alive anyway. Two tries, or one short one
 * when stopping, so that shutdown stays bounded. */
static void close_pit(struct source_es *src)
{
    bool stopping = es_client_stopping(&src->c);
    struct http_req req = {0};
    struct err err;

    if (src->pit_id == NULL)
        return;
    strbuf_reset(&src->c.body);
    es_body_pit_close(&src->c.body, src->pit_id);
    req.method = "DELETE";
    req.path = "/_pit";
    req.body = strbuf_str(&src->c.body);
    req.body_len = src->c.body.len;
    req.timeout_ms = stopping ? CLOSE_STOPPING_TIMEOUT_MS : CLOSE_TIMEOUT_MS;
    req.ignore_stop = true;
    for (int i = 0; i < (stopping ? 1 : 2); i++) {
        src->c.requests++;
        if (http_request(src->c.http, &req, &src->c.resp, &err) < 0)
            log_debug("source", "closing the point in time failed: %s", err.msg);
        else if (src->c.resp.status != 200 && src->c.resp.status != 404)
            log_debug("source", "closing the point in time: HTTP %ld", src->c.resp.status);
        else
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
    strbuf_reset(&src->c.body);
    es_body_search(&src->c.body, &req);
}

/* One page of the sweep into @p res; ES_CALL_PIT_LOST when the PIT is gone. */
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
        rc = es_client_call(&src->c, "search", "POST", path,
                            ES_CALL_SHRINK | (src->cs->use_pit ? ES_CALL_PIT : 0), err);
        if (rc < 0 || rc == ES_CALL_PIT_LOST)
            break;
        if (rc == ES_CALL_TOO_BIG && src->page_size > 1) {
            src->page_size /= 2;
            log_warn("source", "search response over %zu bytes, page_size lowered to %d",
                     (size_t)HTTP_BODY_MAX_BYTES, src->page_size);
            continue;
        }
        if (rc == ES_CALL_TOO_BIG) {
            err_set(&cause, ERR_PARSE, "search: one document is larger than %zu bytes",
                    (size_t)HTTP_BODY_MAX_BYTES);
        } else if (es_parse_search(src->c.resp.body.buf, src->c.resp.body.len, res, &cause) == 0) {
            if (res->shards_failed == 0) {
                es_client_recovered(&src->c);
                break;
            }
            rc = res->context_missing && src->cs->use_pit ? ES_CALL_PIT_LOST : ES_CALL_OK;
            err_set(&cause, ERR_TRANSIENT, "search: %d shard(s) failed: %.300s",
                    res->shards_failed, res->failure);
            es_result_fini(res);
            if (rc == ES_CALL_PIT_LOST)
                break;
        }
        if ((rc = es_client_retry_wait(&src->c, &cause, err)) < 0)
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
        strbuf_reset(&src->c.body);
        es_body_oldest(&src->c.body, src->cs->timestamp_field, src->query);
        if ((rc = es_client_call(&src->c, "oldest document", "POST", path, 0, err)) < 0)
            break;
        if (es_parse_search(src->c.resp.body.buf, src->c.resp.body.len, &res, &cause) == 0) {
            if (res.shards_failed == 0)
                break;
            err_set(&cause, ERR_TRANSIENT, "oldest document: %d shard(s) failed: %.300s",
                    res.shards_failed, res.failure);
            es_result_fini(&res);
        }
        if ((rc = es_client_retry_wait(&src->c, &cause, err)) < 0)
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
        case START_NOW: src->floor_ms = clock_wall_ms(); break;
        case START_TIME: src->floor_ms = src->cs->start_time_ms; break;
        case START_BEGINNING: src->floor_ms = 0; break;
        }
        if (src->cs->start_at != START_BEGINNING)
            cursor_set_watermark(src->cur, src->floor_ms);
        ev_format_time(src->floor_ms, when);
        log_info("source", "no checkpoint: starting at %s",
                 src->cs->start_at == START_BEGINNING ? "the oldest document" : when);
    }
    cursor_free(src->fetched);
    src->fetched = cursor_clone(src->cur);
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
    int64_t start;

    cursor_prune(src->fetched);
    start = cursor_range_start(src->fetched);
    src->lt_ms = clock_wall_ms() - src->cs->settle_delay_ms;
    src->gte_ms = start > src->floor_ms ? start : src->floor_ms;
    if (src->gte_ms >= src->lt_ms) {
        src->st.sweeps++;
        return 0;
    }
    free(src->search_after);
    src->search_after = NULL;
    src->have_resume = false;
    src->resume_ms = 0;
    src->reopened = false;
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
 * newest millisecond seen; filter() skips what was already handed out there. When a PIT is
 * lost again before the sweep got past that point (a run of same-millisecond documents longer
 * than a PIT lives), pages grow, so that the re-read prefix cannot starve the sweep. */
static int reopen(struct source_es *src, int losses, struct err *err)
{
    struct err cause;

    src->st.pit_reopened++;
    if (src->reopened && src->reopen_have == src->have_resume &&
        src->reopen_ms == src->resume_ms && src->page_size < ES_PAGE_MAX) {
        src->page_size = src->page_size * 2 < ES_PAGE_MAX ? src->page_size * 2 : ES_PAGE_MAX;
        log_info("source", "point in time lost again at the same position, page_size %d",
                 src->page_size);
    }
    src->reopened = true;
    src->reopen_have = src->have_resume;
    src->reopen_ms = src->resume_ms;
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
        if (es_client_retry_wait(&src->c, &cause, err) < 0)
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
        if (cursor_seen(src->fetched, h->index, h->id) ||
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
        cursor_commit(src->fetched, res->hits[i].index, res->hits[i].id, res->hits[i].ts_ms);
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
        if (rc == ES_CALL_PIT_LOST) {
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
    st->requests = src->c.requests;
    st->retries = src->c.retries;
    st->last_latency_ms = src->c.last_latency_ms;
}

static int preflight_info(struct source_es *src, struct err *err)
{
    char version[32], cluster[128];
    struct err cause;

    if (es_client_call(&src->c, "GET /", "GET", "/", ES_CALL_STRICT, &cause) < 0) {
        /* GET / needs the cluster privilege "monitor", which a tail-only role may lack */
        if (cause.kind == ERR_AUTH && src->c.resp.status == 403) {
            log_warn("source", "GET / refused (no cluster privilege monitor); version unknown");
            return 0;
        }
        if (err != NULL)
            *err = cause;
        return -1;
    }
    if (es_parse_info(src->c.resp.body.buf, src->c.resp.body.len, version, sizeof(version), cluster,
                      sizeof(cluster), &cause) < 0)
        return err_set(err, ERR_CONFIG, "%s at %s is not Elasticsearch: %s", "GET /",
                       http_url(src->c.http), cause.msg);
    log_info("source", "elasticsearch url=%s version=%s cluster=%s", http_url(src->c.http),
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
        src->lt_ms = clock_wall_ms();
        build_search(src, 0);
        rc = es_client_call(&src->c, "search", "POST", path, ES_CALL_STRICT, err);
        free(path);
        return rc < 0 ? -1 : 0;
    }
    if (open_pit(src, ES_CALL_STRICT, err) < 0)
        return -1;
    /* A PIT on an alias can open and then refuse the search when the role grants read on
     * the alias only, not on its concrete indices or data streams (es-api §3.1). */
    src->gte_ms = 0;
    src->lt_ms = clock_wall_ms();
    build_search(src, 0);
    rc = es_client_call(&src->c, "search", "POST", "/_search?" PARTIAL,
                        ES_CALL_STRICT | ES_CALL_PIT, &cause);
    if (rc < 0 && cause.kind == ERR_AUTH)
        err_set(err, ERR_AUTH, "the credentials can open a point in time on \"%s\" but not "
                "search it: a role granting read on an alias must also grant read on the "
                "alias's concrete indices or data streams. %s", src->cs->index, cause.msg);
    else if (rc < 0 && err != NULL)
        *err = cause;
    close_pit(src);
    if (rc < 0)
        return -1;
    es_client_recovered(&src->c);
    return 0;
}

struct source_es *source_es_new(const struct cfg_source *cs, struct cursor *cur,
                                volatile sig_atomic_t *stop, struct err *err)
{
    struct source_es *src = xcalloc(1, sizeof(*src));

    src->cs = cs;
    src->cur = cur;
    src->handed = cursor_new(0, SIZE_MAX);
    if (cs->index == NULL || *cs->index == '\0' || cs->timestamp_field == NULL ||
        (!cs->use_pit && cs->tiebreaker_field == NULL)) {
        err_set(err, ERR_CONFIG, "source: index, timestamp_field and (without PIT) "
                "tiebreaker_field are required");
        goto fail;
    }
    if (es_query_normalize(cs->query, &src->query, err) < 0 ||
        es_client_init(&src->c, cs, stop, err) < 0)
        goto fail;
    src->index_path = escape_index(cs->index);
    es_format_duration(cs->keep_alive_ms > 0 ? cs->keep_alive_ms : 60000, src->keep_alive);
    src->page_size = cs->page_size > 0 ? cs->page_size : 1000;
    return src;
fail:
    source_es_free(src);
    return NULL;
}

void source_es_free(struct source_es *src)
{
    if (src == NULL)
        return;
    if (src->c.http != NULL)
        source_es_end_sweep(src);
    es_client_fini(&src->c);
    cursor_free(src->handed);
    cursor_free(src->fetched);
    es_json_release();
    free(src->query);
    free(src->index_path);
    free(src->pit_id);
    free(src->search_after);
    free(src);
}
