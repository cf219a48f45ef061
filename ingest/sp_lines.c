/* sp_lines.c: reading NDJSON files line by line into one reused buffer, with a bound on
 * what one line may take. */
#include "sp_ingest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK (64 * 1024)

sp_status_t sp_lines_open(sp_lines_t *l, const char *path, size_t max, sp_error_t *err)
{
    memset(l, 0, sizeof(*l));
    l->max = max;
    if (strcmp(path, "-") == 0) {
        l->f = stdin;
    } else {
        l->f = fopen(path, "rb");
        if (l->f == NULL)
            return sp_error_set(err, SP_ERR_IO, "could not open \"%s\": %s", path, strerror(errno));
        l->owned = true;
    }
    l->block = sp_xrealloc(NULL, BLOCK);
    return SP_OK;
}

/* Appends n bytes of a line to the buffer, up to max (or without limit). */
static void keep(sp_lines_t *l, size_t *len, const char *p, size_t n)
{
    if (l->max > 0 && *len + n > l->max)
        n = *len < l->max ? l->max - *len : 0;
    if (n == 0)
        return;
    if (*len + n + 1 > l->cap) {
        size_t cap = l->cap ? l->cap : 4096;
        while (cap < *len + n + 1)
            cap *= 2;
        l->buf = sp_xrealloc(l->buf, cap);
        l->cap = cap;
    }
    memcpy(l->buf + *len, p, n);
    *len += n;
}

int sp_lines_next(sp_lines_t *l, const char **line, size_t *len)
{
    size_t n = 0, whole = 0;
    bool any = false;
    char last = '\0'; /* the line's last byte, kept or not */
    for (;;) {
        if (l->block_pos == l->block_len) {
            /* read(2), not fread: a line that has arrived on a pipe is taken at once. */
            ssize_t got;
            do
                got = read(fileno(l->f), l->block, BLOCK);
            while (got < 0 && errno == EINTR);
            if (got < 0)
                return -1;
            l->block_pos = 0;
            l->block_len = (size_t)got;
            if (got == 0) {
                if (!any)
                    return 0;
                break; /* a last line without a line end */
            }
        }
        any = true;
        const char *p = l->block + l->block_pos;
        size_t avail = l->block_len - l->block_pos;
        const char *nl = memchr(p, '\n', avail);
        size_t take = nl != NULL ? (size_t)(nl - p) : avail;
        keep(l, &n, p, take);
        whole += take;
        if (take > 0)
            last = p[take - 1];
        l->block_pos += take + (nl != NULL);
        if (nl != NULL)
            break;
    }
    l->lineno++;
    if (last == '\r')
        whole--; /* a CRLF line end is not part of the message */
    if (l->max > 0 && whole > l->max) {
        l->whole_len = whole;
        if (n > SP_OVERSIZE_KEEP_BYTES)
            n = SP_OVERSIZE_KEEP_BYTES;
    } else {
        n = whole;
        l->whole_len = n;
    }
    *line = l->buf != NULL ? l->buf : "";
    *len = n;
    return 1;
}

int sp_lines_next_message(sp_lines_t *l, const char **line, size_t *len)
{
    int r;
    while ((r = sp_lines_next(l, line, len)) == 1) {
        if (l->whole_len > *len)
            return 1;
        for (size_t i = 0; i < *len; i++)
            if ((*line)[i] != ' ' && (*line)[i] != '\t')
                return 1;
    }
    return r;
}

void sp_lines_close(sp_lines_t *l)
{
    if (l->owned && l->f != NULL)
        fclose(l->f);
    free(l->buf);
    free(l->block);
    memset(l, 0, sizeof(*l));
}
