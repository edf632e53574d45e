/* SPDX-License-Identifier: ISC */
/*
 * Monotonic time and durations. Pure parsing and formatting, plus the two
 * clock_gettime calls.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"

int64_t
clock_mono_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
clock_mono_ms(void)
{
	return clock_mono_ns() / 1000000;
}

int64_t
clock_real_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
clock_parse_duration(const char *text, int64_t *ms, char *err, size_t errlen)
{
	const char *p = text;
	int64_t whole = 0, frac = 0, frac_div = 1, unit_ms = 1000;
	int digits = 0;

	while (*p == ' ') {
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (whole > 100000000) {
			goto too_long;
		}
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (frac_div < 1000000) {
				frac = frac * 10 + (*p - '0');
				frac_div *= 10;
			}
		}
	}
	if (digits == 0) {
		snprintf(err, errlen, "'%.40s' is not a duration (like 5s, "
		    "250ms, 2m)", text);
		return -1;
	}
	if (strcmp(p, "ms") == 0) {
		unit_ms = 1;
	} else if (strcmp(p, "s") == 0 || *p == '\0') {
		unit_ms = 1000;
	} else if (strcmp(p, "m") == 0 || strcmp(p, "min") == 0) {
		unit_ms = 60000;
	} else if (strcmp(p, "h") == 0) {
		unit_ms = 3600000;
	} else {
		snprintf(err, errlen, "'%.40s' has an unknown unit (use ms, s, "
		    "m or h)", text);
		return -1;
	}
	*ms = whole * unit_ms + frac * unit_ms / frac_div;
	if (*ms > 86400000) {
		goto too_long;
	}
	return 0;
too_long:
	snprintf(err, errlen, "'%.40s' is longer than a day", text);
	return -1;
}

char *
clock_format_duration(int64_t ms, char *out, size_t outlen)
{
	int64_t s = ms / 1000;

	if (ms < 0) {
		snprintf(out, outlen, "-");
	} else if (ms < 1000) {
		snprintf(out, outlen, "%lldms", (long long)ms);
	} else if (s < 60) {
		snprintf(out, outlen, "%llds", (long long)s);
	} else if (s < 3600) {
		snprintf(out, outlen, "%lldm%02llds", (long long)(s / 60),
		    (long long)(s % 60));
	} else if (s < 86400) {
		snprintf(out, outlen, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	} else {
		snprintf(out, outlen, "%lldd%02lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
	}
	return out;
}
