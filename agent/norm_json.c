/* norm_json.c - the normalizer's read-only view of jdoc documents: member and dotted lookups,
 * strings with their length, lenient integers and booleans, one iterator for objects and arrays.
 * Knows nothing of ECE documents. */
#include "config.h"
#include <strings.h>
#include <string.h>
#include "norm_internal.h"

bool jv_is_obj(struct jnode *o)
{
    return o != NULL && jnode_type(o) == JT_OBJECT;
}

/* null members are absent */
struct jnode *jv_getn(struct jnode *obj, const char *key, size_t n)
{
    struct jnode *v = jnode_get(obj, key, n);

    return v != NULL && jnode_type(v) != JT_NULL ? v : NULL;
}

struct jnode *jv_get(struct jnode *obj, const char *key)
{
    return jv_getn(obj, key, strlen(key));
}

static struct jnode *path_rec(struct jnode *obj, const char *s, size_t len, int depth)
{
    struct jnode *v = jv_getn(obj, s, len), *head;

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

struct jnode *jv_path(struct jnode *obj, const char *dotted)
{
    return jv_is_obj(obj) ? path_rec(obj, dotted, strlen(dotted), 0) : NULL;
}

const char *jv_str(struct jnode *o, size_t *len)
{
    return o != NULL ? jnode_str(o, len) : NULL;
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

bool jv_i64(struct jnode *o, int64_t *v)
{
    size_t len;
    const char *s;
    int64_t i;
    double x;

    if (o == NULL)
        return false;
    switch (jnode_type(o)) {
    case JT_NUMBER:
        if (jnode_num(o, &i, &x) == 1) {
            *v = i;
            return true;
        }
        if (!(x > -9.2e18 && x < 9.2e18))
            return false;
        *v = (int64_t)x;
        return true;
    case JT_STRING:
        s = jnode_str(o, &len);
        return dec_i64(s, len, v);
    default:
        return false;
    }
}

bool jv_bool(struct jnode *o, bool *v)
{
    size_t len;
    const char *s;

    if (o != NULL && jnode_type(o) == JT_BOOL) {
        *v = jnode_bool(o);
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

void jit_init(struct jit *it, struct jnode *c)
{
    if (c == NULL)
        memset(it, 0, sizeof(*it));
    else
        jiter_init(&it->it, c);
}

/* Members whose value is null are skipped, as absent; array elements are returned as they are. */
bool jit_next(struct jit *it, const char **key, struct jnode **val)
{
    while (jiter_next(&it->it, key, val)) {
        if (*key == NULL || jnode_type(*val) != JT_NULL)
            return true;
    }
    *key = NULL;
    *val = NULL;
    return false;
}
