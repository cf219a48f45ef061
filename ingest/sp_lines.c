/* sp_lines.c: reading NDJSON files line by line into one reused buffer. */
#include "sp_ingest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

sp_status_t sp_lines_open(sp_lines_t *l, const char *path, sp_error_t *err)
{
    memset(l, 0, sizeof(*l));
    if (strcmp(path, "-") == 0) {
        l->f = stdin;
        return SP_OK;
    }
    l->f = fopen(path, "rb");
    if (l->f == NULL)
        return sp_error_set(err, SP_ERR_IO, "could not open \"%s\": %s", path, strerror(errno));
    l->owned = true;
    return SP_OK;
}

int sp_lines_next(sp_lines_t *l, const char **line, size_t *len)
{
    ssize_t n = getline(&l->buf, &l->cap, l->f);
    if (n < 0)
        return ferror(l->f) ? -1 : 0;
    l->lineno++;
    if (n > 0 && l->buf[n - 1] == '\n')
        n--;
    if (n > 0 && l->buf[n - 1] == '\r')
        n--;
    *line = l->buf;
    *len = (size_t)n;
    return 1;
}

int sp_lines_next_message(sp_lines_t *l, const char **line, size_t *len)
{
    int r;
    while ((r = sp_lines_next(l, line, len)) == 1) {
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
    memset(l, 0, sizeof(*l));
}
