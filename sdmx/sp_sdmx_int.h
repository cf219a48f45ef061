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
 * given the artefacts of sel that come before the constraints (those after them with
 * sp_sdmx_structure_tail), then closed with xmlTextWriterEndDocument. used (not NULL) keeps
 * in each code list only the codes an answer has. *found turns false when a named artefact
 * has none of the items asked for. */
xmlTextWriterPtr sp_sdmx_structure_open(FILE *out);
sp_status_t sp_sdmx_structure_parts(PGconn *conn, xmlTextWriterPtr x,
                                    const sp_sdmx_selection_t *sel, const sp_sdmx_dict_t *used,
                                    bool *found, sp_error_t *err);
sp_status_t sp_sdmx_structure_tail(PGconn *conn, xmlTextWriterPtr x, const sp_sdmx_selection_t *sel,
                                   bool *found, sp_error_t *err);

/* The artefacts' parts (sp_sdmx_structure.c): names in Chinese and English, a complete
 * stub's descriptions, a maintainable artefact's start (its id, agency, version and URN of
 * class cls, e.g. "codelist.Codelist"; a stub says it is given by reference only), and a
 * reference (to an item when parent, its maintainable, is not NULL). */
void sp_sdmx_names(xmlTextWriterPtr x, const char *zh, const char *en);
void sp_sdmx_describe(xmlTextWriterPtr x, const char *zh, const char *en);
void sp_sdmx_maintainable(xmlTextWriterPtr x, const char *element, const char *cls, const char *id,
                          int stub);
void sp_sdmx_ref(xmlTextWriterPtr x, const char *element, const char *id, const char *parent,
                 const char *package, const char *cls);
/* How an artefact of sel is written: whole (0), as a stub (names), or as a complete stub
 * (names and descriptions). */
enum { SP_SDMX_STUB = 1, SP_SDMX_COMPLETE_STUB = 2 };
int sp_sdmx_stub_mode(const sp_sdmx_selection_t *sel, int a);
/* Whether id is one of list ("A+B+C"), or list is NULL or "all". */
bool sp_sdmx_in_list(const char *list, const char *id);
/* The items a named artefact keeps: sel's items for those the query named, all for others. */
const char *sp_sdmx_items_of(const sp_sdmx_selection_t *sel, int a);

/* The artefacts related to self by references= (sp_sdmx_select.c), self among them. */
sp_status_t sp_sdmx_related(sp_sdmx_set_t self, const char *references, sp_sdmx_set_t *out,
                            sp_error_t *err);
/* The id of artefact a (NULL for the agreements and the categorisations). */
const char *sp_sdmx_artefact_id(int a);

/* The artefacts that come with the data structure (sp_sdmx_related.c): the agency and data
 * provider schemes, the category scheme and the categorisation, the hierarchical code list of the
 * areas, and the provision agreements. */
sp_status_t sp_sdmx_write_organisations(PGconn *conn, xmlTextWriterPtr x,
                                        const sp_sdmx_selection_t *sel, bool *found,
                                        sp_error_t *err);
sp_status_t sp_sdmx_write_categories(PGconn *conn, xmlTextWriterPtr x,
                                     const sp_sdmx_selection_t *sel, bool *found, sp_error_t *err);
sp_status_t sp_sdmx_write_categorisations(PGconn *conn, xmlTextWriterPtr x,
                                          const sp_sdmx_selection_t *sel, bool *found,
                                          sp_error_t *err);
sp_status_t sp_sdmx_write_hierarchy(PGconn *conn, xmlTextWriterPtr x,
                                    const sp_sdmx_selection_t *sel, bool *found, sp_error_t *err);
sp_status_t sp_sdmx_write_agreements(PGconn *conn, xmlTextWriterPtr x,
                                     const sp_sdmx_selection_t *sel, bool *found, sp_error_t *err);
/* Availability (sp_sdmx_avail.c): the values of the data q selects; with available, each
 * dimension's values are those of the data that match the key's other parts
 * (mode=available). Then the actual content constraint of them, in a Constraints element;
 * component (not NULL) keeps that dimension alone. */
sp_status_t sp_sdmx_available_values(PGconn *conn, const sp_sdmx_query_t *q, bool available,
                                     sp_sdmx_dict_t *d, sp_error_t *err);
void sp_sdmx_write_constraint(xmlTextWriterPtr x, const sp_sdmx_dict_t *d, const char *component,
                              int stub);

typedef struct sp_sdmx_writer sp_sdmx_writer_t;
/* The writer of the answer to q (its history, detail, dimension at the observation and data
 * provider); dict: the answer's values, for SDMX-JSON (NULL for the other formats). */
sp_sdmx_writer_t *sp_sdmx_writer_open(sp_sdmx_format_t format, FILE *out, const sp_sdmx_query_t *q,
                                      const sp_sdmx_dict_t *dict);
void sp_sdmx_writer_obs(sp_sdmx_writer_t *w, const sp_sdmx_obs_t *o);
void sp_sdmx_writer_close(sp_sdmx_writer_t *w);

/* An xmlTextWriter writing to out, and the message header every SDMX-ML message starts
 * with (ID, Test, Prepared, Sender), in the message namespace's prefix "message". */
xmlTextWriterPtr sp_sdmx_xml_open(FILE *out);
void sp_sdmx_xml_header(xmlTextWriterPtr x, const char *id);

#endif
