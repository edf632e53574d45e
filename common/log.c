/* SPDX-License-Identifier: ISC */
/*
 * Formats and emits vcore's own messages. One line per call, written with a
 * single write(2) so that lines from several processes do not interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *log_prog_name = "vcore";
static enum vlog_level log_level = VLOG_INFO;
static vlog_sink_fn log_sink;
static void *log_sink_arg;

static const char *const level_names[] = {
	[VLOG_FATAL] = "fatal",
	[VLOG_WARNING] = "warning",
	[VLOG_INFO] = "info",
	[VLOG_DEBUG] = "debug",
};

void
vlog_init(const char *prog)
{
	const char *v = getenv("VCORE_LOG");

	log_prog_name = prog;
	log_level = VLOG_INFO;
	if (v == NULL || *v == '\0') {
		return;
	}
	for (int i = VLOG_WARNING; i <= VLOG_DEBUG; i++) {
		if (strcmp(v, level_names[i]) == 0) {
			log_level = (enum vlog_level)i;
			return;
		}
	}
	vlog_warn("VCORE_LOG=%.32s is not warning, info or debug: using info",
	    v);
}

bool
vlog_enabled(enum vlog_level level)
{
	return level <= log_level;
}

void
vlog_set_sink(vlog_sink_fn sink, void *arg)
{
	log_sink = sink;
	log_sink_arg = arg;
}

const char *
vlog_prog(void)
{
	return log_prog_name;
}

static void
vlog_emit(enum vlog_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n, m;
	int saved = errno;

	n = snprintf(line, sizeof(line), "%s: %s: ", log_prog_name,
	    level_names[level]);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0) {
		m = 0;
	}
	n += m;
	if (n > (int)sizeof(line) - 2) {
		n = (int)sizeof(line) - 2;
	}
	line[n++] = '\n';
	line[n] = '\0';
	if (log_sink != NULL) {
		log_sink(level, line, (size_t)n, log_sink_arg);
	} else {
		/* Nothing sensible to do when stderr is gone. */
		(void)!write(STDERR_FILENO, line, (size_t)n);
	}
	errno = saved;
}

void
vlog_msg(enum vlog_level level, const char *fmt, ...)
{
	va_list ap;

	if (!vlog_enabled(level)) {
		return;
	}
	va_start(ap, fmt);
	vlog_emit(level, fmt, ap);
	va_end(ap);
}

char *
vlog_sanitize(char *out, size_t outlen, const char *in, size_t inlen)
{
	size_t i, n = 0;

	if (outlen == 0) {
		return out;
	}
	for (i = 0; i < inlen && n + 1 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];

		out[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[n] = '\0';
	return out;
}
