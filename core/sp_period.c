/* sp_period.c: SDMX reporting periods (annual, half-year, quarter, month) and civil dates. */
#include "sp_core.h"

#include <stdio.h>
#include <string.h>

/* Howard Hinnant's days-from-civil algorithm, proleptic Gregorian. */
int32_t sp_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

void sp_civil_from_days(int32_t z0, int *y, int *m, int *d)
{
    int z = z0 + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int yy = (int)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yy + (*m <= 2);
}

size_t sp_date_format(int32_t days, char *out)
{
    int y, m, d;
    sp_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return (size_t)snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
    *sp_put_ymd(out, y, m, d) = '\0';
    return 10;
}

bool sp_freq_valid(const char *f, size_t n)
{
    return n == 1 && (f[0] == 'A' || f[0] == 'S' || f[0] == 'Q' || f[0] == 'M');
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

sp_status_t sp_period_parse(sp_period_t *p, char freq, const char *s, size_t n, bool *freq_mismatch,
                            sp_error_t *err)
{
    if (freq_mismatch)
        *freq_mismatch = false;
    if (n < 4 || !all_digits(s, 4))
        return sp_error_set(err, SP_ERR_INVALID, "period does not start with a four-digit year");
    int year = num(s, 4);
    if (year < 1900 || year > 2199)
        return sp_error_set(err, SP_ERR_INVALID, "period year %d is outside 1900..2199", year);
    char form; /* the frequency the text's form implies */
    int sub, max;
    if (n == 4) {
        form = 'A';
        sub = 1;
        max = 1;
    } else if (s[4] != '-') {
        return sp_error_set(err, SP_ERR_INVALID, "period has no '-' after the year");
    } else if (n == 7 && all_digits(s + 5, 2)) {
        form = 'M';
        sub = num(s + 5, 2);
        max = 12;
    } else if (n == 8 && s[5] == 'M' && all_digits(s + 6, 2)) {
        form = 'M';
        sub = num(s + 6, 2);
        max = 12;
    } else if (n == 7 && (s[5] == 'Q' || s[5] == 'S' || s[5] == 'A') && all_digits(s + 6, 1)) {
        form = s[5];
        sub = s[6] - '0';
        max = form == 'Q' ? 4 : form == 'S' ? 2 : 1;
    } else {
        return sp_error_set(err, SP_ERR_INVALID,
                            "period is not of a form YYYY, YYYY-S1, "
                            "YYYY-Q1, YYYY-MM or YYYY-M01");
    }
    if (sub < 1 || sub > max)
        return sp_error_set(err, SP_ERR_INVALID, "period number %d is outside 1..%d", sub, max);
    if (form != freq) {
        if (freq_mismatch)
            *freq_mismatch = true;
        return sp_error_set(err, SP_ERR_RANGE, "period has the form of frequency %c, not %c", form,
                            freq);
    }
    int months = form == 'A' ? 12 : form == 'S' ? 6 : form == 'Q' ? 3 : 1;
    int first_month = (sub - 1) * months + 1;
    int next_month = first_month + months; /* 13 means January of the next year */
    p->freq = form;
    p->year = year;
    p->sub = sub;
    p->start_day = sp_days_from_civil(year, first_month, 1);
    p->end_day = (next_month > 12 ? sp_days_from_civil(year + 1, 1, 1)
                                  : sp_days_from_civil(year, next_month, 1)) -
                 1;
    return SP_OK;
}

size_t sp_period_format(const sp_period_t *p, char *out)
{
    if (p->year >= 0 && p->year <= 9999 && p->sub >= 0 && p->sub <= 99) {
        char *q = sp_put_digits(out, (unsigned)p->year, 4);
        if (p->freq == 'M') {
            *q++ = '-';
            q = sp_put_digits(q, (unsigned)p->sub, 2);
        } else if (p->freq != 'A') {
            *q++ = '-';
            *q++ = p->freq;
            if (p->sub >= 10)
                *q++ = (char)('0' + p->sub / 10);
            *q++ = (char)('0' + p->sub % 10);
        }
        *q = '\0';
        return (size_t)(q - out);
    }
    switch (p->freq) {
    case 'A':
        return (size_t)snprintf(out, SP_PERIOD_TEXT_MAX, "%04d", p->year);
    case 'M':
        return (size_t)snprintf(out, SP_PERIOD_TEXT_MAX, "%04d-%02d", p->year, p->sub);
    default:
        return (size_t)snprintf(out, SP_PERIOD_TEXT_MAX, "%04d-%c%d", p->year, p->freq, p->sub);
    }
}
