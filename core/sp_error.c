/* sp_error.c: filling caller-owned error reports, which never allocate. */
#include "sp_core.h"

#include <stdio.h>
#include <string.h>

sp_status_t sp_error_set(sp_error_t *err, sp_status_t code, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    err->code = code;
    err->retriable = (code == SP_ERR_CONN);
    err->detail[0] = '\0';
    return code;
}

void sp_error_detail(sp_error_t *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
}

void sp_error_clear(sp_error_t *err)
{
    if (err == NULL)
        return;
    err->code = SP_OK;
    err->retriable = false;
    err->message[0] = '\0';
    err->detail[0] = '\0';
}

const char *sp_status_name(sp_status_t code)
{
    switch (code) {
    case SP_OK:
        return "ok";
    case SP_ERR_INVALID:
        return "invalid";
    case SP_ERR_RANGE:
        return "range";
    case SP_ERR_NOTFOUND:
        return "not_found";
    case SP_ERR_IO:
        return "io";
    case SP_ERR_CONN:
        return "connection";
    case SP_ERR_SERVER:
        return "server";
    case SP_ERR_NOMEM:
        return "out_of_memory";
    case SP_ERR_CONFLICT:
        return "conflict";
    case SP_ERR_INTERNAL:
        return "internal";
    }
    return "unknown";
}
