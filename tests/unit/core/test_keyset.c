/* test_keyset.c: the per-batch set of (sender, message id) keys, against a plain model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_core.h"

static void test_parts_are_kept_apart(void **state)
{
    (void)state;
    sp_keyset_t s;
    sp_keyset_init(&s);
    assert_true(sp_keyset_add2(&s, "ab", 2, "c", 1));
    assert_true(sp_keyset_add2(&s, "a", 1, "bc", 2)); /* same bytes, other split */
    assert_true(sp_keyset_add2(&s, "", 0, "abc", 3));
    assert_false(sp_keyset_add2(&s, "ab", 2, "c", 1));
    assert_false(sp_keyset_add2(&s, "a", 1, "bc", 2));
    assert_int_equal(sp_keyset_size(&s), 3);
    const char *three[3] = {"a", "b", "c"}, *two[2] = {"a", "b"};
    const size_t ones[3] = {1, 1, 1};
    assert_true(sp_keyset_addv(&s, three, ones, 3));
    assert_true(sp_keyset_addv(&s, two, ones, 2)); /* a prefix of a key is another key */
    assert_false(sp_keyset_addv(&s, three, ones, 3));
    assert_int_equal(sp_keyset_size(&s), 5);
    sp_keyset_reset(&s);
    assert_int_equal(sp_keyset_size(&s), 0);
    assert_true(sp_keyset_add2(&s, "ab", 2, "c", 1)); /* a reset forgets */
    sp_keyset_free(&s);
}

static void test_undo_forgets_only_what_came_after(void **state)
{
    (void)state;
    sp_keyset_t s;
    sp_keyset_init(&s);
    assert_true(sp_keyset_add2(&s, "MIIT", 4, "m-1", 3));
    size_t mark = sp_keyset_size(&s);
    assert_true(sp_keyset_add2(&s, "MIIT", 4, "m-2", 3));
    assert_true(sp_keyset_add2(&s, "NBS", 3, "m-1", 3));
    sp_keyset_undo(&s, mark);
    assert_int_equal(sp_keyset_size(&s), 1);
    assert_false(sp_keyset_add2(&s, "MIIT", 4, "m-1", 3));
    assert_true(sp_keyset_add2(&s, "MIIT", 4, "m-2", 3));
    assert_true(sp_keyset_add2(&s, "NBS", 3, "m-1", 3));
    sp_keyset_free(&s);
}

/* Random adds, undos and resets over a small key space (so that many adds are repeats),
 * enough keys to grow the table several times, checked against a list of what is in. */
static void test_matches_a_model_under_random_operations(void **state)
{
    (void)state;
    enum { SPACE = 40000, OPS = 400000 };
    unsigned char *in = calloc(SPACE, 1);     /* the model: in[k] while key k is in the set */
    int *order = malloc(sizeof(int) * SPACE); /* keys in the order they went in */
    size_t n = 0;
    sp_keyset_t s;
    sp_keyset_init(&s);
    srand(7);
    char a[32], b[32];
    for (int op = 0; op < OPS; op++) {
        int r = rand() % 1000;
        if (r < 3 && n > 0) {
            size_t mark = (size_t)rand() % (n + 1);
            sp_keyset_undo(&s, mark);
            while (n > mark)
                in[order[--n]] = 0;
        } else if (r == 3 && rand() % 20 == 0) {
            sp_keyset_reset(&s);
            while (n > 0)
                in[order[--n]] = 0;
        } else {
            int k = rand() % SPACE;
            int alen = snprintf(a, sizeof(a), "S%d", k % 5);
            int blen = snprintf(b, sizeof(b), "id-%d", k);
            bool added = sp_keyset_add2(&s, a, (size_t)alen, b, (size_t)blen);
            assert_int_equal(added, !in[k]);
            if (added) {
                in[k] = 1;
                order[n++] = k;
            }
        }
        assert_int_equal(sp_keyset_size(&s), n);
    }
    /* A copy made key by key from the stored form holds the same keys. */
    sp_keyset_t copy;
    sp_keyset_init(&copy);
    for (size_t i = 0; i < sp_keyset_size(&s); i++) {
        size_t len;
        const char *key = sp_keyset_key(&s, i, &len);
        assert_true(sp_keyset_add_stored(&copy, key, len));
        assert_false(sp_keyset_add_stored(&copy, key, len));
    }
    for (int k = 0; k < SPACE; k++) {
        int alen = snprintf(a, sizeof(a), "S%d", k % 5);
        int blen = snprintf(b, sizeof(b), "id-%d", k);
        const char *parts[2] = {a, b};
        const size_t lens[2] = {(size_t)alen, (size_t)blen};
        assert_int_equal(sp_keyset_contains(&s, parts, lens, 2), in[k]);
        assert_int_equal(sp_keyset_contains(&copy, parts, lens, 2), in[k]);
    }
    sp_keyset_free(&copy);
    /* Everything the model holds is found, nothing else is. */
    for (int k = 0; k < SPACE; k++) {
        int alen = snprintf(a, sizeof(a), "S%d", k % 5);
        int blen = snprintf(b, sizeof(b), "id-%d", k);
        bool added = sp_keyset_add2(&s, a, (size_t)alen, b, (size_t)blen);
        assert_int_equal(added, !in[k]);
    }
    sp_keyset_free(&s);
    free(in);
    free(order);
}

/* A key's index is its place in the order of adding, so an array beside the set can hold a
 * value per key; an undo takes the indexes of the keys it removes away. */
static void test_index_is_the_order_of_adding(void **state)
{
    (void)state;
    sp_keyset_t s;
    sp_keyset_init(&s);
    char a[16];
    const size_t none = SP_KEYSET_NONE;
    const char *p[1] = {a};
    size_t len[1];
    len[0] = (size_t)snprintf(a, sizeof(a), "k0");
    assert_int_equal(sp_keyset_index(&s, p, len, 1), none); /* empty */
    for (int k = 0; k < 3000; k++) {
        len[0] = (size_t)snprintf(a, sizeof(a), "k%d", k);
        assert_true(sp_keyset_addv(&s, p, len, 1));
    }
    for (int k = 0; k < 3000; k += 7) {
        len[0] = (size_t)snprintf(a, sizeof(a), "k%d", k);
        assert_int_equal(sp_keyset_index(&s, p, len, 1), (size_t)k);
        size_t klen;
        const char *key = sp_keyset_key(&s, (size_t)k, &klen);
        assert_int_equal(klen, len[0] + 1);
        assert_memory_equal(key, a, len[0]);
    }
    len[0] = (size_t)snprintf(a, sizeof(a), "k3000");
    assert_int_equal(sp_keyset_index(&s, p, len, 1), none);
    sp_keyset_undo(&s, 1000);
    len[0] = (size_t)snprintf(a, sizeof(a), "k999");
    assert_int_equal(sp_keyset_index(&s, p, len, 1), (size_t)999);
    len[0] = (size_t)snprintf(a, sizeof(a), "k1000");
    assert_int_equal(sp_keyset_index(&s, p, len, 1), none);
    assert_true(sp_keyset_addv(&s, p, len, 1)); /* added again, it takes the next index */
    assert_int_equal(sp_keyset_index(&s, p, len, 1), (size_t)1000);
    sp_keyset_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts_are_kept_apart),
        cmocka_unit_test(test_undo_forgets_only_what_came_after),
        cmocka_unit_test(test_matches_a_model_under_random_operations),
        cmocka_unit_test(test_index_is_the_order_of_adding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
