/* sp_utf8.c: UTF-8 checks, and copies made safe for PostgreSQL text (valid, no NUL). */
#include "sp_core.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if it is not one.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static size_t seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

bool sp_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = seq_len(p + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

size_t sp_utf8_copy(char *out, size_t cap, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < n;) {
        size_t k = seq_len(p + i, n - i);
        if (k == 0 || p[i] == 0) {
            /* An invalid byte or a NUL becomes '?': text columns cannot hold either. */
            if (o + 1 >= cap)
                break;
            out[o++] = '?';
            i++;
            continue;
        }
        if (o + k >= cap)
            break; /* truncate on a character boundary */
        for (size_t j = 0; j < k; j++)
            out[o++] = s[i + j];
        i += k;
    }
    out[o] = '\0';
    return o;
}

void sp_term_puts(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7F) {
            fprintf(out, "\\x%02x", *p);
        } else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            fprintf(out, "\\u%04x", p[1]); /* a C1 control, U+0080..U+009F */
            p++;
        } else {
            fputc(*p, out);
        }
    }
}
