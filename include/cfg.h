/* cfg.h - the agent's configuration as plain, fully defaulted and validated data.
 * Only cfg.c knows libconfig; everything else reads struct cfg. */
#ifndef ECE_CFG_H
#define ECE_CFG_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "err.h"

#define CFG_MAX_OUTPUTS 16
#define CFG_MAX_RULES   64
#define CFG_MAX_LIST    32
#define CFG_MAX_PROPS   64
#define CFG_MAX_GROUPBY 4
#define CFG_MAX_CONDS   8

/* A secret read from a file or ${ENV}; wiped on free and never logged. */
struct secret {
    char *value;   /* NULL when not set */
    char *origin;  /* "file /etc/ece-auditd/es-password" or "env ES_PASSWORD": printable */
};

struct cfg_tls {
    bool verify;          /* default true */
    char *ca_file;        /* NULL = system store */
    char *cert_file;      /* client certificate */
    char *key_file;
    struct secret key_password;
    char *server_name;    /* SNI / verification name override */
};

enum start_at { START_NOW = 0, START_BEGINNING, START_TIME };

struct cfg_source {
    char *url;            /* from url or decoded cloud_id */
    char *cloud_id;
    char *index;          /* default "services-logs*" style pattern */
    char *query;          /* extra filter, ES query DSL as JSON text; NULL = none */
    char *timestamp_field;
    int page_size;
    int64_t poll_interval_ms;
    int64_t settle_delay_ms;
    int64_t lookback_ms;
    enum start_at start_at;
    int64_t start_time_ms;   /* START_TIME */
    bool use_pit;
    char *tiebreaker_field;
    int64_t timeout_ms;
    int64_t keep_alive_ms;   /* PIT keep_alive, default 1m */
    char *auth_username;
    struct secret auth_password;
    struct secret auth_api_key;  /* "id:key" or already encoded */
    struct cfg_tls tls;
};

struct cfg_checkpoint {
    char *path;
    int64_t max_seen;        /* cap on the overlap de-dup set, default 1000000 */
};

struct cfg_events {
    bool forward_read_only;
    int n_exclude;
    char *exclude[CFG_MAX_LIST];   /* class globs */
    int n_include;
    char *include[CFG_MAX_LIST];   /* class globs; empty = all */
};

enum out_type { OUT_TYPE_FILE = 0, OUT_TYPE_SYSLOG, OUT_TYPE_KAFKA };
enum out_transport { TRANSPORT_UDP = 0, TRANSPORT_TCP, TRANSPORT_TLS };
enum out_framing { FRAMING_OCTET = 0, FRAMING_LF };
enum out_header { HEADER_RFC5424 = 0, HEADER_RFC3164, HEADER_NONE };
enum out_format { FORMAT_CEF = 0, FORMAT_LEEF, FORMAT_JSON };
enum kafka_key { KEY_REQUEST_ID = 0, KEY_DEPLOYMENT_ID, KEY_USER, KEY_NONE };

struct cfg_prop {
    char *name;
    char *value;
    bool secret;          /* sasl.password, ssl.key.password, ...: never printed */
};

struct cfg_output {
    char *name;
    enum out_type type;
    enum out_format format;
    enum out_header header;
    int facility;             /* 0..23, default 13 (log audit) */
    char *hostname;           /* syslog HOSTNAME; NULL = gethostname() */
    char *app_name;           /* default "ece-auditd" */
    /* file */
    char *path;               /* "-" = stdout */
    /* syslog */
    char *host;
    int port;
    enum out_transport transport;
    enum out_framing framing;
    int max_message;          /* bytes; UDP default 2048, TCP default 65536 */
    int64_t timeout_ms;
    int64_t reconnect_max_ms;
    int64_t ack_delay_ms;     /* tcp/tls: ack this long after the TCP ack; default 2s, 0 = off */
    struct cfg_tls tls;
    /* kafka */
    char *brokers;
    char *topic;
    enum kafka_key key;
    int n_props;
    struct cfg_prop props[CFG_MAX_PROPS];
    int cfg_line;             /* where it was defined, for messages */
};

enum rule_field {
    RF_USER = 0, RF_SOURCE_IP, RF_DEPLOYMENT_ID, RF_DEPLOYMENT_NAME, RF_CLASS, RF_OUTCOME,
    RF_METHOD, RF_REGION, RF_STATUS, RF_API_KEY_ID, RF_COUNT_ /* number of fields */
};

struct cfg_rule_cond {
    enum rule_field field;
    char *value;              /* glob */
};

struct cfg_rule {
    char *name;
    char *match;              /* class glob */
    int outcome;              /* -1 any, else enum ev_outcome */
    int n_conds;
    struct cfg_rule_cond conds[CFG_MAX_CONDS];
    int n_group_by;
    enum rule_field group_by[CFG_MAX_GROUPBY];
    int threshold;
    int64_t window_ms;
    int64_t suppress_ms;      /* default = window */
    int severity;
    int max_groups;           /* default 10000 */
    int cfg_line;
};

struct cfg_metrics {
    char *path;               /* Prometheus textfile; NULL = off */
    int64_t interval_ms;
};

struct cfg_log {
    char *level;              /* "info" */
    char *target;             /* "stderr" | "syslog" */
};

struct cfg {
    char *file;               /* the file it came from; NULL = built-in defaults */
    struct cfg_source source;
    struct cfg_checkpoint checkpoint;
    struct cfg_events events;
    int n_outputs;
    struct cfg_output outputs[CFG_MAX_OUTPUTS];
    int n_rules;
    struct cfg_rule rules[CFG_MAX_RULES];
    struct cfg_metrics metrics;
    struct cfg_log log;
    int64_t drain_timeout_ms; /* SIGTERM drain bound, default 10s */
    int max_batches_in_flight;/* default 16 */
};

/** @brief Fill @p cfg with built-in defaults (no outputs). */
void cfg_defaults(struct cfg *cfg);

/**
 * @brief Load and validate a libconfig file into @p cfg (which cfg_defaults() filled).
 * Errors are ERR_CONFIG with the message "FILE:LINE: key: message".
 */
int cfg_load(struct cfg *cfg, const char *path, struct err *err);

/** @brief Free one output's allocations (used when --stdout replaces the outputs). */
void cfg_output_free(struct cfg_output *co);

/** @brief Free everything (secrets are wiped). */
void cfg_free(struct cfg *cfg);

/** @brief Print the one-screen summary for --check-config (no secrets). */
void cfg_print_summary(const struct cfg *cfg, FILE *fp);

/**
 * @brief Print every configuration key, one per line: "group.key  type  default  description"
 * (for --help-config and the man page). Generated from the loader's own key table.
 */
void cfg_print_keys(FILE *fp);

/* pure value parsers (cfg_parse.c) */
/** @brief "500ms", "5s", "5m", "1h" (and "0") -> milliseconds. */
int cfg_parse_duration(const char *s, int64_t *ms);
/** @brief "authpriv", "local0", "13" -> 0..23. */
int cfg_parse_facility(const char *s, int *fac);
/** @brief Decode an Elastic Cloud ID into "https://<es_uuid>.<host>:<port>" (allocated). */
int cfg_decode_cloud_id(const char *cloud_id, char **url, struct err *err);
/** @brief Expand ${VAR} references from the environment (allocated). -1 if a var is unset. */
int cfg_expand_env(const char *in, char **out, struct err *err);
/** @brief Field name ("user", "source_ip", ...) -> enum rule_field. */
int cfg_parse_rule_field(const char *s, enum rule_field *f);
const char *cfg_rule_field_name(enum rule_field f);
/** @brief Shell-style glob ('*' and '?') match. */
bool cfg_glob_match(const char *pattern, const char *s);

void secret_free(struct secret *s);

#endif
