/*
 * sp_core.h: the public interface of statpipe's core: status and error reporting,
 * logging, growable buffers, exact decimals, SDMX time periods, ISO 8601 times, config.
 */
#ifndef SP_CORE_H
#define SP_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- status and errors ---------------------------------------------------------------- */

typedef enum {
    SP_OK = 0,
    SP_ERR_INVALID,  /* bad input: permanent */
    SP_ERR_RANGE,    /* a value outside what is representable or allowed: permanent */
    SP_ERR_NOTFOUND, /* a looked-up thing does not exist: permanent */
    SP_ERR_IO,       /* file or system call failed */
    SP_ERR_CONN,     /* a connection to a service was lost: retriable */
    SP_ERR_SERVER,   /* a service refused a request */
    SP_ERR_NOMEM,
    SP_ERR_CONFLICT, /* another consumer committed the same partitions further: abandon */
    SP_ERR_INTERNAL
} sp_status_t;

#define SP_ERROR_MSG_MAX 256
#define SP_ERROR_DETAIL_MAX 512

/* A caller-owned error report; functions never allocate to fill it. */
typedef struct sp_error {
    sp_status_t code;
    bool retriable;
    char message[SP_ERROR_MSG_MAX];
    char detail[SP_ERROR_DETAIL_MAX];
    char sqlstate[6]; /* PostgreSQL's SQLSTATE when the server refused; "" otherwise */
} sp_error_t;

/* Fills err (which may be NULL) and returns code, so callers can write
 * `return sp_error_set(err, SP_ERR_INVALID, "bad thing %d", n);`. */
sp_status_t sp_error_set(sp_error_t *err, sp_status_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets the detail line of an error already set. */
void sp_error_detail(sp_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- logging ------------------------------------------------------------------------- */

typedef enum {
    SP_LOG_EMERG = 0,
    SP_LOG_ALERT,
    SP_LOG_CRIT,
    SP_LOG_ERR,
    SP_LOG_WARNING,
    SP_LOG_NOTICE,
    SP_LOG_INFO,
    SP_LOG_DEBUG
} sp_log_level_t;

extern int sp_log_level;

/* One line per event: `ts=... level=... event=NAME key=value...`. The level is checked
 * before the arguments are formatted. fmt holds the key=value fields after the event. */
#define sp_log(lvl, event, ...)                                                                    \
    do {                                                                                           \
        if ((int)(lvl) <= sp_log_level)                                                            \
            sp_log_write((lvl), (event), __VA_ARGS__);                                             \
    } while (0)

void sp_log_write(sp_log_level_t lvl, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Parses "debug", "info", ..., or a number 0..7; returns -1 if unknown. */
int sp_log_level_parse(const char *s);

/* A log value in double quotes with `"` and `\` escaped, so that text from a message or a
 * server cannot end its field and forge another (`detail="x" reason=forged`). Writes at most
 * cap bytes into buf (a longer value is cut, still quoted) and returns buf. SP_LOG_Q gives
 * each use its own buffer for the duration of the statement that logs. */
#define SP_LOG_QMAX 1024
const char *sp_log_quote(char *buf, size_t cap, const char *s, size_t n);
#define SP_LOG_Q(s) sp_log_quote((char[SP_LOG_QMAX]){0}, SP_LOG_QMAX, (s), strlen(s))
#define SP_LOG_QN(s, n) sp_log_quote((char[SP_LOG_QMAX]){0}, SP_LOG_QMAX, (s), (n))

/* Of a message over the size limit, only this many first bytes are read into memory and
 * kept in quarantine: enough to tell where it came from. */
#define SP_OVERSIZE_KEEP_BYTES 4096

/* ---- growable byte buffer (reused across batches; grows, never shrinks) -------------- */

typedef struct sp_buf {
    char *data;
    size_t len;
    size_t cap;
} sp_buf_t;

void sp_buf_init(sp_buf_t *b);
void sp_buf_free(sp_buf_t *b);
static inline void sp_buf_reset(sp_buf_t *b)
{
    b->len = 0;
}
/* realloc that aborts with a message when memory is out (as every buffer here does). */
void *sp_xrealloc(void *p, size_t n);
/* Makes room for n more bytes; aborts the process on out-of-memory. */
void sp_buf_reserve(sp_buf_t *b, size_t n);
void sp_buf_append(sp_buf_t *b, const void *p, size_t n);
static inline void sp_buf_putc(sp_buf_t *b, char c)
{
    if (b->len + 1 > b->cap)
        sp_buf_reserve(b, 1);
    b->data[b->len++] = c;
}
void sp_buf_puts(sp_buf_t *b, const char *s);
void sp_buf_printf(sp_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s (n bytes) escaped for PostgreSQL's COPY text format. */
void sp_buf_copy_text(sp_buf_t *b, const char *s, size_t n);
/* Appends n bytes as a COPY text-format bytea in hex (\\x...). */
void sp_buf_copy_bytea(sp_buf_t *b, const void *p, size_t n);

/* ---- fixed-width digits, for the per-message dates and times (no printf there) ------- */

/* Writes v (0..10^width - 1) in exactly width digits, zero-padded; returns the end. */
static inline char *sp_put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* Writes the date y-m-d (year 0..9999) as YYYY-MM-DD; returns the end. */
static inline char *sp_put_ymd(char *p, int y, int m, int d)
{
    p = sp_put_digits(p, (unsigned)y, 4);
    *p++ = '-';
    p = sp_put_digits(p, (unsigned)m, 2);
    *p++ = '-';
    return sp_put_digits(p, (unsigned)d, 2);
}

/* ---- a set of byte strings, reused across batches ----------------------------------- */

/* Open addressing with linear probing; keys are copied into one growing buffer. Adding
 * can be undone back to a mark (a message that is rejected after some of its keys went
 * in), and a reset empties the set while keeping its memory. */
typedef struct sp_keyset {
    uint32_t *slots; /* 0 empty, else 1 + index into keys */
    size_t mask;     /* slots - 1; slots is a power of two */
    struct sp_keyset_key {
        uint64_t hash;
        size_t off, len;
    } * keys;
    size_t n, cap;
    sp_buf_t bytes;
} sp_keyset_t;

void sp_keyset_init(sp_keyset_t *s);
void sp_keyset_free(sp_keyset_t *s);
void sp_keyset_reset(sp_keyset_t *s);
/* Adds the key made of the n parts, each followed by a separator no UTF-8 text holds
 * (0xFF). Returns false, changing nothing, when that key is in the set already. */
bool sp_keyset_addv(sp_keyset_t *s, const char *const *parts, const size_t *lens, int n);
static inline bool sp_keyset_add2(sp_keyset_t *s, const char *a, size_t alen, const char *b,
                                  size_t blen)
{
    const char *parts[2] = {a, b};
    const size_t lens[2] = {alen, blen};
    return sp_keyset_addv(s, parts, lens, 2);
}
/* Whether the key made of the n parts is in the set. */
bool sp_keyset_contains(const sp_keyset_t *s, const char *const *parts, const size_t *lens, int n);
/* The index (as sp_keyset_key takes it) of the key made of the n parts, or SP_KEYSET_NONE.
 * Keys keep their index until an undo or a reset removes them, so an array beside the set
 * can hold a value per key. */
#define SP_KEYSET_NONE ((size_t)-1)
size_t sp_keyset_index(const sp_keyset_t *s, const char *const *parts, const size_t *lens, int n);
/* Key i (0 <= i < sp_keyset_size) as stored: its parts, each followed by 0xFF. */
static inline const char *sp_keyset_key(const sp_keyset_t *s, size_t i, size_t *len)
{
    *len = s->keys[i].len;
    return s->bytes.data + s->keys[i].off;
}
/* Adds a key as sp_keyset_key gives it (from this set or another). */
bool sp_keyset_add_stored(sp_keyset_t *s, const char *key, size_t len);
/* Removes the keys added after the set held mark keys (mark <= sp_keyset_size). */
void sp_keyset_undo(sp_keyset_t *s, size_t mark);
static inline size_t sp_keyset_size(const sp_keyset_t *s)
{
    return s->n;
}

/* ---- exact decimals ------------------------------------------------------------------ */

#define SP_DEC_MAXDIG 76
/* Longest text sp_dec_format can write, with sign, point and terminator. */
#define SP_DEC_TEXT_MAX (SP_DEC_MAXDIG + 2 * SP_DEC_MAX_EXP + 8)
#define SP_DEC_MAX_EXP 40

/* value = (neg ? -1 : 1) * coefficient * 10^exp; the coefficient's digits (0..9 each,
 * most significant first) have no leading or trailing zeros; zero has ndig = 0. */
typedef struct sp_dec {
    bool neg;
    int exp;
    int ndig;
    uint8_t dig[SP_DEC_MAXDIG];
} sp_dec_t;

/* Parses a decimal string: optional '-', digits, optional fraction, optional exponent
 * ("83097", "6220.764", "-1.5e3"). No spaces, no '+' sign, no NaN or Infinity.
 * Returns SP_ERR_INVALID for bad syntax, SP_ERR_RANGE when out of the supported range. */
sp_status_t sp_dec_parse(sp_dec_t *d, const char *s, size_t n, sp_error_t *err);
/* Turns a double into the shortest decimal that reads back as the same double. */
sp_status_t sp_dec_from_double(sp_dec_t *d, double v, sp_error_t *err);
void sp_dec_from_int(sp_dec_t *d, long long v);
/* d = a * b, exactly. SP_ERR_RANGE if the product has too many digits. */
sp_status_t sp_dec_mul(sp_dec_t *d, const sp_dec_t *a, const sp_dec_t *b, sp_error_t *err);
/* d = d * 10^k, exactly. */
sp_status_t sp_dec_scale10(sp_dec_t *d, int k, sp_error_t *err);
/* Writes plain positional notation (no exponent): "6220764000000", "0.5", "-12.25".
 * out needs SP_DEC_TEXT_MAX bytes. Returns the length written. */
size_t sp_dec_format(const sp_dec_t *d, char *out);
/* -1, 0, 1 by value. */
int sp_dec_cmp(const sp_dec_t *a, const sp_dec_t *b);
static inline bool sp_dec_is_zero(const sp_dec_t *d)
{
    return d->ndig == 0;
}

/* ---- SDMX time periods --------------------------------------------------------------- */

/* A reporting period: frequency, year, sub-period (half-year, quarter or month; 1 for
 * annual), and its first and last day as days since 1970-01-01. */
typedef struct sp_period {
    char freq; /* 'A', 'S', 'Q', 'M' */
    int year;
    int sub;
    int32_t start_day;
    int32_t end_day;
} sp_period_t;

#define SP_PERIOD_TEXT_MAX 12

/* True if f is a frequency code this engine knows (A, S, Q, M). */
bool sp_freq_valid(const char *f, size_t n);
/* Parses the SDMX form of a period: "2023", "2023-S1", "2023-Q3", "2023-07" or "2023-M07".
 * Returns SP_ERR_INVALID for text that is no period at all and SP_ERR_RANGE for a period
 * whose form does not match freq (freq_mismatch is set true then). */
sp_status_t sp_period_parse(sp_period_t *p, char freq, const char *s, size_t n, bool *freq_mismatch,
                            sp_error_t *err);
/* Canonical text of the period ("2023-07", "2023-Q3"); out needs SP_PERIOD_TEXT_MAX. */
size_t sp_period_format(const sp_period_t *p, char *out);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int32_t sp_days_from_civil(int y, int m, int d);
void sp_civil_from_days(int32_t z, int *y, int *m, int *d);
/* Writes "YYYY-MM-DD" (11 bytes with terminator). */
size_t sp_date_format(int32_t days, char *out);

/* ---- ISO 8601 times ------------------------------------------------------------------ */

/* Parses "2023-08-15T10:00:00+08:00" (seconds and fraction optional, 'Z' or an offset
 * required) into microseconds since the epoch, UTC. */
sp_status_t sp_time_parse(int64_t *us, const char *s, size_t n, sp_error_t *err);
#define SP_TIME_TEXT_MAX 40
/* Writes "YYYY-MM-DD HH:MM:SS.ffffff+00", which PostgreSQL reads as timestamptz. */
size_t sp_time_format(int64_t us, char *out);
int64_t sp_time_now_us(void);

/* ---- UTF-8 ------------------------------------------------------------------------- */

/* True if s (n bytes) is valid UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF). NUL bytes are valid UTF-8; PostgreSQL text still cannot hold them. */
bool sp_utf8_valid(const char *s, size_t n);
/* Copies s into out (cap bytes, always terminated) as valid UTF-8 without NUL bytes:
 * invalid bytes and NULs become '?', and truncation falls on a character boundary.
 * Returns the length written. For details and ids that quote untrusted input. */
size_t sp_utf8_copy(char *out, size_t cap, const char *s, size_t n);
/* Writes s for a terminal: control characters (C0, DEL, and C1 as UTF-8) are written as
 * \xNN or \uNNNN, so that text quoted from a message cannot move the cursor, clear the
 * screen or forge a line of output. */
void sp_term_puts(FILE *out, const char *s);

/* ---- config files -------------------------------------------------------------------- */

/* Called for each `key = value` line of a file; line is 1-based. Return non-OK to stop. */
typedef sp_status_t (*sp_config_cb)(void *opaque, const char *key, const char *value,
                                    const char *file, int line, sp_error_t *err);
/* Reads a `key = value` file: blank lines and lines starting with '#' are ignored;
 * spaces around key and value are trimmed. Errors name the file and the line. */
sp_status_t sp_config_read(const char *path, sp_config_cb cb, void *opaque, sp_error_t *err);
/* Parses a positive decimal size. On failure err says what is wrong with the text ("needs a
 * positive integer, got ..." or "is too large: ..."), for the caller to prefix with the key
 * or option: a value too large for the machine is refused, never clamped. */
sp_status_t sp_size_parse(const char *text, size_t *out, sp_error_t *err);
/* sp_size_parse for a command-line option: errors read "OPT needs a positive integer...". */
sp_status_t sp_size_option(const char *opt, const char *text, size_t *out, sp_error_t *err);

#endif
