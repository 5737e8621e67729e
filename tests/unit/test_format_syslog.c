/* test_format_syslog.c - RFC 5424 / 3164 headers and RFC 6587 frames: formats.md 5.4 frames
 * S01-S10, 5.6 octet counts, 5.7 R1, 5.10 T1-T5, the strict 5424 validator itself, and
 * format_message() / options / names. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "format.h"
#include "format_int.h"
#include "format_samples.h"
#include "strict_parse.h"
#include "xalloc.h"

#define T1_MS 1714566896789LL
#define STARTS(s, lit) (strncmp((s), (lit), sizeof(lit) - 1) == 0)
#define BODY_CEF                                                                                   \
    "CEF:0|Elastic|ECE|3.7.2|deployment.update|Deployment updated|5|rt=1714566896789 "             \
    "src=10.0.0.5 suser=alice act=update outcome=success"

struct svec {
    const char *id;
    int pri;
    int64_t ts;
    const char *host, *app, *procid, *msgid;
    const char *sd1, *kv1[6]; /* SD element 1 (NULL id: NILVALUE), up to 3 pairs */
    const char *sd2, *kv2[2];
    const char *body; /* NULL: no MSG part */
    const char *frame;
    size_t octets;
    int flags;
};

static const struct svec svecs[] = {
    {"S01 no SD, CEF, fac 13 sev 6", 110, T1_MS, "ece-host-1", "ece-audit", "4242", "CEF", NULL,
     {NULL}, NULL, {NULL}, BODY_CEF,
     "<110>1 2024-05-01T12:34:56.789Z ece-host-1 ece-audit 4242 CEF - " BODY_CEF, 195, 0},
    {"S02 private SD-ID", 110, T1_MS, "ece-host-1", "ece-audit", "4242", "CEF", "ece@32473",
     {"deploymentId", "a1b2c3", "region", "us-east-1"}, NULL, {NULL}, BODY_CEF,
     "<110>1 2024-05-01T12:34:56.789Z ece-host-1 ece-audit 4242 CEF [ece@32473 "
     "deploymentId=\"a1b2c3\" region=\"us-east-1\"] " BODY_CEF,
     246, 0},
    {"S03 PARAM-VALUE escaping", 110, T1_MS, "ece-host-1", "ece-audit", "4242", "CEF", "ece@32473",
     {"note", "q\"b\\s]e"}, NULL, {NULL}, BODY_CEF,
     "<110>1 2024-05-01T12:34:56.789Z ece-host-1 ece-audit 4242 CEF [ece@32473 "
     "note=\"q\\\"b\\\\s\\]e\"] " BODY_CEF,
     223, 0},
    {"S05 NILVALUE timestamp/hostname/procid/msgid", 110, FORMAT_TS_NONE, NULL, "ece-audit", NULL,
     NULL, NULL, {NULL}, NULL, {NULL}, BODY_CEF, "<110>1 - - ece-audit - - - " BODY_CEF, 158, 0},
    {"S06 UTF-8 MSG with BOM (given body)", 110, T1_MS, "ece-host-1", "ece-audit", "4242", "CEF",
     NULL, {NULL}, NULL, {NULL},
     "\xEF\xBB\xBF"
     "CEF:0|Elastic|ECE|3.7.2|user.login|User logged in|3|suser=jürgen msg=Grüße aus Zürich",
     "<110>1 2024-05-01T12:34:56.789Z ece-host-1 ece-audit 4242 CEF - \xEF\xBB\xBF"
     "CEF:0|Elastic|ECE|3.7.2|user.login|User logged in|3|suser=jürgen msg=Grüße aus Zürich",
     156, STRICT_5424_ALLOW_BOM},
    {"S07 LEEF 2.0 payload", 110, T1_MS, "ece-host-1", "ece-audit", "4242", "LEEF", NULL, {NULL},
     NULL, {NULL},
     "LEEF:2.0|Elastic|ECE|3.7.2|deployment.update|^|devTime=1714566896789^usrName=alice^src="
     "10.0.0.5^sev=5^cat=deployment",
     "<110>1 2024-05-01T12:34:56.789Z ece-host-1 ece-audit 4242 LEEF - LEEF:2.0|Elastic|ECE|"
     "3.7.2|deployment.update|^|devTime=1714566896789^usrName=alice^src=10.0.0.5^sev=5^cat="
     "deployment",
     181, 0},
    {"S10 two SD elements (origin, meta)", 134, T1_MS, "ece-host-1", "ece-audit", "4242", "CEF",
     "origin", {"ip", "10.0.0.7", "software", "ece-audit-forwarder", "swVersion", "1.0.0"}, "meta",
     {"sequenceId", "42"}, BODY_CEF,
     "<134>1 2024-05-01T12:34:56.789Z ece-host-1 ece-audit 4242 CEF [origin ip=\"10.0.0.7\" "
     "software=\"ece-audit-forwarder\" swVersion=\"1.0.0\"][meta sequenceId=\"42\"] " BODY_CEF,
     287, 0},
    {"5.6 minimal legal 5424 message", 14, FORMAT_TS_NONE, NULL, NULL, NULL, NULL, NULL, {NULL},
     NULL, {NULL}, NULL, "<14>1 - - - - - -", 17, 0},
    {"5.6 minimal CEF", 110, FORMAT_TS_NONE, NULL, NULL, NULL, NULL, NULL, {NULL}, NULL, {NULL},
     "CEF:0|V|P|1|x|n|0|", "<110>1 - - - - - - CEF:0|V|P|1|x|n|0|", 37, 0},
};

static void build(struct strbuf *sb, const struct svec *v)
{
    format_rfc5424_header(sb, v->pri, v->ts, v->host, v->app, v->procid, v->msgid);
    strbuf_addc(sb, ' ');
    if (v->sd1 == NULL) {
        strbuf_addc(sb, '-');
    } else {
        size_t n = 0;
        while (n < 3 && v->kv1[2 * n])
            n++;
        format_sd_element(sb, v->sd1, v->kv1, n);
        if (v->sd2)
            format_sd_element(sb, v->sd2, v->kv2, 1);
    }
    if (v->body) {
        strbuf_addc(sb, ' ');
        strbuf_adds(sb, v->body);
    }
}

/* Exact bytes, octet count and wire form, and the strict validator's parse. */
static void test_svec(void **state)
{
    const struct svec *v = *state;
    struct strbuf sb, wire;
    struct strict_5424 f;
    char prefix[16];

    strbuf_init(&sb, 0);
    strbuf_init(&wire, 0);
    build(&sb, v);
    assert_string_equal(strbuf_str(&sb), v->frame);
    assert_int_equal(sb.len, v->octets);
    format_frame_octet(&wire, sb.buf, sb.len);
    snprintf(prefix, sizeof(prefix), "%zu ", v->octets);
    assert_int_equal(wire.len, strlen(prefix) + v->octets);
    assert_memory_equal(wire.buf, prefix, strlen(prefix));
    assert_memory_equal(wire.buf + strlen(prefix), v->frame, v->octets);
    if (strict_5424_parse(sb.buf, sb.len, v->flags, &f) < 0)
        fail_msg("%s: %s", v->id, f.why);
    assert_int_equal(f.pri, v->pri);
    if (v->sd1 != NULL)
        assert_string_equal(strict_5424_param(&f, v->sd1, v->kv1[0]), v->kv1[1]);
    if (v->body == NULL)
        assert_null(f.msg);
    else
        assert_memory_equal(f.msg, v->body, strlen(v->body));
    strict_5424_free(&f);
    if (v->flags & STRICT_5424_ALLOW_BOM) { /* our policy: never a BOM */
        assert_int_equal(strict_5424_parse(sb.buf, sb.len, 0, &f), -1);
        strict_5424_free(&f);
    }
    strbuf_fini(&sb);
    strbuf_fini(&wire);
}

/* S09: maximum-length fields; longer input is cut to exactly these lengths. */
static void test_s09(void **state)
{
    char host[300], app[60], procid[200], msgid[40];
    struct strbuf sb;
    struct strict_5424 f;

    memset(host, 'h', 251);
    memcpy(host + 251, ".com", 5);
    memset(app, 'a', 48);
    app[48] = '\0';
    memset(procid, '9', 128);
    procid[128] = '\0';
    memset(msgid, 'M', 32);
    msgid[32] = '\0';
    strbuf_init(&sb, 0);
    format_rfc5424_header(&sb, 191, 1714566896000LL, host, app, procid, msgid);
    strbuf_adds(&sb, " - hello");
    assert_int_equal(sb.len, 506);
    assert_true(STARTS(sb.buf, "<191>1 2024-05-01T12:34:56.000Z hhh"));
    assert_int_equal(strict_5424_parse(sb.buf, sb.len, 0, &f), 0);
    assert_int_equal(strlen(f.host), 255);
    assert_int_equal(strlen(f.app), 48);
    assert_int_equal(strlen(f.procid), 128);
    assert_int_equal(strlen(f.msgid), 32);
    strict_5424_free(&f);

    /* one more character in each: same frame */
    memset(host + 251, 'h', 40);
    host[291] = '\0';
    memset(app, 'a', 59);
    app[59] = '\0';
    memset(procid, '9', 199);
    procid[199] = '\0';
    memset(msgid, 'M', 39);
    msgid[39] = '\0';
    strbuf_reset(&sb);
    format_rfc5424_header(&sb, 191, 1714566896000LL, host, app, procid, msgid);
    strbuf_adds(&sb, " - hello");
    assert_int_equal(sb.len, 506);
    assert_int_equal(strict_5424_parse(sb.buf, sb.len, 0, &f), 0);
    strict_5424_free(&f);
    strbuf_fini(&sb);
}

/* Frames our encoder cannot produce, given literally: the validator must accept them. */
static void test_validator_accepts(void **state)
{
    static const char s04[] =
        "<85>1 2024-05-01T14:34:56.123456+02:00 ece-host-1 ece-audit 4242 CEF - " BODY_CEF;
    static const char s08[] = "<0>1 2024-05-01T12:34:56Z ece-host-1 ece-audit - - -";
    struct strict_5424 f;
    struct strbuf wire;

    assert_int_equal(strlen(s04), 202);
    assert_int_equal(strict_5424_parse(s04, strlen(s04), 0, &f), 0);
    assert_int_equal(f.pri, 85);
    assert_string_equal(f.ts, "2024-05-01T14:34:56.123456+02:00");
    strict_5424_free(&f);
    assert_int_equal(strict_5424_parse(s08, strlen(s08), 0, &f), 0);
    assert_null(f.msg);
    strict_5424_free(&f);
    strbuf_init(&wire, 0);
    format_frame_octet(&wire, s08, strlen(s08));
    assert_string_equal(strbuf_str(&wire),
                        "52 <0>1 2024-05-01T12:34:56Z ece-host-1 ece-audit - - -");
    strbuf_fini(&wire);
}

/* formats.md 5.4 "invalid frames the agent must never produce", and a few more. */
static void test_validator_rejects(void **state)
{
    char host256[400], app49[200];
    const char *bad[] = {
        "<192>1 2024-05-01T12:34:56Z h a - - -",
        "<110>1 2024-05-01t12:34:56Z h a - - -",
        "<110>1 2024-05-01T12:34:56.1234567Z h a - - -",
        "<110>1 2016-12-31T23:59:60Z h a - - -",
        "<110>1 2024-05-01T12:34:56Z ho st ece-audit 4242 CEF - x",
        host256,
        app49,
        "<110>1 2024-05-01T12:34:56Z h a - - [ece@32473 a=\"1\"] [x@32473 b=\"2\"]",
        "<110>1 2024-05-01T12:34:56Z h a - - [ece@32473 a=\"1\"][ece@32473 b=\"2\"]",
        "<110>1 2024-05-01T12:34:56Z h a - - [ece@32473 a=\"x]y\"]",
        "<110>1 2024-05-01T12:34:56Z h a - - [ece a=\"1\"]",
        "<010>1 2024-05-01T12:34:56Z h a - - -",
        "<110>2 2024-05-01T12:34:56Z h a - - -",
        "<110>1 2024-02-30T12:34:56Z h a - - -",
        "<110>1 2024-05-01T12:34:56z h a - - -",
        "<110>1 2024-05-01T12:34:56Z h a - MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM -",
        "<110>1 2024-05-01T12:34:56Z h a - - [ece@32473 a=\"x\\qy\"]",
        "<110>1 2024-05-01T12:34:56Z h a - - - line1\nline2",
        "<110>1 2024-05-01T12:34:56Z h a - - - \xEF\xBB\xBF" "CEF:0|x",
        "<110>1 2024-05-01T12:34:56Z h a - - -x",
    };
    struct strict_5424 f;

    snprintf(host256, sizeof(host256), "<110>1 - %0256d a - - -", 0);
    snprintf(app49, sizeof(app49), "<110>1 - h %049d - - -", 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (strict_5424_parse(bad[i], strlen(bad[i]), 0, &f) == 0)
            fail_msg("validator accepted %s", bad[i]);
        strict_5424_free(&f);
    }
}

/* 5.7 R1: RFC 3164 with a TAG and the T5 timestamp form. */
static void test_r1(void **state)
{
    struct strbuf sb;

    strbuf_init(&sb, 0);
    format_rfc3164_header(&sb, 110, T1_MS, "ece-host-1", "ece-audit", "4242");
    strbuf_adds(&sb, "CEF:0|Elastic|ECE|3.7.2|deployment.update|Deployment updated|5|"
                     "rt=1714566896789 suser=alice");
    assert_string_equal(strbuf_str(&sb),
                        "<110>May  1 12:34:56 ece-host-1 ece-audit[4242]: CEF:0|Elastic|ECE|3.7.2|"
                        "deployment.update|Deployment updated|5|rt=1714566896789 suser=alice");
    strbuf_reset(&sb);
    /* two-digit day, no pid, a TAG made safe, an empty TAG replaced */
    format_rfc3164_header(&sb, 13, 1795157892104LL, "ece host", "ece:aud it[x]", "-");
    assert_string_equal(strbuf_str(&sb), "<13>Nov 20 06:58:12 ece_host ece_aud_it_x_: ");
    strbuf_reset(&sb);
    format_rfc3164_header(&sb, 13, 0, "h", "", NULL);
    assert_string_equal(strbuf_str(&sb), "<13>Jan  1 00:00:00 h ece-auditd: ");
    strbuf_fini(&sb);
}

/* 5.10 T1-T5. */
static void test_timestamps(void **state)
{
    static const struct {
        const char *in;
        int64_t ms;
        const char *rfc5424;
    } t[] = {
        {"2024-05-01T12:34:56.789Z", 1714566896789LL, "2024-05-01T12:34:56.789Z"},
        {"2024-05-01T14:34:56.123456+02:00", 1714566896123LL, "2024-05-01T12:34:56.123Z"},
        {"2024-05-01T12:34:56Z", 1714566896000LL, "2024-05-01T12:34:56.000Z"},
        {"1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00.000Z"},
    };
    struct format_opts fo;
    struct strbuf sb;
    char ts[24], rt[40];

    sample_opts(&fo);
    strbuf_init(&sb, 0);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct audit_event *ev = sample_empty(0);
        int64_t ms;
        assert_int_equal(ev_parse_time(t[i].in, &ms), 0);
        assert_int_equal(ms, t[i].ms);
        assert_int_equal(fmt_rfc3339(ms, ts), 24);
        assert_memory_equal(ts, t[i].rfc5424, 24);
        ev->ts_ms = ms;
        strbuf_reset(&sb);
        fo.header = HEADER_RFC5424;
        assert_int_equal(format_message(ev, &fo, &sb), 0);
        assert_memory_equal(sb.buf + 7, t[i].rfc5424, 24);
        snprintf(rt, sizeof(rt), "|rt=%lld ", (long long)t[i].ms);
        assert_non_null(strstr(sb.buf, rt));
        free(ev);
    }
    strbuf_reset(&sb);
    format_rfc3164_header(&sb, 0, 1714566896789LL, "h", "t", NULL);
    assert_non_null(strstr(sb.buf, ">May  1 12:34:56 h")); /* T5 */
    strbuf_fini(&sb);
}

/* The allocation-free UTC conversion agrees with libc (ev_format_time) everywhere. */
static void test_utc_vs_libc(void **state)
{
    static const int64_t edge[] = {0, -1, 951782400000LL, 951868799999LL, 4107542400000LL,
                                   253402300799999LL, -62135596800000LL, 1709164800000LL};
    uint64_t x = 88172645463325252ULL;
    char a[32], b[24];

    for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]) + 200000; i++) {
        int64_t ms;
        if (i < sizeof(edge) / sizeof(edge[0])) {
            ms = edge[i];
        } else {
            x ^= x << 13; /* xorshift64: deterministic */
            x ^= x >> 7;
            x ^= x << 17;
            ms = (int64_t)(x % 315537897600000ULL) - 62135596800000LL;
        }
        assert_int_equal(ev_format_time(ms, a), 24);
        assert_int_equal(fmt_rfc3339(ms, b), 24);
        if (memcmp(a, b, 24) != 0)
            fail_msg("%lld: libc %.24s ours %.24s", (long long)ms, a, b);
    }
    assert_int_equal(fmt_rfc3339(253402300800000LL, b), 0); /* year 10000 */
}

static void test_severity_and_pri(void **state)
{
    static const int want[11] = {6, 6, 6, 6, 5, 5, 5, 4, 4, 2, 2};
    static const struct {
        int sev, fac;
        const char *pri;
    } p[] = {{3, 13, "<110>1 "}, {5, 13, "<109>1 "}, {7, 13, "<108>1 "}, {9, 13, "<106>1 "},
             {5, 10, "<85>1 "},  {0, 0, "<6>1 "},     {10, 23, "<186>1 "}, {3, 99, "<110>1 "}};
    struct format_opts fo;
    struct strbuf sb;

    for (int s = 0; s <= 10; s++)
        assert_int_equal(format_syslog_severity(s), want[s]);
    assert_int_equal(format_syslog_severity(-5), 6);
    assert_int_equal(format_syslog_severity(50), 2);
    sample_opts(&fo);
    strbuf_init(&sb, 0);
    for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
        struct audit_event *ev = sample_e1();
        ev->severity = p[i].sev;
        fo.facility = p[i].fac;
        strbuf_reset(&sb);
        assert_int_equal(format_message(ev, &fo, &sb), 0);
        if (strncmp(sb.buf, p[i].pri, strlen(p[i].pri)) != 0)
            fail_msg("sev %d fac %d: %.8s", p[i].sev, p[i].fac, sb.buf);
        free(ev);
    }
    strbuf_fini(&sb);
}

static void test_header_sanitize(void **state)
{
    struct strbuf sb;

    strbuf_init(&sb, 0);
    format_rfc5424_header(&sb, 13, 0, "host name\twith \xC3\xBC", "app:x", "12 34",
                          "cls.with space\n");
    assert_string_equal(strbuf_str(&sb), "<13>1 1970-01-01T00:00:00.000Z host_name_with__ app:x "
                                         "12_34 cls.with_space_");
    strbuf_reset(&sb);
    format_rfc5424_header(&sb, 13, FORMAT_TS_NONE, "", "", "", "");
    assert_string_equal(strbuf_str(&sb), "<13>1 - - - - -");
    strbuf_fini(&sb);
}

/* Complete messages: every body in RFC 5424 validates, its MSG is the body, and the SD
 * carries dedupKey/requestId with hostile characters escaped. */
static void test_message_5424(void **state)
{
    struct audit_event *evs[] = {sample_e1(), sample_e2(), sample_e3(), sample_alert()};
    enum out_format bodies[] = {FORMAT_CEF, FORMAT_LEEF, FORMAT_JSON};
    struct format_opts fo;
    struct strbuf sb, body;

    sample_opts(&fo);
    strbuf_init(&sb, 0);
    strbuf_init(&body, 0);
    for (size_t e = 0; e < 4; e++) {
        for (size_t b = 0; b < 3; b++) {
            struct strict_5424 f;
            fo.body = bodies[b];
            fo.header = HEADER_RFC5424;
            strbuf_reset(&sb);
            strbuf_reset(&body);
            assert_int_equal(format_message(evs[e], &fo, &sb), 0);
            fo.header = HEADER_NONE;
            assert_int_equal(format_message(evs[e], &fo, &body), 0);
            if (strict_5424_parse(sb.buf, sb.len, 0, &f) < 0)
                fail_msg("%s", f.why);
            assert_string_equal(f.host, "ece-coord-1");
            assert_string_equal(f.app, "ece-audit-fwd");
            assert_string_equal(f.procid, "4242");
            assert_string_equal(f.msgid, evs[e]->class);
            assert_string_equal(strict_5424_param(&f, "ece@32473", "dedupKey"), evs[e]->dedup_key);
            assert_int_equal(f.msg_len, body.len);
            assert_memory_equal(f.msg, body.buf, body.len);
            if (bodies[b] == FORMAT_CEF) {
                struct strict_cef m;
                if (strict_cef_parse(f.msg, f.msg_len, &m) < 0)
                    fail_msg("%s", m.why);
                strict_cef_free(&m);
            } else if (bodies[b] == FORMAT_LEEF) {
                struct strict_leef m;
                if (strict_leef_parse(f.msg, f.msg_len, &m) < 0)
                    fail_msg("%s", m.why);
                strict_leef_free(&m);
            }
            strict_5424_free(&f);
        }
    }
    for (size_t e = 0; e < 4; e++)
        free(evs[e]);
    strbuf_fini(&sb);
    strbuf_fini(&body);
}

static void test_message_exact(void **state)
{
    struct audit_event *ev = sample_e1();
    struct format_opts fo;
    struct strbuf sb, body;
    struct strict_5424 f;
    static const char hdr[] = "<110>1 2024-05-01T12:34:56.789Z ece-coord-1 ece-audit-fwd 4242 "
                              "auth.login [ece@32473 "
                              "dedupKey=\"services-logs-2024.05.01/aB3dE5fG7h\" "
                              "requestId=\"812d917266bcd6c70f6215f0a740baa2\"] ";

    sample_opts(&fo);
    strbuf_init(&sb, 0);
    strbuf_init(&body, 0);
    assert_int_equal(format_cef(ev, &fo, &body), 0);
    assert_int_equal(format_message(ev, &fo, &sb), 0);
    assert_int_equal(sb.len, strlen(hdr) + body.len);
    assert_memory_equal(sb.buf, hdr, strlen(hdr));
    assert_string_equal(sb.buf + strlen(hdr), body.buf);

    /* sd_dedup off: NILVALUE */
    fo.sd_dedup = false;
    strbuf_reset(&sb);
    assert_int_equal(format_message(ev, &fo, &sb), 0);
    assert_true(STARTS(sb.buf, "<110>1 2024-05-01T12:34:56.789Z ece-coord-1 ece-audit-fwd 4242 "
                               "auth.login - CEF:0|"));
    /* no dedup key and no request id: NILVALUE even with sd_dedup */
    fo.sd_dedup = true;
    ev->dedup_key = NULL;
    ev->request_id = NULL;
    strbuf_reset(&sb);
    assert_int_equal(format_message(ev, &fo, &sb), 0);
    assert_non_null(strstr(sb.buf, " auth.login - CEF:0|"));
    /* hostile SD values: escaped, CR/LF -> SP, decoded back by the validator */
    ev_set(ev, &ev->dedup_key, "ix/a\"b]c\\d\r\ne");
    strbuf_reset(&sb);
    assert_int_equal(format_message(ev, &fo, &sb), 0);
    assert_non_null(strstr(sb.buf, "[ece@32473 dedupKey=\"ix/a\\\"b\\]c\\\\d  e\"]"));
    assert_int_equal(strict_5424_parse(sb.buf, sb.len, 0, &f), 0);
    assert_string_equal(strict_5424_param(&f, "ece@32473", "dedupKey"), "ix/a\"b]c\\d  e");
    assert_null(strict_5424_param(&f, "ece@32473", "requestId"));
    strict_5424_free(&f);
    /* RFC 3164 and no header */
    fo.header = HEADER_RFC3164;
    strbuf_reset(&sb);
    assert_int_equal(format_message(ev, &fo, &sb), 0);
    assert_true(STARTS(sb.buf, "<110>May  1 12:34:56 ece-coord-1 ece-audit-fwd[4242]: CEF:0|"));
    fo.header = HEADER_NONE;
    strbuf_reset(&sb);
    assert_int_equal(format_message(ev, &fo, &sb), 0);
    assert_true(STARTS(sb.buf, "CEF:0|Elastic|ECE|3.7.2|auth.login|"));
    strbuf_fini(&sb);
    strbuf_fini(&body);
    free(ev);
}

/* Every hostile value in every string field (and in the options) at once, in every
 * --stdout format: each output is one line without raw controls, and the RFC 5424 ones
 * pass the strict validator with a body that passes the strict CEF / LEEF readers. */
static void test_hostile_all_formats(void **state)
{
    static const char *const names[] = {"cef",         "leef",         "json",
                                        "rfc5424-cef", "rfc5424-leef", "rfc5424-json",
                                        "rfc3164-cef", "rfc3164-leef"};
    static const size_t fields[] = {
        offsetof(struct audit_event, class),           offsetof(struct audit_event, name),
        offsetof(struct audit_event, user),            offsetof(struct audit_event, target_user),
        offsetof(struct audit_event, auth_type),       offsetof(struct audit_event, api_key_id),
        offsetof(struct audit_event, org_id),          offsetof(struct audit_event, src_ip),
        offsetof(struct audit_event, user_agent),      offsetof(struct audit_event, method),
        offsetof(struct audit_event, path),            offsetof(struct audit_event, query),
        offsetof(struct audit_event, dest_host),       offsetof(struct audit_event, request_id),
        offsetof(struct audit_event, dedup_key),       offsetof(struct audit_event, deployment_id),
        offsetof(struct audit_event, deployment_name), offsetof(struct audit_event, region),
        offsetof(struct audit_event, reason),          offsetof(struct audit_event, message),
    };
    struct strbuf sb;

    strbuf_init(&sb, 0);
    for (size_t h = 0; hostile_values[h]; h++) {
        struct audit_event *ev = sample_e3();
        struct format_opts fo;
        for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
            assert_int_equal(ev_set(ev, (const char **)((char *)ev + fields[f]), hostile_values[h]),
                             0);
        for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
            struct strict_5424 fr;
            sample_opts(&fo);
            fo.hostname = fo.app_name = fo.procid = fo.version = hostile_values[h];
            assert_int_equal(format_parse_name(names[n], &fo), 0);
            strbuf_reset(&sb);
            assert_int_equal(format_message(ev, &fo, &sb), 0);
            for (size_t i = 0; i < sb.len; i++)
                if ((unsigned char)sb.buf[i] < 0x20 || sb.buf[i] == 0x7F)
                    fail_msg("%s: raw 0x%02x in %s", names[n], sb.buf[i], sb.buf);
            assert_true(strict_utf8_valid(sb.buf, sb.len));
            if (fo.header != HEADER_RFC5424)
                continue;
            if (strict_5424_parse(sb.buf, sb.len, 0, &fr) < 0)
                fail_msg("%s: %s in %s", names[n], fr.why, sb.buf);
            if (fo.body == FORMAT_CEF) {
                struct strict_cef m;
                if (strict_cef_parse(fr.msg, fr.msg_len, &m) < 0)
                    fail_msg("%s: %s", names[n], m.why);
                strict_cef_free(&m);
            } else if (fo.body == FORMAT_LEEF) {
                struct strict_leef m;
                if (strict_leef_parse(fr.msg, fr.msg_len, &m) < 0)
                    fail_msg("%s: %s", names[n], m.why);
                strict_leef_free(&m);
            }
            strict_5424_free(&fr);
        }
        free(ev);
    }
    strbuf_fini(&sb);
}

static void test_message_rollback(void **state)
{
    struct audit_event *ev = sample_e2();
    struct format_opts fo;
    struct strbuf sb;

    sample_opts(&fo);
    for (size_t cap = 10; cap < 700; cap += 97) {
        strbuf_init(&sb, cap);
        strbuf_adds(&sb, "prev");
        assert_int_equal(format_message(ev, &fo, &sb), -1);
        assert_string_equal(strbuf_str(&sb), "prev");
        assert_false(strbuf_failed(&sb));
        strbuf_fini(&sb);
    }
    free(ev);
}

static void test_frame_octet_utf8(void **state)
{
    struct strbuf sb;

    strbuf_init(&sb, 0);
    format_frame_octet(&sb, "Zürich", strlen("Zürich"));
    assert_string_equal(strbuf_str(&sb), "7 Zürich");
    strbuf_fini(&sb);
}

static void test_names_and_defaults(void **state)
{
    static const struct {
        const char *name;
        enum out_format body;
        enum out_header header;
    } ok[] = {
        {"cef", FORMAT_CEF, HEADER_NONE},
        {"leef", FORMAT_LEEF, HEADER_NONE},
        {"json", FORMAT_JSON, HEADER_NONE},
        {"rfc5424-cef", FORMAT_CEF, HEADER_RFC5424},
        {"rfc5424-leef", FORMAT_LEEF, HEADER_RFC5424},
        {"rfc5424-json", FORMAT_JSON, HEADER_RFC5424},
        {"rfc3164-cef", FORMAT_CEF, HEADER_RFC3164},
        {"rfc3164-leef", FORMAT_LEEF, HEADER_RFC3164},
    };
    static const char *const bad[] = {"", "xml", "rfc3164-json", "cef ", "rfc5424", "leef2"};
    struct format_opts fo;
    char host[256] = "", pid[24];

    format_opts_default(&fo);
    assert_int_equal(fo.body, FORMAT_CEF);
    assert_int_equal(fo.header, HEADER_RFC5424);
    assert_int_equal(fo.facility, 13);
    assert_string_equal(fo.app_name, "ece-auditd");
    assert_string_equal(fo.version, PACKAGE_VERSION);
    assert_true(fo.sd_dedup);
    snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    assert_string_equal(fo.procid, pid);
    assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
    assert_string_equal(fo.hostname, host);
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        format_opts_default(&fo);
        assert_int_equal(format_parse_name(ok[i].name, &fo), 0);
        assert_int_equal(fo.body, ok[i].body);
        assert_int_equal(fo.header, ok[i].header);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        format_opts_default(&fo);
        assert_int_equal(format_parse_name(bad[i], &fo), -1);
        assert_int_equal(fo.body, FORMAT_CEF);
        assert_int_equal(fo.header, HEADER_RFC5424);
    }
    assert_int_equal(format_parse_name(NULL, &fo), -1);
}

int main(void)
{
    static const struct {
        const char *name;
        CMUnitTestFunction fn;
    } fixed[] = {
        {"S09 maximum-length header fields", test_s09},
        {"validator accepts S04 S08 (+52 octets)", test_validator_accepts},
        {"validator rejects the 5.4 invalid frames", test_validator_rejects},
        {"R1 RFC 3164 with TAG, T5", test_r1},
        {"T1-T4 timestamps", test_timestamps},
        {"UTC conversion equals libc", test_utc_vs_libc},
        {"CEF severity -> syslog severity, PRI", test_severity_and_pri},
        {"header fields sanitized", test_header_sanitize},
        {"E1-E3 + alert in RFC 5424, all bodies", test_message_5424},
        {"format_message exact, SD, 3164, none", test_message_exact},
        {"hostile values in every field and format", test_hostile_all_formats},
        {"format_message rolls back", test_message_rollback},
        {"octet count is bytes", test_frame_octet_utf8},
        {"--stdout names and defaults", test_names_and_defaults},
    };
    size_t nv = sizeof(svecs) / sizeof(svecs[0]), nf = sizeof(fixed) / sizeof(fixed[0]);
    struct CMUnitTest *tests = xmalloc((nv + nf) * sizeof(*tests));
    int rc;

    for (size_t i = 0; i < nv; i++)
        tests[i] = (struct CMUnitTest){svecs[i].id, test_svec, NULL, NULL, (void *)&svecs[i]};
    for (size_t i = 0; i < nf; i++)
        tests[nv + i] = (struct CMUnitTest){fixed[i].name, fixed[i].fn, NULL, NULL, NULL};
    rc = _cmocka_run_group_tests("format_syslog", tests, nv + nf, NULL, NULL);
    free(tests);
    return rc;
}
