/* SPDX-License-Identifier: ISC */
/*
 * vcctl: sends one request to vcinit's control socket and prints the reply
 * (docs/control.md), or, for `logs`, reads the service's log file itself so
 * that PID 1 never tails files.
 */
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "supervise/ctl.h"

#define EX_OK 0
#define EX_FAIL 1
#define EX_USAGE 64
#define EX_UNAVAILABLE 69

#define DEFAULT_SOCKET "/run/vcore/control.sock"

static const char usage_text[] =
    "usage: vcctl [--socket PATH] [-c DIR] [-t SECONDS] COMMAND\n"
    "commands:\n"
    "  status [--json]        services, their state, pid, uptime, restarts\n"
    "  start NAME             start NAME and wait until it is up\n"
    "  stop NAME              stop NAME and wait until it is down\n"
    "  restart NAME           stop, then start NAME\n"
    "  signal NAME SIGNAL     send SIGNAL (HUP, USR1, 15...) to NAME\n"
    "  logs NAME [-n N] [-f]  the last N lines of NAME's log file\n"
    "  reload                 re-read the configuration\n"
    "  health                 exit 0 when every service is up and ready\n"
    "  shutdown               stop everything and end the container\n";

struct ctl_opts {
	const char *socket;
	const char *dir;
	int timeout_s;
};

static int
connect_socket(const char *path, int timeout_ms)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct pollfd p;
	int fd, err = 0;
	socklen_t len = sizeof(err);

	if (strlen(path) >= sizeof(un.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(un.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&un, sizeof(un)) == 0) {
		return fd;
	}
	if (errno == EINPROGRESS || errno == EAGAIN) {
		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET,
		    SO_ERROR, &err, &len) == 0 && err == 0) {
			return fd;
		}
		errno = err != 0 ? err : ETIMEDOUT;
	}
	err = errno;
	(void)close(fd);
	errno = err;
	return -1;
}

/* Reads the whole reply (until vcinit closes) within timeout_ms. */
static int
read_reply(int fd, struct buf *reply, int timeout_ms)
{
	int64_t end = clock_mono_ms() + timeout_ms;
	char chunk[4096];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = end - clock_mono_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = read(fd, chunk, sizeof(chunk));
		if (n == 0) {
			return 0;
		}
		if (n < 0 && errno != EINTR && errno != EAGAIN) {
			return -1;
		}
		if (n > 0) {
			buf_add(reply, chunk, (size_t)n);
		}
	}
}

/* Prints the body and maps the final status line to an exit status. */
static int
print_reply(struct buf *reply)
{
	char *text = reply->data;
	char *last;
	size_t len = reply->len;

	if (text == NULL || len == 0) {
		fprintf(stderr, "vcctl: vcinit closed the connection without "
		    "a reply\n");
		return EX_FAIL;
	}
	if (text[len - 1] == '\n') {
		text[--len] = '\0';
	}
	last = strrchr(text, '\n');
	if (last != NULL) {
		*last++ = '\0';
		fputs(text, stdout);
		fputc('\n', stdout);
	} else {
		last = text;
	}
	if (strcmp(last, "ok") == 0) {
		return EX_OK;
	}
	fflush(stdout);	/* the details first, then the verdict */
	fprintf(stderr, "vcctl: %s\n", last);
	return strncmp(last, "usage:", 6) == 0 ? EX_USAGE : EX_FAIL;
}

static int
request(const struct ctl_opts *o, int argc, char **argv)
{
	struct buf req = { 0 }, reply = { 0 };
	int fd, rc;

	for (int i = 0; i < argc; i++) {
		if (strpbrk(argv[i], " \t\n") != NULL || argv[i][0] == '\0') {
			fprintf(stderr, "vcctl: '%s': arguments are single "
			    "words\n", argv[i]);
			return EX_USAGE;
		}
		buf_addf(&req, "%s%s", i > 0 ? " " : "", argv[i]);
	}
	buf_adds(&req, "\n");
	fd = connect_socket(o->socket, 5000);
	if (fd < 0) {
		fprintf(stderr, "vcctl: unable to reach vcinit at %s: %s\n",
		    o->socket, strerror(errno));
		buf_free(&req);
		return EX_UNAVAILABLE;
	}
	(void)fd_set_nonblock(fd, false);
	if (fd_write_all(fd, req.data, req.len) == -1 ||
	    read_reply(fd, &reply, o->timeout_s * 1000) == -1) {
		fprintf(stderr, "vcctl: %s: %s\n", o->socket, strerror(errno));
		rc = EX_UNAVAILABLE;
	} else {
		rc = print_reply(&reply);
	}
	(void)close(fd);
	buf_free(&req);
	buf_free(&reply);
	return rc;
}

/* Prints the last n lines of the file open on fd; leaves fd at its end. */
static void
print_tail(int fd, long n)
{
	char chunk[8192];
	off_t end = lseek(fd, 0, SEEK_END), pos = end;
	long lines = 0;
	ssize_t r;

	/* Walk back until n newlines (beyond the final one) are behind us. */
	while (pos > 0 && lines < n) {
		off_t step = pos > (off_t)sizeof(chunk) ? (off_t)sizeof(chunk)
		    : pos;

		pos -= step;
		r = pread(fd, chunk, (size_t)step, pos);
		if (r <= 0) {
			break;
		}
		for (ssize_t i = r - 1; i >= 0; i--) {
			if (chunk[i] == '\n' && pos + i != end - 1 &&
			    ++lines >= n) {
				pos += i + 1;
				break;
			}
		}
	}
	(void)lseek(fd, pos, SEEK_SET);
	while ((r = read(fd, chunk, sizeof(chunk))) > 0) {
		(void)fd_write_all(1, chunk, (size_t)r);
	}
}

static void
copy_new(int fd)
{
	char chunk[8192];
	ssize_t r;

	while ((r = read(fd, chunk, sizeof(chunk))) > 0) {
		(void)fd_write_all(1, chunk, (size_t)r);
	}
}

/* Follows path like tail -F: new lines, and the new file after a rotation. */
static int
follow(const char *dir, const char *path, int fd)
{
	char events[4096];
	const char *base = strrchr(path, '/') + 1;
	int in = inotify_init1(IN_CLOEXEC);

	if (in < 0 || inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE |
	    IN_MOVED_TO) < 0) {
		fprintf(stderr, "vcctl: unable to watch %s: %s\n", dir,
		    strerror(errno));
		return EX_FAIL;
	}
	for (;;) {
		ssize_t n = read(in, events, sizeof(events));

		if (n <= 0) {
			return n == 0 ? EX_OK : EX_FAIL;
		}
		for (char *p = events; p < events + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->len > 0 && strcmp(ev->name, base) == 0) {
				if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) != 0) {
					copy_new(fd);	/* the rest of the old */
					(void)close(fd);
					fd = open(path, O_RDONLY | O_CLOEXEC);
					if (fd < 0) {
						return EX_FAIL;
					}
				}
				copy_new(fd);
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

static int
logs(const struct ctl_opts *o, int argc, char **argv)
{
	struct config_params params = { .dir = o->dir };
	struct buf errors = { 0 };
	struct vc_config *cfg;
	struct svc_config *svc;
	char path[PATH_MAX];
	long n = 10;
	bool follow_it = false;
	int fd, rc = EX_OK;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0) {
			follow_it = true;
		} else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			n = strtol(argv[++i], NULL, 10);
		} else {
			fputs(usage_text, stderr);
			return EX_USAGE;
		}
	}
	cfg = config_load(&params, &errors);
	if (cfg == NULL) {
		fprintf(stderr, "vcctl: the configuration in %s has errors:\n%s",
		    o->dir, buf_str(&errors));
		buf_free(&errors);
		return EX_FAIL;
	}
	buf_free(&errors);
	svc = config_find(cfg, argv[1]);
	if (svc == NULL) {
		fprintf(stderr, "vcctl: no such service: %s\n", argv[1]);
		rc = EX_FAIL;
	} else if (svc->log == LOG_TO_STDOUT || svc->log == LOG_TO_NONE) {
		fprintf(stderr, "vcctl: %s logs to vcinit's output only (log = "
		    "%s): use docker logs CONTAINER\n", svc->name,
		    svc->log == LOG_TO_NONE ? "none" : "stdout");
		rc = EX_FAIL;
	} else {
		snprintf(path, sizeof(path), "%s/%s.log", cfg->log_dir,
		    svc->name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "vcctl: %s: %s\n", path,
			    strerror(errno));
			rc = EX_FAIL;
		} else {
			print_tail(fd, n);
			rc = follow_it ? follow(cfg->log_dir, path, fd) : EX_OK;
			(void)close(fd);
		}
	}
	config_free(cfg);
	return rc;
}

/* The socket named by the config, or the default. */
static const char *
configured_socket(const char *dir, char *out, size_t outlen)
{
	struct config_params params = { .dir = dir, .main_only = true };
	struct buf errors = { 0 };
	struct vc_config *cfg = config_load(&params, &errors);

	snprintf(out, outlen, "%s", DEFAULT_SOCKET);
	if (cfg != NULL) {
		snprintf(out, outlen, "%s", cfg->control_socket);
		config_free(cfg);
	}
	buf_free(&errors);
	return out;
}

int
ctl_main(int argc, char **argv)
{
	struct ctl_opts o = { .dir = CONFIG_DEFAULT_DIR, .timeout_s = 120 };
	char sock[PATH_MAX];
	int opt;

	vlog_init("vcctl");
	/* --socket PATH and --help, as spelled in the docs; getopt does the
	 * rest (getopt_long is bigger than this). */
	for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			argv[i++] = "-s";
		} else if (strcmp(argv[i], "--help") == 0) {
			argv[i] = "-h";
		} else if (strcmp(argv[i], "--") == 0) {
			break;
		}
	}
	while ((opt = getopt(argc, argv, "+s:c:t:h")) != -1) {
		switch (opt) {
		case 's':
			o.socket = optarg;
			break;
		case 'c':
			o.dir = optarg;
			break;
		case 't':
			o.timeout_s = atoi(optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EX_OK;
		default:
			fputs(usage_text, stderr);
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || o.timeout_s <= 0) {
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[0], "logs") == 0) {
		if (argc < 2) {
			fputs(usage_text, stderr);
			return EX_USAGE;
		}
		return logs(&o, argc, argv);
	}
	if (o.socket == NULL) {
		o.socket = configured_socket(o.dir, sock, sizeof(sock));
	}
	return request(&o, argc, argv);
}
