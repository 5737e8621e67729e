/* norm_internal.h - shared by normalize.c (document shapes, fields), norm_url.c (URL, host:port,
 * headers) and escalate.c (payload escalators, version cache, outcome/severity). Not public. */
#ifndef ECE_NORM_INTERNAL_H
#define ECE_NORM_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include "endpoints.h"
#include "event.h"
#include "jscan.h"
#include "normalize.h"

#define NORM_PAYLOAD_MAX (1u << 20) /* request bodies parsed at most this big */

/* A parsed request body: a node plus what must be released afterwards. */
struct payload {
    struct jn root;               /* object, or absent */
    bool tried;
    struct json_object *owned;    /* json-c fallback tree */
    char *heap;                   /* copy of a big body string */
    struct jdoc doc;
    struct jtok tok[512];
    char small[4096];
};

/** @brief Make @p pl->root from a payload node: an object as is, a string ("-" = masked)
 * parsed as JSON when it holds an object (capped at NORM_PAYLOAD_MAX). */
void payload_load(struct payload *pl, struct jn node);
void payload_release(struct payload *pl);
/** @brief Dotted lookup in the payload; refuses any component that is a secret key. */
struct jn payload_get(struct jn obj, const char *dotted);

/** @brief Value of query parameter @p key: 1 if every occurrence is "true", 0 if present but
 * not all true, -1 if absent. With @p any, 1 if any occurrence is true. */
int query_flag(const char *q, size_t qlen, const char *key, bool any);

/* Header values the normalizer reads (Authorization and Cookie are never looked at). */
struct hdrs {
    const char *host, *ua, *xff, *xri;
    size_t host_l, ua_l, xff_l, xri_l;
};

/** @brief headers: [{name,value}], ["Name: value"] or {"Name": "value"}. */
void parse_headers(struct hdrs *h, struct jn headers);

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
