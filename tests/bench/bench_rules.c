/* bench_rules.c - micro benchmark of the rule engine with the default rule set: feeds
 * N events (default 1M) per scenario and prints events/s and the share of a 300k events/s
 * replay pipeline the engine would take. Prints numbers, never pass/fail. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rules.h"
#include "xalloc.h"

#define PIPELINE_EPS 300000.0 /* replay throughput the engine must not slow by 10% */
#define NUSERS       2000
#define NIPS         200
#define RID_LEN      33

static const char *const critical[] = {
    "deployment.delete", "deployment.shutdown", "deployment.elastic_password.reset",
    "user.role_assignment.add", "platform.enrollment_token.create",
    "platform.security_realm.update", "network.traffic_filter.delete",
};
static const char *const common[] = {
    "auth.login.success", "auth.token.refresh", "auth.logout", "deployment.read",
    "deployment.update", "deployment.create", "platform.read", "ui.authorization.check",
    "deployment.api_console.request", "user.update", "auth.apikey.create",
    "deployment.resource.restart", "platform.allocator.maintenance.start", "comment.create",
    "template.update", "deployment.plan.cancel", "network.traffic_filter.create",
    "platform.license.set", "deployment.sso.login", "auth.saml.init",
};

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void add(struct cfg *cfg, const char *name, const char *match, int threshold,
                int64_t window, enum rule_field gb, int severity)
{
    struct cfg_rule *cr = &cfg->rules[cfg->n_rules++];
    cr->name = (char *)name;
    cr->match = (char *)match;
    cr->threshold = threshold;
    cr->window_ms = window;
    cr->suppress_ms = threshold > 1 ? window : 0;
    cr->severity = severity;
    cr->max_groups = 10000;
    cr->outcome = threshold > 1 ? OUTCOME_FAILURE : OUTCOME_SUCCESS;
    cr->group_by[cr->n_group_by++] = gb;
}

/* the default rules of issue 5 */
static void default_rules(struct cfg *cfg)
{
    add(cfg, "login-bruteforce-user", "auth.login.failure", 3, 300000, RF_USER, 8);
    add(cfg, "login-bruteforce-source", "auth.login.failure", 10, 300000, RF_SOURCE_IP, 8);
    add(cfg, "deployment-delete", "deployment.delete", 1, 0, RF_DEPLOYMENT_ID, 8);
    add(cfg, "deployment-shutdown", "deployment.shutdown", 1, 0, RF_DEPLOYMENT_ID, 8);
    add(cfg, "elastic-password-reset", "deployment.elastic_password.reset", 1, 0,
        RF_DEPLOYMENT_ID, 9);
    add(cfg, "admin-role-grant", "user.role_assignment.add", 1, 0, RF_USER, 8);
    add(cfg, "enrollment-token-create", "platform.enrollment_token.create", 1, 0, RF_USER, 9);
    add(cfg, "security-realm-change", "platform.security_realm.*", 1, 0, RF_USER, 8);
    add(cfg, "traffic-filter-removal", "network.traffic_filter.d*", 1, 0, RF_USER, 7);
}

struct gen {
    const char *cls;
    enum ev_outcome outcome;
    unsigned short user, ip;
};

static void on_alert(void *ctx, const struct audit_event *al)
{
    (*(uint64_t *)ctx)++;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* mode 0: realistic mix, 1: login-failure flood from random names, 2: nothing matches */
static void run(const struct cfg *cfg, int mode, size_t n, struct gen *g, char *rids,
                char (*users)[16], char (*ips)[16])
{
    struct rules *r = rules_new(cfg);
    struct audit_event *ev = xmalloc(sizeof(*ev));
    struct rules_stats st;
    uint64_t alerts = 0;
    double t0, dt;

    for (size_t i = 0; i < n; i++) {
        uint64_t x = next() % 1000;
        g[i].user = (unsigned short)(next() % NUSERS);
        g[i].ip = (unsigned short)(next() % NIPS);
        if (mode == 1 || (mode == 0 && x < 60)) {
            g[i].cls = "auth.login.failure";
            g[i].outcome = OUTCOME_FAILURE;
        } else if (mode == 0 && x < 62) {
            g[i].cls = critical[next() % (sizeof(critical) / sizeof(critical[0]))];
            g[i].outcome = OUTCOME_SUCCESS;
        } else {
            g[i].cls = common[next() % (sizeof(common) / sizeof(common[0]))];
            g[i].outcome = OUTCOME_SUCCESS;
        }
    }
    ev_reset(ev);
    ev->deployment_id = "3f6e9c1b2a8d4e7f9b0c5d6a7e8f9a0b";
    t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        ev->class = g[i].cls;
        ev->outcome = g[i].outcome;
        if (mode == 1) { /* every name new: the worst case for groups */
            ev->user = rids + i * RID_LEN + 16; /* unique per event */
        } else {
            ev->user = users[g[i].user];
        }
        ev->src_ip = ips[g[i].ip];
        ev->request_id = rids + i * RID_LEN;
        ev->ts_ms = 1795161600000LL + (int64_t)i * 86; /* 1M events over a day */
        rules_process(r, ev, on_alert, &alerts);
    }
    dt = now_s() - t0;
    rules_get_stats(r, &st);
    printf("%-34s %8.0f k events/s  %6.1f ns/event  adds %5.2f%% to a 300k/s pipeline"
           "  (matched %llu, alerts %llu, suppressed %llu, groups %llu, cap hits %llu)\n",
           mode == 0 ? "mix (6% failed logins, 0.2% crit)" : mode == 1 ? "flood (100% failed logins)"
                                                                      : "no event matches",
           (double)n / dt / 1000, dt * 1e9 / (double)n, dt * PIPELINE_EPS / (double)n * 100,
           (unsigned long long)st.matched, (unsigned long long)alerts,
           (unsigned long long)st.suppressed, (unsigned long long)st.groups,
           (unsigned long long)st.group_cap_hits);
    free(ev);
    rules_free(r);
}

static int atoi_mode(const char *s)
{
    return strcmp(s, "mix") == 0 ? 0 : strcmp(s, "flood") == 0 ? 1 : 2;
}

/* usage: bench_rules [events] [mix|flood|nomatch] */
int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    struct cfg *cfg = xcalloc(1, sizeof(*cfg));
    struct gen *g;
    char *rids;
    char(*users)[16] = xcalloc(NUSERS, 16);
    char(*ips)[16] = xcalloc(NIPS, 16);

    if (n == 0)
        n = 1000000;
    g = xcalloc(n, sizeof(*g));
    rids = xmalloc(n * RID_LEN);
    for (size_t i = 0; i < n; i++)
        snprintf(rids + i * RID_LEN, RID_LEN, "%016llx%016llx", (unsigned long long)next(),
                 (unsigned long long)i);
    for (int i = 0; i < NUSERS; i++)
        snprintf(users[i], 16, "user%d", i);
    for (int i = 0; i < NIPS; i++)
        snprintf(ips[i], 16, "198.51.%d.%d", i / 100, i % 100);
    cfg->max_batches_in_flight = 4;
    cfg->source.page_size = 1000;
    default_rules(cfg);
    printf("bench_rules: %zu events per run, %d rules\n", n, cfg->n_rules);
    for (int mode = 0; mode < 3; mode++)
        if (argc <= 2 || atoi_mode(argv[2]) == mode)
            run(cfg, mode, n, g, rids, users, ips);
    free(g);
    free(rids);
    free(users);
    free(ips);
    free(cfg);
    return 0;
}
