/* test_checkpoint.c - checkpoint file: round trip, 0600, atomic replace, refusal of corrupt,
 * foreign and symlinked files. Works in a mktemp -d directory. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "checkpoint.h"
#include "cursor.h"
#include "err.h"

struct fx {
    char dir[64];
    char path[128];
};

static const struct checkpoint_identity ID = {"https://es.example:9243", "services-logs-*",
                                              "{\"term\": {\"method\": \"POST\"}}",
                                              "@timestamp"};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_checkpoint.XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(fx->path, sizeof(fx->path), "%s/checkpoint.json", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    DIR *d = opendir(fx->dir);
    struct dirent *de;
    char p[512];

    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", fx->dir, de->d_name);
        unlink(p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static struct cursor *sample(void)
{
    struct cursor *cur = cursor_new(300000, 1000);

    cursor_commit(cur, "services-logs-2024.05.01", "plain", 1714567890123);
    cursor_commit(cur, "services-logs-2024.05.01", "q\"uo\\te/\t\x01", 1714567890000);
    cursor_commit(cur, "services-logs-2024.05.02", "\xc3\xa9t\xc3\xa9", 1714567800000);
    return cur;
}

static void test_round_trip(void **state)
{
    struct fx *fx = *state;
    struct cursor *cur = sample(), *back = cursor_new(300000, 1000);
    struct err err = {0};
    char *rules = NULL;

    assert_int_equal(checkpoint_save(fx->path, &ID, cur, "{\"login\":[1,2]}", &err), 0);
    assert_int_equal(checkpoint_load(fx->path, &ID, back, &rules, &err), 1);
    assert_int_equal(cursor_watermark(back), 1714567890123);
    assert_int_equal(cursor_seen_count(back), 3);
    assert_true(cursor_seen(back, "services-logs-2024.05.01", "plain"));
    assert_true(cursor_seen(back, "services-logs-2024.05.01", "q\"uo\\te/\t\x01"));
    assert_true(cursor_seen(back, "services-logs-2024.05.02", "\xc3\xa9t\xc3\xa9"));
    assert_string_equal(rules, "{\"login\":[1,2]}");
    free(rules);
    cursor_free(cur);
    cursor_free(back);
}

static void test_missing_is_zero(void **state)
{
    struct fx *fx = *state;
    struct cursor *cur = cursor_new(1000, 10);
    struct err err = {0};
    char *rules = (char *)"x";

    assert_int_equal(checkpoint_load(fx->path, &ID, cur, &rules, &err), 0);
    assert_null(rules);
    assert_false(cursor_has_watermark(cur));
    cursor_free(cur);
}

/* The documented file format, written by hand (no query, so query_sha256 is null). */
static void test_loads_documented_format(void **state)
{
    struct fx *fx = *state;
    struct checkpoint_identity id = {"http://127.0.0.1:9200", "logs-*", NULL, "@timestamp"};
    struct cursor *cur = cursor_new(300000, 1000);
    struct err err = {0};
    char *rules = NULL;

    write_text(fx->path, "{\"version\":1,\"source\":{\"url\":\"http://127.0.0.1:9200\","
               "\"index\":\"logs-*\",\"query_sha256\":null,\"timestamp_field\":\"@timestamp\"},"
               "\"watermark_ms\":1714567890123,\"watermark\":\"2024-05-01T12:51:30.123Z\","
               "\"seen\":[[\"logs-1\",\"a\",1714567890123],[\"logs-1\",\"b\",1714567890000]],"
               "\"rules\":null}");
    assert_int_equal(checkpoint_load(fx->path, &id, cur, &rules, &err), 1);
    assert_int_equal(cursor_watermark(cur), 1714567890123);
    assert_true(cursor_seen(cur, "logs-1", "b"));
    assert_null(rules);
    cursor_free(cur);
}

static void test_mode_0600_and_no_temp_left(void **state)
{
    struct fx *fx = *state;
    struct cursor *cur = sample();
    struct err err = {0};
    struct stat st;
    mode_t old = umask(0);
    DIR *d;
    struct dirent *de;
    int files = 0;

    assert_int_equal(checkpoint_save(fx->path, &ID, cur, NULL, &err), 0);
    assert_int_equal(checkpoint_save(fx->path, &ID, cur, NULL, &err), 0);
    umask(old);
    assert_int_equal(stat(fx->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    d = opendir(fx->dir);
    while ((de = readdir(d)) != NULL)
        files += de->d_name[0] != '.';
    closedir(d);
    assert_int_equal(files, 1);
    cursor_free(cur);
}

/* A reader of the old file keeps the complete old content; the path shows the complete new one. */
static void test_atomic_replace(void **state)
{
    struct fx *fx = *state;
    struct cursor *cur = sample(), *back = cursor_new(300000, 1000);
    struct err err = {0};
    struct stat before, after;
    char buf[16];
    int fd;

    assert_int_equal(checkpoint_save(fx->path, &ID, cur, NULL, &err), 0);
    fd = open(fx->path, O_RDONLY);
    assert_true(fd >= 0);
    fstat(fd, &before);
    cursor_commit(cur, "services-logs-2024.05.03", "new", 1714567999999);
    assert_int_equal(checkpoint_save(fx->path, &ID, cur, NULL, &err), 0);
    stat(fx->path, &after);
    assert_true(before.st_ino != after.st_ino);        /* renamed over, not rewritten */
    assert_int_equal(read(fd, buf, 12), 12);
    assert_memory_equal(buf, "{\"version\":1", 12);
    close(fd);
    assert_int_equal(checkpoint_load(fx->path, &ID, back, NULL, &err), 1);
    assert_int_equal(cursor_watermark(back), 1714567999999);
    assert_true(cursor_seen(back, "services-logs-2024.05.03", "new"));
    cursor_free(cur);
    cursor_free(back);
}

static void expect_fatal(struct fx *fx, const char *content, const char *needle)
{
    struct cursor *cur = cursor_new(1000, 10);
    struct err err = {0};
    char *rules = NULL;

    if (content != NULL)
        write_text(fx->path, content);
    assert_int_equal(checkpoint_load(fx->path, &ID, cur, &rules, &err), -1);
    assert_int_equal(err.kind, ERR_FATAL);
    if (strstr(err.msg, needle) == NULL || strstr(err.msg, fx->path) == NULL)
        fail_msg("message \"%s\" lacks \"%s\" or the path", err.msg, needle);
    assert_false(cursor_has_watermark(cur));            /* nothing half-loaded */
    assert_null(rules);
    cursor_free(cur);
}

static void test_corrupt_files_are_fatal(void **state)
{
    struct fx *fx = *state;
    struct cursor *cur = sample();
    struct err err = {0};
    struct stat st;

    expect_fatal(fx, "", "move it away");
    expect_fatal(fx, "garbage\x01\x02", "move it away");
    expect_fatal(fx, "[1,2,3]", "move it away");
    expect_fatal(fx, "{\"version\":1}", "move it away");
    expect_fatal(fx, "{\"version\":1} trailing", "move it away");
    /* a real file cut in half, as a crash of a non-atomic writer would leave it */
    assert_int_equal(checkpoint_save(fx->path, &ID, cur, NULL, &err), 0);
    stat(fx->path, &st);
    assert_int_equal(truncate(fx->path, st.st_size / 2), 0);
    expect_fatal(fx, NULL, "move it away");
    cursor_free(cur);
}

static void test_wrong_version_and_types(void **state)
{
    struct fx *fx = *state;
    /* query_sha256 = `printf '%s' '{"term":{"method":"POST"}}' | sha256sum` */
    static const char src[] = "\"source\":{\"url\":\"https://es.example:9243\",\"index\":"
                              "\"services-logs-*\",\"query_sha256\":\"b017b4580700a1cc51e366ce6c"
                              "742bfbb21f2ba02b79eb81c71dbe2925ef34f6\",\"timestamp_field\":"
                              "\"@timestamp\"}";
    char buf[1024];

    snprintf(buf, sizeof(buf), "{\"version\":2,%s,\"watermark_ms\":1,\"seen\":[]}", src);
    expect_fatal(fx, buf, "version 2");
    snprintf(buf, sizeof(buf), "{\"version\":\"1\",%s,\"watermark_ms\":1,\"seen\":[]}", src);
    expect_fatal(fx, buf, "\"version\"");
    snprintf(buf, sizeof(buf), "{\"version\":1,%s,\"watermark_ms\":\"1\",\"seen\":[]}", src);
    expect_fatal(fx, buf, "watermark_ms");
    snprintf(buf, sizeof(buf), "{\"version\":1,%s,\"watermark_ms\":1,\"seen\":{}}", src);
    expect_fatal(fx, buf, "seen");
    snprintf(buf, sizeof(buf), "{\"version\":1,%s,\"watermark_ms\":1,\"seen\":[[\"i\",\"d\"]]}",
             src);
    expect_fatal(fx, buf, "seen[0]");
    snprintf(buf, sizeof(buf), "{\"version\":1,%s,\"watermark_ms\":1,\"seen\":[[\"i\",2,3]]}",
             src);
    expect_fatal(fx, buf, "seen[0]");
    /* and the same text with valid members loads */
    snprintf(buf, sizeof(buf), "{\"version\":1,%s,\"watermark_ms\":1,\"seen\":[[\"i\",\"d\",1]]}",
             src);
    write_text(fx->path, buf);
    {
        struct cursor *cur = cursor_new(1000, 10);
        struct err err = {0};
        assert_int_equal(checkpoint_load(fx->path, &ID, cur, NULL, &err), 1);
        assert_true(cursor_seen(cur, "i", "d"));
        cursor_free(cur);
    }
}

static void test_identity_mismatch(void **state)
{
    struct fx *fx = *state;
    struct cursor *cur = sample(), *back = cursor_new(1000, 10);
    struct checkpoint_identity other = ID;
    struct err err = {0};

    assert_int_equal(checkpoint_save(fx->path, &ID, cur, NULL, &err), 0);
    other.index = "other-*";
    assert_int_equal(checkpoint_load(fx->path, &other, back, NULL, &err), -1);
    assert_int_equal(err.kind, ERR_FATAL);
    assert_non_null(strstr(err.msg, "source.index"));
    assert_non_null(strstr(err.msg, "--reset-checkpoint"));
    other = ID;
    other.query = "{\"term\":{\"method\":\"PUT\"}}";
    assert_int_equal(checkpoint_load(fx->path, &other, back, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "source.query"));
    other = ID;
    other.url = "https://elsewhere:9243";
    assert_int_equal(checkpoint_load(fx->path, &other, back, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "source.url"));
    other = ID;
    other.timestamp_field = "event.ingested";
    assert_int_equal(checkpoint_load(fx->path, &other, back, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "source.timestamp_field"));
    assert_false(cursor_has_watermark(back));
    /* the same query with other whitespace is the same source */
    other = ID;
    other.query = "{ \"term\" : { \"method\" : \"POST\" } }";
    assert_int_equal(checkpoint_load(fx->path, &other, back, NULL, &err), 1);
    cursor_free(cur);
    cursor_free(back);
}

static void test_symlink_refused(void **state)
{
    struct fx *fx = *state;
    struct cursor *cur = sample(), *back = cursor_new(1000, 10);
    struct err err = {0};
    char real[256];

    snprintf(real, sizeof(real), "%s/real.json", fx->dir);
    assert_int_equal(checkpoint_save(real, &ID, cur, NULL, &err), 0);
    assert_int_equal(symlink(real, fx->path), 0);
    assert_int_equal(checkpoint_load(fx->path, &ID, back, NULL, &err), -1);
    assert_int_equal(err.kind, ERR_FATAL);
    assert_non_null(strstr(err.msg, "symbolic link"));
    assert_int_equal(checkpoint_save(fx->path, &ID, cur, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "symbolic link"));
    cursor_free(cur);
    cursor_free(back);
}

static void test_unreadable_is_io(void **state)
{
    struct fx *fx = *state;
    struct cursor *cur = cursor_new(1000, 10);
    struct err err = {0};
    char bad[256];

    write_text(fx->path, "{}");
    snprintf(bad, sizeof(bad), "%s/checkpoint.json/child", fx->dir);   /* ENOTDIR */
    assert_int_equal(checkpoint_load(bad, &ID, cur, NULL, &err), -1);
    assert_int_equal(err.kind, ERR_IO);
    assert_int_equal(checkpoint_save(bad, &ID, cur, NULL, &err), -1);
    assert_int_equal(err.kind, ERR_IO);
    cursor_free(cur);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_is_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loads_documented_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode_0600_and_no_temp_left, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_files_are_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_version_and_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_is_io, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
