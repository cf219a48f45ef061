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
    err->sqlstate[0] = '\0';
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
