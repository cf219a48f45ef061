/* sp_config.c: reading `key = value` config files, the convention of librdkafka and kcat. */
#include "sp_core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

sp_status_t sp_config_read(const char *path, sp_config_cb cb, void *opaque, sp_error_t *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return sp_error_set(err, SP_ERR_IO, "could not open config file \"%s\": %s", path,
                            strerror(errno));
    char line[4096];
    int lineno = 0;
    sp_status_t st = SP_OK;
    while (st == SP_OK && fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            st = sp_error_set(err, SP_ERR_INVALID, "%s:%d: line longer than %zu bytes", path,
                              lineno, sizeof(line) - 2);
            break;
        }
        char *s = line;
        /* A UTF-8 byte order mark, as some editors write it, is not part of the first key. */
        if (lineno == 1 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
            s += 3;
        s = trim(s);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            st = sp_error_set(err, SP_ERR_INVALID, "%s:%d: expected key = value", path, lineno);
            break;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (*key == '\0') {
            st = sp_error_set(err, SP_ERR_INVALID, "%s:%d: empty key", path, lineno);
            break;
        }
        st = cb(opaque, key, value, path, lineno, err);
    }
    if (st == SP_OK && ferror(f))
        st = sp_error_set(err, SP_ERR_IO, "could not read config file \"%s\"", path);
    fclose(f);
    return st;
}

sp_status_t sp_size_option(const char *opt, const char *text, size_t *out, sp_error_t *err)
{
    sp_error_t e;
    if (sp_size_parse(text, out, &e) != SP_OK)
        return sp_error_set(err, SP_ERR_INVALID, "%s %s", opt, e.message);
    return SP_OK;
}

sp_status_t sp_size_parse(const char *text, size_t *out, sp_error_t *err)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (text[0] == '\0' || text[0] == '-' || *end != '\0' || v == 0)
        return sp_error_set(err, SP_ERR_INVALID, "needs a positive integer, got \"%s\"", text);
    if (errno == ERANGE || v > SIZE_MAX / 2)
        return sp_error_set(err, SP_ERR_INVALID, "is too large: \"%s\"", text);
    *out = (size_t)v;
    return SP_OK;
}
