/*
 * sp_decimal.c: exact decimal arithmetic for the value path. Published values are scaled
 * into canonical units without binary floating point: a coefficient of decimal digits and
 * a power of ten, multiplied digit by digit.
 */
#include "sp_core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Strips leading and trailing zeros from the coefficient, moving trailing ones into the
 * exponent, and checks the range. */
static sp_status_t dec_normalise(sp_dec_t *d, sp_error_t *err)
{
    int lead = 0;
    while (lead < d->ndig && d->dig[lead] == 0)
        lead++;
    if (lead > 0) {
        memmove(d->dig, d->dig + lead, (size_t)(d->ndig - lead));
        d->ndig -= lead;
    }
    while (d->ndig > 0 && d->dig[d->ndig - 1] == 0) {
        d->ndig--;
        d->exp++;
    }
    if (d->ndig == 0) {
        d->neg = false; /* there is no negative zero */
        d->exp = 0;
        return SP_OK;
    }
    if (d->exp > SP_DEC_MAX_EXP || d->exp < -SP_DEC_MAX_EXP)
        return sp_error_set(err, SP_ERR_RANGE, "decimal exponent out of range");
    return SP_OK;
}

sp_status_t sp_dec_parse(sp_dec_t *d, const char *s, size_t n, sp_error_t *err)
{
    size_t i = 0;
    d->neg = false;
    d->exp = 0;
    d->ndig = 0;
    if (i < n && s[i] == '-') {
        d->neg = true;
        i++;
    }
    size_t int_start = i;
    int frac_digits = 0;
    bool seen_digit = false;
    /* Zeros after the last non-zero digit are held back (pending) rather than stored, so
     * that "1" followed by eighty zeros fits the coefficient; they are stored only when a
     * non-zero digit follows them. */
    int pending = 0;
    bool in_frac = false;
    size_t int_end = 0;
    for (;;) {
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            seen_digit = true;
            if (in_frac)
                frac_digits++;
            if (s[i] == '0') {
                if (d->ndig > 0)
                    pending++;
                continue;
            }
            if (d->ndig + pending + 1 > SP_DEC_MAXDIG)
                return sp_error_set(err, SP_ERR_RANGE, "decimal has more than %d digits",
                                    SP_DEC_MAXDIG);
            for (; pending > 0; pending--)
                d->dig[d->ndig++] = 0;
            d->dig[d->ndig++] = (uint8_t)(s[i] - '0');
        }
        if (in_frac)
            break;
        int_end = i;
        if (int_end - int_start > 1 && s[int_start] == '0')
            return sp_error_set(err, SP_ERR_INVALID, "decimal has a leading zero");
        if (i < n && s[i] == '.') {
            i++;
            in_frac = true;
            if (i == n || s[i] < '0' || s[i] > '9')
                return sp_error_set(err, SP_ERR_INVALID, "decimal point without digits after it");
            continue;
        }
        break;
    }
    if (!seen_digit || int_end == int_start)
        return sp_error_set(err, SP_ERR_INVALID, "not a decimal number");
    long e = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        size_t estart = i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
        if (i == estart)
            return sp_error_set(err, SP_ERR_INVALID, "exponent without digits");
        if (eneg)
            e = -e;
    }
    if (i != n)
        return sp_error_set(err, SP_ERR_INVALID, "unexpected character in decimal number");
    long exp = e - frac_digits + pending;
    if (d->ndig == 0) {
        d->neg = false;
        d->exp = 0;
        return SP_OK;
    }
    if (exp > 10 * SP_DEC_MAX_EXP || exp < -10 * SP_DEC_MAX_EXP - SP_DEC_MAXDIG)
        return sp_error_set(err, SP_ERR_RANGE, "decimal exponent out of range");
    d->exp = (int)exp;
    return dec_normalise(d, err);
}

void sp_dec_from_int(sp_dec_t *d, long long v)
{
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    uint8_t tmp[24];
    int k = 0;
    while (u > 0) {
        tmp[k++] = (uint8_t)(u % 10);
        u /= 10;
    }
    d->neg = v < 0;
    d->exp = 0;
    d->ndig = k;
    for (int i = 0; i < k; i++)
        d->dig[i] = tmp[k - 1 - i];
    (void)dec_normalise(d, NULL); /* an integer of 20 digits is always in range */
}

sp_status_t sp_dec_from_double(sp_dec_t *d, double v, sp_error_t *err)
{
    if (!isfinite(v))
        return sp_error_set(err, SP_ERR_INVALID, "number is not finite");
    char buf[40];
    /* The shortest precision that reads back as the same double names it. */
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return sp_dec_parse(d, buf, strlen(buf), err);
}

sp_status_t sp_dec_mul(sp_dec_t *d, const sp_dec_t *a, const sp_dec_t *b, sp_error_t *err)
{
    if (a->ndig == 0 || b->ndig == 0) {
        d->neg = false;
        d->exp = 0;
        d->ndig = 0;
        return SP_OK;
    }
    int na = a->ndig, nb = b->ndig, nr = na + nb;
    if (nr > 2 * SP_DEC_MAXDIG)
        return sp_error_set(err, SP_ERR_RANGE, "product too long");
    uint32_t acc[2 * SP_DEC_MAXDIG];
    memset(acc, 0, sizeof(uint32_t) * (size_t)nr);
    /* acc[i + j + 1] collects a[i] * b[j]; 76 * 81 fits a uint32 easily. */
    for (int i = na - 1; i >= 0; i--)
        for (int j = nb - 1; j >= 0; j--)
            acc[i + j + 1] += (uint32_t)a->dig[i] * b->dig[j];
    for (int k = nr - 1; k > 0; k--) {
        acc[k - 1] += acc[k] / 10;
        acc[k] %= 10;
    }
    int lead = 0;
    while (lead < nr && acc[lead] == 0)
        lead++;
    int tail = nr;
    int exp = a->exp + b->exp;
    while (tail > lead && acc[tail - 1] == 0) {
        tail--;
        exp++;
    }
    if (tail - lead > SP_DEC_MAXDIG)
        return sp_error_set(err, SP_ERR_RANGE, "product has more than %d digits", SP_DEC_MAXDIG);
    d->neg = a->neg != b->neg;
    d->ndig = tail - lead;
    d->exp = exp;
    for (int k = 0; k < d->ndig; k++)
        d->dig[k] = (uint8_t)acc[lead + k];
    return dec_normalise(d, err);
}

sp_status_t sp_dec_scale10(sp_dec_t *d, int k, sp_error_t *err)
{
    if (d->ndig == 0)
        return SP_OK;
    if (k > 4 * SP_DEC_MAX_EXP || k < -4 * SP_DEC_MAX_EXP)
        return sp_error_set(err, SP_ERR_RANGE, "power of ten out of range");
    d->exp += k;
    return dec_normalise(d, err);
}

size_t sp_dec_format(const sp_dec_t *d, char *out)
{
    char *o = out;
    if (d->ndig == 0) {
        *o++ = '0';
        *o = '\0';
        return 1;
    }
    if (d->neg)
        *o++ = '-';
    if (d->exp >= 0) {
        for (int i = 0; i < d->ndig; i++)
            *o++ = (char)('0' + d->dig[i]);
        for (int i = 0; i < d->exp; i++)
            *o++ = '0';
    } else {
        int point = d->ndig + d->exp; /* digits before the point */
        if (point <= 0) {
            *o++ = '0';
            *o++ = '.';
            for (int i = 0; i < -point; i++)
                *o++ = '0';
            for (int i = 0; i < d->ndig; i++)
                *o++ = (char)('0' + d->dig[i]);
        } else {
            for (int i = 0; i < d->ndig; i++) {
                if (i == point)
                    *o++ = '.';
                *o++ = (char)('0' + d->dig[i]);
            }
        }
    }
    *o = '\0';
    return (size_t)(o - out);
}

int sp_dec_cmp(const sp_dec_t *a, const sp_dec_t *b)
{
    int sa = a->ndig == 0 ? 0 : (a->neg ? -1 : 1);
    int sb = b->ndig == 0 ? 0 : (b->neg ? -1 : 1);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    /* Same sign: compare magnitudes by position of the leading digit, then digits. */
    int ma = a->ndig + a->exp, mb = b->ndig + b->exp;
    int c = 0;
    if (ma != mb) {
        c = ma < mb ? -1 : 1;
    } else {
        int n = a->ndig > b->ndig ? a->ndig : b->ndig;
        for (int i = 0; i < n && c == 0; i++) {
            int da = i < a->ndig ? a->dig[i] : 0;
            int db = i < b->ndig ? b->dig[i] : 0;
            if (da != db)
                c = da < db ? -1 : 1;
        }
    }
    return sa < 0 ? -c : c;
}
