/*
 * sp_keeper.c: the kept values brought up to date after loading (migration 029). The
 * transactions that store observations only mark the kept years they touch; running
 * kept_refresh.sql recomputes every marked year once, however many batches marked it.
 *
 * The keeper is the daemon's: a thread with its own connection that refreshes after it is
 * poked (a batch stored observations), at most once per interval and at most a quarter of
 * the time, so a backlog's batches share one recomputation of their years, and the lanes
 * never wait for it. Readers see the same
 * rows either way (marked years are computed at query time); only their time differs.
 */
#include "sp_load_int.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <time.h>

struct sp_keeper {
    char *conninfo;
    int64_t interval_ms;
    PGconn *conn; /* the thread's, or after the thread stopped the caller's */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool poked; /* observations were stored since the last refresh began */
    bool quit;
};

sp_status_t sp_kept_refresh(PGconn *conn, uint64_t *years, sp_error_t *err)
{
    PGresult *res = NULL;
    if (sp_pg_query(conn, sp_load_sql()->kept_refresh, 0, NULL, "refreshing the kept values", &res,
                    err) != SP_OK)
        return err ? err->code : SP_ERR_SERVER;
    if (years != NULL)
        *years = PQntuples(res) == 1 ? strtoull(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return SP_OK;
}

sp_status_t sp_loader_refresh_kept(sp_loader_t *ld, uint64_t *years, sp_error_t *err)
{
    sp_flusher_wait(ld);
    return sp_kept_refresh(ld->conn, years, err);
}

/* One refresh on the keeper's connection, connecting first if need be. */
static sp_status_t keeper_refresh(sp_keeper_t *k, sp_error_t *err)
{
    if (k->conn != NULL && PQstatus(k->conn) != CONNECTION_OK) {
        sp_pg_close(k->conn);
        k->conn = NULL;
    }
    if (k->conn == NULL && sp_pg_connect(k->conninfo, &k->conn, err) != SP_OK)
        return err->code;
    int64_t start = sp_time_now_us();
    uint64_t years = 0;
    sp_status_t st = sp_kept_refresh(k->conn, &years, err);
    if (st == SP_OK && years > 0)
        sp_log(SP_LOG_DEBUG, "kept_refresh", "years=%llu ms=%lld", (unsigned long long)years,
               (long long)((sp_time_now_us() - start) / 1000));
    return st;
}

static void deadline_after(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *keeper_main(void *arg)
{
    sp_keeper_t *k = arg;
    pthread_mutex_lock(&k->mu);
    while (!k->quit) {
        if (!k->poked) {
            pthread_cond_wait(&k->cv, &k->mu);
            continue;
        }
        k->poked = false;
        pthread_mutex_unlock(&k->mu);
        sp_error_t e = {0};
        int64_t start = sp_time_now_us();
        if (keeper_refresh(k, &e) != SP_OK) {
            /* The marks stay: the next try recomputes them. */
            sp_log(SP_LOG_WARNING, "kept_refresh_failed", "error=%s", SP_LOG_Q(e.message));
            pthread_mutex_lock(&k->mu);
            k->poked = true;
        } else {
            pthread_mutex_lock(&k->mu);
        }
        /* At most one refresh per interval, and at most a quarter of the time: the batches
         * in between share the next, however long a refresh of a backlog's years takes. */
        int64_t took_ms = (sp_time_now_us() - start) / 1000;
        struct timespec until;
        deadline_after(&until, k->interval_ms > 3 * took_ms ? k->interval_ms : 3 * took_ms);
        while (!k->quit && pthread_cond_timedwait(&k->cv, &k->mu, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

sp_status_t sp_keeper_start(apr_pool_t *pool, const char *conninfo, int64_t interval_ms,
                            sp_keeper_t **out, sp_error_t *err)
{
    sp_keeper_t *k = apr_pcalloc(pool, sizeof(*k));
    k->conninfo = apr_pstrdup(pool, conninfo);
    k->interval_ms = interval_ms;
    k->poked = true; /* marks left by an earlier run are recomputed at once */
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    if (pthread_create(&k->thread, NULL, keeper_main, k) != 0) {
        pthread_cond_destroy(&k->cv);
        pthread_mutex_destroy(&k->mu);
        return sp_error_set(err, SP_ERR_INTERNAL, "could not start the kept values' thread");
    }
    *out = k;
    return SP_OK;
}

void sp_keeper_set_interval(sp_keeper_t *k, int64_t interval_ms)
{
    pthread_mutex_lock(&k->mu);
    k->interval_ms = interval_ms;
    pthread_mutex_unlock(&k->mu);
}

void sp_keeper_poke(sp_keeper_t *k)
{
    pthread_mutex_lock(&k->mu);
    k->poked = true;
    pthread_mutex_unlock(&k->mu);
    pthread_cond_signal(&k->cv);
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
        st = keeper_refresh(k, err);
    sp_pg_close(k->conn);
    k->conn = NULL;
    pthread_cond_destroy(&k->cv);
    pthread_mutex_destroy(&k->mu);
    return st;
}
