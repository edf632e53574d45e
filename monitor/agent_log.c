/* SPDX-License-Identifier: ISC */
/*
 * log[file,<regexp>,<encoding>,<maxlines>,<mode>,...] and
 * logrt[dir/file_regexp,...] as active items: new whole lines from the
 * offset the server last acknowledged (lastlogsize), at most maxlines per
 * second of delay, each a value. A file that shrinks or is replaced is
 * read again from its start; logrt moves to the next file by mtime.
 * Regular expressions are zbx_regex's: POSIX ERE plus the PCRE forms
 * users write (\d, \w, \b, (?:), (?i)); a bad one makes the item
 * unsupported with the reason.
 * XXX the output (\N) and options parameters are not implemented.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/agent_active.h"
#include "monitor/zbx_regex.h"

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

/* The file logrt[] should read, as logrt_pick finds it. */
struct log_pick {
	char path[2048];
	dev_t dev;
	ino_t ino;
	int64_t mtime;
	uint64_t offset;	/* where to start reading */
};

/* The entry of a file left earlier, or NULL. */
static struct log_done *
find_done(struct active_item *it, dev_t dev, ino_t ino)
{
	for (int i = 0; i < it->log_ndone && i < LOG_DONE_FILES; i++) {
		if (it->log_done[i].dev == dev && it->log_done[i].ino == ino) {
			return &it->log_done[i];
		}
	}
	return NULL;
}

/*
 * Whether the file st (named name) comes before the pick so far: the
 * current file while it has unread lines (or was truncated: read_new
 * starts it again), else the oldest (mtime, then name) of the others with
 * something new: a file left earlier only past where it was left (a
 * rotated file written to late), another one only when it is not older
 * than the current file.
 */
static bool
better_pick(struct active_item *it, const struct stat *st, const char *name,
    const struct log_pick *best, uint64_t *offset)
{
	const struct log_done *done;

	if (it->log_started && st->st_dev == it->log_dev &&
	    st->st_ino == it->log_ino) {
		*offset = it->lastlogsize;
		return (uint64_t)st->st_size != it->lastlogsize;
	}
	if (best->path[0] != '\0' && best->dev == it->log_dev &&
	    best->ino == it->log_ino && it->log_started) {
		return false;	/* the current file goes first */
	}
	if ((done = find_done(it, st->st_dev, st->st_ino)) != NULL) {
		if ((uint64_t)st->st_size <= done->size) {
			return false;
		}
		*offset = done->size;
	} else if (st->st_mtime < it->mtime) {
		return false;
	} else {
		*offset = 0;
	}
	if (best->path[0] == '\0' || st->st_mtime < best->mtime) {
		return true;
	}
	return st->st_mtime == best->mtime &&
	    strcmp(name, strrchr(best->path, '/') + 1) < 0;
}

/*
 * logrt: the file of dir/regexp to read next, into pick. Returns 0, 1
 * when no file has anything new, -1 with err.
 * XXX a file copied then truncated (copytruncate) is read again: agentd's
 * "copytruncate" option, which compares checksums, is not implemented.
 */
static int
logrt_pick(struct active_item *it, const char *spec, struct log_pick *pick,
    char *err, size_t errlen)
{
	const char *slash = strrchr(spec, '/');
	char dir[1024], why[128];
	struct zbx_regex *re;
	struct dirent *de;
	DIR *d;

	if (slash == NULL || slash[1] == '\0') {
		snprintf(err, errlen, "Invalid first parameter.");
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - spec), spec);
	if ((re = malloc(sizeof(*re))) == NULL) {
		snprintf(err, errlen, "Cannot allocate memory.");
		return -1;
	}
	if (zbx_regex_compile(re, slash + 1, why, sizeof(why)) == -1) {
		free(re);
		snprintf(err, errlen, "Cannot compile a regular expression "
		    "describing filename pattern: %s", why);
		return -1;
	}
	if ((d = opendir(dir[0] != '\0' ? dir : "/")) == NULL) {
		free(re);
		snprintf(err, errlen, "Cannot open directory \"%s\": [%d] %s",
		    dir, errno, strerror(errno));
		return -1;
	}
	pick->path[0] = '\0';
	while ((de = readdir(d)) != NULL) {
		char full[2048];
		struct stat st;
		uint64_t offset;

		snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
		if (!zbx_regex_match_str(re, de->d_name) ||
		    stat(full, &st) == -1 || !S_ISREG(st.st_mode) ||
		    !better_pick(it, &st, de->d_name, pick, &offset)) {
			continue;
		}
		snprintf(pick->path, sizeof(pick->path), "%s", full);
		pick->dev = st.st_dev;
		pick->ino = st.st_ino;
		pick->mtime = st.st_mtime;
		pick->offset = offset;
	}
	(void)closedir(d);	/* read-only */
	free(re);
	return pick->path[0] == '\0' ? 1 : 0;
}

/* logrt moves to the picked file: the one it leaves is remembered, so
 * that it is never read again from its start. */
static void
logrt_switch(struct active_item *it, const struct log_pick *pick)
{
	struct log_done *d;

	if (!it->log_started || (pick->dev == it->log_dev &&
	    pick->ino == it->log_ino)) {
		return;
	}
	if ((d = find_done(it, it->log_dev, it->log_ino)) == NULL) {
		d = &it->log_done[it->log_ndone++ % LOG_DONE_FILES];
		if (it->log_ndone >= 2 * LOG_DONE_FILES) {
			it->log_ndone -= LOG_DONE_FILES;	/* no overflow */
		}
	}
	d->dev = it->log_dev;
	d->ino = it->log_ino;
	d->size = it->lastlogsize;
	it->log_dev = pick->dev;
	it->log_ino = pick->ino;
	it->lastlogsize = pick->offset;
}

/* Sends the whole lines of buf (n bytes read at offset). */
static void
send_lines(struct agent *ag, struct active_item *it, const char *buf,
    size_t n, uint64_t offset, struct zbx_regex *re, int maxlines)
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
		if (re == NULL || zbx_regex_match_str(re, line)) {
			agent_active_add_value(ag, it, false, line, strlen(line));
			sent++;
		}
	}
}

/* Sends the new lines of path that re (NULL: any) matches. */
static int
read_new(struct agent *ag, struct active_item *it, const char *path,
    const struct log_params *p, struct zbx_regex *re, char *err,
    size_t errlen)
{
	struct stat st;
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
	if (n > 0) {
		send_lines(ag, it, buf, (size_t)n, it->lastlogsize, re,
		    p->maxlines);
	}
	free(buf);
	return 0;
}

/* The second parameter compiled into *re (NULL when empty); -1 with the
 * reason in err. */
static int
log_regex(const char *pattern, struct zbx_regex **re, char *err,
    size_t errlen)
{
	char why[128];

	*re = NULL;
	if (*pattern == '\0') {
		return 0;
	}
	if ((*re = malloc(sizeof(**re))) == NULL) {
		snprintf(err, errlen, "Cannot allocate memory.");
		return -1;
	}
	if (zbx_regex_compile(*re, pattern, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "Invalid regular expression in second "
		    "parameter: %s", why);
		free(*re);
		*re = NULL;
		return -1;
	}
	return 0;
}

void
agent_log_check(struct agent *ag, struct active_item *it)
{
	char store[2 * ZBX_KEY_MAX_LEN + 2], err[512];
	struct zbx_regex *re = NULL;
	struct log_pick pick;
	struct log_params p;
	struct zbx_key k;
	int rc = 0;

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
	if (log_params(ag, &k, it->delay_ms, &p, err, sizeof(err)) == -1 ||
	    log_regex(p.regexp, &re, err, sizeof(err)) == -1) {
		agent_active_add_value(ag, it, true, err, strlen(err));
		return;
	}
	if (it->is_logrt) {
		rc = logrt_pick(it, p.file, &pick, err, sizeof(err));
		if (rc == 0) {
			logrt_switch(it, &pick);
		}
	} else {
		snprintf(pick.path, sizeof(pick.path), "%s", p.file);
	}
	if (rc == 0) {
		rc = read_new(ag, it, pick.path, &p, re, err, sizeof(err));
	}
	if (rc == -1) {
		agent_active_add_value(ag, it, true, err, strlen(err));
	}
	free(re);
}

void
agent_log_forget(struct active_item *it)
{
	it->log_started = false;
}
