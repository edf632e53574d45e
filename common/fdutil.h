/* SPDX-License-Identifier: ISC */
/*
 * Small file-descriptor helpers shared by every program: flags, closing,
 * whole writes for clients, and bounded reads of small files.
 */
#ifndef VCORE_COMMON_FDUTIL_H
#define VCORE_COMMON_FDUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

int fd_set_nonblock(int fd, bool on);
int fd_set_cloexec(int fd, bool on);
/* Closes *fd if it is open and sets it to -1. */
void fd_close(int *fd);
/* Writes all of buf, retrying on EINTR; for blocking fds (clients, children).
 * Returns 0 or -1 with errno. */
int fd_write_all(int fd, const void *buf, size_t len);
/*
 * Reads a whole file of at most max_bytes into a new NUL-terminated buffer
 * (the caller frees it) and stores its length in *len. Returns NULL with
 * errno set; EFBIG when the file is larger than max_bytes.
 */
char *fd_read_file(const char *path, size_t max_bytes, size_t *len);
/* Creates the directories of path with mode (like mkdir -p). 0 or -1. */
int fd_mkdirs(const char *path, mode_t mode);

#endif
