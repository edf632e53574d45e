/* SPDX-License-Identifier: ISC */
/*
 * The services of the integration tests and benchmarks: one small static
 * program whose first word says how it behaves, so that tests observe exact
 * events (start marks with CLOCK_MONOTONIC, signals seen, lines written)
 * instead of guessing with sleeps.
 *
 *   vctest mark FILE [idle|exit N]   append "S pid ns" to FILE, then idle or exit N
 *   vctest idle                      sleep until a signal ends it
 *   vctest ignore-term [FILE]        ignore SIGTERM (FILE gets "S pid ns", then
 *                                    "G 15 ns" per SIGTERM)
 *   vctest signals FILE              append "G sig" per signal, exit on TERM
 *   vctest exit N [MS]               exit N after MS milliseconds
 *   vctest lines N [BYTES] [err]     write N numbered lines of BYTES, exit 0
 *   vctest partial TEXT              write TEXT without a newline, exit 0
 *   vctest orphans N                 leave N grandchildren to PID 1; they exit
 *                                    together once this process has exited
 *   vctest listen PORT [MS]          listen on 127.0.0.1:PORT after MS
 *   vctest notify [MS]               send READY=1 to $NOTIFY_SOCKET after MS
 *   vctest notify-child [MS]         the same, from a child process
 *   vctest fd N [MS]                 write a newline to fd N after MS
 *   vctest now                       print CLOCK_MONOTONIC in ns
 *   vctest pgrp                      print "pid pgid sid", then idle
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
	}
}

static void
append(const char *file, const char *fmt, long long a, long long b)
{
	char line[128];
	int fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0644);
	int n = snprintf(line, sizeof(line), fmt, a, b);

	if (fd >= 0) {
		(void)!write(fd, line, (size_t)n);
		close(fd);
	}
}

static void __attribute__((noreturn))
idle(void)
{
	for (;;) {
		pause();
	}
}

static const char *signal_file;

static void
on_signal(int sig)
{
	if (signal_file != NULL) {
		append(signal_file, "G %lld %lld\n", sig, now_ns());
	}
	if (sig == SIGTERM && signal_file != NULL) {
		_exit(0);
	}
}

static const char *note_file;

/* Notes the signal and carries on. */
static void
on_note(int sig)
{
	append(note_file, "G %lld %lld\n", sig, now_ns());
}

static int
do_orphans(int n)
{
	int gate[2];

	/* The grandchildren wait on a pipe that closes when we exit, so
	 * that all of them are PID 1's to reap at the same moment. */
	if (pipe(gate) == -1) {
		return 1;
	}
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			if (fork() == 0) {
				char c;

				close(gate[1]);
				(void)!read(gate[0], &c, 1);
				_exit(0);
			}
			_exit(0);
		}
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR) {
		}
	}
	printf("orphans %d ready\n", n);
	fflush(stdout);
	return 0;
}

static int
do_lines(long n, long bytes, bool err)
{
	char *line = malloc((size_t)bytes + 32);
	FILE *f = err ? stderr : stdout;

	if (line == NULL) {
		return 1;
	}
	memset(line, 'x', (size_t)bytes + 31);
	for (long i = 1; i <= n; i++) {
		int k = snprintf(line, 32, "line %ld ", i);

		line[k] = 'x';
		line[bytes > k ? bytes : k] = '\0';
		fprintf(f, "%s\n", line);
		memset(line, 'x', (size_t)bytes + 31);
	}
	fflush(f);
	free(line);
	return 0;
}

static int
do_listen(int port, long ms)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd, one = 1;

	sleep_ms(ms);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == -1 ||
	    listen(fd, 16) == -1) {
		perror("listen");
		return 1;
	}
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0) {
			close(c);
		}
	}
}

static int
do_notify(long ms)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd;

	sleep_ms(ms);
	if (path == NULL || strlen(path) >= sizeof(un.sun_path)) {
		fprintf(stderr, "no NOTIFY_SOCKET\n");
		return 1;
	}
	strcpy(un.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (sendto(fd, "STATUS=warming up", 17, 0, (struct sockaddr *)&un,
	    sizeof(un)) == -1 || sendto(fd, "READY=1", 7, 0,
	    (struct sockaddr *)&un, sizeof(un)) == -1) {
		perror("sendto");
		return 1;
	}
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long a2 = argc > 2 ? atol(argv[2]) : 0;
	long a3 = argc > 3 ? atol(argv[3]) : 0;

	if (strcmp(mode, "mark") == 0 && argc > 2) {
		append(argv[2], "S %lld %lld\n", getpid(), now_ns());
		if (argc > 4 && strcmp(argv[3], "exit") == 0) {
			return atoi(argv[4]);
		}
		idle();
	} else if (strcmp(mode, "idle") == 0) {
		idle();
	} else if (strcmp(mode, "ignore-term") == 0) {
		if (argc > 2) {
			struct sigaction sa = { .sa_handler = on_note };

			note_file = argv[2];
			sigaction(SIGTERM, &sa, NULL);
			append(note_file, "S %lld %lld\n", getpid(), now_ns());
		} else {
			signal(SIGTERM, SIG_IGN);
		}
		idle();
	} else if (strcmp(mode, "signals") == 0 && argc > 2) {
		struct sigaction sa = { .sa_handler = on_signal };

		signal_file = argv[2];
		for (int s = 1; s < 32; s++) {
			if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD) {
				sigaction(s, &sa, NULL);
			}
		}
		append(argv[2], "S %lld %lld\n", getpid(), now_ns());
		idle();
	} else if (strcmp(mode, "exit") == 0) {
		sleep_ms(a3);
		return (int)a2;
	} else if (strcmp(mode, "lines") == 0) {
		return do_lines(a2, a3 > 0 ? a3 : 20,
		    argc > 4 && strcmp(argv[4], "err") == 0);
	} else if (strcmp(mode, "partial") == 0 && argc > 2) {
		fputs(argv[2], stdout);
		return 0;
	} else if (strcmp(mode, "orphans") == 0) {
		return do_orphans((int)a2);
	} else if (strcmp(mode, "listen") == 0) {
		return do_listen((int)a2, a3);
	} else if (strcmp(mode, "notify") == 0) {
		if (do_notify(a2) != 0) {
			return 1;
		}
		idle();
	} else if (strcmp(mode, "notify-child") == 0) {
		if (fork() == 0) {
			return do_notify(a2);
		}
		idle();
	} else if (strcmp(mode, "fd") == 0 && argc > 2) {
		sleep_ms(a3);
		(void)!write((int)a2, "\n", 1);
		idle();
	} else if (strcmp(mode, "now") == 0) {
		printf("%lld\n", now_ns());
		return 0;
	} else if (strcmp(mode, "pgrp") == 0) {
		printf("%d %d %d\n", (int)getpid(), (int)getpgrp(),
		    (int)getsid(0));
		fflush(stdout);
		idle();
	}
	fprintf(stderr, "vctest: unknown mode '%s'\n", mode);
	return 64;
}
