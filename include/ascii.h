/* ascii.h - character classes shared by the readers of JSON, URLs and query strings. */
#ifndef ECE_ASCII_H
#define ECE_ASCII_H
#include <stdbool.h>

/** @brief JSON whitespace (RFC 8259): space, tab, LF, CR. */
static inline bool ascii_is_json_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/** @brief Value of a hexadecimal digit, or -1. */
static inline int ascii_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
