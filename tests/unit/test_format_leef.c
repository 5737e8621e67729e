/* test_format_leef.c - LEEF encoder: formats.md 5.2 vectors L01-L15, devTime (T6), complete
 * events split on '^' and checked against DESIGN.md's attribute names, hostile values. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "format.h"
#include "format_samples.h"
#include "strict_parse.h"
#include "xalloc.h"

struct vec {
    const char *id;
    int kind;        /* 0 header, 1 LEEF 2.0 value ('^'), 2 LEEF 1.0 value (TAB) */
    const char *in;
    const char *out; /* NULL: attribute omitted */
};

static const struct vec vecs[] = {
    {"L01 header plain", 0, "Elastic", "Elastic"},
    {"L02 header pipe -> underscore", 0, "a|b", "a_b"},
    {"L03 header LF -> space", 0, "x\ny", "x y"},
    {"L04 LEEF2 caret in value", 1, "a^b", "a b"},
    {"L05 LEEF1 TAB in value", 2, "a\tb", "a b"},
    {"L06 LEEF2 equals kept", 1, "a=b", "a=b"},
    {"L07 LEEF2 backslash kept", 1, "C:\\temp", "C:\\temp"},
    {"L08 LEEF2 LF -> \\n", 1, "l1\nl2", "l1\\nl2"},
    {"L09 LEEF2 CRLF -> \\r\\n", 1, "l1\r\nl2", "l1\\r\\nl2"},
    {"L10 LEEF2 pipe kept", 1, "a|b", "a|b"},
    {"L11 LEEF2 UTF-8 kept", 1, "Zürich ☃", "Zürich ☃"},
    {"L12 LEEF2 trim", 1, "  x  ", "x"},
    {"L13 LEEF2 empty omitted", 1, "", NULL},
    {"L14 LEEF2 TAB -> space", 1, "a\tb", "a b"},
    {"L15 LEEF1 inner spaces kept", 2, "hello big world", "hello big world"},
};

/* Exact bytes, then the value inside a complete line (middle and last attribute). */
static void test_vector(void **state)
{
    const struct vec *v = *state;
    char delim = v->kind == 2 ? '\t' : '^';
    struct strbuf sb, line;

    strbuf_init(&sb, 0);
    if (v->kind == 0) {
        leef_header_escape(&sb, v->in);
        assert_string_equal(strbuf_str(&sb), v->out);
        strbuf_fini(&sb);
        return;
    }
    assert_int_equal(leef_value_escape(&sb, v->in, delim, 1023), v->out != NULL);
    assert_string_equal(strbuf_str(&sb), v->out ? v->out : "");
    if (v->out != NULL) {
        for (int last = 0; last < 2; last++) {
            struct strict_leef m;
            strbuf_init(&line, 0);
            strbuf_adds(&line, v->kind == 2 ? "LEEF:1.0|V|P|1|x|a=1\tmsg="
                                            : "LEEF:2.0|V|P|1|x|^|a=1^msg=");
            strbuf_add(&line, sb.buf, sb.len);
            if (!last)
                strbuf_adds(&line, v->kind == 2 ? "\tb=2" : "^b=2");
            if (strict_leef_parse(line.buf, line.len, &m) < 0)
                fail_msg("%s: %s", v->id, m.why);
            assert_int_equal(m.delim, delim);
            assert_string_equal(strict_leef_get(&m, "msg"), v->out);
            assert_int_equal(m.npairs, last ? 2 : 3);
            strict_leef_free(&m);
            strbuf_fini(&line);
        }
    }
    strbuf_fini(&sb);
}

static char *leef_of(const struct audit_event *ev)
{
    struct format_opts fo;
    struct strbuf sb;
    char *s;

    sample_opts(&fo);
    strbuf_init(&sb, 0);
    assert_int_equal(format_leef(ev, &fo, &sb), 0);
    s = xstrdup(strbuf_str(&sb));
    strbuf_fini(&sb);
    return s;
}

/* Split on '^' and compare with the attribute list, in order. */
static void check_attrs(const char *line, const char *eventid, const char *const *kv)
{
    struct strict_leef m;
    size_t n = 0;

    if (strict_leef_parse(line, strlen(line), &m) < 0)
        fail_msg("strict LEEF: %s in %s", m.why, line);
    assert_string_equal(m.hdr[0], "2.0");
    assert_string_equal(m.hdr[1], "Elastic");
    assert_string_equal(m.hdr[2], "ECE");
    assert_string_equal(m.hdr[3], "3.7.2");
    assert_string_equal(m.hdr[4], eventid);
    assert_int_equal(m.delim, '^');
    for (; kv[2 * n]; n++) {
        assert_true(n < m.npairs);
        assert_string_equal(m.pairs[n].key, kv[2 * n]);
        assert_string_equal(m.pairs[n].val, kv[2 * n + 1]);
    }
    assert_int_equal(m.npairs, n);
    strict_leef_free(&m);
}

#define TIMEFMT "MMM dd yyyy HH:mm:ss.SSS z"

static void test_e1(void **state)
{
    struct audit_event *ev = sample_e1();
    char *s = leef_of(ev);
    static const char *const kv[] = {
        "devTime", "May 01 2024 12:34:56.789 UTC", "devTimeFormat", TIMEFMT, "name",
        "User logged in", "sev", "3", "outcome", "success", "usrName", "alice@example.com", "src",
        "203.0.113.7", "srcPort", "51514", "dstHost", "ece.example.com", "dstPort", "12443",
        "method", "POST", "url", "/users/auth/_login", "returnCode", "200", "durationMs", "42",
        "externalId", "812d917266bcd6c70f6215f0a740baa2", "dedupKey",
        "services-logs-2024.05.01/aB3dE5fG7h", "userAgent",
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0", "msg", "login ok", NULL};

    assert_true(strncmp(s, "LEEF:2.0|Elastic|ECE|3.7.2|auth.login|^|devTime=", 48) == 0);
    check_attrs(s, "auth.login", kv);
    free(s);
    free(ev);
}

static void test_e2(void **state)
{
    struct audit_event *ev = sample_e2();
    char *s = leef_of(ev);
    static const char *const kv[] = {
        "devTime", "May 01 2024 12:35:01.002 UTC", "devTimeFormat", TIMEFMT, "name",
        "Deployment updated", "sev", "5", "outcome", "success", "usrName", "bob", "src",
        "198.51.100.23", "srcPort", "40022", "dstHost", "ece.example.com", "dstPort", "12443",
        "method", "PUT", "url", "/deployments/0a1b2c3d", "returnCode", "200", "durationMs", "1830",
        "externalId", "4f0270b671792633e355037f6f116382", "dedupKey",
        "services-logs-2024.05.01/Zx9Yw8Vu7t", "deploymentId", "0a1b2c3d", "deploymentName",
        "prod-search", "region", "ece-region", "authType", "cookie", "userAgent", "curl/8.5.0",
        "msg", "plan change: size=8g|zones=2", NULL};

    check_attrs(s, "deployment.update", kv);
    free(s);
    free(ev);
}

static void test_e3(void **state)
{
    struct audit_event *ev = sample_e3();
    char *s = leef_of(ev);
    static const char *const kv[] = {
        "devTime", "May 01 2024 12:35:09.500 UTC", "devTimeFormat", TIMEFMT, "name",
        "User login failed", "sev", "7", "outcome", "failure", "usrName", "mallory\\admin", "src",
        "2001:db8::7", "srcPort", "60000", "dstHost", "ece.example.com", "dstPort", "12443",
        "method", "POST", "url", "/users/auth/_login", "returnCode", "401", "durationMs", "7",
        "externalId", "e168a340732d843512ddfe1c07601cf8", "dedupKey",
        "e168a340732d843512ddfe1c07601cf8", "userAgent", "python-requests/2.31", "reason",
        "401 Unauthorized", "msg", "invalid credentials\\nattempt 3 of 5", NULL};

    check_attrs(s, "auth.login", kv);
    free(s);
    free(ev);
}

static void test_alert(void **state)
{
    struct audit_event *ev = sample_alert();
    char *s = leef_of(ev);
    static const char *const kv[] = {
        "devTime", "May 01 2024 12:39:00.000 UTC", "devTimeFormat", TIMEFMT, "name",
        "Repeated failed logins", "sev", "8", "outcome", "failure", "usrName", "mallory\\admin",
        "dedupKey", "alert.login-bruteforce/mallory\\admin/1714566909500", "groupValue",
        "mallory\\admin", "eventCount", "3", "startTime", "1714566909500", "endTime",
        "1714567139000", "msg",
        "3 events in 5m: e168a340732d843512ddfe1c07601cf8,0b0f5b7c1d2e3f405162738495a6b7c8,"
        "ffeeddccbbaa99887766554433221100",
        NULL};

    check_attrs(s, "alert.login-bruteforce", kv);
    free(s);
    free(ev);
}

/* T6 text form; severity 0 -> 1 and clamped; absent values left out. */
static void test_minimal(void **state)
{
    struct audit_event *ev = sample_empty(0);
    char *s = leef_of(ev);

    assert_string_equal(s, "LEEF:2.0|Elastic|ECE|3.7.2|unknown|^|devTime=Jan 01 1970 "
                           "00:00:00.000 UTC^devTimeFormat=" TIMEFMT "^sev=1^outcome=unknown");
    free(s);
    ev->severity = 99;
    ev->ts_ms = 1714566896789; /* T1 */
    s = leef_of(ev);
    assert_non_null(strstr(s, "devTime=May 01 2024 12:34:56.789 UTC^")); /* T6 */
    assert_non_null(strstr(s, "^sev=10^"));
    free(s);
    free(ev);
}

struct field {
    const char *key; /* "EventID" for the header */
    size_t off;
    size_t max;
};

static const struct field fields[] = {
    {"name", offsetof(struct audit_event, name), 1023},
    {"usrName", offsetof(struct audit_event, user), 255},
    {"targetUser", offsetof(struct audit_event, target_user), 255},
    {"srcHost", offsetof(struct audit_event, src_ip), 1023},
    {"dstHost", offsetof(struct audit_event, dest_host), 1023},
    {"method", offsetof(struct audit_event, method), 1023},
    {"url", offsetof(struct audit_event, path), 1023},
    {"externalId", offsetof(struct audit_event, request_id), 255},
    {"dedupKey", offsetof(struct audit_event, dedup_key), 4000},
    {"deploymentId", offsetof(struct audit_event, deployment_id), 4000},
    {"deploymentName", offsetof(struct audit_event, deployment_name), 4000},
    {"region", offsetof(struct audit_event, region), 4000},
    {"authType", offsetof(struct audit_event, auth_type), 4000},
    {"apiKeyId", offsetof(struct audit_event, api_key_id), 4000},
    {"orgId", offsetof(struct audit_event, org_id), 4000},
    {"userAgent", offsetof(struct audit_event, user_agent), 1023},
    {"reason", offsetof(struct audit_event, reason), 1023},
    {"msg", offsetof(struct audit_event, message), 1023},
    {"EventID", offsetof(struct audit_event, class), 255},
};

/* The header rule of formats.md 2.2: controls -> SP, '|' -> '_', cut, empty -> unknown. */
static char *norm_header(const char *in, size_t max)
{
    char *s = norm_cef_header(in, max);
    for (char *p = s; *p; p++)
        if (*p == '|')
            *p = '_';
    return s;
}

static void roundtrip(const char *value)
{
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
        struct audit_event *ev = sample_e2();
        const char **slot = (const char **)((char *)ev + fields[f].off);
        struct strict_leef m;
        char *s, *want;

        assert_int_equal(ev_set(ev, slot, value), 0);
        s = leef_of(ev);
        if (strict_leef_parse(s, strlen(s), &m) < 0)
            fail_msg("%s: strict LEEF: %s", fields[f].key, m.why);
        if (strcmp(fields[f].key, "EventID") == 0) {
            want = norm_header(*slot ? *slot : "", fields[f].max);
            assert_string_equal(m.hdr[4], want);
        } else {
            want = norm_leef_value(*slot ? *slot : "", '^', fields[f].max);
            if (*want == '\0')
                assert_null(strict_leef_get(&m, fields[f].key));
            else
                assert_string_equal(strict_leef_get(&m, fields[f].key), want);
        }
        free(want);
        strict_leef_free(&m);
        free(s);
        free(ev);
    }
}

static void test_hostile(void **state)
{
    for (size_t i = 0; hostile_values[i]; i++)
        roundtrip(hostile_values[i]);
}

static char *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = xmalloc(u * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    s[u * n] = '\0';
    return s;
}

static void test_hostile_long(void **state)
{
    char *a = repeat("^=", 5000), *b = repeat("ü|", 4000), *c = repeat("\n ", 5000);
    roundtrip(a);
    roundtrip(b);
    roundtrip(c);
    free(a);
    free(b);
    free(c);
}

static void test_rollback(void **state)
{
    struct audit_event *ev = sample_e1();
    struct format_opts fo;
    struct strbuf sb;

    sample_opts(&fo);
    strbuf_init(&sb, 120);
    strbuf_adds(&sb, "keep");
    assert_int_equal(format_leef(ev, &fo, &sb), -1);
    assert_string_equal(strbuf_str(&sb), "keep");
    assert_false(strbuf_failed(&sb));
    strbuf_fini(&sb);
    free(ev);
}

/* The splitter itself: hex delimiters, and what it must refuse. */
static void test_splitter(void **state)
{
    static const char *const bad[] = {
        "LEEF:2.0|V|P|1|x|^|a=1^a=2",     /* duplicate key */
        "LEEF:2.0|V|P|1|x|^|a=1^b=",      /* empty value */
        "LEEF:2.0|V|P|1|x|^|a=1^b.c=2",   /* non-alnum key */
        "LEEF:2.0|V|P|1|x|^|a=1^",        /* trailing delimiter */
        "LEEF:2.0|V|P|1|x|^|a=1\nb=2",    /* raw LF */
        "LEEF:2.0|V|P|1|x|^|a= 1",        /* leading space */
        "LEEF:2.0|V|P||x|^|a=1",          /* empty header field */
        "LEEF:2.0|V|P|1|x|a=1",           /* no delimiter field */
        "LEEF:1.0|V|P|1|x|a=1\tb=\xC3",   /* invalid UTF-8 */
    };
    struct strict_leef m;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (strict_leef_parse(bad[i], strlen(bad[i]), &m) == 0)
            fail_msg("accepted %s", bad[i]);
        strict_leef_free(&m);
    }
    assert_int_equal(strict_leef_parse("LEEF:2.0|V|P|1|x|x5E|a=1^b=c=d", 30, &m), 0);
    assert_int_equal(m.delim, '^');
    assert_string_equal(strict_leef_get(&m, "b"), "c=d");
    strict_leef_free(&m);
}

int main(void)
{
    static const struct {
        const char *name;
        CMUnitTestFunction fn;
    } fixed[] = {
        {"E1 complete event split on ^", test_e1},
        {"E2 complete event split on ^", test_e2},
        {"E3 complete event, IPv6 src and LF", test_e3},
        {"alert attributes", test_alert},
        {"devTime T6, sev 1..10, absent values", test_minimal},
        {"hostile values round-trip every field", test_hostile},
        {"10 kB values cut by code point", test_hostile_long},
        {"cap exceeded rolls back", test_rollback},
        {"strict LEEF splitter rejects bad lines", test_splitter},
    };
    size_t nv = sizeof(vecs) / sizeof(vecs[0]), nf = sizeof(fixed) / sizeof(fixed[0]);
    struct CMUnitTest *tests = xmalloc((nv + nf) * sizeof(*tests));
    int rc;

    for (size_t i = 0; i < nv; i++)
        tests[i] = (struct CMUnitTest){vecs[i].id, test_vector, NULL, NULL, (void *)&vecs[i]};
    for (size_t i = 0; i < nf; i++)
        tests[nv + i] = (struct CMUnitTest){fixed[i].name, fixed[i].fn, NULL, NULL, NULL};
    rc = _cmocka_run_group_tests("format_leef", tests, nv + nf, NULL, NULL);
    free(tests);
    return rc;
}
