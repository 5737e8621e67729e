/* test_backoff.c - exponential backoff with jitter: growth, cap, jitter bounds, reset.
 * The clock and the random source are fakes; nothing sleeps. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "backoff.h"

struct fake {
    int64_t now;
    uint64_t next;     /* value returned by the rng */
    uint64_t lcg;      /* when non-zero: pseudo-random sequence instead */
};

static int64_t fake_clock(void *ctx)
{
    return ((struct fake *)ctx)->now;
}

static uint64_t fake_rng(void *ctx)
{
    struct fake *f = ctx;

    if (f->lcg == 0)
        return f->next;
    f->lcg = f->lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return f->lcg >> 11;
}

static void test_ceiling_doubles_then_caps(void **state)
{
    struct fake f = {0};
    struct backoff b;
    /* 100 ms doubling: 100 200 400 ... 25600, then the 30 s cap */
    static const int64_t want[] = {100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600,
                                   30000, 30000, 30000};

    backoff_init(&b, 100, 30000, fake_rng, &f, fake_clock, &f);
    for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        assert_int_equal(backoff_ceiling(&b, i), want[i]);
    assert_int_equal(backoff_ceiling(&b, 1000), 30000);
}

static void test_delays_grow_monotonically(void **state)
{
    struct fake f = {0};
    struct backoff b;
    int64_t prev = 0;

    /* rng 0 = lowest jitter: delay = ceiling / 2 */
    backoff_init(&b, 100, 30000, fake_rng, &f, fake_clock, &f);
    for (int i = 0; i < 20; i++) {
        int64_t d = backoff_fail(&b);
        assert_true(d >= prev);
        assert_true(d <= 30000);
        prev = d;
    }
    assert_int_equal(prev, 15000);
}

static void test_jitter_stays_in_bounds(void **state)
{
    struct fake f = {.lcg = 12345};
    struct backoff b;
    int64_t lo_seen = INT64_MAX, hi_seen = 0;

    backoff_init(&b, 100, 30000, fake_rng, &f, fake_clock, &f);
    for (int round = 0; round < 200; round++) {
        for (unsigned i = 0; i < 12; i++) {
            int64_t ceil = backoff_ceiling(&b, b.attempt);
            int64_t d = backoff_fail(&b);
            assert_true(d >= ceil / 2);
            assert_true(d <= ceil);
            if (i == 11) {
                lo_seen = d < lo_seen ? d : lo_seen;
                hi_seen = d > hi_seen ? d : hi_seen;
            }
        }
        backoff_reset(&b);
    }
    /* the capped delays really are spread over [15 s, 30 s] */
    assert_true(lo_seen < 17000);
    assert_true(hi_seen > 28000);
}

static void test_largest_rng_value_gives_ceiling(void **state)
{
    struct fake f = {0};
    struct backoff b;

    backoff_init(&b, 100, 30000, fake_rng, &f, fake_clock, &f);
    f.next = 50;   /* span at attempt 0 is [50, 100]: 51 values, 50 is the last */
    assert_int_equal(backoff_fail(&b), 100);
}

static void test_remaining_follows_clock(void **state)
{
    struct fake f = {.now = 1000};
    struct backoff b;
    int64_t d;

    backoff_init(&b, 100, 30000, fake_rng, &f, fake_clock, &f);
    assert_int_equal(backoff_remaining(&b), 0);
    d = backoff_fail(&b);
    assert_int_equal(backoff_remaining(&b), d);
    f.now += d - 10;
    assert_int_equal(backoff_remaining(&b), 10);
    f.now += 500;
    assert_int_equal(backoff_remaining(&b), 0);
}

static void test_reset_starts_over(void **state)
{
    struct fake f = {0};
    struct backoff b;

    backoff_init(&b, 100, 30000, fake_rng, &f, fake_clock, &f);
    for (int i = 0; i < 10; i++)
        backoff_fail(&b);
    assert_true(backoff_fail(&b) >= 15000);
    backoff_reset(&b);
    assert_int_equal(backoff_fail(&b), 50);
}

static void test_cap_below_base(void **state)
{
    struct fake f = {0};
    struct backoff b;

    backoff_init(&b, 500, 100, fake_rng, &f, fake_clock, &f);
    assert_int_equal(backoff_ceiling(&b, 0), 500);
    assert_int_equal(backoff_ceiling(&b, 7), 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ceiling_doubles_then_caps),
        cmocka_unit_test(test_delays_grow_monotonically),
        cmocka_unit_test(test_jitter_stays_in_bounds),
        cmocka_unit_test(test_largest_rng_value_gives_ceiling),
        cmocka_unit_test(test_remaining_follows_clock),
        cmocka_unit_test(test_reset_starts_over),
        cmocka_unit_test(test_cap_below_base),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
