/* normalize.h - ECE audit document (any of the three shapes, or an ES hit) -> struct audit_event.
 * Also path normalization, endpoint classification and redaction. Knows nothing of formats. */
#ifndef ECE_NORMALIZE_H
#define ECE_NORMALIZE_H
#include <stddef.h>
#include "err.h"
#include "event.h"

struct jnode;

/* Per-process normalizer state: the per-deployment stack version cache that turns a
 * plan change into deployment.upgrade. Bounded (LRU-ish, a few thousand deployments). */
struct norm_ctx;
struct norm_ctx *norm_ctx_new(void);
void norm_ctx_free(struct norm_ctx *nc);

enum norm_result {
    NORM_OK = 0,     /* ev is a request event */
    NORM_SKIP,       /* not a request line (other logger, no request fields): count and skip */
    NORM_MALFORMED   /* not JSON / not an object / unusable: err says why */
};

/**
 * @brief Normalize one parsed document. @p nc may be NULL (no version cache). @p doc is a raw _source or an ES hit
 * (`_index`, `_id`, `_source`); borrowed. For hits the dedup key is "_index/_id",
 * otherwise the request_id.
 */
enum norm_result normalize_doc(struct norm_ctx *nc, struct jnode *doc, struct audit_event *ev, struct err *err);

/** @brief Parse one NDJSON line then normalize it. */
enum norm_result normalize_line(struct norm_ctx *nc, const char *line, size_t len, struct audit_event *ev, struct err *err);

/**
 * @brief Classify by method + normalized path (the endpoints table).
 * Sets class, name, severity, read_only, and target fields taken from path placeholders.
 * Returns 0 when a table row matched, 1 when it fell back to api.unknown.<method>.
 */
int endpoints_classify(struct audit_event *ev);

/** @brief Number of rows in the endpoint table (for the unit tests). */
size_t endpoints_count(void);

#endif
