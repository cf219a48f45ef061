/*
 * sp_flusher.c: the loader's two batches in order: the flusher thread commits the older
 * one (a flight) while the caller stages the current one; landing a flight collects its
 * result. One batch flies at a time, batches commit in staging order, and a failed
 * flight's batch stays ahead of the staged one until it is retried, settled or abandoned.
 */
#include "sp_load_int.h"

#include <stdio.h>
#include <string.h>

/* Remembers the stored ids of committed batch b's series for the batches to come. After a
 * series thought stored was missing, only the ids this batch found are kept. */
static void remember_series(sp_loader_t *ld, const sp_batch_t *b)
{
    if (b->series_missing)
        sp_keyset_reset(&ld->known_series);
    size_t n = sp_keyset_size(&b->series);
    for (size_t i = 0; i < n; i++) {
        int64_t id = b->n_resolved == n ? b->resolved[i] : b->series_ids[i];
        if (id <= 0)
            continue; /* not found stored: the next batch adds it */
        size_t len;
        const char *key = sp_keyset_key(&b->series, i, &len);
        size_t k = sp_keyset_size(&ld->known_series);
        if (!sp_keyset_add_stored(&ld->known_series, key, len)) {
            const size_t part_len = len - 1;
            k = sp_keyset_index(&ld->known_series, &key, &part_len, 1);
        } else if (k == ld->cap_known_ids) {
            ld->cap_known_ids = ld->cap_known_ids ? 2 * ld->cap_known_ids : 1024;
            ld->known_ids = sp_xrealloc(ld->known_ids, ld->cap_known_ids * sizeof(*ld->known_ids));
        }
        ld->known_ids[k] = id;
    }
}

void sp_batch_done(sp_loader_t *ld, sp_batch_t *b, uint64_t inserted)
{
    char reasons[512];
    size_t n = 0;
    uint64_t quarantined = 0;
    ld->stats.inserted += inserted;
    ld->stats.batches++;
    ld->stats.copied += b->copied;
    reasons[0] = '\0';
    for (int r = 0; r < SP_REASON__COUNT; r++) {
        ld->stats.quarantined_by_reason[r] += b->reasons[r];
        quarantined += b->reasons[r];
        if (b->reasons[r] > 0 && n < sizeof(reasons))
            n +=
                (size_t)snprintf(reasons + n, sizeof(reasons) - n, " %s=%llu",
                                 sp_reason_name((sp_reason_t)r), (unsigned long long)b->reasons[r]);
    }
    if (quarantined > 0)
        sp_log(SP_LOG_INFO, "quarantined", "messages=%llu%s", (unsigned long long)quarantined,
               reasons);
    remember_series(ld, b);
    sp_batch_reset(b);
    if (b == ld->older)
        ld->older = NULL;
}

static void *flusher_main(void *arg)
{
    sp_loader_t *ld = arg;
    pthread_mutex_lock(&ld->mu);
    for (;;) {
        while (!ld->quit && !(ld->flying && !ld->finished))
            pthread_cond_wait(&ld->cv, &ld->mu);
        if (ld->quit)
            break;
        sp_batch_t *b = ld->older;
        pthread_mutex_unlock(&ld->mu);
        sp_error_t e = {0};
        uint64_t inserted = 0;
        sp_status_t st = sp_merge_batch(ld, b, &inserted, &e);
        pthread_mutex_lock(&ld->mu);
        ld->flight_st = st;
        ld->flight_err = e;
        ld->flight_inserted = inserted;
        ld->finished = true;
        pthread_cond_broadcast(&ld->cv);
    }
    pthread_mutex_unlock(&ld->mu);
    return NULL;
}

/* Waits until the flusher thread is done with the connection (its result stays for
 * sp_loader_land to collect). */
void sp_flusher_wait(sp_loader_t *ld)
{
    if (!ld->flying)
        return;
    pthread_mutex_lock(&ld->mu);
    while (!ld->finished)
        pthread_cond_wait(&ld->cv, &ld->mu);
    pthread_mutex_unlock(&ld->mu);
}

void sp_flusher_stop(sp_loader_t *ld)
{
    if (!ld->has_thread)
        return;
    pthread_mutex_lock(&ld->mu);
    ld->quit = true;
    pthread_cond_broadcast(&ld->cv);
    pthread_mutex_unlock(&ld->mu);
    pthread_join(ld->thread, NULL);
    ld->has_thread = false;
}

sp_status_t sp_loader_land(sp_loader_t *ld, bool wait, bool *flying, sp_error_t *err)
{
    *flying = false;
    if (!ld->flying)
        return SP_OK;
    pthread_mutex_lock(&ld->mu);
    while (wait && !ld->finished)
        pthread_cond_wait(&ld->cv, &ld->mu);
    bool finished = ld->finished;
    pthread_mutex_unlock(&ld->mu);
    if (!finished) {
        *flying = true;
        return SP_OK;
    }
    ld->flying = false;
    ld->finished = false;
    if (ld->flight_st != SP_OK) {
        /* The batch stays in `older`, to be flushed again or settled before `cur`. */
        if (err != NULL)
            *err = ld->flight_err;
        return ld->flight_st;
    }
    sp_batch_done(ld, ld->older, ld->flight_inserted);
    return SP_OK;
}

sp_status_t sp_loader_flush(sp_loader_t *ld, sp_error_t *err)
{
    bool flying;
    sp_status_t st = sp_loader_land(ld, true, &flying, err);
    if (st != SP_OK)
        return st;
    sp_batch_t *order[2] = {ld->older, ld->cur};
    for (int k = 0; k < 2; k++) {
        sp_batch_t *b = order[k];
        uint64_t inserted = 0;
        if (b == NULL || b->messages == 0)
            continue;
        if ((st = sp_merge_batch(ld, b, &inserted, err)) != SP_OK)
            return st; /* kept: the caller retries or abandons */
        sp_batch_done(ld, b, inserted);
    }
    return SP_OK;
}

sp_status_t sp_loader_flush_async(sp_loader_t *ld, sp_error_t *err)
{
    bool flying;
    sp_status_t st = sp_loader_land(ld, true, &flying, err);
    if (st != SP_OK)
        return st;
    if (ld->older != NULL)
        return sp_loader_flush(ld, err); /* a failed batch goes first, and in order */
    if (ld->cur->messages == 0)
        return SP_OK;
    if (!ld->has_thread) {
        if (pthread_create(&ld->thread, NULL, flusher_main, ld) != 0)
            return sp_loader_flush(ld, err);
        ld->has_thread = true;
    }
    pthread_mutex_lock(&ld->mu);
    ld->older = ld->cur;
    ld->cur = ld->cur == &ld->batches[0] ? &ld->batches[1] : &ld->batches[0];
    ld->flying = true;
    ld->finished = false;
    pthread_cond_broadcast(&ld->cv);
    pthread_mutex_unlock(&ld->mu);
    return SP_OK;
}

void sp_loader_abandon(sp_loader_t *ld)
{
    bool flying;
    (void)sp_loader_land(ld, true, &flying, NULL); /* a flight that went in is counted */
    if (ld->older != NULL)
        sp_batch_reset(ld->older);
    ld->older = NULL;
    sp_batch_reset(ld->cur);
}
