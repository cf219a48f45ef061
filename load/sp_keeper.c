/*
 * sp_keeper.c: the kept values brought up to date after loading (migration 029). The
 * transactions that store observations only mark the kept years they touch; running
 * kept_refresh.sql recomputes every marked year once. Readers see the same rows either way
 * (marked years are computed at query time); only their time differs.
 *
 * The keeper is the daemon's: a thread with its own connection, so the lanes never wait for
 * a refresh. After the daemon tells it that batches stored observations, it refreshes at
 * most once per interval and at most a quarter of the time (it waits three times as long
 * as the last refresh took), in transactions of a few hundred years with pauses between
 * them, so that it never takes more than half a core from the lanes for long; while the
 * daemon reads a backlog (its batches close full) it
 * waits until the backlog is read, or the backlog wait has passed since the first
 * unrefreshed batch, so the backlog's batches share one recomputation of their years.
 *
 * A refresh at the end of a load (`statpipe load`, `run -e`) runs in parts side by side
 * (migration 032): part i takes the marks of the (indicator, area) buckets numbered i
 * modulo the parts, on a connection of its own, so the one recomputation of a load's
 * years uses as many cores as the loader's connections did.
 */
#include "sp_load_int.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The kept years one background refresh transaction recomputes. */
#define KEEPER_CHUNK_YEARS 256

struct sp_keeper {
    char *conninfo;
    PGconn *conn; /* the thread's, or after the thread stopped the caller's */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    int64_t interval_ms, backlog_ms;
    int parts;               /* the refresh at the stop runs in this many parts at once */
    bool stored;             /* observations were stored since the last refresh began */
    int64_t stored_since_us; /* when stored last became true */
    bool backlog;            /* the daemon is reading a backlog */
    bool quit;
};

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Logs a refresh that recomputed years (none: nothing to say). */
static void log_refresh(int level, uint64_t years, int parts, int64_t start_us)
{
    if (years > 0)
        sp_log(level, "kept_refresh", "years=%llu parts=%d ms=%lld", (unsigned long long)years,
               parts, (long long)((mono_us() - start_us) / 1000));
}

sp_status_t sp_kept_refresh(PGconn *conn, uint64_t max_years, int part, int parts, uint64_t *years,
                            sp_error_t *err)
{
    char max[24], part_s[16], parts_s[16];
    const char *params[3] = {NULL, part_s, parts_s}; /* max NULL: every marked year */
    if (max_years > 0) {
        snprintf(max, sizeof(max), "%llu", (unsigned long long)max_years);
        params[0] = max;
    }
    snprintf(part_s, sizeof(part_s), "%d", part);
    snprintf(parts_s, sizeof(parts_s), "%d", parts);
    PGresult *res = NULL;
    if (sp_pg_query(conn, sp_load_sql()->kept_refresh, 3, params, "refreshing the kept values",
                    &res, err) != SP_OK)
        return err ? err->code : SP_ERR_SERVER;
    if (years != NULL)
        *years = PQntuples(res) == 1 ? strtoull(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return SP_OK;
}

/* One part of a refresh in parts, run by a thread of its own on a connection of its own. */
typedef struct refresh_part {
    const char *conninfo;
    int part, parts;
    uint64_t years;
    sp_status_t st;
    sp_error_t err;
    pthread_t thread;
    bool started;
} refresh_part_t;

static void *refresh_part_main(void *arg)
{
    refresh_part_t *rp = arg;
    PGconn *conn = NULL;
    rp->st = sp_pg_connect(rp->conninfo, &conn, &rp->err);
    if (rp->st == SP_OK)
        rp->st = sp_kept_refresh(conn, 0, rp->part, rp->parts, &rp->years, &rp->err);
    sp_pg_close(conn);
    return NULL;
}

sp_status_t sp_kept_refresh_parts(PGconn *conn, const char *conninfo, int parts, uint64_t *years,
                                  sp_error_t *err)
{
    if (parts < 1)
        parts = 1;
    if (parts > SP_KEPT_MAX_PARTS)
        parts = SP_KEPT_MAX_PARTS;
    refresh_part_t rp[SP_KEPT_MAX_PARTS];
    memset(rp, 0, sizeof(rp));
    for (int i = 1; i < parts; i++) {
        rp[i] = (refresh_part_t){.conninfo = conninfo, .part = i, .parts = parts};
        rp[i].started = pthread_create(&rp[i].thread, NULL, refresh_part_main, &rp[i]) == 0;
        if (!rp[i].started) {
            rp[i].st = SP_ERR_INTERNAL;
            sp_error_set(&rp[i].err, SP_ERR_INTERNAL, "could not start a refresh thread");
        }
    }
    rp[0].st = sp_kept_refresh(conn, 0, 0, parts, &rp[0].years, &rp[0].err);
    sp_status_t st = SP_OK;
    uint64_t total = 0;
    for (int i = 0; i < parts; i++) {
        if (i > 0 && rp[i].started)
            pthread_join(rp[i].thread, NULL);
        total += rp[i].years;
        if (rp[i].st != SP_OK && st == SP_OK) { /* the part's marks stay for the next one */
            st = rp[i].st;
            if (err != NULL)
                *err = rp[i].err;
        }
    }
    if (years != NULL)
        *years = total;
    return st;
}

sp_status_t sp_loader_refresh_kept(sp_loader_t *ld, int parts, uint64_t *years, sp_error_t *err)
{
    sp_flusher_wait(ld);
    int64_t start = mono_us();
    uint64_t n = 0;
    sp_status_t st = sp_kept_refresh_parts(ld->conn, ld->conninfo, parts, &n, err);
    if (years != NULL)
        *years = n;
    if (st == SP_OK)
        log_refresh(SP_LOG_INFO, n, parts, start);
    else
        sp_log(SP_LOG_WARNING, "kept_refresh_failed",
               "error=%s detail=\"the views compute the years stored at query time until the "
               "next refresh\"",
               SP_LOG_Q(err->message));
    return st;
}

/* Whether the keeper was asked to stop, after waiting at most pause_us for it. */
static bool keeper_stopping(sp_keeper_t *k, int64_t pause_us)
{
    pthread_mutex_lock(&k->mu);
    int64_t until_us = mono_us() + pause_us;
    struct timespec until = {(time_t)(until_us / 1000000), (long)(until_us % 1000000) * 1000};
    while (!k->quit && pthread_cond_timedwait(&k->cv, &k->mu, &until) == 0)
        ;
    bool quit = k->quit;
    pthread_mutex_unlock(&k->mu);
    return quit;
}

/* One refresh on the keeper's connection, connecting first if need be; logged at level.
 * In the background (chunked) it recomputes KEEPER_CHUNK_YEARS years a transaction and
 * pauses after each as long as it took, so that it takes at most half a core from the
 * lanes while it runs; at the stop, when the lanes are idle, it recomputes everything at
 * once, in k->parts parts side by side. */
static sp_status_t keeper_refresh(sp_keeper_t *k, bool chunked, int level, sp_error_t *err)
{
    if (k->conn != NULL && PQstatus(k->conn) != CONNECTION_OK) {
        sp_pg_close(k->conn);
        k->conn = NULL;
    }
    if (k->conn == NULL && sp_pg_connect(k->conninfo, &k->conn, err) != SP_OK)
        return err->code;
    int64_t start = mono_us();
    uint64_t years = 0, chunk;
    for (;;) {
        int64_t t0 = mono_us();
        sp_status_t st = chunked
                             ? sp_kept_refresh(k->conn, KEEPER_CHUNK_YEARS, 0, 1, &chunk, err)
                             : sp_kept_refresh_parts(k->conn, k->conninfo, k->parts, &chunk, err);
        if (st != SP_OK)
            return st;
        years += chunk;
        if (!chunked || chunk < KEEPER_CHUNK_YEARS || keeper_stopping(k, mono_us() - t0))
            break;
    }
    log_refresh(level, years, chunked ? 1 : k->parts, start);
    return SP_OK;
}

static void *keeper_main(void *arg)
{
    sp_keeper_t *k = arg;
    int64_t last_end_us = INT64_MIN / 2, took_us = 0; /* none yet: the first is due at once */
    pthread_mutex_lock(&k->mu);
    while (!k->quit) {
        if (!k->stored) {
            pthread_cond_wait(&k->cv, &k->mu);
            continue;
        }
        int64_t wait_us = k->interval_ms * 1000 > 3 * took_us ? k->interval_ms * 1000 : 3 * took_us;
        int64_t due = last_end_us + wait_us;
        if (k->backlog && k->stored_since_us + k->backlog_ms * 1000 > due)
            due = k->stored_since_us + k->backlog_ms * 1000;
        if (mono_us() < due) {
            struct timespec until = {(time_t)(due / 1000000), (long)(due % 1000000) * 1000};
            pthread_cond_timedwait(&k->cv, &k->mu, &until);
            continue; /* told something, or due: look again */
        }
        k->stored = false;
        pthread_mutex_unlock(&k->mu);
        sp_error_t e = {0};
        int64_t start = mono_us();
        sp_status_t st = keeper_refresh(k, true, SP_LOG_DEBUG, &e);
        if (st != SP_OK) /* the marks stay: the next try recomputes them */
            sp_log(SP_LOG_WARNING, "kept_refresh_failed", "error=%s", SP_LOG_Q(e.message));
        pthread_mutex_lock(&k->mu);
        last_end_us = mono_us();
        took_us = last_end_us - start;
        if (st != SP_OK && !k->stored) {
            k->stored = true;
            k->stored_since_us = last_end_us;
        }
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

sp_status_t sp_keeper_start(apr_pool_t *pool, const char *conninfo, int64_t interval_ms,
                            int64_t backlog_ms, int parts, sp_keeper_t **out, sp_error_t *err)
{
    sp_keeper_t *k = apr_pcalloc(pool, sizeof(*k));
    k->conninfo = apr_pstrdup(pool, conninfo);
    k->interval_ms = interval_ms;
    k->backlog_ms = backlog_ms;
    k->parts = parts;
    k->stored = true; /* marks left by an earlier run are recomputed at once */
    k->stored_since_us = mono_us();
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&k->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&k->mu, NULL);
    if (pthread_create(&k->thread, NULL, keeper_main, k) != 0) {
        pthread_cond_destroy(&k->cv);
        pthread_mutex_destroy(&k->mu);
        return sp_error_set(err, SP_ERR_INTERNAL, "could not start the kept values' thread");
    }
    *out = k;
    return SP_OK;
}

void sp_keeper_set_interval(sp_keeper_t *k, int64_t interval_ms, int64_t backlog_ms)
{
    pthread_mutex_lock(&k->mu);
    k->interval_ms = interval_ms;
    k->backlog_ms = backlog_ms;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
}

void sp_keeper_tell(sp_keeper_t *k, bool stored, bool backlog)
{
    pthread_mutex_lock(&k->mu);
    if (stored && !k->stored) {
        k->stored = true;
        k->stored_since_us = mono_us();
    }
    k->backlog = backlog;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
}

sp_status_t sp_keeper_stop(sp_keeper_t *k, bool refresh, sp_error_t *err)
{
    pthread_mutex_lock(&k->mu);
    k->quit = true;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->thread, NULL);
    sp_status_t st = SP_OK;
    if (refresh)
        st = keeper_refresh(k, false, SP_LOG_INFO, err);
    sp_pg_close(k->conn);
    k->conn = NULL;
    pthread_cond_destroy(&k->cv);
    pthread_mutex_destroy(&k->mu);
    return st;
}
