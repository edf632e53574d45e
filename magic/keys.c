/* SPDX-License-Identifier: ISC */
/*
 * Root's keys from VCORE_AUTHORIZED_KEYS (DESIGN: SSH keys): checked with
 * the authorized_keys parser vcsshd uses, then written as a marked block
 * of root's authorized_keys that every boot replaces, so a key removed
 * from the variable is gone after the next start. Lines outside the block
 * are the administrator's and stay as they are.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/authkeys.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "magic/magic.h"

#define KEYS_FILE_MAX_BYTES (1024 * 1024)
#define BLOCK_BEGIN "# vcore: keys from VCORE_AUTHORIZED_KEYS, rewritten " \
	"at every boot (edits between these lines are lost)"
#define BLOCK_END "# vcore: end of VCORE_AUTHORIZED_KEYS"

/* The keys seen so far, to drop duplicates (by key, not by comment). */
struct seen_keys {
	struct authkeys_entry entry;	/* parse scratch: large */
	unsigned char (*blobs)[AUTHKEYS_BLOB_MAX];
	size_t *lens;
	int n;
};

static bool
seen_before(struct seen_keys *s)
{
	for (int i = 0; i < s->n; i++) {
		if (s->lens[i] == s->entry.blob_len &&
		    memcmp(s->blobs[i], s->entry.blob, s->lens[i]) == 0) {
			return true;
		}
	}
	return false;
}

static int
remember_key(struct seen_keys *s)
{
	unsigned char (*blobs)[AUTHKEYS_BLOB_MAX] = realloc(s->blobs,
	    sizeof(*blobs) * (size_t)(s->n + 1));
	size_t *lens;

	if (blobs == NULL) {
		return -1;
	}
	s->blobs = blobs;
	lens = realloc(s->lens, sizeof(size_t) * (size_t)(s->n + 1));
	if (lens == NULL) {
		return -1;
	}
	s->lens = lens;
	memcpy(s->blobs[s->n], s->entry.blob, s->entry.blob_len);
	s->lens[s->n++] = s->entry.blob_len;
	return 0;
}

/* Copies the file's lines outside an old block, noting their keys. */
static void
keep_own_lines(struct seen_keys *s, const char *old, size_t len,
    struct buf *out)
{
	bool in_block = false;
	char err[160];

	for (size_t at = 0; at < len;) {
		const char *nl = memchr(old + at, '\n', len - at);
		size_t n = nl != NULL ? (size_t)(nl - old) - at : len - at;
		const char *line = old + at;

		at += n + 1;
		if (n == strlen(BLOCK_BEGIN) && memcmp(line, BLOCK_BEGIN, n) == 0) {
			in_block = true;
		} else if (in_block) {
			in_block = !(n == strlen(BLOCK_END) &&
			    memcmp(line, BLOCK_END, n) == 0);
		} else {
			buf_add(out, line, n);
			buf_add(out, "\n", 1);
			if (authkeys_parse(line, n, &s->entry, err,
			    sizeof(err)) == 1 && !seen_before(s)) {
				(void)remember_key(s);
			}
		}
	}
}

/* Appends the block of the variable's keys; errors name the line only,
 * never the key material. */
static int
add_block(struct seen_keys *s, const char *keys, struct buf *out,
    int *nkeys, struct buf *errors)
{
	char err[160];
	int lineno = 0;
	size_t start = out->len;

	buf_adds(out, BLOCK_BEGIN "\n");
	for (const char *line = keys; *line != '\0';) {
		size_t n = strcspn(line, "\n");
		int rc = authkeys_parse(line, n, &s->entry, err, sizeof(err));

		lineno++;
		if (rc == -1) {
			buf_addf(errors, "VCORE_AUTHORIZED_KEYS: line %d: %s\n",
			    lineno, err);
			return -1;
		}
		if (rc == 1 && !seen_before(s)) {
			if (remember_key(s) == -1) {
				return -1;
			}
			buf_add(out, line + strspn(line, " \t"),
			    n - strspn(line, " \t"));
			buf_add(out, "\n", 1);
			(*nkeys)++;
		}
		line += n + (line[n] == '\n');
	}
	buf_adds(out, BLOCK_END "\n");
	if (*nkeys == 0) {
		out->len = start;	/* no key: no block */
	}
	return 0;
}

static int
write_keys(const char *path, const struct buf *content, uid_t uid, gid_t gid)
{
	char tmp[4200];
	int fd, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.vcore-new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		return -1;
	}
	if (fd_write_all(fd, content->data, content->len) == 0 &&
	    fchown(fd, uid, gid) == 0 && fchmod(fd, 0600) == 0) {
		rc = 0;
	}
	if (close(fd) == -1) {
		rc = -1;
	}
	if (rc == 0) {
		rc = rename(tmp, path);
	}
	if (rc == -1) {
		(void)unlink(tmp);
	}
	return rc;
}

static int
make_ssh_dir(const char *path, uid_t uid, gid_t gid)
{
	char *dir = strdup(path);
	char *slash = dir != NULL ? strrchr(dir, '/') : NULL;
	int rc = -1;

	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (fd_mkdirs(dir, 0700) == 0 && chown(dir, uid, gid) == 0 &&
		    chmod(dir, 0700) == 0) {
			rc = 0;
		}
	}
	free(dir);
	return rc;
}

int
magic_merge_keys(const char *keys_text, const char *path, uid_t uid,
    gid_t gid, int *nkeys, struct buf *errors)
{
	struct seen_keys *seen = calloc(1, sizeof(*seen));
	struct buf content = { 0 };
	size_t old_len = 0;
	char *old = NULL;
	int rc = -1;

	*nkeys = 0;
	if (seen == NULL) {
		return -1;
	}
	old = fd_read_file(path, KEYS_FILE_MAX_BYTES, &old_len);
	if (old == NULL && errno != ENOENT) {
		buf_addf(errors, "%s: unable to read: %s\n", path,
		    strerror(errno));
		goto out;
	}
	keep_own_lines(seen, old != NULL ? old : "", old_len, &content);
	if (add_block(seen, keys_text, &content, nkeys, errors) == -1) {
		goto out;
	}
	rc = 0;
	if (content.failed) {
		rc = -1;
	} else if (old != NULL && content.len == old_len &&
	    memcmp(content.data, old, old_len) == 0) {
		/* Nothing changed: leave the file alone. */
	} else if (old != NULL || *nkeys > 0) {
		if (make_ssh_dir(path, uid, gid) == -1 ||
		    write_keys(path, &content, uid, gid) == -1) {
			buf_addf(errors, "%s: unable to write: %s\n", path,
			    strerror(errno));
			rc = -1;
		}
	}
out:
	free(old);
	buf_free(&content);
	free(seen->blobs);
	free(seen->lens);
	free(seen);
	return rc;
}
