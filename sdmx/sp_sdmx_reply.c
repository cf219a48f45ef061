/*
 * sp_sdmx_reply.c: how the SDMX service sends an answer. An answer is written to an unlinked
 * temporary file and sent from it, so that a large one never sits in memory; a client that
 * accepts gzip gets it compressed by zlib into a second such file. Data answers carry
 * Last-Modified (stats.data_last_modified()), and a request whose If-Modified-Since is not
 * older gets 304 Not Modified without a body.
 */
#include "sp_sdmx_reply.h"
#include "sp_sdmx_int.h"

#include <apr_date.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

const sp_sdmx_error_t SP_SDMX_NO_RESULTS = {100, 404, "No results found"};
const sp_sdmx_error_t SP_SDMX_SYNTAX = {140, 400, "Syntax error"};
const sp_sdmx_error_t SP_SDMX_NOT_ACCEPTABLE = {406, 406, "Not acceptable"};
const sp_sdmx_error_t SP_SDMX_TOO_LARGE = {510, 413, "Response size exceeds service limit"};
const sp_sdmx_error_t SP_SDMX_INTERNAL = {500, 500, "Internal server error"};
const sp_sdmx_error_t SP_SDMX_NOT_IMPLEMENTED = {501, 501, "Not implemented"};
const sp_sdmx_error_t SP_SDMX_UNAVAILABLE = {503, 503, "Service unavailable"};

/* Whether Accept-Encoding takes gzip: a gzip, x-gzip or * coding whose q is not 0. */
static bool accepts_gzip(struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    for (const char *p = h; p != NULL && *p;) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, ",; \t");
        bool ours = (n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
                    (n == 6 && strncasecmp(p, "x-gzip", 6) == 0) || (n == 1 && *p == '*');
        const char *end = p + strcspn(p, ",");
        const char *q = strstr(p, "q=");
        bool zero = q != NULL && q < end && strtod(q + 2, NULL) == 0.0;
        if (ours && !zero)
            return true;
        p = end;
    }
    return false;
}

/* f's first size bytes, gzip-compressed into a new temporary file; NULL on failure. */
static FILE *gzip_file(FILE *f, off_t size)
{
    FILE *out = tmpfile();
    z_stream z = {0};
    if (out == NULL || deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                                    Z_DEFAULT_STRATEGY) != Z_OK) {
        if (out != NULL)
            fclose(out);
        return NULL;
    }
    unsigned char in[65536], buf[65536];
    rewind(f);
    off_t left = size;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        size_t n = 0;
        if (left > 0 && z.avail_in == 0) {
            n = fread(in, 1, left < (off_t)sizeof(in) ? (size_t)left : sizeof(in), f);
            if (n == 0)
                break;
            left -= (off_t)n;
            z.next_in = in;
            z.avail_in = (uInt)n;
        }
        z.next_out = buf;
        z.avail_out = sizeof(buf);
        rc = deflate(&z, left > 0 || z.avail_in > 0 ? Z_NO_FLUSH : Z_FINISH);
        if (rc == Z_STREAM_ERROR ||
            fwrite(buf, 1, sizeof(buf) - z.avail_out, out) != sizeof(buf) - z.avail_out)
            break;
    }
    deflateEnd(&z);
    if (rc != Z_STREAM_END || fflush(out) != 0) {
        fclose(out);
        return NULL;
    }
    return out;
}

/* An HTTP date (IMF-fixdate), in English whatever the locale. */
static void http_date(time_t t, char out[32])
{
    static const char *const day[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", day[tm.tm_wday], tm.tm_mday,
             mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

enum MHD_Result sp_sdmx_reply_file(struct MHD_Connection *c, unsigned code, const char *type,
                                   FILE *f, time_t last_modified)
{
    fflush(f);
    off_t size = ftello(f);
    bool gzip = false;
    if (accepts_gzip(c)) {
        FILE *z = gzip_file(f, size);
        if (z != NULL) { /* else the answer goes uncompressed */
            fclose(f);
            f = z;
            size = ftello(f);
            gzip = true;
        }
    }
    int fd = dup(fileno(f));
    fclose(f);
    struct MHD_Response *r =
        fd < 0 ? NULL : MHD_create_response_from_fd_at_offset64((uint64_t)size, fd, 0);
    if (r == NULL) {
        if (fd >= 0)
            close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Content-Language", "zh, en");
    MHD_add_response_header(r, "Vary", "Accept, Accept-Encoding");
    if (gzip)
        MHD_add_response_header(r, "Content-Encoding", "gzip");
    if (last_modified > 0) {
        char date[32];
        http_date(last_modified, date);
        MHD_add_response_header(r, "Last-Modified", date);
    }
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result sp_sdmx_reply_error(struct MHD_Connection *c, sp_sdmx_error_t e, const char *detail)
{
    FILE *f = tmpfile();
    if (f == NULL)
        return MHD_NO;
    xmlTextWriterPtr x = sp_sdmx_xml_open(f);
    xmlTextWriterStartElement(x, BAD_CAST "message:Error");
    xmlTextWriterWriteAttribute(x, BAD_CAST "xmlns:message", BAD_CAST SP_SDMX_NS_MESSAGE);
    xmlTextWriterWriteAttribute(x, BAD_CAST "xmlns:common", BAD_CAST SP_SDMX_NS_COMMON);
    xmlTextWriterStartElement(x, BAD_CAST "message:ErrorMessage");
    xmlTextWriterWriteFormatAttribute(x, BAD_CAST "code", "%d", e.sdmx);
    xmlTextWriterStartElement(x, BAD_CAST "common:Text");
    xmlTextWriterWriteAttribute(x, BAD_CAST "xml:lang", BAD_CAST "en");
    xmlTextWriterWriteFormatString(x, "%s%s%s", e.title, detail ? ": " : "", detail ? detail : "");
    xmlTextWriterEndDocument(x);
    xmlFreeTextWriter(x);
    return sp_sdmx_reply_file(c, e.http, "application/xml", f, 0);
}

/* An If-Modified-Since date: the three forms HTTP allows (apr-util), or the forms a
 * JavaScript Date gives as a string ("Tue Dec 01 2026 10:30:00 GMT+0000 (...)") or as JSON
 * ("2026-12-01T10:30:00.000Z"), which some clients send. 0 if it is none of them. */
static time_t parse_date(const char *s)
{
    apr_time_t t = apr_date_parse_http(s);
    if (t != APR_DATE_BAD)
        return (time_t)apr_time_sec(t);
    struct tm tm = {0};
    const char *end = strptime(s, "%a %b %d %Y %H:%M:%S GMT%z", &tm);
    if (end != NULL && (*end == '\0' || *end == ' '))
        return timegm(&tm) - tm.tm_gmtoff;
    /* ISO 8601 in UTC, as JSON writes a JavaScript Date: 2026-12-01T10:30:00.000Z */
    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (end != NULL && *end == '.')
        end += 1 + strspn(end + 1, "0123456789");
    return end != NULL && strcmp(end, "Z") == 0 ? timegm(&tm) : 0;
}

bool sp_sdmx_not_modified(struct MHD_Connection *c, time_t last_modified)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
    if (h == NULL || last_modified <= 0)
        return false;
    time_t since = parse_date(h);
    return since > 0 && last_modified <= since;
}

enum MHD_Result sp_sdmx_reply_not_modified(struct MHD_Connection *c, time_t last_modified)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    char date[32];
    http_date(last_modified, date);
    MHD_add_response_header(r, "Last-Modified", date);
    MHD_add_response_header(r, "Vary", "Accept, Accept-Encoding");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_NOT_MODIFIED, r);
    MHD_destroy_response(r);
    return ret;
}
