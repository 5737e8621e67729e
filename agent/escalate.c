/* escalate.c - request bodies and query flags that raise an event's severity (admin role grants,
 * upgrades, shutdowns without snapshot, open traffic filters, ...), the per-deployment stack
 * version cache, and the outcome/severity modifiers. Knows nothing of document shapes. */
#include "config.h"
#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "norm_internal.h"
#include "redact.h"
#include "xalloc.h"

/* ---- version cache: FIFO-evicted hash of deployment id -> last seen stack version ---- */

#define VC_SLOTS   4096
#define VC_BUCKETS 8192
#define VC_ID_MAX  64
#define VC_VER_MAX 32

struct vc_ent {
    uint32_t hash;
    int32_t next;
    bool used;
    char id[VC_ID_MAX];
    char ver[VC_VER_MAX];
};

struct norm_ctx {
    struct json_tokener *tk; /* made on first use */
    struct jdoc *doc[NORM_DOC__N];
    uint32_t head; /* next slot to fill; the oldest entry once full */
    int32_t bucket[VC_BUCKETS];
    struct vc_ent ent[VC_SLOTS];
};

struct norm_ctx *norm_ctx_new(void)
{
    struct norm_ctx *nc = xcalloc(1, sizeof(*nc));
    for (size_t i = 0; i < VC_BUCKETS; i++)
        nc->bucket[i] = -1;
    return nc;
}

void norm_ctx_free(struct norm_ctx *nc)
{
    if (nc == NULL)
        return;
    if (nc->tk)
        json_tokener_free(nc->tk);
    for (int i = 0; i < NORM_DOC__N; i++)
        jdoc_free(nc->doc[i]);
    free(nc);
}

/* Without a norm_ctx (tests, fuzzers, tools) each thread has its own parsers, freed with it. */
struct thread_parsers {
    struct json_tokener *tk;
    struct jdoc *doc[NORM_DOC__N];
};

static pthread_key_t tp_key;
static pthread_once_t tp_once = PTHREAD_ONCE_INIT;
static __thread struct thread_parsers *tp_thread;

static void tp_free(void *p)
{
    struct thread_parsers *tp = p;

    if (tp->tk)
        json_tokener_free(tp->tk);
    for (int i = 0; i < NORM_DOC__N; i++)
        jdoc_free(tp->doc[i]);
    free(tp);
}

static void tp_key_make(void)
{
    if (pthread_key_create(&tp_key, tp_free) != 0)
        abort();
}

static struct thread_parsers *thread_parsers(void)
{
    if (tp_thread == NULL) {
        pthread_once(&tp_once, tp_key_make);
        tp_thread = xcalloc(1, sizeof(*tp_thread));
        pthread_setspecific(tp_key, tp_thread); /* freed when the thread ends */
    }
    return tp_thread;
}

static struct json_tokener *tk_new(void)
{
    struct json_tokener *tk = json_tokener_new_ex(NORM_DEPTH_MAX);

    if (tk == NULL)
        abort(); /* out of memory, like xmalloc */
    json_tokener_set_flags(tk, JSON_TOKENER_STRICT);
    return tk;
}

struct json_tokener *norm_tokener(struct norm_ctx *nc)
{
    struct json_tokener **tk = nc != NULL ? &nc->tk : &thread_parsers()->tk;

    return *tk ? *tk : (*tk = tk_new());
}

struct jdoc *norm_doc(struct norm_ctx *nc, enum norm_docs which)
{
    struct jdoc **d = nc != NULL ? &nc->doc[which] : &thread_parsers()->doc[which];

    return *d ? *d : (*d = jdoc_new(NORM_DEPTH_MAX));
}

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static struct vc_ent *vc_find(struct norm_ctx *nc, const char *id, size_t n, uint32_t h)
{
    for (int32_t i = nc->bucket[h % VC_BUCKETS]; i >= 0; i = nc->ent[i].next) {
        struct vc_ent *e = &nc->ent[i];
        if (e->hash == h && strlen(e->id) == n && memcmp(e->id, id, n) == 0)
            return e;
    }
    return NULL;
}

static void vc_store(struct norm_ctx *nc, const char *id, size_t n, const char *ver, uint32_t h)
{
    struct vc_ent *e = vc_find(nc, id, n, h);
    int32_t slot;

    if (e == NULL) {
        slot = (int32_t)nc->head;
        nc->head = (nc->head + 1) % VC_SLOTS;
        e = &nc->ent[slot];
        if (e->used) { /* evict the oldest */
            int32_t *pp = &nc->bucket[e->hash % VC_BUCKETS];
            while (*pp != slot)
                pp = &nc->ent[*pp].next;
            *pp = e->next;
        }
        e->used = true;
        e->hash = h;
        memcpy(e->id, id, n);
        e->id[n] = '\0';
        e->next = nc->bucket[h % VC_BUCKETS];
        nc->bucket[h % VC_BUCKETS] = slot;
    }
    memcpy(e->ver, ver, strlen(ver) + 1);
}

/* ---- payloads ---- */

void payload_load(struct payload *pl, struct jnode *node, struct jdoc *pd)
{
    size_t len, i = 0;
    const char *s;
    struct jnode *o;

    if (jv_is_obj(node)) {
        pl->root = node;
        return;
    }
    if ((s = jv_str(node, &len)) == NULL || len > NORM_PAYLOAD_MAX)
        return; /* absent, masked "-", or too big to look into */
    while (i < len && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        i++;
    if (i >= len || s[i] != '{')
        return; /* "-", "\"-\"" (masked API console body), or not an object */
    if ((o = jdoc_parse(pd, s + i, len - i, NULL)) != NULL && jv_is_obj(o))
        pl->root = o;
}

void payload_release(struct payload *pl)
{
    pl->root = NULL; /* the payload document is reused by the next load */
}

struct jnode *payload_get(struct jnode *obj, const char *dotted)
{
    const char *p = dotted;

    while (obj != NULL) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (redact_key_is_sensitive(p, n))
            return NULL; /* secrets are never read, so never copied */
        obj = dot ? jv_getn(obj, p, n) : jv_get(obj, p);
        if (!dot)
            return obj;
        p = dot + 1;
    }
    return NULL;
}

static bool str_is(struct jnode *n, const char *lit)
{
    size_t len;
    const char *s = jv_str(n, &len);
    return s && len == strlen(lit) && memcmp(s, lit, len) == 0;
}

static bool roles_have(struct jnode *roles, const char *role)
{
    struct jit it;
    const char *k;
    struct jnode *v;

    if (str_is(roles, role))
        return true;
    jit_init(&it, roles);
    while (jit_next(&it, &k, &v)) {
        if (str_is(v, role))
            return true;
    }
    return false;
}

int query_flag(const char *q, size_t qlen, const char *key, bool any)
{
    size_t kl = strlen(key), i = 0;
    int seen = -1;

    while (q && i < qlen) {
        size_t j = i, eq;
        char val[16];
        while (j < qlen && q[j] != '&')
            j++;
        for (eq = i; eq < j && q[eq] != '='; eq++)
            ;
        if (eq - i == kl && memcmp(q + i, key, kl) == 0) {
            size_t vl = eq < j ? pct_decode(q + eq + 1, j - eq - 1, val, sizeof(val)) : 0;
            bool t = vl == 4 && strncasecmp(val, "true", 4) == 0;
            if (any)
                seen = (seen == 1 || t) ? 1 : 0;
            else
                seen = (seen != 0 && t) ? 1 : 0;
        }
        i = j + 1;
    }
    return seen;
}

static void raise_to(struct audit_event *ev, int sev, const char *reason)
{
    if (sev > ev->severity)
        ev->severity = sev;
    if (!ev->reason)
        ev_set(ev, &ev->reason, reason);
}

/* The stack version of a deployment plan: resources.<kind>[].plan.<kind>.version,
 * Elasticsearch's when present. */
static bool plan_version(struct jnode *root, char out[VC_VER_MAX])
{
    struct jit kinds, elems;
    const char *k, *s, *ek;
    size_t n;
    struct jnode *arr, *el;
    bool found = false;

    jit_init(&kinds, payload_get(root, "resources"));
    while (jit_next(&kinds, &k, &arr)) {
        jit_init(&elems, arr);
        while (k && jit_next(&elems, &ek, &el)) {
            s = jv_str(jv_get(jv_get(jv_get(el, "plan"), k), "version"), &n);
            if (s == NULL || n == 0 || n >= VC_VER_MAX || strspn(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+-_") != n)
                continue;
            if (!found || strcmp(k, "elasticsearch") == 0) {
                memcpy(out, s, n + 1);
                found = true;
            }
        }
    }
    return found;
}

static void deployment_update(struct norm_ctx *nc, struct audit_event *ev, struct jnode *root)
{
    char ver[VC_VER_MAX];
    const char *id = ev->deployment_id;
    size_t n;
    uint32_t h;
    struct vc_ent *e;

    if (nc == NULL || id == NULL || (n = strlen(id)) >= VC_ID_MAX || !plan_version(root, ver))
        return;
    h = fnv1a(id, n);
    e = vc_find(nc, id, n, h);
    if (e && strcmp(e->ver, ver) != 0) {
        ev->class = "deployment.upgrade";
        ev->name = "Stack version upgrade";
        if (ev->severity < 6)
            ev->severity = 6;
        ev_setf(ev, &ev->reason, "stack version %s -> %s", e->ver, ver);
    }
    if (ev->status >= 200 && ev->status < 400)
        vc_store(nc, id, n, ver, h); /* a refused plan leaves the version as it was */
}

static void traffic_rules(struct audit_event *ev, struct jnode *root)
{
    struct jit it;
    const char *k;
    struct jnode *rule;

    jit_init(&it, payload_get(root, "rules"));
    while (jit_next(&it, &k, &rule)) {
        struct jnode *src = jv_get(rule, "source");
        if (str_is(src, "0.0.0.0/0") || str_is(src, "::/0")) {
            raise_to(ev, 8, "traffic filter rule allows any source");
            return;
        }
    }
}

void escalate(struct norm_ctx *nc, struct audit_event *ev, const struct ep_match *m,
              struct payload *pl, const char *q, size_t ql)
{
    struct jnode *root = pl->root, *sec;
    bool b;
    size_t n;
    const char *s;

    switch (m->esc) {
    case ESC_USER_CREATE:
        if (!ev->target_user && (s = jv_str(payload_get(root, "user_name"), &n)) != NULL)
            ev_setn(ev, &ev->target_user, s, n);
        if (roles_have(payload_get(root, "security.roles"), "ece_platform_admin"))
            raise_to(ev, 9, "role ece_platform_admin granted");
        break;
    case ESC_USER_UPDATE:
        sec = payload_get(root, "security");
        if (jv_get(sec, "roles"))
            raise_to(ev, 8, roles_have(jv_get(sec, "roles"), "ece_platform_admin")
                                ? "role ece_platform_admin granted" : "platform roles changed");
        if (jv_get(sec, "password")) /* only its presence: the value is never read */
            raise_to(ev, 8, "password set for another user");
        if (jv_get(sec, "enabled"))
            raise_to(ev, 8, "account enabled flag changed");
        break;
    case ESC_DEPLOY_CREATE:
        if ((s = jv_str(payload_get(root, "name"), &n)) != NULL ||
            (s = jv_str(payload_get(root, "cluster_name"), &n)) != NULL)
            ev_setn(ev, &ev->deployment_name, s, n);
        if (jv_bool(payload_get(root, "metadata.system_owned"), &b) && b)
            raise_to(ev, 7, "system-owned deployment created");
        break;
    case ESC_DEPLOY_UPDATE:
        if ((s = jv_str(payload_get(root, "name"), &n)) != NULL)
            ev_setn(ev, &ev->deployment_name, s, n);
        deployment_update(nc, ev, root);
        break;
    case ESC_SHUTDOWN:
        if (query_flag(q, ql, "skip_snapshot", true) == 1)
            raise_to(ev, 9, "shutdown without snapshot (skip_snapshot=true)");
        break;
    case ESC_TRAFFIC_UPDATE:
        traffic_rules(ev, root);
        break;
    case ESC_VACATE:
        if (query_flag(q, ql, "allocator_down", true) == 1 ||
            (jv_bool(payload_get(root, "allocator_down"), &b) && b)) {
            if ((s = ep_var(m, "allocator_id", &n)) != NULL && !ev->reason)
                ev_setf(ev, &ev->reason, "allocator %.*s marked down (allocator_down=true)", (int)(n > 256 ? 256 : n), s);
            raise_to(ev, 7, "allocator marked down (allocator_down=true)");
        }
        break;
    default:
        break;
    }
    if (query_flag(q, ql, "validate_only", false) == 1)
        ev->read_only = true; /* a dry run changes nothing */
}

void apply_status(struct audit_event *ev, const struct ep_match *m)
{
    int st = ev->status, sev = ev->severity;

    if (st < 0) {
        /* the API never answered: a failed login (blog), otherwise unknown */
        ev->outcome = (m->flags & EPF_LOGIN) ? OUTCOME_FAILURE : OUTCOME_UNKNOWN;
        return;
    }
    if (st >= 200 && st < 400) {
        ev->outcome = OUTCOME_SUCCESS;
        return;
    }
    ev->outcome = OUTCOME_FAILURE;
    if (m->used_fail)
        sev = (st == 401 || st == 403) ? m->fail_sev : (m->fail_sev - 3 < 1 ? 1 : m->fail_sev - 3);
    else if (ev->read_only)
        return; /* reads stay where they are */
    else if (st == 401 || st == 403)
        sev = sev - 1 < 4 ? 4 : sev - 1;
    else
        sev = sev - 3 < 1 ? 1 : sev - 3;
    ev->severity = sev;
}
