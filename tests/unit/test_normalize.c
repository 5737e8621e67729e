/* test_normalize.c - documents -> events: the 30 samples against the ece-events.md section 5
 * table, then crafted documents for each shape, odd inputs, escalators and redaction. */
#define _GNU_SOURCE
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "jdoc.h"
#include "normalize.h"

#define MAX_SAMPLES 64

static char *samples[MAX_SAMPLES];
static size_t sample_len[MAX_SAMPLES];
static int n_samples;
static struct audit_event ev, ev2;
static struct err err;

/* ece-events.md section 5; user from the scenario text / the document's own actor field */
static const struct {
    const char *class;
    int sev;
    enum ev_outcome outcome;
    bool ro;
    const char *user;
} expect[30] = {
    { "auth.login.failure", 5, OUTCOME_FAILURE, false, "admin" },
    { "auth.login.failure", 5, OUTCOME_FAILURE, false, "admin" },
    { "auth.login.success", 3, OUTCOME_SUCCESS, false, "philipp" },
    { "deployment.read", 0, OUTCOME_SUCCESS, true, "philipp" },
    { "auth.apikey.create", 7, OUTCOME_SUCCESS, false, "philipp" },
    { "user.create", 7, OUTCOME_SUCCESS, false, "philipp" },
    { "auth.login.failure", 5, OUTCOME_FAILURE, false, "svc-backup" },
    { "auth.login.success", 3, OUTCOME_SUCCESS, false, "\xE7\x8E\x8B\xE4\xBC\x9F" },
    { "deployment.create", 5, OUTCOME_SUCCESS, false, "philipp" },
    { "ui.authorization.check", 0, OUTCOME_SUCCESS, true, "\xE7\x8E\x8B\xE4\xBC\x9F" },
    { "platform.read", 0, OUTCOME_SUCCESS, true, "\xE7\x8E\x8B\xE4\xBC\x9F" },
    { "deployment.update", 5, OUTCOME_SUCCESS, false, "philipp" },
    { "deployment.upgrade", 6, OUTCOME_SUCCESS, false, "philipp" },
    { "deployment.elastic_password.reset", 9, OUTCOME_SUCCESS, false, "m\xC3\xBCller.j\xC3\xBCrgen" },
    { "deployment.shutdown", 8, OUTCOME_SUCCESS, false, "\xE7\x8E\x8B\xE4\xBC\x9F" },
    { "deployment.resource.restart", 6, OUTCOME_SUCCESS, false, NULL },
    { "platform.allocator.maintenance.start", 6, OUTCOME_SUCCESS, false, "philipp" },
    { "platform.allocator.maintenance.stop", 4, OUTCOME_SUCCESS, false, "philipp" },
    { "platform.license.set", 7, OUTCOME_SUCCESS, false, "philipp" },
    { "platform.security_realm.update", 8, OUTCOME_SUCCESS, false, "philipp" },
    { "user.update", 8, OUTCOME_SUCCESS, false, "\xE7\x8E\x8B\xE4\xBC\x9F" },
    { "deployment.delete", 8, OUTCOME_SUCCESS, false, "philipp" },
    { "platform.enrollment_token.create", 9, OUTCOME_SUCCESS, false, "\xE7\x8E\x8B\xE4\xBC\x9F" },
    { "deployment.api_console.request", 6, OUTCOME_SUCCESS, false, "philipp" },
    { "deployment.api_console.request", 7, OUTCOME_SUCCESS, false, "\xE7\x8E\x8B\xE4\xBC\x9F" },
    { "platform.read", 0, OUTCOME_SUCCESS, true, "readonly" },
    { "auth.logout", 1, OUTCOME_SUCCESS, false, "philipp" },
    { "auth.token.refresh", 2, OUTCOME_FAILURE, false, NULL },
    { "deployment.sso.login", 5, OUTCOME_SUCCESS, false, "admin" },
    { "network.traffic_filter.delete", 7, OUTCOME_SUCCESS, false, "philipp" },
};

/* $SHARED_DIR, else beside the source tree ($TOP_SRCDIR/../shared), else beside the directory
 * holding the worktree ($TOP_SRCDIR/../../shared). Copies nothing. */
static FILE *open_samples(char *path, size_t sz)
{
    const char *dir = getenv("SHARED_DIR"), *top = getenv("TOP_SRCDIR");
    FILE *f = NULL;

    if (dir) {
        snprintf(path, sz, "%s/data/ece-samples.ndjson", dir);
        f = fopen(path, "r");
    }
    for (int up = 1; f == NULL && up <= 2; up++) {
        snprintf(path, sz, "%s/%s/shared/data/ece-samples.ndjson", top ? top : ".", up == 1 ? ".." : "../..");
        f = fopen(path, "r");
    }
    return f;
}

static int load_samples(void **st)
{
    char path[4096], *line = NULL;
    size_t cap = 0;
    ssize_t r;
    FILE *f;

    (void)st;
    if ((f = open_samples(path, sizeof(path))) == NULL) {
        print_error("cannot find data/ece-samples.ndjson (SHARED_DIR, TOP_SRCDIR/../shared)\n");
        return 0; /* the sample tests fail on their own; the crafted ones still run */
    }
    while (n_samples < MAX_SAMPLES && (r = getline(&line, &cap, f)) > 0) {
        samples[n_samples] = strndup(line, (size_t)r);
        sample_len[n_samples++] = (size_t)r; /* keeps the newline: lines as read from a file */
    }
    free(line);
    fclose(f);
    return 0;
}

static int free_samples(void **st)
{
    (void)st;
    for (int i = 0; i < n_samples; i++)
        free(samples[i]);
    return 0;
}

static enum norm_result norm(struct norm_ctx *nc, const char *doc)
{
    err.msg[0] = '\0';
    return normalize_line(nc, doc, strlen(doc), &ev, &err);
}

static bool arena_has(const struct audit_event *e, const char *s)
{
    return memmem(e->arena, e->arena_len, s, strlen(s)) != NULL;
}

#define STR_EQ(a, b) assert_string_equal((a) ? (a) : "(null)", (b) ? (b) : "(null)")

static void t_samples(void **st)
{
    struct norm_ctx *nc = norm_ctx_new();
    int bad = 0;

    (void)st;
    assert_int_equal(n_samples, 30);
    for (int i = 0; i < 30; i++) {
        enum norm_result rc = normalize_line(nc, samples[i], sample_len[i], &ev, &err);
        const char *u = ev.user ? ev.user : "(null)", *wu = expect[i].user ? expect[i].user : "(null)";
        if (rc != NORM_OK || strcmp(ev.class, expect[i].class) != 0 || ev.severity != expect[i].sev ||
            ev.outcome != expect[i].outcome || ev.read_only != expect[i].ro || strcmp(u, wu) != 0) {
            print_error("sample %d: rc %d %s sev %d %s ro %d user %s; want %s sev %d %s ro %d user %s\n", i + 1,
                        rc, ev.class, ev.severity, ev_outcome_name(ev.outcome), ev.read_only, u, expect[i].class,
                        expect[i].sev, ev_outcome_name(expect[i].outcome), expect[i].ro, wu);
            bad++;
        }
        /* section 5: every request_id is 32 hex and the dedup key without a hit wrapper */
        if (ev.request_id == NULL || strlen(ev.request_id) != 32 || ev.dedup_key != ev.request_id)
            bad++;
    }
    norm_ctx_free(nc);
    assert_int_equal(bad, 0);
}

/* Each sample as json-c re-writes it (other escapes, "\/", key order kept), parsed into a
 * jdoc and given to normalize_doc: the same event as the original line. */
static void t_samples_jsonc(void **st)
{
    struct jdoc *d = jdoc_new(64);

    (void)st;
    assert_int_equal(n_samples, 30);
    for (int i = 0; i < 30; i++) {
        struct json_object *o = json_tokener_parse(samples[i]);
        assert_non_null(o);
        const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        struct jnode *root = jdoc_parse(d, txt, strlen(txt), NULL);
        assert_non_null(root);
        assert_int_equal(normalize_doc(NULL, root, &ev2, &err), NORM_OK);
        assert_int_equal(normalize_line(NULL, samples[i], sample_len[i], &ev, &err), NORM_OK);
        json_object_put(o);
        STR_EQ(ev2.class, ev.class);
        assert_int_equal(ev2.severity, ev.severity);
        assert_int_equal(ev2.outcome, ev.outcome);
        assert_int_equal(ev2.ts_ms, ev.ts_ms);
        assert_int_equal(ev2.status, ev.status);
        assert_int_equal(ev2.src_port, ev.src_port);
        assert_int_equal(ev2.duration_ms, ev.duration_ms);
        STR_EQ(ev2.user, ev.user);
        STR_EQ(ev2.path, ev.path);
        STR_EQ(ev2.url, ev.url);
        STR_EQ(ev2.query, ev.query);
        STR_EQ(ev2.src_ip, ev.src_ip);
        STR_EQ(ev2.user_agent, ev.user_agent);
        STR_EQ(ev2.target_user, ev.target_user);
        STR_EQ(ev2.deployment_id, ev.deployment_id);
        STR_EQ(ev2.reason, ev.reason);
    }
    /* without a version cache sample 13 stays a plain plan change */
    assert_int_equal(normalize_line(NULL, samples[12], sample_len[12], &ev, &err), NORM_OK);
    assert_string_equal(ev.class, "deployment.update");
    assert_int_equal(ev.severity, 5);
    jdoc_free(d);
}

/* Field details of individual samples. */
static void t_sample_fields(void **st)
{
    struct norm_ctx *nc;
    (void)st;

    assert_int_equal(n_samples, 30);
    nc = norm_ctx_new();
    normalize_line(nc, samples[0], sample_len[0], &ev, &err);
    assert_int_equal(ev.shape, SHAPE_PROXY);
    assert_int_equal(ev.ts_ms, 1795157892104LL); /* 2026-11-20T06:58:12.104Z */
    assert_int_equal(ev.status, -1);             /* no return_code: never answered */
    assert_string_equal(ev.src_ip, "203.0.113.77");
    assert_string_equal(ev.dest_host, "10.20.0.11");
    assert_int_equal(ev.dest_port, 12443);
    assert_string_equal(ev.method, "POST");
    assert_string_equal(ev.path, "/users/auth/_login");
    assert_string_equal(ev.url, "https://10.20.0.11:12443/api/v1/users/auth/_login");
    assert_string_equal(ev.user_agent, "python-requests/2.32.3");
    assert_false(arena_has(&ev, "password"));

    normalize_line(nc, samples[8], sample_len[8], &ev, &err); /* create with query in path */
    assert_string_equal(ev.path, "/deployments");
    assert_string_equal(ev.query, "validate_only=false");
    assert_string_equal(ev.deployment_name, "demo");
    assert_false(ev.read_only);

    normalize_line(nc, samples[10], sample_len[10], &ev, &err); /* region prefix */
    assert_int_equal(ev.shape, SHAPE_ADMINCONSOLE);
    assert_string_equal(ev.region, "ece-region");
    assert_string_equal(ev.path, "/platform/license");
    assert_string_equal(ev.auth_type, "cookie");
    assert_string_equal(ev.org_id, "6b0e6a9c8d7f4e3a2b1c0d9e8f7a6b5c");
    assert_int_equal(ev.duration_ms, 19);

    normalize_line(nc, samples[13], sample_len[13], &ev, &err); /* reset-password */
    assert_string_equal(ev.deployment_id, "3f6e9c1b2a8d4e7f9b0c5d6a7e8f9a0b");
    assert_string_equal(ev.ref_id, "main-elasticsearch");
    assert_string_equal(ev.resource_kind, "elasticsearch");

    normalize_line(nc, samples[15], sample_len[15], &ev, &err); /* API-key client, masked Authorization */
    assert_null(ev.user);
    assert_string_equal(ev.src_ip, "10.50.3.7");
    assert_string_equal(ev.user_agent, "ecctl/1.14.0 (linux/amd64)");

    normalize_line(nc, samples[20], sample_len[20], &ev, &err); /* percent-encoded UTF-8 user */
    assert_string_equal(ev.path, "/users/m%C3%BCller.j%C3%BCrgen");
    assert_string_equal(ev.target_user, "m\xC3\xBCller.j\xC3\xBCrgen");
    assert_string_equal(ev.reason, "role ece_platform_admin granted");

    normalize_line(nc, samples[23], sample_len[23], &ev, &err); /* 3.3 kB path, payload "-" */
    assert_true(strlen(ev.path) > 3000);
    assert_string_equal(ev.resource_kind, "elasticsearch");

    normalize_line(nc, samples[24], sample_len[24], &ev, &err);
    assert_non_null(strstr(ev.reason, "_security"));

    normalize_line(nc, samples[25], sample_len[25], &ev, &err); /* bare path, plain-string headers */
    assert_string_equal(ev.dest_host, "10.20.0.11");
    assert_int_equal(ev.dest_port, 12443);
    assert_string_equal(ev.user_agent, "ecctl/1.14.0 (darwin/arm64)");
    assert_null(ev.src_ip);

    normalize_line(nc, samples[27], sample_len[27], &ev, &err); /* sentinels */
    assert_null(ev.auth_type);
    assert_null(ev.api_key_id);
    assert_null(ev.org_id);

    normalize_line(nc, samples[28], sample_len[28], &ev, &err); /* SSO */
    assert_string_equal(ev.deployment_id, "c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4");
    assert_string_equal(ev.src_ip, "127.0.0.1");

    normalize_line(nc, samples[29], sample_len[29], &ev, &err); /* client_ip with port, API key */
    assert_string_equal(ev.src_ip, "10.50.3.7");
    assert_int_equal(ev.src_port, 51522);
    assert_string_equal(ev.auth_type, "apikey");
    assert_string_equal(ev.api_key_id, "Jq3vX5oBn8cK2wLp7RzA");
    assert_string_equal(ev.query, "ignore_associations=true");
    assert_int_equal(ev.ts_ms, 1795198203474LL);
    norm_ctx_free(nc);
}

#define TS "\"@timestamp\":\"2026-11-20T10:00:00.000Z\""

static void t_shape_ecs_nested(void **st)
{
    (void)st;
    assert_int_equal(norm(NULL, "{" TS ",\"http\":{\"request\":{\"method\":\"delete\",\"id\":\"r-ecs-1\"},"
                                "\"response\":{\"status_code\":200}},\"url\":{\"path\":\"/api/v1/deployments/abc\","
                                "\"original\":\"https://ece.example:12443/api/v1/deployments/abc?x=1\",\"domain\":\"ece.example\",\"port\":12443},"
                                "\"user\":{\"name\":\"alice\"},\"client\":{\"address\":\"192.0.2.1\",\"port\":5555},"
                                "\"user_agent\":{\"original\":\"curl/8\"},\"organization\":{\"id\":\"org1\"},"
                                "\"cloud\":{\"region\":\"ece-region\"},\"event\":{\"duration\":1500000000}}"),
                     NORM_OK);
    assert_int_equal(ev.shape, SHAPE_ECS);
    assert_string_equal(ev.method, "DELETE");
    assert_string_equal(ev.class, "deployment.delete");
    assert_int_equal(ev.severity, 8);
    assert_string_equal(ev.deployment_id, "abc");
    assert_string_equal(ev.user, "alice");
    assert_string_equal(ev.src_ip, "192.0.2.1");
    assert_int_equal(ev.src_port, 5555);
    assert_string_equal(ev.dest_host, "ece.example");
    assert_int_equal(ev.dest_port, 12443);
    assert_string_equal(ev.user_agent, "curl/8");
    assert_string_equal(ev.org_id, "org1");
    assert_string_equal(ev.region, "ece-region");
    assert_int_equal(ev.duration_ms, 1500);
    assert_string_equal(ev.request_id, "r-ecs-1");
    assert_string_equal(ev.dedup_key, "r-ecs-1");
    assert_string_equal(ev.query, "x=1");
}

static void t_shape_ecs_dotted(void **st)
{
    (void)st;
    assert_int_equal(norm(NULL, "{\"event.created\":\"2026-11-20T10:00:00.250Z\",\"http.request.method\":\"POST\","
                                "\"url.path\":\"/api/v1/users\",\"url.query\":\"a=1\",\"http.response.status_code\":\"201\","
                                "\"user.name\":\"bob\",\"source.ip\":\"2001:db8::1\",\"user_agent.original\":\"ua\","
                                "\"http.request.body.content\":\"{\\\"user_name\\\":\\\"eve\\\",\\\"security\\\":"
                                "{\\\"roles\\\":[\\\"ece_platform_admin\\\"],\\\"password\\\":\\\"hunter2\\\"}}\"}"),
                     NORM_OK);
    assert_int_equal(ev.shape, SHAPE_ECS);
    assert_int_equal(ev.ts_ms, 1795168800250LL); /* no @timestamp: event.created */
    assert_string_equal(ev.class, "user.create");
    assert_int_equal(ev.severity, 9);
    assert_int_equal(ev.status, 201);
    assert_string_equal(ev.target_user, "eve");
    assert_string_equal(ev.src_ip, "2001:db8::1");
    assert_int_equal(ev.src_port, 0);
    assert_string_equal(ev.query, "a=1");
    assert_false(arena_has(&ev, "hunter2"));

    /* a mix: nested root holding a dotted key */
    assert_int_equal(norm(NULL, "{" TS ",\"http\":{\"request.method\":\"GET\",\"response\":{\"status_code\":\"200\"}},"
                                "\"url\":{\"path\":\"/api/v1/platform/license\"}}"),
                     NORM_OK);
    assert_string_equal(ev.class, "platform.read");
    assert_int_equal(ev.status, 200);
}

static void t_hit_wrapper(void **st)
{
    (void)st;
    assert_int_equal(norm(NULL, "{\"_index\":\"services-logs-2026.11.20\",\"_id\":\"Xy1\",\"_score\":null,\"sort\":[1,2],"
                                "\"_source\":{" TS ",\"request_id\":\"8f01392d1ab029f5340eeac60c965e88\",\"method\":\"POST\","
                                "\"path\":\"/api/v1/users/auth/_logout\",\"return_code\":200,\"admin_id\":\"philipp\"}}"),
                     NORM_OK);
    assert_string_equal(ev.class, "auth.logout");
    assert_string_equal(ev.dedup_key, "services-logs-2026.11.20/Xy1");
    assert_string_equal(ev.request_id, "8f01392d1ab029f5340eeac60c965e88");

    assert_int_equal(norm(NULL, "{\"_index\":\"i\",\"_id\":\"bad-hit-7\",\"_source\":[1]}"), NORM_MALFORMED);
    assert_non_null(strstr(err.msg, "bad-hit-7"));
    assert_int_equal(norm(NULL, "{\"_index\":\"i\",\"_id\":\"no-ts-9\",\"_source\":{\"method\":\"GET\",\"path\":\"/api/v1/users\"}}"),
                     NORM_MALFORMED);
    assert_non_null(strstr(err.msg, "timestamp"));
    assert_non_null(strstr(err.msg, "no-ts-9"));
    assert_int_equal(norm(NULL, "{\"_index\":\"i\",\"_id\":\"no-src-3\",\"_source\":null}"), NORM_MALFORMED);
    assert_non_null(strstr(err.msg, "no-src-3"));
    assert_int_equal(norm(NULL, "{\"_index\":\"i\",\"_id\":\"skip-1\",\"_source\":{" TS ",\"log\":{\"logger\":\"x\"}}}"), NORM_SKIP);
}

static void t_format_b_sentinels(void **st)
{
    (void)st;
    assert_int_equal(norm(NULL, "{" TS ",\"log.logger\":\"no.found.adminconsole.http.requests\",\"request_method\":\"DELETE\","
                                "\"request_url\":\"[2001:db8::10]:12443/api/v1/users/bob\",\"status_code\":204,"
                                "\"auth_user\":\"unknown\",\"auth_type\":\"unknown\",\"api_key_id\":\"unknown\","
                                "\"organization_id\":\"unknown\",\"client_ip\":\"[2001:db8::5]:443\",\"response_time\":17,"
                                "\"request_id\":\"b1\",\"trace.id\":\"\",\"transaction.id\":\"\"}"),
                     NORM_OK);
    assert_int_equal(ev.shape, SHAPE_ADMINCONSOLE);
    assert_string_equal(ev.class, "user.delete");
    assert_int_equal(ev.status, 204); /* a number where B logs a string */
    assert_int_equal(ev.duration_ms, 17);
    assert_null(ev.user);
    assert_null(ev.auth_type);
    assert_null(ev.api_key_id);
    assert_null(ev.org_id);
    assert_string_equal(ev.src_ip, "2001:db8::5");
    assert_int_equal(ev.src_port, 443);
    assert_string_equal(ev.dest_host, "2001:db8::10");
    assert_int_equal(ev.dest_port, 12443);
    assert_string_equal(ev.target_user, "bob");

    /* bare IPv6 client_ip has no port; numbers as strings for return_code */
    assert_int_equal(norm(NULL, "{" TS ",\"request_method\":\"GET\",\"request_url\":\"h:1/api/v1/users\",\"status_code\":\"200\","
                                "\"client_ip\":\"::1\"}"),
                     NORM_OK);
    assert_string_equal(ev.src_ip, "::1");
    assert_int_equal(ev.src_port, 0);
    assert_int_equal(norm(NULL, "{" TS ",\"method\":\"PATCH\",\"path\":\"/api/v1/users/x\",\"return_code\":\"401\",\"admin_id\":\"-\"}"),
                     NORM_OK);
    assert_int_equal(ev.status, 401);
    assert_null(ev.user);
    assert_int_equal(ev.outcome, OUTCOME_FAILURE);
    assert_int_equal(ev.severity, 5); /* user.update 6 -> max(6-1, 4) */
}

static void t_missing_fields(void **st)
{
    (void)st;
    /* no headers, payload, return_code: outcome unknown at base severity (non-login) */
    assert_int_equal(norm(NULL, "{" TS ",\"method\":\"DELETE\",\"path\":\"/api/v1/deployments/d1\"}"), NORM_OK);
    assert_string_equal(ev.class, "deployment.delete");
    assert_int_equal(ev.severity, 8);
    assert_int_equal(ev.outcome, OUTCOME_UNKNOWN);
    assert_int_equal(ev.status, -1);
    assert_int_equal(ev.duration_ms, -1);
    assert_null(ev.src_ip);
    assert_null(ev.user_agent);
    assert_null(ev.dest_host);
    assert_null(ev.request_id);
    assert_null(ev.dedup_key);
    assert_null(ev.query);

    /* login with payload "-" (masked) and no return_code: a failure without an actor */
    assert_int_equal(norm(NULL, "{" TS ",\"method\":\"POST\",\"path\":\"/api/v1/users/auth/_login\",\"payload\":\"-\"}"), NORM_OK);
    assert_string_equal(ev.class, "auth.login.failure");
    assert_int_equal(ev.outcome, OUTCOME_FAILURE);
    assert_null(ev.user);

    /* format B login: user only in the request_payload string */
    assert_int_equal(norm(NULL, "{" TS ",\"request_method\":\"POST\",\"request_url\":\"h:12443/api/v1/users/auth/_login\","
                                "\"status_code\":\"302\",\"auth_user\":\"unknown\",\"request_payload\":\"{\\\"username\\\":\\\"carol\\\",\\\"password\\\":\\\"-\\\"}\"}"),
                     NORM_OK);
    assert_string_equal(ev.class, "auth.login.success");
    assert_string_equal(ev.user, "carol");
    assert_int_equal(ev.outcome, OUTCOME_SUCCESS);
    /* a request_payload that is not exactly one JSON object is not looked into */
    assert_int_equal(norm(NULL, "{" TS ",\"request_method\":\"POST\",\"request_url\":\"h:12443/api/v1/users/auth/_login\","
                                "\"status_code\":\"302\",\"request_payload\":\"{\\\"username\\\":\\\"carol\\\"} junk\"}"),
                     NORM_OK);
    assert_string_equal(ev.class, "auth.login.success");
    assert_null(ev.user);
    assert_int_equal(norm(NULL, "{" TS ",\"request_method\":\"POST\",\"request_url\":\"h:12443/api/v1/users/auth/_login\","
                                "\"status_code\":\"302\",\"request_payload\":\" {\\\"username\\\":\\\"erin\\\"}\\n\"}"),
                     NORM_OK);
    assert_string_equal(ev.user, "erin");

    /* headers as an object map, X-Forwarded-For with several hops */
    assert_int_equal(norm(NULL, "{" TS ",\"method\":\"GET\",\"path\":\"/api/v1/users\",\"return_code\":200,"
                                "\"headers\":{\"host\":\"ece:12443\",\"x-forwarded-for\":\" 198.51.100.7 , 10.0.0.1\"}}"),
                     NORM_OK);
    assert_string_equal(ev.src_ip, "198.51.100.7");
    assert_string_equal(ev.dest_host, "ece");
}

static void t_skip_and_malformed(void **st)
{
    (void)st;
    assert_int_equal(norm(NULL, "{" TS ",\"log\":{\"logger\":\"no.found.adminconsole.trafficfilter.TrafficFiltersMonitor\","
                                "\"level\":\"INFO\"},\"message\":\"Traffic filters status\",\"region\":\"ece-region\"}"),
                     NORM_SKIP);
    assert_int_equal(norm(NULL, "{" TS ",\"message\":\"hello\"}"), NORM_SKIP);
    assert_int_equal(norm(NULL, "{}"), NORM_SKIP);

    assert_int_equal(norm(NULL, "not json at all"), NORM_MALFORMED);
    assert_non_null(strstr(err.msg, "JSON"));
    assert_int_equal(norm(NULL, ""), NORM_MALFORMED);
    assert_int_equal(norm(NULL, "[1,2,3]"), NORM_MALFORMED);
    assert_non_null(strstr(err.msg, "not a JSON object"));
    assert_int_equal(norm(NULL, "\"str\""), NORM_MALFORMED);
    assert_int_equal(norm(NULL, "{\"method\":\"GET\"} trailing"), NORM_MALFORMED);
    assert_int_equal(norm(NULL, "{\"method\":\"GET\"}{\"method\":\"GET\"}"), NORM_MALFORMED); /* two documents on a line */
    assert_non_null(strstr(err.msg, "JSON"));
    assert_int_equal(norm(NULL, "{\"a\":1"), NORM_MALFORMED); /* cut short */
    assert_non_null(strstr(err.msg, "JSON"));
    /* strict JSON (RFC 8259): no trailing commas, no leading zeros, lower-case literals */
    assert_int_equal(norm(NULL, "{\"method\":\"GET\",}"), NORM_MALFORMED);
    assert_int_equal(norm(NULL, "{\"a\":[1,2,]}"), NORM_MALFORMED);
    assert_int_equal(norm(NULL, "{\"a\":TRUE}"), NORM_MALFORMED);
    assert_int_equal(norm(NULL, "{\"a\":\"unterminated}"), NORM_MALFORMED);
    assert_int_equal(norm(NULL, "{\"a\":\"bad \\x escape\"}"), NORM_MALFORMED);
    assert_int_equal(norm(NULL, "{\"a\":01}"), NORM_MALFORMED);
    assert_int_equal(norm(NULL, "{\"method\":\"GET\",\"path\":\"/api/v1/users\"}"), NORM_MALFORMED);
    assert_non_null(strstr(err.msg, "timestamp"));
    assert_int_equal(norm(NULL, "{\"@timestamp\":\"yesterday\",\"method\":\"GET\",\"path\":\"/api/v1/users\"}"), NORM_MALFORMED);
    assert_int_equal(norm(NULL, "{" TS ",\"method\":\"GET\"}"), NORM_MALFORMED);
    assert_non_null(strstr(err.msg, "path"));
    assert_int_equal(norm(NULL, "{" TS ",\"method\":7,\"path\":\"/api/v1/users\"}"), NORM_MALFORMED);
    assert_int_equal(norm(NULL, "{" TS ",\"method\":\"GE T\",\"path\":\"/api/v1/users\"}"), NORM_MALFORMED);
    assert_int_equal(normalize_doc(NULL, NULL, &ev, &err), NORM_MALFORMED);
}

static void t_timestamps(void **st)
{
    (void)st;
    assert_int_equal(norm(NULL, "{\"@timestamp\":\"2025-05-09T07:43:09.031238Z\",\"method\":\"GET\",\"path\":\"/api/v1/users\"}"), NORM_OK);
    assert_int_equal(ev.ts_ms, 1746776589031LL);
    assert_int_equal(norm(NULL, "{\"@timestamp\":\"2025-05-09T07:43:09.504030325Z\",\"method\":\"GET\",\"path\":\"/api/v1/users\"}"), NORM_OK);
    assert_int_equal(ev.ts_ms, 1746776589504LL);
    assert_int_equal(norm(NULL, "{\"@timestamp\":1746776589504,\"method\":\"GET\",\"path\":\"/api/v1/users\"}"), NORM_OK);
    assert_int_equal(ev.ts_ms, 1746776589504LL);
    assert_int_equal(norm(NULL, "{\"@timestamp\":\"1746776589504\",\"method\":\"GET\",\"path\":\"/api/v1/users\"}"), NORM_OK);
    assert_int_equal(ev.ts_ms, 1746776589504LL);
    /* a NUL inside the timestamp does not let the prefix pass */
    assert_int_equal(norm(NULL, "{\"@timestamp\":\"2025-05-09T07:43:09Z\\u0000junk\",\"method\":\"GET\",\"path\":\"/api/v1/users\"}"),
                     NORM_MALFORMED);
}

static void t_hostile_strings(void **st)
{
    (void)st;
    /* invalid UTF-8 and NUL in values become U+FFFD; nothing raw reaches the event */
    assert_int_equal(norm(NULL, "{" TS ",\"method\":\"GET\",\"path\":\"/api/v1/users\",\"admin_id\":\"ad\xff\xfemin\","
                                "\"headers\":[{\"name\":\"User-Agent\",\"value\":\"a\\u0000b\\ud800c\"}]}"),
                     NORM_OK);
    assert_string_equal(ev.user, "ad\xEF\xBF\xBD\xEF\xBF\xBDmin");
    assert_string_equal(ev.user_agent, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c");
    /* a raw tab inside a string is tolerated (as json-c does), not a reason to drop the event */
    assert_int_equal(norm(NULL, "{" TS ",\"method\":\"GET\",\"path\":\"/api/v1/users\",\"admin_id\":\"a\tb\"}"), NORM_OK);
    assert_string_equal(ev.user, "a\tb");
    /* escapes decode: \u00fc and a surrogate pair */
    assert_int_equal(norm(NULL, "{" TS ",\"method\":\"GET\",\"path\":\"/api/v1/users\",\"admin_id\":\"m\\u00fcller\\ud83d\\ude00\"}"), NORM_OK);
    assert_string_equal(ev.user, "m\xC3\xBCller\xF0\x9F\x98\x80");

    /* a huge path is bounded (and still classified) */
    size_t plen = 40000;
    char *doc = malloc(plen + 200);
    int n = snprintf(doc, 200, "{" TS ",\"method\":\"DELETE\",\"path\":\"/api/v1/deployments/d1/elasticsearch/r1/proxy/");
    memset(doc + n, 'a', plen);
    strcpy(doc + n + plen, "\",\"return_code\":200}");
    assert_int_equal(normalize_line(NULL, doc, strlen(doc), &ev, &err), NORM_OK);
    assert_string_equal(ev.class, "deployment.api_console.request");
    assert_true(strlen(ev.path) <= EV_FIELD_MAX);
    assert_true(strlen(ev.url) <= EV_FIELD_MAX);
    free(doc);

    /* a body with thousands of values is read like a small one */
    size_t cap = 200000;
    char *big = malloc(cap);
    size_t o = (size_t)snprintf(big, cap, "{" TS ",\"method\":\"POST\",\"path\":\"/api/v1/users\",\"return_code\":201,\"admin_id\":\"x\","
                                          "\"payload\":{\"user_name\":\"y\",\"junk\":[");
    for (int i = 0; i < 5000; i++)
        o += (size_t)snprintf(big + o, cap - o, "%s%d", i ? "," : "", i);
    snprintf(big + o, cap - o, "],\"security\":{\"roles\":[\"ece_platform_admin\"]}}}");
    assert_int_equal(normalize_line(NULL, big, strlen(big), &ev, &err), NORM_OK);
    assert_string_equal(ev.class, "user.create");
    assert_int_equal(ev.severity, 9);
    assert_string_equal(ev.target_user, "y");
    free(big);

    /* nesting: 40 levels inside a request are fine, 100 are refused (limit 64), no crash */
    char deep[1000];
    for (int levels = 40; levels <= 100; levels += 60) {
        size_t d = (size_t)snprintf(deep, sizeof(deep), "{" TS ",\"method\":\"GET\",\"path\":\"/api/v1/users\",\"x\":");
        for (int i = 0; i < levels; i++)
            deep[d++] = '[';
        for (int i = 0; i < levels; i++)
            deep[d++] = ']';
        deep[d++] = '}';
        deep[d] = '\0';
        if (levels == 40) {
            assert_int_equal(norm(NULL, deep), NORM_OK);
            assert_string_equal(ev.class, "user.read");
        } else {
            assert_int_equal(norm(NULL, deep), NORM_MALFORMED);
            assert_non_null(strstr(err.msg, "deeper than 64"));
        }
    }
    memset(deep, '[', 300);
    deep[300] = '\0';
    assert_int_equal(norm(NULL, deep), NORM_MALFORMED);
    assert_non_null(strstr(err.msg, "not a JSON object"));
}

#define A_DOC(method, path, code, payload) \
    "{" TS ",\"request_id\":\"0123456789abcdef0123456789abcdef\",\"method\":\"" method "\",\"path\":\"https://10.20.0.11:12443/api/v1" path "\"," \
    "\"return_code\":" code ",\"admin_id\":\"philipp\",\"payload\":" payload "}"

static void expect_ev(const char *doc, const char *class, int sev, enum ev_outcome outcome, const char *reason)
{
    if (norm(NULL, doc) != NORM_OK)
        fail_msg("not OK: %s (%s)", doc, err.msg);
    if (strcmp(ev.class, class) != 0 || ev.severity != sev || ev.outcome != outcome ||
        (reason == NULL) != (ev.reason == NULL) || (reason && strstr(ev.reason, reason) == NULL))
        fail_msg("%s: got %s %d %s reason %s; want %s %d %s reason %s", doc, ev.class, ev.severity,
                 ev_outcome_name(ev.outcome), ev.reason ? ev.reason : "-", class, sev, ev_outcome_name(outcome),
                 reason ? reason : "-");
}

static void t_escalators(void **st)
{
    (void)st;
    expect_ev(A_DOC("POST", "/users", "200", "{\"user_name\":\"z\",\"security\":{\"roles\":[\"ece_platform_viewer\",\"ece_platform_admin\"]}}"),
              "user.create", 9, OUTCOME_SUCCESS, "ece_platform_admin");
    assert_string_equal(ev.target_user, "z");
    expect_ev(A_DOC("POST", "/users", "200", "{\"user_name\":\"z\",\"security\":{\"roles\":[\"ece_platform_viewer\"]}}"),
              "user.create", 7, OUTCOME_SUCCESS, NULL);
    expect_ev(A_DOC("PATCH", "/users/z", "200", "{\"security\":{\"roles\":[\"ece_platform_viewer\"]}}"),
              "user.update", 8, OUTCOME_SUCCESS, "roles changed");
    expect_ev(A_DOC("PATCH", "/users/z", "200", "{\"security\":{\"password\":\"-\"}}"), "user.update", 8, OUTCOME_SUCCESS, "password");
    expect_ev(A_DOC("PATCH", "/users/z", "200", "{\"security\":{\"enabled\":true}}"), "user.update", 8, OUTCOME_SUCCESS, "enabled");
    expect_ev(A_DOC("PATCH", "/users/z", "200", "{\"full_name\":\"Zed\",\"email\":\"z@example.com\"}"), "user.update", 6, OUTCOME_SUCCESS, NULL);
    expect_ev(A_DOC("POST", "/deployments", "201", "{\"name\":\"sys\",\"metadata\":{\"system_owned\":true}}"),
              "deployment.create", 7, OUTCOME_SUCCESS, "system-owned");
    assert_string_equal(ev.deployment_name, "sys");
    expect_ev(A_DOC("POST", "/deployments/d1/_shutdown?skip_snapshot=true&hide=true", "200", "null"),
              "deployment.shutdown", 9, OUTCOME_SUCCESS, "skip_snapshot");
    expect_ev(A_DOC("POST", "/deployments/d1/_shutdown?skip_snapshot=false", "200", "null"), "deployment.shutdown", 8, OUTCOME_SUCCESS, NULL);
    expect_ev("{" TS ",\"request_method\":\"POST\",\"request_url\":\"h:12443/api/v1/deployments/d1/_shutdown\",\"status_code\":\"200\","
              "\"query_parameters\":\"hide=false&skip_snapshot=true\"}",
              "deployment.shutdown", 9, OUTCOME_SUCCESS, "skip_snapshot");
    expect_ev(A_DOC("PUT", "/deployments/traffic-filter/rulesets/r1", "200",
                    "{\"name\":\"open\",\"rules\":[{\"source\":\"10.0.0.0/8\"},{\"source\":\"0.0.0.0/0\"}]}"),
              "network.traffic_filter.update", 8, OUTCOME_SUCCESS, "any source");
    expect_ev(A_DOC("PUT", "/deployments/traffic-filter/rulesets/r1", "200", "{\"rules\":[{\"source\":\"::/0\"}]}"),
              "network.traffic_filter.update", 8, OUTCOME_SUCCESS, "any source");
    expect_ev(A_DOC("PUT", "/deployments/traffic-filter/rulesets/r1", "200", "{\"rules\":[{\"source\":\"10.0.0.0/8\"}]}"),
              "network.traffic_filter.update", 7, OUTCOME_SUCCESS, NULL);
    expect_ev(A_DOC("POST", "/platform/infrastructure/allocators/a1/clusters/_move?allocator_down=true", "202", "null"),
              "platform.allocator.vacate", 7, OUTCOME_SUCCESS, "allocator a1 marked down");
    expect_ev(A_DOC("POST", "/platform/infrastructure/allocators/a1/clusters/_move", "202", "null"),
              "platform.allocator.vacate", 6, OUTCOME_SUCCESS, NULL);
    expect_ev(A_DOC("PUT", "/platform/infrastructure/adminconsoles/ac1/logging_settings", "200", "null"),
              "platform.logging_settings.update", 7, OUTCOME_SUCCESS, NULL);
    expect_ev(A_DOC("GET", "/deployments/d1/elasticsearch/r1/instances/i1/heap_dump/_download", "200", "null"),
              "deployment.heap_dump.download", 7, OUTCOME_SUCCESS, NULL);
    assert_false(ev.read_only);
    expect_ev(A_DOC("POST", "/deployments/d1/elasticsearch/r1/proxy/_snapshot/repo/snap1", "200", "\"-\""),
              "deployment.api_console.request", 7, OUTCOME_SUCCESS, "_snapshot");
    expect_ev(A_DOC("POST", "/deployments/d1/elasticsearch/r1/proxy/_cat/indices", "200", "\"-\""),
              "deployment.api_console.request", 3, OUTCOME_SUCCESS, NULL);
    /* validate_only=true makes a create a dry run */
    expect_ev(A_DOC("POST", "/deployments?validate_only=true", "200", "{\"name\":\"dry\"}"), "deployment.create", 5, OUTCOME_SUCCESS, NULL);
    assert_true(ev.read_only);
    expect_ev(A_DOC("POST", "/deployments?validate_only=true&validate_only=false", "200", "{\"name\":\"dry\"}"),
              "deployment.create", 5, OUTCOME_SUCCESS, NULL);
    assert_false(ev.read_only);
}

static void t_status_modifiers(void **st)
{
    (void)st;
    expect_ev(A_DOC("DELETE", "/deployments/d1", "403", "null"), "deployment.delete", 7, OUTCOME_FAILURE, NULL);
    expect_ev(A_DOC("POST", "/comments/deployment/d1", "401", "null"), "comment.create", 4, OUTCOME_FAILURE, NULL);
    expect_ev(A_DOC("DELETE", "/deployments/d1", "400", "null"), "deployment.delete", 5, OUTCOME_FAILURE, NULL);
    expect_ev(A_DOC("DELETE", "/deployments/d1", "404", "null"), "deployment.delete", 5, OUTCOME_FAILURE, NULL);
    expect_ev(A_DOC("DELETE", "/deployments/d1", "409", "null"), "deployment.delete", 5, OUTCOME_FAILURE, NULL);
    expect_ev(A_DOC("POST", "/platform/configuration/security/enrollment-tokens", "422", "null"),
              "platform.enrollment_token.create", 6, OUTCOME_FAILURE, NULL);
    expect_ev(A_DOC("POST", "/platform/configuration/security/enrollment-tokens", "503", "null"),
              "platform.enrollment_token.create", 6, OUTCOME_FAILURE, NULL);
    expect_ev(A_DOC("POST", "/deployments/d1/_resync", "500", "null"), "deployment.resync", 1, OUTCOME_FAILURE, NULL);
    expect_ev(A_DOC("GET", "/deployments", "500", "null"), "deployment.read", 0, OUTCOME_FAILURE, NULL);
    expect_ev(A_DOC("POST", "/users/auth/_login", "401", "{\"username\":\"u\",\"password\":\"-\"}"),
              "auth.login.failure", 5, OUTCOME_FAILURE, NULL);
    expect_ev(A_DOC("POST", "/users/auth/_login", "502", "{\"username\":\"u\",\"password\":\"-\"}"),
              "auth.login.failure", 2, OUTCOME_FAILURE, NULL);
    expect_ev(A_DOC("POST", "/users/auth/_login", "302", "{\"username\":\"u\",\"password\":\"-\"}"),
              "auth.login.success", 3, OUTCOME_SUCCESS, NULL);
    expect_ev(A_DOC("POST", "/users/auth/saml/_callback", "401", "null"), "auth.saml.login.failure", 6, OUTCOME_FAILURE, NULL);
    expect_ev(A_DOC("POST", "/users", "403", "{\"security\":{\"roles\":[\"ece_platform_admin\"]}}"),
              "user.create", 8, OUTCOME_FAILURE, "ece_platform_admin");
    expect_ev(A_DOC("PUT", "/platform/license", "201", "null"), "platform.license.set", 7, OUTCOME_SUCCESS, NULL);
}

static const char *put_plan(const char *dep, const char *ver, int code)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf),
             "{" TS ",\"method\":\"PUT\",\"path\":\"/api/v1/deployments/%s\",\"return_code\":%d,\"payload\":{\"name\":\"n\","
             "\"resources\":{\"kibana\":[{\"plan\":{\"kibana\":{\"version\":\"%s\"}}}],"
             "\"elasticsearch\":[{\"ref_id\":\"main\",\"plan\":{\"elasticsearch\":{\"version\":\"%s\"}}}]}}}",
             dep, code, ver, ver);
    return buf;
}

static void t_upgrade_cache(void **st)
{
    struct norm_ctx *nc = norm_ctx_new();
    char id[64];
    (void)st;

    assert_int_equal(norm(nc, put_plan("dep0", "8.18.0", 200)), NORM_OK);
    assert_string_equal(ev.class, "deployment.update"); /* nothing known yet */
    assert_int_equal(norm(nc, put_plan("dep0", "8.18.0", 200)), NORM_OK);
    assert_string_equal(ev.class, "deployment.update"); /* same version */
    assert_int_equal(norm(nc, put_plan("dep0", "9.0.1", 400)), NORM_OK);
    assert_string_equal(ev.class, "deployment.upgrade"); /* attempted upgrade, refused */
    assert_int_equal(ev.outcome, OUTCOME_FAILURE);
    assert_int_equal(ev.severity, 3); /* 6 - 3 */
    assert_int_equal(norm(nc, put_plan("dep0", "9.0.1", 200)), NORM_OK);
    assert_string_equal(ev.class, "deployment.upgrade"); /* the refused plan did not move the cache */
    assert_string_equal(ev.name, "Stack version upgrade");
    assert_int_equal(ev.severity, 6);
    assert_string_equal(ev.reason, "stack version 8.18.0 -> 9.0.1");
    assert_int_equal(norm(nc, put_plan("dep0", "9.0.1", 200)), NORM_OK);
    assert_string_equal(ev.class, "deployment.update");

    /* bounded: 4096 more deployments evict dep0 (the oldest), not dep-1 */
    assert_int_equal(norm(nc, put_plan("dep-1", "8.0.0", 200)), NORM_OK);
    for (int i = 0; i < 4095; i++) {
        snprintf(id, sizeof(id), "filler%d", i);
        assert_int_equal(norm(nc, put_plan(id, "8.0.0", 200)), NORM_OK);
    }
    assert_int_equal(norm(nc, put_plan("dep0", "9.1.0", 200)), NORM_OK);
    assert_string_equal(ev.class, "deployment.update");
    assert_int_equal(norm(nc, put_plan("filler4094", "8.1.0", 200)), NORM_OK);
    assert_string_equal(ev.class, "deployment.upgrade");
    norm_ctx_free(nc);
}

static void t_redaction(void **st)
{
    (void)st;
    assert_int_equal(norm(NULL, "{" TS ",\"method\":\"DELETE\",\"path\":\"https://admin:pa55w0rd@ece:12443/api/v1/platform/configuration/"
                                "security/enrollment-tokens/eyJhbGciOi.SECRET\",\"return_code\":200,\"admin_id\":\"philipp\","
                                "\"headers\":[{\"name\":\"Authorization\",\"value\":\"ApiKey c2VjcmV0a2V5\"},"
                                "\"Cookie: session=topsecretcookie\",{\"name\":\"Host\",\"value\":\"ece:12443\"}]}"),
                     NORM_OK);
    assert_string_equal(ev.class, "platform.enrollment_token.delete");
    assert_string_equal(ev.path, "/platform/configuration/security/enrollment-tokens/REDACTED");
    assert_string_equal(ev.url, "https://ece:12443/api/v1/platform/configuration/security/enrollment-tokens/REDACTED");
    assert_false(arena_has(&ev, "SECRET"));
    assert_false(arena_has(&ev, "pa55w0rd"));
    assert_false(arena_has(&ev, "c2VjcmV0a2V5"));
    assert_false(arena_has(&ev, "topsecretcookie"));

    assert_int_equal(norm(NULL, "{" TS ",\"request_method\":\"GET\",\"request_url\":\"h:12443/sso/v1/saml\",\"status_code\":\"303\","
                                "\"query_parameters\":\"SAMLRequest=fZFNT8Mw&RelayState=abc123&x=1\"}"),
                     NORM_OK);
    assert_string_equal(ev.class, "deployment.sso.saml_redirect");
    assert_string_equal(ev.query, "SAMLRequest=REDACTED&RelayState=REDACTED&x=1");
    assert_string_equal(ev.url, "h:12443/sso/v1/saml?SAMLRequest=REDACTED&RelayState=REDACTED&x=1");
    assert_false(arena_has(&ev, "fZFNT8Mw"));
    assert_false(arena_has(&ev, "abc123"));

    assert_int_equal(norm(NULL, "{" TS ",\"method\":\"POST\",\"path\":\"/api/v1/organizations/invitations/inv-tok-42/_accept\",\"return_code\":200}"),
                     NORM_OK);
    assert_string_equal(ev.class, "org.invitation.accept");
    assert_false(arena_has(&ev, "inv-tok-42"));
    assert_int_equal(norm(NULL, "{" TS ",\"method\":\"DELETE\",\"path\":\"/api/v1/organizations/o1/invitations/t-1,t-2?token=zz9\",\"return_code\":200}"),
                     NORM_OK);
    assert_string_equal(ev.class, "org.invitation.delete");
    assert_false(arena_has(&ev, "t-1"));
    assert_false(arena_has(&ev, "zz9"));

    /* only name/username/user_name/roles flags are read from payloads: secrets never arrive */
    assert_int_equal(norm(NULL, "{" TS ",\"method\":\"PUT\",\"path\":\"/api/v1/platform/configuration/security/realms/ldap/r1\","
                                "\"return_code\":200,\"admin_id\":\"p\",\"payload\":{\"name\":\"r\",\"bind_password\":\"hunter2\","
                                "\"secret_token\":\"hunter3\",\"signature\":\"hunter4\",\"api_key\":\"hunter5\"}}"),
                     NORM_OK);
    assert_false(arena_has(&ev, "hunter"));
    assert_int_equal(norm(NULL, "{" TS ",\"request_method\":\"POST\",\"request_url\":\"h:1/api/v1/users/auth/_login\",\"status_code\":\"200\","
                                "\"request_payload\":\"{\\\"username\\\":\\\"dave\\\",\\\"password\\\":\\\"hunter6\\\"}\"}"),
                     NORM_OK);
    assert_string_equal(ev.user, "dave");
    assert_false(arena_has(&ev, "hunter6"));
    /* a payload too big to look into is skipped, the event still comes out */
    size_t big = (1u << 20) + 100;
    char *doc = malloc(big + 300);
    int n = snprintf(doc, 300, "{" TS ",\"request_method\":\"POST\",\"request_url\":\"h:1/api/v1/users\",\"status_code\":\"201\","
                               "\"request_payload\":\"{\\\"pad\\\":\\\"");
    memset(doc + n, 'p', big);
    strcpy(doc + n + big, "\\\",\\\"security\\\":{\\\"roles\\\":[\\\"ece_platform_admin\\\"]}}\"}");
    assert_int_equal(normalize_line(NULL, doc, strlen(doc), &ev, &err), NORM_OK);
    assert_string_equal(ev.class, "user.create");
    assert_int_equal(ev.severity, 7);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_samples),          cmocka_unit_test(t_samples_jsonc),
        cmocka_unit_test(t_sample_fields),    cmocka_unit_test(t_shape_ecs_nested),
        cmocka_unit_test(t_shape_ecs_dotted), cmocka_unit_test(t_hit_wrapper),
        cmocka_unit_test(t_format_b_sentinels), cmocka_unit_test(t_missing_fields),
        cmocka_unit_test(t_skip_and_malformed), cmocka_unit_test(t_timestamps),
        cmocka_unit_test(t_hostile_strings),  cmocka_unit_test(t_escalators),
        cmocka_unit_test(t_status_modifiers), cmocka_unit_test(t_upgrade_cache),
        cmocka_unit_test(t_redaction),
    };
    return cmocka_run_group_tests(tests, load_samples, free_samples);
}
