/* SPDX-License-Identifier: ISC */
/*
 * Time as vcore measures it: milliseconds of CLOCK_MONOTONIC for deadlines
 * and durations (immune to clock changes), and parsing of durations written
 * in the config ("5s", "250ms", "2m", "1h", or a bare number of seconds).
 */
#ifndef VCORE_COMMON_CLOCK_H
#define VCORE_COMMON_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_mono_ms(void);
int64_t clock_mono_ns(void);
/* Milliseconds since the epoch, for log file time stamps. */
int64_t clock_real_ms(void);

/*
 * Parses a duration into milliseconds. Returns 0, or -1 with a reason in err.
 * Accepts a decimal number with an optional unit ms, s, m or h; no unit
 * means seconds. Negative values and values over a day are refused.
 */
int clock_parse_duration(const char *text, int64_t *ms, char *err,
    size_t errlen);

/* Formats a duration for people: "850ms", "12s", "3m04s", "2h05m", "3d04h". */
char *clock_format_duration(int64_t ms, char *out, size_t outlen);

#endif
