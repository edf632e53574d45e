/* SPDX-License-Identifier: ISC */
/*
 * A service's log file, LOG_DIR/NAME.log: time-stamped lines, rotated by
 * size into NAME.log.1.gz ... NAME.log.K.gz. PID 1 only renames the full
 * file aside (NAME.log.rSEQ) and opens a new one; a child process, one at a
 * time, compresses what was set aside and shifts the .gz files, so PID 1
 * never spends a long turn on zlib and a burst never waits for gzip. A
 * write error (a full disk) is reported at most once a minute and never
 * stalls the loop.
 */
#ifndef VCORE_SUPERVISE_LOGFILE_H
#define VCORE_SUPERVISE_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Log files are readable by this group, the agent's (for log[] items). */
#define LOGFILE_GROUP 10050

struct logfile {
	int fd;
	char *path;
	int64_t size;
	int64_t max_bytes;
	int keep;
	pid_t compressor;	/* the child compressing set-aside files */
	int64_t next_seq;	/* NAME.log.rSEQ: the next one set aside */
	int64_t first_seq;	/* the oldest not compressed yet */
	int64_t busy_until;	/* the compressor handles seqs below this */
	int64_t last_error_ms;
	unsigned long lost;	/* lines not written since the last error */
};

/* Opens (creating) dir/name.log for appending. Returns 0, or -1 with errno. */
int logfile_open(struct logfile *lf, const char *dir, const char *name,
    int64_t max_bytes, int keep);
void logfile_close(struct logfile *lf);
/* Appends "TIMESTAMP line\n"; rotates past max_bytes. */
void logfile_write(struct logfile *lf, const char *line, size_t len);
/* The compressor child exited: true when pid was this file's. */
bool logfile_reaped(struct logfile *lf, pid_t pid, int status);

/* The name of rotation n (1 is the newest): "path.n" or "path.n.gz".
 * Pure. Returns out. */
char *logfile_rotated_name(char *out, size_t outlen, const char *path, int n,
    bool gz);
/* The name of a file set aside for compression: "path.rSEQ". Pure. */
char *logfile_aside_name(char *out, size_t outlen, const char *path,
    int64_t seq);
/* Compresses src into dst with gzip framing; 0 or -1. Runs in the child. */
int logfile_gzip(const char *src, const char *dst);

#endif
