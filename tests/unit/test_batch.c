/* test_batch.c - in-flight batch accounting: acks in any order, commits in opening order. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "batch.h"

static void test_commit_order(void **state)
{
    struct batch_ring br;
    uint64_t a, b;
    (void)state;

    batch_ring_init(&br, 4);
    a = batch_open(&br);
    batch_add_hit(&br, a, "i", "1", 10);
    batch_submitted(&br, a);
    batch_submitted(&br, a);
    batch_close(&br, a);
    b = batch_open(&br);
    batch_add_hit(&br, b, "i", "2", 20);
    batch_submitted(&br, b);
    batch_close(&br, b);
    assert_int_equal(batch_ring_count(&br), 2);
    batch_acked(&br, b);              /* the newer batch completes first */
    assert_null(batch_ready(&br));    /* ...but cannot be committed before the older one */
    batch_acked(&br, a);
    assert_null(batch_ready(&br));    /* one of two messages of a still pending */
    batch_acked(&br, a);
    struct batch *r = batch_ready(&br);
    assert_non_null(r);
    assert_int_equal(r->seq, a);
    assert_string_equal(r->hits[0].id, "1");
    batch_pop(&br);
    r = batch_ready(&br);
    assert_non_null(r);
    assert_int_equal(r->seq, b);
    batch_pop(&br);
    assert_int_equal(batch_ring_count(&br), 0);
    batch_ring_fini(&br);
}

static void test_open_batch_not_ready(void **state)
{
    struct batch_ring br;
    (void)state;

    batch_ring_init(&br, 2);
    uint64_t a = batch_open(&br);
    assert_null(batch_ready(&br));    /* not closed: more messages may come */
    batch_close(&br, a);
    assert_non_null(batch_ready(&br)); /* closed with nothing pending (all read-only) */
    batch_pop(&br);
    batch_acked(&br, a);              /* a stray late ack is ignored */
    assert_int_equal(batch_ring_count(&br), 0);
    batch_ring_fini(&br);
}

static void test_ring_reuse(void **state)
{
    struct batch_ring br;
    (void)state;

    batch_ring_init(&br, 3);
    for (int i = 0; i < 1000; i++) {
        uint64_t s = batch_open(&br);
        batch_add_hit(&br, s, "idx", "id", i);
        batch_submitted(&br, s);
        batch_close(&br, s);
        batch_acked(&br, s);
        struct batch *r = batch_ready(&br);
        assert_non_null(r);
        assert_int_equal(r->nhits, 1);
        assert_int_equal(r->hits[0].ts_ms, i);
        batch_pop(&br);
    }
    assert_int_equal(br.max, 3);
    batch_ring_fini(&br);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_order),
        cmocka_unit_test(test_open_batch_not_ready),
        cmocka_unit_test(test_ring_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
