/* Small helpers on ps_record values: entity names and calendar dates. */
#include <ctype.h>
#include <strings.h>

#include "patsift/record.h"

size_t ps_record_independent_claims(const ps_record *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_claims; i++)
        n += r->claims[i].independent;
    return n;
}

static const char *const entity_names[] = { "unknown", "micro", "small", "large" };

const char *ps_entity_name(ps_entity e)
{
    if ((unsigned)e > PS_ENTITY_LARGE)
        return "unknown";
    return entity_names[e];
}

ps_rc ps_entity_parse(const char *s, ps_entity *out)
{
    for (int e = PS_ENTITY_UNKNOWN; e <= PS_ENTITY_LARGE; e++) {
        if (strcasecmp(s, entity_names[e]) == 0) {
            *out = (ps_entity)e;
            return PS_OK;
        }
    }
    return PS_EPARSE;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m)
{
    static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && leap(y) ? 29 : dim[m - 1];
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

ps_rc ps_date_parse(const char *s, size_t len, int32_t *out)
{
    int y, m, d;
    if (len == 10 && s[4] == '-' && s[7] == '-' && digits(s, 4) && digits(s + 5, 2) &&
        digits(s + 8, 2)) {
        y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    } else if (len == 8 && digits(s, 8)) {
        y = num(s, 4), m = num(s + 4, 2), d = num(s + 6, 2);
    } else {
        return PS_EPARSE;
    }
    if (y < 1700 || y > 2299 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return PS_EPARSE;
    *out = y * 10000 + m * 100 + d;
    return PS_OK;
}

char *ps_date_format(int32_t d, char buf[11])
{
    int y = d / 10000, m = d / 100 % 100, day = d % 100;
    buf[0] = (char)('0' + y / 1000 % 10);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + day / 10);
    buf[9] = (char)('0' + day % 10);
    buf[10] = '\0';
    return buf;
}

/* Howard Hinnant's days_from_civil. */
int32_t ps_date_to_days(int32_t d)
{
    int y = d / 10000, m = d / 100 % 100, day = d % 100;
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Howard Hinnant's civil_from_days. Day numbers outside years 1-9999 (a
 * damaged index can hold any int32) give 0, the unknown date. */
int32_t ps_date_from_days(int32_t days)
{
    if (days < -719162 || days > 2932896) /* 0001-01-01 .. 9999-12-31 */
        return 0;
    int z = days + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    return y * 10000 + m * 100 + d;
}
