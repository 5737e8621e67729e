/* es_json.c - build _pit/_search bodies, parse hits, sort values, pit_id and ES error bodies.
 * Pure: knows nothing of HTTP, retries or the cursor. */
#include "config.h"
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "es_json.h"
#include "jdoc.h"
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

/* A response document: jdoc (fast, strict); when it refuses, json-c words why, and should
 * json-c accept the body all the same, its serialization is read instead. */
static struct jnode *parse_doc(struct jdoc *d, const char *body, size_t len, const char **why)
{
    struct json_object *o;
    struct jnode *root;
    const char *txt;

    *why = NULL;
    if (body != NULL && len > 0 && (root = jdoc_parse(d, body, len, NULL)) != NULL)
        return root;
    if ((o = parse(body, len, why)) == NULL)
        return NULL;
    txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    root = jdoc_parse(d, txt, strlen(txt), NULL);
    json_object_put(o);
    if (root == NULL)
        *why = "rejected by the strict reader";
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

static struct jnode *get(struct jnode *o, const char *key)
{
    return o != NULL ? jnode_get(o, key, strlen(key)) : NULL;
}

static const char *get_str(struct jnode *o, const char *key)
{
    size_t n;
    struct jnode *v = get(o, key);

    return v != NULL ? jnode_str(v, &n) : NULL;
}

static bool get_int(struct jnode *o, const char *key, int64_t *v)
{
    double d;
    struct jnode *n = get(o, key);

    return n != NULL && jnode_num(n, v, &d) == 1;
}

static struct jnode *array_first(struct jnode *a)
{
    struct jiter it;
    const char *k;
    struct jnode *v;

    if (a == NULL || jnode_type(a) != JT_ARRAY)
        return NULL;
    jiter_init(&it, a);
    return jiter_next(&it, &k, &v) ? v : NULL;
}

int es_parse_pit_open(const char *body, size_t len, char **pit_id, struct err *err)
{
    const char *why, *id;
    struct jdoc *d = jdoc_new(ES_JSON_DEPTH);
    struct jnode *root = parse_doc(d, body, len, &why);
    int rc = 0;

    *pit_id = NULL;
    if (root == NULL) {
        rc = err_set(err, ERR_PARSE, "PIT open response is not JSON: %s", why);
    } else if ((id = get_str(root, "id")) == NULL || *id == '\0') {
        rc = err_set(err, ERR_PARSE, "PIT open response has no \"id\"");
    } else {
        *pit_id = xstrdup(id);
    }
    jdoc_free(d);
    return rc;
}

/* Does any "type" under @p o name the missing search context? (root_cause, caused_by,
 * failed_shards[].reason, _shards.failures[].reason all carry one.) */
static bool has_context_missing(struct jnode *o, int depth)
{
    struct jiter it;
    const char *key;
    struct jnode *val;
    size_t n, i = 0;
    const char *s;

    if (o == NULL || depth > 8 || (jnode_type(o) != JT_ARRAY && jnode_type(o) != JT_OBJECT))
        return false;
    jiter_init(&it, o);
    while (jiter_next(&it, &key, &val) && i++ < 64) {
        if (key != NULL && strcmp(key, "type") == 0 && (s = jnode_str(val, &n)) != NULL &&
            strcmp(s, "search_context_missing_exception") == 0)
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
    struct jdoc *d = jdoc_new(ES_JSON_DEPTH);
    struct jnode *root = parse_doc(d, body, len, &why), *error, *rc;
    size_t n;

    memset(e, 0, sizeof(*e));
    e->status = status;
    error = get(root, "error");
    if (error != NULL && jnode_type(error) == JT_STRING) {
        copy_clean(e->reason, sizeof(e->reason), jnode_str(error, &n));
    } else if (error != NULL && jnode_type(error) == JT_OBJECT) {
        const char *type = get_str(error, "type"), *reason = get_str(error, "reason");
        rc = array_first(get(error, "root_cause"));
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
    jdoc_free(d);
}

/* One search page's document is kept for the next page (its buffers, ~8 MB for 1000 hits,
 * would otherwise be faulted in afresh every page). Per thread; es_json_release() frees it. */
static __thread struct jdoc *spare_doc;

void es_json_release(void)
{
    jdoc_free(spare_doc);
    spare_doc = NULL;
}

void es_result_fini(struct es_result *res)
{
    if (spare_doc == NULL)
        spare_doc = res->doc;
    else
        jdoc_free(res->doc);
    free(res->hits);
    free(res->sorts);
    memset(res, 0, sizeof(*res));
}

static int parse_ts(struct jnode *v, int64_t *ts)
{
    size_t n;
    double d;
    const char *s = jnode_str(v, &n);

    if (s != NULL)
        return ev_parse_time(s, ts);
    if (jnode_type(v) == JT_NUMBER && jnode_num(v, ts, &d) == 1)
        return 0;
    return -1;
}

static void shard_failures(struct es_result *res, struct jnode *root)
{
    struct jnode *shards = get(root, "_shards"), *f, *reason;
    int64_t failed;

    res->shards_failed = get_int(shards, "failed", &failed) && failed > 0 && failed < 1000000
                             ? (int)failed : 0;
    f = get(shards, "failures");
    res->context_missing = has_context_missing(f, 0);
    if (f != NULL && jnode_type(f) == JT_ARRAY && jnode_size(f) > 0) {
        reason = get(array_first(f), "reason");
        snprintf(res->failure, sizeof(res->failure), "%s: %s",
                 get_str(reason, "type") ? get_str(reason, "type") : "?",
                 get_str(reason, "reason") ? get_str(reason, "reason") : "?");
    }
    if (res->shards_failed <= 0 && res->context_missing)
        res->shards_failed = 1;
}

static int parse_hit(struct es_result *res, int i, struct jnode *hit, struct err *err)
{
    struct jnode *sort = get(hit, "sort"), *first;
    struct es_hit *h = &res->hits[i];
    size_t n;
    const char *raw;

    h->index = get_str(hit, "_index");
    h->id = get_str(hit, "_id");
    h->doc = hit;
    if (h->index == NULL || h->id == NULL)
        return err_set(err, ERR_PARSE, "hit %d has no _index/_id", i);
    if ((first = array_first(sort)) == NULL)
        return err_set(err, ERR_PARSE, "hit %s/%s has no sort values", h->index, h->id);
    if (parse_ts(first, &h->ts_ms) < 0) {
        raw = jnode_raw(first, &n);
        return err_set(err, ERR_PARSE, "hit %s/%s: sort value %.*s is not a timestamp",
                       h->index, h->id, (int)(n < 100 ? n : 100), raw);
    }
    res->sorts[i] = sort;
    return 0;
}

int es_parse_search(const char *body, size_t len, struct es_result *res, struct err *err)
{
    const char *why, *k;
    struct jnode *root, *hits, *hit;
    struct jiter it;
    size_t n, i = 0;

    memset(res, 0, sizeof(*res));
    res->doc = spare_doc != NULL ? spare_doc : jdoc_new(ES_JSON_DEPTH);
    spare_doc = NULL;
    if ((root = parse_doc(res->doc, body, len, &why)) == NULL) {
        es_result_fini(res);
        return err_set(err, ERR_PARSE, "search response is not JSON: %s", why);
    }
    res->pit_id = get_str(root, "pit_id");
    shard_failures(res, root);
    if (res->shards_failed > 0)
        return 0;
    hits = get(get(root, "hits"), "hits");
    if (hits == NULL || jnode_type(hits) != JT_ARRAY) {
        es_result_fini(res);
        return err_set(err, ERR_PARSE, "search response has no hits.hits array");
    }
    n = jnode_size(hits);
    res->hits = xcalloc(n ? n : 1, sizeof(*res->hits));
    res->sorts = xcalloc(n ? n : 1, sizeof(*res->sorts));
    jiter_init(&it, hits);
    while (jiter_next(&it, &k, &hit)) {
        if (parse_hit(res, (int)i, hit, err) < 0) {
            es_result_fini(res);
            return -1;
        }
        i++;
    }
    res->n = (int)i;
    return 0;
}

char *es_result_sort_json(const struct es_result *res, int i)
{
    size_t n;
    const char *raw = jnode_raw(res->sorts[i], &n);

    return xstrndup(raw, n);
}

int es_parse_info(const char *body, size_t len, char *version, size_t vsize, char *cluster,
                  size_t csize, struct err *err)
{
    const char *why, *v, *c;
    struct jdoc *d = jdoc_new(ES_JSON_DEPTH);
    struct jnode *root = parse_doc(d, body, len, &why);

    if (root == NULL) {
        jdoc_free(d);
        return err_set(err, ERR_PARSE, "GET / answer is not JSON: %s", why);
    }
    v = get_str(get(root, "version"), "number");
    c = get_str(root, "cluster_name");
    copy_clean(version, vsize, v != NULL ? v : "?");
    copy_clean(cluster, csize, c != NULL ? c : "?");
    jdoc_free(d);
    return 0;
}
