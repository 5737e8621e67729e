/* test_syslog_queue.c - the sent-but-unconfirmed queue (syslog_queue.c): stream marks,
 * partial writes, acks by acknowledged position, the ack delay (injected clock: times are
 * plain numbers), rewind after a loss, ring growth. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "syslog_queue.h"
#include "xalloc.h"

struct acks {
    uint64_t tokens[4096];
    size_t n;
    struct syslog_queue *q; /* push from inside the callback when set */
};

static void record(void *ctx, uint64_t token)
{
    struct acks *a = ctx;

    a->tokens[a->n++] = token;
    if (a->q) {
        syslog_queue_push(a->q, xstrdup("late"), 4, 1000 + token);
    }
}

static void push_len(struct syslog_queue *q, size_t len, uint64_t token)
{
    char *f = xmalloc(len);

    memset(f, 'a' + (int)(token % 26), len);
    syslog_queue_push(q, f, len, token);
}

static void test_exact_marks(void **state)
{
    struct syslog_queue q;
    struct acks a = {0};

    (void)state;
    syslog_queue_init(&q);
    push_len(&q, 10, 1);
    push_len(&q, 20, 2);
    push_len(&q, 30, 3);
    assert_int_equal(q.bytes, 60);
    /* 15 bytes in the kernel: message 1 complete (ends at 10), message 2 partial */
    assert_int_equal(syslog_queue_wrote(&q, 15, 15, true), 0);
    assert_int_equal(syslog_queue_inflight(&q), 1);
    assert_int_equal(syslog_queue_ack(&q, 9, record, &a), 0);   /* peer has 9 bytes */
    assert_int_equal(syslog_queue_ack(&q, 10, record, &a), 1);  /* ... now all of message 1 */
    assert_int_equal(a.tokens[0], 1);
    /* the rest: message 2 ends at 30, message 3 at 60 */
    syslog_queue_wrote(&q, 45, 60, true);
    assert_false(syslog_queue_has_unsent(&q));
    assert_int_equal(syslog_queue_ack(&q, 59, record, &a), 1);
    assert_int_equal(a.tokens[1], 2);
    assert_int_equal(syslog_queue_ack(&q, 60, record, &a), 1);
    assert_int_equal(a.tokens[2], 3);
    assert_int_equal(syslog_queue_count(&q), 0);
    assert_int_equal(q.bytes, 0);
    syslog_queue_fini(&q);
}

/* TLS: every message completed by one write waits for the whole write's wire bytes */
static void test_coarse_marks(void **state)
{
    struct syslog_queue q;
    struct acks a = {0};

    (void)state;
    syslog_queue_init(&q);
    push_len(&q, 10, 1);
    push_len(&q, 10, 2);
    syslog_queue_wrote(&q, 20, 1000, false); /* 20 plaintext bytes -> wire position 1000 */
    assert_int_equal(syslog_queue_ack(&q, 999, record, &a), 0);
    assert_int_equal(syslog_queue_ack(&q, 1000, record, &a), 2);
    syslog_queue_fini(&q);
}

/* an unwritten message is never acked, whatever the position says */
static void test_unwritten_never_acked(void **state)
{
    struct syslog_queue q;
    struct acks a = {0};

    (void)state;
    syslog_queue_init(&q);
    push_len(&q, 10, 1);
    assert_int_equal(syslog_queue_ack(&q, UINT64_MAX, record, &a), 0);
    syslog_queue_wrote(&q, 9, 9, true);
    assert_int_equal(syslog_queue_ack(&q, UINT64_MAX, record, &a), 0);
    syslog_queue_fini(&q);
}

static void test_iov_partial_and_limits(void **state)
{
    struct syslog_queue q;
    struct iovec iov[8];

    (void)state;
    syslog_queue_init(&q);
    for (int i = 1; i <= 5; i++)
        push_len(&q, 100, (uint64_t)i);
    syslog_queue_wrote(&q, 130, 130, true);
    assert_int_equal(syslog_queue_iov(&q, iov, 8, 1 << 20), 4);
    assert_int_equal(iov[0].iov_len, 70); /* the rest of message 2 */
    assert_int_equal(iov[1].iov_len, 100);
    assert_int_equal(syslog_queue_iov(&q, iov, 2, 1 << 20), 2);
    assert_int_equal(syslog_queue_iov(&q, iov, 8, 200), 2);  /* 70 + 100 <= 200 < 270 */
    assert_int_equal(syslog_queue_iov(&q, iov, 8, 1), 1);    /* always at least one */
    syslog_queue_fini(&q);
}

static void test_rewind_resends(void **state)
{
    struct syslog_queue q;
    struct acks a = {0};

    (void)state;
    syslog_queue_init(&q);
    for (int i = 1; i <= 4; i++)
        push_len(&q, 10, (uint64_t)i);
    syslog_queue_wrote(&q, 25, 25, true);      /* 1, 2 complete; 3 half */
    assert_int_equal(syslog_queue_ack(&q, 10, record, &a), 1);
    /* connection lost: 2 (written) and 3 (partly written) go back; 4 was never written */
    assert_int_equal(syslog_queue_rewind(&q), 2);
    assert_int_equal(syslog_queue_inflight(&q), 0);
    assert_int_equal(syslog_queue_count(&q), 3);
    /* new connection: positions restart at 0; the resends are counted once */
    assert_int_equal(syslog_queue_wrote(&q, 30, 30, true), 2);
    assert_int_equal(syslog_queue_ack(&q, 30, record, &a), 3);
    assert_int_equal(a.n, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(a.tokens[i], i + 1);
    /* rewinding with nothing written returns nothing */
    push_len(&q, 10, 5);
    assert_int_equal(syslog_queue_rewind(&q), 0);
    syslog_queue_fini(&q);
}

static void test_ring_growth_keeps_order(void **state)
{
    struct syslog_queue q;
    struct acks a = {0};
    uint64_t next = 1;

    (void)state;
    syslog_queue_init(&q);
    /* interleave pushes, writes and acks so that the ring wraps and then grows */
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 300; i++)
            push_len(&q, 3, next++);
        syslog_queue_wrote(&q, 3 * 250, 3 * 250, true);
        syslog_queue_ack(&q, 3 * 250, record, &a);
        syslog_queue_rewind(&q); /* new "connection": positions from 0 again */
    }
    while (syslog_queue_has_unsent(&q)) {
        syslog_queue_wrote(&q, 3, 3, true);
        syslog_queue_ack(&q, 3, record, &a);
        syslog_queue_rewind(&q);
    }
    assert_int_equal(a.n, 3000);
    for (size_t i = 0; i < a.n; i++)
        assert_int_equal(a.tokens[i], i + 1);
    syslog_queue_fini(&q);
}

static void test_push_from_ack_callback(void **state)
{
    struct syslog_queue q;
    struct acks a = {0};

    (void)state;
    syslog_queue_init(&q);
    a.q = &q;
    for (int i = 1; i <= 300; i++) /* past the initial ring size */
        push_len(&q, 1, (uint64_t)i);
    syslog_queue_wrote(&q, 300, 300, true);
    assert_int_equal(syslog_queue_ack(&q, 300, record, &a), 300);
    assert_int_equal(syslog_queue_count(&q), 300); /* the late ones */
    assert_int_equal(syslog_queue_next(&q)->token, 1001);
    syslog_queue_fini(&q);
}

/* the ack delay: acked only once TCP-acked for delay ms, measured from the first time the
 * TCP ack was observed; times are injected */
static void test_ack_delay(void **state)
{
    struct syslog_queue q;
    struct acks a = {0};
    const int64_t delay = 2000;

    (void)state;
    syslog_queue_init(&q);
    for (int i = 1; i <= 3; i++)
        push_len(&q, 10, (uint64_t)i);
    syslog_queue_wrote(&q, 30, 30, true);       /* marks 10, 20, 30 */
    assert_int_equal(syslog_queue_release_at(&q, delay), INT64_MAX);
    assert_int_equal(syslog_queue_release(&q, 1000000, delay, record, &a), 0);
    /* at t=1000 the peer has 20 bytes: messages 1 and 2 are TCP-acked, not acked */
    assert_int_equal(syslog_queue_tcp_acked(&q, 20, 1000), 2);
    assert_int_equal(syslog_queue_untacked(&q), 1);
    assert_int_equal(syslog_queue_inflight(&q), 3);
    assert_int_equal(syslog_queue_release(&q, 1000, delay, record, &a), 0);
    assert_int_equal(syslog_queue_release_at(&q, delay), 3000);
    /* seeing the same acknowledgement again later does not restart their delay */
    assert_int_equal(syslog_queue_tcp_acked(&q, 20, 1700), 0);
    assert_int_equal(syslog_queue_release_at(&q, delay), 3000);
    /* message 3 is TCP-acked at t=1500 */
    assert_int_equal(syslog_queue_tcp_acked(&q, 30, 1500), 1);
    assert_int_equal(syslog_queue_release(&q, 2999, delay, record, &a), 0);
    assert_int_equal(syslog_queue_release(&q, 3000, delay, record, &a), 2);
    assert_int_equal(a.n, 2);
    assert_int_equal(a.tokens[0], 1);
    assert_int_equal(a.tokens[1], 2);
    assert_int_equal(q.bytes, 10);
    assert_int_equal(syslog_queue_release_at(&q, delay), 3500);
    assert_int_equal(syslog_queue_release(&q, 3499, delay, record, &a), 0);
    assert_int_equal(syslog_queue_release(&q, 3500, delay, record, &a), 1);
    assert_int_equal(a.tokens[2], 3);
    assert_int_equal(syslog_queue_count(&q), 0);
    assert_int_equal(syslog_queue_release_at(&q, delay), INT64_MAX);
    /* delay 0 acks at the TCP ack */
    push_len(&q, 10, 4);
    syslog_queue_wrote(&q, 10, 40, true);
    assert_int_equal(syslog_queue_tcp_acked(&q, 40, 5000), 1);
    assert_int_equal(syslog_queue_release(&q, 5000, 0, record, &a), 1);
    assert_int_equal(a.tokens[3], 4);
    syslog_queue_fini(&q);
}

/* only written messages become TCP-acked: not a partly written one, not an unsent one */
static void test_tcp_ack_needs_written(void **state)
{
    struct syslog_queue q;
    struct acks a = {0};

    (void)state;
    syslog_queue_init(&q);
    push_len(&q, 10, 1);
    push_len(&q, 20, 2);
    push_len(&q, 30, 3);
    assert_int_equal(syslog_queue_tcp_acked(&q, UINT64_MAX, 0), 0);
    syslog_queue_wrote(&q, 15, 15, true);      /* 1 complete, 2 partly written */
    assert_int_equal(syslog_queue_tcp_acked(&q, UINT64_MAX, 0), 1);
    assert_int_equal(syslog_queue_release(&q, INT64_MAX / 2, 2000, record, &a), 1);
    assert_int_equal(a.tokens[0], 1);
    syslog_queue_fini(&q);
}

/* the connection breaks while messages are inside the delay: they (and the written,
 * not TCP-acked ones) are re-sent, and their delay starts again on the new connection */
static void test_rewind_inside_delay(void **state)
{
    struct syslog_queue q;
    struct acks a = {0};
    const int64_t delay = 2000;

    (void)state;
    syslog_queue_init(&q);
    for (int i = 1; i <= 4; i++)
        push_len(&q, 10, (uint64_t)i);
    syslog_queue_wrote(&q, 40, 40, true);
    syslog_queue_tcp_acked(&q, 10, 0);         /* 1 at t=0 */
    syslog_queue_tcp_acked(&q, 30, 1000);      /* 2, 3 at t=1000 */
    assert_int_equal(syslog_queue_release(&q, 2500, delay, record, &a), 1);  /* only 1 */
    /* lost at t=2600: 2 and 3 (TCP-acked, inside the delay) and 4 (written) go back */
    assert_int_equal(syslog_queue_rewind(&q), 3);
    assert_int_equal(syslog_queue_inflight(&q), 0);
    assert_int_equal(syslog_queue_untacked(&q), 0);
    assert_int_equal(syslog_queue_release_at(&q, delay), INT64_MAX);
    assert_int_equal(syslog_queue_release(&q, 1000000, delay, record, &a), 0);
    /* new connection from position 0, all three re-sent and counted once */
    assert_int_equal(syslog_queue_wrote(&q, 30, 30, true), 3);
    assert_int_equal(syslog_queue_tcp_acked(&q, 30, 5000), 3);
    assert_int_equal(syslog_queue_release(&q, 3000, delay, record, &a), 0); /* old time: no */
    assert_int_equal(syslog_queue_release(&q, 6999, delay, record, &a), 0);
    assert_int_equal(syslog_queue_release(&q, 7000, delay, record, &a), 3);
    assert_int_equal(a.n, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(a.tokens[i], i + 1);
    syslog_queue_fini(&q);
}

/* many in flight across ring growth: TCP-ack times survive the move */
static void test_delay_across_growth(void **state)
{
    struct syslog_queue q;
    struct acks a = {0};

    (void)state;
    syslog_queue_init(&q);
    for (int i = 1; i <= 100; i++)
        push_len(&q, 2, (uint64_t)i);
    syslog_queue_wrote(&q, 200, 200, true);
    assert_int_equal(syslog_queue_tcp_acked(&q, 100, 10), 50);
    for (int i = 101; i <= 2000; i++)            /* grows the ring several times */
        push_len(&q, 2, (uint64_t)i);
    syslog_queue_wrote(&q, 3800, 4000, true);
    assert_int_equal(syslog_queue_tcp_acked(&q, 4000, 20), 1950);
    assert_int_equal(syslog_queue_release(&q, 109, 100, record, &a), 0);
    assert_int_equal(syslog_queue_release(&q, 110, 100, record, &a), 50);
    assert_int_equal(syslog_queue_release(&q, 120, 100, record, &a), 1950);
    assert_int_equal(a.n, 2000);
    for (size_t i = 0; i < a.n; i++)
        assert_int_equal(a.tokens[i], i + 1);
    syslog_queue_fini(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_marks),
        cmocka_unit_test(test_coarse_marks),
        cmocka_unit_test(test_unwritten_never_acked),
        cmocka_unit_test(test_iov_partial_and_limits),
        cmocka_unit_test(test_rewind_resends),
        cmocka_unit_test(test_ring_growth_keeps_order),
        cmocka_unit_test(test_push_from_ack_callback),
        cmocka_unit_test(test_ack_delay),
        cmocka_unit_test(test_tcp_ack_needs_written),
        cmocka_unit_test(test_rewind_inside_delay),
        cmocka_unit_test(test_delay_across_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
