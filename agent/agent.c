/* agent.c - the loop: page -> normalize -> rules -> format -> outputs -> acks -> checkpoint.
 * The checkpoint moves past a batch only after every output acknowledged every message
 * of it, so a crash re-sends at most the batch in flight and never loses one.
 * Concurrency: one thread of ours; librdkafka threads reach us only through poll(). */
#include "config.h"
#include "clock.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"
#include "batch.h"
#include "checkpoint.h"
#include "cursor.h"
#include "event.h"
#include "format.h"
#include "jdoc.h"
#include "log.h"
#include "metrics.h"
#include "normalize.h"
#include "output.h"
#include "rules.h"
#include "source_es.h"
#include "strbuf.h"
#include "xalloc.h"

#define MSG_MAX_BYTES (1024 * 1024)
#define RAW_KEEP_BYTES 2048

struct agent {
    struct cfg *cfg;
    const struct agent_opts *opts;
    struct agent_signals *sig;
    int nouts;
    struct output outs[CFG_MAX_OUTPUTS];
    struct norm_ctx *nc;
    struct rules *rules;
    struct strbuf sb;
    struct audit_event *ev;
    uint64_t pending;       /* (message, output) pairs submitted and not yet acked */
    struct batch_ring ring;  /* pages in flight; acks carry the batch sequence as token */
    uint64_t cur_seq;        /* the batch being filled */
    struct cursor *cur;      /* tail mode: committed batches move it; NULL in replay */
    bool saved_once;         /* a checkpoint was written by this run */
    struct agent_stats st;
    struct metrics *metrics;
};

static void on_ack(void *ctx, struct output *out, uint64_t token)
{
    struct agent *ag = ctx;
    (void)out;
    if (ag->pending > 0)
        ag->pending--;
    batch_acked(&ag->ring, token);
}

static void log_stats(const struct agent *ag, const char *what)
{
    log_info("agent", "%s read=%llu events=%llu forwarded=%llu read_only_dropped=%llu excluded=%llu "
             "skipped=%llu malformed=%llu alerts=%llu", what, (unsigned long long)ag->st.read,
             (unsigned long long)ag->st.events, (unsigned long long)ag->st.forwarded,
             (unsigned long long)ag->st.dropped_ro, (unsigned long long)ag->st.excluded,
             (unsigned long long)ag->st.skipped, (unsigned long long)ag->st.malformed,
             (unsigned long long)ag->st.alerts);
    for (int i = 0; i < ag->nouts; i++) {
        const struct output *out = &ag->outs[i];
        log_info("agent", "output=%s sent=%llu acked=%llu retried=%llu failed=%llu bytes=%llu",
                 out->co->name, (unsigned long long)out->stats.sent,
                 (unsigned long long)out->stats.acked, (unsigned long long)out->stats.retried,
                 (unsigned long long)out->stats.failed, (unsigned long long)out->stats.bytes);
    }
}

/* Service signals and periodic work; called often from every wait loop. */
static void housekeeping(struct agent *ag)
{
    if (ag->sig->reopen) {
        ag->sig->reopen = 0;
        for (int i = 0; i < ag->nouts; i++)
            if (ag->outs[i].ops->reopen)
                ag->outs[i].ops->reopen(&ag->outs[i]);
    }
    if (ag->sig->report) {
        ag->sig->report = 0;
        log_stats(ag, "stats");
    }
    if (ag->metrics)
        metrics_tick(ag->metrics, &ag->st, ag->outs, ag->nouts, ag->rules, false);
}

static void poll_outputs(struct agent *ag, int timeout_ms)
{
    int each = ag->nouts > 0 ? timeout_ms / ag->nouts : timeout_ms;
    for (int i = 0; i < ag->nouts; i++)
        ag->outs[i].ops->poll(&ag->outs[i], each);
}

static int save_checkpoint(struct agent *ag, const struct cursor *cur);

/* Commit the oldest batches that every output fully acknowledged, in opening order. */
static int commit_ready(struct agent *ag)
{
    struct batch *b;

    while ((b = batch_ready(&ag->ring)) != NULL) {
        if (ag->cur) {
            for (size_t i = 0; i < b->nhits; i++)
                cursor_commit(ag->cur, b->hits[i].index, b->hits[i].id, b->hits[i].ts_ms);
            cursor_prune(ag->cur);
            if (cursor_has_watermark(ag->cur))
                ag->st.watermark_ms = cursor_watermark(ag->cur);
            if (b->nhits > 0) {
                if (save_checkpoint(ag, ag->cur) < 0)
                    return -1;
                ag->saved_once = true;
            }
        }
        ag->st.batches++;
        batch_pop(&ag->ring);
    }
    return 0;
}

/*
 * Poll the outputs and commit completed batches until at most @p max_open batches are in
 * flight. While stopping, the wait is bounded by drain_timeout: returns -1 if batches remain
 * unacknowledged (they are not committed and will be re-sent on restart: duplicates over loss).
 */
static int drain_until(struct agent *ag, int max_open)
{
    int64_t deadline = -1;

    for (;;) {
        if (commit_ready(ag) < 0)
            return -1;
        if (batch_ring_count(&ag->ring) <= max_open)
            return 0;
        if (ag->sig->stop && deadline < 0)
            deadline = clock_mono_ms() + ag->cfg->drain_timeout_ms;
        if (deadline >= 0 && clock_mono_ms() > deadline) {
            log_warn("agent", "drain timeout: batches not acknowledged, not committed batches=%d "
                     "pending=%llu", batch_ring_count(&ag->ring), (unsigned long long)ag->pending);
            return -1;
        }
        poll_outputs(ag, 50);
        housekeeping(ag);
    }
}

/* Start filling a new batch, after making room for it. */
static int next_batch(struct agent *ag)
{
    if (drain_until(ag, ag->ring.max - 1) < 0)
        return -1;
    ag->cur_seq = batch_open(&ag->ring);
    return 0;
}

static const char *kafka_key(const struct cfg_output *co, const struct audit_event *ev)
{
    switch (co->key) {
    case KEY_REQUEST_ID: return ev->request_id ? ev->request_id : ev->dedup_key;
    case KEY_DEPLOYMENT_ID: return ev->deployment_id;
    case KEY_USER: return ev->user;
    case KEY_NONE: return NULL;
    }
    return NULL;
}

/* Format and submit one event to every output. Never drops: a busy output is polled
 * until it takes the message. Returns -1 only when stopping made us give up. */
static int submit_event(struct agent *ag, const struct audit_event *ev)
{
    for (int i = 0; i < ag->nouts; i++) {
        struct output *out = &ag->outs[i];
        struct out_msg msg;
        int64_t deadline = -1;

        strbuf_reset(&ag->sb);
        if (format_message(ev, &out->fo, &ag->sb) < 0 || strbuf_failed(&ag->sb)) {
            /* Only possible when the message exceeds MSG_MAX_BYTES: cannot happen with
             * bounded event fields, but never silently: log and count. */
            log_error("agent", "cannot format event class=%s dedup=%s output=%s",
                      ev->class ? ev->class : "-", ev->dedup_key ? ev->dedup_key : "-",
                      out->co->name);
            ag->st.malformed++;
            continue;
        }
        msg.data = ag->sb.buf;
        msg.len = ag->sb.len;
        msg.key = kafka_key(out->co, ev);
        msg.ev_class = ev->class;
        msg.dedup_key = ev->dedup_key;
        msg.token = ag->cur_seq;
        for (;;) {
            enum out_result r = out->ops->submit(out, &msg);
            if (r == OUT_QUEUED)
                break;
            if (r == OUT_FATAL) {
                log_error("agent", "output %s failed permanently", out->co->name);
                return -1;
            }
            if (ag->sig->stop) {
                if (deadline < 0)
                    deadline = clock_mono_ms() + ag->cfg->drain_timeout_ms;
                else if (clock_mono_ms() > deadline)
                    return -1;
            }
            poll_outputs(ag, 20);
            housekeeping(ag);
        }
        ag->pending++;
        batch_submitted(&ag->ring, ag->cur_seq);
    }
    ag->st.forwarded++;
    return 0;
}

static bool class_excluded(const struct cfg_events *ce, const char *cls)
{
    if (ce->n_include > 0) {
        bool in = false;
        for (int i = 0; i < ce->n_include && !in; i++)
            in = cfg_glob_match(ce->include[i], cls);
        if (!in)
            return true;
    }
    for (int i = 0; i < ce->n_exclude; i++)
        if (cfg_glob_match(ce->exclude[i], cls))
            return true;
    return false;
}

struct emit_ctx {
    struct agent *ag;
    int rc;
};

static void emit_alert(void *ctx, const struct audit_event *alert)
{
    struct emit_ctx *ec = ctx;
    ec->ag->st.alerts++;
    log_info("rules", "alert rule=%s group=%s count=%lld", alert->rule_name ? alert->rule_name : "-",
             alert->group_value ? alert->group_value : "-", (long long)alert->alert_count);
    if (submit_event(ec->ag, alert) < 0)
        ec->rc = -1;
}

/* One normalized event: rules first (detections see everything), then the filters. */
static int process_event(struct agent *ag, const struct audit_event *ev)
{
    struct emit_ctx ec = {ag, 0};

    ag->st.events++;
    if (ag->rules)
        rules_process(ag->rules, ev, emit_alert, &ec);
    if (ec.rc < 0)
        return -1;
    if (ev->read_only && !ag->cfg->events.forward_read_only) {
        ag->st.dropped_ro++;
        return 0;
    }
    if (class_excluded(&ag->cfg->events, ev->class)) {
        ag->st.excluded++;
        return 0;
    }
    return submit_event(ag, ev);
}

/* A document that could not be normalized is still forwarded, raw and bounded. */
static int forward_malformed(struct agent *ag, const char *raw, size_t len, const char *where,
                             const struct err *err)
{
    struct audit_event *ev = ag->ev;

    ag->st.malformed++;
    log_warn("agent", "malformed document %s: %s", where, err->msg);
    ev_reset(ev);
    ev->class = "agent.malformed_document";
    ev->name = "Malformed ECE audit document";
    ev->severity = 3;
    ev->shape = SHAPE_AGENT;
    ev->ts_ms = clock_wall_ms();
    ev_set(ev, &ev->dedup_key, where);
    ev_set(ev, &ev->reason, err->msg);
    if (raw)
        ev_setn(ev, &ev->message, raw, len > RAW_KEEP_BYTES ? RAW_KEEP_BYTES : len);
    return submit_event(ag, ev);
}

/* The outcome of normalizing one document: forward it, count a skip, or forward it raw. */
static int handle_document(struct agent *ag, enum norm_result r, const char *raw, size_t len,
                           const char *where, const struct err *err)
{
    if (r == NORM_OK)
        return process_event(ag, ag->ev);
    if (r == NORM_SKIP) {
        ag->st.skipped++;
        return 0;
    }
    return forward_malformed(ag, raw, len, where, err);
}

static int emit_gap(struct agent *ag, int64_t from_ms, int64_t to_ms)
{
    struct audit_event *ev = ag->ev;
    char a[32], b[32];

    ev_format_time(from_ms, a);
    ev_format_time(to_ms, b);
    ag->st.gaps++;
    log_error("agent", "DATA GAP: audit documents between %s and %s are no longer in "
              "Elasticsearch and were never forwarded", a, b);
    ev_reset(ev);
    ev->class = "agent.data_gap";
    ev->name = "Audit data gap detected";
    ev->severity = 9;
    ev->shape = SHAPE_AGENT;
    ev->ts_ms = clock_wall_ms();
    ev_setf(ev, &ev->dedup_key, "gap:%lld:%lld", (long long)from_ms, (long long)to_ms);
    ev_setf(ev, &ev->message, "audit documents between %s and %s were deleted before they "
            "could be forwarded", a, b);
    return submit_event(ag, ev);
}

/* ---- replay ---------------------------------------------------------------------- */

static int run_replay(struct agent *ag)
{
    FILE *fp = stdin;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t lineno = 0, in_batch = 0;
    int rc = 0;
    struct err err;

    ag->cur_seq = batch_open(&ag->ring);

    if (strcmp(ag->opts->replay, "-") != 0) {
        fp = fopen(ag->opts->replay, "r");
        if (fp == NULL) {
            log_error("agent", "cannot open replay file %s: %s", ag->opts->replay, strerror(errno));
            return 2;
        }
    }
    while (!ag->sig->stop && (n = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        ag->st.read++;
        err_clear(&err);
        enum norm_result r = normalize_line(ag->nc, line, (size_t)n, ag->ev, &err);
        char where[64];
        snprintf(where, sizeof(where), "line:%llu", (unsigned long long)lineno);
        int sr = handle_document(ag, r, line, (size_t)n, where, &err);
        if (sr < 0) {
            rc = 2;
            break;
        }
        if (++in_batch >= (uint64_t)ag->cfg->source.page_size) {
            in_batch = 0;
            batch_close(&ag->ring, ag->cur_seq);
            if (next_batch(ag) < 0) {
                rc = 2;
                break;
            }
        }
        housekeeping(ag);
    }
    bool read_failed = rc == 0 && ferror(fp);
    if (read_failed)    /* e.g. a directory, or EIO: what was read is still delivered */
        log_error("agent", "cannot read replay input %s: %s", ag->opts->replay, strerror(errno));
    batch_close(&ag->ring, ag->cur_seq);
    if (rc == 0 && drain_until(ag, 0) < 0)
        rc = 2;
    if (read_failed)
        rc = 2;
    free(line);
    if (fp != stdin)
        fclose(fp);
    fprintf(stderr,
            "ece-auditd: replay summary: read=%llu forwarded=%llu read_only_dropped=%llu "
            "excluded=%llu skipped=%llu malformed=%llu alerts=%llu\n",
            (unsigned long long)ag->st.read, (unsigned long long)ag->st.forwarded,
            (unsigned long long)ag->st.dropped_ro, (unsigned long long)ag->st.excluded,
            (unsigned long long)ag->st.skipped, (unsigned long long)ag->st.malformed,
            (unsigned long long)ag->st.alerts);
    return rc;
}

/* ---- tail ------------------------------------------------------------------------ */

/*
 * Wait @p ms (less when stopping) while serving the outputs. With @p commit, batches are
 * committed as their acks arrive; without, nothing is (save_checkpoint's own retry waits
 * here and must not re-enter it). Returns -1 only when a commit gave up.
 */
static int wait_serving(struct agent *ag, int64_t ms, bool commit)
{
    int64_t end = clock_mono_ms() + ms;

    while (!ag->sig->stop && clock_mono_ms() < end) {
        if (commit && commit_ready(ag) < 0)
            return -1;
        poll_outputs(ag, commit && batch_ring_count(&ag->ring) > 0 ? 20 : 100);
        housekeeping(ag);
    }
    return commit ? commit_ready(ag) : 0;
}

static void identity_of(const struct cfg_source *cs, struct checkpoint_identity *id)
{
    id->url = cs->url;
    id->index = cs->index;
    id->query = cs->query;
    id->timestamp_field = cs->timestamp_field;
}

/*
 * Persist the cursor. A full disk or read-only state directory stops the agent from
 * advancing (it retries, loudly) until the write succeeds or a stop is requested.
 */
static int save_checkpoint(struct agent *ag, const struct cursor *cur)
{
    struct checkpoint_identity id;
    struct strbuf rs;
    struct err err;
    int64_t delay = 500;
    bool failing = false;
    int rc = -1;

    identity_of(&ag->cfg->source, &id);
    strbuf_init(&rs, 0);
    if (ag->rules && rules_save(ag->rules, &rs) < 0)
        strbuf_reset(&rs);
    for (;;) {
        err_clear(&err);
        if (checkpoint_save(ag->cfg->checkpoint.path, &id, cur, rs.len ? rs.buf : NULL, &err) == 0) {
            if (failing)
                log_info("checkpoint", "checkpoint writable again path=%s", ag->cfg->checkpoint.path);
            ag->st.checkpoints++;
            rc = 0;
            break;
        }
        ag->st.checkpoint_errors++;
        if (!failing)
            log_error("checkpoint", "cannot write checkpoint, not advancing until it works: %s",
                      err.msg);
        failing = true;
        if (ag->sig->stop)
            break;
        wait_serving(ag, delay, false);
        if (delay < 30000)
            delay *= 2;
    }
    strbuf_fini(&rs);
    return rc;
}

static int deliver_page(struct agent *ag, struct es_page *page)
{
    struct err err;

    if (page->gap && emit_gap(ag, page->gap_from_ms, page->gap_to_ms) < 0)
        return -1;
    for (int i = 0; i < page->n; i++) {
        const struct es_hit *hit = &page->hits[i];
        ag->st.read++;
        err_clear(&err);
        enum norm_result r = normalize_doc(ag->nc, hit->doc, ag->ev, &err);
        const char *raw = NULL;
        size_t raw_len = 0;
        char where[600];
        if (r == NORM_MALFORMED)
            raw = jnode_raw(hit->doc, &raw_len); /* the hit exactly as Elasticsearch sent it */
        snprintf(where, sizeof(where), "%s/%s", hit->index, hit->id);
        int sr = handle_document(ag, r, raw, raw_len, where, &err);
        if (sr < 0)
            return -1;
    }
    return 0;
}

static int run_tail(struct agent *ag)
{
    const struct cfg_source *cs = &ag->cfg->source;
    struct checkpoint_identity id;
    struct cursor *cur = NULL;
    struct source_es *src = NULL;
    char *rules_state = NULL;
    struct err err;
    int rc = 2, r;

    if (cs->url == NULL) {
        log_error("agent", "no Elasticsearch source configured (source.url or source.cloud_id); "
                  "use --replay to read a file");
        return 1;
    }
    cur = cursor_new(cs->lookback_ms, (size_t)ag->cfg->checkpoint.max_seen);
    ag->cur = cur;
    identity_of(cs, &id);
    err_clear(&err);
    r = ag->opts->reset_checkpoint ? 0
                                   : checkpoint_load(ag->cfg->checkpoint.path, &id, cur, &rules_state, &err);
    if (r < 0) {
        log_error("checkpoint", "%s", err.msg);
        goto out;
    }
    if (r == 1) {
        char t[32];
        ev_format_time(cursor_watermark(cur), t);
        log_info("agent", "resuming from checkpoint path=%s watermark=%s seen=%zu",
                 ag->cfg->checkpoint.path, t, cursor_seen_count(cur));
        if (rules_state && ag->rules && rules_load(ag->rules, rules_state, &err) < 0)
            log_warn("rules", "rule state in the checkpoint ignored: %s", err.msg);
    } else {
        log_info("agent", "no checkpoint at %s: starting at %s", ag->cfg->checkpoint.path,
                 cs->start_at == START_NOW ? "now" : cs->start_at == START_BEGINNING ? "beginning"
                                                                                  : "start_at time");
    }
    src = source_es_new(cs, cur, &ag->sig->stop, &err);
    if (src == NULL) {
        log_error("source", "%s", err.msg);
        goto out;
    }
    /* Configuration, TLS and fatal errors end the run; authentication errors are
     * retried slowly (the credentials may be rotated), each distinct one logged once. */
    char last[ERR_MSG_MAX] = "";
    while (source_es_preflight(src, &err) < 0) {
        if (ag->sig->stop) {
            rc = 0;
            goto out;
        }
        if (err.kind == ERR_CONFIG || err.kind == ERR_FATAL) {
            log_error("source", "%s", err.msg);
            goto out;
        }
        if (strcmp(last, err.msg) != 0) {
            log_error("source", "%s (retrying)", err.msg);
            snprintf(last, sizeof(last), "%s", err.msg);
        }
        wait_serving(ag, err.kind == ERR_AUTH ? 30000 : 5000, false);
    }
    while (!ag->sig->stop) {
        struct es_page page;

        memset(&page, 0, sizeof(page));
        err_clear(&err);
        r = source_es_next(src, &page, &err);
        if (r < 0) {
            if (ag->sig->stop)
                break;
            log_error("source", "%s", err.msg);
            goto out;
        }
        if (r == 0) {
            /* Caught up. Pages still awaiting acks are not waited for: the source de-dups
             * the next sweep against what it handed out, so delivery latency does not
             * include the outputs' ack delay; acks are committed while idle. */
            if (commit_ready(ag) < 0)
                break;
            /* Persist the start position once even if the first sweep was empty: with
             * start_at = now a restart must not move the start forward past events. */
            if (!ag->saved_once && cursor_has_watermark(cur)) {
                if (save_checkpoint(ag, cur) < 0)
                    break;
                ag->saved_once = true;
            }
            if (ag->opts->once)
                break;
            if (wait_serving(ag, cs->poll_interval_ms, true) < 0)
                break;
            continue;
        }
        /* Up to max_batches_in_flight pages are delivered while earlier ones await acks;
         * each is committed, in order, once every output acknowledged all of it. */
        if (next_batch(ag) < 0) {
            source_es_page_free(&page);
            break;
        }
        for (int i = 0; i < page.n; i++)
            batch_add_hit(&ag->ring, ag->cur_seq, page.hits[i].index, page.hits[i].id,
                          page.hits[i].ts_ms);
        r = deliver_page(ag, &page);
        batch_close(&ag->ring, ag->cur_seq);
        source_es_page_free(&page);
        if (r < 0)
            break; /* stopping: what was not acknowledged is not committed */
        struct es_stats es;
        source_es_get_stats(src, &es);
        ag->st.es_requests = es.requests;
        ag->st.es_retries = es.retries;
        ag->st.es_latency_ms = es.last_latency_ms;
        if (commit_ready(ag) < 0)
            break;
    }
    /* SIGTERM: give the batches in flight drain_timeout to be acknowledged and committed. */
    drain_until(ag, 0);
    /* The final state is already on disk after each batch; write once more so the rule
     * state and pruning of the last sweep are kept too. */
    if (cursor_has_watermark(cur))
        save_checkpoint(ag, cur);
    rc = 0;
out:
    source_es_free(src);
    ag->cur = NULL;
    cursor_free(cur);
    free(rules_state);
    return rc;
}

/* ---- set-up ---------------------------------------------------------------------- */

static void close_outputs(struct agent *ag)
{
    for (int i = 0; i < ag->nouts; i++)
        ag->outs[i].ops->close(&ag->outs[i]);
    ag->nouts = 0;
}

static int open_outputs(struct agent *ag)
{
    struct err err;

    for (int i = 0; i < ag->cfg->n_outputs; i++) {
        struct output *out = &ag->outs[i];
        const struct cfg_output *co = &ag->cfg->outputs[i];

        memset(out, 0, sizeof(*out));
        out->ops = output_ops_for(co->type);
        out->co = co;
        out->index = i;
        out->ack_fn = on_ack;
        out->ack_ctx = ag;
        output_format_opts(co, &out->fo);
        err_clear(&err);
        if (out->ops->validate(co, &err) < 0 || out->ops->open(out, &err) < 0) {
            log_error("output", "%s", err.msg);
            return -1;
        }
        ag->nouts++;
        log_info("output", "opened name=%s type=%s", co->name, out->ops->type);
    }
    return 0;
}

int agent_run(struct cfg *cfg, const struct agent_opts *opts, struct agent_signals *sig)
{
    struct agent *ag = xcalloc(1, sizeof(*ag));
    int rc = 2;

    ag->cfg = cfg;
    ag->opts = opts;
    ag->sig = sig;
    ag->ev = xmalloc(sizeof(*ag->ev));
    batch_ring_init(&ag->ring, cfg->max_batches_in_flight);
    ev_reset(ag->ev);
    strbuf_init(&ag->sb, MSG_MAX_BYTES);
    ag->nc = norm_ctx_new();
    ag->rules = rules_new(cfg);
    if (cfg->metrics.path)
        ag->metrics = metrics_new(cfg->metrics.path, cfg->metrics.interval_ms);
    if (open_outputs(ag) < 0)
        goto out;
    rc = opts->replay ? run_replay(ag) : run_tail(ag);
    if (ag->pending > 0)
        log_warn("agent", "exiting with %llu unacknowledged messages; they will be re-sent",
                 (unsigned long long)ag->pending);
    log_stats(ag, opts->replay ? "replay done" : "stopped");
out:
    if (ag->metrics) {
        metrics_tick(ag->metrics, &ag->st, ag->outs, ag->nouts, ag->rules, true);
        metrics_free(ag->metrics);
    }
    close_outputs(ag);
    rules_free(ag->rules);
    norm_ctx_free(ag->nc);
    strbuf_fini(&ag->sb);
    batch_ring_fini(&ag->ring);
    free(ag->ev);
    free(ag);
    return rc;
}
