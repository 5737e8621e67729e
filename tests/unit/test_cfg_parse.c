/* test_cfg_parse.c - table-driven tests of the pure configuration value parsers. */
#include "config.h"
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "cfg.h"
#include "cfg_priv.h"

static void test_duration(void **state)
{
    static const struct {
        const char *in;
        int rc;
        int64_t ms;
    } rows[] = {
        {"0", 0, 0},
        {"0s", 0, 0},
        {"250ms", 0, 250},
        {"1000ms", 0, 1000},
        {"5s", 0, 5000},
        {"5m", 0, 300000},
        {"1h", 0, 3600000},
        {"36h", 0, 129600000},
        {"9223372036854775807ms", 0, INT64_MAX},
        {"2562047788015h", 0, 2562047788015LL * 3600000},
        {"2562047788016h", -1, 0},           /* overflows after the unit */
        {"9223372036854775808ms", -1, 0},    /* overflows while reading digits */
        {"99999999999999999999s", -1, 0},
        {"", -1, 0},
        {"5", -1, 0},                        /* a unit is required (except "0") */
        {"5x", -1, 0},
        {"5S", -1, 0},
        {"5sec", -1, 0},
        {"-5s", -1, 0},
        {"+5s", -1, 0},
        {" 5s", -1, 0},
        {"5s ", -1, 0},
        {"5 s", -1, 0},
        {"1.5s", -1, 0},
        {"1h30m", -1, 0},
        {"s", -1, 0},
        {"ms", -1, 0},
        {"0x10s", -1, 0},
        {"00", -1, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int64_t ms = -42;
        int rc = cfg_parse_duration(rows[i].in, &ms);
        if (rc != rows[i].rc || (rc == 0 && ms != rows[i].ms))
            fail_msg("duration '%s': rc=%d ms=%lld, want rc=%d ms=%lld", rows[i].in, rc,
                     (long long)ms, rows[i].rc, (long long)rows[i].ms);
    }
}

static void test_format_duration(void **state)
{
    static const struct {
        int64_t ms;
        const char *out;
    } rows[] = {
        {0, "0"}, {1, "1ms"}, {250, "250ms"}, {1000, "1s"}, {1500, "1500ms"}, {90000, "90s"},
        {300000, "5m"}, {3600000, "1h"}, {5400000, "90m"}, {7 * 24 * 3600000LL, "168h"},
    };
    char buf[CFG_DURATION_MAX];
    int64_t back;
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        cfg_format_duration(rows[i].ms, buf);
        assert_string_equal(buf, rows[i].out);
        assert_int_equal(cfg_parse_duration(buf, &back), 0);   /* the output parses back */
        assert_true(back == rows[i].ms);
    }
}

/* RFC 5424 §6.2.1 table 1; "audit" is 13 ("log audit"), Linux's LOG_AUDIT name. */
static void test_facility(void **state)
{
    static const struct {
        const char *in;
        int rc;
        int fac;
    } rows[] = {
        {"kern", 0, 0},        {"user", 0, 1},       {"mail", 0, 2},      {"daemon", 0, 3},
        {"auth", 0, 4},        {"syslog", 0, 5},     {"lpr", 0, 6},       {"news", 0, 7},
        {"uucp", 0, 8},        {"cron", 0, 9},       {"authpriv", 0, 10}, {"ftp", 0, 11},
        {"ntp", 0, 12},        {"audit", 0, 13},     {"log_audit", 0, 13}, {"LOG_AUDIT", 0, 13},
        {"alert", 0, 14},      {"log_alert", 0, 14}, {"clock", 0, 15},    {"local0", 0, 16},
        {"local1", 0, 17},     {"local4", 0, 20},    {"LOCAL7", 0, 23},   {"security", 0, 4},
        {"0", 0, 0},           {"13", 0, 13},        {"23", 0, 23},
        {"24", -1, 0},         {"-1", -1, 0},        {"local8", -1, 0},   {"", -1, 0},
        {"13x", -1, 0},        {"audits", -1, 0},    {"log_", -1, 0},     {" 13", -1, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int fac = -42;
        int rc = cfg_parse_facility(rows[i].in, &fac);
        if (rc != rows[i].rc || (rc == 0 && fac != rows[i].fac))
            fail_msg("facility '%s': rc=%d fac=%d, want rc=%d fac=%d", rows[i].in, rc, fac,
                     rows[i].rc, rows[i].fac);
    }
    assert_string_equal(cfg_facility_name(13), "audit");
    assert_string_equal(cfg_facility_name(10), "authpriv");
    assert_null(cfg_facility_name(24));
    assert_null(cfg_facility_name(-1));
}

/* es-api.md §13; the inputs are base64 of the strings in the comments. */
static void test_cloud_id(void **state)
{
    static const struct {
        const char *in;
        const char *url;    /* NULL = rejected */
    } rows[] = {
        /* "us-east-1.aws.found.io$cec6f2...294f$c6c2ca...5743": default port 443 */
        {"staging:dXMtZWFzdC0xLmF3cy5mb3VuZC5pbyRjZWM2ZjI2MWE3NGJmMjRjZTMzYmI4ODExYjg0Mjk0ZiRjNm"
         "MyY2E2ZDA0MjI0OWFmMGNjN2Q3YTllOTYyNTc0Mw==",
         "https://cec6f261a74bf24ce33bb8811b84294f.us-east-1.aws.found.io:443"},
        /* the same without a label */
        {"dXMtZWFzdC0xLmF3cy5mb3VuZC5pbyRjZWM2ZjI2MWE3NGJmMjRjZTMzYmI4ODExYjg0Mjk0ZiRjNm"
         "MyY2E2ZDA0MjI0OWFmMGNjN2Q3YTllOTYyNTc0Mw==",
         "https://cec6f261a74bf24ce33bb8811b84294f.us-east-1.aws.found.io:443"},
        /* a label with ':' in it: everything up to the last ':' goes */
        {"my:label:ZXhhbXBsZS5jb206OTI0MyRhYmMkZGVm", "https://abc.example.com:9243"},
        /* "example.com:9243$abc$def": the host's port is the default for ES */
        {"x:ZXhhbXBsZS5jb206OTI0MyRhYmMkZGVm", "https://abc.example.com:9243"},
        /* "example.com:9243$abc:9200$def": the ES part's own port wins */
        {"x:ZXhhbXBsZS5jb206OTI0MyRhYmM6OTIwMCRkZWY=", "https://abc.example.com:9200"},
        /* "host$es": two parts are enough (JS client rule) */
        {"aG9zdCRlcw==", "https://es.host:443"},
        {"aG9zdCRlcw", "https://es.host:443"},                 /* padding left out */
        {"aG9zdCQka2I=", NULL},          /* "host$$kb": empty ES id */
        {"JGVzJGti", NULL},              /* "$es$kb": empty host */
        {"aG9zdDphYmMkZXMka2I=", NULL},  /* "host:abc$es$kb": bad port */
        {"aG9zdDowJGVzJGti", NULL},      /* "host:0$es$kb" */
        {"aG9zdDo2NTUzNiRlcyRrYg==", NULL}, /* "host:65536$es$kb" */
        {"aG8vc3QkZXMka2I=", NULL},      /* "ho/st$es$kb": '/' is refused */
        {"aG9zdCRlQHMka2I=", NULL},      /* "host$e@s$kb": '@' is refused */
        {"aG9zdG9ubHk=", NULL},          /* "hostonly": no '$' */
        {"!!!!", NULL},
        {"", NULL},
        {"label:", NULL},
        {"aG9zdCRlcw===", NULL},         /* too much padding */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct err err = {0};
        char *url = NULL;
        int rc = cfg_decode_cloud_id(rows[i].in, &url, &err);
        if (rows[i].url == NULL) {
            if (rc != -1 || err.kind != ERR_CONFIG || url != NULL)
                fail_msg("cloud_id '%s' accepted as %s", rows[i].in, url);
            assert_non_null(strstr(err.msg, "cloud_id"));
        } else {
            if (rc != 0 || url == NULL || strcmp(url, rows[i].url) != 0)
                fail_msg("cloud_id '%s': rc=%d url=%s err=%s", rows[i].in, rc, url, err.msg);
        }
        free(url);
    }
}

static void test_expand_env(void **state)
{
    static const struct {
        const char *in;
        const char *out;    /* NULL = error */
        const char *errpart;
    } rows[] = {
        {"plain", "plain", NULL},
        {"", "", NULL},
        {"${ECE_T_A}", "alpha", NULL},
        {"x${ECE_T_A}y${ECE_T_B}z", "xalphaybetaz", NULL},
        {"${ECE_T_A}${ECE_T_A}", "alphaalpha", NULL},
        {"$ECE_T_A", "$ECE_T_A", NULL},                  /* only ${...} is a reference */
        {"cost $5", "cost $5", NULL},
        {"${ECE_T_EMPTY}", "", NULL},
        {"${ECE_T_UNSET}", NULL, "ECE_T_UNSET is not set"},
        {"a${ECE_T_A", NULL, "bad ${VAR}"},
        {"${}", NULL, "bad ${VAR}"},
        {"${1X}", NULL, "bad ${VAR}"},
        {"${A-B}", NULL, "bad ${VAR}"},
    };
    (void)state;
    setenv("ECE_T_A", "alpha", 1);
    setenv("ECE_T_B", "beta", 1);
    setenv("ECE_T_EMPTY", "", 1);
    unsetenv("ECE_T_UNSET");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct err err = {0};
        char *out = NULL;
        int rc = cfg_expand_env(rows[i].in, &out, &err);
        if (rows[i].out != NULL) {
            if (rc != 0 || strcmp(out, rows[i].out) != 0)
                fail_msg("expand '%s': rc=%d out=%s err=%s", rows[i].in, rc, out, err.msg);
        } else {
            if (rc != -1 || err.kind != ERR_CONFIG || strstr(err.msg, rows[i].errpart) == NULL)
                fail_msg("expand '%s': rc=%d err=%s", rows[i].in, rc, err.msg);
        }
        free(out);
    }
}

static void test_glob(void **state)
{
    static const struct {
        const char *pat, *s;
        bool match;
    } rows[] = {
        {"*", "", true},
        {"*", "deployment.delete", true},
        {"", "", true},
        {"", "a", false},
        {"?", "", false},
        {"?", "a", true},
        {"a?c", "abc", true},
        {"a?c", "ac", false},
        {"a*c", "ac", true},
        {"a*c", "abbbc", true},
        {"a*c", "abcd", false},
        {"*.read", "deployment.read", true},
        {"*.read", "deployment.reader", false},
        {"*.read", "read", false},
        {"deployment.*", "deployment.delete", true},
        {"deployment.*", "deployment", false},
        {"auth.*login.failure", "auth.login.failure", true},
        {"auth.*login.failure", "auth.saml.login.failure", true},
        {"auth.*login.failure", "auth.login.success", false},
        {"network.traffic_filter.d*", "network.traffic_filter.disassociate", true},
        {"network.traffic_filter.d*", "network.traffic_filter.create", false},
        {"a*b*c", "aXbYbZc", true},
        {"a*b*c", "aXbYbZ", false},
        {"**a", "a", true},
        {"*a*", "bab", true},
        {"A", "a", false},                    /* case-sensitive */
        {"10.8.*", "10.8.0.1", true},
        {"10.8.*", "10.80.0.1", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (cfg_glob_match(rows[i].pat, rows[i].s) != rows[i].match)
            fail_msg("glob '%s' vs '%s': want %d", rows[i].pat, rows[i].s, rows[i].match);
    }
}

static void test_rule_fields(void **state)
{
    static const struct {
        const char *name;
        enum rule_field f;
    } rows[] = {
        {"user", RF_USER},         {"source_ip", RF_SOURCE_IP},
        {"deployment_id", RF_DEPLOYMENT_ID}, {"deployment_name", RF_DEPLOYMENT_NAME},
        {"class", RF_CLASS},       {"outcome", RF_OUTCOME},
        {"method", RF_METHOD},     {"region", RF_REGION},
        {"status", RF_STATUS},     {"api_key_id", RF_API_KEY_ID},
    };
    static const char *const bad[] = {"", "User", "src_ip", "source.ip", "users", "severity"};
    enum rule_field f;
    (void)state;
    assert_int_equal(sizeof(rows) / sizeof(rows[0]), RF_COUNT_);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(cfg_parse_rule_field(rows[i].name, &f), 0);
        assert_int_equal(f, rows[i].f);
        assert_string_equal(cfg_rule_field_name(rows[i].f), rows[i].name);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(cfg_parse_rule_field(bad[i], &f), -1);
    assert_null(cfg_rule_field_name(RF_COUNT_));
}

static void test_edit_distance(void **state)
{
    static const struct {
        const char *a, *b;
        size_t d;
    } rows[] = {
        {"page_size", "pagesize", 1}, {"pagesize", "page_size", 1}, {"", "abc", 3},
        {"abc", "", 3},               {"same", "same", 0},          {"kitten", "sitting", 3},
        {"ca_file", "cafile", 1},     {"transport", "transprot", 2},
    };
    char long_name[80];
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        assert_int_equal(cfg_edit_distance(rows[i].a, rows[i].b), rows[i].d);
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_true(cfg_edit_distance(long_name, "a") == SIZE_MAX);
}

static void test_string_checks(void **state)
{
    static const struct {
        const char *(*check)(const char *);
        const char *in;
        bool ok;
    } rows[] = {
        {cfg_check_name, "siem", true},
        {cfg_check_name, "login-failures_ip2", true},
        {cfg_check_name, "", false},
        {cfg_check_name, "has space", false},
        {cfg_check_name, "dot.ted", false},
        {cfg_check_name, "x/y", false},
        {cfg_check_url, "https://logging.example:9243", true},
        {cfg_check_url, "http://127.0.0.1:9200/prefix", true},
        {cfg_check_url, "logging.example:9243", false},
        {cfg_check_url, "ftp://x", false},
        {cfg_check_url, "https://", false},
        {cfg_check_url, "https://user:secret@host:9200", false},   /* credentials in a URL */
        {cfg_check_url, "https://host/a b", false},
        {cfg_check_index, "services-logs*", true},
        {cfg_check_index, "service-logs-*,services-logs*", true},
        {cfg_check_index, "", false},
        {cfg_check_index, "a/b", false},
        {cfg_check_index, "a b", false},
        {cfg_check_index, "a?b", false},
        {cfg_check_index, "a#b", false},
        {cfg_check_printascii, "collector-1.example", true},
        {cfg_check_printascii, "", false},
        {cfg_check_printascii, "with space", false},
        {cfg_check_printascii, "t\xc3\xa4st", false},
        {cfg_check_topic, "ece-audit", true},
        {cfg_check_topic, "ece.audit_v2", true},
        {cfg_check_topic, "", false},
        {cfg_check_topic, "ece audit", false},
        {cfg_check_topic, "ece/audit", false},
        {cfg_check_json_object, "{}", true},
        {cfg_check_json_object, "{\"term\":{\"method\":\"DELETE\"}} \n", true},
        {cfg_check_json_object, "{\"bool\":{\"must_not\":[{\"term\":{\"x\":1}}]}}", true},
        {cfg_check_json_object, "[1]", false},
        {cfg_check_json_object, "\"str\"", false},
        {cfg_check_json_object, "{", false},
        {cfg_check_json_object, "{} x", false},
        {cfg_check_json_object, "{'a':1}", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *why = rows[i].check(rows[i].in);
        if ((why == NULL) != rows[i].ok)
            fail_msg("check row %zu '%s': got %s", i, rows[i].in, why != NULL ? why : "ok");
    }
    {   /* names up to 64 characters */
        char name[66];
        memset(name, 'n', 64);
        name[64] = '\0';
        assert_null(cfg_check_name(name));
        name[64] = 'n';
        name[65] = '\0';
        assert_non_null(cfg_check_name(name));
    }
}

static void test_kafka_props(void **state)
{
    static const struct {
        const char *name;
        bool secret;
    } secrets[] = {
        {"sasl.password", true},          {"ssl.key.password", true},
        {"ssl.key.pem", true},            {"ssl.keystore.password", true},
        {"sasl.oauthbearer.client.secret", true}, {"sasl.oauthbearer.config", true},
        {"sasl.jaas.config", true},       {"SASL.PASSWORD", true},
        {"sasl.username", false},         {"compression.type", false},
        {"client.id", false},             {"security.protocol", false},
        {"linger.ms", false},
    };
    static const struct {
        const char *name, *value;
        bool ok;
    } managed[] = {
        {"compression.type", "zstd", true},
        {"linger.ms", "5", true},
        {"enable.idempotence", "true", true},
        {"enable.idempotence", "false", false},
        {"acks", "all", true},
        {"acks", "-1", true},
        {"acks", "1", false},
        {"acks", "0", false},
        {"request.required.acks", "1", false},
        {"request.required.acks", "all", true},
        {"bootstrap.servers", "k1:9092", false},
        {"metadata.broker.list", "k1:9092", false},
        {"delivery.report.only.error", "true", false},
        {"delivery.report.only.error", "false", true},
        {"bad name", "x", false},
        {"", "x", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        if (cfg_prop_is_secret(secrets[i].name) != secrets[i].secret)
            fail_msg("property %s: secret should be %d", secrets[i].name, secrets[i].secret);
    }
    for (size_t i = 0; i < sizeof(managed) / sizeof(managed[0]); i++) {
        const char *why = cfg_check_prop(managed[i].name, managed[i].value);
        if ((why == NULL) != managed[i].ok)
            fail_msg("property %s=%s: got %s", managed[i].name, managed[i].value,
                     why != NULL ? why : "ok");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration),     cmocka_unit_test(test_format_duration),
        cmocka_unit_test(test_facility),     cmocka_unit_test(test_cloud_id),
        cmocka_unit_test(test_expand_env),   cmocka_unit_test(test_glob),
        cmocka_unit_test(test_rule_fields),  cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_string_checks), cmocka_unit_test(test_kafka_props),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
