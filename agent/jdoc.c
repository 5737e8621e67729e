/* jdoc.c - the hot-path JSON reader: jsmn finds the lexemes, a grammar walk over them and the
 * gaps between them rejects what jsmn lets through, and the result is an array of nodes.
 * Knows nothing of audit events or Elasticsearch; only RFC 8259 and json-c's decoding. */
#include "config.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#include <jsmn.h>
#pragma GCC diagnostic pop
#include "ascii.h"
#include "jdoc.h"
#include "xalloc.h"

#define JDOC_MAX_LEN  ((size_t)INT_MAX - 16) /* jsmn keeps offsets in int */
#define NF_ESC        1                      /* string: has a backslash */
#define NF_INT        2                      /* number: integer literal */
#define NF_DECODED    4                      /* string: decoded into the arena */

struct jnode {
    struct jdoc *doc;
    uint32_t start, len; /* raw value text (strings: quotes included) */
    uint32_t sub;        /* nodes in the subtree, this one included */
    uint32_t nchild;     /* members (objects) or elements (arrays) */
    uint32_t doff, dlen; /* decoded string in the arena */
    uint8_t type, flags;
};

struct jdoc {
    int max_depth;
    char *text; /* copy of the input + ' ' + NUL */
    size_t textcap;
    jsmntok_t *tok;
    size_t tokcap;
    struct jnode *node;
    size_t nodecap;
    uint32_t *stack; /* open containers during the walk */
    size_t stackcap;
    char *arena; /* decoded strings; sized at parse time, never moves while the doc lives */
    size_t arenacap, arenaused;
    size_t nstr; /* string tokens of the last walk */
};

struct jdoc *jdoc_new(int max_depth)
{
    struct jdoc *d = xcalloc(1, sizeof(*d));
    d->max_depth = max_depth < 1 ? 1 : max_depth;
    return d;
}

void jdoc_free(struct jdoc *d)
{
    if (d == NULL)
        return;
    free(d->text);
    free(d->tok);
    free(d->node);
    free(d->stack);
    free(d->arena);
    free(d);
}

/* Grow *p to hold n elements of sz bytes (never shrinks). 0, or -1 on overflow / no memory. */
static int reserve(void **p, size_t *cap, size_t n, size_t sz)
{
    void *np;
    size_t want;

    if (n <= *cap)
        return 0;
    want = *cap ? *cap : 16;
    while (want < n) {
        if (want > SIZE_MAX / 2)
            return -1;
        want *= 2;
    }
    if (want > SIZE_MAX / sz)
        return -1;
    np = realloc(*p, want * sz);
    if (np == NULL)
        return -1;
    *p = np;
    *cap = want;
    return 0;
}

/* true when one of the 8 bytes is < 0x20 or a backslash */
static inline bool word_special(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t bs = w ^ (ones * '\\');
    return (((w - ones * 0x20) & ~w) | ((bs - ones) & ~bs)) & highs;
}

/* Check a string's content [s, e): no raw control characters, valid escapes.
 * Returns the offset of the problem or SIZE_MAX; sets *esc when there is a backslash. */
static size_t check_string(const unsigned char *t, size_t s, size_t e, bool *esc)
{
    size_t i = s;

    *esc = false;
    while (i < e) {
        if (e - i >= 8) {
            uint64_t w;
            memcpy(&w, t + i, 8);
            if (!word_special(w)) {
                i += 8;
                continue;
            }
        }
        unsigned char c = t[i];
        if (c < 0x20)
            return i;
        if (c != '\\') {
            i++;
            continue;
        }
        *esc = true;
        if (i + 1 >= e)
            return i;
        switch (t[i + 1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            i += 2;
            break;
        case 'u':
            if (e - i < 6 || ascii_hexval(t[i + 2]) < 0 || ascii_hexval(t[i + 3]) < 0 ||
                ascii_hexval(t[i + 4]) < 0 || ascii_hexval(t[i + 5]) < 0)
                return i;
            i += 6;
            break;
        default:
            return i;
        }
    }
    return SIZE_MAX;
}

/* Check a primitive [s, e) against the literal and number grammar. Returns the offset of
 * the problem or SIZE_MAX; sets *isint for integer literals, *type. */
static size_t check_primitive(const unsigned char *t, size_t s, size_t e, bool *isint,
                              uint8_t *type)
{
    size_t n = e - s, i = s;

    *isint = false;
    if (t[s] == 't' || t[s] == 'f' || t[s] == 'n') {
        if ((n == 4 && memcmp(t + s, "true", 4) == 0) || (n == 5 && memcmp(t + s, "false", 5) == 0))
            *type = JT_BOOL;
        else if (n == 4 && memcmp(t + s, "null", 4) == 0)
            *type = JT_NULL;
        else
            return s;
        return SIZE_MAX;
    }
    *type = JT_NUMBER;
    if (i < e && t[i] == '-')
        i++;
    if (i >= e)
        return i;
    if (t[i] == '0') {
        i++;
    } else if (t[i] >= '1' && t[i] <= '9') {
        while (i < e && t[i] >= '0' && t[i] <= '9')
            i++;
    } else {
        return i;
    }
    *isint = true;
    if (i < e && t[i] == '.') {
        *isint = false;
        i++;
        if (i >= e || t[i] < '0' || t[i] > '9')
            return i;
        while (i < e && t[i] >= '0' && t[i] <= '9')
            i++;
    }
    if (i < e && (t[i] == 'e' || t[i] == 'E')) {
        *isint = false;
        i++;
        if (i < e && (t[i] == '+' || t[i] == '-'))
            i++;
        if (i >= e || t[i] < '0' || t[i] > '9')
            return i;
        while (i < e && t[i] >= '0' && t[i] <= '9')
            i++;
    }
    return i == e ? SIZE_MAX : i;
}

enum { ST_VALUE, ST_KEY, ST_AFTER };

/* The grammar walk over the tokens; builds d->node. Returns the node count, or fails with
 * *err_at set. */
static int walk(struct jdoc *d, size_t n, size_t ntok, size_t *err_at)
{
    const unsigned char *t = (const unsigned char *)d->text;
    const jsmntok_t *tok = d->tok;
    struct jnode *node = d->node;
    size_t pos = 0, k = 0, depth = 0, bad;
    int st = ST_VALUE;

    d->nstr = 0;
    while (ascii_is_json_ws(t[pos]))
        pos++;
    for (;;) {
        if (st == ST_AFTER) {
            while (ascii_is_json_ws(t[pos]))
                pos++;
            if (depth == 0) {
                if (pos != n + 1 || k != ntok)
                    goto fail;
                return 0;
            }
            struct jnode *top = &node[d->stack[depth - 1]];
            unsigned char close = top->type == JT_OBJECT ? '}' : ']';
            if (t[pos] == ',') {
                pos++;
                while (ascii_is_json_ws(t[pos]))
                    pos++;
                top->nchild++;
                st = top->type == JT_OBJECT ? ST_KEY : ST_VALUE;
                continue;
            }
            if (t[pos] != close || pos + 1 != top->start + (size_t)top->len)
                goto fail;
            top->sub = (uint32_t)(k - d->stack[depth - 1]);
            depth--;
            pos++;
            continue;
        }
        /* ST_VALUE or ST_KEY: token k must start here */
        if (k >= ntok)
            goto fail;
        const jsmntok_t *tk = &tok[k];
        struct jnode *nd = &node[k];
        nd->doc = d;
        nd->sub = 1;
        nd->nchild = 0;
        nd->flags = 0;
        if (tk->type == JSMN_STRING) {
            bool esc;
            if (t[pos] != '"' || (size_t)tk->start != pos + 1 || t[tk->end] != '"')
                goto fail;
            bad = check_string(t, (size_t)tk->start, (size_t)tk->end, &esc);
            if (bad != SIZE_MAX) {
                pos = bad;
                goto fail;
            }
            d->nstr++;
            nd->type = JT_STRING;
            nd->flags = esc ? NF_ESC : 0;
            nd->start = (uint32_t)pos;
            nd->len = (uint32_t)((size_t)tk->end + 1 - pos);
            pos = (size_t)tk->end + 1;
            k++;
            if (st == ST_KEY) {
                while (ascii_is_json_ws(t[pos]))
                    pos++;
                if (t[pos] != ':')
                    goto fail;
                pos++;
                while (ascii_is_json_ws(t[pos]))
                    pos++;
                st = ST_VALUE;
            } else {
                st = ST_AFTER;
            }
            continue;
        }
        if (st == ST_KEY || (size_t)tk->start != pos)
            goto fail;
        if (tk->type == JSMN_PRIMITIVE) {
            bool isint;
            bad = check_primitive(t, pos, (size_t)tk->end, &isint, &nd->type);
            if (bad != SIZE_MAX) {
                pos = bad;
                goto fail;
            }
            nd->flags = isint ? NF_INT : 0;
            nd->start = (uint32_t)pos;
            nd->len = (uint32_t)((size_t)tk->end - pos);
            pos = (size_t)tk->end;
            k++;
            st = ST_AFTER;
            continue;
        }
        /* a container */
        if (depth >= (size_t)d->max_depth || tk->end <= tk->start)
            goto fail;
        if (reserve((void **)&d->stack, &d->stackcap, depth + 1, sizeof(*d->stack)) != 0)
            goto fail;
        nd->type = tk->type == JSMN_OBJECT ? JT_OBJECT : JT_ARRAY;
        nd->start = (uint32_t)pos;
        nd->len = (uint32_t)((size_t)tk->end - pos);
        d->stack[depth++] = (uint32_t)k;
        k++;
        pos++;
        while (ascii_is_json_ws(t[pos]))
            pos++;
        if (t[pos] == (nd->type == JT_OBJECT ? '}' : ']')) {
            st = ST_AFTER; /* the close is checked there */
            continue;
        }
        nd->nchild = 1;
        st = nd->type == JT_OBJECT ? ST_KEY : ST_VALUE;
    }
fail:
    if (err_at)
        *err_at = pos < n ? pos : n;
    return -1;
}

struct jnode *jdoc_parse(struct jdoc *d, const char *text, size_t len, size_t *err_at)
{
    jsmn_parser p;
    int r;
    size_t ntok;

    if (err_at)
        *err_at = 0;
    d->arenaused = 0;
    if (len > JDOC_MAX_LEN || reserve((void **)&d->text, &d->textcap, len + 2, 1) != 0)
        return NULL;
    memcpy(d->text, text, len);
    d->text[len] = ' '; /* jsmn strict wants a delimiter after a top-level primitive */
    d->text[len + 1] = '\0';
    if (d->tokcap == 0 &&
        reserve((void **)&d->tok, &d->tokcap, len / 8 + 16, sizeof(*d->tok)) != 0)
        return NULL;
    jsmn_init(&p);
    for (;;) {
        unsigned int cap = d->tokcap > UINT_MAX ? UINT_MAX : (unsigned int)d->tokcap;
        r = jsmn_parse(&p, d->text, len + 1, d->tok, cap);
        if (r != JSMN_ERROR_NOMEM)
            break;
        if (reserve((void **)&d->tok, &d->tokcap, d->tokcap + 1, sizeof(*d->tok)) != 0)
            return NULL;
    }
    if (r < 0) {
        if (err_at)
            *err_at = p.pos < len ? p.pos : len;
        return NULL;
    }
    ntok = p.toknext;
    if (ntok == 0) {
        if (err_at)
            *err_at = len;
        return NULL;
    }
    if (reserve((void **)&d->node, &d->nodecap, ntok, sizeof(*d->node)) != 0)
        return NULL;
    if (walk(d, len, ntok, err_at) != 0)
        return NULL;
    if (reserve((void **)&d->arena, &d->arenacap, len + d->nstr + 1, 1) != 0)
        return NULL;
    return &d->node[0];
}

enum jtype jnode_type(const struct jnode *n)
{
    return (enum jtype)n->type;
}

size_t jnode_size(const struct jnode *n)
{
    return n->type == JT_OBJECT || n->type == JT_ARRAY ? n->nchild : 0;
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

static unsigned hex4(const unsigned char *p)
{
    return (unsigned)(ascii_hexval(p[0]) << 12 | ascii_hexval(p[1]) << 8 |
                      ascii_hexval(p[2]) << 4 | ascii_hexval(p[3]));
}

/* Unescape the (validated) content [s, e) into o as json-c 0.16 does: a lone or unpaired
 * surrogate becomes U+FFFD. Returns the end of the output. */
static char *decode(char *o, const unsigned char *t, size_t s, size_t e)
{
    size_t i = s;

    while (i < e) {
        const unsigned char *bs = memchr(t + i, '\\', e - i);
        size_t run = bs ? (size_t)(bs - t) - i : e - i;
        memcpy(o, t + i, run);
        o += run;
        i += run;
        if (i >= e)
            break;
        unsigned char c = t[i + 1];
        i += 2;
        switch (c) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp = hex4(t + i);
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (e - i >= 6 && t[i] == '\\' && t[i + 1] == 'u') {
                    unsigned lo = hex4(t + i + 2);
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                        o = put_utf8(o, cp);
                        break;
                    }
                }
                cp = 0xFFFD;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            o = put_utf8(o, cp);
            break;
        }
        default: *o++ = (char)c; break; /* " \ / */
        }
    }
    return o;
}

/* Decoded content of a string node, cached in the arena. */
static const char *str_of(struct jnode *n, size_t *len)
{
    struct jdoc *d = n->doc;

    if (!(n->flags & NF_DECODED)) {
        char *o = d->arena + d->arenaused, *end;
        const unsigned char *t = (const unsigned char *)d->text;
        size_t s = n->start + 1, e = (size_t)n->start + n->len - 1;
        if (n->flags & NF_ESC) {
            end = decode(o, t, s, e);
        } else {
            memcpy(o, t + s, e - s);
            end = o + (e - s);
        }
        *end = '\0';
        n->doff = (uint32_t)d->arenaused;
        n->dlen = (uint32_t)(end - o);
        d->arenaused += n->dlen + 1;
        n->flags |= NF_DECODED;
    }
    *len = n->dlen;
    return d->arena + n->doff;
}

const char *jnode_str(struct jnode *n, size_t *len)
{
    size_t l;
    const char *s;

    if (n == NULL || n->type != JT_STRING)
        return NULL;
    s = str_of(n, &l);
    if (len)
        *len = l;
    return s;
}

struct jnode *jnode_get(struct jnode *obj, const char *key, size_t klen)
{
    struct jnode *k, *found = NULL;
    const char *text;

    if (obj == NULL || obj->type != JT_OBJECT)
        return NULL;
    text = obj->doc->text;
    k = obj + 1;
    for (uint32_t i = 0; i < obj->nchild; i++) {
        struct jnode *v = k + 1;
        if (k->flags & NF_ESC) {
            size_t l;
            const char *s = str_of(k, &l);
            if (l == klen && memcmp(s, key, klen) == 0)
                found = v;
        } else if ((size_t)k->len - 2 == klen && memcmp(text + k->start + 1, key, klen) == 0) {
            found = v;
        }
        k = v + v->sub;
    }
    return found;
}

int jnode_num(const struct jnode *n, int64_t *i, double *dv)
{
    const char *s;

    if (n == NULL || n->type != JT_NUMBER)
        return 0;
    s = n->doc->text + n->start;
    if (n->flags & NF_INT) {
        bool neg = s[0] == '-';
        uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (size_t k = neg; k < n->len; k++) {
            unsigned dg = (unsigned)(s[k] - '0');
            if (v > (lim - dg) / 10) {
                v = lim;
                break;
            }
            v = v * 10 + dg;
        }
        if (i)
            *i = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
        return 1;
    }
    char buf[64], *p = buf;
    if (n->len >= sizeof(buf))
        p = xmalloc((size_t)n->len + 1);
    memcpy(p, s, n->len);
    p[n->len] = '\0';
    if (dv)
        *dv = strtod(p, NULL);
    if (p != buf)
        free(p);
    return 2;
}

bool jnode_bool(const struct jnode *n)
{
    return n != NULL && n->type == JT_BOOL && n->doc->text[n->start] == 't';
}

const char *jnode_raw(const struct jnode *n, size_t *len)
{
    if (len)
        *len = n->len;
    return n->doc->text + n->start;
}

void jiter_init(struct jiter *it, struct jnode *c)
{
    it->object = c != NULL && c->type == JT_OBJECT;
    it->left = c != NULL && (c->type == JT_OBJECT || c->type == JT_ARRAY) ? c->nchild : 0;
    it->next = it->left ? c + 1 : NULL;
}

bool jiter_next(struct jiter *it, const char **key, struct jnode **val)
{
    struct jnode *v;

    if (it->left == 0)
        return false;
    it->left--;
    if (it->object) {
        size_t l;
        if (key)
            *key = str_of(it->next, &l);
        v = it->next + 1;
    } else {
        if (key)
            *key = NULL;
        v = it->next;
    }
    if (val)
        *val = v;
    it->next = v + v->sub;
    return true;
}
