/* test_source_es.c - the Elasticsearch source against the project's ES emulator
 * (tests/peers/es_emulator.py): paging, exactly-once across sweeps, restarts and faults,
 * auth, TLS, stop. The test plays the agent loop: commit, prune, checkpoint per page.
 * Set ECE_SOURCE_BENCH=N to also sweep N documents and print documents/s and RSS. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "checkpoint.h"
#include "cursor.h"
#include "event.h"
#include "http.h"
#include "log.h"
#include "source_es.h"
#include "strbuf.h"
#include "xalloc.h"

extern char **environ;

#define USER "ece-auditd"
#define PASS "s3cret-pw"
#define MIN_MS 60000

struct emu {
    pid_t pid;
    char url[96];
    struct cfg_source ctl_cs;
    struct http *ctl;
};

/* the fixture shared by the tests */
static struct {
    char dir[64];
    struct emu es;
} G;

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void msleep(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Run a helper program quietly; its exit status. */
static int run(const char *const argv[])
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int st, rc;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

static const char *emulator_path(void)
{
    static char path[1024];
    const char *top = getenv("TOP_SRCDIR");

    snprintf(path, sizeof(path), "%s/tests/peers/es_emulator.py", top ? top : ".");
    return path;
}

/* Start the emulator on port 0 and wait (with a deadline) for its port file. */
static int emu_start(struct emu *e, const char *name, const char *const extra[],
                     const char *ca_file)
{
    char portfile[128], port[32];
    const char *argv[32];
    int n = 0;
    struct err err;

    snprintf(portfile, sizeof(portfile), "%s/%s.port", G.dir, name);
    argv[n++] = "/usr/bin/python3";
    argv[n++] = emulator_path();
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--port-file";
    argv[n++] = portfile;
    argv[n++] = "--control";
    for (int i = 0; extra != NULL && extra[i] != NULL && n < 30; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    memset(e, 0, sizeof(*e));
    e->pid = fork();
    if (e->pid < 0)
        return -1;
    if (e->pid == 0) {
        /* the emulator dies with this test, even when a timeout kills it */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int64_t end = mono_ms() + 20000; mono_ms() < end; msleep(20)) {
        FILE *fp = fopen(portfile, "r");
        if (fp == NULL)
            continue;
        if (fgets(port, sizeof(port), fp) != NULL) {
            port[strcspn(port, "\n")] = '\0';
            snprintf(e->url, sizeof(e->url), "%s://%s:%s", ca_file ? "https" : "http",
                     ca_file ? "localhost" : "127.0.0.1", port);
        }
        fclose(fp);
        break;
    }
    if (e->url[0] == '\0')
        return -1;
    e->ctl_cs.url = e->url;
    e->ctl_cs.timeout_ms = 60000;
    e->ctl_cs.tls.verify = true;
    e->ctl_cs.tls.ca_file = (char *)ca_file;
    e->ctl = http_new(&e->ctl_cs, NULL, &err);
    return e->ctl != NULL ? 0 : -1;
}

static void emu_stop(struct emu *e)
{
    http_free(e->ctl);
    e->ctl = NULL;
    if (e->pid > 0) {
        kill(e->pid, SIGTERM);
        waitpid(e->pid, NULL, 0);
        e->pid = 0;
    }
}

/* Control API call; returns the HTTP status (body in *out when given). */
static long ctl(struct emu *e, const char *method, const char *path, const char *body,
                struct strbuf *out)
{
    struct http_req req = {.method = method, .path = path, .body = body,
                           .body_len = body ? strlen(body) : 0};
    struct http_resp resp;
    struct err err;
    long status = -1;

    http_resp_init(&resp);
    if (http_request(e->ctl, &req, &resp, &err) == 0)
        status = resp.status;
    else
        print_error("control %s %s: %s\n", method, path, err.msg);
    if (out != NULL)
        strbuf_adds(out, strbuf_str(&resp.body));
    http_resp_fini(&resp);
    return status;
}

static void faults(const char *json)
{
    assert_int_equal(ctl(&G.es, "POST", "/_emulator/faults", json, NULL), 200);
}

/* more _source fields (the bench makes documents of ECE's typical size) */
static const char *g_extra = "";

/* Ingest docs <prefix>-<first..first+n-1> into <index_of(i)>, timestamps ts_of(i). */
static void ingest(struct emu *e, const char *prefix, int first, int n, const char *idx_a,
                   const char *idx_b, int64_t ts0, int64_t step_ms, const char *query)
{
    struct strbuf sb;
    char ts[32], path[128];

    snprintf(path, sizeof(path), "/_emulator/docs%s", query ? query : "");
    strbuf_init(&sb, 0);
    for (int i = first; i < first + n; i++) {
        ev_format_time(ts0 + (int64_t)(i - first) * step_ms, ts);
        strbuf_addf(&sb, "{\"_index\":\"%s\",\"_id\":\"%s-%d\",\"_source\":{\"@timestamp\":"
                    "\"%s\",\"request_id\":\"%s-%d\",\"method\":\"%s\",\"path\":"
                    "\"/api/v1/deployments\",\"n\":%d%s}}\n",
                    (i % 2 || idx_b == NULL) ? idx_a : idx_b, prefix, i, ts, prefix, i,
                    i % 3 ? "POST" : "GET", i,
                    g_extra);
        if (sb.len > (4 << 20) || i == first + n - 1) {
            assert_int_equal(ctl(e, "POST", path, strbuf_str(&sb), NULL), 200);
            strbuf_reset(&sb);
        }
    }
    strbuf_fini(&sb);
}

static void fill_cfg(struct cfg_source *cs, const char *url, const char *index)
{
    memset(cs, 0, sizeof(*cs));
    cs->url = (char *)url;
    cs->index = (char *)index;
    cs->timestamp_field = (char *)"@timestamp";
    cs->page_size = 100;
    cs->poll_interval_ms = 1000;
    cs->settle_delay_ms = 1000;
    cs->lookback_ms = 5 * MIN_MS;
    cs->start_at = START_BEGINNING;
    cs->use_pit = true;
    cs->tiebreaker_field = (char *)"request_id";
    cs->timeout_ms = 10000;
    cs->keep_alive_ms = MIN_MS;
    cs->auth_username = (char *)USER;
    cs->auth_password.value = (char *)PASS;
    cs->tls.verify = true;
}

/* What the "outputs" received, by document number. */
struct tally {
    const char *prefix;
    int n;
    int *count;
    int foreign;
};

static void tally_init(struct tally *t, const char *prefix, int n)
{
    t->prefix = prefix;
    t->n = n;
    t->count = xcalloc((size_t)n, sizeof(int));
    t->foreign = 0;
}

static void tally_hit(struct tally *t, const struct es_hit *h)
{
    size_t plen = strlen(t->prefix);
    char *end;
    long i;

    if (strncmp(h->id, t->prefix, plen) != 0 || h->id[plen] != '-') {
        t->foreign++;
        return;
    }
    i = strtol(h->id + plen + 1, &end, 10);
    if (*end != '\0' || i < 0 || i >= t->n)
        t->foreign++;
    else
        t->count[i]++;
}

/* Every document in [first, first+n) exactly once, the others never. */
static void tally_check(const struct tally *t, int first, int n)
{
    int missing = 0, dup = 0, extra = 0;

    for (int i = 0; i < t->n; i++) {
        bool want = i >= first && i < first + n;
        if (want && t->count[i] == 0)
            missing++;
        else if (t->count[i] > 1)
            dup++;
        else if (!want && t->count[i] == 1)
            extra++;
    }
    if (missing || dup || extra || t->foreign)
        fail_msg("%s: %d missing, %d duplicated, %d unexpected, %d foreign", t->prefix,
                 missing, dup, extra, t->foreign);
    free(t->count);
}

static void commit_page(struct cursor *cur, struct es_page *page, struct tally *t,
                        const char *cp, const struct checkpoint_identity *id)
{
    struct err err;

    for (int i = 0; i < page->n; i++) {
        tally_hit(t, &page->hits[i]);
        cursor_commit(cur, page->hits[i].index, page->hits[i].id, page->hits[i].ts_ms);
    }
    cursor_prune(cur);
    if (cp != NULL && checkpoint_save(cp, id, cur, NULL, &err) < 0)
        fail_msg("checkpoint_save: %s", err.msg);
    source_es_page_free(page);
}

/* The agent loop for one sweep, with up to @p depth pages in flight. Returns pages seen. */
static int sweep(struct source_es *src, struct cursor *cur, struct tally *t, int depth,
                 int max_pages, const char *cp, const struct checkpoint_identity *id)
{
    struct es_page pages[2];
    struct err err;
    int held = 0, npages = 0, r;

    for (;;) {
        if (max_pages >= 0 && npages >= max_pages)
            break;
        r = source_es_next(src, &pages[held], &err);
        if (r < 0)
            fail_msg("source_es_next: %s", err.msg);
        if (r == 0)
            break;
        npages++;
        held++;
        if (held == depth) {
            commit_page(cur, &pages[0], t, cp, id);
            if (depth == 2)
                pages[0] = pages[1];
            held--;
        }
    }
    for (int i = 0; i < held; i++)
        commit_page(cur, &pages[i], t, cp, id);
    return npages;
}

static struct source_es *make_src(const struct cfg_source *cs, struct cursor *cur,
                                  volatile sig_atomic_t *stop)
{
    struct err err;
    struct source_es *src = source_es_new(cs, cur, stop, &err);

    if (src == NULL)
        fail_msg("source_es_new: %s", err.msg);
    return src;
}

static int open_pits(void)
{
    struct strbuf sb;
    const char *p;
    int n = -1;

    strbuf_init(&sb, 0);
    ctl(&G.es, "GET", "/_emulator/stats", NULL, &sb);
    p = strstr(strbuf_str(&sb), "\"open_pits\":");
    if (p != NULL)
        n = (int)strtol(p + 12, NULL, 10);
    strbuf_fini(&sb);
    return n;
}

/* ---- tests ---- */

static void test_preflight(void **state)
{
    struct cfg_source cs;
    struct cursor *cur = cursor_new(5 * MIN_MS, 100000);
    struct source_es *src;
    struct err err;

    ingest(&G.es, "pre", 0, 3, "pre-a", NULL, now_ms() - 10 * MIN_MS, 1000, NULL);
    fill_cfg(&cs, G.es.url, "pre-*");
    src = make_src(&cs, cur, NULL);
    if (source_es_preflight(src, &err) < 0)
        fail_msg("preflight: %s", err.msg);
    assert_int_equal(open_pits(), 0);                  /* the test PIT was closed */
    source_es_free(src);
    cursor_free(cur);
}

/* Many pages over two indices (2 shards each): every document exactly once; PIT closed. */
static void test_many_pages_two_indices(void **state)
{
    enum { N = 3000 };
    struct cfg_source cs;
    struct cursor *cur = cursor_new(5 * MIN_MS, 100000);
    struct source_es *src;
    struct es_stats st;
    struct tally t;
    int pages;

    ingest(&G.es, "many", 0, N, "many-a", "many-b", now_ms() - 60 * MIN_MS, 1000, NULL);
    fill_cfg(&cs, G.es.url, "many-*");
    src = make_src(&cs, cur, NULL);
    tally_init(&t, "many", N);
    pages = sweep(src, cur, &t, 1, -1, NULL, NULL);
    assert_int_equal(pages, N / 100);
    assert_int_equal(open_pits(), 0);
    /* a second sweep re-reads only the overlap, and delivers nothing */
    assert_int_equal(sweep(src, cur, &t, 1, -1, NULL, NULL), 0);
    source_es_get_stats(src, &st);
    assert_int_equal(st.hits, N);
    assert_true(st.skipped_seen >= 290);               /* the 5 min overlap: ~300 docs */
    assert_int_equal(st.sweeps, 2);
    assert_true(st.requests >= 2 * 2 + N / 100);      /* open + close per sweep, pages */
    tally_check(&t, 0, N);
    source_es_free(src);
    cursor_free(cur);
}

/* More documents than a page on one millisecond, and the PIT expires in the middle of them. */
static void test_same_timestamp_and_pit_loss(void **state)
{
    enum { N = 2500 };
    struct es_page p1, p2;
    struct err err;
    struct cfg_source cs;
    struct cursor *cur = cursor_new(5 * MIN_MS, 100000);
    struct source_es *src;
    struct es_stats st;
    struct tally t;

    ingest(&G.es, "same", 0, N, "same-a", "same-b", now_ms() - 30 * MIN_MS, 0, NULL);
    fill_cfg(&cs, G.es.url, "same-*");
    cs.page_size = 1000;
    src = make_src(&cs, cur, NULL);
    tally_init(&t, "same", N);
    /* page 1 is still in flight (not committed) when the PIT goes */
    assert_int_equal(source_es_next(src, &p1, &err), 1);
    faults("{\"queue\":[{\"action\":\"pit_expire\",\"endpoint\":\"search\"}]}");
    assert_int_equal(source_es_next(src, &p2, &err), 1);
    assert_int_equal(p1.n + p2.n, 2000);
    commit_page(cur, &p1, &t, NULL, NULL);
    commit_page(cur, &p2, &t, NULL, NULL);
    sweep(src, cur, &t, 2, -1, NULL, NULL);
    source_es_get_stats(src, &st);
    assert_int_equal(st.pit_reopened, 1);
    assert_int_equal(st.hits, N);
    tally_check(&t, 0, N);
    faults("{}");
    source_es_free(src);
    cursor_free(cur);
}

/* Crash after 3 committed pages with a 4th page delivered but not acknowledged, restart from
 * the checkpoint; then a restart between sweeps. */
static void test_restart_from_checkpoint(void **state)
{
    enum { N = 1200, M = 300 };
    struct cfg_source cs;
    struct checkpoint_identity id = {NULL, "rst-*", NULL, "@timestamp"};
    struct cursor *cur = cursor_new(5 * MIN_MS, 100000);
    struct source_es *src;
    struct es_page lost;
    struct tally t;
    struct err err;
    char cp[128];
    int64_t t0 = now_ms() - 40 * MIN_MS;

    snprintf(cp, sizeof(cp), "%s/rst-checkpoint.json", G.dir);
    ingest(&G.es, "rst", 0, N, "rst-a", "rst-b", t0, 1000, NULL);
    fill_cfg(&cs, G.es.url, "rst-*");
    id.url = cs.url;
    src = make_src(&cs, cur, NULL);
    tally_init(&t, "rst", N + M);
    assert_int_equal(sweep(src, cur, &t, 1, 3, cp, &id), 3);
    assert_int_equal(source_es_next(src, &lost, &err), 1);   /* in flight when it "crashed" */
    assert_int_equal(lost.n, 100);
    source_es_page_free(&lost);
    source_es_free(src);
    cursor_free(cur);

    cur = cursor_new(5 * MIN_MS, 100000);
    assert_int_equal(checkpoint_load(cp, &id, cur, NULL, &err), 1);
    src = make_src(&cs, cur, NULL);
    sweep(src, cur, &t, 2, -1, cp, &id);
    source_es_free(src);
    cursor_free(cur);

    /* new documents while "down", some older than the watermark but inside lookback */
    ingest(&G.es, "rst", N, M, "rst-a", "rst-b", t0 + (N - 200) * 1000LL, 500, NULL);
    cur = cursor_new(5 * MIN_MS, 100000);
    assert_int_equal(checkpoint_load(cp, &id, cur, NULL, &err), 1);
    src = make_src(&cs, cur, NULL);
    sweep(src, cur, &t, 1, -1, cp, &id);
    tally_check(&t, 0, N + M);
    source_es_free(src);
    cursor_free(cur);
}

/* Documents that become visible late, with timestamps inside the lookback window. */
static void test_late_documents(void **state)
{
    enum { N = 400, L = 50 };
    struct cfg_source cs;
    struct cursor *cur = cursor_new(5 * MIN_MS, 100000);
    struct source_es *src;
    struct tally t;
    int64_t now = now_ms();

    ingest(&G.es, "late", 0, N, "late-a", "late-b", now - 10 * MIN_MS, 1000, NULL);
    /* indexed now but searchable only after a (long) refresh: shipper lag */
    ingest(&G.es, "late", N, L, "late-a", NULL, now - 6 * MIN_MS, 1000,
           "?visible_after_ms=3600000");
    /* older than watermark - lookback: outside the contract, never read */
    ingest(&G.es, "late", N + L, 1, "late-a", NULL, now - 20 * MIN_MS, 0,
           "?visible_after_ms=3600000");
    fill_cfg(&cs, G.es.url, "late-*");
    src = make_src(&cs, cur, NULL);
    tally_init(&t, "late", N + L + 1);
    sweep(src, cur, &t, 2, -1, NULL, NULL);
    assert_int_equal(ctl(&G.es, "POST", "/_emulator/refresh", "", NULL), 200);
    sweep(src, cur, &t, 2, -1, NULL, NULL);
    sweep(src, cur, &t, 2, -1, NULL, NULL);
    tally_check(&t, 0, N + L);
    source_es_free(src);
    cursor_free(cur);
}

/* Pull every page of a sweep without committing any: the agent does not wait for a sweep's
 * acks before polling again. Returns the pages, which the caller commits or drops. */
static int sweep_uncommitted(struct source_es *src, struct es_page *pages, int max)
{
    struct err err;
    int n = 0, r;

    while ((r = source_es_next(src, &pages[n], &err)) == 1)
        if (++n == max)
            fail_msg("more than %d pages", max);
    if (r < 0)
        fail_msg("source_es_next: %s", err.msg);
    return n;
}

/* A new sweep while the previous one's pages are unacknowledged hands out only new hits;
 * a restart from the committed cursor re-sends the uncommitted ones (never loses them). */
static void test_sweep_before_commit(void **state)
{
    enum { N = 300, M = 200, P = 64 };
    struct cfg_source cs;
    struct cursor *cur = cursor_new(5 * MIN_MS, 100000);
    struct es_page a[P], b[P], c[P];
    struct source_es *src;
    struct tally t, again;
    int64_t now = now_ms();
    int na, nb, nc;

    ingest(&G.es, "pipe", 0, N, "pipe-a", "pipe-b", now - 4 * MIN_MS, 100, NULL);
    fill_cfg(&cs, G.es.url, "pipe-*");
    cs.page_size = 50;
    src = make_src(&cs, cur, NULL);
    tally_init(&t, "pipe", N + M);
    na = sweep_uncommitted(src, a, P);
    /* the same range again, nothing committed yet: nothing new, nothing twice */
    assert_int_equal(sweep_uncommitted(src, b, P), 0);
    ingest(&G.es, "pipe", N, M, "pipe-a", "pipe-b", now - 1 * MIN_MS, 100, NULL);
    nb = sweep_uncommitted(src, b, P);
    assert_true(na >= N / 50 && nb >= M / 50);
    /* only the second sweep's pages get acknowledged; the first is "in flight" at a crash */
    for (int i = 0; i < nb; i++)
        commit_page(cur, &b[i], &t, NULL, NULL);
    source_es_free(src);
    tally_init(&again, "pipe", N + M);
    src = make_src(&cs, cur, NULL);
    nc = sweep_uncommitted(src, c, P);
    for (int i = 0; i < nc; i++)
        commit_page(cur, &c[i], &again, NULL, NULL);
    for (int i = 0; i < na; i++)
        commit_page(cur, &a[i], &t, NULL, NULL);
    tally_check(&t, 0, N + M);
    /* the restart re-reads the unacknowledged first sweep (older than the watermark but
     * within lookback) and skips the committed second one */
    tally_check(&again, 0, N);
    source_es_free(src);
    cursor_free(cur);
}

/* 10% 429/503, 5% dropped or cut connections, shard failures, PIT expiry every 4 searches,
 * a new pit_id on every search; two pages in flight. */
static void test_faults_exactly_once(void **state)
{
    enum { N = 3000, S = 750 };
    struct cfg_source cs;
    struct cursor *cur = cursor_new(5 * MIN_MS, 100000);
    struct source_es *src;
    struct es_stats st;
    struct tally t;
    char fj[512];
    const char *seed = getenv("ECE_TEST_SEED");

    ingest(&G.es, "flt", 0, N, "flt-a", "flt-b", now_ms() - 50 * MIN_MS, 997, NULL);
    /* and a run of documents on one millisecond, longer than several pages */
    ingest(&G.es, "flt", N, S, "flt-a", "flt-b", now_ms() - 30 * MIN_MS, 0, NULL);

    snprintf(fj, sizeof(fj), "{\"error_rate\":0.1,\"error_codes\":[429,503],\"drop_rate\":0.05,"
             "\"drop_mode\":\"partial\",\"shard_failure_rate\":0.03,\"pit_expire_every\":4,"
             "\"rotate_pit_id\":true,\"rotate_grace_ms\":0,\"seed\":%s}", seed ? seed : "7");
    faults(fj);
    fill_cfg(&cs, G.es.url, "flt-*");
    src = make_src(&cs, cur, NULL);
    tally_init(&t, "flt", N + S);
    sweep(src, cur, &t, 2, -1, NULL, NULL);
    sweep(src, cur, &t, 2, -1, NULL, NULL);
    faults("{}");
    source_es_get_stats(src, &st);
    print_message("# faults: requests=%llu retries=%llu pit_reopened=%llu skipped_seen=%llu\n",
                  (unsigned long long)st.requests, (unsigned long long)st.retries,
                  (unsigned long long)st.pit_reopened, (unsigned long long)st.skipped_seen);
    assert_true(st.retries > 0);
    assert_true(st.pit_reopened > 0);
    tally_check(&t, 0, N + S);
    source_es_free(src);
    cursor_free(cur);
}

/* use_pit = false: search_after on [@timestamp, request_id], duplicates in timestamps. */
static void test_without_pit(void **state)
{
    enum { N = 1000 };
    struct cfg_source cs;
    struct cursor *cur = cursor_new(5 * MIN_MS, 100000);
    struct source_es *src;
    struct tally t;

    struct strbuf stats;

    /* forget PITs left open by the fault test (their close was faulted too) */
    assert_int_equal(ctl(&G.es, "POST", "/_emulator/reset?keep_docs=true", "", NULL), 200);
    ingest(&G.es, "nopit", 0, N, "nopit-a", "nopit-b", now_ms() - 30 * MIN_MS, 0, NULL);
    ingest(&G.es, "nopit", N, N, "nopit-a", "nopit-b", now_ms() - 20 * MIN_MS, 7, NULL);
    fill_cfg(&cs, G.es.url, "nopit-*");
    cs.use_pit = false;
    src = make_src(&cs, cur, NULL);
    tally_init(&t, "nopit", 2 * N);
    sweep(src, cur, &t, 1, -1, NULL, NULL);
    strbuf_init(&stats, 0);
    ctl(&G.es, "GET", "/_emulator/stats", NULL, &stats);
    assert_null(strstr(strbuf_str(&stats), "\"open_pit\":{"));   /* no PIT was opened */
    strbuf_fini(&stats);
    tally_check(&t, 0, 2 * N);
    source_es_free(src);
    cursor_free(cur);
}

/* A checkpoint older than the oldest document left: the first page reports the gap. */
static void test_gap_detection(void **state)
{
    struct cfg_source cs;
    struct cursor *cur = cursor_new(5 * MIN_MS, 100000);
    struct source_es *src;
    struct es_page page;
    struct err err;
    struct tally t;
    int64_t now = now_ms(), oldest = now - 30 * MIN_MS, wm = now - 120 * MIN_MS;

    ingest(&G.es, "gap", 0, 10, "gap-a", NULL, oldest, 1000, NULL);
    cursor_commit(cur, "gap-old", "delivered-before", wm);
    fill_cfg(&cs, G.es.url, "gap-*");
    src = make_src(&cs, cur, NULL);
    assert_int_equal(source_es_next(src, &page, &err), 1);
    assert_true(page.gap);
    assert_int_equal(page.gap_from_ms, wm);
    assert_int_equal(page.gap_to_ms, oldest);
    source_es_page_free(&page);
    tally_init(&t, "gap", 10);
    sweep(src, cur, &t, 1, -1, NULL, NULL);
    tally_check(&t, 0, 10);
    source_es_free(src);
    cursor_free(cur);
}

/* source.query narrows the range query (bool filter): only POST requests here. */
static void test_query_filter(void **state)
{
    enum { N = 600 };
    struct cfg_source cs;
    struct cursor *cur = cursor_new(5 * MIN_MS, 100000);
    struct source_es *src;
    struct tally t;
    int bad = 0;

    ingest(&G.es, "qry", 0, N, "qry-a", "qry-b", now_ms() - 30 * MIN_MS, 1000, NULL);
    fill_cfg(&cs, G.es.url, "qry-*");
    cs.query = (char *)" { \"term\": { \"method\": \"POST\" } } ";
    src = make_src(&cs, cur, NULL);
    tally_init(&t, "qry", N);
    sweep(src, cur, &t, 1, -1, NULL, NULL);
    for (int i = 0; i < N; i++)
        bad += t.count[i] != (i % 3 ? 1 : 0);   /* ingest() makes every third one a GET */
    assert_int_equal(bad, 0);
    assert_int_equal(t.foreign, 0);
    free(t.count);
    source_es_free(src);
    cursor_free(cur);
}

/* A response over the body cap is ERR_PARSE, not an allocation of any size. */
static void test_http_body_cap(void **state)
{
    struct http_req req = {.method = "GET", .path = "/_emulator/stats", .body_max = 64};
    struct http_resp resp;
    struct err err;

    http_resp_init(&resp);
    assert_int_equal(http_request(G.es.ctl, &req, &resp, &err), -1);
    assert_int_equal(err.kind, ERR_PARSE);
    assert_true(resp.body.len <= 64);
    req.body_max = 0;
    assert_int_equal(http_request(G.es.ctl, &req, &resp, &err), 0);
    assert_int_equal(resp.status, 200);
    assert_true(resp.body.len > 64);
    http_resp_fini(&resp);
}

static void test_auth_failures(void **state)
{
    struct cfg_source cs;
    struct cursor *cur = cursor_new(5 * MIN_MS, 100000);
    struct source_es *src;
    struct err err;

    ingest(&G.es, "secret", 0, 2, "secret-a", NULL, now_ms() - 10 * MIN_MS, 1000, NULL);
    fill_cfg(&cs, G.es.url, "pre-*");
    cs.auth_password.value = (char *)"wrong";
    src = make_src(&cs, cur, NULL);
    assert_int_equal(source_es_preflight(src, &err), -1);
    assert_int_equal(err.kind, ERR_AUTH);
    print_message("# 401: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "401"));
    assert_non_null(strstr(err.msg, "source.auth"));
    assert_null(strstr(err.msg, "wrong"));              /* never the secret */
    source_es_free(src);

    fill_cfg(&cs, G.es.url, "secret-*");
    src = make_src(&cs, cur, NULL);
    assert_int_equal(source_es_preflight(src, &err), -1);
    assert_int_equal(err.kind, ERR_AUTH);
    print_message("# 403: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "403"));
    assert_non_null(strstr(err.msg, "read"));
    assert_non_null(strstr(err.msg, "secret-*"));
    assert_non_null(strstr(err.msg, "view_index_metadata"));
    source_es_free(src);

    /* API key auth, "id:key" and already encoded (base64 of "k1:apikey-secret") */
    fill_cfg(&cs, G.es.url, "pre-*");
    cs.auth_username = NULL;
    cs.auth_api_key.value = (char *)"k1:apikey-secret";
    src = make_src(&cs, cur, NULL);
    if (source_es_preflight(src, &err) < 0)
        fail_msg("api key id:key: %s", err.msg);
    source_es_free(src);
    cs.auth_api_key.value = (char *)"azE6YXBpa2V5LXNlY3JldA==";
    src = make_src(&cs, cur, NULL);
    if (source_es_preflight(src, &err) < 0)
        fail_msg("api key encoded: %s", err.msg);
    source_es_free(src);
    cursor_free(cur);
}

struct stopper {
    volatile sig_atomic_t *stop;
    int after_ms;
    volatile int cancel;      /* set by the test: do not stop, just end */
};

static void *stop_later(void *arg)
{
    struct stopper *s = arg;

    for (int64_t end = mono_ms() + s->after_ms; mono_ms() < end && !s->cancel;)
        msleep(5);
    if (!s->cancel)
        *s->stop = 1;
    return NULL;
}

/* Unreachable cluster at start-up, and a hung search: both return promptly on stop. */
static void test_stop_is_prompt(void **state)
{
    static volatile sig_atomic_t stop;
    struct stopper s = {&stop, 400, 0};
    struct cfg_source cs;
    struct cursor *cur = cursor_new(5 * MIN_MS, 100000);
    struct source_es *src;
    struct es_page page;
    struct err err;
    pthread_t th;
    int64_t t0;

    fill_cfg(&cs, "http://127.0.0.1:1", "pre-*");      /* nothing listens on port 1 */
    src = make_src(&cs, cur, &stop);
    stop = 0;
    pthread_create(&th, NULL, stop_later, &s);
    t0 = mono_ms();
    assert_int_equal(source_es_preflight(src, &err), -1);
    pthread_join(th, NULL);
    assert_true(mono_ms() - t0 < 400 + 500);
    assert_string_equal(err.msg, "stopping");
    source_es_free(src);

    faults("{\"slow_ms\":20000,\"endpoints\":[\"search\"]}");
    fill_cfg(&cs, G.es.url, "pre-*");
    src = make_src(&cs, cur, &stop);
    stop = 0;
    pthread_create(&th, NULL, stop_later, &s);
    t0 = mono_ms();
    assert_int_equal(source_es_next(src, &page, &err), -1);
    pthread_join(th, NULL);
    assert_true(mono_ms() - t0 < 400 + 500);
    faults("{}");
    source_es_free(src);
    cursor_free(cur);
}

static int openssl(const char *const args[])
{
    const char *argv[32] = {"/usr/bin/openssl"};
    int n = 1;

    for (int i = 0; args[i] != NULL && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return run(argv);
}

/* A CA and a server certificate for localhost signed by it; a second, unrelated CA. */
static int make_certs(const char *d)
{
    char ca[128], cakey[128], key[128], csr[128], crt[128], ext[128], other[128], okey[128];
    FILE *fp;

    snprintf(ca, sizeof(ca), "%s/ca.pem", d);
    snprintf(cakey, sizeof(cakey), "%s/ca.key", d);
    snprintf(key, sizeof(key), "%s/srv.key", d);
    snprintf(csr, sizeof(csr), "%s/srv.csr", d);
    snprintf(crt, sizeof(crt), "%s/srv.pem", d);
    snprintf(ext, sizeof(ext), "%s/srv.ext", d);
    snprintf(other, sizeof(other), "%s/other-ca.pem", d);
    snprintf(okey, sizeof(okey), "%s/other-ca.key", d);
    fp = fopen(ext, "w");
    if (fp == NULL)
        return -1;
    fputs("subjectAltName=DNS:localhost,IP:127.0.0.1\n", fp);
    fclose(fp);
    const char *a1[] = {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", cakey, "-out", ca, "-days", "2", "-subj",
                        "/CN=ece-auditd test CA", NULL};
    const char *a2[] = {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost", NULL};
    const char *a3[] = {"x509", "-req", "-in", csr, "-CA", ca, "-CAkey", cakey,
                        "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext, NULL};
    const char *a4[] = {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", okey, "-out", other, "-days", "2", "-subj",
                        "/CN=unrelated CA", NULL};
    if (openssl(a1) || openssl(a2) || openssl(a3) || openssl(a4))
        return -1;
    /* a client certificate whose key is encrypted with the password "kpw" */
    char ckey[128], ccsr[128], ccrt[128], cenc[128];
    snprintf(ckey, sizeof(ckey), "%s/client.key", d);
    snprintf(ccsr, sizeof(ccsr), "%s/client.csr", d);
    snprintf(ccrt, sizeof(ccrt), "%s/client.pem", d);
    snprintf(cenc, sizeof(cenc), "%s/client-enc.key", d);
    const char *b1[] = {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", ckey, "-out", ccsr, "-subj", "/CN=ece-auditd", NULL};
    const char *b2[] = {"x509", "-req", "-in", ccsr, "-CA", ca, "-CAkey", cakey,
                        "-CAcreateserial", "-out", ccrt, "-days", "2", NULL};
    const char *b3[] = {"pkcs8", "-topk8", "-in", ckey, "-out", cenc, "-v2", "aes-256-cbc",
                        "-passout", "pass:kpw", NULL};
    return openssl(b1) || openssl(b2) || openssl(b3) ? -1 : 0;
}

static void test_tls(void **state)
{
    char ca[128], other[128], crt[128], key[128];
    const char *args[] = {"--tls-cert", crt, "--tls-key", key, "--user", USER,
                          "--password", PASS, NULL};
    static volatile sig_atomic_t stop;
    struct stopper s = {&stop, 1500, 0};
    pthread_t th;
    struct emu tls;
    struct cfg_source cs;
    struct cursor *cur = cursor_new(5 * MIN_MS, 100000);
    struct source_es *src;
    struct tally t;
    struct err err;

    snprintf(ca, sizeof(ca), "%s/ca.pem", G.dir);
    snprintf(other, sizeof(other), "%s/other-ca.pem", G.dir);
    snprintf(crt, sizeof(crt), "%s/srv.pem", G.dir);
    snprintf(key, sizeof(key), "%s/srv.key", G.dir);
    if (make_certs(G.dir) < 0)
        fail_msg("openssl could not make the test certificates");
    if (emu_start(&tls, "tls", args, ca) < 0)
        fail_msg("TLS emulator did not start");
    ingest(&tls, "tls", 0, 250, "tls-a", NULL, now_ms() - 10 * MIN_MS, 1000, NULL);

    fill_cfg(&cs, tls.url, "tls-*");
    cs.tls.ca_file = ca;
    src = make_src(&cs, cur, NULL);
    if (source_es_preflight(src, &err) < 0)
        fail_msg("TLS with the right CA: %s", err.msg);
    tally_init(&t, "tls", 250);
    sweep(src, cur, &t, 1, -1, NULL, NULL);
    tally_check(&t, 0, 250);
    source_es_free(src);

    cs.tls.ca_file = other;
    src = make_src(&cs, cur, NULL);
    assert_int_equal(source_es_preflight(src, &err), -1);
    print_message("# wrong CA: %s\n", err.msg);
    assert_int_equal(err.kind, ERR_CONFIG);
    assert_non_null(strstr(err.msg, "certificate"));
    source_es_free(src);
    emu_stop(&tls);

    /* mutual TLS: the emulator wants a client certificate signed by the CA */
    const char *margs[] = {"--tls-cert", crt, "--tls-key", key, "--tls-client-ca", ca,
                           "--user", USER, "--password", PASS, NULL};
    char ccrt[128], cenc[128];
    snprintf(ccrt, sizeof(ccrt), "%s/client.pem", G.dir);
    snprintf(cenc, sizeof(cenc), "%s/client-enc.key", G.dir);
    if (emu_start(&tls, "mtls", margs, ca) < 0)
        fail_msg("mTLS emulator did not start");
    cs.tls.ca_file = ca;
    src = make_src(&cs, cur, &stop);
    stop = 0;
    /* With TLS 1.3 the server's "certificate required" alert races with our request: either
     * it is read (ERR_CONFIG at once) or the send fails (transient, retried until stop). */
    pthread_create(&th, NULL, stop_later, &s);
    assert_int_equal(source_es_preflight(src, &err), -1);     /* no client certificate */
    print_message("# no client certificate: %s\n", err.msg);
    assert_true(err.kind == ERR_CONFIG || strcmp(err.msg, "stopping") == 0);
    s.cancel = 1;
    pthread_join(th, NULL);
    source_es_free(src);
    cs.tls.cert_file = ccrt;
    cs.tls.key_file = cenc;
    cs.tls.key_password.value = (char *)"kpw";
    src = make_src(&cs, cur, NULL);
    if (source_es_preflight(src, &err) < 0)
        fail_msg("mTLS with client certificate: %s", err.msg);
    source_es_free(src);
    cursor_free(cur);
    emu_stop(&tls);
}

static long rss_kb(const char *field)
{
    char line[256];
    long kb = -1;
    FILE *fp = fopen("/proc/self/status", "r");

    while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
        if (strncmp(line, field, strlen(field)) == 0)
            kb = strtol(line + strlen(field), NULL, 10);
    if (fp != NULL)
        fclose(fp);
    return kb;
}

static void reset_peak_rss(void)
{
    FILE *fp = fopen("/proc/self/clear_refs", "w");   /* "5" resets VmHWM (Linux 4.0+) */

    if (fp != NULL) {
        fputs("5", fp);
        fclose(fp);
    }
}

/* Not a pass/fail test: documents/s and RSS for one big sweep (ECE_SOURCE_BENCH=N). */
static void test_bench(void **state)
{
    const char *env = getenv("ECE_SOURCE_BENCH");
    int n = env ? (int)strtol(env, NULL, 10) : 0;
    struct cfg_source cs;
    struct cursor *cur;
    struct source_es *src;
    struct tally t;
    struct rusage ru0, ru1;
    int64_t t0, ms;
    double cpu;
    long rss0;

    /* ~900 bytes per document, like shared/data/ece-samples.ndjson */
    g_extra = ",\"headers\":[{\"name\":\"Host\",\"value\":\"10.20.0.11:12443\"},{\"name\":"
              "\"User-Agent\",\"value\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/"
              "537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36\"},{\"name\":"
              "\"Content-Type\",\"value\":\"application/json\"},{\"name\":\"X-Forwarded-For\","
              "\"value\":\"10.30.8.21\"}],\"payload\":{\"name\":\"prod-search-cluster\","
              "\"resources\":{\"elasticsearch\":[{\"region\":\"ece-region\",\"ref_id\":"
              "\"main-elasticsearch\",\"plan\":{\"cluster_topology\":[{\"id\":\"hot_content\","
              "\"size\":{\"value\":8192,\"resource\":\"memory\"},\"zone_count\":2}],"
              "\"elasticsearch\":{\"version\":\"8.15.0\"}}}]}},\"return_code\":201,"
              "\"admin_id\":\"philipp\"";
    ingest(&G.es, "bench", 0, n, "bench-a", "bench-b", now_ms() - 24 * 60 * MIN_MS, 500, NULL);
    g_extra = "";
    cur = cursor_new(5 * MIN_MS, 1000000);
    fill_cfg(&cs, G.es.url, "bench-*");
    cs.page_size = 1000;
    src = make_src(&cs, cur, NULL);
    tally_init(&t, "bench", n);
    rss0 = rss_kb("VmRSS:");
    reset_peak_rss();
    getrusage(RUSAGE_SELF, &ru0);
    t0 = mono_ms();
    sweep(src, cur, &t, 1, -1, NULL, NULL);
    ms = mono_ms() - t0;
    getrusage(RUSAGE_SELF, &ru1);
    cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec -
                   ru0.ru_stime.tv_sec) * 1000.0 +
          (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec -
                   ru0.ru_stime.tv_usec) / 1000.0;
    print_message("# bench: %d docs of ~900 bytes, page 1000: %lld ms wall = %.0f docs/s "
                  "(emulator on the same host); source CPU %.0f ms = %.0f docs/s per core; "
                  "RSS before %ld kB, peak during sweep %ld kB\n", n, (long long)ms,
                  n * 1000.0 / (double)(ms ? ms : 1), cpu, n * 1000.0 / (cpu > 0 ? cpu : 1),
                  rss0, rss_kb("VmHWM:"));
    tally_check(&t, 0, n);
    source_es_free(src);
    cursor_free(cur);
}

static int group_setup(void **state)
{
    const char *args[] = {"--user", USER, "--password", PASS, "--api-key", "k1:apikey-secret",
                          "--deny-index", "secret-*", "--seed", "3", NULL};

    if (access(emulator_path(), R_OK) != 0) {
        print_error("es_emulator.py not found at %s\n", emulator_path());
        return -1;
    }
    snprintf(G.dir, sizeof(G.dir), "/tmp/test_source_es.XXXXXX");
    if (mkdtemp(G.dir) == NULL)
        return -1;
    log_set_level(getenv("ECE_TEST_VERBOSE") ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
    return emu_start(&G.es, "es", args, NULL);
}

static int group_teardown(void **state)
{
    DIR *d;
    struct dirent *de;
    char p[512];

    emu_stop(&G.es);
    d = opendir(G.dir);
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || de->d_name[1] == '.'))
            continue;
        snprintf(p, sizeof(p), "%s/%s", G.dir, de->d_name);
        unlink(p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(G.dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preflight),
        cmocka_unit_test(test_many_pages_two_indices),
        cmocka_unit_test(test_same_timestamp_and_pit_loss),
        cmocka_unit_test(test_restart_from_checkpoint),
        cmocka_unit_test(test_late_documents),
        cmocka_unit_test(test_sweep_before_commit),
        cmocka_unit_test(test_faults_exactly_once),
        cmocka_unit_test(test_without_pit),
        cmocka_unit_test(test_gap_detection),
        cmocka_unit_test(test_query_filter),
        cmocka_unit_test(test_http_body_cap),
        cmocka_unit_test(test_auth_failures),
        cmocka_unit_test(test_stop_is_prompt),
        cmocka_unit_test(test_tls),
    };
    const struct CMUnitTest bench[] = {
        cmocka_unit_test(test_bench),
    };

    if (access(emulator_path(), R_OK) != 0) {
        printf("1..0 # SKIP es_emulator.py not found at %s\n", emulator_path());
        return 77;
    }
    if (getenv("ECE_SOURCE_BENCH") != NULL)   /* numbers, not pass/fail: only on request */
        return cmocka_run_group_tests(bench, group_setup, group_teardown);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
