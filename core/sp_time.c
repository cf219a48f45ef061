/* sp_time.c: ISO 8601 times with an offset, as the contract's release field carries them. */
#include "sp_core.h"

#include <string.h>

#include <stdio.h>
#include <time.h>

static bool digits(const char *s, size_t n, int *v)
{
    int x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

sp_status_t sp_time_parse(int64_t *us, const char *s, size_t n, sp_error_t *err)
{
    int y, mo, d, h, mi, sec = 0;
    /* YYYY-MM-DDTHH:MM is the least the contract accepts. */
    if (n < 16 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi))
        return sp_error_set(err, SP_ERR_INVALID,
                            "time is not ISO 8601 (YYYY-MM-DDTHH:MM:SS+HH:MM)");
    size_t i = 16;
    int64_t frac_us = 0;
    if (i < n && s[i] == ':') {
        if (i + 3 > n || !digits(s + i + 1, 2, &sec))
            return sp_error_set(err, SP_ERR_INVALID, "time has bad seconds");
        i += 3;
        if (i < n && (s[i] == '.' || s[i] == ',')) {
            i++;
            size_t start = i;
            int64_t scale = 100000;
            for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
                frac_us += (s[i] - '0') * scale;
                scale /= 10;
            }
            if (i == start || i - start > 9)
                return sp_error_set(err, SP_ERR_INVALID, "time has a bad fraction of a second");
        }
    }
    if (y < 1900 || y > 2199 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 59)
        return sp_error_set(err, SP_ERR_INVALID, "time has a field out of range");
    int off_min;
    if (i < n && (s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
        off_min = 0;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        bool neg = s[i] == '-';
        if (i + 6 == n && s[i + 3] == ':' && digits(s + i + 1, 2, &oh) &&
            digits(s + i + 4, 2, &om)) {
        } else if (i + 5 == n && digits(s + i + 1, 2, &oh) && digits(s + i + 3, 2, &om)) {
        } else if (i + 3 == n && digits(s + i + 1, 2, &oh)) {
            om = 0;
        } else {
            return sp_error_set(err, SP_ERR_INVALID, "time has a bad UTC offset");
        }
        if (oh > 18 || om > 59)
            return sp_error_set(err, SP_ERR_INVALID, "time has a UTC offset out of range");
        off_min = (neg ? -1 : 1) * (oh * 60 + om);
    } else if (i == n) {
        return sp_error_set(err, SP_ERR_INVALID, "time has no UTC offset (add Z or +08:00)");
    } else {
        return sp_error_set(err, SP_ERR_INVALID, "time has trailing characters");
    }
    int64_t days = sp_days_from_civil(y, mo, d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - (int64_t)off_min * 60;
    *us = secs * 1000000 + frac_us;
    return SP_OK;
}

size_t sp_time_format(int64_t us, char *out)
{
    int64_t secs = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs -= 1;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    int y, m, d;
    sp_civil_from_days((int32_t)days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return (size_t)snprintf(out, SP_TIME_TEXT_MAX, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", y,
                                m, d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60),
                                (int)frac);
    /* The common case, once per message: written digit by digit. */
    char *p = sp_put_ymd(out, y, m, d);
    *p++ = ' ';
    p = sp_put_digits(p, (unsigned)(rem / 3600), 2);
    *p++ = ':';
    p = sp_put_digits(p, (unsigned)(rem / 60 % 60), 2);
    *p++ = ':';
    p = sp_put_digits(p, (unsigned)(rem % 60), 2);
    *p++ = '.';
    p = sp_put_digits(p, (unsigned)frac, 6);
    memcpy(p, "+00", 4);
    return (size_t)(p + 3 - out);
}

int64_t sp_time_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
