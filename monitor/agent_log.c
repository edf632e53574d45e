/* SPDX-License-Identifier: ISC */
/*
 * log[file,<regexp>,<encoding>,<maxlines>,<mode>,...] and
 * logrt[dir/file_regexp,...] as active items: new whole lines from the
 * offset the server last acknowledged (lastlogsize), at most maxlines per
 * second of delay, each a value. A file that shrinks or is replaced is
 * read again from its start; logrt moves to the next file by mtime.
 * XXX the output (\N) and options parameters are not implemented; regexps
 * are POSIX ERE, not PCRE.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/agent_active.h"

#define LOG_READ_MAX	(64 * 1024)

struct log_params {
	const char *file;
	const char *regexp;
	int maxlines;
	bool skip;
};

static int
log_params(struct agent *ag, const struct zbx_key *k, int64_t delay_ms,
    struct log_params *p, char *err, size_t errlen)
{
	const char *ml = zbx_key_param(k, 3), *mode = zbx_key_param(k, 4);
	long n = ag->cfg.max_lines;

	if (k->nparams > 9) {
		snprintf(err, errlen, "Too many parameters.");
		return -1;
	}
	p->file = zbx_key_param(k, 0);
	p->regexp = zbx_key_param(k, 1);
	if (*p->file == '\0') {
		snprintf(err, errlen, "Invalid first parameter.");
		return -1;
	}
	if (*ml != '\0') {
		char *end;

		n = strtol(ml, &end, 10);
		if (*end != '\0' || n < 1 || n > 1000) {
			snprintf(err, errlen, "Invalid fourth parameter.");
			return -1;
		}
	}
	if (*mode != '\0' && strcmp(mode, "all") != 0 &&
	    strcmp(mode, "skip") != 0) {
		snprintf(err, errlen, "Invalid fifth parameter.");
		return -1;
	}
	p->skip = strcmp(mode, "skip") == 0;
	p->maxlines = (int)(n * (delay_ms / 1000 > 0 ? delay_ms / 1000 : 1));
	return 0;
}

/* logrt: the file of dir/regexp to read next, into path. */
static int
logrt_pick(struct active_item *it, const char *spec, char *path,
    size_t pathlen, char *err, size_t errlen)
{
	const char *slash = strrchr(spec, '/');
	char dir[1024], best[1024] = "";
	struct dirent *de;
	int64_t best_mtime = -1;
	regex_t re;
	DIR *d;

	if (slash == NULL || slash[1] == '\0') {
		snprintf(err, errlen, "Invalid first parameter.");
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - spec), spec);
	if (regcomp(&re, slash + 1, REG_EXTENDED | REG_NOSUB) != 0) {
		snprintf(err, errlen, "Invalid first parameter.");
		return -1;
	}
	if ((d = opendir(dir[0] != '\0' ? dir : "/")) == NULL) {
		regfree(&re);
		snprintf(err, errlen, "Cannot open directory \"%s\": [%d] %s",
		    dir, errno, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char full[2048];
		struct stat st;

		snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
		if (regexec(&re, de->d_name, 0, NULL, 0) != 0 ||
		    stat(full, &st) == -1 || !S_ISREG(st.st_mode)) {
			continue;
		}
		/* The current file while it has unread lines. */
		if (it->log_started && st.st_ino == it->log_ino &&
		    (uint64_t)st.st_size > it->lastlogsize) {
			snprintf(best, sizeof(best), "%s", full);
			break;
		}
		/* Else the oldest one newer than what was read. */
		if (st.st_mtime >= it->mtime && st.st_ino != it->log_ino &&
		    (best_mtime < 0 || st.st_mtime < best_mtime)) {
			best_mtime = st.st_mtime;
			snprintf(best, sizeof(best), "%s", full);
		}
	}
	(void)closedir(d);	/* read-only */
	regfree(&re);
	if (best[0] == '\0') {
		return 1;	/* nothing new */
	}
	snprintf(path, pathlen, "%s", best);
	return 0;
}

/* Sends the whole lines of buf (n bytes read at offset). */
static void
send_lines(struct agent *ag, struct active_item *it, const char *buf,
    size_t n, uint64_t offset, regex_t *re, int maxlines)
{
	size_t at = 0;
	int sent = 0;

	while (at < n && sent < maxlines) {
		const char *nl = memchr(buf + at, '\n', n - at);
		char line[8192];
		size_t len;

		if (nl == NULL) {
			break;	/* a line still being written */
		}
		len = (size_t)(nl - (buf + at));
		if (len > 0 && buf[at + len - 1] == '\r') {
			len--;
		}
		snprintf(line, sizeof(line), "%.*s", (int)len, buf + at);
		at = (size_t)(nl - buf) + 1;
		it->lastlogsize = offset + at;
		if (re == NULL || regexec(re, line, 0, NULL, 0) == 0) {
			agent_active_add_value(ag, it, false, line, strlen(line));
			sent++;
		}
	}
}

static int
read_new(struct agent *ag, struct active_item *it, const char *path,
    const struct log_params *p, char *err, size_t errlen)
{
	struct stat st;
	regex_t re;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1) {
		snprintf(err, errlen, "Cannot obtain information for file "
		    "\"%s\": [%d] %s", path, errno, strerror(errno));
		if (fd != -1) {
			(void)close(fd);
		}
		return -1;
	}
	if (!it->log_started) {
		it->log_started = true;
		if (p->skip && it->lastlogsize == 0) {
			it->lastlogsize = (uint64_t)st.st_size;
		}
	} else if (st.st_ino != it->log_ino || st.st_dev != it->log_dev) {
		it->lastlogsize = 0;	/* replaced: a new file */
	}
	if ((uint64_t)st.st_size < it->lastlogsize) {
		it->lastlogsize = 0;	/* truncated */
	}
	it->log_dev = st.st_dev;
	it->log_ino = st.st_ino;
	it->mtime = st.st_mtime;
	if ((uint64_t)st.st_size == it->lastlogsize ||
	    (buf = malloc(LOG_READ_MAX)) == NULL) {
		(void)close(fd);
		return 0;
	}
	n = pread(fd, buf, LOG_READ_MAX, (off_t)it->lastlogsize);
	(void)close(fd);	/* read-only */
	if (n > 0 && (*p->regexp == '\0' || regcomp(&re, p->regexp,
	    REG_EXTENDED | REG_NOSUB) == 0)) {
		send_lines(ag, it, buf, (size_t)n, it->lastlogsize,
		    *p->regexp != '\0' ? &re : NULL, p->maxlines);
		if (*p->regexp != '\0') {
			regfree(&re);
		}
	} else if (n > 0) {
		snprintf(err, errlen, "Invalid second parameter.");
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

void
agent_log_check(struct agent *ag, struct active_item *it)
{
	char store[2 * ZBX_KEY_MAX_LEN + 2], err[512], path[2048];
	struct log_params p;
	struct zbx_key k;
	int rc;

	/* Lines wait in the file, not in the buffer: none are dropped. */
	if (it->srv->nvals >= it->srv->vcap / 2) {
		return;
	}
	if (zbx_key_parse(it->key, strlen(it->key), &k, store,
	    sizeof(store)) == -1) {
		agent_active_add_value(ag, it, true, "Invalid item key format.",
		    strlen("Invalid item key format."));
		return;
	}
	if (log_params(ag, &k, it->delay_ms, &p, err, sizeof(err)) == -1) {
		agent_active_add_value(ag, it, true, err, strlen(err));
		return;
	}
	if (it->is_logrt) {
		rc = logrt_pick(it, p.file, path, sizeof(path), err,
		    sizeof(err));
		if (rc == 1) {
			return;
		}
		if (rc == -1) {
			agent_active_add_value(ag, it, true, err, strlen(err));
			return;
		}
	} else {
		snprintf(path, sizeof(path), "%s", p.file);
	}
	if (read_new(ag, it, path, &p, err, sizeof(err)) == -1) {
		agent_active_add_value(ag, it, true, err, strlen(err));
	}
}

void
agent_log_forget(struct active_item *it)
{
	it->log_started = false;
}
