/* SPDX-License-Identifier: ISC */
/* Service log files and their rotation; see logfile.h. */
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "supervise/logfile.h"

static int
open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOCTTY, 0640);

	if (fd >= 0) {
		/* Best effort: without it the agent cannot read the file. */
		(void)fchown(fd, 0, LOGFILE_GROUP);
		(void)fchmod(fd, 0640);
	}
	return fd;
}

int
logfile_open(struct logfile *lf, const char *dir, const char *name,
    int64_t max_bytes, int keep)
{
	char path[PATH_MAX];
	struct stat st;

	memset(lf, 0, sizeof(*lf));
	lf->fd = -1;
	if (fd_mkdirs(dir, 0755) == -1) {
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.log", dir, name);
	lf->fd = open_log(path);
	if (lf->fd < 0) {
		return -1;
	}
	lf->path = strdup(path);
	lf->max_bytes = max_bytes;
	lf->keep = keep;
	/* Sequence numbers unique across restarts of vcinit, so that a file
	 * set aside by an earlier run is never overwritten. */
	lf->next_seq = lf->first_seq = clock_real_ms();
	if (fstat(lf->fd, &st) == 0) {
		lf->size = st.st_size;
	}
	return 0;
}

void
logfile_close(struct logfile *lf)
{
	fd_close(&lf->fd);
	free(lf->path);
	lf->path = NULL;
}

char *
logfile_rotated_name(char *out, size_t outlen, const char *path, int n,
    bool gz)
{
	snprintf(out, outlen, "%s.%d%s", path, n, gz ? ".gz" : "");
	return out;
}

int
logfile_gzip(const char *src, const char *dst)
{
	unsigned char in[16384], outb[16384];
	z_stream z;
	int ifd = -1, ofd = -1, rc = -1, flush;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip header and trailer, as gzip(1) writes. */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		return -1;
	}
	ifd = open(src, O_RDONLY | O_CLOEXEC);
	ofd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (ifd < 0 || ofd < 0) {
		goto out;
	}
	do {
		ssize_t n = read(ifd, in, sizeof(in));

		if (n < 0) {
			goto out;
		}
		flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
		z.next_in = in;
		z.avail_in = (uInt)n;
		do {
			z.next_out = outb;
			z.avail_out = sizeof(outb);
			if (deflate(&z, flush) == Z_STREAM_ERROR) {
				goto out;
			}
			if (fd_write_all(ofd, outb, sizeof(outb) -
			    z.avail_out) == -1) {
				goto out;
			}
		} while (z.avail_out == 0);
	} while (flush != Z_FINISH);
	(void)fchown(ofd, 0, LOGFILE_GROUP);
	rc = fsync(ofd);
out:
	deflateEnd(&z);
	fd_close(&ifd);
	if (ofd >= 0 && close(ofd) == -1) {
		rc = -1;
	}
	return rc;
}

char *
logfile_aside_name(char *out, size_t outlen, const char *path, int64_t seq)
{
	snprintf(out, outlen, "%s.r%lld", path, (long long)seq);
	return out;
}

/* In the child: makes room for a new .1.gz by shifting the others; the
 * oldest beyond keep goes. */
static void
shift_rotations(const char *path, int keep)
{
	char from[PATH_MAX], to[PATH_MAX];

	logfile_rotated_name(to, sizeof(to), path, keep, true);
	(void)unlink(to);	/* absent is fine */
	for (int n = keep - 1; n >= 1; n--) {
		logfile_rotated_name(from, sizeof(from), path, n, true);
		logfile_rotated_name(to, sizeof(to), path, n + 1, true);
		(void)rename(from, to);	/* absent is fine */
	}
}

/* In the child: each set-aside file, oldest first, becomes path.1.gz. */
static void __attribute__((noreturn))
compress_child(const char *path, int keep, int64_t first, int64_t last)
{
	char src[PATH_MAX], tmp[PATH_MAX + 8], dst[PATH_MAX];
	int rc = 0;

	logfile_rotated_name(dst, sizeof(dst), path, 1, true);
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	for (int64_t seq = first; seq < last; seq++) {
		logfile_aside_name(src, sizeof(src), path, seq);
		if (logfile_gzip(src, tmp) == -1) {
			(void)unlink(tmp);
			rc = 1;	/* keep src: it is the only copy */
			continue;
		}
		shift_rotations(path, keep);
		if (rename(tmp, dst) == -1) {
			rc = 1;
			continue;
		}
		(void)unlink(src);
	}
	_exit(rc);
}

static void
start_compressor(struct logfile *lf)
{
	pid_t pid;

	if (lf->compressor > 0 || lf->first_seq >= lf->next_seq) {
		return;
	}
	pid = fork();
	if (pid == 0) {
		compress_child(lf->path, lf->keep, lf->first_seq, lf->next_seq);
	}
	if (pid < 0) {
		vlog_warn("unable to compress %s's rotations: fork: %s",
		    lf->path, strerror(errno));
		return;
	}
	lf->compressor = pid;
	lf->busy_until = lf->next_seq;
}

static void
rotate(struct logfile *lf)
{
	char aside[PATH_MAX];
	int fd;

	if (lf->keep > 0) {
		logfile_aside_name(aside, sizeof(aside), lf->path,
		    lf->next_seq);
		if (rename(lf->path, aside) == -1) {
			vlog_warn("unable to rotate %s: %s", lf->path,
			    strerror(errno));
			return;
		}
		lf->next_seq++;
	} else if (unlink(lf->path) == -1) {
		vlog_warn("unable to remove %s: %s", lf->path, strerror(errno));
		return;
	}
	fd = open_log(lf->path);
	if (fd < 0) {
		vlog_warn("unable to open %s: %s", lf->path, strerror(errno));
		return;	/* keep writing to the file set aside */
	}
	fd_close(&lf->fd);
	lf->fd = fd;
	lf->size = 0;
	start_compressor(lf);
}

bool
logfile_reaped(struct logfile *lf, pid_t pid, int status)
{
	if (pid != lf->compressor || pid <= 0) {
		return false;
	}
	lf->compressor = 0;
	lf->first_seq = lf->busy_until;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		vlog_warn("unable to compress a rotation of %s: it stays "
		    "uncompressed beside it", lf->path != NULL ? lf->path : "log");
	}
	if (lf->path != NULL) {
		start_compressor(lf);	/* what was set aside meanwhile */
	}
	return true;
}

static void
report_error(struct logfile *lf)
{
	int64_t now = clock_mono_ms();

	lf->lost++;
	if (lf->last_error_ms != 0 && now - lf->last_error_ms < 60000) {
		return;
	}
	vlog_warn("unable to write %s: %s (%lu lines lost)", lf->path,
	    strerror(errno), lf->lost);
	lf->last_error_ms = now;
	lf->lost = 0;
}

void
logfile_write(struct logfile *lf, const char *line, size_t len)
{
	char stamp[40];
	struct iovec iov[3];
	struct tm tm;
	int64_t ms = clock_real_ms();
	time_t secs = (time_t)(ms / 1000);
	ssize_t n;
	size_t total;

	if (lf->fd < 0) {
		return;
	}
	gmtime_r(&secs, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(ms % 1000));
	iov[0].iov_base = stamp;
	iov[0].iov_len = strlen(stamp);
	iov[1].iov_base = (void *)line;
	iov[1].iov_len = len;
	iov[2].iov_base = "\n";
	iov[2].iov_len = 1;
	total = iov[0].iov_len + len + 1;
	n = writev(lf->fd, iov, 3);
	if (n < 0 || (size_t)n != total) {
		if (n >= 0) {
			/* A short write to a regular file: the disk is full
			 * (the next write would say ENOSPC). */
			errno = ENOSPC;
		}
		report_error(lf);
		if (n > 0) {
			lf->size += n;
		}
		return;
	}
	lf->size += n;
	if (lf->max_bytes > 0 && lf->size >= lf->max_bytes) {
		rotate(lf);
	}
}
