/* metrics.c - Prometheus textfile export of the agent's counters (temp + rename).
 * Knows nothing of how the counters are produced. */
#include "config.h"
#include "clock.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "metrics.h"
#include "strbuf.h"
#include "xalloc.h"

struct metrics {
    char *path;
    int64_t interval_ms;
    int64_t last_ms;
    bool failing;
};

struct metrics *metrics_new(const char *path, int64_t interval_ms)
{
    struct metrics *m = xcalloc(1, sizeof(*m));
    m->path = xstrdup(path);
    m->interval_ms = interval_ms > 0 ? interval_ms : 15000;
    m->last_ms = -interval_ms;
    return m;
}

void metrics_free(struct metrics *m)
{
    if (m == NULL)
        return;
    free(m->path);
    free(m);
}

static void counter(struct strbuf *sb, const char *name, const char *help, uint64_t v)
{
    strbuf_addf(sb, "# HELP ece_auditd_%s %s\n# TYPE ece_auditd_%s counter\nece_auditd_%s %llu\n",
                name, help, name, name, (unsigned long long)v);
}

static void render(struct strbuf *sb, const struct agent_stats *st, const struct output *outs,
                   int nouts, const struct rules *rules)
{
    counter(sb, "documents_read_total", "Audit documents read.", st->read);
    counter(sb, "events_total", "Request events normalized.", st->events);
    counter(sb, "events_forwarded_total", "Events handed to every output.", st->forwarded);
    counter(sb, "events_read_only_dropped_total", "Read-only calls not forwarded.", st->dropped_ro);
    counter(sb, "events_excluded_total", "Events excluded by class.", st->excluded);
    counter(sb, "documents_skipped_total", "Non-request lines skipped.", st->skipped);
    counter(sb, "documents_malformed_total", "Malformed documents (forwarded raw).", st->malformed);
    counter(sb, "alerts_total", "Alerts raised by rules.", st->alerts);
    counter(sb, "data_gaps_total", "Data gaps detected.", st->gaps);
    counter(sb, "batches_acked_total", "Batches acknowledged by every output.", st->batches);
    counter(sb, "checkpoint_writes_total", "Checkpoint files written.", st->checkpoints);
    counter(sb, "checkpoint_errors_total", "Failed checkpoint writes.", st->checkpoint_errors);
    counter(sb, "es_requests_total", "Elasticsearch requests.", st->es_requests);
    counter(sb, "es_retries_total", "Elasticsearch requests retried.", st->es_retries);
    strbuf_addf(sb, "# HELP ece_auditd_es_request_latency_seconds Latency of the last Elasticsearch request.\n"
                "# TYPE ece_auditd_es_request_latency_seconds gauge\nece_auditd_es_request_latency_seconds %.4f\n",
                st->es_latency_ms / 1000.0);
    if (st->watermark_ms > 0) {
        double lag = (double)(clock_wall_ms() - st->watermark_ms) / 1000.0;
        strbuf_addf(sb, "# HELP ece_auditd_checkpoint_lag_seconds Now minus the checkpoint watermark.\n"
                    "# TYPE ece_auditd_checkpoint_lag_seconds gauge\nece_auditd_checkpoint_lag_seconds %.3f\n",
                    lag);
    }
    strbuf_adds(sb, "# HELP ece_auditd_output_messages_total Messages per output and state.\n"
                    "# TYPE ece_auditd_output_messages_total counter\n");
    for (int i = 0; i < nouts; i++) {
        const struct output_stats *os = &outs[i].stats;
        const char *n = outs[i].co->name;
        strbuf_addf(sb, "ece_auditd_output_messages_total{output=\"%s\",state=\"sent\"} %llu\n", n,
                    (unsigned long long)os->sent);
        strbuf_addf(sb, "ece_auditd_output_messages_total{output=\"%s\",state=\"acked\"} %llu\n", n,
                    (unsigned long long)os->acked);
        strbuf_addf(sb, "ece_auditd_output_messages_total{output=\"%s\",state=\"retried\"} %llu\n", n,
                    (unsigned long long)os->retried);
        strbuf_addf(sb, "ece_auditd_output_messages_total{output=\"%s\",state=\"failed\"} %llu\n", n,
                    (unsigned long long)os->failed);
    }
    if (rules) {
        struct rules_stats rs;
        rules_get_stats(rules, &rs);
        counter(sb, "rule_matches_total", "Events that matched a rule.", rs.matched);
        counter(sb, "rule_groups_evicted_total", "Rule groups dropped at max_groups.", rs.group_cap_hits);
    }
}

void metrics_tick(struct metrics *m, const struct agent_stats *st, const struct output *outs,
                  int nouts, const struct rules *rules, bool force)
{
    struct strbuf sb;
    char tmp[4096];
    int fd;
    int64_t now = clock_mono_ms();

    if (!force && now - m->last_ms < m->interval_ms)
        return;
    m->last_ms = now;
    strbuf_init(&sb, 0);
    render(&sb, st, outs, nouts, rules);
    snprintf(tmp, sizeof(tmp), "%s.tmp", m->path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    bool ok = fd >= 0;
    if (ok) {
        ok = write(fd, sb.buf, sb.len) == (ssize_t)sb.len;
        ok = close(fd) == 0 && ok;
        ok = ok && rename(tmp, m->path) == 0;
    }
    if (!ok) {
        if (!m->failing)
            log_warn("metrics", "cannot write metrics file path=%s: %s", m->path, strerror(errno));
        m->failing = true;
    } else {
        m->failing = false;
    }
    strbuf_fini(&sb);
}
