/* sp_sdmx_int.h: what the files of the SDMX module share. */
#ifndef SP_SDMX_INT_H
#define SP_SDMX_INT_H

#include "sp_sdmx.h"

#include <libxml/xmlwriter.h>

#define SP_SDMX_NS_MESSAGE "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
#define SP_SDMX_NS_COMMON "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
#define SP_SDMX_NS_STRUCTURE "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
#define SP_SDMX_NS_SS "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
#define SP_SDMX_NS_GENERIC "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
/* One observation of a data answer; strings borrow from the row being read. */
typedef struct sp_sdmx_obs {
    const char *dim[SP_SDMX_N_DIMS];
    const char *time_period;
    const char *value; /* NULL for a missing value */
    const char *unit, *obs_status, *conf_status;
    const char *comment;    /* NULL if none */
    const char *valid_from; /* the release, UTC */
    const char *valid_to;   /* NULL while current */
    bool deleted;           /* a withdrawal (history only) */
} sp_sdmx_obs_t;

/* The distinct values of each component in an answer, sorted byte-wise (SDMX-JSON refers to
 * them by index): the six dimensions, TIME_PERIOD, then the attributes UNIT_MEASURE,
 * UNIT_MULT, OBS_STATUS, CONF_STATUS and COMMENT. */
#define SP_SDMX_JSON_N 12
#define SP_SDMX_JSON_TIME 6
#define SP_SDMX_JSON_COMMENT 11
typedef struct sp_sdmx_dict_value {
    char *value, *name_zh, *name_en;
} sp_sdmx_dict_value_t;
typedef struct sp_sdmx_dict {
    sp_sdmx_dict_value_t *values[SP_SDMX_JSON_N];
    size_t n[SP_SDMX_JSON_N];
} sp_sdmx_dict_t;
/* Appends a value (in order) to component c's list. */
void sp_sdmx_dict_add(sp_sdmx_dict_t *d, int c, const char *value, const char *zh, const char *en);
void sp_sdmx_dict_free(sp_sdmx_dict_t *d);
/* The place of value among component c's values, or -1 (sp_sdmx_json.c). */
long sp_sdmx_dict_find(const sp_sdmx_dict_t *d, int c, const char *value);

/* Where the SDMX-JSON writer stands: the open data set and series. */
typedef struct sp_sdmx_json_state {
    long sets;
    char series_key[64];
    char set_from[32], set_to[32];
    bool set_deleted;
    bool empty; /* no observation: the message is written whole by sp_sdmx_json_open */
    bool v1;    /* SDMX-JSON 1.0: one structure, not a list; no measures */
} sp_sdmx_json_state_t;
void sp_sdmx_json_open(FILE *out, const sp_sdmx_dict_t *d, sp_sdmx_json_state_t *s);
void sp_sdmx_json_obs(FILE *out, const sp_sdmx_dict_t *d, sp_sdmx_json_state_t *s,
                      const sp_sdmx_obs_t *o, bool history, sp_sdmx_detail_t detail);
void sp_sdmx_json_close(FILE *out, sp_sdmx_json_state_t *s);

/* The distinct values of the answer to q (sp_sdmx_query.c). */
sp_status_t sp_sdmx_read_values(PGconn *conn, const sp_sdmx_query_t *q, sp_sdmx_dict_t *d,
                                sp_error_t *err);
/* The first and last day ("YYYY-MM-DD") of an SDMX period. */
sp_status_t sp_sdmx_period_days(const char *period, char first[16], char last[16]);

/* A structure message written in parts (sp_sdmx_structure.c): opened up to its Structures,
 * given artefacts, then closed with xmlTextWriterEndDocument. used (not NULL) keeps in each
 * code list only the codes an answer has. */
xmlTextWriterPtr sp_sdmx_structure_open(FILE *out);
sp_status_t sp_sdmx_structure_parts(PGconn *conn, xmlTextWriterPtr x, unsigned parts,
                                    unsigned stubs, const char *codelist, const char *items,
                                    const sp_sdmx_dict_t *used, sp_error_t *err);

typedef struct sp_sdmx_writer sp_sdmx_writer_t;
/* dict: the answer's values, for SDMX-JSON (NULL for the other formats). */
sp_sdmx_writer_t *sp_sdmx_writer_open(sp_sdmx_format_t format, FILE *out, bool history,
                                      sp_sdmx_detail_t detail, bool flat, int obs_dim,
                                      const sp_sdmx_dict_t *dict);
void sp_sdmx_writer_obs(sp_sdmx_writer_t *w, const sp_sdmx_obs_t *o);
void sp_sdmx_writer_close(sp_sdmx_writer_t *w);

/* An xmlTextWriter writing to out, and the message header every SDMX-ML message starts
 * with (ID, Test, Prepared, Sender), in the message namespace's prefix "message". */
xmlTextWriterPtr sp_sdmx_xml_open(FILE *out);
void sp_sdmx_xml_header(xmlTextWriterPtr x, const char *id);

#endif
