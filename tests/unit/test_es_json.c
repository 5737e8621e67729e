/* test_es_json.c - _search/_pit bodies and response/error parsing, against the shapes quoted
 * in shared/es-api.md (sections 4.1-4.7). */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "es_json.h"

#define PIT_ID "46ToAwMDaWR5BXV1aWQyKwZub2RlXzMAAAAAAAAAACoBYwADaWR4BXV1aWQx"
#define SORT_TS                                                                            \
    "{\"@timestamp\":{\"order\":\"asc\",\"format\":\"strict_date_optional_time_nanos\","         \
    "\"numeric_type\":\"date_nanos\"}}"

static void check_body(const struct es_search_req *req, const char *want)
{
    struct strbuf sb;

    strbuf_init(&sb, 0);
    es_body_search(&sb, req);
    assert_false(strbuf_failed(&sb));
    assert_string_equal(strbuf_str(&sb), want);
    strbuf_fini(&sb);
}

static void test_body_pit_first_page(void **state)
{
    struct es_search_req req = {.size = 1000, .ts_field = "@timestamp", .gte_ms = 1000,
                                .lt_ms = 2000, .pit_id = PIT_ID, .keep_alive = "1m"};

    check_body(&req, "{\"size\":1000,\"query\":{\"bool\":{\"filter\":[{\"range\":{\"@timestamp\":"
                     "{\"gte\":1000,\"lt\":2000,\"format\":\"epoch_millis\"}}}]}},"
                     "\"pit\":{\"id\":\"" PIT_ID "\",\"keep_alive\":\"1m\"},"
                     "\"sort\":[" SORT_TS ",{\"_shard_doc\":\"asc\"}],"
                     "\"track_total_hits\":false}");
}

static void test_body_pit_next_page_with_query(void **state)
{
    struct es_search_req req = {.size = 10, .ts_field = "@timestamp", .gte_ms = 0,
                                .lt_ms = 1621488604832, .pit_id = PIT_ID, .keep_alive = "90s",
                                .query = "{\"term\":{\"method\":\"POST\"}}",
                                .search_after = "[\"2021-05-20T05:30:04.832Z\",4294967298]"};

    check_body(&req, "{\"size\":10,\"query\":{\"bool\":{\"filter\":[{\"range\":{\"@timestamp\":"
                     "{\"gte\":0,\"lt\":1621488604832,\"format\":\"epoch_millis\"}}},"
                     "{\"term\":{\"method\":\"POST\"}}]}},"
                     "\"pit\":{\"id\":\"" PIT_ID "\",\"keep_alive\":\"90s\"},"
                     "\"sort\":[" SORT_TS ",{\"_shard_doc\":\"asc\"}],"
                     "\"search_after\":[\"2021-05-20T05:30:04.832Z\",4294967298],"
                     "\"track_total_hits\":false}");
}

static void test_body_without_pit_uses_tiebreaker(void **state)
{
    struct es_search_req req = {.size = 5, .ts_field = "@timestamp", .gte_ms = 1, .lt_ms = 2,
                                .tiebreaker = "request_id",
                                .search_after = "[\"2021-05-20T05:30:04.832Z\",\"abc\"]"};

    check_body(&req, "{\"size\":5,\"query\":{\"bool\":{\"filter\":[{\"range\":{\"@timestamp\":"
                     "{\"gte\":1,\"lt\":2,\"format\":\"epoch_millis\"}}}]}},"
                     "\"sort\":[" SORT_TS ",{\"request_id\":\"asc\"}],"
                     "\"search_after\":[\"2021-05-20T05:30:04.832Z\",\"abc\"],"
                     "\"track_total_hits\":false}");
}

static void test_body_escapes_strings(void **state)
{
    struct es_search_req req = {.size = 1, .ts_field = "we\"ird\\", .gte_ms = 0, .lt_ms = 1,
                                .pit_id = "a\nb", .keep_alive = "1m"};
    struct strbuf sb;

    strbuf_init(&sb, 0);
    es_body_search(&sb, &req);
    assert_non_null(strstr(strbuf_str(&sb), "{\"range\":{\"we\\\"ird\\\\\":"));
    assert_non_null(strstr(strbuf_str(&sb), "\"pit\":{\"id\":\"a\\nb\""));
    strbuf_reset(&sb);
    es_json_add_str(&sb, "\x01\x1f/\xc3\xa9");
    assert_string_equal(strbuf_str(&sb), "\"\\u0001\\u001f/\xc3\xa9\"");
    strbuf_fini(&sb);
}

static void test_body_pit_close_and_oldest(void **state)
{
    struct strbuf sb;

    strbuf_init(&sb, 0);
    es_body_pit_close(&sb, PIT_ID);
    assert_string_equal(strbuf_str(&sb), "{\"id\":\"" PIT_ID "\"}");
    strbuf_reset(&sb);
    es_body_oldest(&sb, "@timestamp", NULL);
    assert_string_equal(strbuf_str(&sb),
                        "{\"size\":1,\"query\":{\"bool\":{\"filter\":[{\"exists\":{\"field\":"
                        "\"@timestamp\"}}]}},\"sort\":[" SORT_TS "],\"_source\":false,"
                        "\"track_total_hits\":false}");
    strbuf_fini(&sb);
}

static void test_durations(void **state)
{
    char out[32];

    es_format_duration(60000, out);
    assert_string_equal(out, "1m");
    es_format_duration(7200000, out);
    assert_string_equal(out, "2h");
    es_format_duration(30000, out);
    assert_string_equal(out, "30s");
    es_format_duration(1500, out);
    assert_string_equal(out, "1500ms");
}

static void test_query_normalize(void **state)
{
    struct err err = {0};
    char *q = NULL;

    assert_int_equal(es_query_normalize(" { \"term\" : {\"a\" : 1} } ", &q, &err), 0);
    assert_string_equal(q, "{\"term\":{\"a\":1}}");
    free(q);
    assert_int_equal(es_query_normalize("  ", &q, &err), 0);
    assert_null(q);
    assert_int_equal(es_query_normalize(NULL, &q, &err), 0);
    assert_int_equal(es_query_normalize("[1]", &q, &err), -1);
    assert_int_equal(err.kind, ERR_CONFIG);
    assert_int_equal(es_query_normalize("{\"term\":", &q, &err), -1);
    assert_int_equal(es_query_normalize("{}", &q, &err), -1);
    assert_int_equal(es_query_normalize("{\"a\":1} x", &q, &err), -1);
}

static void test_parse_pit_open(void **state)
{
    /* es-api §4.1 */
    static const char body[] = "{\"id\":\"" PIT_ID "\",\"_shards\":{\"total\":10,"
                               "\"successful\":10,\"skipped\":0,\"failed\":0}}";
    struct err err = {0};
    char *id = NULL;

    assert_int_equal(es_parse_pit_open(body, strlen(body), &id, &err), 0);
    assert_string_equal(id, PIT_ID);
    free(id);
    assert_int_equal(es_parse_pit_open("{\"x\":1}", 7, &id, &err), -1);
    assert_int_equal(err.kind, ERR_PARSE);
    assert_int_equal(es_parse_pit_open("<html>", 6, &id, &err), -1);
}

/* es-api §4.3 shape, two hits: a date and a date_nanos sort value */
static const char SEARCH[] =
    "{\"pit_id\":\"newer-id\",\"took\":17,\"timed_out\":false,"
    "\"_shards\":{\"total\":2,\"successful\":2,\"skipped\":0,\"failed\":0},"
    "\"hits\":{\"total\":{\"value\":2,\"relation\":\"eq\"},\"max_score\":null,\"hits\":["
    "{\"_index\":\"my-index-000001\",\"_id\":\"FaslK3QBySSL_rrj9zM5\",\"_score\":null,"
    "\"_source\":{\"method\":\"POST\"},\"sort\":[\"2021-05-20T05:30:04.832Z\",4294967298]},"
    "{\"_index\":\"my-index-000002\",\"_id\":\"x\",\"_score\":null,\"_source\":{},"
    "\"sort\":[\"2021-05-20T05:30:04.832999999Z\",4294967299]}]}}";

static void test_parse_search(void **state)
{
    struct es_result res;
    struct err err = {0};
    char *sort;

    assert_int_equal(es_parse_search(SEARCH, strlen(SEARCH), &res, &err), 0);
    assert_string_equal(res.pit_id, "newer-id");
    assert_int_equal(res.shards_failed, 0);
    assert_int_equal(res.n, 2);
    assert_string_equal(res.hits[0].index, "my-index-000001");
    assert_string_equal(res.hits[0].id, "FaslK3QBySSL_rrj9zM5");
    assert_int_equal(res.hits[0].ts_ms, 1621488604832);
    assert_int_equal(res.hits[1].ts_ms, 1621488604832);   /* nanos truncated */
    assert_non_null(res.hits[0].doc);
    sort = es_result_sort_json(&res, 0);
    assert_string_equal(sort, "[\"2021-05-20T05:30:04.832Z\",4294967298]");
    free(sort);
    sort = es_result_sort_json(&res, 1);
    assert_string_equal(sort, "[\"2021-05-20T05:30:04.832999999Z\",4294967299]");
    free(sort);
    es_result_fini(&res);
}

static void test_parse_search_edge_cases(void **state)
{
    static const char empty[] = "{\"pit_id\":\"p\",\"_shards\":{\"failed\":0},"
                                "\"hits\":{\"hits\":[]}}";
    static const char millis[] = "{\"hits\":{\"hits\":[{\"_index\":\"i\",\"_id\":\"1\","
                                 "\"sort\":[1621488604832,\"r1\"]}]}}";
    static const char nosort[] = "{\"hits\":{\"hits\":[{\"_index\":\"i\",\"_id\":\"1\"}]}}";
    static const char noid[] = "{\"hits\":{\"hits\":[{\"_index\":\"i\",\"sort\":[1]}]}}";
    static const char badts[] = "{\"hits\":{\"hits\":[{\"_index\":\"i\",\"_id\":\"1\","
                                "\"sort\":[\"yesterday\"]}]}}";
    struct es_result res;
    struct err err = {0};

    assert_int_equal(es_parse_search(empty, strlen(empty), &res, &err), 0);
    assert_int_equal(res.n, 0);
    es_result_fini(&res);
    assert_int_equal(es_parse_search(millis, strlen(millis), &res, &err), 0);
    assert_int_equal(res.hits[0].ts_ms, 1621488604832);
    assert_null(res.pit_id);
    es_result_fini(&res);
    assert_int_equal(es_parse_search(nosort, strlen(nosort), &res, &err), -1);
    assert_int_equal(err.kind, ERR_PARSE);
    assert_int_equal(es_parse_search(noid, strlen(noid), &res, &err), -1);
    assert_int_equal(es_parse_search(badts, strlen(badts), &res, &err), -1);
    assert_int_equal(es_parse_search("{\"hits\":{}}", 11, &res, &err), -1);
    assert_int_equal(es_parse_search("{\"hits\"", 7, &res, &err), -1);
}

static void test_shard_failures(void **state)
{
    /* HTTP 200 with failed shards (es-api §3.10, §4.6 last line) */
    static const char ctx[] =
        "{\"_shards\":{\"total\":2,\"successful\":1,\"skipped\":0,\"failed\":1,\"failures\":[{"
        "\"shard\":0,\"index\":\"i\",\"node\":\"n\",\"reason\":{\"type\":"
        "\"search_context_missing_exception\",\"reason\":\"No search context found for id [462]\""
        "}}]},\"hits\":{\"hits\":[]}}";
    static const char rej[] =
        "{\"_shards\":{\"total\":2,\"successful\":1,\"skipped\":0,\"failed\":1,\"failures\":[{"
        "\"shard\":0,\"node\":\"XXXX\",\"reason\":{\"type\":\"es_rejected_execution_exception\","
        "\"reason\":\"rejected execution of ... on QueueResizingEsThreadPoolExecutor\"}}]},"
        "\"hits\":{\"hits\":[]}}";
    struct es_result res;
    struct err err = {0};

    assert_int_equal(es_parse_search(ctx, strlen(ctx), &res, &err), 0);
    assert_int_equal(res.shards_failed, 1);
    assert_true(res.context_missing);
    es_result_fini(&res);
    assert_int_equal(es_parse_search(rej, strlen(rej), &res, &err), 0);
    assert_int_equal(res.shards_failed, 1);
    assert_false(res.context_missing);
    assert_non_null(strstr(res.failure, "es_rejected_execution_exception"));
    es_result_fini(&res);
}

static void test_error_pit_expired(void **state)
{
    /* es-api §4.6 verbatim */
    static const char body[] =
        "{ \"error\": { \"root_cause\": [ { \"type\": \"search_context_missing_exception\","
        " \"reason\": \"No search context found for id [462]\" } ],"
        " \"type\": \"search_phase_execution_exception\", \"reason\": \"all shards failed\","
        " \"phase\": \"query\", \"grouped\": true }, \"status\": 404 }";
    struct es_error e;

    es_parse_error(404, body, strlen(body), &e);
    assert_int_equal(e.cls, ES_PIT_LOST);
    assert_true(e.context_missing);
    assert_string_equal(e.type, "search_context_missing_exception");
    assert_string_equal(e.reason, "No search context found for id [462]");
    es_parse_error(400, body, strlen(body), &e);       /* the OpenSearch variant */
    assert_int_equal(e.cls, ES_PIT_LOST);
}

static void test_error_rejected(void **state)
{
    static const char body[] =
        "{\"error\":{\"root_cause\":[{\"type\":\"es_rejected_execution_exception\",\"reason\":"
        "\"rejected execution of coordinating operation\"}],\"type\":"
        "\"es_rejected_execution_exception\",\"reason\":\"rejected execution of coordinating "
        "operation\"},\"status\":429}";
    static const char blk[] = "{\"error\":{\"type\":\"cluster_block_exception\",\"reason\":\"x\"},"
                              "\"status\":503}";
    struct es_error e;

    es_parse_error(429, body, strlen(body), &e);
    assert_int_equal(e.cls, ES_RETRY);
    assert_string_equal(e.type, "es_rejected_execution_exception");
    es_parse_error(503, blk, strlen(blk), &e);
    assert_int_equal(e.cls, ES_RETRY);
    assert_string_equal(e.type, "cluster_block_exception");
    es_parse_error(502, "<html><body>Bad Gateway</body></html>", 38, &e);
    assert_int_equal(e.cls, ES_RETRY);
    assert_non_null(strstr(e.reason, "Bad Gateway"));
    es_parse_error(504, NULL, 0, &e);
    assert_int_equal(e.cls, ES_RETRY);
}

static void test_error_security(void **state)
{
    static const char e401[] =
        "{\"error\":{\"root_cause\":[{\"type\":\"security_exception\",\"reason\":\"unable to "
        "authenticate user [ece-auditd] for REST request [/_search]\",\"header\":{"
        "\"WWW-Authenticate\":\"Basic realm=\\\"security\\\" charset=\\\"UTF-8\\\"\"}}],"
        "\"type\":\"security_exception\",\"reason\":\"unable to authenticate user [ece-auditd] "
        "for REST request [/_search]\"},\"status\":401}";
    static const char e403[] =
        "{\"error\":{\"root_cause\":[{\"type\":\"security_exception\",\"reason\":\"action "
        "[indices:data/read/open_point_in_time] is unauthorized for user [ece-auditd] with "
        "effective roles [tail] on indices [services-logs-2024.05.01], this action is granted "
        "by the index privileges [read,all]\"}],\"type\":\"security_exception\",\"reason\":"
        "\"action [indices:data/read/open_point_in_time] is unauthorized\"},\"status\":403}";
    struct es_error e;

    es_parse_error(401, e401, strlen(e401), &e);
    assert_int_equal(e.cls, ES_AUTH);
    assert_string_equal(e.type, "security_exception");
    es_parse_error(403, e403, strlen(e403), &e);
    assert_int_equal(e.cls, ES_AUTH);
    assert_string_equal(e.action, "[indices:data/read/open_point_in_time]");
    assert_string_equal(e.indices, "[services-logs-2024.05.01]");
    assert_string_equal(e.privileges, "[read,all]");
}

static void test_error_config(void **state)
{
    static const char nf[] =
        "{\"error\":{\"root_cause\":[{\"type\":\"index_not_found_exception\",\"reason\":\"no "
        "such index [nope]\",\"index\":\"nope\"}],\"type\":\"index_not_found_exception\","
        "\"reason\":\"no such index [nope]\",\"index\":\"nope\"},\"status\":404}";
    static const char bad[] =
        "{\"error\":{\"root_cause\":[{\"type\":\"parsing_exception\",\"reason\":\"unknown query "
        "[trem]\"}],\"type\":\"parsing_exception\",\"reason\":\"unknown query [trem]\"},"
        "\"status\":400}";
    struct es_error e;

    es_parse_error(404, nf, strlen(nf), &e);
    assert_int_equal(e.cls, ES_CONFIG);
    assert_string_equal(e.type, "index_not_found_exception");
    es_parse_error(400, bad, strlen(bad), &e);
    assert_int_equal(e.cls, ES_CONFIG);
    assert_string_equal(e.reason, "unknown query [trem]");
    es_parse_error(200, "{}", 2, &e);
    assert_int_equal(e.cls, ES_OK);
}

static void test_parse_info(void **state)
{
    static const char body[] = "{\"name\":\"n1\",\"cluster_name\":\"logging-and-metrics\","
                               "\"version\":{\"number\":\"8.15.0\"},\"tagline\":\"You Know, "
                               "for Search\"}";
    char v[32], c[64];
    struct err err = {0};

    assert_int_equal(es_parse_info(body, strlen(body), v, sizeof(v), c, sizeof(c), &err), 0);
    assert_string_equal(v, "8.15.0");
    assert_string_equal(c, "logging-and-metrics");
    assert_int_equal(es_parse_info("nope", 4, v, sizeof(v), c, sizeof(c), &err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_pit_first_page),
        cmocka_unit_test(test_body_pit_next_page_with_query),
        cmocka_unit_test(test_body_without_pit_uses_tiebreaker),
        cmocka_unit_test(test_body_escapes_strings),
        cmocka_unit_test(test_body_pit_close_and_oldest),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_query_normalize),
        cmocka_unit_test(test_parse_pit_open),
        cmocka_unit_test(test_parse_search),
        cmocka_unit_test(test_parse_search_edge_cases),
        cmocka_unit_test(test_shard_failures),
        cmocka_unit_test(test_error_pit_expired),
        cmocka_unit_test(test_error_rejected),
        cmocka_unit_test(test_error_security),
        cmocka_unit_test(test_error_config),
        cmocka_unit_test(test_parse_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
