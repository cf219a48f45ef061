/* test_log.c: one event is one line, and a quoted value cannot end its field. */
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

/* Logs one event into a temporary file standing in for stderr and returns its text. */
static void capture(char *out, size_t cap, const char *detail)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    dup2(fileno(tmp), 2);
    sp_log(SP_LOG_ERR, "test", "reason=%s detail=%s", "bad_value", SP_LOG_Q(detail));
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, cap - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
}

static void test_quotes_and_backslashes_are_escaped(void **state)
{
    (void)state;
    char line[4096];
    capture(line, sizeof(line), "x\" reason=forged detail=\"y\\");
    assert_non_null(strstr(line, " detail=\"x\\\" reason=forged detail=\\\"y\\\\\"\n"));
    /* Read as key=value pairs with quoted values, the line has one reason. */
    int reasons = 0;
    bool quoted = false;
    for (const char *p = line; *p; p++) {
        if (quoted && *p == '\\') {
            p++;
            continue;
        }
        if (*p == '"')
            quoted = !quoted;
        else if (!quoted && strncmp(p, " reason=", 8) == 0)
            reasons++;
    }
    assert_int_equal(reasons, 1);
    assert_false(quoted);
}

static void test_control_characters_do_not_start_a_line(void **state)
{
    (void)state;
    char line[4096];
    capture(line, sizeof(line), "a\nts=2020 level=emerg event=forged\x1b[2J");
    assert_null(strchr(line, '\x1b'));
    assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
}

static void test_long_values_are_cut_but_stay_quoted(void **state)
{
    (void)state;
    char big[3000];
    memset(big, '"', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    char buf[SP_LOG_QMAX];
    const char *q = sp_log_quote(buf, sizeof(buf), big, strlen(big));
    size_t n = strlen(q);
    assert_true(n < SP_LOG_QMAX);
    assert_int_equal(q[0], '"');
    assert_int_equal(q[n - 1], '"');
    /* every inner quote is escaped: an even count of characters between the delimiters */
    assert_int_equal((n - 2) % 2, 0);
    for (size_t i = 1; i + 1 < n; i += 2)
        assert_true(q[i] == '\\' && q[i + 1] == '"');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quotes_and_backslashes_are_escaped),
        cmocka_unit_test(test_control_characters_do_not_start_a_line),
        cmocka_unit_test(test_long_values_are_cut_but_stay_quoted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
