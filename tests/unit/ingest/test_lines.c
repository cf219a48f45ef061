/* test_lines.c: reading NDJSON lines with a bound on what one line may take. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sp_ingest.h"

/* Writes text to a temporary file and opens it with the given limit. */
static void open_text(sp_lines_t *l, char *path, const char *text, size_t len, size_t max)
{
    strcpy(path, "/tmp/sp-lines-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    assert_int_equal(sp_lines_open(l, path, max, NULL), SP_OK);
}

static void expect(sp_lines_t *l, const char *want, size_t whole)
{
    const char *line;
    size_t len;
    assert_int_equal(sp_lines_next(l, &line, &len), 1);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(line, want, len);
    assert_int_equal(l->whole_len, whole);
}

static void test_line_ends_and_the_last_line(void **state)
{
    (void)state;
    char path[32];
    sp_lines_t l;
    const char text[] = "ab\r\n\ncd\nlast";
    open_text(&l, path, text, sizeof(text) - 1, 0);
    expect(&l, "ab", 2);
    expect(&l, "", 0);
    expect(&l, "cd", 2);
    expect(&l, "last", 4);
    const char *line;
    size_t len;
    assert_int_equal(sp_lines_next(&l, &line, &len), 0);
    assert_int_equal(l.lineno, 4);
    sp_lines_close(&l);
    unlink(path);
}

static void test_a_line_over_the_limit_keeps_its_first_bytes(void **state)
{
    (void)state;
    char path[32];
    sp_lines_t l;
    /* limit 8: "12345678" fits, with CRLF too; "123456789" does not */
    const char text[] = "12345678\n12345678\r\n123456789\nok\n";
    open_text(&l, path, text, sizeof(text) - 1, 8);
    expect(&l, "12345678", 8);
    expect(&l, "12345678", 8);
    expect(&l, "12345678", 9); /* only max bytes were read into memory */
    expect(&l, "ok", 2);
    sp_lines_close(&l);
    unlink(path);
}

static void test_a_long_line_keeps_4096_bytes_across_blocks(void **state)
{
    (void)state;
    char path[32];
    sp_lines_t l;
    size_t big = 200 * 1024; /* longer than a 64 KiB read block */
    char *text = malloc(big + 4);
    memset(text, 'x', big);
    memcpy(text + big, "\nz\n", 3);
    open_text(&l, path, text, big + 3, 100000);
    const char *line;
    size_t len;
    assert_int_equal(sp_lines_next(&l, &line, &len), 1);
    assert_int_equal(len, SP_OVERSIZE_KEEP_BYTES);
    assert_int_equal(l.whole_len, big);
    assert_true(l.cap <= 2 * (100000 + 1)); /* grown by doubling up to the limit, no further */
    expect(&l, "z", 1);
    sp_lines_close(&l);
    unlink(path);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_ends_and_the_last_line),
        cmocka_unit_test(test_a_line_over_the_limit_keeps_its_first_bytes),
        cmocka_unit_test(test_a_long_line_keeps_4096_bytes_across_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
