/* sp_sdmx_int.h: what the files of the SDMX module share. */
#ifndef SP_SDMX_INT_H
#define SP_SDMX_INT_H

#include "sp_sdmx.h"

#include <libxml/xmlwriter.h>

#define SP_SDMX_NS_MESSAGE "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
#define SP_SDMX_NS_COMMON "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
#define SP_SDMX_NS_STRUCTURE "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
#define SP_SDMX_NS_SS "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
#define SP_SDMX_DSD_URN                                                                            \
    "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=" SP_SDMX_AGENCY ":" SP_SDMX_DSD      \
    "(" SP_SDMX_VERSION ")"

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

typedef struct sp_sdmx_writer sp_sdmx_writer_t;
sp_sdmx_writer_t *sp_sdmx_writer_open(sp_sdmx_format_t format, FILE *out, bool history);
void sp_sdmx_writer_obs(sp_sdmx_writer_t *w, const sp_sdmx_obs_t *o);
void sp_sdmx_writer_close(sp_sdmx_writer_t *w);

/* An xmlTextWriter writing to out, and the message header every SDMX-ML message starts
 * with (ID, Test, Prepared, Sender), in the message namespace's prefix "message". */
xmlTextWriterPtr sp_sdmx_xml_open(FILE *out);
void sp_sdmx_xml_header(xmlTextWriterPtr x, const char *id);

#endif
