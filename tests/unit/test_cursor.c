/* test_cursor.c - watermark, overlap de-dup set, pruning by lookback and the size cap. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "cursor.h"

static void test_dedup_by_index_and_id(void **state)
{
    struct cursor *cur = cursor_new(60000, 1000);

    assert_false(cursor_seen(cur, "logs-1", "a"));
    cursor_commit(cur, "logs-1", "a", 1000);
    assert_true(cursor_seen(cur, "logs-1", "a"));
    assert_false(cursor_seen(cur, "logs-2", "a"));      /* same _id, other index */
    assert_false(cursor_seen(cur, "logs-1", "A"));
    assert_false(cursor_seen(cur, "logs-1", "a/b"));
    cursor_commit(cur, "logs-1", "a/b", 1000);          /* '/' is legal in an _id */
    assert_true(cursor_seen(cur, "logs-1", "a/b"));
    assert_false(cursor_seen(cur, "logs-1/a", "b"));
    cursor_commit(cur, "logs-1", "a", 1000);            /* again: no new entry */
    assert_int_equal(cursor_seen_count(cur), 2);
    cursor_free(cur);
}

static void test_watermark(void **state)
{
    struct cursor *cur = cursor_new(300000, 1000);

    assert_false(cursor_has_watermark(cur));
    cursor_commit(cur, "i", "1", 1700000000000);
    assert_true(cursor_has_watermark(cur));
    assert_int_equal(cursor_watermark(cur), 1700000000000);
    cursor_commit(cur, "i", "2", 1699999999000);        /* a late document: no step back */
    assert_int_equal(cursor_watermark(cur), 1700000000000);
    cursor_commit(cur, "i", "3", 1700000000500);
    assert_int_equal(cursor_watermark(cur), 1700000000500);
    assert_int_equal(cursor_range_start(cur), 1700000000500 - 300000);
    cursor_set_watermark(cur, 5000);
    assert_int_equal(cursor_watermark(cur), 5000);
    cursor_free(cur);
}

static void test_set_watermark_without_hits(void **state)
{
    struct cursor *cur = cursor_new(1000, 10);

    cursor_set_watermark(cur, 123456);
    assert_true(cursor_has_watermark(cur));
    assert_int_equal(cursor_range_start(cur), 122456);
    assert_int_equal(cursor_seen_count(cur), 0);
    cursor_free(cur);
}

static void test_prune_drops_only_older_than_lookback(void **state)
{
    struct cursor *cur = cursor_new(1000, 100000);
    char id[32];

    for (int ts = 0; ts <= 5000; ts += 100) {
        snprintf(id, sizeof(id), "%d", ts);
        cursor_commit(cur, "i", id, ts);
    }
    assert_int_equal(cursor_seen_count(cur), 51);
    cursor_prune(cur);
    /* watermark 5000, lookback 1000: keep ts >= 4000 */
    assert_int_equal(cursor_seen_count(cur), 11);
    assert_true(cursor_seen(cur, "i", "4000"));
    assert_true(cursor_seen(cur, "i", "5000"));
    assert_false(cursor_seen(cur, "i", "3900"));
    assert_false(cursor_seen(cur, "i", "0"));
    cursor_free(cur);
}

static void test_recommit_refreshes_time(void **state)
{
    struct cursor *cur = cursor_new(1000, 100);

    cursor_commit(cur, "i", "x", 100);
    cursor_commit(cur, "i", "x", 4500);
    cursor_commit(cur, "i", "y", 5000);
    cursor_prune(cur);
    assert_true(cursor_seen(cur, "i", "x"));
    cursor_free(cur);
}

static void test_cap_evicts_oldest(void **state)
{
    struct cursor *cur = cursor_new(1000000, 3);

    cursor_commit(cur, "i", "b", 20);
    cursor_commit(cur, "i", "a", 10);
    cursor_commit(cur, "i", "c", 30);
    assert_int_equal(cursor_seen_count(cur), 3);
    cursor_commit(cur, "i", "d", 40);
    assert_int_equal(cursor_seen_count(cur), 3);
    assert_false(cursor_seen(cur, "i", "a"));
    assert_true(cursor_seen(cur, "i", "b"));
    assert_true(cursor_seen(cur, "i", "d"));
    cursor_commit(cur, "i", "old", 5);                  /* older than all: evicted at once */
    assert_false(cursor_seen(cur, "i", "old"));
    assert_true(cursor_seen(cur, "i", "b"));
    assert_int_equal(cursor_watermark(cur), 40);
    cursor_free(cur);
}

struct visit {
    int n;
    int64_t sum;
    bool bad;
};

static void visit(void *ctx, const char *index, const char *id, int64_t ts)
{
    struct visit *v = ctx;
    char want[32];

    snprintf(want, sizeof(want), "%lld", (long long)ts);
    if (strcmp(index, ts % 2 ? "odd" : "even") != 0 || strcmp(id, want) != 0)
        v->bad = true;
    v->n++;
    v->sum += ts;
}

static void test_foreach_visits_everything(void **state)
{
    struct cursor *cur = cursor_new(1000000, 1000);
    struct visit v = {0};
    char id[32];

    for (int ts = 1; ts <= 100; ts++) {
        snprintf(id, sizeof(id), "%d", ts);
        cursor_commit(cur, ts % 2 ? "odd" : "even", id, ts);
    }
    cursor_foreach(cur, visit, &v);
    assert_false(v.bad);
    assert_int_equal(v.n, 100);
    assert_int_equal(v.sum, 5050);
    cursor_free(cur);
}

/* Many keys in shuffled time order, then pruning half: the table stays exact. */
static void test_many_keys(void **state)
{
    enum { N = 200000 };
    struct cursor *cur = cursor_new(N / 2, N);
    int *order = malloc(N * sizeof(*order));
    char id[32];
    uint32_t seed = 7;

    for (int i = 0; i < N; i++)
        order[i] = i;
    for (int i = N - 1; i > 0; i--) {
        seed = seed * 1103515245u + 12345u;
        int j = (int)((seed >> 8) % (uint32_t)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof(id), "doc-%d", order[i]);
        cursor_commit(cur, "idx", id, order[i]);
    }
    assert_int_equal(cursor_seen_count(cur), N);
    cursor_prune(cur);                                  /* keeps ts >= N - 1 - N/2 */
    assert_int_equal(cursor_seen_count(cur), N / 2 + 1);
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof(id), "doc-%d", i);
        if (cursor_seen(cur, "idx", id) != (i >= N - 1 - N / 2))
            fail_msg("doc-%d wrong after prune", i);
    }
    free(order);
    cursor_free(cur);
}

/* The source's fetched-position copy: independent of the original, same content. */
static void test_clone_is_independent(void **state)
{
    struct cursor *cur = cursor_new(60000, 3);

    cursor_set_watermark(cur, 5000);
    cursor_commit(cur, "i", "1", 1000);
    cursor_commit(cur, "i", "2", 2000);
    struct cursor *copy = cursor_clone(cur);
    assert_int_equal(cursor_watermark(copy), 5000);     /* not the newest entry's 2000 */
    assert_true(cursor_seen(copy, "i", "1"));
    assert_true(cursor_seen(copy, "i", "2"));
    assert_int_equal(cursor_range_start(copy), 5000 - 60000);
    cursor_commit(copy, "i", "3", 9000);
    cursor_commit(copy, "i", "4", 9500);                /* cap 3 is copied: "1" is evicted */
    assert_false(cursor_seen(copy, "i", "1"));
    assert_false(cursor_seen(cur, "i", "3"));
    assert_true(cursor_seen(cur, "i", "1"));
    assert_int_equal(cursor_watermark(cur), 5000);
    assert_int_equal(cursor_watermark(copy), 9500);
    cursor_free(copy);
    cursor_free(cur);
    struct cursor *empty = cursor_new(1000, 10);
    copy = cursor_clone(empty);
    assert_false(cursor_has_watermark(copy));
    cursor_free(copy);
    cursor_free(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dedup_by_index_and_id),
        cmocka_unit_test(test_watermark),
        cmocka_unit_test(test_set_watermark_without_hits),
        cmocka_unit_test(test_prune_drops_only_older_than_lookback),
        cmocka_unit_test(test_recommit_refreshes_time),
        cmocka_unit_test(test_cap_evicts_oldest),
        cmocka_unit_test(test_foreach_visits_everything),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_clone_is_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
