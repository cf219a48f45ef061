/* sp_keyset.c: a set of byte strings for one batch at a time (the message ids a batch has
 * taken), with undo back to a mark. Linear probing, deletion by backward shift. */
#include "sp_core.h"

#include <stdlib.h>
#include <string.h>

void sp_keyset_init(sp_keyset_t *s)
{
    memset(s, 0, sizeof(*s));
    sp_buf_init(&s->bytes);
}

void sp_keyset_free(sp_keyset_t *s)
{
    free(s->slots);
    free(s->keys);
    sp_buf_free(&s->bytes);
    sp_keyset_init(s);
}

void sp_keyset_reset(sp_keyset_t *s)
{
    if (s->n > 0 && s->slots != NULL)
        memset(s->slots, 0, (s->mask + 1) * sizeof(*s->slots));
    s->n = 0;
    sp_buf_reset(&s->bytes);
}

/* FNV-1a over the stored form of a key: each part followed by 0xFF. */
static uint64_t hashv(const char *const *parts, const size_t *lens, int n)
{
    uint64_t h = 14695981039346656037ULL;
    for (int k = 0; k < n; k++) {
        for (size_t i = 0; i < lens[k]; i++)
            h = (h ^ (unsigned char)parts[k][i]) * 1099511628211ULL;
        h = (h ^ 0xFFu) * 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static bool equals_v(const sp_keyset_t *s, const struct sp_keyset_key *k, const char *const *parts,
                     const size_t *lens, int n, size_t total)
{
    if (k->len != total)
        return false;
    const char *p = s->bytes.data + k->off;
    for (int i = 0; i < n; i++) {
        if (memcmp(p, parts[i], lens[i]) != 0 || (unsigned char)p[lens[i]] != 0xFFu)
            return false;
        p += lens[i] + 1;
    }
    return true;
}

static void grow_slots(sp_keyset_t *s)
{
    size_t nslots = s->slots == NULL ? 1024 : 2 * (s->mask + 1);
    free(s->slots); /* rebuilt below: nothing of the old table is kept */
    s->slots = sp_xrealloc(NULL, nslots * sizeof(*s->slots));
    memset(s->slots, 0, nslots * sizeof(*s->slots));
    s->mask = nslots - 1;
    for (size_t k = 0; k < s->n; k++) {
        size_t i = (size_t)s->keys[k].hash & s->mask;
        while (s->slots[i] != 0)
            i = (i + 1) & s->mask;
        s->slots[i] = (uint32_t)(k + 1);
    }
}

/* The slot holding the key, or the empty slot where it would go. */
static size_t find(const sp_keyset_t *s, uint64_t h, const char *const *parts, const size_t *lens,
                   int n, size_t total, bool *found)
{
    size_t i = (size_t)h & s->mask;
    for (; s->slots[i] != 0; i = (i + 1) & s->mask) {
        const struct sp_keyset_key *k = &s->keys[s->slots[i] - 1];
        if (k->hash == h && equals_v(s, k, parts, lens, n, total)) {
            *found = true;
            return i;
        }
    }
    *found = false;
    return i;
}

static size_t stored_len(const size_t *lens, int n)
{
    size_t total = 0;
    for (int k = 0; k < n; k++)
        total += lens[k] + 1;
    return total;
}

bool sp_keyset_addv(sp_keyset_t *s, const char *const *parts, const size_t *lens, int n)
{
    if (s->slots == NULL || 2 * (s->n + 1) > s->mask + 1)
        grow_slots(s);
    size_t total = stored_len(lens, n);
    uint64_t h = hashv(parts, lens, n);
    bool found;
    size_t i = find(s, h, parts, lens, n, total, &found);
    if (found)
        return false;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->keys = sp_xrealloc(s->keys, s->cap * sizeof(*s->keys));
    }
    s->keys[s->n] = (struct sp_keyset_key){h, s->bytes.len, total};
    sp_buf_reserve(&s->bytes, total);
    for (int j = 0; j < n; j++) {
        memcpy(s->bytes.data + s->bytes.len, parts[j], lens[j]);
        s->bytes.len += lens[j];
        s->bytes.data[s->bytes.len++] = (char)0xFF;
    }
    s->slots[i] = (uint32_t)(++s->n);
    return true;
}

/* A stored key (parts each followed by 0xFF) is, minus its last 0xFF, one part whose
 * stored form is the same bytes, with the same hash. */
bool sp_keyset_add_stored(sp_keyset_t *s, const char *key, size_t len)
{
    const size_t part_len = len - 1;
    return sp_keyset_addv(s, &key, &part_len, 1);
}

bool sp_keyset_contains(const sp_keyset_t *s, const char *const *parts, const size_t *lens, int n)
{
    return sp_keyset_index(s, parts, lens, n) != SP_KEYSET_NONE;
}

size_t sp_keyset_index(const sp_keyset_t *s, const char *const *parts, const size_t *lens, int n)
{
    if (s->n == 0)
        return SP_KEYSET_NONE;
    bool found;
    size_t i = find(s, hashv(parts, lens, n), parts, lens, n, stored_len(lens, n), &found);
    return found ? (size_t)s->slots[i] - 1 : SP_KEYSET_NONE;
}

/* Empties slot i and moves later members of its run back, so that every key stays
 * reachable from its home slot without tombstones. */
static void delete_slot(sp_keyset_t *s, size_t i)
{
    size_t j = i;
    for (;;) {
        j = (j + 1) & s->mask;
        if (s->slots[j] == 0)
            break;
        size_t home = (size_t)s->keys[s->slots[j] - 1].hash & s->mask;
        /* The key at j may fill the hole at i unless its home lies cyclically in (i, j]. */
        bool home_in_between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!home_in_between) {
            s->slots[i] = s->slots[j];
            i = j;
        }
    }
    s->slots[i] = 0;
}

void sp_keyset_undo(sp_keyset_t *s, size_t mark)
{
    while (s->n > mark) {
        uint32_t id = (uint32_t)s->n;
        size_t i = (size_t)s->keys[id - 1].hash & s->mask;
        while (s->slots[i] != id)
            i = (i + 1) & s->mask;
        delete_slot(s, i);
        s->bytes.len = s->keys[id - 1].off;
        s->n--;
    }
}
