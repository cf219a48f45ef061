/* sp_http.c: starting a bounded libmicrohttpd listener on "HOST:PORT". */
#include "sp_http.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

sp_status_t sp_listen_split(const char *listen, const char *what, char *host, size_t cap,
                            const char **port, sp_error_t *err)
{
    const char *colon = strrchr(listen, ':');
    const char *p = colon != NULL ? colon + 1 : "";
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (colon == NULL || colon == listen || p[0] < '0' || p[0] > '9' || *end != '\0' ||
        errno == ERANGE || v < 1 || v > 65535)
        return sp_error_set(err, SP_ERR_INVALID,
                            "%s address \"%s\" is not HOST:PORT with a port from 1 to 65535", what,
                            listen);
    snprintf(host, cap, "%.*s", (int)(colon - listen), listen);
    *port = p;
    return SP_OK;
}

sp_status_t sp_http_listen(const char *listen, const char *what, const sp_http_limits_t *lim,
                           MHD_AccessHandlerCallback handler, void *cls, struct MHD_Daemon **out,
                           sp_error_t *err)
{
    char host[256];
    const char *port;
    if (sp_listen_split(listen, what, host, sizeof(host), &port, err) != SP_OK)
        return err ? err->code : SP_ERR_INVALID;
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0)
        return sp_error_set(err, SP_ERR_INVALID, "%s address \"%s\": %s", what, listen,
                            gai_strerror(gai));
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (lim->thread_per_connection)
        flags |= MHD_USE_THREAD_PER_CONNECTION;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* A bounded number of connections, each closed after a few idle seconds and given little
     * memory, so that a flood of slow clients cannot take the file descriptors the database
     * connections need. */
    *out = MHD_start_daemon(flags, 0, NULL, NULL, handler, cls, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                            MHD_OPTION_CONNECTION_LIMIT, lim->max_connections,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, lim->max_per_ip,
                            MHD_OPTION_CONNECTION_TIMEOUT, lim->idle_seconds,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, lim->memory,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, 16u, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (*out == NULL)
        return sp_error_set(err, SP_ERR_IO, "could not listen on %s for %s", listen, what);
    return SP_OK;
}
