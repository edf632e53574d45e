/* SPDX-License-Identifier: ISC */
/*
 * File system metrics: vfs.fs.size, vfs.fs.inode, vfs.fs.discovery and
 * vfs.file.exists, vfs.file.size, vfs.file.contents, with zabbix_agentd
 * 6.0's parameters, formulas and error texts.
 * XXX statvfs and reads run in the loop: a hung network mount would stall
 * the agent (zabbix_agentd forks for vfs.fs.*; that is its 0.9 ms).
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/agent_int.h"

#define FILE_CONTENTS_MAX	(64 * 1024)	/* ZBX_MAX_DB_FILE_SIZE */

/* One of total, free, used, pfree, pused (empty: total), as vfs.fs.size
 * and vfs.fs.inode answer them. */
static void
set_amount(struct agent_result *res, const char *mode, uint64_t total,
    uint64_t free_n, uint64_t used, double pfree, double pused)
{
	if (*mode == '\0' || strcmp(mode, "total") == 0) {
		agent_set_uint(res, total);
	} else if (strcmp(mode, "free") == 0) {
		agent_set_uint(res, free_n);
	} else if (strcmp(mode, "used") == 0) {
		agent_set_uint(res, used);
	} else if (strcmp(mode, "pfree") == 0) {
		agent_set_dbl(res, pfree);
	} else if (strcmp(mode, "pused") == 0) {
		agent_set_dbl(res, pused);
	} else {
		agent_set_error(res, "Invalid second parameter.");
	}
}

static void
fs_size(struct agent_result *res, const struct statvfs *s, const char *mode)
{
	uint64_t total = (uint64_t)s->f_blocks * s->f_frsize;
	uint64_t free_b = (uint64_t)s->f_bavail * s->f_frsize;
	uint64_t used = (uint64_t)(s->f_blocks - s->f_bfree) * s->f_frsize;
	/* as zabbix_agentd: the space root keeps for itself is not free */
	uint64_t denom = s->f_blocks - s->f_bfree + s->f_bavail;
	double pfree = denom != 0 ? 100.0 * s->f_bavail / denom : 0;

	set_amount(res, mode, total, free_b, used, pfree,
	    denom != 0 ? 100.0 - pfree : 0);
}

static void
fs_inode(struct agent_result *res, const struct statvfs *s, const char *mode)
{
	uint64_t total = s->f_files, free_i = s->f_ffree;
	double pfree = total != 0 ? 100.0 * free_i / total : 100.0;

	set_amount(res, mode, total, free_i, total - free_i, pfree,
	    total != 0 ? 100.0 - pfree : 0);
}

static void
fs_stat(const struct zbx_key *key, struct agent_result *res, bool inodes)
{
	const char *fs = zbx_key_param(key, 0), *mode = zbx_key_param(key, 1);
	struct statvfs s;

	if (agent_too_many(key, 2, res)) {
		return;
	}
	if (*fs == '\0') {
		agent_set_error(res, "Filesystem name cannot be empty.");
		return;
	}
	if (statvfs(fs, &s) == -1) {
		agent_set_error(res, "Cannot obtain filesystem information: "
		    "[%d] %s", errno, strerror(errno));
		return;
	}
	if (inodes) {
		fs_inode(res, &s, mode);
	} else {
		fs_size(res, &s, mode);
	}
}

void
m_vfs_fs_size(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	(void)ag;
	fs_stat(key, res, false);
}

void
m_vfs_fs_inode(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	(void)ag;
	fs_stat(key, res, true);
}

/* Undoes the octal escapes of /proc/mounts (\040 for a space). */
static void
unescape_mount(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

void
m_vfs_fs_discovery(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	char path[512], line[4096], dev[1024], mnt[1024], type[256];
	bool first = true;
	FILE *f;

	(void)key;
	f = fopen(agent_path(ag, path, sizeof(path), "/proc/mounts"), "re");
	if (f == NULL) {
		agent_set_error(res, "Cannot open /proc/mounts: %s",
		    strerror(errno));
		return;
	}
	buf_reset(res->text);
	buf_add(res->text, "[", 1);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%1023s %1023s %255s", dev, mnt, type) != 3) {
			continue;
		}
		unescape_mount(mnt);
		buf_adds(res->text, first ? "{\"{#FSNAME}\":" : ",{\"{#FSNAME}\":");
		buf_add_json_str(res->text, mnt);
		buf_adds(res->text, ",\"{#FSTYPE}\":");
		buf_add_json_str(res->text, type);
		buf_add(res->text, "}", 1);
		first = false;
	}
	(void)fclose(f);	/* read-only */
	buf_add(res->text, "]", 1);
	res->error = false;
}

#define FT_FILE	0x01
#define FT_DIR	0x02
#define FT_SYM	0x04
#define FT_SOCK	0x08
#define FT_BDEV	0x10
#define FT_CDEV	0x20
#define FT_FIFO	0x40
#define FT_ALL	0x7f

/* Parses "file,dir,..." into a mask; -1 with the bad word in res. */
static int
parse_types(const char *list, struct agent_result *res)
{
	static const struct {
		const char *name;
		int mask;
	} names[] = {
		{ "file", FT_FILE }, { "dir", FT_DIR }, { "sym", FT_SYM },
		{ "sock", FT_SOCK }, { "bdev", FT_BDEV }, { "cdev", FT_CDEV },
		{ "fifo", FT_FIFO }, { "dev", FT_BDEV | FT_CDEV },
		{ "all", FT_ALL },
	};
	char word[64];
	int mask = 0;

	while (*list != '\0') {
		size_t n = strcspn(list, ",");
		bool found = false;

		snprintf(word, sizeof(word), "%.*s", (int)n, list);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strcmp(word, names[i].name) == 0) {
				mask |= names[i].mask;
				found = true;
			}
		}
		if (!found) {
			agent_set_error(res, "Invalid type \"%s\".", word);
			return -1;
		}
		list += n + (list[n] == ',');
	}
	return mask;
}

static int
mode_type(mode_t m)
{
	if (S_ISREG(m)) {
		return FT_FILE;
	}
	if (S_ISDIR(m)) {
		return FT_DIR;
	}
	if (S_ISLNK(m)) {
		return FT_SYM;
	}
	if (S_ISSOCK(m)) {
		return FT_SOCK;
	}
	if (S_ISBLK(m)) {
		return FT_BDEV;
	}
	if (S_ISCHR(m)) {
		return FT_CDEV;
	}
	return FT_FIFO;
}

void
m_vfs_file_exists(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	const char *file = zbx_key_param(key, 0);
	int incl, excl, t;
	struct stat st;

	(void)ag;
	if (agent_too_many(key, 3, res)) {
		return;
	}
	if (*file == '\0') {
		agent_set_error(res, "Invalid first parameter.");
		return;
	}
	if ((incl = parse_types(zbx_key_param(key, 1), res)) == -1 ||
	    (excl = parse_types(zbx_key_param(key, 2), res)) == -1) {
		return;
	}
	if (incl == 0) {
		incl = excl == 0 ? FT_FILE : FT_ALL;
	}
	if (lstat(file, &st) == -1) {
		agent_set_uint(res, 0);
		return;
	}
	t = mode_type(st.st_mode);
	/* A link counts as its target unless sym is named. */
	if (t == FT_SYM && ((incl | excl) & FT_SYM) == 0) {
		if (stat(file, &st) == -1) {
			agent_set_uint(res, 0);
			return;
		}
		t = mode_type(st.st_mode);
	}
	agent_set_uint(res, (t & excl) == 0 && (t & incl) != 0);
}

static int
count_lines(const char *file, uint64_t *lines)
{
	char chunk[16384];
	ssize_t n;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd == -1) {
		return -1;
	}
	*lines = 0;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		for (char *p = chunk; (p = memchr(p, '\n',
		    (size_t)(chunk + n - p))) != NULL; p++) {
			(*lines)++;
		}
	}
	(void)close(fd);	/* read-only */
	return n == -1 ? -1 : 0;
}

void
m_vfs_file_size(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	const char *file = zbx_key_param(key, 0), *mode = zbx_key_param(key, 1);
	struct stat st;
	uint64_t lines;

	(void)ag;
	if (agent_too_many(key, 2, res)) {
		return;
	}
	if (*file == '\0') {
		agent_set_error(res, "Invalid first parameter.");
		return;
	}
	if (*mode != '\0' && strcmp(mode, "bytes") != 0 &&
	    strcmp(mode, "lines") != 0) {
		agent_set_error(res, "Invalid second parameter.");
		return;
	}
	if (stat(file, &st) == -1) {
		agent_set_error(res, "Cannot obtain file information: [%d] %s",
		    errno, strerror(errno));
		return;
	}
	if (strcmp(mode, "lines") != 0) {
		agent_set_uint(res, (uint64_t)st.st_size);
		return;
	}
	if (count_lines(file, &lines) == -1) {
		agent_set_error(res, "Cannot open file: [%d] %s", errno,
		    strerror(errno));
		return;
	}
	agent_set_uint(res, lines);
}

/* The whole file (at most max bytes), malloc'ed; NULL with res set. */
static char *
read_contents(const char *file, size_t max, size_t *len,
    struct agent_result *res)
{
	struct stat st;
	char *text = NULL;
	ssize_t n;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd == -1) {
		agent_set_error(res, "Cannot open file: [%d] %s", errno,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || (uint64_t)st.st_size > max) {
		agent_set_error(res, "File is too large for this check.");
		goto out;
	}
	text = malloc(max + 1);
	if (text == NULL) {
		agent_set_error(res, "Cannot allocate memory.");
		goto out;
	}
	*len = 0;
	while (*len <= max && (n = read(fd, text + *len, max + 1 - *len)) != 0) {
		if (n == -1) {
			if (errno == EINTR) {
				continue;
			}
			agent_set_error(res, "Cannot read from file.");
			free(text);
			text = NULL;
			goto out;
		}
		*len += (size_t)n;
	}
	if (*len > max) {
		agent_set_error(res, "File is too large for this check.");
		free(text);
		text = NULL;
	}
out:
	(void)close(fd);	/* read-only */
	return text;
}

void
m_vfs_file_contents(struct agent *ag, const struct zbx_key *key,
    struct agent_result *res)
{
	const char *file = zbx_key_param(key, 0);
	char *text = NULL;
	size_t len = 0;

	(void)ag;
	if (agent_too_many(key, 2, res)) {
		return;
	}
	if (*file == '\0') {
		agent_set_error(res, "Invalid first parameter.");
		return;
	}
	text = read_contents(file, FILE_CONTENTS_MAX, &len, res);
	if (text == NULL) {
		return;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
		len--;
	}
	/* A UTF-8 byte order mark is not part of the text. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		buf_reset(res->text);
		buf_add(res->text, text + 3, len - 3);
	} else {
		buf_reset(res->text);
		buf_add(res->text, text, len);
	}
	res->error = false;
	free(text);
}
