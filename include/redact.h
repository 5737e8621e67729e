/* redact.h - what of an ECE request may never leave the agent: secret payload keys, credential
 * headers, tokens in paths and query strings. Plus the percent-decoding both sides need. */
#ifndef ECE_REDACT_H
#define ECE_REDACT_H
#include <stdbool.h>
#include <stddef.h>

#define REDACTED_TEXT "REDACTED"

/**
 * @brief True for payload keys never to be copied: any key containing (case-insensitive)
 * password, passwd, secret, token, signature, key, credential or private
 * (covers bind_password, *_password, secret_token, api_key, ...).
 */
bool redact_key_is_sensitive(const char *key, size_t len);

/** @brief True for Authorization, Proxy-Authorization, Cookie, Set-Cookie and any header whose
 * name is a sensitive key (X-Api-Key, X-Auth-Token, ...). */
bool redact_header_is_sensitive(const char *name, size_t len);

/** @brief True for query keys whose value is replaced: sensitive keys plus SAMLRequest,
 * SAMLResponse and RelayState (the key is percent-decoded first). */
bool redact_query_key_is_sensitive(const char *key, size_t len);

/**
 * @brief Copy path @p p (no query) to @p out, replacing the segment after `enrollment-tokens`
 * and after `invitations` with REDACTED. Output is cut at @p outsz - 1 bytes and NUL-terminated.
 * Returns the output length.
 */
size_t redact_path(const char *p, size_t len, char *out, size_t outsz);

/**
 * @brief Copy query string @p q (without '?') to @p out with the values of sensitive keys
 * replaced by REDACTED. Same bounds as redact_path().
 */
size_t redact_query(const char *q, size_t len, char *out, size_t outsz);

/**
 * @brief Percent-decode @p len bytes of @p s into @p out (at most @p outsz - 1 bytes, then a NUL).
 * Malformed escapes are copied as they are; '+' stays '+'. Returns the output length.
 */
size_t pct_decode(const char *s, size_t len, char *out, size_t outsz);

#endif
