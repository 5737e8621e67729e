/* norm_internal.h - shared by normalize.c (document shapes, fields), norm_json.c (reading jdoc
 * documents), norm_url.c (URL, host:port, headers) and escalate.c (payload escalators, version cache,
 * outcome/severity, the reused parser). Not public. */
#ifndef ECE_NORM_INTERNAL_H
#define ECE_NORM_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "endpoints.h"
#include "jdoc.h"
#include "event.h"
#include "normalize.h"

#define NORM_PAYLOAD_MAX (1u << 20) /* request bodies parsed at most this big */

struct jdoc;
struct jnode;
struct json_tokener;

/* Reading documents (jdoc.h). A member whose value is JSON null is absent, like a missing one. */

/** @brief Member @p key (NUL-terminated) of an object, or NULL. */
struct jnode *jv_get(struct jnode *obj, const char *key);
/** @brief Member named by the @p n bytes at @p key, or NULL. */
struct jnode *jv_getn(struct jnode *obj, const char *key, size_t n);
/** @brief "a.b.c": a literal dotted key at any level, or nested objects, or a mix. */
struct jnode *jv_path(struct jnode *obj, const char *dotted);
/** @brief String bytes (NUL-terminated, may contain NUL), or NULL when not a string. */
const char *jv_str(struct jnode *o, size_t *len);
/** @brief Integer from a JSON number or a decimal string ("401", "1711", "-3", "2.5" -> 2). */
bool jv_i64(struct jnode *o, int64_t *v);
/** @brief Boolean from true/false or the strings "true"/"false". */
bool jv_bool(struct jnode *o, bool *v);
bool jv_is_obj(struct jnode *o);

/* Iteration over the members of an object (key set) or the elements of an array (key NULL). */
struct jit {
    struct jiter it;
};
void jit_init(struct jit *it, struct jnode *container);
bool jit_next(struct jit *it, const char **key, struct jnode **val);

/** @brief json-c's parser of @p nc (or of this thread when NULL): strict JSON, nesting limit
 * NORM_DEPTH_MAX. Words the error when jdoc rejects a line. Never NULL. */
struct json_tokener *norm_tokener(struct norm_ctx *nc);
#define NORM_DEPTH_MAX 64

/* The documents of @p nc (or of this thread when NULL): the line or hit being normalized, and
 * the request body parsed out of one of its strings. Never NULL. */
enum norm_docs { NORM_DOC_LINE, NORM_DOC_PAYLOAD, NORM_DOC__N };
struct jdoc *norm_doc(struct norm_ctx *nc, enum norm_docs which);

/* A request body: an object of the document, or one parsed from a string. */
struct payload {
    struct jnode *root;
};

/** @brief Make @p pl->root from a payload node: an object as is, a string ("-" = masked)
 * parsed into @p pd as JSON when it holds an object (capped at NORM_PAYLOAD_MAX). */
void payload_load(struct payload *pl, struct jnode *node, struct jdoc *pd);
void payload_release(struct payload *pl);
/** @brief Dotted lookup in the payload; refuses any component that is a secret key. */
struct jnode *payload_get(struct jnode *obj, const char *dotted);

/** @brief Value of query parameter @p key: 1 if every occurrence is "true", 0 if present but
 * not all true, -1 if absent. With @p any, 1 if any occurrence is true. */
int query_flag(const char *q, size_t qlen, const char *key, bool any);

/* Header values the normalizer reads (Authorization and Cookie are never looked at). */
struct hdrs {
    const char *host, *ua, *xff, *xri;
    size_t host_l, ua_l, xff_l, xri_l;
};

/** @brief headers: [{name,value}], ["Name: value"] or {"Name": "value"}. */
void parse_headers(struct hdrs *h, struct jnode *headers);

struct url {
    const char *scheme, *auth, *path, *query;
    size_t scheme_l, auth_l, path_l, query_l;
};

/** @brief "scheme://[userinfo@]authority/path?query#frag", "authority/path" (format B) or "/path".
 * Userinfo is skipped (credentials are never kept). */
void parse_url(struct url *u, const char *s, size_t n);

/** @brief "host", "host:port", "[v6]:port" or a bare IPv6 address -> host slice and port (0 = none). */
void split_hostport(const char *s, size_t n, const char **h, size_t *hl, int *port);

/** @brief Payload/query escalators of the matched row (severity, class, reason, names). */
void escalate(struct norm_ctx *nc, struct audit_event *ev, const struct ep_match *m,
              struct payload *pl, const char *rawq, size_t rawq_len);

/** @brief Outcome from ev->status and the severity modifiers of the catalogue conventions. */
void apply_status(struct audit_event *ev, const struct ep_match *m);

#endif
