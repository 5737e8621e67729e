/* test_format_json.c - JSON (ECS) encoder: output parsed back with json-c in strict mode
 * and checked field by field against DESIGN.md's table; escaping of every control byte. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "format.h"
#include "format_samples.h"
#include "xalloc.h"

static struct json_object *parse_strict(const char *s)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *obj;

    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    obj = json_tokener_parse_ex(tok, s, (int)strlen(s));
    if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success)
        fail_msg("json-c: %s in %s", json_tokener_error_desc(json_tokener_get_error(tok)), s);
    assert_int_equal(json_tokener_get_parse_end(tok), strlen(s)); /* nothing after the object */
    json_tokener_free(tok);
    return obj;
}

/* Value at a dotted path ("http.response.status_code"), or NULL. */
static struct json_object *at(struct json_object *o, const char *path)
{
    char buf[128];
    char *save = NULL, *part;

    snprintf(buf, sizeof(buf), "%s", path);
    for (part = strtok_r(buf, ".", &save); part && o; part = strtok_r(NULL, ".", &save))
        if (!json_object_object_get_ex(o, part, &o))
            return NULL;
    return o;
}

static void expect_str(struct json_object *o, const char *path, const char *want)
{
    struct json_object *v = at(o, path);
    if (v == NULL || !json_object_is_type(v, json_type_string))
        fail_msg("%s: missing or not a string", path);
    assert_string_equal(json_object_get_string(v), want);
}

static void expect_int(struct json_object *o, const char *path, int64_t want)
{
    struct json_object *v = at(o, path);
    if (v == NULL || !json_object_is_type(v, json_type_int))
        fail_msg("%s: missing or not an integer", path);
    assert_int_equal(json_object_get_int64(v), want);
}

/* "Fields with no value are left out": no empty object, no empty string, no null. */
static void no_empty(struct json_object *o)
{
    if (json_object_is_type(o, json_type_object)) {
        assert_true(json_object_object_length(o) > 0);
        json_object_object_foreach(o, k, v)
        {
            (void)k;
            assert_non_null(v);
            no_empty(v);
        }
    } else if (json_object_is_type(o, json_type_string)) {
        assert_true(json_object_get_string_len(o) > 0);
    }
}

static char *json_of(const struct audit_event *ev)
{
    struct format_opts fo;
    struct strbuf sb;
    char *s;

    sample_opts(&fo);
    strbuf_init(&sb, 0);
    assert_int_equal(format_json(ev, &fo, &sb), 0);
    for (size_t i = 0; i < sb.len; i++)
        assert_true((unsigned char)sb.buf[i] >= 0x20); /* one line, no raw control */
    s = xstrdup(strbuf_str(&sb));
    strbuf_fini(&sb);
    return s;
}

static void test_e1(void **state)
{
    struct audit_event *ev = sample_e1();
    char *s = json_of(ev);
    struct json_object *o = parse_strict(s);

    no_empty(o);
    expect_str(o, "@timestamp", "2024-05-01T12:34:56.789Z");
    expect_str(o, "event.action", "auth.login");
    expect_str(o, "event.kind", "event");
    expect_int(o, "event.severity", 3);
    expect_str(o, "event.outcome", "success");
    expect_str(o, "event.id", "services-logs-2024.05.01/aB3dE5fG7h");
    expect_int(o, "event.duration", 42000000);
    expect_str(o, "message", "User logged in");
    expect_str(o, "user.name", "alice@example.com");
    expect_str(o, "source.ip", "203.0.113.7");
    expect_int(o, "source.port", 51514);
    expect_str(o, "destination.address", "ece.example.com");
    expect_int(o, "destination.port", 12443);
    expect_str(o, "http.request.method", "POST");
    expect_str(o, "http.request.id", "812d917266bcd6c70f6215f0a740baa2");
    expect_int(o, "http.response.status_code", 200);
    expect_str(o, "url.path", "/users/auth/_login");
    expect_str(o, "user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0");
    expect_str(o, "agent.version", "3.7.2");
    assert_null(at(o, "url.query"));
    assert_null(at(o, "cloud"));
    assert_null(at(o, "ece.deployment"));
    assert_null(at(o, "rule"));
    json_object_put(o);
    free(s);
    free(ev);
}

static void test_e2(void **state)
{
    struct audit_event *ev = sample_e2();
    char *s = json_of(ev);
    struct json_object *o = parse_strict(s);

    no_empty(o);
    expect_str(o, "@timestamp", "2024-05-01T12:35:01.002Z");
    expect_str(o, "event.action", "deployment.update");
    expect_int(o, "event.severity", 5);
    expect_str(o, "url.path", "/deployments/0a1b2c3d");
    expect_str(o, "url.query", "validate_only=false&skip_snapshot=true");
    expect_str(o, "ece.deployment.id", "0a1b2c3d");
    expect_str(o, "ece.deployment.name", "prod-search");
    expect_str(o, "cloud.region", "ece-region");
    expect_str(o, "http.request.method", "PUT");
    expect_str(o, "user_agent.original", "curl/8.5.0");
    json_object_put(o);
    free(s);
    free(ev);
}

static void test_e3(void **state)
{
    struct audit_event *ev = sample_e3();
    char *s = json_of(ev);
    struct json_object *o = parse_strict(s);

    no_empty(o);
    expect_str(o, "event.outcome", "failure");
    expect_str(o, "event.reason", "401 Unauthorized");
    expect_str(o, "user.name", "mallory\\admin");
    expect_str(o, "source.ip", "2001:db8::7");
    expect_int(o, "http.response.status_code", 401);
    expect_str(o, "ece.message", "invalid credentials\nattempt 3 of 5");
    assert_non_null(strstr(s, "\"invalid credentials\\nattempt 3 of 5\""));
    json_object_put(o);
    free(s);
    free(ev);
}

static void test_alert(void **state)
{
    struct audit_event *ev = sample_alert();
    char *s = json_of(ev);
    struct json_object *o = parse_strict(s), *ids;

    no_empty(o);
    expect_str(o, "event.kind", "alert");
    expect_str(o, "event.action", "alert.login-bruteforce");
    expect_int(o, "event.severity", 8);
    expect_str(o, "event.start", "2024-05-01T12:35:09.500Z");
    expect_str(o, "event.end", "2024-05-01T12:38:59.000Z");
    expect_str(o, "rule.name", "login-bruteforce");
    expect_str(o, "ece.alert.group_value", "mallory\\admin");
    expect_int(o, "ece.alert.count", 3);
    expect_int(o, "ece.alert.window_ms", 300000);
    ids = at(o, "ece.alert.request_ids");
    assert_non_null(ids);
    assert_int_equal(json_object_array_length(ids), 3);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, 1)),
                        "0b0f5b7c1d2e3f405162738495a6b7c8");
    json_object_put(o);
    free(s);
    free(ev);
}

static void test_minimal(void **state)
{
    struct audit_event *ev = sample_empty(0);
    char *s = json_of(ev);

    assert_string_equal(s, "{\"@timestamp\":\"1970-01-01T00:00:00.000Z\",\"event\":{\"kind\":"
                           "\"event\",\"module\":\"ece\",\"dataset\":\"ece.audit\",\"severity\":0,"
                           "\"outcome\":\"unknown\"},\"agent\":{\"type\":\"ece-auditd\","
                           "\"version\":\"3.7.2\"}}");
    free(s);
    ev_set(ev, &ev->src_ip, "ece-proxy.internal");
    ev->status = 0;
    s = json_of(ev);
    struct json_object *o = parse_strict(s);
    expect_str(o, "source.address", "ece-proxy.internal");
    assert_null(at(o, "source.ip"));
    expect_int(o, "http.response.status_code", 0);
    json_object_put(o);
    free(s);
    free(ev);
}

static const size_t str_fields[] = {
    offsetof(struct audit_event, class),        offsetof(struct audit_event, name),
    offsetof(struct audit_event, user),         offsetof(struct audit_event, target_user),
    offsetof(struct audit_event, src_ip),       offsetof(struct audit_event, method),
    offsetof(struct audit_event, path),         offsetof(struct audit_event, query),
    offsetof(struct audit_event, request_id),   offsetof(struct audit_event, dedup_key),
    offsetof(struct audit_event, user_agent),   offsetof(struct audit_event, deployment_id),
    offsetof(struct audit_event, region),       offsetof(struct audit_event, reason),
    offsetof(struct audit_event, message),      offsetof(struct audit_event, dest_host),
};
static const char *const str_paths[] = {
    "event.action", "message",   "user.name",       "user.target.name",
    "source.address", "http.request.method", "url.path", "url.query",
    "http.request.id", "event.id", "user_agent.original", "ece.deployment.id",
    "cloud.region",   "event.reason", "ece.message", "destination.address",
};

/* JSON keeps values exactly: every hostile value comes back byte for byte. */
static void roundtrip(const char *value)
{
    for (size_t f = 0; f < sizeof(str_fields) / sizeof(str_fields[0]); f++) {
        struct audit_event *ev = sample_e2();
        const char **slot = (const char **)((char *)ev + str_fields[f]);
        struct json_object *o;
        char *s;

        assert_int_equal(ev_set(ev, slot, value), 0);
        s = json_of(ev);
        o = parse_strict(s);
        if (*slot == NULL)
            assert_null(at(o, str_paths[f]));
        else
            expect_str(o, str_paths[f], *slot);
        json_object_put(o);
        free(s);
        free(ev);
    }
}

static void test_hostile(void **state)
{
    char all[40], *big = xmalloc(10001);

    for (size_t i = 0; hostile_values[i]; i++)
        roundtrip(hostile_values[i]);
    for (int c = 1; c < 0x20; c++)
        all[c - 1] = (char)c;
    memcpy(all + 31, "\"\\/\x7f", 5);
    roundtrip(all);
    for (size_t i = 0; i < 10000; i += 5)
        memcpy(big + i, "\"\\\x01\xC3\xA9", 5); /* 10 kB of '"', '\\', 0x01 and U+00E9 */
    big[10000] = '\0';
    roundtrip(big);
    free(big);
}

static void test_escapes(void **state)
{
    struct audit_event *ev = sample_empty(0);
    char *s;

    ev_set(ev, &ev->user, "q\"b\\s\x01\x1f\t\r\n\xE2\x82\xAC\x7f");
    s = json_of(ev);
    assert_non_null(
        strstr(s, "\"user\":{\"name\":\"q\\\"b\\\\s\\u0001\\u001f\\t\\r\\n\xE2\x82\xAC"
                          "\\u007f\"}"));
    free(s);
    free(ev);
}

static void test_rollback(void **state)
{
    struct audit_event *ev = sample_e2();
    struct format_opts fo;
    struct strbuf sb;

    sample_opts(&fo);
    strbuf_init(&sb, 300);
    strbuf_adds(&sb, "keep");
    assert_int_equal(format_json(ev, &fo, &sb), -1);
    assert_string_equal(strbuf_str(&sb), "keep");
    assert_false(strbuf_failed(&sb));
    strbuf_fini(&sb);
    free(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_e1),      cmocka_unit_test(test_e2),
        cmocka_unit_test(test_e3),      cmocka_unit_test(test_alert),
        cmocka_unit_test(test_minimal), cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_escapes), cmocka_unit_test(test_rollback),
    };
    return cmocka_run_group_tests_name("format_json", tests, NULL, NULL);
}
