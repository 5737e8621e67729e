/* test_syslog_frame.c - framing and UTF-8 truncation (syslog_frame.c) against formats.md
 * 3.6-3.8 and the framing vectors of 5.6. Table-driven; expected bytes come from the spec. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "syslog_frame.h"

struct frame_case {
    const char *msg;
    enum out_transport tr;
    enum out_framing fr;
    size_t max;
    const char *want; /* exact frame bytes */
    bool truncated;
};

static const struct frame_case frames[] = {
    /* formats.md 5.6: octet-count examples, exact bytes on the wire */
    {"<0>1 2024-05-01T12:34:56Z ece-host-1 ece-audit - - -", TRANSPORT_TCP, FRAMING_OCTET, 0,
     "52 <0>1 2024-05-01T12:34:56Z ece-host-1 ece-audit - - -", false},
    {"<14>1 - - - - - -", TRANSPORT_TCP, FRAMING_OCTET, 0, "17 <14>1 - - - - - -", false},
    {"<110>1 - - - - - - CEF:0|V|P|1|x|n|0|", TRANSPORT_TLS, FRAMING_OCTET, 0,
     "37 <110>1 - - - - - - CEF:0|V|P|1|x|n|0|", false},
    /* 3.7: octet counting is transparent, LF stays inside */
    {"<14>1 - - - - - - line1\nline2", TRANSPORT_TCP, FRAMING_OCTET, 0,
     "29 <14>1 - - - - - - line1\nline2", false},
    /* MSG-LEN counts octets, not characters: "Zürich" is 7 bytes */
    {"<14>1 - - - - - - Z\xc3\xbcrich", TRANSPORT_TCP, FRAMING_OCTET, 0,
     "25 <14>1 - - - - - - Z\xc3\xbcrich", false},
    /* 3.7 non-transparent: trailer LF, no CR/LF inside */
    {"<14>1 - - - - - - lf framed ok", TRANSPORT_TCP, FRAMING_LF, 0,
     "<14>1 - - - - - - lf framed ok\n", false},
    {"<14>1 - - - - - - a\nb\r\nc", TRANSPORT_TLS, FRAMING_LF, 0, "<14>1 - - - - - - a b  c\n",
     false},
    /* 3.6: UDP, one message per datagram, no framing, no trailer (framing is ignored) */
    {"<14>1 - - - - - - udp", TRANSPORT_UDP, FRAMING_LF, 0, "<14>1 - - - - - - udp", false},
    /* truncation: the count is of the truncated message */
    {"<14>1 - - - - - - 0123456789", TRANSPORT_TCP, FRAMING_OCTET, 64,
     "28 <14>1 - - - - - - 0123456789", false},
    {"<14>1 - - - - - - 0123456789", TRANSPORT_UDP, FRAMING_OCTET, 20, "<14>1 - - - - - - 01",
     true},
    {"<14>1 - - - - - - 0123456789", TRANSPORT_TCP, FRAMING_OCTET, 22,
     "22 <14>1 - - - - - - 0123", true},
    {"<14>1 - - - - - - 0123456789", TRANSPORT_TCP, FRAMING_LF, 21,
     "<14>1 - - - - - - 012\n", true},
    /* cut inside U+00FC (2 bytes): the whole character goes */
    {"<14>1 - - - - - - Z\xc3\xbcrich", TRANSPORT_UDP, FRAMING_OCTET, 20, "<14>1 - - - - - - Z",
     true},
};

static void test_frames(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
        const struct frame_case *c = &frames[i];
        size_t len = 0;
        bool cut = !c->truncated;
        char *f = syslog_frame_build(c->msg, strlen(c->msg), c->tr, c->fr, c->max, &len, &cut);
        print_message("# case %zu\n", i);
        assert_int_equal(len, strlen(c->want));
        assert_memory_equal(f, c->want, len);
        assert_int_equal(cut, c->truncated);
        free(f);
    }
}

struct cut_case {
    const char *s;
    size_t max;
    size_t want;
};

/* U+00E4 = c3 a4 (2), U+20AC = e2 82 ac (3), U+1D11E = f0 9d 84 9e (4) */
static const struct cut_case cuts[] = {
    {"abcdef", 10, 6},                      /* fits */
    {"abcdef", 6, 6},                       /* exactly */
    {"abcdef", 3, 3},                       /* ASCII: any position */
    {"a\xc3\xa4", 2, 1},                    /* inside the 2-byte sequence */
    {"a\xc3\xa4", 3, 3},
    {"a\xe2\x82\xac", 2, 1},                /* after the lead byte of 3 */
    {"a\xe2\x82\xac", 3, 1},                /* after 2 of 3 */
    {"a\xe2\x82\xac" "b", 4, 4},            /* right after it */
    {"a\xf0\x9d\x84\x9e", 2, 1},            /* 1, 2, 3 bytes of a 4-byte sequence */
    {"a\xf0\x9d\x84\x9e", 3, 1},
    {"a\xf0\x9d\x84\x9e", 4, 1},
    {"a\xf0\x9d\x84\x9e" "b", 5, 5},
    {"\xc3\xa4\xc3\xa4", 3, 2},
    {"\x80\x80\x80\x80\x80\x80", 4, 4},     /* not UTF-8: plain byte cut */
    {"abc", 0, 0},
};

static void test_utf8_cut(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        print_message("# case %zu\n", i);
        assert_int_equal(syslog_frame_utf8_cut(cuts[i].s, strlen(cuts[i].s), cuts[i].max),
                         cuts[i].want);
    }
}

static void test_max_message_defaults(void **state)
{
    struct cfg_output co;

    (void)state;
    memset(&co, 0, sizeof(co));
    co.transport = TRANSPORT_UDP;
    assert_int_equal(syslog_frame_max_message(&co), 2048);   /* formats.md 3.6 [P] */
    co.transport = TRANSPORT_TCP;
    assert_int_equal(syslog_frame_max_message(&co), 65536);
    co.transport = TRANSPORT_TLS;
    co.max_message = 8192;
    assert_int_equal(syslog_frame_max_message(&co), 8192);
}

/* the default UDP limit applies when max_message is 0 */
static void test_udp_default_truncates_at_2048(void **state)
{
    char msg[3000];
    size_t len;
    bool cut;
    char *f;

    (void)state;
    memset(msg, 'x', sizeof(msg));
    f = syslog_frame_build(msg, sizeof(msg), TRANSPORT_UDP, FRAMING_OCTET, 0, &len, &cut);
    assert_int_equal(len, 2048);
    assert_true(cut);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_utf8_cut),
        cmocka_unit_test(test_max_message_defaults),
        cmocka_unit_test(test_udp_default_truncates_at_2048),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
