/* sp_sdmx_reply.h: how the SDMX service sends an answer (sp_sdmx_reply.c): from a file,
 * compressed when the client accepts gzip, with Last-Modified, and 304 Not Modified to a
 * client whose copy is current; errors as SDMX-ML error messages. */
#ifndef SP_SDMX_REPLY_H
#define SP_SDMX_REPLY_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* An SDMX error code and the HTTP status the REST API gives it. */
typedef struct sp_sdmx_error {
    int sdmx;
    unsigned http;
    const char *title;
} sp_sdmx_error_t;
extern const sp_sdmx_error_t SP_SDMX_NO_RESULTS, SP_SDMX_SYNTAX, SP_SDMX_NOT_ACCEPTABLE,
    SP_SDMX_TOO_LARGE, SP_SDMX_INTERNAL, SP_SDMX_NOT_IMPLEMENTED, SP_SDMX_UNAVAILABLE;

/* Sends what f holds (from its start to where it is) and closes f; gzip-compressed when the
 * request's Accept-Encoding takes gzip. last_modified (0: none) goes out as Last-Modified. */
enum MHD_Result sp_sdmx_reply_file(struct MHD_Connection *c, unsigned code, const char *type,
                                   FILE *f, time_t last_modified);
/* An SDMX-ML 2.1 error message: e's code and title, and detail (NULL: none). */
enum MHD_Result sp_sdmx_reply_error(struct MHD_Connection *c, sp_sdmx_error_t e,
                                    const char *detail);
/* Whether the request's If-Modified-Since is at or after last_modified (to the second): the
 * client's copy is current. An unreadable date is ignored, as HTTP says. */
bool sp_sdmx_not_modified(struct MHD_Connection *c, time_t last_modified);
/* 304 Not Modified, with Last-Modified. */
enum MHD_Result sp_sdmx_reply_not_modified(struct MHD_Connection *c, time_t last_modified);

#endif
