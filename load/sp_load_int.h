/* sp_load_int.h: what only the load stage's own files share. */
#ifndef SP_LOAD_INT_H
#define SP_LOAD_INT_H

#include "sp_load.h"

/* Streams data (len bytes, in the format sql's COPY ... FROM STDIN expects) to the server. */
sp_status_t sp_pg_copy_in(PGconn *conn, const char *sql, const char *data, size_t len,
                          sp_error_t *err);

#endif
