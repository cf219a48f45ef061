/* fuzz_parsers.c: the decimal, period and time parsers on any bytes. The first byte picks
 * the parser. Whatever they accept must format back into what they would accept again. */
#include "sp_core.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 3) {
    case 0: {
        sp_dec_t d, again;
        char text[SP_DEC_TEXT_MAX];
        if (sp_dec_parse(&d, s, n, NULL) != SP_OK)
            return 0;
        size_t len = sp_dec_format(&d, text);
        if (len >= sizeof(text) || sp_dec_parse(&again, text, len, NULL) != SP_OK ||
            sp_dec_cmp(&d, &again) != 0)
            abort();
        sp_dec_t f, p;
        sp_dec_from_int(&f, 1000000000000LL);
        if (sp_dec_mul(&p, &d, &f, NULL) == SP_OK) {
            sp_dec_format(&p, text);
            if ((sp_dec_cmp(&d, &p) < 0) != (!d.neg && !sp_dec_is_zero(&d)))
                abort(); /* scaling up by 10^12 must grow positives, only them */
        }
        break;
    }
    case 1: {
        sp_period_t p, again;
        char text[SP_PERIOD_TEXT_MAX];
        static const char freqs[] = "ASQM";
        char freq = n > 0 ? freqs[(unsigned char)s[0] % 4] : 'A';
        if (sp_period_parse(&p, freq, s, n, NULL, NULL) != SP_OK)
            return 0;
        size_t len = sp_period_format(&p, text);
        if (sp_period_parse(&again, freq, text, len, NULL, NULL) != SP_OK ||
            again.start_day != p.start_day || again.end_day != p.end_day || p.end_day < p.start_day)
            abort();
        break;
    }
    default: {
        int64_t us, again;
        char text[SP_TIME_TEXT_MAX];
        if (sp_time_parse(&us, s, n, NULL) != SP_OK)
            return 0;
        size_t len = sp_time_format(us, text);
        /* the formatted text ends in "+00": ISO with a space; replace for the parser */
        text[10] = 'T';
        if (sp_time_parse(&again, text, len, NULL) != SP_OK || again != us)
            abort();
        break;
    }
    }
    return 0;
}
