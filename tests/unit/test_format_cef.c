/* test_format_cef.c - CEF encoder: formats.md 5.1 vectors C01-C30, complete events E1-E3
 * and an alert under DESIGN.md's key mapping, hostile values through a strict parser. */
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
    bool header;     /* header field or extension value */
    const char *in;  /* NULL: built by build_input() */
    const char *out; /* NULL: omitted */
    size_t max;
};

/* formats.md 5.1, literally. C09 and C29 take generated inputs (see build_input). */
static const struct vec vecs[] = {
    {"C01 header plain", true, "Deployment updated", "Deployment updated", 512},
    {"C02 header pipe", true, "a|b", "a\\|b", 512},
    {"C03 header backslash", true, "C:\\temp", "C:\\\\temp", 512},
    {"C04 header backslash+pipe", true, "a\\|b", "a\\\\\\|b", 512},
    {"C05 header equals", true, "x=y", "x=y", 512},
    {"C06 header LF CR", true, "line1\nline2\rend", "line1 line2 end", 512},
    {"C07 header UTF-8", true, "Zürich ☃ 日本", "Zürich ☃ 日本", 512},
    {"C08 header empty", true, "", "unknown", 512},
    {"C09 header max 63", true, NULL, NULL, 63},
    {"C10 ext plain", false, "update", "update", 1023},
    {"C11 ext inner spaces", false, "hello big world", "hello big world", 1023},
    {"C12 ext pipe", false, "a | b", "a | b", 1023},
    {"C13 ext equals", false, "a=b", "a\\=b", 1023},
    {"C14 ext backslash", false, "C:\\temp", "C:\\\\temp", 1023},
    {"C15 ext backslash equals", false, "\\=", "\\\\\\=", 1023},
    {"C16 ext LF", false, "l1\nl2", "l1\\nl2", 1023},
    {"C17 ext CR", false, "l1\rl2", "l1\\rl2", 1023},
    {"C18 ext CRLF", false, "l1\r\nl2", "l1\\r\\nl2", 1023},
    {"C19 ext literal backslash-n", false, "\\n", "\\\\n", 1023},
    {"C20 ext TAB and C0", false, "a\tb\x01" "c\x7f" "d", "a b c d", 1023},
    {"C21 ext UTF-8", false, "ünïcødé € 日本語 😀", "ünïcødé € 日本語 😀", 1023},
    {"C22 ext trim", false, "  padded  ", "padded", 1023},
    {"C23 ext empty", false, "", NULL, 1023},
    {"C24 ext spaces only", false, "   ", NULL, 1023},
    {"C25 ext looks like pair", false, "x y=z", "x y\\=z", 1023},
    {"C26 ext URL query", false, "https://ece.example.com:12443/api/v1/deployments?q=a&size=10",
     "https://ece.example.com:12443/api/v1/deployments?q\\=a&size\\=10", 1023},
    {"C27 ext JSON", false, "{\"a\":\"b=c\",\"d\":[1,2]}", "{\"a\":\"b\\=c\",\"d\":[1,2]}", 1023},
    {"C28 ext trailing backslash", false, "abc\\", "abc\\\\", 1023},
    {"C29 ext max 1023 by code point", false, NULL, NULL, 1023},
    {"C30 ext punctuation", false, "#%\"'[]{}<>;,", "#%\"'[]{}<>;,", 1023},
};

static char *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = xmalloc(u * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    s[u * n] = '\0';
    return s;
}

static void build_io(const struct vec *v, char **in, char **out)
{
    if (strncmp(v->id, "C09", 3) == 0) {
        *in = repeat("V", 70);
        *out = repeat("V", 63);
    } else if (strncmp(v->id, "C29", 3) == 0) {
        *in = repeat("é", 1030);
        *out = repeat("é", 1023);
        assert_int_equal(strlen(*in), 2060);
        assert_int_equal(strlen(*out), 2046);
    } else {
        *in = xstrdup(v->in);
        *out = v->out ? xstrdup(v->out) : NULL;
    }
}

/* Exact bytes of the encoder, then (for extension values) the value inside a complete
 * message, as a middle pair and as the last pair, through the strict parser. */
static void test_vector(void **state)
{
    const struct vec *v = *state;
    struct strbuf sb, line;
    char *in, *out, *norm;

    build_io(v, &in, &out);
    strbuf_init(&sb, 0);
    if (v->header) {
        cef_header_escape(&sb, in, v->max);
        assert_string_equal(strbuf_str(&sb), out);
    } else {
        bool emitted = cef_ext_escape(&sb, in, v->max);
        assert_int_equal(emitted, out != NULL);
        assert_string_equal(strbuf_str(&sb), out ? out : "");
    }
    if (!v->header && out != NULL) {
        norm = norm_cef_ext(in, v->max);
        for (int last = 0; last < 2; last++) {
            struct strict_cef m;
            strbuf_init(&line, 0);
            strbuf_adds(&line, "CEF:0|V|P|1|probe|n|5|cs1Label=probe cs1=P msg=");
            strbuf_add(&line, sb.buf, sb.len);
            if (!last)
                strbuf_adds(&line, " act=end");
            if (strict_cef_parse(line.buf, line.len, &m) < 0)
                fail_msg("%s: strict parser: %s", v->id, m.why);
            assert_string_equal(strict_cef_get(&m, "msg"), norm);
            assert_int_equal(m.npairs, last ? 3 : 4);
            strict_cef_free(&m);
            strbuf_fini(&line);
        }
        free(norm);
    }
    strbuf_fini(&sb);
    free(in);
    free(out);
}

static char *cef_of(const struct audit_event *ev)
{
    struct format_opts fo;
    struct strbuf sb;
    char *s;

    sample_opts(&fo);
    strbuf_init(&sb, 0);
    assert_int_equal(format_cef(ev, &fo, &sb), 0);
    assert_int_equal(strlen(sb.buf), sb.len);
    s = xstrdup(sb.buf);
    strbuf_fini(&sb);
    return s;
}

/* Expected lines written by hand from DESIGN.md's table and our documented key order. */
static void test_e1(void **state)
{
    struct audit_event *ev = sample_e1();
    char *s = cef_of(ev);

    assert_string_equal(
        s, "CEF:0|Elastic|ECE|3.7.2|auth.login|User logged in|3|rt=1714566896789 outcome=success "
           "suser=alice@example.com src=203.0.113.7 spt=51514 dhost=ece.example.com dpt=12443 "
           "requestMethod=POST request=/users/auth/_login requestClientApplication=Mozilla/5.0 "
           "(X11; Linux x86_64) Firefox/125.0 externalId=812d917266bcd6c70f6215f0a740baa2 "
           "cn1Label=returnCode cn1=200 cn2Label=durationMs cn2=42 cs6Label=dedupKey "
           "cs6=services-logs-2024.05.01/aB3dE5fG7h msg=login ok");
    free(s);
    free(ev);
}

static void check_pairs(const char *line, const char *const *kv)
{
    struct strict_cef m;
    size_t n = 0;

    if (strict_cef_parse(line, strlen(line), &m) < 0)
        fail_msg("strict parser: %s in %s", m.why, line);
    for (; kv[2 * n]; n++) {
        const char *got = strict_cef_get(&m, kv[2 * n]);
        if (got == NULL)
            fail_msg("key %s missing", kv[2 * n]);
        assert_string_equal(got, kv[2 * n + 1]);
        assert_string_equal(m.pairs[n].key, kv[2 * n]); /* and in this order */
    }
    assert_int_equal(m.npairs, n);
    strict_cef_free(&m);
}

static void test_e2(void **state)
{
    struct audit_event *ev = sample_e2();
    char *s = cef_of(ev);
    static const char *const kv[] = {
        "rt", "1714566901002", "outcome", "success", "suser", "bob", "src", "198.51.100.23",
        "spt", "40022", "dhost", "ece.example.com", "dpt", "12443", "requestMethod", "PUT",
        "request", "/deployments/0a1b2c3d", "requestClientApplication", "curl/8.5.0",
        "externalId", "4f0270b671792633e355037f6f116382", "cn1Label", "returnCode", "cn1", "200",
        "cn2Label", "durationMs", "cn2", "1830", "cs1Label", "deploymentId", "cs1", "0a1b2c3d",
        "cs2Label", "deploymentName", "cs2", "prod-search", "cs3Label", "region", "cs3",
        "ece-region", "cs4Label", "authType", "cs4", "cookie", "cs6Label", "dedupKey", "cs6",
        "services-logs-2024.05.01/Zx9Yw8Vu7t", "msg", "plan change: size=8g|zones=2", NULL};

    assert_non_null(strstr(s, "|deployment.update|Deployment updated|5|"));
    assert_non_null(strstr(s, " msg=plan change: size\\=8g|zones\\=2"));
    assert_null(strstr(s, "validate_only")); /* the query is not part of request */
    check_pairs(s, kv);
    free(s);
    free(ev);
}

static void test_e3(void **state)
{
    struct audit_event *ev = sample_e3();
    char *s = cef_of(ev);
    static const char *const kv[] = {
        "rt", "1714566909500", "outcome", "failure", "suser", "mallory\\admin", "c6a2Label",
        "Source IPv6 Address", "c6a2", "2001:db8::7", "spt", "60000", "dhost", "ece.example.com",
        "dpt", "12443", "requestMethod", "POST", "request", "/users/auth/_login",
        "requestClientApplication", "python-requests/2.31", "externalId",
        "e168a340732d843512ddfe1c07601cf8", "cn1Label", "returnCode", "cn1", "401", "cn2Label",
        "durationMs", "cn2", "7", "cs6Label", "dedupKey", "cs6", "e168a340732d843512ddfe1c07601cf8",
        "reason", "401 Unauthorized", "msg", "invalid credentials\nattempt 3 of 5", NULL};

    assert_non_null(strstr(s, "|auth.login|User login failed|7|"));
    assert_non_null(strstr(s, " suser=mallory\\\\admin "));
    assert_non_null(strstr(s, " msg=invalid credentials\\nattempt 3 of 5"));
    assert_null(strstr(s, " src="));
    check_pairs(s, kv);
    free(s);
    free(ev);
}

static void test_alert(void **state)
{
    struct audit_event *ev = sample_alert();
    char *s = cef_of(ev);
    static const char *const kv[] = {
        "rt", "1714567140000", "outcome", "failure", "suser", "mallory\\admin", "cs5Label",
        "groupValue", "cs5", "mallory\\admin", "cs6Label", "dedupKey", "cs6",
        "alert.login-bruteforce/mallory\\admin/1714566909500", "cnt", "3", "start",
        "1714566909500", "end", "1714567139000", "msg",
        "3 events in 5m: e168a340732d843512ddfe1c07601cf8,0b0f5b7c1d2e3f405162738495a6b7c8,"
        "ffeeddccbbaa99887766554433221100",
        NULL};

    assert_non_null(strstr(s, "CEF:0|Elastic|ECE|3.7.2|alert.login-bruteforce|"
                              "Repeated failed logins|8|"));
    check_pairs(s, kv);
    free(s);
    free(ev);
}

/* Absent values: no key, no label, and status -1 has no cn1. Only rt and outcome remain. */
static void test_minimal(void **state)
{
    struct audit_event *ev = sample_empty(0);
    char *s = cef_of(ev);

    assert_string_equal(s, "CEF:0|Elastic|ECE|3.7.2|unknown|unknown|0|rt=0 outcome=unknown");
    free(s);
    ev->severity = 42;
    ev->src_port = 70000; /* out of range: left out */
    ev_set(ev, &ev->src_ip, "not-an-ip.example");
    s = cef_of(ev);
    assert_string_equal(s, "CEF:0|Elastic|ECE|3.7.2|unknown|unknown|10|rt=0 outcome=unknown "
                           "shost=not-an-ip.example");
    free(s);
    ev->severity = -3;
    s = cef_of(ev);
    assert_non_null(strstr(s, "|unknown|0|rt=0"));
    free(s);
    free(ev);
}

struct field {
    const char *key;    /* CEF key, or "hdr4"/"hdr5" for class/name */
    size_t off;         /* offsetof(struct audit_event, field) */
    size_t max;
};

static const struct field fields[] = {
    {"suser", offsetof(struct audit_event, user), 1023},
    {"duser", offsetof(struct audit_event, target_user), 1023},
    {"shost", offsetof(struct audit_event, src_ip), 1023},
    {"dhost", offsetof(struct audit_event, dest_host), 1023},
    {"requestMethod", offsetof(struct audit_event, method), 1023},
    {"request", offsetof(struct audit_event, path), 1023},
    {"requestClientApplication", offsetof(struct audit_event, user_agent), 1023},
    {"externalId", offsetof(struct audit_event, request_id), 40},
    {"cs1", offsetof(struct audit_event, deployment_id), 4000},
    {"cs2", offsetof(struct audit_event, deployment_name), 4000},
    {"cs3", offsetof(struct audit_event, region), 4000},
    {"cs4", offsetof(struct audit_event, auth_type), 4000},
    {"cs5", offsetof(struct audit_event, api_key_id), 4000},
    {"cs6", offsetof(struct audit_event, dedup_key), 4000},
    {"reason", offsetof(struct audit_event, reason), 1023},
    {"msg", offsetof(struct audit_event, message), 1023},
    {"hdr4", offsetof(struct audit_event, class), 1023},
    {"hdr5", offsetof(struct audit_event, name), 512},
};

static void roundtrip(const char *value)
{
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
        struct audit_event *ev = sample_e2();
        const char **slot = (const char **)((char *)ev + fields[f].off);
        struct strict_cef m;
        char *s, *want;

        assert_int_equal(ev_set(ev, slot, value), 0);
        s = cef_of(ev);
        if (strict_cef_parse(s, strlen(s), &m) < 0)
            fail_msg("%s: strict parser: %s", fields[f].key, m.why);
        if (fields[f].key[0] == 'h' && fields[f].key[1] == 'd') {
            want = norm_cef_header(*slot ? *slot : "", fields[f].max);
            assert_string_equal(m.hdr[fields[f].key[3] - '0'], want);
        } else {
            want = norm_cef_ext(*slot ? *slot : "", fields[f].max);
            if (*want == '\0')
                assert_null(strict_cef_get(&m, fields[f].key));
            else
                assert_string_equal(strict_cef_get(&m, fields[f].key), want);
        }
        free(want);
        strict_cef_free(&m);
        free(s);
        free(ev);
    }
}

static void test_hostile(void **state)
{
    for (size_t i = 0; hostile_values[i]; i++)
        roundtrip(hostile_values[i]);
}

/* 10 kB values: cut by ev_set (8192 bytes), then by the dictionary length, by code point. */
static void test_hostile_long(void **state)
{
    char *a = repeat("x=", 5000), *b = repeat("€|", 3500), *c = repeat("\\\n", 5000);
    roundtrip(a);
    roundtrip(b);
    roundtrip(c);
    free(a);
    free(b);
    free(c);
}

/* Invalid UTF-8 reaches the formatter as U+FFFD (ev_set) and stays valid UTF-8. */
static void test_invalid_utf8(void **state)
{
    struct audit_event *ev = sample_e1();
    char *s;

    ev_set(ev, &ev->message, "bad \xC3\x28 and \xFF end");
    s = cef_of(ev);
    assert_true(strict_utf8_valid(s, strlen(s)));
    assert_non_null(strstr(s, "msg=bad \xEF\xBF\xBD( and \xEF\xBF\xBD end"));
    free(s);
    free(ev);
}

/* The buffer cap is hit: -1, the buffer is as it was at entry, and usable again. */
static void test_rollback(void **state)
{
    struct audit_event *ev = sample_e2();
    struct format_opts fo;
    struct strbuf sb;

    sample_opts(&fo);
    strbuf_init(&sb, 100);
    strbuf_adds(&sb, "previous|");
    assert_int_equal(format_cef(ev, &fo, &sb), -1);
    assert_string_equal(strbuf_str(&sb), "previous|");
    assert_int_equal(sb.len, 9);
    assert_false(strbuf_failed(&sb));
    ev_reset(ev);
    assert_int_equal(format_cef(ev, &fo, &sb), 0);
    assert_string_equal(strbuf_str(&sb),
                        "previous|CEF:0|Elastic|ECE|3.7.2|unknown|unknown|0|rt=0 outcome=unknown");
    /* Exactly at the cap is fine, one byte less is not. */
    strbuf_reset(&sb);
    sb.cap = 62;
    assert_int_equal(format_cef(ev, &fo, &sb), 0);
    strbuf_reset(&sb);
    sb.cap = 61;
    assert_int_equal(format_cef(ev, &fo, &sb), -1);
    assert_int_equal(sb.len, 0);
    strbuf_fini(&sb);
    free(ev);
}

/* The worst-case reservation near the cap must not fail a value that fits exactly. */
static void test_escape_near_cap(void **state)
{
    struct strbuf sb;

    strbuf_init(&sb, 8);
    assert_true(cef_ext_escape(&sb, "a=b", 1023));
    assert_string_equal(strbuf_str(&sb), "a\\=b");
    assert_true(cef_ext_escape(&sb, "cdef", 1023));
    assert_false(strbuf_failed(&sb));
    assert_string_equal(strbuf_str(&sb), "a\\=bcdef");
    strbuf_reset(&sb);
    cef_header_escape(&sb, "1234567|", 63);
    assert_true(strbuf_failed(&sb));
    strbuf_fini(&sb);
}

/* The strict parser itself: the probes of formats.md 5.8 it must refuse, and more.
 * (In these C literals "\\" is one backslash on the wire.) */
static void test_strict_parser(void **state)
{
    static const struct {
        const char *line;
        bool valid;
    } t[] = {
        {"CEF:0|V|P|1|probe|n|5|cs1Label=P cs1=P1 msg=  padded   act=end", false}, /* P1 */
        {"CEF:0|V|P|1|probe|n|5|cs1Label=P cs1=P2 msg=padded   ", false},          /* P2 */
        {"CEF:0|V|P|1|probe|n|5|cs1Label=P cs1=P3 msg= act=end", false},           /* P3 */
        {"CEF:0|V|P|1|probe|n|5|cs1Label=P cs1=P4 msg=", false},                   /* P4 */
        {"CEF:0|V|P|1|probe|n|5|cs1Label=P cs1=P6 msg=abc\\ act=end", false},      /* P6 */
        {"CEF:0|V|P|1|probe|n|5|cs1Label=P cs1=P6 msg=abc\\", false},              /* P6 last */
        {"CEF:0|V|P|1|probe|n|5|cs1Label=P cs1=P7 msg=a\tb act=end", false},       /* P7 TAB */
        {"CEF:0|V|P|1|probe|n|5|cs1Label=P cs1=P8 msg=a \\| b act=end", false},    /* P8 */
        {"CEF:0|V|P|1|probe|n|5|cs1Label=P cs1=P9 ece.deployment_id=abc", false},  /* P9 */
        {"CEF:0|V|P|1|probe|n|5|cs1Label=P cs1=P10 msg=one msg=two", false},       /* P10 */
        {"CEF:0|V|P|1|probe|n|5|cs1Label=P cs1=P11 msg=a\\tb act=end", false},     /* P11 */
        {"CEF:0|V|P|1|probe|n|5|cs1=x", false},                /* value key without label */
        {"CEF:0|V|P|1|probe|n|5|cs1Label=x act=y", false},     /* label without value key */
        {"CEF:0|V|P|1|probe|n|5|msg=a=b", false},              /* unescaped '=' */
        {"CEF:0|V|P|1|pro\\=be|n|5|", false},                  /* '\=' is no header escape */
        {"CEF:0|V|P|1|probe|n|11|", false},                    /* severity out of range */
        {"CEF:0|V|P|1|probe||5|", false},                      /* empty header field */
        {"CEF:0|V|P|1|probe|n|5|msg=l1\nl2", false},           /* raw LF */
        {"CEF:0|V|P|1|probe|n|5", false},                      /* header ends early */
        {"CEF:0|V|P|1|pro\\\\be|n|5|", true},                  /* escaped backslash */
        {"CEF:0|V|P|1|a\\|b|n|5|msg=abc\\\\ act=end", true},  /* escaped pipe, backslash */
    };
    struct strict_cef m;

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int rc = strict_cef_parse(t[i].line, strlen(t[i].line), &m);
        if ((rc == 0) != t[i].valid)
            fail_msg("%s: %s (%s)", t[i].valid ? "rejected" : "accepted", t[i].line, m.why);
        strict_cef_free(&m);
    }
    assert_int_equal(strict_cef_parse(t[20].line, strlen(t[20].line), &m), 0);
    assert_string_equal(m.hdr[4], "a|b");
    assert_string_equal(strict_cef_get(&m, "msg"), "abc\\");
    assert_string_equal(strict_cef_get(&m, "act"), "end");
    strict_cef_free(&m);
}

int main(void)
{
    static const struct {
        const char *name;
        CMUnitTestFunction fn;
    } fixed[] = {
        {"E1 complete event, exact line", test_e1},
        {"E2 complete event, strict parse", test_e2},
        {"E3 complete event, IPv6 and multi-line", test_e3},
        {"alert event keys", test_alert},
        {"absent values are left out", test_minimal},
        {"hostile values round-trip every field", test_hostile},
        {"10 kB values cut by code point", test_hostile_long},
        {"invalid UTF-8 arrives as U+FFFD", test_invalid_utf8},
        {"cap exceeded rolls back", test_rollback},
        {"escape near the cap", test_escape_near_cap},
        {"strict parser refuses the 5.8 probes", test_strict_parser},
    };
    size_t nv = sizeof(vecs) / sizeof(vecs[0]), nf = sizeof(fixed) / sizeof(fixed[0]);
    struct CMUnitTest *tests = xmalloc((nv + nf) * sizeof(*tests));
    int rc;

    for (size_t i = 0; i < nv; i++)
        tests[i] = (struct CMUnitTest){vecs[i].id, test_vector, NULL, NULL, (void *)&vecs[i]};
    for (size_t i = 0; i < nf; i++)
        tests[nv + i] = (struct CMUnitTest){fixed[i].name, fixed[i].fn, NULL, NULL, NULL};
    rc = _cmocka_run_group_tests("format_cef", tests, nv + nf, NULL, NULL);
    free(tests);
    return rc;
}
