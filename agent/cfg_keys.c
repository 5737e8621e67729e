/* cfg_keys.c - the key tables (name, type, field, range, default, description) that drive
 * cfg.c's loader, the built-in defaults, cfg_free() and cfg_print_keys(). No libconfig here. */
#include "config.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cfg.h"
#include "cfg_priv.h"
#include "event.h"
#include "secret.h"
#include "xalloc.h"

_Static_assert(sizeof(enum out_type) == sizeof(int), "enums are stored through int *");

/* Rows name their first nine fields by position and the rare ones by designator; the fields
 * left out are meant to be zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define TAB(a) {a, sizeof(a) / sizeof(a[0])}
#define T_FILE   CFG_T_FILE
#define T_SYSLOG CFG_T_SYSLOG
#define T_KAFKA  CFG_T_KAFKA
#define DAY_MS   (24LL * 3600 * 1000)
#define PATH_MAX_KEY 160

/* ---- enumerations ------------------------------------------------------------------------ */

const struct cfg_enum cfg_en_type[] = {
    {"file", OUT_TYPE_FILE}, {"syslog", OUT_TYPE_SYSLOG}, {"kafka", OUT_TYPE_KAFKA}, {NULL, 0}};
const struct cfg_enum cfg_en_format[] = {
    {"cef", FORMAT_CEF}, {"leef", FORMAT_LEEF}, {"json", FORMAT_JSON}, {NULL, 0}};
const struct cfg_enum cfg_en_header[] = {
    {"rfc5424", HEADER_RFC5424}, {"rfc3164", HEADER_RFC3164}, {"none", HEADER_NONE}, {NULL, 0}};
const struct cfg_enum cfg_en_transport[] = {
    {"udp", TRANSPORT_UDP}, {"tcp", TRANSPORT_TCP}, {"tls", TRANSPORT_TLS}, {NULL, 0}};
const struct cfg_enum cfg_en_framing[] = {
    {"octet-counting", FRAMING_OCTET}, {"octet", FRAMING_OCTET}, {"lf", FRAMING_LF}, {NULL, 0}};
const struct cfg_enum cfg_en_key[] = {{"request_id", KEY_REQUEST_ID},
                                          {"deployment_id", KEY_DEPLOYMENT_ID},
                                          {"user", KEY_USER}, {"none", KEY_NONE}, {NULL, 0}};
const struct cfg_enum cfg_en_outcome[] = {{"success", OUTCOME_SUCCESS},
                                              {"failure", OUTCOME_FAILURE},
                                              {"unknown", OUTCOME_UNKNOWN}, {"any", -1}, {NULL, 0}};
const struct cfg_enum cfg_en_level[] = {
    {"error", 0}, {"warn", 1}, {"info", 2}, {"debug", 3}, {NULL, 0}};
const struct cfg_enum cfg_en_target[] = {{"stderr", 0}, {"syslog", 1}, {NULL, 0}};

/* ---- the tables: key, type, field, range, default, description ---------------------------- */

#define O(st, f) offsetof(struct st, f)

static const struct cfg_key tls_keys[] = {
    {"verify", KT_BOOL, O(cfg_tls, verify), 0, 0, 0, "true", NULL,
     "verify the server certificate and name (keep on)"},
    {"ca_file", KT_PATH, O(cfg_tls, ca_file), 0, 1, 4096, NULL, "system store",
     "PEM file of the CA(s) to trust"},
    {"cert_file", KT_PATH, O(cfg_tls, cert_file), 0, 1, 4096, NULL, NULL,
     "PEM client certificate (mutual TLS)"},
    {"key_file", KT_PATH, O(cfg_tls, key_file), 0, 1, 4096, NULL, NULL,
     "PEM private key of the client certificate"},
    {"key_password_file", KT_SFILE, O(cfg_tls, key_password), 0, 1, 4096, NULL, NULL,
     "file holding the passphrase of key_file", .alt = "key_password"},
    {"key_password", KT_SENV, O(cfg_tls, key_password), 0, 1, 4096, NULL, NULL,
     "passphrase of key_file, only as \"${VAR}\"", .alt = "key_password_file"},
    {"server_name", KT_STR, O(cfg_tls, server_name), 0, 1, 255, NULL, "the host",
     "name for SNI and certificate verification", .check = cfg_check_printascii},
};
static const struct cfg_keytab tls_tab = TAB(tls_keys);

static const struct cfg_key auth_keys[] = {
    {"username", KT_STR, O(cfg_source, auth_username), 0, 1, 256, NULL, NULL,
     "basic auth user (with password_file or password)"},
    {"password_file", KT_SFILE, O(cfg_source, auth_password), 0, 1, 4096, NULL, NULL,
     "file holding the basic auth password", .alt = "password"},
    {"password", KT_SENV, O(cfg_source, auth_password), 0, 1, 4096, NULL, NULL,
     "basic auth password, only as \"${VAR}\"", .alt = "password_file"},
    {"api_key_file", KT_SFILE, O(cfg_source, auth_api_key), 0, 1, 4096, NULL, NULL,
     "file holding an API key (\"id:key\" or encoded)", .alt = "api_key"},
    {"api_key", KT_SENV, O(cfg_source, auth_api_key), 0, 1, 4096, NULL, NULL,
     "API key, only as \"${VAR}\"", .alt = "api_key_file"},
};
static const struct cfg_keytab auth_tab = TAB(auth_keys);

static const struct cfg_key source_keys[] = {
    {"url", KT_FN, 0, 0, 0, 0, NULL, NULL,
     "Elasticsearch of the logging-and-metrics cluster (or cloud_id)", .fn = cfg_key_url, .doc_type = "url"},
    {"cloud_id", KT_FN, 0, 0, 0, 0, NULL, NULL, "Elastic Cloud ID, instead of url",
     .fn = cfg_key_cloud_id, .doc_type = "string"},
    {"index", KT_STR, O(cfg_source, index), 0, 1, 1024, "services-logs*", NULL,
     "index pattern(s) holding the ECE API calls", .check = cfg_check_index},
    {"query", KT_FN, 0, 0, 0, 0, NULL, "none", "extra filter: ES query DSL as a JSON object",
     .fn = cfg_key_query, .doc_type = "json"},
    {"timestamp_field", KT_STR, O(cfg_source, timestamp_field), 0, 1, 256, "@timestamp", NULL,
     "event time field, the primary sort"},
    {"page_size", KT_INT, O(cfg_source, page_size), 0, 1, 10000, "1000", NULL,
     "hits per page (one page is one batch)"},
    {"poll_interval", KT_DUR, O(cfg_source, poll_interval_ms), 0, 100, 3600000, "5s", NULL,
     "pause between sweeps once caught up"},
    {"settle_delay", KT_DUR, O(cfg_source, settle_delay_ms), 0, 0, 3600000, "10s", NULL,
     "ignore documents younger than this (late indexing)"},
    {"lookback", KT_DUR, O(cfg_source, lookback_ms), 0, 0, DAY_MS, "5m", NULL,
     "re-read this far behind the watermark (de-duplicated)"},
    {"start_at", KT_FN, 0, 0, 0, 0, "now", NULL,
     "without a checkpoint: \"now\", \"beginning\" or an RFC 3339 time", .fn = cfg_key_start_at, .doc_type = "now|beginning|time"},
    {"use_pit", KT_BOOL, O(cfg_source, use_pit), 0, 0, 0, "true", NULL,
     "page inside a point in time (false: plain search_after)"},
    {"tiebreaker_field", KT_STR, O(cfg_source, tiebreaker_field), 0, 1, 256, "request_id", NULL,
     "second sort field, used only without PIT"},
    {"timeout", KT_DUR, O(cfg_source, timeout_ms), 0, 1000, 600000, "30s", NULL,
     "HTTP request timeout"},
    {"keep_alive", KT_DUR, O(cfg_source, keep_alive_ms), 0, 1000, DAY_MS, "1m", NULL,
     "PIT keep_alive between two pages"},
    {"auth", KT_GROUP, 0, 0, 0, 0, NULL, NULL, "credentials", .sub = &auth_tab},
    {"tls", KT_GROUP, O(cfg_source, tls), 0, 0, 0, NULL, NULL, "TLS to Elasticsearch",
     .sub = &tls_tab},
};
static const struct cfg_keytab source_tab = TAB(source_keys);

static const struct cfg_key checkpoint_keys[] = {
    {"path", KT_STR, O(cfg_checkpoint, path), 0, 1, 4096,
     LOCALSTATEDIR "/lib/ece-auditd/checkpoint.json", NULL, "checkpoint file (mode 0600)"},
    {"max_seen", KT_I64, O(cfg_checkpoint, max_seen), 0, 100, 100000000, "1000000", NULL,
     "cap of the overlap de-duplication set"},
};
static const struct cfg_keytab checkpoint_tab = TAB(checkpoint_keys);

static const struct cfg_key events_keys[] = {
    {"exclude", KT_LIST, O(cfg_events, exclude), O(cfg_events, n_exclude), 0, CFG_MAX_LIST, NULL,
     "none", "event class globs to drop (\"*.read\")"},
    {"include", KT_LIST, O(cfg_events, include), O(cfg_events, n_include), 0, CFG_MAX_LIST, NULL,
     "all", "event class globs to keep; empty = all"},
    {"forward_read_only", KT_BOOL, O(cfg_events, forward_read_only), 0, 0, 0, "false", NULL,
     "also forward read-only calls (GET, searches)"},
};
static const struct cfg_keytab events_tab = TAB(events_keys);

static const struct cfg_key output_keys[] = {
    {"name", KT_STR, O(cfg_output, name), 0, 1, 64, NULL, "<type><n>",
     "unique name, used in logs and metrics", .check = cfg_check_name},
    {"type", KT_ENUM, O(cfg_output, type), 0, 0, 0, NULL, "required", "sink type", .en = cfg_en_type},
    {"format", KT_ENUM, O(cfg_output, format), 0, 0, 0, "cef", NULL, "body format",
     .en = cfg_en_format},
    {"header", KT_ENUM, O(cfg_output, header), 0, 0, 0, NULL, "rfc5424 (kafka: none)",
     "syslog header in front of the body", .en = cfg_en_header},
    {"facility", KT_FAC, O(cfg_output, facility), 0, 0, 23, "audit", NULL,
     "syslog facility: name or 0..23 (audit = 13)"},
    {"hostname", KT_STR, O(cfg_output, hostname), 0, 1, 255, NULL, "gethostname()",
     "syslog HOSTNAME", .check = cfg_check_printascii},
    {"app_name", KT_STR, O(cfg_output, app_name), 0, 1, 48, "ece-auditd", NULL,
     "syslog APP-NAME", .check = cfg_check_printascii},
    {"path", KT_STR, O(cfg_output, path), 0, 1, 4096, NULL, "required",
     "file to append to, \"-\" = stdout", .types = T_FILE},
    {"host", KT_STR, O(cfg_output, host), 0, 1, 255, NULL, "required", "syslog receiver",
     .check = cfg_check_printascii, .types = T_SYSLOG},
    {"port", KT_INT, O(cfg_output, port), 0, 1, 65535, NULL, "514 (udp, tcp), 6514 (tls)",
     "syslog receiver port", .types = T_SYSLOG},
    {"transport", KT_ENUM, O(cfg_output, transport), 0, 0, 0, "tcp", NULL,
     "udp (RFC 5426), tcp (RFC 6587), tls (RFC 5425)", .en = cfg_en_transport, .types = T_SYSLOG},
    {"framing", KT_ENUM, O(cfg_output, framing), 0, 0, 0, NULL, "octet-counting",
     "tcp/tls framing: octet-counting or lf", .en = cfg_en_framing, .types = T_SYSLOG},
    {"max_message", KT_INT, O(cfg_output, max_message), 0, 480, 1048576, NULL,
     "2048 (udp, max 65507), 65536", "longest message in bytes (longer ones are cut)",
     .types = T_SYSLOG},
    {"timeout", KT_DUR, O(cfg_output, timeout_ms), 0, 100, 600000, "10s", NULL,
     "connect and write timeout", .types = T_SYSLOG},
    {"reconnect_max", KT_DUR, O(cfg_output, reconnect_max_ms), 0, 1000, 3600000, "60s", NULL,
     "longest pause between reconnect attempts", .types = T_SYSLOG},
    {"ack_delay", KT_DUR, O(cfg_output, ack_delay_ms), 0, 0, 300000, "2s", NULL,
     "tcp/tls: ack this long after the peer's TCP ack, if still connected (0 = at once)",
     .types = T_SYSLOG},
    {"tls", KT_GROUP, O(cfg_output, tls), 0, 0, 0, NULL, NULL, "TLS (transport = \"tls\")",
     .sub = &tls_tab, .types = T_SYSLOG},
    {"brokers", KT_STR, O(cfg_output, brokers), 0, 1, 4096, NULL, "required",
     "bootstrap brokers \"host:port,host:port\"", .check = cfg_check_printascii, .types = T_KAFKA},
    {"topic", KT_STR, O(cfg_output, topic), 0, 1, 249, NULL, "required", "Kafka topic",
     .check = cfg_check_topic, .types = T_KAFKA},
    {"key", KT_ENUM, O(cfg_output, key), 0, 0, 0, "request_id", NULL, "message key",
     .en = cfg_en_key, .types = T_KAFKA},
    {"properties", KT_FN, 0, 0, 0, CFG_MAX_PROPS, NULL, "none",
     "librdkafka properties [\"name=value\", ...]; values may use ${VAR}", .fn = cfg_key_props,
     .types = T_KAFKA, .doc_type = "[strings]"},
};
const struct cfg_keytab cfg_output_tab = TAB(output_keys);

static const struct cfg_key rule_keys[] = {
    {"name", KT_STR, O(cfg_rule, name), 0, 1, 64, NULL, "required",
     "unique name; alerts have class alert.<name>", .check = cfg_check_name},
    {"match", KT_STR, O(cfg_rule, match), 0, 1, 256, NULL, "required", "event class glob"},
    {"outcome", KT_ENUM, O(cfg_rule, outcome), 0, 0, 0, "any", NULL, "outcome to count",
     .en = cfg_en_outcome},
    {"where", KT_FN, 0, 0, 0, CFG_MAX_CONDS, NULL, "none",
     "{ field = \"glob\"; ... } over user, source_ip, deployment_id, ...", .fn = cfg_key_where, .doc_type = "group"},
    {"group_by", KT_FN, 0, 0, 0, CFG_MAX_GROUPBY, NULL, "none",
     "field or list of fields counted separately", .fn = cfg_key_group_by, .doc_type = "field(s)"},
    {"threshold", KT_INT, O(cfg_rule, threshold), 0, 1, 1000000, "1", NULL,
     "events within window that raise the alert"},
    {"window", KT_DUR, O(cfg_rule, window_ms), 0, 0, 7 * DAY_MS, NULL,
     "required when threshold > 1", "sliding window on event time"},
    {"suppress", KT_DUR, O(cfg_rule, suppress_ms), 0, 0, 7 * DAY_MS, NULL, "= window",
     "no repeat alert for a group within this time"},
    {"severity", KT_INT, O(cfg_rule, severity), 0, 0, 10, "7", NULL, "alert severity 0..10"},
    {"max_groups", KT_INT, O(cfg_rule, max_groups), 0, 1, 10000000, "10000", NULL,
     "cap of tracked groups (memory bound)"},
};
const struct cfg_keytab cfg_rule_tab = TAB(rule_keys);

static const struct cfg_key metrics_keys[] = {
    {"path", KT_STR, O(cfg_metrics, path), 0, 1, 4096, NULL, "off",
     "Prometheus textfile to rewrite"},
    {"interval", KT_DUR, O(cfg_metrics, interval_ms), 0, 1000, 3600000, "15s", NULL,
     "how often to write it"},
};
static const struct cfg_keytab metrics_tab = TAB(metrics_keys);

static const struct cfg_key log_keys[] = {
    {"level", KT_CHOICE, O(cfg_log, level), 0, 0, 0, "info", NULL, "least important level logged",
     .en = cfg_en_level},
    {"target", KT_CHOICE, O(cfg_log, target), 0, 0, 0, "stderr", NULL, "stderr (journald) or syslog",
     .en = cfg_en_target},
};
static const struct cfg_keytab log_tab = TAB(log_keys);

static const struct cfg_key agent_keys[] = {
    {"drain_timeout", KT_DUR, O(cfg, drain_timeout_ms), 0, 0, 600000, "10s", NULL,
     "on SIGTERM, wait this long for in-flight batches"},
    {"max_batches_in_flight", KT_INT, O(cfg, max_batches_in_flight), 0, 1, 64, "16", NULL,
     "pages sent but not yet acknowledged"},
};
static const struct cfg_keytab agent_tab = TAB(agent_keys);

static const struct cfg_key top_keys[] = {
    {"source", KT_GROUP, O(cfg, source), 0, 0, 0, NULL, NULL, "", .sub = &source_tab},
    {"checkpoint", KT_GROUP, O(cfg, checkpoint), 0, 0, 0, NULL, NULL, "", .sub = &checkpoint_tab},
    {"events", KT_GROUP, O(cfg, events), 0, 0, 0, NULL, NULL, "", .sub = &events_tab},
    {"outputs", KT_FN, 0, 0, 0, CFG_MAX_OUTPUTS, NULL, "none",
     "( { output }, ... ): every event goes to each", .sub = &cfg_output_tab, .fn = cfg_key_outputs, .doc_type = "list"},
    {"rules", KT_FN, 0, 0, 0, CFG_MAX_RULES, NULL, "none",
     "( { rule }, ... ): threshold detections", .sub = &cfg_rule_tab, .fn = cfg_key_rules, .doc_type = "list"},
    {"metrics", KT_GROUP, O(cfg, metrics), 0, 0, 0, NULL, NULL, "", .sub = &metrics_tab},
    {"log", KT_GROUP, O(cfg, log), 0, 0, 0, NULL, NULL, "", .sub = &log_tab},
    {"agent", KT_GROUP, 0, 0, 0, 0, NULL, NULL, "", .sub = &agent_tab},
};
const struct cfg_keytab cfg_top_tab = TAB(top_keys);

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = v != NULL ? xstrdup(v) : NULL;
}

const char *cfg_enum_name(const struct cfg_enum *en, int value)
{
    for (; en->name != NULL; en++) {
        if (en->value == value)
            return en->name;
    }
    return "?";
}

const char *cfg_types_text(unsigned mask)
{
    return mask == T_FILE ? "file" : mask == T_SYSLOG ? "syslog" : mask == T_KAFKA ? "kafka" : "?";
}

/* Built-in defaults come from the same tables (the "def" column). */
void cfg_apply_defaults(const struct cfg_keytab *t, void *base)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct cfg_key *k = &t->keys[i];
        void *p = (char *)base + k->off;
        int64_t ms;

        if (k->type == KT_GROUP) {
            cfg_apply_defaults(k->sub, p);
            continue;
        }
        if (k->def == NULL)
            continue;
        switch (k->type) {
        case KT_STR:
        case KT_CHOICE:
            set_str(p, k->def);
            break;
        case KT_INT:
            *(int *)p = (int)strtol(k->def, NULL, 10);
            break;
        case KT_I64:
            *(int64_t *)p = strtoll(k->def, NULL, 10);
            break;
        case KT_BOOL:
            *(bool *)p = strcmp(k->def, "true") == 0;
            break;
        case KT_DUR:
            if (cfg_parse_duration(k->def, &ms) == 0)
                *(int64_t *)p = ms;
            break;
        case KT_ENUM:
            for (const struct cfg_enum *en = k->en; en->name != NULL; en++) {
                if (strcmp(en->name, k->def) == 0)
                    *(int *)p = en->value;
            }
            break;
        case KT_FAC:
            cfg_parse_facility(k->def, p);
            break;
        default:                                  /* start_at "now" is the zero value */
            break;
        }
    }
}

void cfg_defaults(struct cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg_apply_defaults(&cfg_top_tab, cfg);
}

const struct cfg_key *cfg_find_key(const struct cfg_keytab *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->keys[i].name, name) == 0)
            return &t->keys[i];
    }
    return NULL;
}

static void free_tls(struct cfg_tls *tls)
{
    free(tls->ca_file);
    free(tls->cert_file);
    free(tls->key_file);
    free(tls->server_name);
    secret_free(&tls->key_password);
}

void cfg_output_free(struct cfg_output *out)
{
    free(out->name);
    free(out->hostname);
    free(out->app_name);
    free(out->path);
    free(out->host);
    free(out->brokers);
    free(out->topic);
    free_tls(&out->tls);
    for (int j = 0; j < out->n_props; j++) {
        free(out->props[j].name);
        secret_wipe_str(out->props[j].value);
    }
    memset(out, 0, sizeof(*out));
}

void cfg_free(struct cfg *cfg)
{
    struct cfg_source *src = &cfg->source;

    free(cfg->file);
    free(src->url);
    free(src->cloud_id);
    free(src->index);
    free(src->query);
    free(src->timestamp_field);
    free(src->tiebreaker_field);
    free(src->auth_username);
    secret_free(&src->auth_password);
    secret_free(&src->auth_api_key);
    free_tls(&src->tls);
    free(cfg->checkpoint.path);
    for (int i = 0; i < cfg->events.n_exclude; i++)
        free(cfg->events.exclude[i]);
    for (int i = 0; i < cfg->events.n_include; i++)
        free(cfg->events.include[i]);
    for (int i = 0; i < cfg->n_outputs; i++)
        cfg_output_free(&cfg->outputs[i]);
    for (int i = 0; i < cfg->n_rules; i++) {
        free(cfg->rules[i].name);
        free(cfg->rules[i].match);
        for (int j = 0; j < cfg->rules[i].n_conds; j++)
            free(cfg->rules[i].conds[j].value);
    }
    free(cfg->metrics.path);
    free(cfg->log.level);
    free(cfg->log.target);
    memset(cfg, 0, sizeof(*cfg));
}

static void join(char *out, const char *prefix, const char *name)
{
    int n = snprintf(out, PATH_MAX_KEY, "%s%s%s", prefix, *prefix != '\0' ? "." : "", name);

    if (n < 0)
        out[0] = '\0';
}

static const char *key_type(const struct cfg_key *k, char *buf, size_t n)
{
    static const char *const names[] = {
        [KT_STR] = "string", [KT_PATH] = "path", [KT_BOOL] = "bool", [KT_FAC] = "facility",
        [KT_LIST] = "[strings]", [KT_SFILE] = "secret-file", [KT_SENV] = "secret-env"};
    char lo[CFG_DURATION_MAX], hi[CFG_DURATION_MAX];
    size_t len = 0;

    switch (k->type) {
    case KT_INT:
    case KT_I64:
        snprintf(buf, n, "int(%lld..%lld)", (long long)k->min, (long long)k->max);
        return buf;
    case KT_DUR:
        cfg_format_duration(k->min, lo);
        cfg_format_duration(k->max, hi);
        snprintf(buf, n, "duration(%s..%s)", lo, hi);
        return buf;
    case KT_ENUM:
    case KT_CHOICE:
        buf[0] = '\0';
        for (const struct cfg_enum *en = k->en; en->name != NULL && len < n; en++)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", len > 0 ? "|" : "", en->name);
        return buf;
    case KT_FN:
        return k->doc_type;
    default:
        return names[k->type];
    }
}

static void print_tab(FILE *fp, const struct cfg_keytab *t, const char *prefix)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct cfg_key *k = &t->keys[i];
        char path[PATH_MAX_KEY], type[128];
        const char *def = k->def != NULL ? k->def : k->doc_def != NULL ? k->doc_def : "-";

        join(path, prefix, k->name);
        if (k->type == KT_GROUP) {
            print_tab(fp, k->sub, path);
            continue;
        }
        fprintf(fp, "%-34s  %-22s  %-20s  %s%s%s%s\n", path, key_type(k, type, sizeof(type)),
                def, k->desc, k->types != 0 ? " [type " : "",
                k->types != 0 ? cfg_types_text(k->types) : "", k->types != 0 ? "]" : "");
        if (k->sub != NULL)
            print_tab(fp, k->sub, path);
    }
}

void cfg_print_keys(FILE *fp)
{
    print_tab(fp, &cfg_top_tab, "");
}
