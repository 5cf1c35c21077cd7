/* Text <-> value conversions for the formats Windows renders. */
#ifndef HAI_CONVERT_H
#define HAI_CONVERT_H

#include <stddef.h>
#include <stdint.h>

/* A number as Windows renders HexInt/Pointer (`0x` + hex digits, either case,
 * any leading zeros) or UInt (decimal). Surrounding whitespace is ignored.
 * Returns HA_OK, HA_ERR_NOT_FOUND for "" or "-", HA_ERR_BAD_VALUE otherwise. */
int hai_parse_uint(const char *s, size_t len, uint64_t *out);

/* `YYYY-MM-DD[T ]HH:MM:SS[.f{0,9+}][Z|+hh:mm|-hh:mm]` to nanoseconds since
 * 1970 UTC (digits past the ninth are ignored). HA_OK or HA_ERR_BAD_VALUE
 * (also when out of the int64 nanosecond range, years 1678 to 2262). */
int hai_parse_time(const char *s, size_t len, int64_t *out);

/* A FILETIME (100 ns ticks since 1601) as written in `@RawTime`. */
int hai_parse_filetime(const char *s, size_t len, int64_t *out);

/* Nanoseconds since 1970 as `YYYY-MM-DDTHH:MM:SS.fffffffZ` (7 fractional
 * digits, truncated). Writes 28 bytes plus a NUL into `out`; returns 28. */
#define HAI_TIME_TEXT_LEN 28
size_t hai_format_time(int64_t ns, char out[HAI_TIME_TEXT_LEN + 1]);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t hai_days_from_civil(int64_t y, unsigned m, unsigned d);
void hai_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
