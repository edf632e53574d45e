/* SPDX-License-Identifier: ISC */
/* File-descriptor helpers; see fdutil.h. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"

int
fd_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1) {
		return -1;
	}
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl);
}

int
fd_set_cloexec(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl == -1) {
		return -1;
	}
	fl = on ? (fl | FD_CLOEXEC) : (fl & ~FD_CLOEXEC);
	return fcntl(fd, F_SETFD, fl);
}

void
fd_close(int *fd)
{
	if (*fd >= 0) {
		(void)close(*fd); /* nothing to do about a failed close */
		*fd = -1;
	}
}

int
fd_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

char *
fd_read_file(const char *path, size_t max_bytes, size_t *len)
{
	char *buf = NULL;
	size_t used = 0, cap = 0;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (used + 1 >= cap) {
			size_t ncap = cap == 0 ? 512 : cap * 2;
			char *nbuf;

			if (cap > max_bytes + 1) {
				errno = EFBIG;
				goto fail;
			}
			nbuf = realloc(buf, ncap);
			if (nbuf == NULL) {
				goto fail;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			goto fail;
		}
		if (n == 0) {
			break;
		}
		used += (size_t)n;
		if (used > max_bytes) {
			errno = EFBIG;
			goto fail;
		}
	}
	(void)close(fd);
	buf[used] = '\0';
	if (len != NULL) {
		*len = used;
	}
	return buf;
fail:
	saved = errno;
	(void)close(fd);
	free(buf);
	errno = saved;
	return NULL;
}

int
fd_mkdirs(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, mode) == -1 && errno != EEXIST) {
				return -1;
			}
			*p = '/';
		}
	}
	if (mkdir(tmp, mode) == -1 && errno != EEXIST) {
		return -1;
	}
	return 0;
}
