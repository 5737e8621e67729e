/* checkpoint.c - the cursor as a small JSON file: temp + fsync + rename + fsync(dir), 0600.
 * Knows nothing of HTTP or of the agent loop; refuses corrupt files instead of resetting. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checkpoint.h"
#include "es_json.h"
#include "event.h"
#include "strbuf.h"
#include "xalloc.h"

#define CHECKPOINT_MAX_BYTES ((size_t)1024 * 1024 * 1024)
#define RESET_HINT "(move it away to start over from start_at)"

/* identity as stored: the URL without user:password@, the query as sha256 of its
 * whitespace-free form (or null) */
struct ident {
    char url[1024];
    char sha[65];
};

static void ident_make(const struct checkpoint_identity *id, struct ident *out)
{
    const char *u = id->url ? id->url : "", *scheme = strstr(u, "://"), *at, *slash;
    char *norm = NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    at = scheme ? strchr(scheme + 3, '@') : NULL;
    slash = scheme ? strchr(scheme + 3, '/') : NULL;
    if (at != NULL && (slash == NULL || at < slash))
        snprintf(out->url, sizeof(out->url), "%.*s%s", (int)(scheme + 3 - u), u, at + 1);
    else
        snprintf(out->url, sizeof(out->url), "%s", u);
    out->sha[0] = '\0';
    if (id->query == NULL || id->query[strspn(id->query, " \t\r\n")] == '\0')
        return;
    if (es_query_normalize(id->query, &norm, NULL) < 0)
        norm = xstrdup(id->query);
    EVP_Digest(norm, strlen(norm), md, &mdlen, EVP_sha256(), NULL);
    for (unsigned i = 0; i < mdlen && i < 32; i++)
        snprintf(out->sha + 2 * i, 3, "%02x", md[i]);
    free(norm);
}

static int read_file(const char *path, struct strbuf *sb, struct err *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    int rc = -1;

    if (fd < 0 && errno == ENOENT)
        return 0;
    if (fd < 0 && errno == ELOOP)
        return err_set(err, ERR_FATAL, "checkpoint %s is a symbolic link; refusing to follow it "
                                       "(point checkpoint.path at the real file)", path);
    if (fd < 0)
        return err_set(err, ERR_IO, "cannot open checkpoint %s: %s", path, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > CHECKPOINT_MAX_BYTES) {
        err_set(err, ERR_FATAL, "checkpoint %s is not a regular file of at most 1 GiB %s", path,
                RESET_HINT);
        goto out;
    }
    for (;;) {
        char *p = strbuf_reserve(sb, 65536);
        ssize_t n;
        if (p == NULL) {
            err_set(err, ERR_FATAL, "checkpoint %s is larger than 1 GiB %s", path, RESET_HINT);
            goto out;
        }
        n = read(fd, p, 65536);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err_set(err, ERR_IO, "cannot read checkpoint %s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        sb->len += (size_t)n;
        sb->buf[sb->len] = '\0';
    }
    rc = 1;
out:
    close(fd);
    return rc;
}

static struct json_object *member(struct json_object *o, const char *key, enum json_type type,
                                  bool nullable, const char **bad)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(o, key, &v)) {
        *bad = *bad ? *bad : key;
        return NULL;
    }
    if (v == NULL && nullable)
        return NULL;
    if (!json_object_is_type(v, type)) {
        *bad = *bad ? *bad : key;
        return NULL;
    }
    return v;
}

static int check_ident(const char *path, struct json_object *src, const struct ident *want,
                       const struct checkpoint_identity *id, struct err *err)
{
    const char *bad = NULL;
    struct json_object *u = member(src, "url", json_type_string, false, &bad);
    struct json_object *ix = member(src, "index", json_type_string, false, &bad);
    struct json_object *tf = member(src, "timestamp_field", json_type_string, false, &bad);
    struct json_object *q = member(src, "query_sha256", json_type_string, true, &bad);
    const char *qs = q ? json_object_get_string(q) : "";

    if (bad != NULL)
        return err_set(err, ERR_FATAL, "corrupt checkpoint %s: source.%s missing or not a string "
                       RESET_HINT, path, bad);
#define DIFF(field, have, conf)                                                                    \
    if (strcmp(have, conf) != 0)                                                                   \
        return err_set(err, ERR_FATAL, "checkpoint %s belongs to another source: " field          \
                       " is \"%s\" in the checkpoint but \"%s\" in the configuration; start with " \
                       "--reset-checkpoint to discard it and begin at start_at", path, have, conf)
    DIFF("source.url", json_object_get_string(u), want->url);
    DIFF("source.index", json_object_get_string(ix), id->index ? id->index : "");
    DIFF("source.timestamp_field", json_object_get_string(tf),
         id->timestamp_field ? id->timestamp_field : "");
    DIFF("source.query (sha256)", qs, want->sha);
#undef DIFF
    return 0;
}

/* Validate everything before touching the cursor, so a bad file leaves it unchanged. */
static int check_seen(const char *path, struct json_object *seen, struct err *err)
{
    size_t n = json_object_array_length(seen);

    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(seen, i);
        if (!json_object_is_type(e, json_type_array) || json_object_array_length(e) != 3 ||
            !json_object_is_type(json_object_array_get_idx(e, 0), json_type_string) ||
            !json_object_is_type(json_object_array_get_idx(e, 1), json_type_string) ||
            !json_object_is_type(json_object_array_get_idx(e, 2), json_type_int))
            return err_set(err, ERR_FATAL, "corrupt checkpoint %s: seen[%zu] is not "
                           "[\"index\",\"id\",ts_ms] " RESET_HINT, path, i);
    }
    return 0;
}

static int load_tree(const char *path, struct json_object *root,
                     const struct checkpoint_identity *id, struct cursor *cur, char **rules_state,
                     struct err *err)
{
    const char *bad = NULL;
    struct json_object *ver, *src, *wm, *seen, *rules = NULL;
    struct ident want;
    size_t n;

    if (!json_object_is_type(root, json_type_object))
        return err_set(err, ERR_FATAL, "corrupt checkpoint %s: not a JSON object " RESET_HINT,
                       path);
    ver = member(root, "version", json_type_int, false, &bad);
    if (ver != NULL && json_object_get_int64(ver) != CHECKPOINT_VERSION)
        return err_set(err, ERR_FATAL, "checkpoint %s has format version %" PRId64 "; this agent "
                       "reads version %d " RESET_HINT, path, json_object_get_int64(ver),
                       CHECKPOINT_VERSION);
    src = member(root, "source", json_type_object, false, &bad);
    wm = member(root, "watermark_ms", json_type_int, true, &bad);
    seen = member(root, "seen", json_type_array, false, &bad);
    if (bad != NULL)
        return err_set(err, ERR_FATAL, "corrupt checkpoint %s: \"%s\" missing or of the wrong "
                       "type " RESET_HINT, path, bad);
    ident_make(id, &want);
    if (check_ident(path, src, &want, id, err) < 0 || check_seen(path, seen, err) < 0)
        return -1;
    json_object_object_get_ex(root, "rules", &rules);
    if (wm != NULL)
        cursor_set_watermark(cur, json_object_get_int64(wm));
    n = json_object_array_length(seen);
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(seen, i);
        cursor_commit(cur, json_object_get_string(json_object_array_get_idx(e, 0)),
                      json_object_get_string(json_object_array_get_idx(e, 1)),
                      json_object_get_int64(json_object_array_get_idx(e, 2)));
    }
    /* commits of older entries must not move a stored watermark */
    if (wm != NULL)
        cursor_set_watermark(cur, json_object_get_int64(wm) > cursor_watermark(cur)
                                      ? json_object_get_int64(wm) : cursor_watermark(cur));
    if (rules_state != NULL)
        *rules_state = rules != NULL ? xstrdup(json_object_to_json_string_ext(
                                           rules, JSON_C_TO_STRING_PLAIN))
                                     : NULL;
    return 0;
}

int checkpoint_load(const char *path, const struct checkpoint_identity *id, struct cursor *cur,
                    char **rules_state, struct err *err)
{
    struct strbuf sb;
    struct json_tokener *tok = NULL;
    struct json_object *root = NULL;
    size_t end = 0;
    int rc;

    if (rules_state != NULL)
        *rules_state = NULL;
    strbuf_init(&sb, CHECKPOINT_MAX_BYTES);
    rc = read_file(path, &sb, err);
    if (rc <= 0)
        goto out;
    rc = -1;
    tok = json_tokener_new_ex(64);
    root = sb.len > 0 ? json_tokener_parse_ex(tok, sb.buf, (int)sb.len) : NULL;
    if (root != NULL)
        end = json_tokener_get_parse_end(tok);
    if (root == NULL || end + strspn(sb.buf + end, " \t\r\n") != sb.len) {
        err_set(err, ERR_FATAL, "corrupt checkpoint %s: %s " RESET_HINT, path,
                sb.len == 0 ? "empty file"
                : root == NULL ? json_tokener_error_desc(json_tokener_get_error(tok))
                               : "trailing data after the JSON object");
        goto out;
    }
    if (load_tree(path, root, id, cur, rules_state, err) < 0)
        goto out;
    rc = 1;
out:
    json_object_put(root);
    if (tok != NULL)
        json_tokener_free(tok);
    strbuf_fini(&sb);
    return rc;
}

struct seen_ctx {
    struct strbuf *sb;
    size_t n;
};

static void add_seen(void *ctx, const char *index, const char *id, int64_t ts_ms)
{
    struct seen_ctx *sc = ctx;

    strbuf_adds(sc->sb, sc->n++ ? ",\n[" : "\n[");
    es_json_add_str(sc->sb, index);
    strbuf_addc(sc->sb, ',');
    es_json_add_str(sc->sb, id);
    strbuf_addc(sc->sb, ',');
    strbuf_add_i64(sc->sb, ts_ms);
    strbuf_addc(sc->sb, ']');
}

static void render(struct strbuf *sb, const struct checkpoint_identity *id,
                   const struct cursor *cur, const char *rules_state)
{
    struct seen_ctx sc = {sb, 0};
    struct ident ident;
    char ts[32];

    ident_make(id, &ident);
    strbuf_addf(sb, "{\"version\":%d,\n\"source\":{\"url\":", CHECKPOINT_VERSION);
    es_json_add_str(sb, ident.url);
    strbuf_adds(sb, ",\"index\":");
    es_json_add_str(sb, id->index ? id->index : "");
    strbuf_adds(sb, ",\"query_sha256\":");
    if (ident.sha[0] != '\0')
        es_json_add_str(sb, ident.sha);
    else
        strbuf_adds(sb, "null");
    strbuf_adds(sb, ",\"timestamp_field\":");
    es_json_add_str(sb, id->timestamp_field ? id->timestamp_field : "");
    if (cursor_has_watermark(cur)) {
        ev_format_time(cursor_watermark(cur), ts);
        strbuf_adds(sb, "},\n\"watermark_ms\":");
        strbuf_add_i64(sb, cursor_watermark(cur));
        strbuf_addf(sb, ",\"watermark\":\"%s\",\n\"seen\":[", ts);
    } else {
        strbuf_adds(sb, "},\n\"watermark_ms\":null,\"watermark\":null,\n\"seen\":[");
    }
    cursor_foreach(cur, add_seen, &sc);
    strbuf_adds(sb, "],\n\"rules\":");
    strbuf_adds(sb, rules_state != NULL && *rules_state ? rules_state : "null");
    strbuf_adds(sb, "}\n");
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int fsync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL ? xstrdup(".")
                : slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;

    if (fd >= 0) {
        rc = fsync(fd);
        close(fd);
    }
    free(dir);
    return rc;
}

int checkpoint_save(const char *path, const struct checkpoint_identity *id,
                    const struct cursor *cur, const char *rules_state, struct err *err)
{
    static unsigned counter;
    struct strbuf sb;
    struct stat st;
    char *tmp = NULL;
    int fd = -1, rc = -1;

    strbuf_init(&sb, CHECKPOINT_MAX_BYTES);
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        err_set(err, ERR_FATAL, "checkpoint %s is a symbolic link; refusing to replace it", path);
        goto out;
    }
    render(&sb, id, cur, rules_state);
    if (strbuf_failed(&sb)) {
        err_set(err, ERR_IO, "checkpoint %s: state larger than 1 GiB", path);
        goto out;
    }
    for (int tries = 0; fd < 0 && tries < 2; tries++) {
        free(tmp);
        tmp = xasprintf("%s.tmp.%ld.%u", path, (long)getpid(), counter++);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST)
            unlink(tmp);   /* left by a crashed process with the same pid */
    }
    if (fd < 0) {
        err_set(err, ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (write_all(fd, sb.buf, sb.len) < 0 || fsync(fd) < 0) {
        err_set(err, ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        err_set(err, ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        err_set(err, ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    if (fsync_dir(path) < 0) {
        err_set(err, ERR_IO, "cannot fsync the directory of %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (tmp != NULL)
        unlink(tmp);
    free(tmp);
    strbuf_fini(&sb);
    return rc;
}
