/*
 * sp_sdmx.h: SDMX, the exchange standard of official statistics (ISO 17369), out of
 * statpipe: the data structure of its observations and its code lists as an SDMX-ML 2.1
 * structure message, and data as SDMX-CSV 2.0 or SDMX-ML 2.1 structure-specific data,
 * read through the stats views, so that a reader login's embargo and confidentiality hold.
 * docs/sdmx.md describes the structure and the mappings.
 */
#ifndef SP_SDMX_H
#define SP_SDMX_H

#include "sp_core.h"

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>

#define SP_SDMX_AGENCY "STATPIPE"
#define SP_SDMX_FLOW "INFORMATIZATION"
#define SP_SDMX_DSD "DSD_INFORMATIZATION"
#define SP_SDMX_VERSION "1.0"
#define SP_SDMX_CONCEPT_SCHEME "CS_STATPIPE"
#define SP_SDMX_CONSTRAINT "CC_AVAILABILITY"
#define SP_SDMX_CATEGORY_SCHEME "CAT_STATPIPE"
#define SP_SDMX_HIERARCHY "HCL_AREA"

/* The dimensions of the series key, in the order of keys in queries and of columns. */
enum {
    SP_SDMX_INDICATOR,
    SP_SDMX_REF_AREA,
    SP_SDMX_FREQ,
    SP_SDMX_SENDER,
    SP_SDMX_CALC_BASIS,
    SP_SDMX_BREAKDOWN,
    SP_SDMX_N_DIMS
};
extern const char *const sp_sdmx_dim_id[SP_SDMX_N_DIMS];

/* Data formats: SDMX-CSV 2.0; SDMX-ML 2.1 structure-specific data, its time-series form,
 * generic data and its time-series form; SDMX-JSON 2.0; SDMX-CSV 1.0 and SDMX-JSON 1.0,
 * which clients written for the earlier versions ask for. */
typedef enum {
    SP_SDMX_CSV = 0,
    SP_SDMX_ML,
    SP_SDMX_JSON,
    SP_SDMX_ML_TS,
    SP_SDMX_GENERIC,
    SP_SDMX_GENERIC_TS,
    SP_SDMX_CSV1,
    SP_SDMX_JSON1
} sp_sdmx_format_t;

/* The REST API's detail: everything (full), observations without attributes (dataonly),
 * or the series alone, without observations (serieskeysonly; nodata, there being no
 * series-level attribute). */
typedef enum {
    SP_SDMX_FULL = 0,
    SP_SDMX_DATAONLY,
    SP_SDMX_SERIESKEYSONLY,
    SP_SDMX_NODATA
} sp_sdmx_detail_t;
/* Parses a detail value; false if it is none of the four. */
bool sp_sdmx_detail_parse(const char *s, sp_sdmx_detail_t *out);

/* A data query, as the SDMX REST API spells its parts. Strings may be NULL for none. */
typedef struct sp_sdmx_query {
    const char *key;          /* "ONLINE_RETAIL.CN+110000.M": "+" or, empty parts match any */
    const char *start_period; /* SDMX periods ("2023", "2023-Q2", "2023-07") or dates */
    const char *end_period;
    const char *updated_after; /* a time: only figures released after it */
    const char *as_of;         /* a time: the figures as known then; NULL for now */
    const char *provider;      /* data providers (senders, "A+B"): their data alone; NULL
                                  for all */
    bool include_history;      /* every vintage, with its validity */
    sp_sdmx_detail_t detail;   /* what of each observation is written */
    bool flat;                 /* dimensionAtObservation=AllDimensions: no series, every
                                  observation with its whole key (SDMX-ML) */
    int obs_dim;               /* dimensionAtObservation=one of the dimensions: 1 + its
                                  index; the series then have TIME_PERIOD in their key
                                  (SDMX-ML). 0: TIME_PERIOD at the observation */
    long first_n, last_n;      /* per series, the first or last N periods; 0 for all */
} sp_sdmx_query_t;

/* Checks a query before it runs: a key with more parts than dimensions, or a period that is
 * no SDMX period or date, is SP_ERR_INVALID with a message that says what to send. */
sp_status_t sp_sdmx_query_check(const sp_sdmx_query_t *q, sp_error_t *err);

/* Writes the data that match q in format to out, reading row by row (a large answer does not
 * sit in memory). *n_obs is the number of observations written. */
sp_status_t sp_sdmx_write_data(PGconn *conn, const sp_sdmx_query_t *q, sp_sdmx_format_t format,
                               FILE *out, long *n_obs, sp_error_t *err);
/* The same, stopping with SP_ERR_RANGE once more than max observations (0: no bound) match. */
sp_status_t sp_sdmx_write_data_max(PGconn *conn, const sp_sdmx_query_t *q, sp_sdmx_format_t format,
                                   long max, FILE *out, long *n_obs, sp_error_t *err);

/* The artefacts of statpipe's structure (docs/sdmx.md), each a node of the graph of
 * references that a structure query's references= walks (sp_sdmx_select.c). */
enum {
    SP_SDMX_A_DATAFLOW,
    SP_SDMX_A_DSD,
    SP_SDMX_A_CONCEPTS,
    SP_SDMX_A_CODELIST, /* the ten code lists, in the order of the components */
    SP_SDMX_A_AGENCIES = SP_SDMX_A_CODELIST + 10,
    SP_SDMX_A_PROVIDERS,      /* the senders as data providers */
    SP_SDMX_A_AGREEMENTS,     /* a provision agreement per sender */
    SP_SDMX_A_CONSTRAINT,     /* the data's availability, an actual content constraint */
    SP_SDMX_A_CATEGORIES,     /* the category scheme */
    SP_SDMX_A_CATEGORISATION, /* the dataflow's categories, one categorisation each */
    SP_SDMX_A_HIERARCHY,      /* the areas that make the national total */
    SP_SDMX_A_N
};
typedef uint32_t sp_sdmx_set_t;
#define SP_SDMX_BIT(a) ((sp_sdmx_set_t)1 << (a))
#define SP_SDMX_SET_ALL (SP_SDMX_BIT(SP_SDMX_A_N) - 1)
#define SP_SDMX_CODELISTS (SP_SDMX_BIT(SP_SDMX_A_CODELIST + 10) - SP_SDMX_BIT(SP_SDMX_A_CODELIST))

/* What a structure message holds: the artefacts wanted, those the query named (self), those
 * written as stubs (names only; complete: with descriptions), and for the named ones only
 * some items ("A+B") or, of the agreements and the categorisations (one per sender, one
 * per category), the ids asked for. */
typedef struct sp_sdmx_selection {
    sp_sdmx_set_t want, self, stubs;
    bool complete;
    const char *items;
    const char *members; /* PA_<SENDER> or CTG_<CATEGORY> ("A+B"), or NULL for every one */
} sp_sdmx_selection_t;

/* What a structure query answers: the artefacts of resource with agency, id ("A+B" or all)
 * and version, their relatives by references=, the stubs by detail=. SP_ERR_NOTFOUND when
 * it names none, SP_ERR_RANGE for a resource that is none of the REST API's structure
 * types, SP_ERR_INVALID for a references= or detail= the REST API does not have. */
sp_status_t sp_sdmx_select(const char *resource, const char *agency, const char *id,
                           const char *version, const char *references, const char *detail,
                           sp_sdmx_selection_t *sel, sp_error_t *err);

/* Writes the structure message (SDMX-ML 2.1) of sel, names in Chinese and English. *found
 * is false when the artefacts named have none of the items or members asked for. */
sp_status_t sp_sdmx_write_structure(PGconn *conn, const sp_sdmx_selection_t *sel, FILE *out,
                                    bool *found, sp_error_t *err);
/* The same as SDMX-JSON 1.0 (sp_sdmx_sjson.c). */
sp_status_t sp_sdmx_write_structure_json(PGconn *conn, const sp_sdmx_selection_t *sel, FILE *out,
                                         bool *found, sp_error_t *err);

/* Data availability (sp_sdmx_avail.c): the values each dimension (or component alone)
 * takes in the data q selects, and the time they cover, as an actual content constraint of
 * the dataflow, after the structure parts asked for (their code lists with only the codes
 * the data have). available (mode=available): each dimension's values among the data that
 * match the key's other parts. No data is an empty region. */
sp_status_t sp_sdmx_write_availability(PGconn *conn, const sp_sdmx_query_t *q,
                                       const char *component, bool available, sp_sdmx_set_t parts,
                                       FILE *out, bool *found, sp_error_t *err);

/* SDMX in (sp_sdmx_read.c): an SDMX-CSV or SDMX-ML 2.1 structure-specific data file of the
 * dataflow, each observation handed to cb as a contract message (statpipe.observation/1)
 * with where it stands (the CSV line or the XML element's line). An observation without
 * VALID_FROM (validFromDate in SDMX-ML) takes release (NULL: none; the transform then
 * rejects it for want of a release). A file that is not one of the dataflow (bad XML, a
 * DTD, missing columns, another dataflow) is SP_ERR_INVALID before any message is handed
 * out. */
typedef sp_status_t (*sp_sdmx_msg_cb)(void *opaque, long where, const char *msg, size_t len,
                                      sp_error_t *err);
sp_status_t sp_sdmx_read(const char *path, sp_sdmx_format_t format, const char *release,
                         sp_sdmx_msg_cb cb, void *opaque, long *observations, sp_error_t *err);

/* The REST service (sp_sdmx_serve.c): the SDMX REST API 2.1's structure and data queries
 * under /rest/ on listen, each answered through its own connection with conninfo. */
typedef struct sp_sdmx_server sp_sdmx_server_t;
typedef struct sp_sdmx_serve_opts {
    const char *conninfo;
    const char *listen;    /* "HOST:PORT" */
    long max_observations; /* a larger answer is refused (413) */
    unsigned max_connections;
} sp_sdmx_serve_opts_t;
sp_status_t sp_sdmx_serve_start(const sp_sdmx_serve_opts_t *opts, sp_sdmx_server_t **out,
                                sp_error_t *err);
void sp_sdmx_serve_stop(sp_sdmx_server_t *s);

#endif
