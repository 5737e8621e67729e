/* test_redact.c - secret keys, credential headers, tokens in paths and query strings
 * (ece-events.md section 2.8), and percent-decoding. */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "redact.h"

#define KEY(s) redact_key_is_sensitive(s, strlen(s))

static void t_keys(void **st)
{
    (void)st;
    assert_true(KEY("password"));
    assert_true(KEY("bind_password"));
    assert_true(KEY("new_password"));
    assert_true(KEY("Password"));
    assert_true(KEY("secret_token"));
    assert_true(KEY("signature_secret"));
    assert_true(KEY("signature"));
    assert_true(KEY("api_key"));
    assert_true(KEY("KEY"));
    assert_true(KEY("access_token"));
    assert_true(KEY("client_secret"));
    assert_true(KEY("passwd"));
    assert_true(KEY("private_key_pem"));
    /* the fields the normalizer reads are not secret */
    assert_false(KEY("username"));
    assert_false(KEY("user_name"));
    assert_false(KEY("name"));
    assert_false(KEY("security"));
    assert_false(KEY("roles"));
    assert_false(KEY("version"));
    assert_false(KEY("resources"));
    assert_false(KEY("source"));
    assert_false(KEY("metadata"));
    assert_false(KEY("system_owned"));
    assert_false(KEY("allocator_down"));
    assert_false(redact_key_is_sensitive("passwor", 7));
    assert_false(redact_key_is_sensitive("", 0));
}

#define HDR(s) redact_header_is_sensitive(s, strlen(s))

static void t_headers(void **st)
{
    (void)st;
    assert_true(HDR("Authorization"));
    assert_true(HDR("authorization"));
    assert_true(HDR("Proxy-Authorization"));
    assert_true(HDR("Cookie"));
    assert_true(HDR("Set-Cookie"));
    assert_true(HDR("X-Api-Key"));
    assert_true(HDR("X-Auth-Token"));
    assert_false(HDR("Host"));
    assert_false(HDR("User-Agent"));
    assert_false(HDR("X-Forwarded-For"));
    assert_false(HDR("X-Management-Request"));
}

static void check_path(const char *in, const char *want)
{
    char out[256];
    size_t n = redact_path(in, strlen(in), out, sizeof(out));
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void t_paths(void **st)
{
    (void)st;
    check_path("/platform/configuration/security/enrollment-tokens/eyJ0eXAiOiJKV1Qi.sig",
               "/platform/configuration/security/enrollment-tokens/REDACTED");
    check_path("/api/v1/platform/configuration/security/enrollment-tokens/abc/",
               "/api/v1/platform/configuration/security/enrollment-tokens/REDACTED/");
    check_path("/organizations/invitations/tok-123/_accept", "/organizations/invitations/REDACTED/_accept");
    check_path("/organizations/6b0e6a9c/invitations/t1,t2,t3", "/organizations/6b0e6a9c/invitations/REDACTED");
    check_path("/organizations/6b0e6a9c/invitations", "/organizations/6b0e6a9c/invitations");
    check_path("/platform/configuration/security/enrollment%2Dtokens/abc",
               "/platform/configuration/security/enrollment%2Dtokens/REDACTED");
    check_path("/platform/configuration/security/enrollment-tokens", "/platform/configuration/security/enrollment-tokens");
    check_path("/deployments/3f6e/elasticsearch/main/_restart", "/deployments/3f6e/elasticsearch/main/_restart");
    check_path("/users/m%C3%BCller", "/users/m%C3%BCller"); /* encoding kept as logged */
    check_path("", "");

    /* bounded: cut, NUL-terminated, never beyond the buffer */
    char small[16];
    memset(small, 'X', sizeof(small));
    size_t n = redact_path("/platform/configuration", 23, small, 10);
    assert_int_equal(n, 9);
    assert_string_equal(small, "/platform");
    assert_int_equal(small[10], 'X');
    n = redact_path("/organizations/invitations/secret-token-value", 45, small, 16);
    assert_int_equal(n, 15);
    assert_null(strstr(small, "secret"));
}

static void check_query(const char *in, const char *want)
{
    char out[256];
    size_t n = redact_query(in, strlen(in), out, sizeof(out));
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void t_queries(void **st)
{
    (void)st;
    check_query("SAMLRequest=fZFNT8MwDIb%2FSuV72yTbtC1aK02MA9L4EEMcuKCsTVmkfJQ4ZezfE9ZOQnDgYsny6%2BexHK9QGN3x%2Bw&RelayState=xyz",
                "SAMLRequest=REDACTED&RelayState=REDACTED");
    check_query("samlresponse=abc&foo=1", "samlresponse=REDACTED&foo=1");
    check_query("SAML%52equest=abc", "SAML%52equest=REDACTED");
    check_query("token=abc&access_token=def&validate_only=true", "token=REDACTED&access_token=REDACTED&validate_only=true");
    check_query("hide=false&skip_snapshot=false", "hide=false&skip_snapshot=false");
    check_query("password=hunter2", "password=REDACTED");
    check_query("a=1&&b&token", "a=1&&b&token");
    check_query("acs=https://c9d8.example:9243/api/security/saml/callback&sp_login_url=https://c9d8.example:9243",
                "acs=https://c9d8.example:9243/api/security/saml/callback&sp_login_url=https://c9d8.example:9243");
    check_query("", "");
}

static void t_pct_decode(void **st)
{
    char out[64];
    (void)st;
    assert_int_equal(pct_decode("m%C3%BCller", 11, out, sizeof(out)), 7);
    assert_string_equal(out, "m\xC3\xBCller");
    assert_int_equal(pct_decode("a%zzb%4", 7, out, sizeof(out)), 7);
    assert_string_equal(out, "a%zzb%4");
    assert_int_equal(pct_decode("a+b%2fc", 7, out, sizeof(out)), 5);
    assert_string_equal(out, "a+b/c");
    assert_int_equal(pct_decode("x%00y", 5, out, sizeof(out)), 3);
    assert_memory_equal(out, "x\0y", 3);
    assert_int_equal(pct_decode("abcdef", 6, out, 4), 3);
    assert_string_equal(out, "abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_keys),    cmocka_unit_test(t_headers),    cmocka_unit_test(t_paths),
        cmocka_unit_test(t_queries), cmocka_unit_test(t_pct_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
