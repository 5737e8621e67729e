/* es_json.h - Elasticsearch request bodies and response parsing for the tail source.
 * Pure: strings in, strings and parsed trees out; no HTTP, no clocks. */
#ifndef ECE_ES_JSON_H
#define ECE_ES_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "source_es.h"
#include "strbuf.h"

struct jdoc;
struct jnode;

/* Sort format that keeps date_nanos precision; values come back as RFC 3339 strings (es-api §6) */
#define ES_SORT_FORMAT "strict_date_optional_time_nanos"

/** @brief Parameters of one search page. */
struct es_search_req {
    int size;
    const char *ts_field;
    int64_t gte_ms;            /* range [gte_ms, lt_ms) on ts_field, epoch millis */
    int64_t lt_ms;
    const char *query;         /* extra filter (JSON object text) or NULL */
    const char *pit_id;        /* NULL: no PIT, the caller names the index in the path */
    const char *keep_alive;    /* with pit_id, e.g. "1m" */
    const char *search_after;  /* JSON array text from es_sort_json(), or NULL */
    const char *tiebreaker;    /* without PIT: second sort field (keyword, unique) */
};

/** @brief Append @p s as a JSON string literal (quotes included). */
void es_json_add_str(struct strbuf *sb, const char *s);

/** @brief The _search body of one page. */
void es_body_search(struct strbuf *sb, const struct es_search_req *req);
/** @brief size:1 search for the oldest document (gap detection). @p query may be NULL. */
void es_body_oldest(struct strbuf *sb, const char *ts_field, const char *query);
/** @brief DELETE /_pit body. */
void es_body_pit_close(struct strbuf *sb, const char *pit_id);
/** @brief ES time value: 60000 -> "1m", 1500 -> "1500ms". */
void es_format_duration(int64_t ms, char out[32]);

/**
 * @brief Check that @p query is a JSON object and return it re-serialized without whitespace
 * (allocated). NULL or "" gives *out = NULL. ERR_CONFIG when it is not a JSON object.
 */
int es_query_normalize(const char *query, char **out, struct err *err);

/** @brief GET / -> version.number and cluster_name ("?" when absent). ERR_PARSE if not JSON. */
int es_parse_info(const char *body, size_t len, char *version, size_t vsize, char *cluster,
                  size_t csize, struct err *err);

/** @brief Parse a PIT-open response; *pit_id is allocated. ERR_PARSE on a bad body. */
int es_parse_pit_open(const char *body, size_t len, char **pit_id, struct err *err);

/* What a failed (or partially failed) response means for the caller. */
enum es_class {
    ES_OK = 0,
    ES_RETRY,      /* 429, 5xx, shard failures: back off and retry the same request */
    ES_PIT_LOST,   /* search_context_missing_exception: reopen the PIT */
    ES_AUTH,       /* 401/403: name the privilege, retry slowly */
    ES_CONFIG      /* 400, 404 index, other 4xx: our request or the setup is wrong; retry slowly */
};

struct es_error {
    long status;
    enum es_class cls;
    bool context_missing;
    char type[96];         /* error.type, or root_cause[0].type when that is more precise */
    char reason[384];      /* error.reason (root cause first) */
    char action[96];       /* security_exception: "indices:data/read/search" */
    char indices[192];     /* security_exception: "[logs-1,logs-2]" */
    char privileges[96];   /* security_exception: "[read,all]" */
};

/** @brief Classify an HTTP status + body (body may be NULL, HTML or truncated). */
void es_parse_error(long status, const char *body, size_t len, struct es_error *e);

/** @brief A parsed search response. Hits borrow strings and nodes from doc. */
struct es_result {
    struct jdoc *doc;          /* owned */
    const char *pit_id;        /* borrowed; NULL when absent */
    int shards_failed;
    bool context_missing;      /* a shard failure says the PIT context is gone */
    char failure[256];         /* first shard failure "type: reason" */
    int n;
    struct es_hit *hits;       /* allocated; doc = the hit object */
    struct jnode **sorts;      /* sort array of each hit (borrowed) */
};

/**
 * @brief Parse a search response (HTTP 200). Hits are only parsed when no shard failed.
 * Each hit needs _index, _id and a sort array whose first value is the timestamp (RFC 3339
 * string or epoch millis). ERR_PARSE otherwise.
 */
int es_parse_search(const char *body, size_t len, struct es_result *res, struct err *err);
/** @brief Free the result; its document's buffers are kept for the next es_parse_search. */
void es_result_fini(struct es_result *res);
/** @brief Free the kept buffers (when the source closes). */
void es_json_release(void);

/** @brief JSON text of hit @p i's sort array, for search_after (allocated). */
char *es_result_sort_json(const struct es_result *res, int i);

#endif
