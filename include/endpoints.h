/* endpoints.h - the endpoint table's rows and its detailed match result, for the normalizer's
 * severity modifiers and payload escalators. The public entry points are in normalize.h. */
#ifndef ECE_ENDPOINTS_H
#define ECE_ENDPOINTS_H
#include <stddef.h>
#include "event.h"

/* Payload/query escalators a row asks for (applied by normalize.c). */
enum ep_esc {
    ESC_NONE = 0,
    ESC_USER_CREATE,    /* security.roles has ece_platform_admin -> 9 */
    ESC_USER_UPDATE,    /* roles / password / enabled touched -> 8 */
    ESC_DEPLOY_CREATE,  /* metadata.system_owned:true -> 7; deployment name from payload */
    ESC_DEPLOY_UPDATE,  /* stack version differs from the cached one -> deployment.upgrade 6 */
    ESC_SHUTDOWN,       /* skip_snapshot=true -> 9 */
    ESC_TRAFFIC_UPDATE, /* a rule source 0.0.0.0/0 or ::/0 -> 8 */
    ESC_VACATE,         /* allocator_down=true -> 7 */
    ESC_PROXY           /* API console: severity by method, 7 for sensitive ES/Kibana paths */
};

enum { M_GET = 1, M_POST = 2, M_PUT = 4, M_PATCH = 8, M_DELETE = 16, M_OTHER = 32, M_ANY = 63 };

struct endpoint {
    unsigned methods;
    const char *tmpl;
    const char *class;
    const char *name;
    int sev;
    unsigned flags;
    enum ep_esc esc;
    const char *fail_class;
    const char *fail_name;
    int fail_sev;
};

/** @brief The table rows (ece-events.md section 3), in catalogue order. */
const struct endpoint *endpoints_rows(size_t *n);

#define EPF_RO    0x01u /* read-only: not forwarded unless forward_read_only */
#define EPF_LOGIN 0x02u /* login: missing status = failure; failures use the failure class */

#define EP_MAX_VARS 8

struct ep_var {
    const char *name; /* placeholder name, not NUL-terminated */
    size_t name_len;
    const char *val;  /* percent-decoded, NUL-terminated (inside struct ep_match) */
    size_t len;
};

struct ep_match {
    int row;                /* table index, -1 = api.unknown.* fallback */
    unsigned flags;         /* EPF_* */
    enum ep_esc esc;
    int base_sev;           /* the row's severity for a successful call */
    int fail_sev;           /* severity of the failure variant, -1 = none */
    int used_fail;          /* 1 when class/severity are the failure variant */
    const char *rest;       /* raw {proxy_path...} remainder (percent-encoded), or NULL */
    size_t rest_len;
    int nvars;
    struct ep_var vars[EP_MAX_VARS];
    size_t buf_len;
    char buf[2048];
};

/**
 * @brief endpoints_classify() with the details: which row, its flags/escalator/failure
 * variant and every placeholder value. The failure variant (login rows: any non-2xx/3xx
 * status incl. none; other rows with one: 401/403) is chosen from ev->status.
 */
int endpoints_match(struct audit_event *ev, struct ep_match *m);

/** @brief Decoded value of placeholder @p name, or NULL. */
const char *ep_var(const struct ep_match *m, const char *name, size_t *len);

#endif
