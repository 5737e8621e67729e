/* test_rules.c - unit tests of the rule engine: windows on injected event times, groups,
 * suppression, caps, replay de-dup, state across a restart, and the alert's fields.
 * Expected values follow the rules spec (issue 5 and the part's brief), never captured output. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "rules.h"
#include "xalloc.h"
#include "../../agent/rules_int.h" /* the replay memory's set, tested directly below */

#define SEC     1000LL
#define MIN     (60 * SEC)
#define T0      1795161600000LL /* 2026-11-20T00:00:00Z */
#define CAP_MAX 32

struct fixture {
    struct cfg cfg;
    struct rules *r;
    int n;                        /* alerts captured */
    bool count_only;              /* count in n, do not keep */
    struct audit_event alerts[CAP_MAX];
    struct audit_event ev;        /* the event being fed */
};

static void on_alert(void *ctx, const struct audit_event *al)
{
    struct fixture *f = ctx;

    if (f->count_only) {
        f->n++;
        return;
    }
    assert_true(f->n < CAP_MAX);
    ev_copy(&f->alerts[f->n++], al);
}

static struct fixture *fx_new(void)
{
    struct fixture *f = xcalloc(1, sizeof(*f));
    return f;
}

static void fx_free(struct fixture *f)
{
    rules_free(f->r);
    free(f);
}

static struct cfg_rule *add_rule(struct fixture *f, const char *name, const char *match,
                                 int outcome, int threshold, int64_t window, int64_t suppress)
{
    struct cfg_rule *cr = &f->cfg.rules[f->cfg.n_rules++];

    cr->name = (char *)name;
    cr->match = (char *)match;
    cr->outcome = outcome;
    cr->threshold = threshold;
    cr->window_ms = window;
    cr->suppress_ms = suppress;
    cr->severity = 8;
    return cr;
}

static void group_by(struct cfg_rule *cr, enum rule_field field)
{
    cr->group_by[cr->n_group_by++] = field;
}

static void cond(struct cfg_rule *cr, enum rule_field field, const char *glob)
{
    cr->conds[cr->n_conds].field = field;
    cr->conds[cr->n_conds++].value = (char *)glob;
}

/* the default brute-force rule: 3 failed logins per user within 5 minutes */
static struct cfg_rule *bruteforce(struct fixture *f, int64_t suppress)
{
    struct cfg_rule *cr = add_rule(f, "login-bruteforce", "auth.login.failure", OUTCOME_FAILURE,
                                   3, 5 * MIN, suppress);
    group_by(cr, RF_USER);
    return cr;
}

static void start(struct fixture *f)
{
    f->r = rules_new(&f->cfg);
    assert_non_null(f->r);
}

static void feed(struct fixture *f, const char *cls, enum ev_outcome outcome, const char *user,
                 const char *ip, int64_t ts, const char *rid)
{
    struct audit_event *ev = &f->ev;

    ev_reset(ev);
    ev_set(ev, &ev->class, cls);
    ev->outcome = outcome;
    ev_set(ev, &ev->user, user);
    ev_set(ev, &ev->src_ip, ip);
    ev_set(ev, &ev->request_id, rid);
    ev->ts_ms = ts;
    rules_process(f->r, ev, on_alert, f);
}

static void login_fail(struct fixture *f, const char *user, int64_t ts, const char *rid)
{
    feed(f, "auth.login.failure", OUTCOME_FAILURE, user, "203.0.113.77", ts, rid);
}

static struct rules_stats stats(const struct fixture *f)
{
    struct rules_stats st;
    rules_get_stats(f->r, &st);
    return st;
}

/* ---- window arithmetic ---- */

static void test_exactly_at_threshold(void **state)
{
    struct fixture *f = fx_new();
    bruteforce(f, 5 * MIN);
    start(f);
    login_fail(f, "alice", T0, "r1");
    login_fail(f, "alice", T0 + 1 * MIN, "r2");
    assert_int_equal(f->n, 0);
    login_fail(f, "alice", T0 + 2 * MIN, "r3");
    assert_int_equal(f->n, 1);

    const struct audit_event *al = &f->alerts[0];
    assert_string_equal(al->class, "alert.login-bruteforce");
    assert_string_equal(al->name, "ECE alert: login-bruteforce");
    assert_int_equal(al->severity, 8);
    assert_int_equal(al->outcome, OUTCOME_FAILURE);
    assert_int_equal(al->shape, SHAPE_AGENT);
    assert_int_equal(al->ts_ms, T0 + 2 * MIN);
    assert_string_equal(al->rule_name, "login-bruteforce");
    assert_string_equal(al->group_value, "alice");
    assert_int_equal(al->alert_count, 3);
    assert_int_equal(al->alert_window_ms, 5 * MIN);
    assert_int_equal(al->alert_first_ms, T0);
    assert_int_equal(al->alert_last_ms, T0 + 2 * MIN);
    assert_int_equal(al->alert_nids, 3);
    assert_string_equal(al->alert_ids[0], "r1");
    assert_string_equal(al->alert_ids[1], "r2");
    assert_string_equal(al->alert_ids[2], "r3");
    assert_string_equal(al->user, "alice");       /* a group field */
    assert_null(al->src_ip);                      /* not a group field */
    assert_null(al->request_id);
    assert_string_equal(al->message, "3 auth.login.failure events for alice within 5m");
    assert_string_equal(al->dedup_key, "alert:login-bruteforce:alice:r1");

    struct rules_stats st = stats(f);
    assert_int_equal(st.matched, 3);
    assert_int_equal(st.alerts, 1);
    assert_int_equal(st.suppressed, 0);
    assert_int_equal(st.groups, 1);
    fx_free(f);
}

static void test_one_below_threshold(void **state)
{
    struct fixture *f = fx_new();
    bruteforce(f, 5 * MIN);
    start(f);
    login_fail(f, "alice", T0, "r1");
    login_fail(f, "alice", T0 + 4 * MIN, "r2");
    feed(f, "auth.login.success", OUTCOME_SUCCESS, "alice", NULL, T0 + 4 * MIN, "r3");
    assert_int_equal(f->n, 0);
    assert_int_equal(stats(f).matched, 2);
    fx_free(f);
}

/* three failures spread over `span`: inclusive window, so span == window still alerts */
static void test_window_edge(void **state)
{
    static const struct {
        int64_t span;
        int alerts;
    } rows[] = {
        { 5 * MIN - 1, 1 },
        { 5 * MIN, 1 },
        { 5 * MIN + 1, 0 },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct fixture *f = fx_new();
        bruteforce(f, 5 * MIN);
        start(f);
        login_fail(f, "alice", T0, "r1");
        login_fail(f, "alice", T0 + rows[i].span / 2, "r2");
        login_fail(f, "alice", T0 + rows[i].span, "r3");
        assert_int_equal(f->n, rows[i].alerts);
        if (rows[i].alerts)
            assert_int_equal(f->alerts[0].alert_last_ms - f->alerts[0].alert_first_ms,
                             rows[i].span);
        fx_free(f);
    }
}

/* once the first failure slides out, the burst needs a new third event */
static void test_window_slides(void **state)
{
    struct fixture *f = fx_new();
    bruteforce(f, 5 * MIN);
    start(f);
    login_fail(f, "alice", T0, "r1");
    login_fail(f, "alice", T0 + 4 * MIN, "r2");
    login_fail(f, "alice", T0 + 6 * MIN, "r3"); /* r1 is 6 min before: out */
    assert_int_equal(f->n, 0);
    login_fail(f, "alice", T0 + 8 * MIN, "r4"); /* r2, r3, r4 within 4 min */
    assert_int_equal(f->n, 1);
    assert_int_equal(f->alerts[0].alert_first_ms, T0 + 4 * MIN);
    assert_string_equal(f->alerts[0].alert_ids[0], "r2");
    fx_free(f);
}

static void test_interleaved_users(void **state)
{
    struct fixture *f = fx_new();
    bruteforce(f, 5 * MIN);
    start(f);
    login_fail(f, "alice", T0, "a1");
    login_fail(f, "bob", T0 + 1 * SEC, "b1");
    login_fail(f, "alice", T0 + 2 * SEC, "a2");
    login_fail(f, "bob", T0 + 3 * SEC, "b2");
    login_fail(f, "carol", T0 + 4 * SEC, "c1");
    assert_int_equal(f->n, 0);
    login_fail(f, "alice", T0 + 5 * SEC, "a3");
    login_fail(f, "bob", T0 + 6 * SEC, "b3");
    assert_int_equal(f->n, 2);
    assert_string_equal(f->alerts[0].group_value, "alice");
    assert_string_equal(f->alerts[0].alert_ids[0], "a1");
    assert_string_equal(f->alerts[0].alert_ids[2], "a3");
    assert_string_equal(f->alerts[1].group_value, "bob");
    assert_string_equal(f->alerts[1].alert_ids[1], "b2");
    assert_int_equal(stats(f).groups, 3);
    fx_free(f);
}

static void test_out_of_order(void **state)
{
    struct fixture *f = fx_new();
    bruteforce(f, 5 * MIN);
    start(f);
    login_fail(f, "alice", T0 + 2 * MIN, "r3");
    login_fail(f, "alice", T0, "r1");
    assert_int_equal(f->n, 0);
    login_fail(f, "alice", T0 + 1 * MIN, "r2");
    assert_int_equal(f->n, 1);
    assert_int_equal(f->alerts[0].alert_first_ms, T0);
    assert_int_equal(f->alerts[0].alert_last_ms, T0 + 2 * MIN);
    assert_int_equal(f->alerts[0].ts_ms, T0 + 2 * MIN);
    assert_string_equal(f->alerts[0].alert_ids[0], "r1"); /* time order, not arrival */
    assert_string_equal(f->alerts[0].alert_ids[1], "r2");
    assert_string_equal(f->alerts[0].alert_ids[2], "r3");
    assert_string_equal(f->alerts[0].dedup_key, "alert:login-bruteforce:alice:r1");
    fx_free(f);
}

/* the window edge when the newest event arrives first */
static void test_out_of_order_edge(void **state)
{
    static const struct {
        int64_t span;
        int alerts;
    } rows[] = {
        { 5 * MIN, 1 },
        { 5 * MIN + 1, 0 },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct fixture *f = fx_new();
        bruteforce(f, 5 * MIN);
        start(f);
        login_fail(f, "alice", T0 + rows[i].span, "r3");
        login_fail(f, "alice", T0, "r1");
        login_fail(f, "alice", T0 + 1 * MIN, "r2");
        assert_int_equal(f->n, rows[i].alerts);
        fx_free(f);
    }
}

/* a late event completes a burst with older kept events, though newer ones exist */
static void test_late_event_completes_burst(void **state)
{
    struct fixture *f = fx_new();
    bruteforce(f, 5 * MIN);
    start(f);
    login_fail(f, "alice", T0, "r1");
    login_fail(f, "alice", T0 + 10 * SEC, "r2");
    login_fail(f, "alice", T0 + 8 * MIN, "r3");   /* newest; r1, r2 are behind its window */
    assert_int_equal(f->n, 0);
    login_fail(f, "alice", T0 + 20 * SEC, "r4");  /* late: r1, r2, r4 within 20 s */
    assert_int_equal(f->n, 1);
    assert_int_equal(f->alerts[0].alert_first_ms, T0);
    assert_int_equal(f->alerts[0].alert_last_ms, T0 + 20 * SEC);
    assert_string_equal(f->alerts[0].alert_ids[2], "r4");
    /* r3 is still counted: two more after it alert again (9m40s after the first alert) */
    login_fail(f, "alice", T0 + 9 * MIN, "r5");
    login_fail(f, "alice", T0 + 10 * MIN, "r6");
    assert_int_equal(f->n, 2);
    assert_int_equal(f->alerts[1].alert_first_ms, T0 + 8 * MIN);
    fx_free(f);
}

/* events older than newest - window - lookback count only with kept events; then forgotten */
static void test_too_late_is_forgotten(void **state)
{
    struct fixture *f = fx_new();
    bruteforce(f, 5 * MIN);
    start(f);
    login_fail(f, "alice", T0 + 20 * MIN, "r1");
    login_fail(f, "alice", T0, "r2");
    login_fail(f, "alice", T0 + 1 * SEC, "r3");
    login_fail(f, "alice", T0 + 2 * SEC, "r4");
    assert_int_equal(f->n, 0);
    struct strbuf sb;
    strbuf_init(&sb, 0);
    assert_int_equal(rules_save(f->r, &sb), 0);
    assert_null(strstr(strbuf_str(&sb), "\"r4\"")); /* not kept in the window */
    assert_non_null(strstr(strbuf_str(&sb), "\"r1\""));
    strbuf_fini(&sb);
    fx_free(f);
}

/* ---- suppression ---- */

static void test_suppression(void **state)
{
    static const struct {
        int64_t suppress;
        int alerts;
        int suppressed;
    } rows[] = {
        { 5 * MIN, 1, 1 }, /* default: the second burst in the window is held back */
        { 0, 2, 0 },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct fixture *f = fx_new();
        bruteforce(f, rows[i].suppress);
        start(f);
        for (int k = 0; k < 6; k++) {
            char rid[8];
            snprintf(rid, sizeof(rid), "r%d", k + 1);
            login_fail(f, "alice", T0 + k * 10 * SEC, rid);
        }
        assert_int_equal(f->n, rows[i].alerts);
        assert_int_equal(stats(f).suppressed, rows[i].suppressed);
        if (rows[i].alerts == 2)
            assert_string_equal(f->alerts[1].dedup_key, "alert:login-bruteforce:alice:r4");
        fx_free(f);
    }
}

static void test_suppression_ends(void **state)
{
    struct fixture *f = fx_new();
    bruteforce(f, 10 * MIN);
    start(f);
    login_fail(f, "alice", T0, "r1");
    login_fail(f, "alice", T0 + 1 * SEC, "r2");
    login_fail(f, "alice", T0 + 2 * SEC, "r3"); /* alert at T0+2s */
    login_fail(f, "alice", T0 + 9 * MIN, "r4");
    login_fail(f, "alice", T0 + 9 * MIN + 1 * SEC, "r5");
    login_fail(f, "alice", T0 + 10 * MIN + 1 * SEC, "r6"); /* 9m59s after: suppressed */
    assert_int_equal(f->n, 1);
    login_fail(f, "alice", T0 + 10 * MIN, "r7");
    login_fail(f, "alice", T0 + 10 * MIN + 1 * SEC, "r8");
    login_fail(f, "alice", T0 + 10 * MIN + 2 * SEC, "r9"); /* exactly `suppress` after: alerts */
    assert_int_equal(f->n, 2);
    assert_int_equal(f->alerts[1].alert_first_ms, T0 + 10 * MIN);
    assert_int_equal(stats(f).suppressed, 1);
    fx_free(f);
}

/* ---- critical-event rules ---- */

static void test_threshold_one(void **state)
{
    struct fixture *f = fx_new();
    struct cfg_rule *cr = add_rule(f, "deployment-delete", "deployment.delete", OUTCOME_SUCCESS,
                                   1, 0, 0);
    cr->severity = 9;
    group_by(cr, RF_DEPLOYMENT_ID);
    start(f);
    for (int i = 0; i < 3; i++) {
        ev_reset(&f->ev);
        ev_set(&f->ev, &f->ev.class, i == 1 ? "deployment.update" : "deployment.delete");
        f->ev.outcome = OUTCOME_SUCCESS;
        ev_set(&f->ev, &f->ev.user, "philipp");
        ev_set(&f->ev, &f->ev.src_ip, "10.30.8.21");
        ev_set(&f->ev, &f->ev.deployment_id, i == 0 ? "d1" : "d2");
        ev_setf(&f->ev, &f->ev.request_id, "q%d", i);
        f->ev.ts_ms = T0 + i * SEC;
        rules_process(f->r, &f->ev, on_alert, f);
    }
    assert_int_equal(f->n, 2);
    const struct audit_event *al = &f->alerts[0];
    assert_string_equal(al->class, "alert.deployment-delete");
    assert_int_equal(al->severity, 9);
    assert_int_equal(al->alert_count, 1);
    assert_string_equal(al->group_value, "d1");
    assert_string_equal(al->deployment_id, "d1");
    assert_string_equal(al->user, "philipp");      /* sole evidence: identity copied */
    assert_string_equal(al->src_ip, "10.30.8.21");
    assert_string_equal(al->message, "1 deployment.delete event for d1");
    assert_string_equal(al->dedup_key, "alert:deployment-delete:d1:q0");
    assert_string_equal(f->alerts[1].group_value, "d2");
    assert_string_equal(f->alerts[1].alert_ids[0], "q2");
    fx_free(f);
}

static void test_threshold_one_suppressed(void **state)
{
    struct fixture *f = fx_new();
    add_rule(f, "pw-reset", "deployment.elastic_password.reset", -1, 1, 0, 10 * MIN);
    start(f);
    feed(f, "deployment.elastic_password.reset", OUTCOME_SUCCESS, "u", NULL, T0, "p1");
    feed(f, "deployment.elastic_password.reset", OUTCOME_FAILURE, "u", NULL, T0 + 5 * MIN, "p2");
    feed(f, "deployment.elastic_password.reset", OUTCOME_SUCCESS, "u", NULL, T0 + 11 * MIN, "p3");
    assert_int_equal(f->n, 2);
    assert_string_equal(f->alerts[0].group_value, "-"); /* no group_by */
    assert_int_equal(f->alerts[0].outcome, OUTCOME_UNKNOWN); /* rule matches any outcome */
    assert_string_equal(f->alerts[1].alert_ids[0], "p3");
    assert_int_equal(stats(f).suppressed, 1);
    fx_free(f);
}

/* ---- grouping and conditions ---- */

static void test_multi_field_group_by(void **state)
{
    struct fixture *f = fx_new();
    struct cfg_rule *cr = bruteforce(f, 5 * MIN);
    group_by(cr, RF_SOURCE_IP);
    start(f);
    feed(f, "auth.login.failure", OUTCOME_FAILURE, "alice", "198.51.100.1", T0, "r1");
    feed(f, "auth.login.failure", OUTCOME_FAILURE, "alice", "198.51.100.2", T0 + 1, "r2");
    feed(f, "auth.login.failure", OUTCOME_FAILURE, "alice", "198.51.100.1", T0 + 2, "r3");
    feed(f, "auth.login.failure", OUTCOME_FAILURE, "alice", NULL, T0 + 3, "r4");
    feed(f, "auth.login.failure", OUTCOME_FAILURE, "alice", NULL, T0 + 4, "r5");
    assert_int_equal(f->n, 0);
    feed(f, "auth.login.failure", OUTCOME_FAILURE, "alice", "198.51.100.1", T0 + 5, "r6");
    feed(f, "auth.login.failure", OUTCOME_FAILURE, "alice", NULL, T0 + 6, "r7");
    assert_int_equal(f->n, 2);
    assert_string_equal(f->alerts[0].group_value, "alice|198.51.100.1");
    assert_string_equal(f->alerts[0].user, "alice");
    assert_string_equal(f->alerts[0].src_ip, "198.51.100.1");
    assert_string_equal(f->alerts[1].group_value, "alice|-");
    assert_null(f->alerts[1].src_ip);
    assert_int_equal(stats(f).groups, 3);
    fx_free(f);
}

static void test_conditions(void **state)
{
    struct fixture *f = fx_new();
    struct cfg_rule *cr = add_rule(f, "admin-fail", "auth.login.*", OUTCOME_FAILURE, 2, 5 * MIN,
                                   0);
    cond(cr, RF_USER, "adm*");
    cond(cr, RF_SOURCE_IP, "203.0.113.?");
    start(f);
    feed(f, "auth.login.failure", OUTCOME_FAILURE, "alice", "203.0.113.7", T0, "a1"); /* user */
    feed(f, "auth.login.success", OUTCOME_SUCCESS, "admin", "203.0.113.7", T0, "a2"); /* outcome */
    feed(f, "auth.login.failure", OUTCOME_FAILURE, "admin", "203.0.113.77", T0, "a3"); /* ip */
    feed(f, "auth.login.failure", OUTCOME_FAILURE, NULL, "203.0.113.7", T0, "a4"); /* no user */
    feed(f, "auth.logout", OUTCOME_FAILURE, "admin", "203.0.113.7", T0, "a5");       /* class */
    assert_int_equal(stats(f).matched, 0);
    feed(f, "auth.login.failure", OUTCOME_FAILURE, "admin", "203.0.113.7", T0, "m1");
    feed(f, "auth.login.failure", OUTCOME_FAILURE, "admin2", "203.0.113.8", T0 + 1, "m2");
    assert_int_equal(stats(f).matched, 2);
    assert_int_equal(f->n, 1); /* no group_by: one group "-" */
    assert_string_equal(f->alerts[0].group_value, "-");
    assert_null(f->alerts[0].user); /* two events, user not a group field */
    fx_free(f);
}

static void test_class_globs(void **state)
{
    static const struct {
        const char *glob;
        const char *cls;
        bool match;
    } rows[] = {
        { "deployment.delete", "deployment.delete", true },
        { "deployment.delete", "deployment.deleted", false },
        { "deployment.*", "deployment.shutdown", true },
        { "deployment.*", "deployment", false },
        { "*.delete", "network.traffic_filter.delete", true },
        { "*.delete", "deployment.delete.x", false },
        { "network.traffic_filter.d*", "network.traffic_filter.disassociate", true },
        { "platform.*.create", "platform.enrollment_token.create", true },
        { "platform.*.create", "platform.enrollment_token.delete", false },
        { "auth.login.?????", "auth.login.xyzzy", true },
        { "auth.login.?????", "auth.login.failure", false },
        { "*", "anything", true },
        { "a*b*c", "axxbyyc", true },
        { "a*b*c", "axxbyy", false },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct fixture *f = fx_new();
        add_rule(f, "g", rows[i].glob, -1, 1, 0, 0);
        start(f);
        feed(f, rows[i].cls, OUTCOME_SUCCESS, NULL, NULL, T0, "x");
        if (f->n != (rows[i].match ? 1 : 0))
            fail_msg("glob '%s' on '%s': expected %s", rows[i].glob, rows[i].cls,
                     rows[i].match ? "match" : "no match");
        fx_free(f);
    }
}

/* '?' is one character, not one byte: a user named in Chinese */
static void test_utf8_condition(void **state)
{
    struct fixture *f = fx_new();
    struct cfg_rule *cr = add_rule(f, "u", "auth.login.failure", -1, 1, 0, 0);
    cond(cr, RF_USER, "\xe7\x8e\x8b?"); /* 王? */
    start(f);
    login_fail(f, "\xe7\x8e\x8b\xe4\xbc\x9f", T0, "x1"); /* 王伟 */
    login_fail(f, "\xe7\x8e\x8b\xe4\xbc\x9f\xe4\xbc\x9f", T0, "x2");
    assert_int_equal(f->n, 1);
    fx_free(f);
}

/* ---- memory bounds ---- */

static void test_group_expiry(void **state)
{
    struct fixture *f = fx_new();
    bruteforce(f, 5 * MIN);
    start(f);
    login_fail(f, "alice", T0, "r1");
    login_fail(f, "bob", T0 + 10 * MIN, "r2"); /* alice's newest is exactly window+suppress old */
    assert_int_equal(stats(f).groups, 2);
    login_fail(f, "carol", T0 + 10 * MIN + 1, "r3");
    assert_int_equal(stats(f).groups, 2); /* alice expired */
    /* alice starts from scratch: two more failures are not a burst */
    login_fail(f, "alice", T0 + 10 * MIN + 2, "r4");
    login_fail(f, "alice", T0 + 10 * MIN + 3, "r5");
    assert_int_equal(f->n, 0);
    fx_free(f);
}

static void test_max_groups_lru(void **state)
{
    struct fixture *f = fx_new();
    struct cfg_rule *cr = bruteforce(f, 5 * MIN);
    cr->max_groups = 3;
    start(f);
    login_fail(f, "u1", T0, "a1");
    login_fail(f, "u2", T0 + 1, "b1");
    login_fail(f, "u3", T0 + 2, "c1");
    login_fail(f, "u1", T0 + 3, "a2"); /* u1 becomes most recently updated; LRU is now u2 */
    login_fail(f, "u4", T0 + 4, "d1"); /* evicts u2 */
    assert_int_equal(stats(f).group_cap_hits, 1);
    assert_int_equal(stats(f).groups, 3);
    login_fail(f, "u1", T0 + 5, "a3");
    assert_int_equal(f->n, 1); /* u1 kept its two failures */
    login_fail(f, "u2", T0 + 6, "b2"); /* recreated: evicts u3 */
    login_fail(f, "u2", T0 + 7, "b3");
    assert_int_equal(f->n, 1); /* u2 lost b1 */
    assert_int_equal(stats(f).group_cap_hits, 2);
    fx_free(f);
}

/* credential stuffing from random names must not blind the rule for a real burst */
static void test_flood_keeps_detecting(void **state)
{
    struct fixture *f = fx_new();
    struct cfg_rule *cr = bruteforce(f, 5 * MIN);
    cr->max_groups = 1000;
    start(f);
    for (int i = 0; i < 50000; i++) {
        char user[24], rid[24];
        snprintf(user, sizeof(user), "rnd%08x", (unsigned)(i * 2654435761u));
        snprintf(rid, sizeof(rid), "f%d", i);
        login_fail(f, user, T0 + i, rid);
        if (i == 25000)
            login_fail(f, "alice", T0 + i, "x1");
        if (i == 25500)
            login_fail(f, "alice", T0 + i, "x2");
        if (i == 25900)
            login_fail(f, "alice", T0 + i, "x3");
    }
    assert_int_equal(f->n, 1);
    assert_string_equal(f->alerts[0].group_value, "alice");
    struct rules_stats st = stats(f);
    assert_int_equal(st.groups, 1000);
    assert_int_equal(st.group_cap_hits, 50001 - 1000); /* 50000 names + alice, 1000 live */
    fx_free(f);
}

/* ---- replays ---- */

static void test_replayed_duplicates(void **state)
{
    struct fixture *f = fx_new();
    bruteforce(f, 5 * MIN);
    start(f);
    login_fail(f, "alice", T0, "r1");
    login_fail(f, "alice", T0 + 1 * SEC, "r2");
    login_fail(f, "alice", T0, "r1");           /* the batch is fed again */
    login_fail(f, "alice", T0 + 1 * SEC, "r2");
    assert_int_equal(f->n, 0);
    login_fail(f, "alice", T0 + 2 * SEC, "r3");
    assert_int_equal(f->n, 1);
    assert_int_equal(f->alerts[0].alert_count, 3);
    login_fail(f, "alice", T0 + 2 * SEC, "r3"); /* the alerting event again: nothing */
    assert_int_equal(f->n, 1);
    assert_int_equal(stats(f).suppressed, 0);
    fx_free(f);
}

/* the replay memory holds the ids of the batches in flight, oldest out first */
static void test_replay_memory_bounded(void **state)
{
    struct fixture *f = fx_new();
    char rid[16];

    f->cfg.max_batches_in_flight = 3;
    f->cfg.source.page_size = 100;
    add_rule(f, "del", "deployment.delete", -1, 1, 0, 0);
    start(f);
    f->count_only = true;
    for (int i = 0; i < 1000; i++) {
        snprintf(rid, sizeof(rid), "e%d", i);
        feed(f, "deployment.delete", OUTCOME_SUCCESS, NULL, NULL, T0 + i, rid);
    }
    assert_int_equal(f->n, 1000);
    for (int i = 700; i < 1000; i++) { /* the last 3 x 100 are remembered */
        snprintf(rid, sizeof(rid), "e%d", i);
        feed(f, "deployment.delete", OUTCOME_SUCCESS, NULL, NULL, T0 + i, rid);
    }
    assert_int_equal(f->n, 1000);
    feed(f, "deployment.delete", OUTCOME_SUCCESS, NULL, NULL, T0 + 699, "e699");
    assert_int_equal(f->n, 1001);
    fx_free(f);
}

/* the set under FIFO eviction with colliding hashes (long probe chains) matches a model */
static void test_seen_set_model(void **state)
{
    struct rules_seen seen = { .cap = 64 };
    uint64_t all[4000];

    for (int i = 0; i < 4000; i++) {
        /* 4 home slots around the end of the 128-slot table: long chains that wrap */
        all[i] = ((uint64_t)(i * 7919 % 5) << 40 | (uint64_t)i) * 128 + (uint64_t)((126 + i % 4) & 127);
        rules_seen_add(&seen, all[i]);
        for (int k = i - 70 > 0 ? i - 70 : 0; k <= i; k++)
            if (rules_seen_has(&seen, all[k]) != (k > i - 64))
                fail_msg("after %d adds: id %d %s", i + 1, k, k > i - 64 ? "lost" : "kept");
    }
    free(seen.ring);
    free(seen.tab);
}

/* the ES dedup key ("_index/_id") identifies an event before its request id */
static void test_dedup_key_preferred(void **state)
{
    struct fixture *f = fx_new();
    add_rule(f, "del", "deployment.delete", -1, 1, 0, 0);
    start(f);
    for (int i = 0; i < 3; i++) {
        ev_reset(&f->ev);
        ev_set(&f->ev, &f->ev.class, "deployment.delete");
        ev_set(&f->ev, &f->ev.request_id, "same-request");
        ev_set(&f->ev, &f->ev.dedup_key, i == 2 ? "idx/1" : "idx/2");
        f->ev.ts_ms = T0;
        rules_process(f->r, &f->ev, on_alert, f);
    }
    assert_int_equal(f->n, 2);
    /* events without any id are never taken for duplicates */
    feed(f, "deployment.delete", OUTCOME_SUCCESS, NULL, NULL, T0 + 5, NULL);
    feed(f, "deployment.delete", OUTCOME_SUCCESS, NULL, NULL, T0 + 5, NULL);
    assert_int_equal(f->n, 4);
    assert_int_equal(f->alerts[3].alert_nids, 0);
    char want[64];
    snprintf(want, sizeof(want), "alert:del:-:%lld", (long long)(T0 + 5));
    assert_string_equal(f->alerts[3].dedup_key, want);
    fx_free(f);
}

/* ---- state across a restart ---- */

static char *save(struct fixture *f)
{
    struct strbuf sb;
    char *s;

    strbuf_init(&sb, 0);
    assert_int_equal(rules_save(f->r, &sb), 0);
    s = xstrdup(strbuf_str(&sb));
    strbuf_fini(&sb);
    return s;
}

static struct fixture *restart(struct fixture *old, const char *json)
{
    struct fixture *f = fx_new();
    struct err err;

    memcpy(&f->cfg, &old->cfg, sizeof(f->cfg));
    start(f);
    err_clear(&err);
    assert_int_equal(rules_load(f->r, json, &err), 0);
    return f;
}

static void test_burst_split_by_restart(void **state)
{
    struct fixture *a = fx_new();
    bruteforce(a, 5 * MIN);
    start(a);
    login_fail(a, "alice", T0, "r1");
    login_fail(a, "alice", T0 + 1 * SEC, "r2");
    char *json = save(a);

    struct fixture *b = restart(a, json);
    assert_int_equal(stats(b).groups, 1);
    login_fail(b, "alice", T0 + 1 * SEC, "r2"); /* the unacked batch comes again */
    login_fail(b, "alice", T0 + 2 * SEC, "r3");
    assert_int_equal(b->n, 1);
    assert_int_equal(b->alerts[0].alert_count, 3);
    assert_int_equal(b->alerts[0].alert_first_ms, T0);
    assert_string_equal(b->alerts[0].dedup_key, "alert:login-bruteforce:alice:r1");
    assert_int_equal(a->n, 0);
    free(json);
    fx_free(a);
    fx_free(b);
}

static void test_no_second_alert_after_crash(void **state)
{
    struct fixture *a = fx_new();
    bruteforce(a, 5 * MIN);
    add_rule(a, "del", "deployment.delete", -1, 1, 0, 0);
    start(a);
    login_fail(a, "alice", T0, "r1");
    login_fail(a, "alice", T0 + 1 * SEC, "r2");
    login_fail(a, "alice", T0 + 2 * SEC, "r3");
    feed(a, "deployment.delete", OUTCOME_SUCCESS, "alice", NULL, T0 + 3 * SEC, "d1");
    feed(a, "deployment.delete", OUTCOME_SUCCESS, "alice", NULL, T0 + 4 * SEC, "d2");
    assert_int_equal(a->n, 3);
    char *json = save(a);

    /* the crash replays the whole batch */
    struct fixture *b = restart(a, json);
    login_fail(b, "alice", T0, "r1");
    login_fail(b, "alice", T0 + 1 * SEC, "r2");
    login_fail(b, "alice", T0 + 2 * SEC, "r3");
    feed(b, "deployment.delete", OUTCOME_SUCCESS, "alice", NULL, T0 + 3 * SEC, "d1");
    feed(b, "deployment.delete", OUTCOME_SUCCESS, "alice", NULL, T0 + 4 * SEC, "d2");
    assert_int_equal(b->n, 0);
    /* suppression survived too: a new burst right after is held back */
    login_fail(b, "alice", T0 + 5 * SEC, "r4");
    login_fail(b, "alice", T0 + 6 * SEC, "r5");
    login_fail(b, "alice", T0 + 7 * SEC, "r6");
    assert_int_equal(b->n, 0);
    assert_int_equal(stats(b).suppressed, 1);
    free(json);
    fx_free(a);
    fx_free(b);
}

static void test_load_ignores_unknown_rules(void **state)
{
    struct fixture *a = fx_new();
    add_rule(a, "other", "auth.login.failure", -1, 3, 5 * MIN, 0);
    start(a);
    login_fail(a, "alice", T0, "r1");
    login_fail(a, "alice", T0 + 1, "r2");
    char *json = save(a);

    struct fixture *b = fx_new();
    bruteforce(b, 5 * MIN);
    start(b);
    struct err err;
    err_clear(&err);
    assert_int_equal(rules_load(b->r, json, &err), 0);
    assert_int_equal(stats(b).groups, 0);
    login_fail(b, "alice", T0 + 2, "r3");
    assert_int_equal(b->n, 0);
    free(json);
    fx_free(a);
    fx_free(b);
}

/* group values with JSON specials survive the round trip */
static void test_save_load_roundtrip(void **state)
{
    static const char *const users[] = { "a\"b\\c", "line\nbreak", "m\xc3\xbcller", "tab\tx" };
    struct fixture *a = fx_new();
    bruteforce(a, 5 * MIN);
    start(a);
    for (int i = 0; i < 4; i++) {
        login_fail(a, users[i], T0 + i, NULL);
        char rid[8];
        snprintf(rid, sizeof(rid), "x%d", i);
        login_fail(a, users[i], T0 + 10 + i, rid);
    }
    char *json = save(a);
    struct fixture *b = restart(a, json);
    char *json2 = save(b);
    assert_string_equal(json, json2);
    for (int i = 0; i < 4; i++)
        login_fail(b, users[i], T0 + 20 + i, NULL);
    assert_int_equal(b->n, 4);
    assert_string_equal(b->alerts[1].group_value, "line\nbreak");
    free(json);
    free(json2);
    fx_free(a);
    fx_free(b);
}

static void test_load_corrupt(void **state)
{
    static const char *const bad[] = {
        "",
        "{",
        "[]",
        "{\"version\":2,\"seen\":[],\"rules\":{}}",
        "{\"seen\":[],\"rules\":{}}",
        "{\"version\":1,\"rules\":{}}",
        "{\"version\":1,\"seen\":[],\"rules\":[]}",
        "{\"version\":1,\"seen\":[\"zz\"],\"rules\":{}}",
        "{\"version\":1,\"seen\":[\"00000000000000zz\"],\"rules\":{}}",
        "{\"version\":1,\"seen\":[],\"rules\":{\"login-bruteforce\":7}}",
        "{\"version\":1,\"seen\":[],\"rules\":{\"login-bruteforce\":{\"group_by\":\"user\","
        "\"groups\":[{\"key\":\"alice\",\"newest\":1,\"events\":[[1]]}]}}}",
        "{\"version\":1,\"seen\":[],\"rules\":{\"login-bruteforce\":{\"group_by\":\"user\","
        "\"groups\":[{\"key\":\"alice\",\"newest\":\"x\",\"events\":[]}]}}}",
        "{\"version\":1,\"seen\":[],\"rules\":{\"login-bruteforce\":{\"group_by\":\"user\","
        "\"groups\":[{\"key\":\"alice\",\"newest\":1,\"events\":[[1,2]]}]}}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct fixture *f = fx_new();
        struct err err;
        bruteforce(f, 5 * MIN);
        start(f);
        login_fail(f, "alice", T0, "r1");
        err_clear(&err);
        if (rules_load(f->r, bad[i], &err) != -1)
            fail_msg("accepted corrupt state #%zu: %s", i, bad[i]);
        assert_int_equal(err.kind, ERR_FATAL);
        assert_true(strlen(err.msg) > 0);
        assert_int_equal(stats(f).groups, 0); /* nothing half-loaded */
        fx_free(f);
    }
}

/* ---- alert details ---- */

static void test_alert_ids_bounded(void **state)
{
    struct fixture *f = fx_new();
    struct cfg_rule *cr = add_rule(f, "ip-spray", "auth.login.failure", OUTCOME_FAILURE, 15,
                                   5 * MIN, 5 * MIN);
    group_by(cr, RF_SOURCE_IP);
    start(f);
    for (int i = 1; i <= 15; i++) {
        char user[16], rid[16];
        snprintf(user, sizeof(user), "user%d", i);
        snprintf(rid, sizeof(rid), "r%d", i);
        login_fail(f, user, T0 + i * SEC, rid);
    }
    assert_int_equal(f->n, 1);
    const struct audit_event *al = &f->alerts[0];
    assert_int_equal(al->alert_count, 15);
    assert_int_equal(al->alert_nids, EV_ALERT_IDS_MAX);
    assert_string_equal(al->alert_ids[0], "r6"); /* the 10 most recent, oldest first */
    assert_string_equal(al->alert_ids[9], "r15");
    assert_string_equal(al->dedup_key, "alert:ip-spray:203.0.113.77:r1");
    assert_string_equal(al->src_ip, "203.0.113.77");
    assert_null(al->user);
    assert_string_equal(al->message, "15 auth.login.failure events for 203.0.113.77 within 5m");
    fx_free(f);
}

/* ids longer than the inline room are kept whole, also across a restart */
static void test_long_request_ids(void **state)
{
    char id1[120], id2[120];
    struct fixture *a = fx_new();
    bruteforce(a, 5 * MIN);
    start(a);
    memset(id1, 'a', sizeof(id1) - 1);
    id1[sizeof(id1) - 1] = '\0';
    memcpy(id2, id1, sizeof(id2));
    id2[0] = 'b';
    login_fail(a, "alice", T0, id1);
    login_fail(a, "alice", T0 + 1, id2);
    char *json = save(a);
    struct fixture *b = restart(a, json);
    login_fail(b, "alice", T0 + 2, "r3");
    assert_int_equal(b->n, 1);
    assert_string_equal(b->alerts[0].alert_ids[0], id1);
    assert_string_equal(b->alerts[0].alert_ids[1], id2);
    assert_int_equal(strlen(b->alerts[0].dedup_key), strlen("alert:login-bruteforce:alice:") + 119);
    free(json);
    fx_free(a);
    fx_free(b);
}

static void test_no_rules(void **state)
{
    struct cfg *cfg = xcalloc(1, sizeof(*cfg));
    struct rules_stats st;

    assert_null(rules_new(cfg));
    rules_process(NULL, NULL, on_alert, NULL); /* the agent may call it without rules */
    rules_get_stats(NULL, &st);
    assert_int_equal(st.matched, 0);
    rules_free(NULL);
    free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exactly_at_threshold),
        cmocka_unit_test(test_one_below_threshold),
        cmocka_unit_test(test_window_edge),
        cmocka_unit_test(test_window_slides),
        cmocka_unit_test(test_interleaved_users),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_out_of_order_edge),
        cmocka_unit_test(test_late_event_completes_burst),
        cmocka_unit_test(test_too_late_is_forgotten),
        cmocka_unit_test(test_suppression),
        cmocka_unit_test(test_suppression_ends),
        cmocka_unit_test(test_threshold_one),
        cmocka_unit_test(test_threshold_one_suppressed),
        cmocka_unit_test(test_multi_field_group_by),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_class_globs),
        cmocka_unit_test(test_utf8_condition),
        cmocka_unit_test(test_group_expiry),
        cmocka_unit_test(test_max_groups_lru),
        cmocka_unit_test(test_flood_keeps_detecting),
        cmocka_unit_test(test_replayed_duplicates),
        cmocka_unit_test(test_replay_memory_bounded),
        cmocka_unit_test(test_seen_set_model),
        cmocka_unit_test(test_dedup_key_preferred),
        cmocka_unit_test(test_burst_split_by_restart),
        cmocka_unit_test(test_no_second_alert_after_crash),
        cmocka_unit_test(test_load_ignores_unknown_rules),
        cmocka_unit_test(test_save_load_roundtrip),
        cmocka_unit_test(test_load_corrupt),
        cmocka_unit_test(test_alert_ids_bounded),
        cmocka_unit_test(test_long_request_ids),
        cmocka_unit_test(test_no_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
