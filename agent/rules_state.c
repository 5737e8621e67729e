/* rules_state.c - the rule engine's state as one JSON value, for the checkpoint:
 *   {"version":1,"seen":["<hex>",...],"rules":{"<name>":{"group_by":"user","max_ts":N,
 *     "groups":[{"key":"alice","newest":N,"last_alert":N,"events":[[ts,"id"|null],...]}]}}}
 * "seen": hashes of the ids of the matched events, oldest first; groups are listed least
 * recently updated first. Pure: the caller does the file I/O. */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "rules_int.h"
#include "xalloc.h"

#define STATE_VERSION 1

static void add_json_str(struct strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    strbuf_addc(sb, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            strbuf_addc(sb, '\\');
            strbuf_addc(sb, (char)*p);
        } else if (*p < 0x20) {
            strbuf_adds(sb, "\\u00");
            strbuf_addc(sb, hex[*p >> 4]);
            strbuf_addc(sb, hex[*p & 15]);
        } else {
            strbuf_addc(sb, (char)*p);
        }
    }
    strbuf_addc(sb, '"');
}

/* "user,source_ip": saved state is only reused while the grouping is the same */
static void group_by_sig(const struct cfg_rule *cr, struct strbuf *sb)
{
    for (int i = 0; i < cr->n_group_by; i++) {
        if (i > 0)
            strbuf_addc(sb, ',');
        strbuf_adds(sb, rules_field_name(cr->group_by[i]));
    }
}

static void save_group(const struct group *g, struct strbuf *sb)
{
    strbuf_adds(sb, "{\"key\":");
    add_json_str(sb, g->key);
    strbuf_adds(sb, ",\"newest\":");
    strbuf_add_i64(sb, g->newest);
    if (g->has_alert) {
        strbuf_adds(sb, ",\"last_alert\":");
        strbuf_add_i64(sb, g->last_alert);
    }
    strbuf_adds(sb, ",\"events\":[");
    for (int i = 0; i < g->n; i++) {
        strbuf_adds(sb, i ? ",[" : "[");
        strbuf_add_i64(sb, g->ents[i].ts);
        strbuf_addc(sb, ',');
        if (rules_entry_id(&g->ents[i]))
            add_json_str(sb, rules_entry_id(&g->ents[i]));
        else
            strbuf_adds(sb, "null");
        strbuf_addc(sb, ']');
    }
    strbuf_adds(sb, "]}");
}

static void save_rule(const struct rule *ru, struct strbuf *sb)
{
    add_json_str(sb, ru->cr->name);
    strbuf_adds(sb, ":{\"group_by\":\"");
    group_by_sig(ru->cr, sb);
    strbuf_addc(sb, '"');
    if (ru->have_ts) {
        strbuf_adds(sb, ",\"max_ts\":");
        strbuf_add_i64(sb, ru->max_ts);
    }
    strbuf_adds(sb, ",\"groups\":[");
    for (const struct group *g = ru->lru_tail; g; g = g->prev) {
        save_group(g, sb);
        if (g->prev)
            strbuf_addc(sb, ',');
    }
    strbuf_adds(sb, "]}");
}

int rules_save(const struct rules *r, struct strbuf *sb)
{
    size_t start = sb->len;

    strbuf_adds(sb, "{\"version\":");
    strbuf_add_i64(sb, STATE_VERSION);
    strbuf_adds(sb, ",\"seen\":[");
    for (size_t i = 0; r != NULL && i < r->seen.n; i++)
        strbuf_addf(sb, "%s\"%016" PRIx64 "\"", i ? "," : "",
                    r->seen.ring[(r->seen.head + i) % r->seen.cap]);
    strbuf_adds(sb, "],\"rules\":{");
    for (int i = 0; r != NULL && i < r->n; i++) {
        if (i > 0)
            strbuf_addc(sb, ',');
        save_rule(&r->rules[i], sb);
    }
    strbuf_adds(sb, "}}");
    if (strbuf_failed(sb)) {
        strbuf_truncate(sb, start);
        return -1;
    }
    return 0;
}

/* ---- load ---- */

static bool get_i64(json_object *obj, const char *key, int64_t *v)
{
    json_object *o;

    if (!json_object_object_get_ex(obj, key, &o) || !json_object_is_type(o, json_type_int))
        return false;
    *v = json_object_get_int64(o);
    return true;
}

static int load_seen(struct rules *r, json_object *arr, struct err *err)
{
    size_t n = json_object_array_length(arr);

    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        const char *s = json_object_get_string(o);
        char *end;
        uint64_t h;

        if (!json_object_is_type(o, json_type_string) || strlen(s) != 16)
            return err_set(err, ERR_FATAL, "rules state: bad seen id at %zu", i);
        errno = 0;
        h = strtoull(s, &end, 16);
        if (errno != 0 || *end != '\0')
            return err_set(err, ERR_FATAL, "rules state: bad seen id at %zu", i);
        rules_seen_add(&r->seen, h);
    }
    return 0;
}

static int load_events(struct rule *ru, struct group *g, json_object *arr, struct err *err)
{
    size_t n = json_object_array_length(arr);

    for (size_t i = 0; i < n; i++) {
        json_object *ev = json_object_array_get_idx(arr, i), *ts, *id;

        if (!json_object_is_type(ev, json_type_array) || json_object_array_length(ev) != 2)
            goto bad;
        ts = json_object_array_get_idx(ev, 0);
        id = json_object_array_get_idx(ev, 1);
        if (!json_object_is_type(ts, json_type_int) ||
            (id != NULL && !json_object_is_type(id, json_type_string)))
            goto bad;
        rules_group_insert(g, json_object_get_int64(ts), id ? json_object_get_string(id) : NULL);
    }
    return 0;
bad:
    return err_set(err, ERR_FATAL, "rules state: rule '%s' group '%s': bad event", ru->cr->name,
                   g->key);
}

static int load_group(struct rules *r, struct rule *ru, json_object *jg, struct err *err)
{
    json_object *key, *events;
    const char *k;
    struct group *g;
    int64_t newest, last_alert;

    if (!json_object_is_type(jg, json_type_object) ||
        !json_object_object_get_ex(jg, "key", &key) || !json_object_is_type(key, json_type_string) ||
        !get_i64(jg, "newest", &newest) || !json_object_object_get_ex(jg, "events", &events) ||
        !json_object_is_type(events, json_type_array))
        return err_set(err, ERR_FATAL, "rules state: rule '%s': bad group", ru->cr->name);
    k = json_object_get_string(key);
    if (strlen(k) > RULES_KEY_MAX)
        return err_set(err, ERR_FATAL, "rules state: rule '%s': group value too long", ru->cr->name);
    g = rules_group_get(r, ru, k, strlen(k), rules_hash(k, strlen(k)));
    g->newest = newest;
    if (get_i64(jg, "last_alert", &last_alert)) {
        g->has_alert = true;
        g->last_alert = last_alert;
    }
    return load_events(ru, g, events, err);
}

static int load_rule(struct rules *r, struct rule *ru, json_object *jr, struct err *err)
{
    json_object *o, *groups;
    struct strbuf sig;
    bool same;

    if (!json_object_is_type(jr, json_type_object) ||
        !json_object_object_get_ex(jr, "group_by", &o) || !json_object_is_type(o, json_type_string) ||
        !json_object_object_get_ex(jr, "groups", &groups) ||
        !json_object_is_type(groups, json_type_array))
        return err_set(err, ERR_FATAL, "rules state: rule '%s': bad object", ru->cr->name);
    strbuf_init(&sig, 0);
    group_by_sig(ru->cr, &sig);
    same = strcmp(strbuf_str(&sig), json_object_get_string(o)) == 0;
    strbuf_fini(&sig);
    if (!same)
        return 0; /* grouping changed: the old windows mean nothing now */
    if (get_i64(jr, "max_ts", &ru->max_ts))
        ru->have_ts = true;
    for (size_t i = 0; i < json_object_array_length(groups); i++)
        if (load_group(r, ru, json_object_array_get_idx(groups, i), err) < 0)
            return -1;
    return 0;
}

int rules_load(struct rules *r, const char *json, struct err *err)
{
    enum json_tokener_error jerr = json_tokener_success;
    json_object *root = NULL, *rules, *seen;
    int64_t version;
    int rc = -1;

    if (r == NULL)
        return 0;
    for (int i = 0; i < r->n; i++)
        rules_rule_clear(&r->rules[i]);
    rules_seen_clear(&r->seen);
    root = json_tokener_parse_verbose(json ? json : "", &jerr);
    if (root == NULL) {
        err_set(err, ERR_FATAL, "rules state: %s", json_tokener_error_desc(jerr));
        goto out;
    }
    if (!json_object_is_type(root, json_type_object) || !get_i64(root, "version", &version) ||
        !json_object_object_get_ex(root, "rules", &rules) ||
        !json_object_is_type(rules, json_type_object) ||
        !json_object_object_get_ex(root, "seen", &seen) ||
        !json_object_is_type(seen, json_type_array)) {
        err_set(err, ERR_FATAL, "rules state: not a rules state object");
        goto out;
    }
    if (version != STATE_VERSION) {
        err_set(err, ERR_FATAL, "rules state: version %lld not supported", (long long)version);
        goto out;
    }
    if (load_seen(r, seen, err) < 0)
        goto out;
    for (int i = 0; i < r->n; i++) {
        json_object *jr;
        if (json_object_object_get_ex(rules, r->rules[i].cr->name, &jr) &&
            load_rule(r, &r->rules[i], jr, err) < 0)
            goto out;
    }
    rc = 0;
out:
    if (rc < 0) { /* never run on half a state */
        for (int i = 0; i < r->n; i++)
            rules_rule_clear(&r->rules[i]);
        rules_seen_clear(&r->seen);
    }
    json_object_put(root);
    return rc;
}
