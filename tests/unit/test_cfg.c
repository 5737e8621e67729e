/* test_cfg.c - cfg_load() on fixtures and generated files: every value, every error class
 * with its exact "FILE:LINE: key: message", secrets kept out of the summary, and the
 * sample config documenting every key of the loader's table. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "cfg.h"
#include "event.h"

#define SRC(rel) CFG_TEST_SRCDIR "/" rel

static char tmpdir[] = "/tmp/test_cfg.XXXXXX";

/* ---- helpers ----------------------------------------------------------------------------- */

static char *tpath(const char *name)
{
    static char buf[4][512];
    static int next;
    char *p = buf[next++ % 4];

    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "r");
    char *buf;
    long n;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    rewind(fp);
    buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    return buf;
}

/* Write @p text as a config file and load it. */
static int load_text(struct cfg *cfg, struct err *err, const char *text)
{
    const char *path = tpath("t.conf");

    write_file(path, text, 0644);
    cfg_defaults(cfg);
    err_clear(err);
    return cfg_load(cfg, path, err);
}

static char *summary(const struct cfg *cfg, int *lines)
{
    const char *path = tpath("summary.txt");
    FILE *fp = fopen(path, "w");
    char *text;

    assert_non_null(fp);
    cfg_print_summary(cfg, fp);
    fclose(fp);
    text = read_file(path);
    *lines = 0;
    for (const char *p = text; *p != '\0'; p++)
        *lines += *p == '\n';
    return text;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    setenv("ECE_TEST_PW", "pw-from-env-1", 1);
    setenv("ECE_TEST_KEYPW", "keypw-from-env-2", 1);
    setenv("ECE_TEST_KAFKA_PW", "kafka-from-env-3", 1);
    unsetenv("ECE_TEST_UNSET");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- defaults and a full file ------------------------------------------------------------ */

static void test_defaults(void **state)
{
    struct cfg cfg;
    (void)state;
    cfg_defaults(&cfg);
    assert_null(cfg.file);
    assert_null(cfg.source.url);
    assert_string_equal(cfg.source.index, "services-logs*");
    assert_null(cfg.source.query);
    assert_string_equal(cfg.source.timestamp_field, "@timestamp");
    assert_int_equal(cfg.source.page_size, 1000);
    assert_true(cfg.source.poll_interval_ms == 5000);
    assert_true(cfg.source.settle_delay_ms == 10000);
    assert_true(cfg.source.lookback_ms == 5 * 60000);
    assert_int_equal(cfg.source.start_at, START_NOW);
    assert_true(cfg.source.use_pit);
    assert_string_equal(cfg.source.tiebreaker_field, "request_id");
    assert_true(cfg.source.timeout_ms == 30000);
    assert_true(cfg.source.keep_alive_ms == 60000);
    assert_true(cfg.source.tls.verify);
    assert_null(cfg.source.auth_username);
    assert_null(cfg.source.auth_password.value);
    assert_string_equal(cfg.checkpoint.path, LOCALSTATEDIR "/lib/ece-auditd/checkpoint.json");
    assert_true(cfg.checkpoint.max_seen == 1000000);
    assert_false(cfg.events.forward_read_only);
    assert_int_equal(cfg.events.n_exclude, 0);
    assert_int_equal(cfg.events.n_include, 0);
    assert_int_equal(cfg.n_outputs, 0);
    assert_int_equal(cfg.n_rules, 0);
    assert_null(cfg.metrics.path);
    assert_true(cfg.metrics.interval_ms == 15000);
    assert_string_equal(cfg.log.level, "info");
    assert_string_equal(cfg.log.target, "stderr");
    assert_true(cfg.drain_timeout_ms == 10000);
    assert_int_equal(cfg.max_batches_in_flight, 16);
    cfg_free(&cfg);
}

static void test_valid_full(void **state)
{
    struct cfg cfg;
    struct err err = {0};
    const struct cfg_output *o;
    const struct cfg_rule *r;
    (void)state;
    cfg_defaults(&cfg);
    if (cfg_load(&cfg, SRC("tests/unit/cfg/valid-full.conf"), &err) < 0)
        fail_msg("%s", err.msg);
    assert_string_equal(cfg.file, SRC("tests/unit/cfg/valid-full.conf"));
    /* "example.com:9243$abc$def" */
    assert_string_equal(cfg.source.url, "https://abc.example.com:9243");
    assert_string_equal(cfg.source.cloud_id, "prod:ZXhhbXBsZS5jb206OTI0MyRhYmMkZGVm");
    assert_string_equal(cfg.source.index, "service-logs-*,services-logs*");
    assert_string_equal(cfg.source.query, "{\"term\":{\"method\":\"DELETE\"}}");
    assert_string_equal(cfg.source.timestamp_field, "event_time");
    assert_int_equal(cfg.source.page_size, 500);
    assert_true(cfg.source.poll_interval_ms == 2000);
    assert_true(cfg.source.settle_delay_ms == 30000);
    assert_true(cfg.source.lookback_ms == 600000);
    assert_int_equal(cfg.source.start_at, START_TIME);
    assert_true(cfg.source.start_time_ms == 1795166043120LL);  /* 2026-11-20T09:14:03.120Z */
    assert_false(cfg.source.use_pit);
    assert_string_equal(cfg.source.tiebreaker_field, "request_id.keyword");
    assert_true(cfg.source.timeout_ms == 60000);
    assert_true(cfg.source.keep_alive_ms == 300000);
    assert_string_equal(cfg.source.auth_username, "ece-auditd");
    assert_string_equal(cfg.source.auth_password.value, "pw-from-env-1");
    assert_string_equal(cfg.source.auth_password.origin, "env ECE_TEST_PW");
    assert_null(cfg.source.auth_api_key.value);
    assert_false(cfg.source.tls.verify);
    assert_string_equal(cfg.source.tls.ca_file, "/dev/null");
    assert_string_equal(cfg.source.tls.server_name, "logging.internal");
    assert_string_equal(cfg.checkpoint.path, "/tmp/ece-auditd-test/cp.json");
    assert_true(cfg.checkpoint.max_seen == 5000);
    assert_int_equal(cfg.events.n_exclude, 2);
    assert_string_equal(cfg.events.exclude[0], "*.read");
    assert_string_equal(cfg.events.exclude[1], "auth.token.refresh");
    assert_int_equal(cfg.events.n_include, 1);               /* a single string is a list */
    assert_string_equal(cfg.events.include[0], "deployment.*");
    assert_true(cfg.events.forward_read_only);

    assert_int_equal(cfg.n_outputs, 4);
    o = &cfg.outputs[0];
    assert_string_equal(o->name, "file1");
    assert_int_equal(o->type, OUT_TYPE_FILE);
    assert_string_equal(o->path, "-");
    assert_int_equal(o->format, FORMAT_JSON);
    assert_int_equal(o->header, HEADER_RFC5424);
    assert_int_equal(o->cfg_line, 23);
    o = &cfg.outputs[1];
    assert_string_equal(o->name, "siem");
    assert_int_equal(o->type, OUT_TYPE_SYSLOG);
    assert_string_equal(o->host, "siem.example");
    assert_int_equal(o->transport, TRANSPORT_TLS);
    assert_int_equal(o->port, 6514);
    assert_int_equal(o->framing, FRAMING_LF);
    assert_int_equal(o->header, HEADER_RFC3164);
    assert_int_equal(o->format, FORMAT_LEEF);
    assert_int_equal(o->facility, 10);
    assert_string_equal(o->hostname, "collector-1");
    assert_string_equal(o->app_name, "ece");
    assert_true(o->timeout_ms == 5000);
    assert_true(o->reconnect_max_ms == 120000);
    assert_true(o->ack_delay_ms == 500);
    assert_int_equal(o->max_message, 65536);
    assert_true(o->tls.verify);
    assert_string_equal(o->tls.cert_file, "/dev/null");
    assert_string_equal(o->tls.key_password.value, "keypw-from-env-2");
    o = &cfg.outputs[2];
    assert_string_equal(o->name, "syslog2");                 /* the second syslog output */
    assert_int_equal(o->transport, TRANSPORT_UDP);
    assert_int_equal(o->port, 514);
    assert_int_equal(o->max_message, 2048);
    assert_int_equal(o->facility, 4);
    o = &cfg.outputs[3];
    assert_string_equal(o->name, "bus");
    assert_int_equal(o->type, OUT_TYPE_KAFKA);
    assert_string_equal(o->brokers, "k1:9092,k2:9092");
    assert_string_equal(o->topic, "ece-audit");
    assert_int_equal(o->key, KEY_USER);
    assert_int_equal(o->header, HEADER_NONE);                /* kafka: a bare body */
    assert_int_equal(o->format, FORMAT_CEF);
    assert_int_equal(o->n_props, 3);
    assert_string_equal(o->props[0].name, "compression.type");
    assert_string_equal(o->props[0].value, "zstd");
    assert_false(o->props[0].secret);
    assert_string_equal(o->props[1].name, "sasl.password");
    assert_string_equal(o->props[1].value, "kafka-from-env-3");
    assert_true(o->props[1].secret);
    assert_string_equal(o->props[2].value, "all");

    assert_int_equal(cfg.n_rules, 2);
    r = &cfg.rules[0];
    assert_string_equal(r->name, "login-bruteforce");
    assert_string_equal(r->match, "auth.login.failure");
    assert_int_equal(r->outcome, OUTCOME_FAILURE);
    assert_int_equal(r->n_group_by, 2);
    assert_int_equal(r->group_by[0], RF_USER);
    assert_int_equal(r->group_by[1], RF_SOURCE_IP);
    assert_int_equal(r->threshold, 3);
    assert_true(r->window_ms == 300000);
    assert_true(r->suppress_ms == 300000);                    /* defaults to the window */
    assert_int_equal(r->severity, 8);
    assert_int_equal(r->max_groups, 500);
    r = &cfg.rules[1];
    assert_int_equal(r->outcome, -1);
    assert_int_equal(r->threshold, 1);
    assert_int_equal(r->n_conds, 3);
    assert_int_equal(r->conds[0].field, RF_USER);
    assert_string_equal(r->conds[0].value, "admin");
    assert_int_equal(r->conds[1].field, RF_SOURCE_IP);
    assert_string_equal(r->conds[1].value, "10.8.*");
    assert_int_equal(r->conds[2].field, RF_STATUS);
    assert_string_equal(r->conds[2].value, "200");
    assert_true(r->suppress_ms == 3600000);
    assert_int_equal(r->severity, 7);
    assert_int_equal(r->max_groups, 10000);

    assert_string_equal(cfg.metrics.path, "/tmp/ece-auditd-test/metrics.prom");
    assert_true(cfg.metrics.interval_ms == 30000);
    assert_string_equal(cfg.log.level, "debug");
    assert_string_equal(cfg.log.target, "syslog");
    assert_true(cfg.drain_timeout_ms == 20000);
    assert_int_equal(cfg.max_batches_in_flight, 8);
    cfg_free(&cfg);
    assert_null(cfg.source.url);                              /* cfg_free clears */
}

/* ---- errors ------------------------------------------------------------------------------ */

static void test_fixture_errors(void **state)
{
    static const struct {
        const char *file;   /* the file named in the message */
        const char *load;   /* the file given to cfg_load (NULL = file) */
        int line;
        const char *rest;
    } rows[] = {
        {"err-unknown-key.conf", NULL, 4,
         "source.pagesize: unknown key (did you mean 'page_size'?)"},
        {"err-wrong-type.conf", NULL, 3, "source.page_size: expected an integer"},
        {"err-bad-duration.conf", NULL, 4,
         "source.poll_interval: invalid duration '5x' (a whole number with ms, s, m or h)"},
        {"err-out-of-range.conf", NULL, 1, "source.page_size: 20000 out of range (1..10000)"},
        {"err-missing-required.conf", NULL, 3, "outputs[1].host: required for type \"syslog\""},
        {"err-secret-file.conf", NULL, 5,
         "source.auth.password_file: cannot read /nonexistent/ece-auditd-test/es-password: "
         "No such file or directory"},
        {"err-bad-enum.conf", NULL, 3,
         "outputs[0].format: invalid value 'xml' (allowed: cef, leef, json)"},
        {"err-dup-output.conf", NULL, 4,
         "outputs[2].name: duplicate output name 'siem' (also at line 2)"},
        {"err-syntax.conf", NULL, 3, "syntax error"},
        {"include-part.conf", "include-main.conf", 3, "checkpoint.bogus: unknown key"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char load[512], want[1024];
        struct err err = {0};
        struct cfg cfg;

        snprintf(load, sizeof(load), SRC("tests/unit/cfg/%s"),
                 rows[i].load != NULL ? rows[i].load : rows[i].file);
        snprintf(want, sizeof(want), SRC("tests/unit/cfg/%s:%d: %s"), rows[i].file, rows[i].line,
                 rows[i].rest);
        cfg_defaults(&cfg);
        if (cfg_load(&cfg, load, &err) != -1 || err.kind != ERR_CONFIG ||
            strcmp(err.msg, want) != 0)
            fail_msg("%s:\n got  '%s'\n want '%s'", rows[i].file, err.msg, want);
        cfg_free(&cfg);
    }
}

#define SRCU "source = { url = \"https://es.example:9200\"; "

static const struct {
    const char *text;
    int line;
    const char *rest;
} inline_errors[] = {
    /* groups and keys */
    {"sources = { };\n", 1, "sources: unknown key (did you mean 'source'?)"},
    {"log = { level = \"info\";\n  targt = \"syslog\"; };\n", 2,
     "log.targt: unknown key (did you mean 'target'?)"},
    {SRCU "zzzzzz = 1; };\n", 1, "source.zzzzzz: unknown key"},
    {"source = \"https://es.example\";\n", 1, "source: expected a group { key = value; ... }"},
    {SRCU "use_pit = \"yes\"; };\n", 1, "source.use_pit: expected true or false"},
    {SRCU "index = 5; };\n", 1, "source.index: expected a string in double quotes"},
    {SRCU "index = \"\"; };\n", 1, "source.index: must not be empty"},
    {SRCU "index = \"a/b\"; };\n", 1,
     "source.index: 'a/b' contains a character not allowed in an index pattern"},
    {SRCU "timeout = \"0\"; };\n", 1, "source.timeout: 0 out of range (1s..10m)"},
    {SRCU "timeout = 30; };\n", 1,
     "source.timeout: expected a duration in double quotes, such as \"5s\""},
    {SRCU "lookback = \"2h\";\n lookback2 = 1; };\n", 2,
     "source.lookback2: unknown key (did you mean 'lookback'?)"},
    /* source: url, cloud_id, query, start_at */
    {"source = {\n  index = \"x\";\n};\n", 1, "source.url: required (or source.cloud_id)"},
    {SRCU "\n  cloud_id = \"x:ZXhhbXBsZS5jb206OTI0MyRhYmMkZGVm\"; };\n", 2,
     "source.cloud_id: conflicts with source.url (set only one)"},
    {"source = { cloud_id = \"x:aG9zdG9ubHk=\"; };\n", 1,
     "source.cloud_id: invalid cloud_id: expected host$es_uuid$kibana_uuid"},
    {"source = { url = \"es.example:9200\"; };\n", 1,
     "source.url: must start with https:// or http://"},
    {"source = { url = \"https://elastic:hunter2@es.example\"; };\n", 1,
     "source.url: must not hold credentials (use source.auth)"},
    {SRCU "query = \"{\\\"term\\\":\"; };\n", 1, "source.query: is not valid JSON"},
    {SRCU "query = \"[1,2]\"; };\n", 1, "source.query: must be a JSON object (an ES query clause)"},
    {SRCU "start_at = \"yesterday\"; };\n", 1,
     "source.start_at: invalid value 'yesterday' (allowed: now, beginning or an RFC 3339 time "
     "such as \"2024-05-01T00:00:00Z\")"},
    /* source: auth and tls */
    {SRCU "\n auth = {\n  password = \"hunter2\"; }; };\n", 3,
     "source.auth.password: a secret may not be written in the file; use the *_file key or "
     "\"${VAR}\""},
    {SRCU "auth = { username = \"u\";\n password = \"${ECE_TEST_UNSET}\"; }; };\n", 2,
     "source.auth.password: environment variable ECE_TEST_UNSET is not set"},
    {SRCU "\n auth = { username = \"u\"; }; };\n", 2,
     "source.auth.password_file: required with username (or password = \"${VAR}\")"},
    {SRCU "\n auth = { password = \"${ECE_TEST_PW}\"; }; };\n", 2,
     "source.auth.username: required with a password"},
    {SRCU "auth = { password = \"${ECE_TEST_PW}\";\n password_file = \"/nonexistent\"; }; };\n",
     2, "source.auth.password_file: conflicts with 'password' (set only one)"},
    {SRCU "\n auth = { username = \"u\"; password = \"${ECE_TEST_PW}\";\n"
          " api_key = \"${ECE_TEST_KEYPW}\"; }; };\n", 2,
     "source.auth.api_key_file: conflicts with username/password (choose one method)"},
    {SRCU "tls = {\n ca_file = \"/nonexistent/ca.pem\"; }; };\n", 2,
     "source.tls.ca_file: cannot read /nonexistent/ca.pem: No such file or directory"},
    {SRCU "\n tls = { cert_file = \"/dev/null\"; }; };\n", 2,
     "source.tls.key_file: required: cert_file and key_file go together"},
    /* checkpoint, events, metrics, log, agent */
    {"checkpoint = { max_seen = 10; };\n", 1,
     "checkpoint.max_seen: 10 out of range (100..100000000)"},
    {"events = { exclude = [ 1 ]; };\n", 1, "events.exclude: expected a string in double quotes"},
    {"events = { exclude = ( \"a\",\n \"\" ); };\n", 2, "events.exclude: empty entry"},
    {"events = { include = { a = 1; }; };\n", 1,
     "events.include: expected a string or a list of strings [ \"a\", \"b\" ]"},
    {"log = { level = \"verbose\"; };\n", 1,
     "log.level: invalid value 'verbose' (allowed: error, warn, info, debug)"},
    {"metrics = { interval = \"500ms\"; };\n", 1, "metrics.interval: 500ms out of range (1s..1h)"},
    {"agent = { max_batches_in_flight = 0; };\n", 1,
     "agent.max_batches_in_flight: 0 out of range (1..64)"},
    /* outputs */
    {"outputs = { type = \"file\"; };\n", 1,
     "outputs: expected a list of groups ( { ... }, { ... } )"},
    {"outputs = ( \"file\" );\n", 1, "outputs[0]: expected a group { type = \"...\"; ... }"},
    {"outputs = (\n { path = \"-\"; } );\n", 2, "outputs[0].type: required (file, syslog or kafka)"},
    {"outputs = ( { type = \"splunk\"; } );\n", 1,
     "outputs[0].type: invalid value 'splunk' (allowed: file, syslog, kafka)"},
    {"outputs = ( { type = \"file\"; path = \"-\";\n topic = \"x\"; } );\n", 2,
     "outputs[0].topic: applies only to type \"kafka\""},
    {"outputs = ( { type = \"file\"; } );\n", 1, "outputs[0].path: required for type \"file\""},
    {"outputs = ( { type = \"kafka\"; brokers = \"k:9092\"; } );\n", 1,
     "outputs[0].topic: required for type \"kafka\""},
    {"outputs = ( { type = \"kafka\"; topic = \"t\"; } );\n", 1,
     "outputs[0].brokers: required for type \"kafka\""},
    {"outputs = ( { type = \"kafka\"; brokers = \"k\"; topic = \"a b\"; } );\n", 1,
     "outputs[0].topic: 'a b' may contain only letters, digits, '.', '_' and '-'"},
    {"outputs = ( { name = \"my siem\"; type = \"file\"; path = \"-\"; } );\n", 1,
     "outputs[0].name: 'my siem' may contain only letters, digits, '_' and '-'"},
    {"outputs = ( { type = \"syslog\"; host = \"h\"; transport = \"udp\";\n"
     " framing = \"lf\"; } );\n", 2,
     "outputs[0].framing: applies only to transport tcp or tls"},
    {"outputs = ( { type = \"syslog\"; host = \"h\"; transport = \"tcp\";\n"
     " tls = { verify = true; }; } );\n", 2, "outputs[0].tls: needs transport = \"tls\""},
    {"outputs = ( { type = \"syslog\"; host = \"h\"; transport = \"udp\";\n"
     " ack_delay = \"1s\"; } );\n", 2,
     "outputs[0].ack_delay: applies only to transport tcp or tls"},
    {"outputs = ( { type = \"file\"; path = \"-\";\n ack_delay = \"1s\"; } );\n", 2,
     "outputs[0].ack_delay: applies only to type \"syslog\""},
    {"outputs = ( { type = \"syslog\"; host = \"h\"; ack_delay = \"10m\"; } );\n", 1,
     "outputs[0].ack_delay: 10m out of range (0..5m)"},
    {"outputs = ( { type = \"syslog\"; host = \"h\"; ack_delay = \"-1s\"; } );\n", 1,
     "outputs[0].ack_delay: invalid duration '-1s' (a whole number with ms, s, m or h)"},
    {"outputs = ( { type = \"syslog\"; host = \"h\"; transport = \"udp\";\n"
     " max_message = 70000; } );\n", 2,
     "outputs[0].max_message: 70000 out of range for udp (480..65507)"},
    {"outputs = ( { type = \"syslog\"; host = \"h\"; max_message = 100; } );\n", 1,
     "outputs[0].max_message: 100 out of range (480..1048576)"},
    {"outputs = ( { type = \"syslog\"; host = \"h\"; port = 0; } );\n", 1,
     "outputs[0].port: 0 out of range (1..65535)"},
    {"outputs = ( { type = \"syslog\"; host = \"h\"; transport = \"sctp\"; } );\n", 1,
     "outputs[0].transport: invalid value 'sctp' (allowed: udp, tcp, tls)"},
    {"outputs = ( { type = \"syslog\"; host = \"h\"; facility = \"local9\"; } );\n", 1,
     "outputs[0].facility: invalid facility 'local9' (kern, user, ..., authpriv, audit, "
     "local0..local7 or 0..23)"},
    {"outputs = ( { type = \"syslog\"; host = \"h\"; facility = 24; } );\n", 1,
     "outputs[0].facility: 24 out of range (0..23)"},
    {"outputs = ( { type = \"syslog\"; host = \"h\"; app_name = "
     "\"a-very-long-application-name-beyond-48-characters\"; } );\n", 1,
     "outputs[0].app_name: longer than 48 characters"},
    {"outputs = ( { type = \"syslog\"; host = \"h\"; transport = \"tls\";\n"
     " tls = { key_file = \"/dev/null\"; }; } );\n", 2,
     "outputs[0].tls.cert_file: required: cert_file and key_file go together"},
    {"outputs = ( { type = \"file\"; path = \"-\"; },\n { type = \"file\"; path = \"x\"; },\n"
     " { name = \"file2\"; type = \"file\"; path = \"y\"; } );\n", 3,
     "outputs[2].name: duplicate output name 'file2' (also at line 2)"},
    /* kafka properties */
    {"outputs = ( { type = \"kafka\"; brokers = \"k\"; topic = \"t\";\n"
     " properties = [ \"acks=1\" ]; } );\n", 2,
     "outputs[0].properties: acks: the agent needs acks=all (an event is acked only when "
     "replicated)"},
    {"outputs = ( { type = \"kafka\"; brokers = \"k\"; topic = \"t\";\n"
     " properties = [ \"enable.idempotence=false\" ]; } );\n", 2,
     "outputs[0].properties: enable.idempotence: the agent needs enable.idempotence=true (no "
     "loss, no duplicates)"},
    {"outputs = ( { type = \"kafka\"; brokers = \"k\"; topic = \"t\";\n"
     " properties = [ \"linger.ms=1\", \"acks=${ECE_TEST_PW}\" ]; } );\n", 2,
     "outputs[0].properties: acks: the agent needs acks=all (an event is acked only when "
     "replicated)"},
    {"outputs = ( { type = \"kafka\"; brokers = \"k\"; topic = \"t\";\n"
     " properties = [ \"bootstrap.servers=x:1\" ]; } );\n", 2,
     "outputs[0].properties: bootstrap.servers: conflicts with 'brokers' (set the brokers there)"},
    {"outputs = ( { type = \"kafka\"; brokers = \"k\"; topic = \"t\";\n"
     " properties = [ \"linger.ms=5\",\n \"linger.ms=6\" ]; } );\n", 3,
     "outputs[0].properties: linger.ms: set twice"},
    {"outputs = ( { type = \"kafka\"; brokers = \"k\"; topic = \"t\";\n"
     " properties = [ \"sasl.password:hunter2\" ]; } );\n", 2,
     "outputs[0].properties: entry 1: expected \"name=value\""},
    {"outputs = ( { type = \"kafka\"; brokers = \"k\"; topic = \"t\";\n"
     " properties = [ \"sasl.password=${ECE_TEST_UNSET}\" ]; } );\n", 2,
     "outputs[0].properties: sasl.password: environment variable ECE_TEST_UNSET is not set"},
    {"outputs = ( { type = \"kafka\"; brokers = \"k\"; topic = \"t\";\n"
     " properties = { linger = 5; }; } );\n", 2,
     "outputs[0].properties: expected a list of strings [ \"name=value\", ... ]"},
    /* rules */
    {"rules = ( { name = \"r\"; } );\n", 1,
     "rules[0].match: required (an event class glob such as \"auth.login.failure\")"},
    {"rules = ( { match = \"x\"; } );\n", 1, "rules[0].name: required"},
    {"rules = ( { name = \"a.b\"; match = \"x\"; } );\n", 1,
     "rules[0].name: 'a.b' may contain only letters, digits, '_' and '-'"},
    {"rules = ( { name = \"r\"; match = \"x\"; threshold = 3; } );\n", 1,
     "rules[0].window: required (and > 0) when threshold > 1"},
    {"rules = ( { name = \"r\"; match = \"x\"; threshold = 3;\n window = \"0\"; } );\n", 2,
     "rules[0].window: required (and > 0) when threshold > 1"},
    {"rules = ( { name = \"r\"; match = \"x\"; threshold = 0; } );\n", 1,
     "rules[0].threshold: 0 out of range (1..1000000)"},
    {"rules = ( { name = \"r\"; match = \"x\"; severity = 11; } );\n", 1,
     "rules[0].severity: 11 out of range (0..10)"},
    {"rules = ( { name = \"r\"; match = \"x\"; outcome = \"failed\"; } );\n", 1,
     "rules[0].outcome: invalid value 'failed' (allowed: success, failure, unknown, any)"},
    {"rules = ( { name = \"r\"; match = \"x\"; group_by = \"usr\"; } );\n", 1,
     "rules[0].group_by: unknown field 'usr' (did you mean 'user'?)"},
    {"rules = ( { name = \"r\"; match = \"x\"; group_by = [ \"user\", \"user\" ]; } );\n", 1,
     "rules[0].group_by: 'user' listed twice"},
    {"rules = ( { name = \"r\"; match = \"x\";\n group_by = [ \"user\", \"class\", \"method\", "
     "\"region\", \"status\" ]; } );\n", 2, "rules[0].group_by: more than 4 fields"},
    {"rules = ( { name = \"r\"; match = \"x\"; where = {\n sourceip = \"10.*\"; }; } );\n", 2,
     "rules[0].where.sourceip: unknown field 'sourceip' (did you mean 'source_ip'?)"},
    {"rules = ( { name = \"r\"; match = \"x\"; where = { user = \"\"; }; } );\n", 1,
     "rules[0].where.user: must not be empty (use \"*\" for any value)"},
    {"rules = ( { name = \"r\"; match = \"x\"; },\n { name = \"r\"; match = \"y\"; } );\n", 2,
     "rules[1].name: duplicate rule name 'r' (also at line 1)"},
};

static void test_inline_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(inline_errors) / sizeof(inline_errors[0]); i++) {
        struct err err = {0};
        struct cfg cfg;
        char want[1024];

        snprintf(want, sizeof(want), "%s:%d: %s", tpath("t.conf"), inline_errors[i].line,
                 inline_errors[i].rest);
        if (load_text(&cfg, &err, inline_errors[i].text) != -1 || err.kind != ERR_CONFIG ||
            strcmp(err.msg, want) != 0)
            fail_msg("case %zu:\n got  '%s'\n want '%s'", i, err.msg, want);
        if (strstr(err.msg, "hunter2") != NULL)
            fail_msg("case %zu: a secret in the message: %s", i, err.msg);
        cfg_free(&cfg);
    }
}

static void test_unreadable_config(void **state)
{
    struct err err = {0};
    struct cfg cfg;
    (void)state;
    cfg_defaults(&cfg);
    assert_int_equal(cfg_load(&cfg, tpath("missing.conf"), &err), -1);
    assert_int_equal(err.kind, ERR_CONFIG);
    assert_non_null(strstr(err.msg, "missing.conf: cannot read: No such file or directory"));
    cfg_free(&cfg);
}

/* --replay runs without Elasticsearch: no source group is fine, the caller checks. */
static void test_no_source(void **state)
{
    struct err err = {0};
    struct cfg cfg;
    (void)state;
    assert_int_equal(load_text(&cfg, &err, "outputs = ( { type = \"file\"; path = \"-\"; } );\n"), 0);
    assert_null(cfg.source.url);
    assert_int_equal(cfg.n_outputs, 1);
    cfg_free(&cfg);
    assert_int_equal(load_text(&cfg, &err, "# nothing at all\n"), 0);
    assert_int_equal(cfg.n_outputs, 0);
    cfg_free(&cfg);
}

static void test_source_variants(void **state)
{
    struct err err = {0};
    struct cfg cfg;
    (void)state;
    assert_int_equal(load_text(&cfg, &err,
                               "source = { url = \"https://es.example:9200/prefix//\";\n"
                               " query = \"\"; start_at = \"beginning\"; };\n"),
                     0);
    assert_string_equal(cfg.source.url, "https://es.example:9200/prefix");
    assert_null(cfg.source.query);                      /* "" = no extra filter */
    assert_int_equal(cfg.source.start_at, START_BEGINNING);
    assert_null(cfg.source.cloud_id);
    cfg_free(&cfg);
    assert_int_equal(load_text(&cfg, &err,
                               "source = { url = \"http://127.0.0.1:9200\";\n"
                               " start_at = \"2026-11-20T10:14:03.120+01:00\"; };\n"
                               "outputs = ( { type = \"syslog\"; host = \"h\"; facility = 13L;\n"
                               "  transport = \"udp\"; max_message = 65507; } );\n"
                               "rules = ( { name = \"r\"; match = \"*\"; where = { status = 401L; };"
                               " group_by = \"class\"; } );\n"),
                     0);
    assert_int_equal(cfg.source.start_at, START_TIME);
    assert_true(cfg.source.start_time_ms == 1795166043120LL);   /* = 09:14:03.120Z */
    assert_int_equal(cfg.outputs[0].facility, 13);
    assert_int_equal(cfg.outputs[0].max_message, 65507);
    assert_string_equal(cfg.rules[0].conds[0].value, "401");
    assert_int_equal(cfg.rules[0].n_group_by, 1);
    assert_int_equal(cfg.rules[0].group_by[0], RF_CLASS);
    cfg_free(&cfg);
    /* the sample's commented cloud_id is a valid one */
    assert_int_equal(load_text(&cfg, &err,
                               "source = { cloud_id = \"ece-logging:ZWNlLmV4YW1wbGUuY29tOjkyNDMkMDEy"
                               "MzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYkZmVkY2JhOTg3NjU0MzIxMGZlZGNi"
                               "YTk4NzY1NDMyMTA=\"; };\n"),
                     0);
    assert_string_equal(cfg.source.url,
                        "https://0123456789abcdef0123456789abcdef.ece.example.com:9243");
    cfg_free(&cfg);
}

static void test_output_defaults(void **state)
{
    struct err err = {0};
    struct cfg cfg;
    (void)state;
    assert_int_equal(load_text(&cfg, &err,
                               "outputs = (\n"
                               " { type = \"syslog\"; host = \"a\"; },\n"
                               " { type = \"syslog\"; host = \"b\"; transport = \"udp\"; },\n"
                               " { type = \"syslog\"; host = \"c\"; transport = \"tls\"; },\n"
                               " { type = \"kafka\"; brokers = \"k:9092\"; topic = \"t\"; },\n"
                               " { type = \"file\"; path = \"/x\"; header = \"none\"; },\n"
                               " { type = \"kafka\"; brokers = \"k\"; topic = \"t\";\n"
                               "   header = \"rfc5424\"; port = 1; }\n);\n"),
                     -1);
    assert_string_equal(err.msg + strlen(tpath("t.conf")),
                        ":8: outputs[5].port: applies only to type \"syslog\"");
    cfg_free(&cfg);
    assert_int_equal(load_text(&cfg, &err,
                               "outputs = (\n"
                               " { type = \"syslog\"; host = \"a\"; },\n"
                               " { type = \"syslog\"; host = \"b\"; transport = \"udp\"; },\n"
                               " { type = \"syslog\"; host = \"c\"; transport = \"tls\"; },\n"
                               " { type = \"kafka\"; brokers = \"k:9092\"; topic = \"t\"; },\n"
                               " { type = \"file\"; path = \"/x\"; header = \"none\"; },\n"
                               " { type = \"kafka\"; brokers = \"k\"; topic = \"t\";\n"
                               "   header = \"rfc5424\"; }\n);\n"),
                     0);
    assert_int_equal(cfg.n_outputs, 6);
    for (int i = 0; i < 3; i++) {
        const struct cfg_output *o = &cfg.outputs[i];
        char name[16];
        snprintf(name, sizeof(name), "syslog%d", i + 1);
        assert_string_equal(o->name, name);
        assert_int_equal(o->format, FORMAT_CEF);
        assert_int_equal(o->header, HEADER_RFC5424);
        assert_int_equal(o->framing, FRAMING_OCTET);
        assert_int_equal(o->facility, 13);
        assert_string_equal(o->app_name, "ece-auditd");
        assert_null(o->hostname);
        assert_true(o->timeout_ms == 10000);
        assert_true(o->reconnect_max_ms == 60000);
        assert_true(o->ack_delay_ms == 2000);            /* ack_delay = "2s" */
        assert_true(o->tls.verify);
    }
    assert_int_equal(cfg.outputs[0].transport, TRANSPORT_TCP);
    assert_int_equal(cfg.outputs[0].port, 514);
    assert_int_equal(cfg.outputs[0].max_message, 65536);
    assert_int_equal(cfg.outputs[1].port, 514);
    assert_int_equal(cfg.outputs[1].max_message, 2048);
    assert_int_equal(cfg.outputs[2].port, 6514);
    assert_int_equal(cfg.outputs[2].max_message, 65536);
    assert_string_equal(cfg.outputs[3].name, "kafka1");
    assert_int_equal(cfg.outputs[3].header, HEADER_NONE);
    assert_int_equal(cfg.outputs[3].key, KEY_REQUEST_ID);
    assert_int_equal(cfg.outputs[3].n_props, 0);
    assert_string_equal(cfg.outputs[4].name, "file1");
    assert_int_equal(cfg.outputs[4].header, HEADER_NONE);
    assert_string_equal(cfg.outputs[5].name, "kafka2");
    assert_int_equal(cfg.outputs[5].header, HEADER_RFC5424);   /* set explicitly */
    cfg_free(&cfg);
}

/* ---- secrets ----------------------------------------------------------------------------- */

static int load_secret_file(struct cfg *cfg, struct err *err, const char *content, mode_t mode)
{
    char text[1024];

    write_file(tpath("pw"), content, mode);
    snprintf(text, sizeof(text),
             SRCU "auth = { username = \"u\";\n password_file = \"%s\"; }; };\n", tpath("pw"));
    return load_text(cfg, err, text);
}

static void test_secret_files(void **state)
{
    static const struct {
        const char *content;
        const char *value;   /* NULL = error */
        const char *errpart;
    } rows[] = {
        {"s3cr3t\n", "s3cr3t", NULL},
        {"s3cr3t", "s3cr3t", NULL},
        {"s3cr3t\r\n", "s3cr3t", NULL},
        {"s3cr3t\n\n", "s3cr3t\n", NULL},           /* only one newline goes */
        {" spaced pw \n", " spaced pw ", NULL},
        {"", NULL, "is empty"},
        {"\n", NULL, "is empty"},
    };
    char origin[600], big[9000];
    struct err err = {0};
    struct cfg cfg;
    (void)state;
    snprintf(origin, sizeof(origin), "file %s", tpath("pw"));
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int rc = load_secret_file(&cfg, &err, rows[i].content, 0600);
        if (rows[i].value != NULL) {
            if (rc != 0 || strcmp(cfg.source.auth_password.value, rows[i].value) != 0)
                fail_msg("secret row %zu: rc=%d err=%s", i, rc, err.msg);
            assert_string_equal(cfg.source.auth_password.origin, origin);
        } else {
            if (rc != -1 || strstr(err.msg, rows[i].errpart) == NULL)
                fail_msg("secret row %zu: rc=%d err=%s", i, rc, err.msg);
            assert_non_null(strstr(err.msg, ":2: source.auth.password_file: "));
        }
        cfg_free(&cfg);
    }
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(load_secret_file(&cfg, &err, big, 0600), -1);
    assert_non_null(strstr(err.msg, "is larger than 8192 bytes"));
    assert_null(strstr(err.msg, "xxxx"));
    cfg_free(&cfg);
    {   /* a directory is not a secret file */
        char text[1024];
        snprintf(text, sizeof(text),
                 SRCU "auth = { username = \"u\"; password_file = \"%s\"; }; };\n", tmpdir);
        assert_int_equal(load_text(&cfg, &err, text), -1);
        assert_non_null(strstr(err.msg, "not a regular file"));
        cfg_free(&cfg);
    }
}

/* Mode beyond 0640 only warns (log_warn goes to stderr, which is captured here). */
static void test_secret_mode_warning(void **state)
{
    static const struct {
        mode_t mode;
        bool warns;
    } rows[] = {{0600, false}, {0640, false}, {0400, false}, {0644, true}, {0660, true},
                {0604, true}};
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int saved = dup(STDERR_FILENO), fd;
        struct err err = {0};
        struct cfg cfg;
        char *log, want[600];
        int rc;

        fd = open(tpath("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0 && saved >= 0);
        fflush(stderr);
        dup2(fd, STDERR_FILENO);
        rc = load_secret_file(&cfg, &err, "pw-mode-test\n", rows[i].mode);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        close(fd);
        assert_int_equal(rc, 0);
        assert_string_equal(cfg.source.auth_password.value, "pw-mode-test");
        log = read_file(tpath("stderr.txt"));
        snprintf(want, sizeof(want), "secret file is readable or writable by others path=%s "
                 "mode=%04o", tpath("pw"), (unsigned)rows[i].mode);
        if ((strstr(log, want) != NULL) != rows[i].warns)
            fail_msg("mode %04o: log was '%s'", (unsigned)rows[i].mode, log);
        assert_null(strstr(log, "pw-mode-test"));
        free(log);
        cfg_free(&cfg);
    }
}

static void test_summary_hides_secrets(void **state)
{
    static const char *const secrets[] = {"FILE-SECRET-123", "ENV-SECRET-456", "KEY-SECRET-789",
                                          "APIKEY-SECRET-000"};
    struct err err = {0};
    struct cfg cfg;
    char text[2048], *out;
    int lines;
    (void)state;
    write_file(tpath("es-pw"), "FILE-SECRET-123\n", 0600);
    write_file(tpath("api-key"), "APIKEY-SECRET-000\n", 0600);
    setenv("ECE_TEST_SUMMARY_KAFKA", "ENV-SECRET-456", 1);
    setenv("ECE_TEST_SUMMARY_KEY", "KEY-SECRET-789", 1);
    snprintf(text, sizeof(text),
             SRCU "auth = { username = \"ece-auditd\"; password_file = \"%s\"; };\n"
             " tls = { cert_file = \"/dev/null\"; key_file = \"/dev/null\";\n"
             "         key_password = \"${ECE_TEST_SUMMARY_KEY}\"; }; };\n"
             "outputs = ( { name = \"bus\"; type = \"kafka\"; brokers = \"k:9092\"; topic = \"t\";\n"
             "  properties = [ \"sasl.password=${ECE_TEST_SUMMARY_KAFKA}\", \"linger.ms=7\" ]; } );\n",
             tpath("es-pw"));
    if (load_text(&cfg, &err, text) < 0)
        fail_msg("%s", err.msg);
    out = summary(&cfg, &lines);
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        if (strstr(out, secrets[i]) != NULL)
            fail_msg("summary shows %s:\n%s", secrets[i], out);
    }
    snprintf(text, sizeof(text), "auth: basic user=ece-auditd password=file %s", tpath("es-pw"));
    assert_non_null(strstr(out, text));
    assert_non_null(strstr(out, "key_password=env ECE_TEST_SUMMARY_KEY"));
    assert_non_null(strstr(out, "sasl.password=(hidden)"));
    assert_non_null(strstr(out, "linger.ms=7"));
    assert_non_null(strstr(out, "source: https://es.example:9200 index=services-logs*"));
    free(out);
    cfg_free(&cfg);

    snprintf(text, sizeof(text), SRCU "auth = { api_key_file = \"%s\"; }; };\n", tpath("api-key"));
    assert_int_equal(load_text(&cfg, &err, text), 0);
    assert_string_equal(cfg.source.auth_api_key.value, "APIKEY-SECRET-000");
    out = summary(&cfg, &lines);
    assert_null(strstr(out, "APIKEY-SECRET-000"));
    snprintf(text, sizeof(text), "auth: api_key=file %s", tpath("api-key"));
    assert_non_null(strstr(out, text));
    free(out);
    cfg_free(&cfg);
}

/* 16 outputs and 64 rules still fit on one screen. */
static void test_summary_one_screen(void **state)
{
    char *text = calloc(1, 64 * 1024), *out;
    size_t len = 0;
    struct err err = {0};
    struct cfg cfg;
    int lines;
    (void)state;
    assert_non_null(text);
    len += (size_t)snprintf(text + len, 64 * 1024 - len, SRCU "};\noutputs = (\n");
    for (int i = 0; i < CFG_MAX_OUTPUTS; i++)
        len += (size_t)snprintf(text + len, 64 * 1024 - len,
                                "%s{ type = \"syslog\"; host = \"h%d\"; }\n", i > 0 ? "," : "", i);
    len += (size_t)snprintf(text + len, 64 * 1024 - len, ");\nrules = (\n");
    for (int i = 0; i < CFG_MAX_RULES; i++)
        len += (size_t)snprintf(text + len, 64 * 1024 - len,
                                "%s{ name = \"r%d\"; match = \"x.%d\"; }\n", i > 0 ? "," : "", i, i);
    snprintf(text + len, 64 * 1024 - len, ");\n");
    if (load_text(&cfg, &err, text) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(cfg.n_outputs, CFG_MAX_OUTPUTS);
    assert_int_equal(cfg.n_rules, CFG_MAX_RULES);
    out = summary(&cfg, &lines);
    if (lines > 25)
        fail_msg("%d lines:\n%s", lines, out);
    assert_non_null(strstr(out, "output syslog16: syslog tcp h15:514"));
    assert_non_null(strstr(out, "rules: 64 (r0, r1,"));
    free(out);
    cfg_free(&cfg);
    free(text);
}

/* ---- the sample and the examples ---------------------------------------------------------- */

#define MAX_KEYS 512

struct keyset {
    int n;
    char *k[MAX_KEYS];
};

static bool ks_has(const struct keyset *ks, const char *k)
{
    for (int i = 0; i < ks->n; i++) {
        if (strcmp(ks->k[i], k) == 0)
            return true;
    }
    return false;
}

static void ks_add(struct keyset *ks, const char *k)
{
    if (!ks_has(ks, k) && ks->n < MAX_KEYS)
        ks->k[ks->n++] = strdup(k);
}

static void ks_free(struct keyset *ks)
{
    for (int i = 0; i < ks->n; i++)
        free(ks->k[i]);
}

/* The key list of the loader's own table, from the first column of cfg_print_keys(). */
static void table_keys(struct keyset *ks)
{
    FILE *fp = fopen(tpath("keys.txt"), "w+");
    char line[1024];

    assert_non_null(fp);
    cfg_print_keys(fp);
    rewind(fp);
    while (fgets(line, sizeof(line), fp) != NULL) {
        line[strcspn(line, " ")] = '\0';
        assert_false(ks_has(ks, line));                  /* each key once */
        ks_add(ks, line);
    }
    fclose(fp);
}

static bool is_ident(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

/* A comment that is a switched-off setting: a key and '=', a bracket, or a string. */
static bool is_setting(const char *p)
{
    const char *q = p;

    if (*p != '\0' && strchr("{}()[],\"", *p) != NULL)
        return true;
    while (is_ident((unsigned char)*q))
        q++;
    while (*q == ' ' || *q == '\t')
        q++;
    return q > p && *q == '=';
}

/*
 * Every key assigned in @p file, active or commented out ("#key = ..."), as a dotted path
 * ("outputs.tls.ca_file"). Braces must balance in that view, which keeps the sample's
 * commented-out blocks well-formed.
 */
static void sample_keys(const char *file, struct keyset *ks)
{
    FILE *fp = fopen(file, "r");
    char line[1024], stack[16][64], pending[64] = "";
    int depth = 0, lineno = 0;

    assert_non_null(fp);
    while (fgets(line, sizeof(line), fp) != NULL) {
        char *p = line;
        lineno++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#') {
            while (*p == '#' || *p == ' ' || *p == '\t')
                p++;
            if (!is_setting(p))
                continue;
        }
        while (*p != '\0' && *p != '#') {
            if (*p == '"') {
                for (p++; *p != '\0' && *p != '"'; p++)
                    p += p[0] == '\\' && p[1] != '\0';
                p += *p == '"';
            } else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_') {
                char name[64], path[512] = "";
                size_t n = 0, plen = 0;
                const char *q;
                while (is_ident((unsigned char)*p) && n < sizeof(name) - 1)
                    name[n++] = *p++;
                name[n] = '\0';
                for (q = p; *q == ' ' || *q == '\t'; q++)
                    ;
                if (*q != '=')
                    continue;
                for (int i = 0; i < depth; i++) {
                    if (stack[i][0] != '\0')
                        plen += (size_t)snprintf(path + plen, sizeof(path) - plen, "%s.", stack[i]);
                }
                snprintf(path + plen, sizeof(path) - plen, "%s", name);
                ks_add(ks, path);
                snprintf(pending, sizeof(pending), "%s", name);
            } else if (*p == '{' || *p == '(' || *p == '[') {
                if (depth >= 16)
                    fail_msg("%s:%d: nested too deep", file, lineno);
                snprintf(stack[depth++], sizeof(stack[0]), "%s", pending);
                pending[0] = '\0';
                p++;
            } else if (*p == '}' || *p == ')' || *p == ']') {
                if (depth == 0)
                    fail_msg("%s:%d: unbalanced '%c'", file, lineno, *p);
                depth--;
                p++;
            } else {
                if (*p == ';' || *p == ',')
                    pending[0] = '\0';
                p++;
            }
        }
    }
    fclose(fp);
    if (depth != 0)
        fail_msg("%s: %d brackets left open", file, depth);
}

static void test_sample_documents_every_key(void **state)
{
    struct keyset table = {0}, sample = {0};
    struct err err = {0};
    struct cfg cfg;
    char *out;
    int lines;
    (void)state;
    cfg_defaults(&cfg);
    if (cfg_load(&cfg, SRC("conf/ece-auditd.conf"), &err) < 0)
        fail_msg("the sample does not load: %s", err.msg);
    assert_non_null(cfg.source.url);
    assert_int_equal(cfg.n_outputs, 1);
    assert_string_equal(cfg.outputs[0].path, "/var/log/ece-auditd/events.log");
    assert_true(cfg.n_rules >= 8);
    out = summary(&cfg, &lines);
    if (lines > 25)
        fail_msg("%d lines:\n%s", lines, out);
    free(out);
    cfg_free(&cfg);

    table_keys(&table);
    assert_true(table.n > 60);
    sample_keys(SRC("conf/ece-auditd.conf"), &sample);
    for (int i = 0; i < table.n; i++) {
        if (!ks_has(&sample, table.k[i]))
            fail_msg("conf/ece-auditd.conf does not document '%s'", table.k[i]);
    }
    for (int i = 0; i < sample.n; i++) {       /* and documents nothing the loader lacks */
        const char *k = sample.k[i];
        enum rule_field f;
        bool known = ks_has(&table, k);
        for (int j = 0; j < table.n && !known; j++)
            known = strncmp(table.k[j], k, strlen(k)) == 0 && table.k[j][strlen(k)] == '.';
        if (!known && strncmp(k, "rules.where.", 12) == 0)
            known = cfg_parse_rule_field(k + 12, &f) == 0;
        if (!known)
            fail_msg("conf/ece-auditd.conf has '%s', which the loader does not know", k);
    }
    ks_free(&table);
    ks_free(&sample);
}

/* Load each example with /etc/ece-auditd/ moved to a temp dir holding the files it names. */
static void load_example(const char *name)
{
    char src[512], dst[512], *text, *out, *p;
    struct err err = {0};
    struct cfg cfg;
    FILE *fp;
    int lines;

    snprintf(src, sizeof(src), SRC("conf/examples/%s"), name);
    snprintf(dst, sizeof(dst), "%s/ex-%s", tmpdir, name);
    text = read_file(src);
    fp = fopen(dst, "w");
    assert_non_null(fp);
    for (p = text; *p != '\0';) {
        char *hit = strstr(p, "/etc/ece-auditd/");
        if (hit == NULL) {
            fputs(p, fp);
            break;
        }
        fwrite(p, 1, (size_t)(hit - p), fp);
        fprintf(fp, "%s/", tmpdir);
        p = hit + strlen("/etc/ece-auditd/");
        {
            char file[512];
            size_t n = strcspn(p, "\"");
            snprintf(file, sizeof(file), "%s/%.*s", tmpdir, (int)n, p);
            write_file(file, "EXAMPLE-SECRET\n", 0600);
        }
    }
    fclose(fp);
    free(text);
    setenv("ES_PASSWORD", "EXAMPLE-ENV-SECRET", 1);
    setenv("ES_API_KEY", "EXAMPLE-ENV-SECRET", 1);
    setenv("KAFKA_PASSWORD", "EXAMPLE-ENV-SECRET", 1);
    cfg_defaults(&cfg);
    if (cfg_load(&cfg, dst, &err) < 0)
        fail_msg("conf/examples/%s: %s", name, err.msg);
    assert_non_null(cfg.source.url);
    assert_true(cfg.n_outputs >= 1);
    out = summary(&cfg, &lines);
    assert_true(lines <= 25);
    assert_null(strstr(out, "EXAMPLE-SECRET"));
    assert_null(strstr(out, "EXAMPLE-ENV-SECRET"));
    free(out);
    cfg_free(&cfg);
}

static void test_examples_load(void **state)
{
    DIR *d = opendir(SRC("conf/examples"));
    struct dirent *de;
    int n = 0;
    (void)state;
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len > 5 && strcmp(de->d_name + len - 5, ".conf") == 0) {
            load_example(de->d_name);
            n++;
        }
    }
    closedir(d);
    assert_true(n >= 4);
}

static void test_print_keys(void **state)
{
    FILE *fp = fopen(tpath("keys2.txt"), "w+");
    char line[1024];
    int n = 0;
    bool page_size = false, where = false;
    (void)state;
    assert_non_null(fp);
    cfg_print_keys(fp);
    rewind(fp);
    while (fgets(line, sizeof(line), fp) != NULL) {
        char key[128], type[128], def[128];
        n++;
        assert_int_equal(sscanf(line, "%127s %127s %127s", key, type, def), 3);
        assert_non_null(strstr(line + strlen(key), "  "));
        if (strcmp(key, "source.page_size") == 0) {
            page_size = true;
            assert_string_equal(type, "int(1..10000)");
            assert_string_equal(def, "1000");
        }
        where = where || strcmp(key, "rules.where") == 0;
    }
    fclose(fp);
    assert_true(page_size && where);
    assert_true(n > 60);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_valid_full),
        cmocka_unit_test(test_fixture_errors),
        cmocka_unit_test(test_inline_errors),
        cmocka_unit_test(test_unreadable_config),
        cmocka_unit_test(test_no_source),
        cmocka_unit_test(test_source_variants),
        cmocka_unit_test(test_output_defaults),
        cmocka_unit_test(test_secret_files),
        cmocka_unit_test(test_secret_mode_warning),
        cmocka_unit_test(test_summary_hides_secrets),
        cmocka_unit_test(test_summary_one_screen),
        cmocka_unit_test(test_sample_documents_every_key),
        cmocka_unit_test(test_examples_load),
        cmocka_unit_test(test_print_keys),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
