/*
 * sp_stage.c: staging: each message taken runs through the transform, and its rows are
 * appended as COPY text to the current batch's reused buffers (observations, or the
 * quarantine row with the raw bytes); the batch remembers the Kafka positions it reaches.
 * Nothing here touches the connection, so staging runs while the flusher thread commits.
 */
#include "sp_load_int.h"

#include <apr_strings.h>
#include <apr_time.h>
#include <stdlib.h>
#include <string.h>

void sp_batch_init(sp_batch_t *b)
{
    memset(b, 0, sizeof(*b));
    sp_buf_init(&b->obs);
    sp_buf_init(&b->obs_new);
    sp_buf_init(&b->seen);
    sp_keyset_init(&b->ids);
    sp_keyset_init(&b->slots);
    sp_keyset_init(&b->series);
    sp_keyset_init(&b->due_keys);
    sp_buf_init(&b->due);
    sp_buf_init(&b->quarantine);
    sp_buf_init(&b->replayed);
    b->since_us = apr_time_now();
}

void sp_batch_free(sp_batch_t *b)
{
    sp_buf_free(&b->obs);
    sp_buf_free(&b->obs_new);
    sp_buf_free(&b->seen);
    sp_keyset_free(&b->ids);
    sp_keyset_free(&b->slots);
    sp_keyset_free(&b->series);
    sp_keyset_free(&b->due_keys);
    sp_buf_free(&b->due);
    sp_buf_free(&b->quarantine);
    sp_buf_free(&b->replayed);
    free(b->series_ids);
    free(b->resolved);
    free(b->offsets);
    b->series_ids = b->resolved = NULL;
    b->offsets = NULL;
}

/* Empties a batch, keeping its buffers for the next one. */
void sp_batch_reset(sp_batch_t *b)
{
    sp_buf_reset(&b->obs);
    sp_buf_reset(&b->obs_new);
    sp_buf_reset(&b->seen);
    sp_keyset_reset(&b->ids);
    sp_keyset_reset(&b->slots);
    b->slot_repeats = false;
    sp_keyset_reset(&b->series);
    b->n_resolved = 0;
    b->series_missing = false;
    b->copied = false;
    sp_keyset_reset(&b->due_keys);
    sp_buf_reset(&b->due);
    b->since_us = apr_time_now();
    sp_buf_reset(&b->quarantine);
    sp_buf_reset(&b->replayed);
    b->n_offsets = 0;
    b->messages = 0;
    memset(b->reasons, 0, sizeof(b->reasons));
}

void sp_put_i64(sp_buf_t *b, int64_t v)
{
    char tmp[24];
    int k = 0;
    uint64_t u = v < 0 ? 0ULL - (uint64_t)v : (uint64_t)v;
    do {
        tmp[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    sp_buf_reserve(b, (size_t)k + 1);
    if (v < 0)
        b->data[b->len++] = '-';
    while (k > 0)
        b->data[b->len++] = tmp[--k];
}

static inline void put_tab(sp_buf_t *b)
{
    sp_buf_putc(b, '\t');
}

static inline void put_null(sp_buf_t *b)
{
    sp_buf_append(b, "\\N", 2);
}

static void put_text(sp_buf_t *b, const char *s, size_t n)
{
    if (s == NULL)
        put_null(b);
    else
        sp_buf_copy_text(b, s, n);
}

static void put_source(sp_buf_t *b, const sp_source_t *src)
{
    if (src != NULL && src->topic != NULL) {
        sp_buf_copy_text(b, src->topic, strlen(src->topic));
        put_tab(b);
        sp_put_i64(b, src->partition);
        put_tab(b);
        sp_put_i64(b, src->offset);
    } else {
        put_null(b);
        put_tab(b);
        put_null(b);
        put_tab(b);
        put_null(b);
    }
}

/* The id the rows of a series carry in batch b: the stored id the loader knows, or
 * -(k + 1), k being the series' place in the batch. */
static int64_t batch_series_id(sp_loader_t *ld, sp_batch_t *b, const char *const *key,
                               const size_t *lens)
{
    size_t k = sp_keyset_index(&b->series, key, lens, 6);
    if (k != SP_KEYSET_NONE)
        return b->series_ids[k];
    k = sp_keyset_size(&b->series);
    size_t known = sp_keyset_index(&ld->known_series, key, lens, 6);
    int64_t id = known != SP_KEYSET_NONE ? ld->known_ids[known] : -(int64_t)k - 1;
    if (k == b->cap_series_ids) {
        b->cap_series_ids = b->cap_series_ids ? 2 * b->cap_series_ids : 256;
        b->series_ids = sp_xrealloc(b->series_ids, b->cap_series_ids * sizeof(*b->series_ids));
    }
    (void)sp_keyset_addv(&b->series, key, lens, 6);
    b->series_ids[k] = id;
    return id;
}

/* A release that may still be under embargo when the batch commits: one at most an hour
 * in the past when the batch was emptied, which covers clocks that differ. */
#define DUE_MARGIN_US (3600LL * 1000000LL)

/* One observation, as a row of the vintage table in the column order of
 * sql/copy_observation.sql (in obs, or in obs_new when the loader knows no id for its
 * series), and its (sender, message id) for sql/copy_seen.sql. */
static sp_status_t stage_obs(void *opaque, const sp_obs_t *obs, sp_error_t *err)
{
    (void)err;
    sp_loader_t *ld = opaque;
    sp_batch_t *bt = ld->cur;
    char tmp[SP_TIME_TEXT_MAX];
    /* An id the batch holds already is a repeat, a no-op like an id seen in an earlier
     * batch; the first one counts. */
    if (!sp_keyset_add2(&bt->ids, obs->sender, obs->sender_len, obs->message_id,
                        obs->message_id_len))
        return SP_OK;
    char release[SP_TIME_TEXT_MAX];
    size_t release_len = sp_time_format(obs->release_us, release);
    const char *slot[8] = {obs->sender,          obs->indicator->code, obs->ref_area,    &obs->freq,
                           obs->ytd ? "Y" : "P", obs->breakdown,       obs->period_text, release};
    const size_t slot_lens[8] = {
        obs->sender_len,        strlen(obs->indicator->code), obs->ref_area_len, 1, 1,
        strlen(obs->breakdown), strlen(obs->period_text),     release_len};
    if (!sp_keyset_addv(&bt->slots, slot, slot_lens, 8))
        bt->slot_repeats = true;
    int64_t series_id = batch_series_id(ld, bt, slot, slot_lens); /* the series: 6 parts */
    sp_buf_t *b = series_id > 0 ? &bt->obs : &bt->obs_new;
    sp_put_i64(b, series_id);
    put_tab(b);
    sp_buf_append(b, obs->period_text, slot_lens[6]);
    put_tab(b);
    sp_buf_append(b, tmp, sp_date_format(obs->period.start_day, tmp));
    put_tab(b);
    sp_buf_append(b, tmp, sp_date_format(obs->period.end_day, tmp));
    put_tab(b);
    sp_buf_append(b, release, release_len);
    if (obs->release_us > bt->since_us - DUE_MARGIN_US &&
        sp_keyset_addv(&bt->due_keys, &slot[7], &slot_lens[7], 1)) {
        if (bt->due.len > 0)
            sp_buf_putc(&bt->due, ',');
        sp_buf_putc(&bt->due, '"');
        sp_buf_append(&bt->due, release, release_len);
        sp_buf_putc(&bt->due, '"');
    }
    put_tab(b);
    if (obs->has_value)
        sp_buf_puts(b, obs->value);
    else
        put_null(b);
    put_tab(b);
    sp_buf_puts(b, obs->unit->code);
    put_tab(b);
    if (obs->has_value)
        sp_buf_copy_text(b, obs->value_published, strlen(obs->value_published));
    else
        put_null(b);
    put_tab(b);
    sp_buf_copy_text(b, obs->unit_published, obs->unit_published_len);
    put_tab(b);
    sp_put_i64(b, obs->unit_mult);
    put_tab(b);
    sp_buf_putc(b, obs->obs_status);
    put_tab(b);
    sp_buf_putc(b, obs->conf_status);
    put_tab(b);
    sp_buf_putc(b, obs->delete_action ? 't' : 'f');
    put_tab(b);
    put_text(b, obs->comment, obs->comment_len);
    put_tab(b);
    sp_buf_copy_text(b, obs->message_id, obs->message_id_len);
    put_tab(b);
    put_source(b, ld->cur_src);
    sp_buf_putc(b, '\n');
    sp_buf_copy_text(&bt->seen, obs->sender, obs->sender_len);
    put_tab(&bt->seen);
    sp_buf_copy_text(&bt->seen, obs->message_id, obs->message_id_len);
    sp_buf_putc(&bt->seen, '\n');
    ld->stats.rows++;
    return SP_OK;
}

/* One rejected message, as a row of sp_stage_quarantine in the column order of
 * sql/copy_quarantine.sql. */
static void stage_quarantine(sp_loader_t *ld, const sp_source_t *src, const sp_reject_t *rej,
                             const void *payload, size_t len)
{
    sp_buf_t *b = &ld->cur->quarantine;
    sp_buf_puts(b, sp_reason_name(rej->reason));
    put_tab(b);
    /* A message over the size limit is kept by its first bytes only (enough to tell where
     * it came from); it cannot be replayed and must be published again. */
    bool cut = rej->reason == SP_REASON_TOO_LARGE && len > SP_OVERSIZE_KEEP_BYTES &&
               (len > ld->max_message_bytes || (src != NULL && src->whole_len > len));
    if (cut)
        len = SP_OVERSIZE_KEEP_BYTES;
    /* Details quote the message; PostgreSQL text cannot hold NUL, so cut there. */
    sp_buf_copy_text(b, rej->detail, strlen(rej->detail));
    if (cut || (src != NULL && src->whole_len > len))
        sp_buf_printf(b, "; its first %zu bytes are kept", len);
    put_tab(b);
    if (rej->message_id[0])
        sp_buf_copy_text(b, rej->message_id, strlen(rej->message_id));
    else
        put_null(b);
    put_tab(b);
    if (rej->sender[0])
        sp_buf_copy_text(b, rej->sender, strlen(rej->sender));
    else
        put_null(b);
    put_tab(b);
    put_source(b, src);
    put_tab(b);
    if (src != NULL && src->file != NULL) {
        sp_buf_copy_text(b, src->file, strlen(src->file));
        put_tab(b);
        sp_put_i64(b, src->line);
    } else {
        put_null(b);
        put_tab(b);
        put_null(b);
    }
    put_tab(b);
    sp_buf_copy_bytea(b, payload, len);
    sp_buf_putc(b, '\n');
    ld->stats.quarantined++;
    ld->cur->reasons[rej->reason]++;
}

/* Topic names are few and long-lived: one copy of each, kept for the loader's life (a
 * copy per batch would grow the pool without end). */
static const char *intern_topic(sp_loader_t *ld, const char *topic)
{
    for (int i = 0; i < ld->topics->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(ld->topics, i, const char *), topic) == 0)
            return APR_ARRAY_IDX(ld->topics, i, const char *);
    const char *copy = apr_pstrdup(ld->pool, topic);
    APR_ARRAY_PUSH(ld->topics, const char *) = copy;
    return copy;
}

static void remember_offset(sp_loader_t *ld, const sp_source_t *src)
{
    sp_batch_t *b = ld->cur;
    for (int i = 0; i < b->n_offsets; i++) {
        sp_offset_slot_t *o = &b->offsets[i];
        if (o->partition == src->partition && strcmp(o->topic, src->topic) == 0) {
            if (src->offset + 1 > o->next)
                o->next = src->offset + 1;
            if (src->offset < o->first)
                o->first = src->offset;
            return;
        }
    }
    if (b->n_offsets == b->cap_offsets) {
        int cap = b->cap_offsets ? 2 * b->cap_offsets : 16;
        b->offsets = sp_xrealloc(b->offsets, sizeof(*b->offsets) * (size_t)cap);
        b->cap_offsets = cap;
    }
    sp_offset_slot_t *o = &b->offsets[b->n_offsets++];
    o->topic = intern_topic(ld, src->topic);
    o->partition = src->partition;
    o->first = src->offset;
    o->next = src->offset + 1;
}

/* Runs the transform on one message, staging its rows in the current batch; a message
 * that is rejected or fails is staged not at all (its rows and their keys taken back). */
static sp_transform_result_t stage_message(sp_loader_t *ld, const sp_source_t *src,
                                           const void *payload, size_t len, sp_reject_t *rej,
                                           sp_error_t *err)
{
    sp_batch_t *b = ld->cur;
    size_t obs_mark = b->obs.len, obs_new_mark = b->obs_new.len, seen_mark = b->seen.len,
           due_mark = b->due.len, ids_mark = sp_keyset_size(&b->ids),
           slots_mark = sp_keyset_size(&b->slots), series_mark = sp_keyset_size(&b->series),
           due_keys_mark = sp_keyset_size(&b->due_keys);
    uint64_t rows_mark = ld->stats.rows;
    ld->cur_src = src;
    sp_transform_result_t res = sp_transform_run(ld->tf, payload, len, stage_obs, ld, rej, err);
    ld->cur_src = NULL;
    if (res != SP_TRANSFORM_OK) {
        b->obs.len = obs_mark;
        b->obs_new.len = obs_new_mark;
        b->seen.len = seen_mark;
        b->due.len = due_mark;
        sp_keyset_undo(&b->ids, ids_mark);
        sp_keyset_undo(&b->slots, slots_mark);
        sp_keyset_undo(&b->series, series_mark);
        sp_keyset_undo(&b->due_keys, due_keys_mark);
        ld->stats.rows = rows_mark;
    }
    return res;
}

sp_status_t sp_loader_add(sp_loader_t *ld, const sp_source_t *src, const void *payload, size_t len,
                          sp_error_t *err)
{
    sp_reject_t rej;
    sp_transform_result_t res =
        src != NULL && src->whole_len > len
            ? sp_transform_reject_size(&rej, src->whole_len, ld->max_message_bytes)
            : stage_message(ld, src, payload, len, &rej, err);
    if (res == SP_TRANSFORM_FAILED)
        return err ? err->code : SP_ERR_INTERNAL;
    if (res == SP_TRANSFORM_REJECT) {
        /* A message is loaded whole or not at all. */
        stage_quarantine(ld, src, &rej, payload, len);
        /* Per message only when asked for: batch_done says it once per batch. */
        sp_log(SP_LOG_DEBUG, "quarantine", "reason=%s message_id=%s detail=%s",
               sp_reason_name(rej.reason), SP_LOG_Q(rej.message_id), SP_LOG_Q(rej.detail));
    }
    if (src != NULL && src->topic != NULL)
        remember_offset(ld, src);
    ld->cur->messages++;
    ld->stats.messages++;
    return SP_OK;
}

sp_status_t sp_loader_add_replay(sp_loader_t *ld, int64_t quarantine_id, const sp_source_t *src,
                                 const void *payload, size_t len, sp_reject_t *rej, bool *accepted,
                                 sp_error_t *err)
{
    sp_transform_result_t res = stage_message(ld, src, payload, len, rej, err);
    if (res == SP_TRANSFORM_FAILED)
        return err ? err->code : SP_ERR_INTERNAL;
    *accepted = res == SP_TRANSFORM_OK;
    if (!*accepted)
        return SP_OK;
    sp_put_i64(&ld->cur->replayed, quarantine_id);
    sp_buf_putc(&ld->cur->replayed, '\n');
    ld->cur->messages++;
    ld->stats.messages++;
    return SP_OK;
}
