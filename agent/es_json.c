/* es_json.c - build _pit/_search bodies, parse hits, sort values, pit_id and ES error bodies.
 * Pure: knows nothing of HTTP, retries or the cursor. */
#include "config.h"
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "es_json.h"
#include "event.h"
#include "xalloc.h"

#define ES_JSON_DEPTH 256   /* ECE plan payloads nest deeply; json-c's default is 32 */

void es_json_add_str(struct strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *run = p;

    strbuf_addc(sb, '"');
    for (; *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\')
            continue;
        strbuf_add(sb, run, (size_t)(p - run));
        run = p + 1;
        switch (*p) {
        case '"': strbuf_adds(sb, "\\\""); break;
        case '\\': strbuf_adds(sb, "\\\\"); break;
        case '\n': strbuf_adds(sb, "\\n"); break;
        case '\r': strbuf_adds(sb, "\\r"); break;
        case '\t': strbuf_adds(sb, "\\t"); break;
        default:
            strbuf_adds(sb, "\\u00");
            strbuf_addc(sb, hex[*p >> 4]);
            strbuf_addc(sb, hex[*p & 15]);
        }
    }
    strbuf_add(sb, run, (size_t)(p - run));
    strbuf_addc(sb, '"');
}

static void add_sort(struct strbuf *sb, const char *ts_field, const char *tiebreaker)
{
    /* numeric_type date_nanos: indices mapping the field as date and as date_nanos sort
     * together without misreading search_after (es-api §6) */
    strbuf_adds(sb, "\"sort\":[{");
    es_json_add_str(sb, ts_field);
    strbuf_adds(sb, ":{\"order\":\"asc\",\"format\":\"" ES_SORT_FORMAT
                    "\",\"numeric_type\":\"date_nanos\"}},{");
    if (tiebreaker != NULL)
        es_json_add_str(sb, tiebreaker);
    else
        strbuf_adds(sb, "\"_shard_doc\"");
    strbuf_adds(sb, ":\"asc\"}]");
}

void es_body_search(struct strbuf *sb, const struct es_search_req *req)
{
    strbuf_addf(sb, "{\"size\":%d,\"query\":{\"bool\":{\"filter\":[{\"range\":{", req->size);
    es_json_add_str(sb, req->ts_field);
    strbuf_addf(sb, ":{\"gte\":%" PRId64 ",\"lt\":%" PRId64 ",\"format\":\"epoch_millis\"}}}",
                req->gte_ms, req->lt_ms);
    if (req->query != NULL) {
        strbuf_addc(sb, ',');
        strbuf_adds(sb, req->query);
    }
    strbuf_adds(sb, "]}},");
    if (req->pit_id != NULL) {
        strbuf_adds(sb, "\"pit\":{\"id\":");
        es_json_add_str(sb, req->pit_id);
        strbuf_adds(sb, ",\"keep_alive\":");
        es_json_add_str(sb, req->keep_alive);
        strbuf_adds(sb, "},");
    }
    add_sort(sb, req->ts_field, req->pit_id != NULL ? NULL : req->tiebreaker);
    if (req->search_after != NULL) {
        strbuf_adds(sb, ",\"search_after\":");
        strbuf_adds(sb, req->search_after);
    }
    strbuf_adds(sb, ",\"track_total_hits\":false}");
}

void es_body_oldest(struct strbuf *sb, const char *ts_field, const char *query)
{
    strbuf_adds(sb, "{\"size\":1,\"query\":{\"bool\":{\"filter\":[{\"exists\":{\"field\":");
    es_json_add_str(sb, ts_field);
    strbuf_adds(sb, "}}");
    if (query != NULL) {
        strbuf_addc(sb, ',');
        strbuf_adds(sb, query);
    }
    strbuf_adds(sb, "]}},\"sort\":[{");
    es_json_add_str(sb, ts_field);
    strbuf_adds(sb, ":{\"order\":\"asc\",\"format\":\"" ES_SORT_FORMAT
                    "\",\"numeric_type\":\"date_nanos\"}}],\"_source\":false,"
                    "\"track_total_hits\":false}");
}

void es_body_pit_close(struct strbuf *sb, const char *pit_id)
{
    strbuf_adds(sb, "{\"id\":");
    es_json_add_str(sb, pit_id);
    strbuf_addc(sb, '}');
}

void es_format_duration(int64_t ms, char out[32])
{
    if (ms > 0 && ms % 3600000 == 0)
        snprintf(out, 32, "%" PRId64 "h", ms / 3600000);
    else if (ms > 0 && ms % 60000 == 0)
        snprintf(out, 32, "%" PRId64 "m", ms / 60000);
    else if (ms > 0 && ms % 1000 == 0)
        snprintf(out, 32, "%" PRId64 "s", ms / 1000);
    else
        snprintf(out, 32, "%" PRId64 "ms", ms);
}

static struct json_object *parse(const char *body, size_t len, const char **why)
{
    struct json_tokener *tok;
    struct json_object *root;

    *why = NULL;
    if (body == NULL || len == 0 || len > (size_t)INT32_MAX) {
        *why = "empty body";
        return NULL;
    }
    tok = json_tokener_new_ex(ES_JSON_DEPTH);
    root = json_tokener_parse_ex(tok, body, (int)len);
    if (root == NULL) {
        *why = json_tokener_error_desc(json_tokener_get_error(tok));
    } else {
        size_t end = json_tokener_get_parse_end(tok);
        while (end < len && strchr(" \t\r\n", body[end]) != NULL)
            end++;
        if (end != len) {
            json_object_put(root);
            root = NULL;
            *why = "trailing data after the JSON value";
        }
    }
    json_tokener_free(tok);
    return root;
}

int es_query_normalize(const char *query, char **out, struct err *err)
{
    struct json_object *root;
    const char *why;

    *out = NULL;
    if (query == NULL || query[strspn(query, " \t\r\n")] == '\0')
        return 0;
    root = parse(query, strlen(query), &why);
    if (root == NULL || !json_object_is_type(root, json_type_object) ||
        json_object_object_length(root) == 0) {
        json_object_put(root);
        return err_set(err, ERR_CONFIG, "source.query is not a JSON query object: %s",
                       why != NULL ? why : "expected {\"<query type>\": {...}}");
    }
    *out = xstrdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    return 0;
}

static struct json_object *get(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;

    if (o == NULL || !json_object_is_type(o, json_type_object))
        return NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *get_str(struct json_object *o, const char *key)
{
    struct json_object *v = get(o, key);

    return v != NULL && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                 : NULL;
}

int es_parse_pit_open(const char *body, size_t len, char **pit_id, struct err *err)
{
    const char *why, *id;
    struct json_object *root = parse(body, len, &why);

    *pit_id = NULL;
    if (root == NULL)
        return err_set(err, ERR_PARSE, "PIT open response is not JSON: %s", why);
    id = get_str(root, "id");
    if (id == NULL || *id == '\0') {
        json_object_put(root);
        return err_set(err, ERR_PARSE, "PIT open response has no \"id\"");
    }
    *pit_id = xstrdup(id);
    json_object_put(root);
    return 0;
}

/* Does any "type" under @p o name the missing search context? (root_cause, caused_by,
 * failed_shards[].reason, _shards.failures[].reason all carry one.) */
static bool has_context_missing(struct json_object *o, int depth)
{
    if (o == NULL || depth > 8)
        return false;
    if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n && i < 64; i++)
            if (has_context_missing(json_object_array_get_idx(o, i), depth + 1))
                return true;
        return false;
    }
    if (!json_object_is_type(o, json_type_object))
        return false;
    json_object_object_foreach(o, key, val) {
        if (strcmp(key, "type") == 0 && json_object_is_type(val, json_type_string) &&
            strcmp(json_object_get_string(val), "search_context_missing_exception") == 0)
            return true;
        if (has_context_missing(val, depth + 1))
            return true;
    }
    return false;
}

/* Copy the text inside the brackets after @p marker ("[...]" included) into @p out. */
static void bracket_after(const char *s, const char *marker, char *out, size_t size)
{
    const char *p = strstr(s, marker), *end;

    out[0] = '\0';
    if (p == NULL)
        return;
    p += strlen(marker);
    if (*p != '[' || (end = strchr(p, ']')) == NULL)
        return;
    snprintf(out, size, "%.*s", (int)(end - p + 1), p);
}

static void copy_clean(char *out, size_t size, const char *s)
{
    size_t i = 0;

    for (; s != NULL && *s && i + 1 < size; s++)
        out[i++] = (unsigned char)*s < 0x20 ? ' ' : *s;
    out[i] = '\0';
}

static enum es_class classify(const struct es_error *e)
{
    if (e->status >= 200 && e->status < 300)
        return ES_OK;
    if (e->context_missing)
        return ES_PIT_LOST;
    if (e->status == 401 || e->status == 403)
        return ES_AUTH;
    if (e->status == 408 || e->status == 429 || e->status >= 500)
        return ES_RETRY;
    return ES_CONFIG;
}

void es_parse_error(long status, const char *body, size_t len, struct es_error *e)
{
    const char *why;
    struct json_object *root = parse(body, len, &why), *error, *rc;

    memset(e, 0, sizeof(*e));
    e->status = status;
    error = get(root, "error");
    if (error != NULL && json_object_is_type(error, json_type_string)) {
        copy_clean(e->reason, sizeof(e->reason), json_object_get_string(error));
    } else if (error != NULL) {
        const char *type = get_str(error, "type"), *reason = get_str(error, "reason");
        rc = get(error, "root_cause");
        rc = rc != NULL && json_object_is_type(rc, json_type_array) &&
                     json_object_array_length(rc) > 0
                 ? json_object_array_get_idx(rc, 0)
                 : NULL;
        /* the root cause names the real problem; "all shards failed" says little */
        if (get_str(rc, "type") != NULL) {
            type = get_str(rc, "type");
            reason = get_str(rc, "reason") != NULL ? get_str(rc, "reason") : reason;
        }
        copy_clean(e->type, sizeof(e->type), type);
        copy_clean(e->reason, sizeof(e->reason), reason);
        e->context_missing = has_context_missing(error, 0);
    } else if (root == NULL && body != NULL && len > 0) {
        /* a proxy's HTML page: keep a short printable excerpt */
        char tmp[120];
        snprintf(tmp, sizeof(tmp), "%.*s", (int)(len < 100 ? len : 100), body);
        copy_clean(e->reason, sizeof(e->reason), tmp);
    }
    if (strcmp(e->type, "security_exception") == 0) {
        bracket_after(e->reason, "action ", e->action, sizeof(e->action));
        bracket_after(e->reason, "on indices ", e->indices, sizeof(e->indices));
        bracket_after(e->reason, "index privileges ", e->privileges, sizeof(e->privileges));
    }
    e->cls = classify(e);
    json_object_put(root);
}

void es_result_fini(struct es_result *res)
{
    json_object_put(res->root);
    free(res->hits);
    free(res->sorts);
    memset(res, 0, sizeof(*res));
}

static int parse_ts(struct json_object *v, int64_t *ts)
{
    if (json_object_is_type(v, json_type_string))
        return ev_parse_time(json_object_get_string(v), ts);
    if (json_object_is_type(v, json_type_int)) {
        *ts = json_object_get_int64(v);
        return 0;
    }
    return -1;
}

static void shard_failures(struct es_result *res)
{
    struct json_object *shards = get(res->root, "_shards"), *f, *failed;

    failed = get(shards, "failed");
    res->shards_failed = failed != NULL ? json_object_get_int(failed) : 0;
    f = get(shards, "failures");
    res->context_missing = has_context_missing(f, 0);
    if (f != NULL && json_object_is_type(f, json_type_array) && json_object_array_length(f)) {
        struct json_object *reason = get(json_object_array_get_idx(f, 0), "reason");
        snprintf(res->failure, sizeof(res->failure), "%s: %s",
                 get_str(reason, "type") ? get_str(reason, "type") : "?",
                 get_str(reason, "reason") ? get_str(reason, "reason") : "?");
    }
    if (res->shards_failed <= 0 && res->context_missing)
        res->shards_failed = 1;
}

static int parse_hit(struct es_result *res, int i, struct json_object *hit, struct err *err)
{
    struct json_object *sort = get(hit, "sort");
    struct es_hit *h = &res->hits[i];

    h->index = get_str(hit, "_index");
    h->id = get_str(hit, "_id");
    h->doc = hit;
    if (h->index == NULL || h->id == NULL)
        return err_set(err, ERR_PARSE, "hit %d has no _index/_id", i);
    if (sort == NULL || !json_object_is_type(sort, json_type_array) ||
        json_object_array_length(sort) == 0)
        return err_set(err, ERR_PARSE, "hit %s/%s has no sort values", h->index, h->id);
    if (parse_ts(json_object_array_get_idx(sort, 0), &h->ts_ms) < 0)
        return err_set(err, ERR_PARSE, "hit %s/%s: sort value %s is not a timestamp",
                       h->index, h->id,
                       json_object_to_json_string(json_object_array_get_idx(sort, 0)));
    res->sorts[i] = sort;
    return 0;
}

int es_parse_search(const char *body, size_t len, struct es_result *res, struct err *err)
{
    const char *why;
    struct json_object *hits;
    size_t n;

    memset(res, 0, sizeof(*res));
    res->root = parse(body, len, &why);
    if (res->root == NULL)
        return err_set(err, ERR_PARSE, "search response is not JSON: %s", why);
    res->pit_id = get_str(res->root, "pit_id");
    shard_failures(res);
    if (res->shards_failed > 0)
        return 0;
    hits = get(get(res->root, "hits"), "hits");
    if (hits == NULL || !json_object_is_type(hits, json_type_array)) {
        es_result_fini(res);
        return err_set(err, ERR_PARSE, "search response has no hits.hits array");
    }
    n = json_object_array_length(hits);
    res->hits = xcalloc(n ? n : 1, sizeof(*res->hits));
    res->sorts = xcalloc(n ? n : 1, sizeof(*res->sorts));
    for (size_t i = 0; i < n; i++) {
        if (parse_hit(res, (int)i, json_object_array_get_idx(hits, i), err) < 0) {
            es_result_fini(res);
            return -1;
        }
    }
    res->n = (int)n;
    return 0;
}

char *es_result_sort_json(const struct es_result *res, int i)
{
    return xstrdup(json_object_to_json_string_ext(
        res->sorts[i], JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

int es_parse_info(const char *body, size_t len, char *version, size_t vsize, char *cluster,
                  size_t csize, struct err *err)
{
    const char *why, *v, *c;
    struct json_object *root = parse(body, len, &why);

    if (root == NULL)
        return err_set(err, ERR_PARSE, "GET / answer is not JSON: %s", why);
    v = get_str(get(root, "version"), "number");
    c = get_str(root, "cluster_name");
    copy_clean(version, vsize, v != NULL ? v : "?");
    copy_clean(cluster, csize, c != NULL ? c : "?");
    json_object_put(root);
    return 0;
}
