/* fuzz_jdoc.c - libFuzzer differential target: jdoc against json-c 0.16 strict. Verdicts must
 * agree (except the deliberate differences below) and accepted documents must read the same:
 * types, members (last duplicate wins), elements, decoded strings, booleans, integers. */
#include "config.h"
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "jdoc.h"
#include "xalloc.h"

#define MAXD 64

static bool keys_differ, jc_pair_bug;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Deliberate differences, where json-c strict accepts what RFC 8259 rejects: a raw control
 * character inside a string; a single-quoted object key {'a':1}; numbers "1." / "1.e3" /
 * "-.5", leading zeros "00" / "-01"; NaN, Infinity. True when the input has one of them
 * (a rough lexer, erring towards true). */
static bool has_deliberate_difference(const unsigned char *s, size_t n)
{
    bool in_str = false;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
            else if (c < 0x20)
                return true;
            continue;
        }
        if (c == '"')
            in_str = true;
        else if (c == 'N' || c == 'I' || c == '\'')
            return true;
        else if (c == '.' && (i + 1 >= n || s[i + 1] < '0' || s[i + 1] > '9' || i == 0 ||
                              s[i - 1] < '0' || s[i - 1] > '9'))
            return true;
        else if (c == '0' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9' &&
                 (i == 0 || !((s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '.' ||
                              s[i - 1] == 'e' || s[i - 1] == 'E' || s[i - 1] == '+' ||
                              (s[i - 1] == '-' && i >= 2 && (s[i - 2] == 'e' || s[i - 2] == 'E')))))
            return true;
    }
    return false;
}

static int hexv(unsigned char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static long hex4v(const unsigned char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexv(p[i]);
        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

/* json-c 0.16 turns an escaped surrogate pair whose code point has its low 16 bits in
 * D800-DFFF (U+1D800-U+1DFFF, U+2D800-..., U+10D800-U+10DFFF) into U+FFFD; jdoc decodes
 * it. True when the input has such a pair. */
static bool has_jc_pair_bug(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != '\\')
            continue;
        if (s[i + 1] == 'u' && n - i >= 12 && s[i + 6] == '\\' && s[i + 7] == 'u') {
            long hi = hex4v(s + i + 2), lo = hex4v(s + i + 8);
            if (hi >= 0xD800 && hi <= 0xDBFF && lo >= 0xDC00 && lo <= 0xDFFF &&
                (((0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)) & 0xF800) == 0xD800))
                return true;
        }
        i++; /* the escaped character */
    }
    return false;
}

static int depth_of(struct json_object *o)
{
    int m = 0;

    if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, k, v) {
            (void)k;
            int dd = depth_of(v);
            m = dd > m ? dd : m;
        }
        return m + 1;
    }
    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++) {
            int dd = depth_of(json_object_array_get_idx(o, i));
            m = dd > m ? dd : m;
        }
        return m + 1;
    }
    return 0;
}

static void same(struct jnode *n, struct json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_null:
        if (jnode_type(n) != JT_NULL)
            abort();
        break;
    case json_type_boolean:
        if (jnode_type(n) != JT_BOOL || jnode_bool(n) != (bool)json_object_get_boolean(o))
            abort();
        break;
    case json_type_int:
    case json_type_double: {
        int64_t i;
        double d;
        size_t rl;
        const char *raw = jnode_raw(n, &rl);
        int kind = jnode_num(n, &i, &d);
        if (jnode_type(n) != JT_NUMBER || kind == 0)
            abort();
        /* integer literals that fit in int64 (at most 18 digits) must read the same */
        if (kind == 1 && rl <= 18 && json_object_is_type(o, json_type_int) &&
            i != json_object_get_int64(o))
            abort();
        if (kind == 1 && memchr(raw, '.', rl))
            abort();
        break;
    }
    case json_type_string: {
        size_t l;
        const char *s = jnode_str(n, &l);
        if (s == NULL || s[l] != '\0')
            abort();
        if ((l != (size_t)json_object_get_string_len(o) ||
             memcmp(s, json_object_get_string(o), l) != 0) && !jc_pair_bug)
            abort();
        break;
    }
    case json_type_array: {
        struct jiter it;
        const char *k;
        struct jnode *v;
        size_t i = 0;
        if (jnode_type(n) != JT_ARRAY || jnode_size(n) != json_object_array_length(o))
            abort();
        jiter_init(&it, n);
        while (jiter_next(&it, &k, &v)) {
            if (k != NULL)
                abort();
            same(v, json_object_array_get_idx(o, i++));
        }
        if (i != json_object_array_length(o))
            abort();
        break;
    }
    case json_type_object: {
        struct jiter it;
        const char *k;
        struct jnode *v;
        size_t members = 0;
        if (jnode_type(n) != JT_OBJECT)
            abort();
        /* every json-c member (last duplicate) is what jnode_get finds; json-c cuts a key
         * at a NUL byte, so member values are compared only without \u0000 in the input */
        json_object_object_foreach(o, key, val) {
            if (keys_differ) {
                members++;
                continue;
            }
            struct jnode *m = jnode_get(n, key, strlen(key));
            if (m == NULL)
                abort();
            same(m, val);
            members++;
        }
        /* every jdoc key exists in json-c; keys with a NUL byte are cut by json-c */
        jiter_init(&it, n);
        size_t seen = 0;
        while (jiter_next(&it, &k, &v)) {
            struct json_object *jv;
            seen++;
            if (!jc_pair_bug && !json_object_object_get_ex(o, k, &jv))
                abort();
        }
        if (seen != jnode_size(n) || seen < members)
            abort();
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct jdoc *d;
    struct json_tokener *tok;
    struct json_object *o;
    char *cp;
    size_t end, at = SIZE_MAX;
    bool jc_ok;

    if (size > (1u << 20))
        return 0;
    if (d == NULL)
        d = jdoc_new(MAXD);
    tok = json_tokener_new_ex(1000);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    cp = xmalloc(size + 1);
    memcpy(cp, data, size);
    cp[size] = '\0';
    o = json_tokener_parse_ex(tok, cp, (int)size + 1);
    jc_ok = json_tokener_get_error(tok) == json_tokener_success; /* a top-level null is NULL */
    end = json_tokener_get_parse_end(tok);
    while (jc_ok && end < size && cp[end] != '\0' && strchr(" \t\r\n", cp[end]))
        end++;
    if (jc_ok && end < size) {
        json_object_put(o);
        o = NULL;
        jc_ok = false;
    }
    json_tokener_free(tok);

    struct jnode *r = jdoc_parse(d, (const char *)data, size, &at);
    if (r == NULL && at > size)
        abort();
    if (r != NULL && !jc_ok)
        abort(); /* jdoc accepts what json-c rejects: never deliberate */
    if (r == NULL && jc_ok && depth_of(o) <= MAXD &&
        !has_deliberate_difference(data, size))
        abort();
    if (r != NULL) {
        size_t rl;
        const char *raw = jnode_raw(r, &rl);
        size_t lead = 0;
        while (lead < size && strchr(" \t\r\n", data[lead]) && data[lead] != '\0')
            lead++;
        if (rl > size - lead || memcmp(raw, data + lead, rl) != 0)
            abort();
        jc_pair_bug = has_jc_pair_bug(data, size);
        keys_differ = jc_pair_bug || memmem(data, size, "\\u0000", 6) != NULL;
        same(r, o);
    }
    json_object_put(o);
    free(cp);
    return 0;
}
