/* jdoc.h - a JSON document read in one pass for the hot path (audit documents and search
 * pages): jsmn tokens (Debian libjsmn-dev) checked against the JSON grammar, kept as an array
 * of nodes. Lookups allocate nothing; strings are unescaped into the document's arena on first
 * read. json-c stays for everything else (config, checkpoint, rule state, ES errors).
 * A document is used by one thread at a time. */
#ifndef ECE_JDOC_H
#define ECE_JDOC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jtype { JT_NULL, JT_BOOL, JT_NUMBER, JT_STRING, JT_ARRAY, JT_OBJECT };

struct jdoc;    /* reusable: each jdoc_parse replaces the previous document */
struct jnode;   /* a value inside a jdoc; valid until the next jdoc_parse or jdoc_free */

/** @brief A parser whose documents may nest at most @p max_depth containers deep. */
struct jdoc *jdoc_new(int max_depth);
void jdoc_free(struct jdoc *d);

/**
 * @brief Parse exactly one JSON value from @p text (@p len bytes, NUL bytes allowed; the text
 * is copied), with only whitespace (space, tab, CR, LF) around it. Strict RFC 8259: no
 * trailing commas, no comments, no raw control characters in strings, valid escapes,
 * numbers and literals as the grammar says. Invalid UTF-8 is accepted (as json-c does).
 * @return the root, or NULL when the text is not such a value (*@p err_at: byte offset of
 * the problem, may be NULL), or when nesting exceeds max_depth.
 */
struct jnode *jdoc_parse(struct jdoc *d, const char *text, size_t len, size_t *err_at);

enum jtype jnode_type(const struct jnode *n);

/** @brief Member named by the @p klen bytes at @p key (compared after unescaping); when a
 * key repeats, the last one wins (as in json-c). NULL when @p obj is not an object or has
 * no such member. A member whose value is null is returned (type JT_NULL). */
struct jnode *jnode_get(struct jnode *obj, const char *key, size_t klen);

/** @brief Number of members of an object or elements of an array; 0 for the others. */
size_t jnode_size(const struct jnode *n);

/** @brief String value, unescaped (UTF-8, as json-c decodes it, surrogate pairs included),
 * NUL-terminated, may contain NUL bytes (use *@p len). NULL when @p n is not a string. */
const char *jnode_str(struct jnode *n, size_t *len);

/**
 * @brief Number value. Returns 1 for an integer literal (no fraction, no exponent) in
 * *@p i, saturated to INT64_MIN/INT64_MAX on overflow; 2 for any other number in *@p d
 * (strtod); 0 when @p n is not a number.
 */
int jnode_num(const struct jnode *n, int64_t *i, double *d);

/** @brief true/false literal; false when @p n is not a boolean (check jnode_type). */
bool jnode_bool(const struct jnode *n);

/** @brief The value's original text, exactly as in the input (escapes and all). */
const char *jnode_raw(const struct jnode *n, size_t *len);

/* Iteration over an object's members (key set, unescaped and NUL-terminated) or an array's
 * elements (key NULL), in document order. */
struct jiter {
    struct jnode *next;
    size_t left;
    bool object;
};
void jiter_init(struct jiter *it, struct jnode *container);
bool jiter_next(struct jiter *it, const char **key, struct jnode **val);

#endif
