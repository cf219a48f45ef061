/* sp_buf.c: growable byte buffers that batches reuse, and COPY text-format escaping. */
#include "sp_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sp_buf_init(sp_buf_t *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void sp_buf_free(sp_buf_t *b)
{
    free(b->data);
    sp_buf_init(b);
}

void *sp_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL) {
        fputs("statpipe: out of memory\n", stderr);
        abort();
    }
    return q;
}

void sp_buf_reserve(sp_buf_t *b, size_t n)
{
    if (b->len + n <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
        cap *= 2;
    b->data = sp_xrealloc(b->data, cap);
    b->cap = cap;
}

void sp_buf_append(sp_buf_t *b, const void *p, size_t n)
{
    sp_buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void sp_buf_puts(sp_buf_t *b, const char *s)
{
    sp_buf_append(b, s, strlen(s));
}

void sp_buf_printf(sp_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sp_buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sp_buf_copy_text(sp_buf_t *b, const char *s, size_t n)
{
    /* Worst case every byte doubles. */
    sp_buf_reserve(b, 2 * n);
    char *o = b->data + b->len;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        switch (c) {
        case '\\':
            *o++ = '\\';
            *o++ = '\\';
            break;
        case '\n':
            *o++ = '\\';
            *o++ = 'n';
            break;
        case '\r':
            *o++ = '\\';
            *o++ = 'r';
            break;
        case '\t':
            *o++ = '\\';
            *o++ = 't';
            break;
        default:
            *o++ = c;
        }
    }
    b->len = (size_t)(o - b->data);
}

void sp_buf_copy_bytea(sp_buf_t *b, const void *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = p;
    /* In COPY text the bytea's own backslash must itself be escaped. */
    sp_buf_reserve(b, 3 + 2 * n);
    char *o = b->data + b->len;
    *o++ = '\\';
    *o++ = '\\';
    *o++ = 'x';
    for (size_t i = 0; i < n; i++) {
        *o++ = hex[s[i] >> 4];
        *o++ = hex[s[i] & 15];
    }
    b->len = (size_t)(o - b->data);
}
