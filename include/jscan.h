/* jscan.h - zero-allocation, in-place JSON tokenizer for the normalizer's hot path, and a
 * small read-only node view that works the same over its tokens and over json-c objects.
 * Knows nothing of ECE documents. */
#ifndef ECE_JSCAN_H
#define ECE_JSCAN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

enum jtype { JT_NONE = 0, JT_NULL, JT_FALSE, JT_TRUE, JT_NUM, JT_STR, JT_OBJ, JT_ARR };

#define JSCAN_MAX_DEPTH 64

struct jtok {
    uint32_t off;  /* offset in the buffer (strings: the unescaped, NUL-terminated bytes) */
    uint32_t len;  /* strings/numbers: bytes; objects: members; arrays: elements */
    uint32_t end;  /* index of the first token after this subtree */
    uint8_t type;  /* enum jtype */
};

struct jdoc {
    char *buf;
    struct jtok *tok;
    uint32_t ntok;
    uint32_t cap;
    size_t err_off; /* byte offset of a syntax error */
};

enum { JSCAN_OK = 0, JSCAN_SYNTAX = -1, JSCAN_FULL = -2 };

/**
 * @brief Tokenize @p len bytes of @p buf in place (strings are unescaped and NUL-terminated inside
 * @p buf). Tokens go to @p tok (capacity @p cap). Returns JSCAN_OK, JSCAN_SYNTAX (d->err_off set)
 * or JSCAN_FULL (more tokens or nesting than allowed: fall back to json-c).
 */
int jscan_parse(struct jdoc *d, char *buf, size_t len, struct jtok *tok, uint32_t cap);

/* A node: a token of a jdoc, or a json-c object. Both NULL = absent (JSON null counts as absent
 * for json-c, so callers treat JT_NULL and JT_NONE alike). */
struct jn {
    const struct jdoc *d;
    uint32_t t;
    struct json_object *jo;
};

static inline bool jn_ok(struct jn n) { return n.d != NULL || n.jo != NULL; }
static inline struct jn jn_none(void) { struct jn n = { NULL, 0, NULL }; return n; }
static inline struct jn jn_root(const struct jdoc *d) { struct jn n = { d, 0, NULL }; return n; }
static inline struct jn jn_jc(struct json_object *jo) { struct jn n = { NULL, 0, jo }; return n; }

enum jtype jn_type(struct jn n);
/** @brief Member @p key of object @p obj (the last one when duplicated), or absent. */
struct jn jn_get(struct jn obj, const char *key, size_t klen);
/** @brief "a.b.c": a literal dotted key at any level, or nested objects, or a mix. */
struct jn jn_path(struct jn obj, const char *dotted);
/** @brief String bytes (NUL-terminated, may contain NUL), or NULL when not a string. */
const char *jn_str(struct jn n, size_t *len);
/** @brief Integer from a JSON number or a decimal string ("401", "1711", "-3", "2.5" -> 2). */
bool jn_i64(struct jn n, int64_t *v);
/** @brief Boolean from true/false or the strings "true"/"false". */
bool jn_bool(struct jn n, bool *v);

/* Iteration over object members (key set) or array elements (key NULL). */
struct jit {
    struct jn parent;
    uint32_t i;
    size_t idx, n;
    const void *c_it[2]; /* json-c object iterator state (current, end) */
    bool c_obj;
};
void jit_init(struct jit *it, struct jn container);
bool jit_next(struct jit *it, const char **key, size_t *klen, struct jn *val);

#endif
