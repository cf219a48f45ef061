/*
 * sp_http.h: an HTTP listener (libmicrohttpd) on "HOST:PORT" with bounds on connections,
 * idle time and memory, shared by the daemon's metrics endpoint and the SDMX REST service.
 */
#ifndef SP_HTTP_H
#define SP_HTTP_H

#include "sp_core.h"

#include <microhttpd.h>

/* How much of the machine one listener may take. */
typedef struct sp_http_limits {
    unsigned max_connections;   /* at once, from everyone */
    unsigned max_per_ip;        /* at once, from one address */
    unsigned idle_seconds;      /* before an idle connection is closed */
    size_t memory;              /* per connection, for headers and the request */
    bool thread_per_connection; /* for handlers that block (a database query) */
} sp_http_limits_t;

/* Splits listen, "HOST:PORT" with a port from 1 to 65535, into host (cap bytes) and port (a
 * pointer into listen); what names the address in the error ("metrics"). */
sp_status_t sp_listen_split(const char *listen, const char *what, char *host, size_t cap,
                            const char **port, sp_error_t *err);
/* Starts serving handler(cls, ...) on listen with its own thread(s). */
sp_status_t sp_http_listen(const char *listen, const char *what, const sp_http_limits_t *lim,
                           MHD_AccessHandlerCallback handler, void *cls, struct MHD_Daemon **out,
                           sp_error_t *err);

#endif
