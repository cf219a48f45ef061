/* test_config.c: key = value config files, and errors that name the file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sp_core.h"

typedef struct seen {
    char keys[8][64];
    char values[8][64];
    int lines[8];
    int n;
} seen_t;

static sp_status_t collect(void *opaque, const char *key, const char *value, const char *file,
                           int line, sp_error_t *err)
{
    seen_t *s = opaque;
    if (strcmp(key, "bad") == 0)
        return sp_error_set(err, SP_ERR_INVALID, "%s:%d: bad key", file, line);
    snprintf(s->keys[s->n], 64, "%s", key);
    snprintf(s->values[s->n], 64, "%s", value);
    s->lines[s->n++] = line;
    return SP_OK;
}

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/sp_test_config.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_reads_keys_values_and_skips_comments(void **state)
{
    (void)state;
    char *path = write_tmp("# comment\n\n  kafka.bootstrap.servers = a:1,b:2  \n"
                           "pg.conninfo=host=x port=5\r\n");
    seen_t s = {0};
    assert_int_equal(sp_config_read(path, collect, &s, NULL), SP_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.keys[0], "kafka.bootstrap.servers");
    assert_string_equal(s.values[0], "a:1,b:2");
    assert_int_equal(s.lines[0], 3);
    assert_string_equal(s.keys[1], "pg.conninfo");
    assert_string_equal(s.values[1], "host=x port=5");
    unlink(path);
    free(path);
}

static void test_errors_name_file_and_line(void **state)
{
    (void)state;
    char *path = write_tmp("a = 1\nno equals sign\n");
    seen_t s = {0};
    sp_error_t err;
    assert_int_equal(sp_config_read(path, collect, &s, &err), SP_ERR_INVALID);
    char want[128];
    snprintf(want, sizeof(want), "%s:2: expected key = value", path);
    assert_string_equal(err.message, want);
    unlink(path);
    free(path);

    path = write_tmp("a = 1\n\nbad = 2\n");
    assert_int_equal(sp_config_read(path, collect, &s, &err), SP_ERR_INVALID);
    snprintf(want, sizeof(want), "%s:3: bad key", path);
    assert_string_equal(err.message, want);
    unlink(path);
    free(path);
}

static void test_missing_file(void **state)
{
    (void)state;
    sp_error_t err;
    seen_t s = {0};
    assert_int_equal(sp_config_read("/nonexistent/statpipe.conf", collect, &s, &err), SP_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent/statpipe.conf"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_keys_values_and_skips_comments),
        cmocka_unit_test(test_errors_name_file_and_line),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
