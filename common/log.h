/* SPDX-License-Identifier: ISC */
/*
 * Messages of vcore's programs, compiler style: "vcinit: warning: what: why".
 * The lowest level shown comes from VCORE_LOG (warning, info, debug); fatal
 * is always shown. PID 1 installs a sink so its own lines queue behind the
 * services' output instead of blocking on a slow stderr.
 */
#ifndef VCORE_COMMON_LOG_H
#define VCORE_COMMON_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum vlog_level { VLOG_FATAL, VLOG_WARNING, VLOG_INFO, VLOG_DEBUG };

/* Receives one formatted line, newline included. */
typedef void (*vlog_sink_fn)(enum vlog_level level, const char *line,
    size_t len, void *arg);

/* Sets the program name and reads VCORE_LOG; an unknown value is reported
 * once and info is used. */
void vlog_init(const char *prog);
bool vlog_enabled(enum vlog_level level);
/* Sends lines to sink instead of stderr; NULL goes back to stderr. */
void vlog_set_sink(vlog_sink_fn sink, void *arg);
const char *vlog_prog(void);

void vlog_msg(enum vlog_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define vlog_fatal(...) vlog_msg(VLOG_FATAL, __VA_ARGS__)
#define vlog_warn(...) vlog_msg(VLOG_WARNING, __VA_ARGS__)
#define vlog_info(...) vlog_msg(VLOG_INFO, __VA_ARGS__)
#define vlog_debug(...) vlog_msg(VLOG_DEBUG, __VA_ARGS__)

/*
 * Copies at most max bytes of untrusted text (a peer's, a user's) into out,
 * replacing control characters and non-ASCII bytes with '?', so that it can
 * be logged or echoed safely. Returns out.
 */
char *vlog_sanitize(char *out, size_t outlen, const char *in, size_t inlen);

#endif
