/* norm_json.c - the normalizer's read-only view of json-c trees: member and dotted lookups,
 * strings with their length, lenient integers and booleans, one iterator for objects and arrays.
 * Knows nothing of ECE documents. */
#include "config.h"
#include <json-c/json.h>
#include <strings.h>
#include <string.h>
#include "norm_internal.h"

bool jv_is_obj(struct json_object *o)
{
    return o != NULL && json_object_get_type(o) == json_type_object;
}

struct json_object *jv_get(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;

    if (!jv_is_obj(obj) || !json_object_object_get_ex(obj, key, &v))
        return NULL;
    return v;
}

struct json_object *jv_getn(struct json_object *obj, const char *key, size_t n)
{
    char kb[128];

    if (n >= sizeof(kb))
        return NULL;
    memcpy(kb, key, n);
    kb[n] = '\0';
    return jv_get(obj, kb);
}

static struct json_object *path_rec(struct json_object *obj, const char *s, size_t len, int depth)
{
    struct json_object *v = jv_getn(obj, s, len), *head;

    if (v || depth > 8)
        return v;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '.')
            continue;
        head = jv_getn(obj, s, i);
        if (jv_is_obj(head) && (v = path_rec(head, s + i + 1, len - i - 1, depth + 1)) != NULL)
            return v;
    }
    return NULL;
}

struct json_object *jv_path(struct json_object *obj, const char *dotted)
{
    return jv_is_obj(obj) ? path_rec(obj, dotted, strlen(dotted), 0) : NULL;
}

const char *jv_str(struct json_object *o, size_t *len)
{
    if (o == NULL || json_object_get_type(o) != json_type_string)
        return NULL;
    *len = (size_t)json_object_get_string_len(o);
    return json_object_get_string(o);
}

/* Decimal integer with optional sign and ignored fraction; no exponent. */
static bool dec_i64(const char *s, size_t n, int64_t *v)
{
    size_t i = 0;
    bool neg = false;
    int64_t x = 0;

    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i >= n || s[i] < '0' || s[i] > '9')
        return false;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        if (x > (INT64_MAX - 9) / 10)
            return false;
        x = x * 10 + (s[i] - '0');
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
    }
    if (i != n)
        return false;
    *v = neg ? -x : x;
    return true;
}

bool jv_i64(struct json_object *o, int64_t *v)
{
    size_t len;
    const char *s;
    double x;

    if (o == NULL)
        return false;
    switch (json_object_get_type(o)) {
    case json_type_int:
        *v = json_object_get_int64(o);
        return true;
    case json_type_double:
        x = json_object_get_double(o);
        if (!(x > -9.2e18 && x < 9.2e18))
            return false;
        *v = (int64_t)x;
        return true;
    case json_type_string:
        len = (size_t)json_object_get_string_len(o);
        s = json_object_get_string(o);
        return dec_i64(s, len, v);
    default:
        return false;
    }
}

bool jv_bool(struct json_object *o, bool *v)
{
    size_t len;
    const char *s;

    if (o != NULL && json_object_get_type(o) == json_type_boolean) {
        *v = json_object_get_boolean(o);
        return true;
    }
    if ((s = jv_str(o, &len)) == NULL)
        return false;
    if (len == 4 && strncasecmp(s, "true", 4) == 0) {
        *v = true;
        return true;
    }
    if (len == 5 && strncasecmp(s, "false", 5) == 0) {
        *v = false;
        return true;
    }
    return false;
}

void jit_init(struct jit *it, struct json_object *c)
{
    memset(it, 0, sizeof(*it));
    if (c == NULL)
        return;
    if (json_object_get_type(c) == json_type_object) {
        it->c = c;
        it->e = lh_table_head(json_object_get_object(c));
    } else if (json_object_get_type(c) == json_type_array) {
        it->c = c;
        it->n = json_object_array_length(c);
    }
}

/* Members whose value is null are skipped, as absent; array elements are returned as they are. */
bool jit_next(struct jit *it, const char **key, struct json_object **val)
{
    *key = NULL;
    *val = NULL;
    if (it->c == NULL)
        return false;
    while (it->e != NULL) {
        struct lh_entry *e = it->e;
        it->e = lh_entry_next(e);
        if (lh_entry_v(e) != NULL) {
            *key = (const char *)lh_entry_k(e);
            *val = (struct json_object *)lh_entry_v(e);
            return true;
        }
    }
    if (it->i >= it->n)
        return false;
    *val = json_object_array_get_idx(it->c, it->i++);
    return true;
}
