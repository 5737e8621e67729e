/* cfg_summary.c - the one-screen summary of struct cfg printed by --check-config: what the
 * agent will read, where it will send it. Secrets show only their origin, never a value. */
#include "config.h"
#include <stdio.h>
#include "cfg.h"
#include "cfg_priv.h"
#include "event.h"
#include "strbuf.h"

#define SUMMARY_LINES 25   /* one screen */
#define FIXED_LINES   8    /* at most, for all but the outputs and the rules */

static const char *dur(int64_t ms, char buf[CFG_DURATION_MAX])
{
    cfg_format_duration(ms, buf);
    return buf;
}

static const char *on_off(bool b)
{
    return b ? "on" : "off";
}

static void print_source(const struct cfg_source *src, FILE *fp)
{
    char a[CFG_DURATION_MAX], b[CFG_DURATION_MAX], c[CFG_DURATION_MAX], d[CFG_DURATION_MAX];
    char when[32] = "";
    const struct cfg_tls *tls = &src->tls;

    if (src->url == NULL) {
        fprintf(fp, "source: none (only --replay can run)\n");
        return;
    }
    fprintf(fp, "source: %s%s index=%s%s%s\n", src->url, src->cloud_id != NULL ? " (cloud_id)" : "",
            src->index, src->query != NULL ? " query=" : "", src->query != NULL ? "set" : "");
    if (src->start_at == START_TIME)
        ev_format_time(src->start_time_ms, when);
    fprintf(fp, "  sweep: pit=%s page_size=%d poll=%s settle=%s lookback=%s timeout=%s start_at=%s\n",
            on_off(src->use_pit), src->page_size, dur(src->poll_interval_ms, a),
            dur(src->settle_delay_ms, b), dur(src->lookback_ms, c), dur(src->timeout_ms, d),
            src->start_at == START_NOW ? "now" : src->start_at == START_BEGINNING ? "beginning"
                                                                                  : when);
    if (src->auth_api_key.value != NULL)
        fprintf(fp, "  auth: api_key=%s\n", src->auth_api_key.origin);
    else if (src->auth_username != NULL)
        fprintf(fp, "  auth: basic user=%s password=%s\n", src->auth_username,
                src->auth_password.origin != NULL ? src->auth_password.origin : "-");
    else
        fprintf(fp, "  auth: none\n");
    fprintf(fp, "  tls: verify=%s ca=%s%s%s%s%s\n", on_off(tls->verify),
            tls->ca_file != NULL ? tls->ca_file : "system", tls->cert_file != NULL ? " cert=" : "",
            tls->cert_file != NULL ? tls->cert_file : "", tls->key_password.origin != NULL
                                                              ? " key_password="
                                                              : "",
            tls->key_password.origin != NULL ? tls->key_password.origin : "");
}

static void print_output(const struct cfg_output *out, FILE *fp)
{
    struct strbuf sb;

    strbuf_init(&sb, 1024);
    strbuf_addf(&sb, "output %s: %s", out->name, cfg_enum_name(cfg_en_type, out->type));
    switch (out->type) {
    case OUT_TYPE_FILE:
        strbuf_addf(&sb, " %s", out->path);
        break;
    case OUT_TYPE_SYSLOG:
        strbuf_addf(&sb, " %s %s:%d", cfg_enum_name(cfg_en_transport, out->transport), out->host,
                    out->port);
        if (out->transport != TRANSPORT_UDP)
            strbuf_addf(&sb, " framing=%s", cfg_enum_name(cfg_en_framing, out->framing));
        if (out->transport == TRANSPORT_TLS)
            strbuf_addf(&sb, " verify=%s ca=%s", on_off(out->tls.verify),
                        out->tls.ca_file != NULL ? out->tls.ca_file : "system");
        break;
    case OUT_TYPE_KAFKA:
        strbuf_addf(&sb, " brokers=%s topic=%s key=%s", out->brokers, out->topic,
                    cfg_enum_name(cfg_en_key, out->key));
        for (int i = 0; i < out->n_props; i++)
            strbuf_addf(&sb, " %s=%s", out->props[i].name,
                        out->props[i].secret ? "(hidden)" : out->props[i].value);
        break;
    }
    strbuf_addf(&sb, " header=%s format=%s", cfg_enum_name(cfg_en_header, out->header),
                cfg_enum_name(cfg_en_format, out->format));
    if (out->header != HEADER_NONE)
        strbuf_addf(&sb, " facility=%s", cfg_facility_name(out->facility));
    fprintf(fp, "%s%s\n", strbuf_str(&sb), strbuf_failed(&sb) ? " ..." : "");
    strbuf_fini(&sb);
}

static void print_rule(const struct cfg_rule *rule, FILE *fp)
{
    char a[CFG_DURATION_MAX], b[CFG_DURATION_MAX];

    fprintf(fp, "rule %s: %s", rule->name, rule->match);
    if (rule->outcome != -1)
        fprintf(fp, " outcome=%s", cfg_enum_name(cfg_en_outcome, rule->outcome));
    for (int i = 0; i < rule->n_conds; i++)
        fprintf(fp, " %s=%s", cfg_rule_field_name(rule->conds[i].field), rule->conds[i].value);
    for (int i = 0; i < rule->n_group_by; i++)
        fprintf(fp, "%s%s", i == 0 ? " by " : ",", cfg_rule_field_name(rule->group_by[i]));
    if (rule->threshold > 1)
        fprintf(fp, " >=%d in %s", rule->threshold, dur(rule->window_ms, a));
    if (rule->suppress_ms > 0)
        fprintf(fp, " suppress=%s", dur(rule->suppress_ms, b));
    fprintf(fp, " severity=%d\n", rule->severity);
}

static void print_list(const char *label, char *const *items, int n, const char *none, FILE *fp)
{
    fprintf(fp, " %s=", label);
    if (n == 0)
        fputs(none, fp);
    for (int i = 0; i < n; i++)
        fprintf(fp, "%s%s", i > 0 ? "," : "", items[i]);
}

void cfg_print_summary(const struct cfg *cfg, FILE *fp)
{
    char a[CFG_DURATION_MAX], b[CFG_DURATION_MAX];
    int room = SUMMARY_LINES - FIXED_LINES;       /* for outputs and rules */

    fprintf(fp, "config: %s\n", cfg->file != NULL ? cfg->file : "built-in defaults");
    print_source(&cfg->source, fp);
    fprintf(fp, "checkpoint: %s max_seen=%lld\n", cfg->checkpoint.path,
            (long long)cfg->checkpoint.max_seen);
    fprintf(fp, "events: read_only=%s", cfg->events.forward_read_only ? "forwarded" : "dropped");
    print_list("include", cfg->events.include, cfg->events.n_include, "all", fp);
    print_list("exclude", cfg->events.exclude, cfg->events.n_exclude, "none", fp);
    fputc('\n', fp);
    if (cfg->n_outputs == 0)
        fprintf(fp, "outputs: none (only --stdout can run)\n");
    for (int i = 0; i < cfg->n_outputs; i++)
        print_output(&cfg->outputs[i], fp);
    room -= cfg->n_outputs > 0 ? cfg->n_outputs : 1;
    if (cfg->n_rules > 0 && cfg->n_rules <= room) {
        for (int i = 0; i < cfg->n_rules; i++)
            print_rule(&cfg->rules[i], fp);
    } else {
        fprintf(fp, "rules: %d", cfg->n_rules);
        if (cfg->n_rules == 0)
            fputs(" (none)", fp);
        for (int i = 0; i < cfg->n_rules; i++)
            fprintf(fp, "%s%s", i == 0 ? " (" : ", ", cfg->rules[i].name);
        fprintf(fp, "%s\n", cfg->n_rules > 0 ? ")" : "");
    }
    fprintf(fp, "agent: log=%s/%s metrics=%s every %s drain_timeout=%s max_batches_in_flight=%d\n",
            cfg->log.level, cfg->log.target, cfg->metrics.path != NULL ? cfg->metrics.path : "off",
            dur(cfg->metrics.interval_ms, a), dur(cfg->drain_timeout_ms, b),
            cfg->max_batches_in_flight);
}
