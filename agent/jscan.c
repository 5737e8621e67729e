/* jscan.c - in-place JSON tokenizer (RFC 8259; raw control characters in strings tolerated, as json-c
 * does) and a node view over its tokens or json-c. No allocation: tokens go to a caller array,
 * strings are unescaped where they lie. Knows nothing of ECE documents. */
#include "config.h"
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include "jscan.h"

#define ONES 0x0101010101010101ULL

struct jp {
    struct jdoc *d;
    char *p, *e;
    int depth;
};

static int syntax(struct jp *jp)
{
    jp->d->err_off = (size_t)(jp->p - jp->d->buf);
    return JSCAN_SYNTAX;
}

static inline void skip_ws(struct jp *jp)
{
    while (jp->p < jp->e && (*jp->p == ' ' || *jp->p == '\n' || *jp->p == '\r' || *jp->p == '\t'))
        jp->p++;
}

static int new_tok(struct jp *jp, enum jtype type, char *at)
{
    struct jdoc *d = jp->d;
    if (d->ntok >= d->cap)
        return -1;
    struct jtok *t = &d->tok[d->ntok];
    t->off = (uint32_t)(at - d->buf);
    t->len = 0;
    t->type = (uint8_t)type;
    t->end = d->ntok + 1;
    return (int)d->ntok++;
}

static int hex4(const char *s, unsigned *v)
{
    unsigned x = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        x <<= 4;
        if (c >= '0' && c <= '9')
            x |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            x |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            x |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *v = x;
    return 0;
}

static char *put_utf8(char *w, unsigned cp)
{
    if (cp < 0x80) {
        *w++ = (char)cp;
    } else if (cp < 0x800) {
        *w++ = (char)(0xC0 | (cp >> 6));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (char)(0xE0 | (cp >> 12));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (char)(0xF0 | (cp >> 18));
        *w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    }
    return w;
}

/* jp->p is on the opening quote. Unescapes in place; the closing quote becomes the NUL. */
static int parse_string(struct jp *jp)
{
    char *r = jp->p + 1, *w, *start = r;
    const char *e = jp->e;
    int t;

    /* 8 bytes at a time until a quote or a backslash */
    while (e - r >= 8) {
        uint64_t v;
        memcpy(&v, r, 8);
        uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');
        uint64_t hit = ((q - ONES) & ~q) | ((b - ONES) & ~b);
        if (hit & (ONES * 0x80))
            break;
        r += 8;
    }
    while (r < e && *r != '"' && *r != '\\')
        r++;
    w = r;
    while (r < e && *r != '"') {
        /* raw control characters are tolerated, as json-c does: an audit line is not dropped for
         * a stray tab; the event layer and the formatters deal with them */
        if (*r != '\\') {
            *w++ = *r++;
            continue;
        }
        if (r + 1 >= e) {
            jp->p = r;
            return syntax(jp);
        }
        switch (r[1]) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (e - r < 6 || hex4(r + 2, &cp) != 0) {
                jp->p = r;
                return syntax(jp);
            }
            r += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF && e - r >= 6 && r[0] == '\\' && r[1] == 'u' &&
                hex4(r + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                r += 6;
            } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD; /* lone surrogate */
            }
            w = put_utf8(w, cp);
            continue;
        }
        default:
            jp->p = r;
            return syntax(jp);
        }
        r += 2;
    }
    if (r >= e) {
        jp->p = r;
        return syntax(jp);
    }
    t = new_tok(jp, JT_STR, start);
    if (t < 0)
        return JSCAN_FULL;
    jp->d->tok[t].len = (uint32_t)(w - start);
    *w = '\0'; /* w <= r, and r is the closing quote */
    jp->p = r + 1;
    return JSCAN_OK;
}

static int parse_number(struct jp *jp)
{
    char *s = jp->p, *p = s;
    const char *e = jp->e;
    int t;

    if (p < e && *p == '-')
        p++;
    if (p >= e)
        goto bad;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    } else {
        goto bad;
    }
    if (p < e && *p == '.') {
        p++;
        if (p >= e || *p < '0' || *p > '9')
            goto bad;
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if (p >= e || *p < '0' || *p > '9')
            goto bad;
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    t = new_tok(jp, JT_NUM, s);
    if (t < 0)
        return JSCAN_FULL;
    jp->d->tok[t].len = (uint32_t)(p - s);
    jp->p = p;
    return JSCAN_OK;
bad:
    jp->p = p;
    return syntax(jp);
}

static int parse_value(struct jp *jp);

static int parse_container(struct jp *jp, bool obj)
{
    int t = new_tok(jp, obj ? JT_OBJ : JT_ARR, jp->p), rc;
    uint32_t n = 0;
    char close = obj ? '}' : ']';

    if (t < 0)
        return JSCAN_FULL;
    if (++jp->depth > JSCAN_MAX_DEPTH)
        return JSCAN_FULL;
    jp->p++;
    skip_ws(jp);
    if (jp->p < jp->e && *jp->p == close) {
        jp->p++;
        goto done;
    }
    for (;;) {
        skip_ws(jp);
        if (obj) {
            if (jp->p >= jp->e || *jp->p != '"')
                return syntax(jp);
            if ((rc = parse_string(jp)) != JSCAN_OK)
                return rc;
            skip_ws(jp);
            if (jp->p >= jp->e || *jp->p != ':')
                return syntax(jp);
            jp->p++;
        }
        if ((rc = parse_value(jp)) != JSCAN_OK)
            return rc;
        n++;
        skip_ws(jp);
        if (jp->p >= jp->e)
            return syntax(jp);
        if (*jp->p == ',') {
            jp->p++;
            continue;
        }
        if (*jp->p == close) {
            jp->p++;
            break;
        }
        return syntax(jp);
    }
done:
    jp->depth--;
    jp->d->tok[t].len = n;
    jp->d->tok[t].end = jp->d->ntok;
    return JSCAN_OK;
}

static int parse_literal(struct jp *jp, const char *lit, size_t n, enum jtype type)
{
    if ((size_t)(jp->e - jp->p) < n || memcmp(jp->p, lit, n) != 0)
        return syntax(jp);
    if (new_tok(jp, type, jp->p) < 0)
        return JSCAN_FULL;
    jp->p += n;
    return JSCAN_OK;
}

static int parse_value(struct jp *jp)
{
    skip_ws(jp);
    if (jp->p >= jp->e)
        return syntax(jp);
    switch (*jp->p) {
    case '{': return parse_container(jp, true);
    case '[': return parse_container(jp, false);
    case '"': return parse_string(jp);
    case 't': return parse_literal(jp, "true", 4, JT_TRUE);
    case 'f': return parse_literal(jp, "false", 5, JT_FALSE);
    case 'n': return parse_literal(jp, "null", 4, JT_NULL);
    default: return parse_number(jp);
    }
}

int jscan_parse(struct jdoc *d, char *buf, size_t len, struct jtok *tok, uint32_t cap)
{
    struct jp jp = { d, buf, buf + len, 0 };
    int rc;

    d->buf = buf;
    d->tok = tok;
    d->cap = cap;
    d->ntok = 0;
    d->err_off = 0;
    if (len >= UINT32_MAX)
        return JSCAN_FULL;
    if ((rc = parse_value(&jp)) != JSCAN_OK)
        return rc;
    skip_ws(&jp);
    if (jp.p != jp.e)
        return syntax(&jp);
    return JSCAN_OK;
}

/* ---- node view ---- */

enum jtype jn_type(struct jn n)
{
    if (n.d)
        return (enum jtype)n.d->tok[n.t].type;
    if (!n.jo)
        return JT_NONE;
    switch (json_object_get_type(n.jo)) {
    case json_type_null: return JT_NULL;
    case json_type_boolean: return json_object_get_boolean(n.jo) ? JT_TRUE : JT_FALSE;
    case json_type_double:
    case json_type_int: return JT_NUM;
    case json_type_string: return JT_STR;
    case json_type_object: return JT_OBJ;
    case json_type_array: return JT_ARR;
    }
    return JT_NONE;
}

void jit_init(struct jit *it, struct jn c)
{
    memset(it, 0, sizeof(*it));
    it->parent = c;
    if (c.d) {
        it->i = c.t + 1;
        return;
    }
    if (!c.jo)
        return;
    if (json_object_is_type(c.jo, json_type_object)) {
        struct json_object_iterator b = json_object_iter_begin(c.jo), e = json_object_iter_end(c.jo);
        it->c_obj = true;
        it->c_it[0] = b.opaque_;
        it->c_it[1] = e.opaque_;
    } else if (json_object_is_type(c.jo, json_type_array)) {
        it->n = json_object_array_length(c.jo);
    }
}

bool jit_next(struct jit *it, const char **key, size_t *klen, struct jn *val)
{
    struct jn c = it->parent;

    *key = NULL;
    *klen = 0;
    *val = jn_none();
    if (c.d) {
        const struct jtok *pt = &c.d->tok[c.t];
        if ((pt->type != JT_OBJ && pt->type != JT_ARR) || it->i >= pt->end)
            return false;
        if (pt->type == JT_OBJ) {
            const struct jtok *k = &c.d->tok[it->i];
            *key = c.d->buf + k->off;
            *klen = k->len;
            it->i++;
        }
        val->d = c.d;
        val->t = it->i;
        it->i = c.d->tok[it->i].end;
        return true;
    }
    if (it->c_obj) {
        struct json_object_iterator cur = { it->c_it[0] }, end = { it->c_it[1] };
        if (json_object_iter_equal(&cur, &end))
            return false;
        *key = json_object_iter_peek_name(&cur);
        *klen = strlen(*key);
        val->jo = json_object_iter_peek_value(&cur);
        json_object_iter_next(&cur);
        it->c_it[0] = cur.opaque_;
        return true;
    }
    if (it->idx >= it->n)
        return false;
    val->jo = json_object_array_get_idx(c.jo, it->idx++);
    return true;
}

struct jn jn_get(struct jn obj, const char *key, size_t klen)
{
    struct jn found = jn_none();

    if (obj.d) {
        const struct jtok *pt = &obj.d->tok[obj.t];
        if (pt->type != JT_OBJ)
            return found;
        for (uint32_t i = obj.t + 1; i < pt->end;) {
            const struct jtok *k = &obj.d->tok[i];
            if (k->len == klen && memcmp(obj.d->buf + k->off, key, klen) == 0) {
                found.d = obj.d;
                found.t = i + 1;
            }
            i = obj.d->tok[i + 1].end;
        }
        return found;
    }
    if (obj.jo && json_object_is_type(obj.jo, json_type_object)) {
        char kb[128];
        struct json_object *v = NULL;
        if (klen >= sizeof(kb))
            return found;
        memcpy(kb, key, klen);
        kb[klen] = '\0';
        if (json_object_object_get_ex(obj.jo, kb, &v))
            found.jo = v;
    }
    return found;
}

static struct jn path_rec(struct jn obj, const char *s, size_t len, int depth)
{
    struct jn v = jn_get(obj, s, len);

    if (jn_ok(v) || depth > 8)
        return v;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '.')
            continue;
        struct jn head = jn_get(obj, s, i);
        if (jn_type(head) == JT_OBJ) {
            v = path_rec(head, s + i + 1, len - i - 1, depth + 1);
            if (jn_ok(v))
                return v;
        }
    }
    return jn_none();
}

struct jn jn_path(struct jn obj, const char *dotted)
{
    return path_rec(obj, dotted, strlen(dotted), 0);
}

const char *jn_str(struct jn n, size_t *len)
{
    if (n.d) {
        const struct jtok *t = &n.d->tok[n.t];
        if (t->type != JT_STR)
            return NULL;
        *len = t->len;
        return n.d->buf + t->off;
    }
    if (n.jo && json_object_is_type(n.jo, json_type_string)) {
        *len = (size_t)json_object_get_string_len(n.jo);
        return json_object_get_string(n.jo);
    }
    return NULL;
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

bool jn_i64(struct jn n, int64_t *v)
{
    size_t len;
    const char *s;

    if (n.d) {
        const struct jtok *t = &n.d->tok[n.t];
        if (t->type != JT_NUM && t->type != JT_STR)
            return false;
        return dec_i64(n.d->buf + t->off, t->len, v);
    }
    if (!n.jo)
        return false;
    if (json_object_is_type(n.jo, json_type_int)) {
        *v = json_object_get_int64(n.jo);
        return true;
    }
    if (json_object_is_type(n.jo, json_type_double)) {
        double x = json_object_get_double(n.jo);
        if (!(x > -9.2e18 && x < 9.2e18))
            return false;
        *v = (int64_t)x;
        return true;
    }
    if ((s = jn_str(n, &len)) != NULL)
        return dec_i64(s, len, v);
    return false;
}

bool jn_bool(struct jn n, bool *v)
{
    size_t len;
    const char *s;

    switch (jn_type(n)) {
    case JT_TRUE: *v = true; return true;
    case JT_FALSE: *v = false; return true;
    case JT_STR:
        s = jn_str(n, &len);
        if (len == 4 && strncasecmp(s, "true", 4) == 0) {
            *v = true;
            return true;
        }
        if (len == 5 && strncasecmp(s, "false", 5) == 0) {
            *v = false;
            return true;
        }
        return false;
    default: return false;
    }
}
