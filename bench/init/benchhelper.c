/* SPDX-License-Identifier: ISC */
/*
 * benchhelper: one static binary that plays every part the init benchmark
 * needs, so that no shell start-up or interpreter noise enters a measurement.
 * Written by the init research (../shared/notes/init/bench), used by make bench.
 *
 *   now                                  print CLOCK_MONOTONIC in ns
 *   stamp-exec FILE CMD [ARG...]         write now to FILE, then execvp CMD
 *   kill-stamp SIG PID                   take now, kill(PID,SIG), print the time
 *   svc MARKDIR MODE NAME [ARG [ARG2]]   a service; appends lines to MARKDIR/NAME:
 *                                          "S pid ns" at start, "G sig ns" per signal,
 *                                          "F ns" before / "R ns" after forking orphans
 *        MODE idle        catch HUP QUIT USR1 USR2 ALRM WINCH (log, go on);
 *                         TERM INT: log, then die of the signal (default action)
 *        MODE ignoreterm  like idle but TERM and INT are logged and ignored
 *        MODE crash       exit 1 right after the start line
 *        MODE orphans N D after D ms make N double-forked grandchildren (orphans,
 *                         reparented to PID 1), then release them all at once
 *                         (they exit together), then idle
 *        MODE true        exit 0 at once, no start line (for fork+exec costs)
 *   run  (argv[0] basename "run")        read "MARKDIR MODE NAME [ARG..]" from ./svc.args
 *   wait-starts DIR N TIMEOUT_MS         wait until N files in DIR hold a start line;
 *                                        print "count min_first_ns max_first_ns"
 *   wait-line FILE PREFIX AFTER_NS TIMEOUT_MS
 *                                        wait for a line "PREFIX ... ns" with ns > AFTER_NS;
 *                                        print that ns
 *   count-lines FILE PREFIX              print how many lines start with PREFIX
 *   zwatch PID MARKFILE TIMEOUT_MS       reaping probe, see below
 *   exitwatch TIMEOUT_MS SIG PID1 [PID...]
 *                                        pidfd on each, kill(PID1,SIG), print "t0 ns"
 *                                        then "pid ms_after_signal" as each exits
 *   forkexec N CMD [ARG...]              N sequential fork+execv+waitpid of CMD;
 *                                        print "median_us min_us max_us"
 *   forkonly N                           N sequential fork+_exit+waitpid
 *   minisup LISTFILE                     reference floor supervisor: one argv per line,
 *                                        fork+execv each, respawn at once, reap all,
 *                                        TERM: TERM every service group, KILL after
 *                                        MINISUP_STOP_MS (3000), exit 0
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* async-signal-safe formatting */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static int mark_fd = -1;

static void mark(char tag, uint64_t a, int with_a)
{
	char buf[64], *p = buf;
	uint64_t t = now_ns();
	*p++ = tag;
	*p++ = ' ';
	if (with_a) {
		p = put_u64(p, a);
		*p++ = ' ';
	}
	p = put_u64(p, t);
	*p++ = '\n';
	(void)!write(mark_fd, buf, (size_t)(p - buf));
}

static int ignore_term;

static void on_sig(int sig)
{
	int e = errno;
	mark('G', (uint64_t)sig, 1);
	if ((sig == SIGTERM || sig == SIGINT) && !ignore_term) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	errno = e;
}

static void idle_forever(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2,
				    SIGALRM, SIGTERM, SIGWINCH, SIGCONT };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (;;)
		pause();
}

static void make_orphans(int n, int delay_ms)
{
	int pfd[2];
	sleep_ms(delay_ms);
	if (pipe(pfd) == -1) {
		perror("pipe");
		return;
	}
	mark('F', 0, 0);
	for (int i = 0; i < n; i++) {
		pid_t c = fork();
		if (c == 0) {
			pid_t g = fork();
			if (g == 0) {
				char b;
				close(pfd[1]);
				while (read(pfd[0], &b, 1) == -1 && errno == EINTR)
					;
				_exit(0);
			}
			_exit(g < 0);
		}
		if (c < 0) {
			perror("fork");
			break;
		}
		while (waitpid(c, NULL, 0) == -1 && errno == EINTR)
			;
	}
	/* stamp first: closing wakes N processes that may run before we do again */
	mark('R', 0, 0);
	close(pfd[1]); /* every grandchild sees EOF and exits now */
	close(pfd[0]);
}

static int svc_main(int argc, char **argv)
{
	/* argv: MARKDIR MODE NAME [ARG [ARG2]] */
	if (argc >= 2 && strcmp(argv[1], "true") == 0)
		_exit(0);
	if (argc < 3) {
		fprintf(stderr, "svc: MARKDIR MODE NAME [ARG]\n");
		return 2;
	}
	const char *mode = argv[1];
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", argv[0], argv[2]);
	mark_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (mark_fd < 0) {
		perror(path);
		return 2;
	}
	mark('S', (uint64_t)getpid(), 1);
	if (strcmp(mode, "crash") == 0)
		_exit(1);
	if (strcmp(mode, "ignoreterm") == 0)
		ignore_term = 1;
	if (strcmp(mode, "orphans") == 0)
		make_orphans(argc > 3 ? atoi(argv[3]) : 2000, argc > 4 ? atoi(argv[4]) : 1500);
	idle_forever();
	return 0;
}

static int run_from_args_file(void)
{
	char buf[4096];
	int fd = open("svc.args", O_RDONLY);
	if (fd < 0) {
		perror("svc.args");
		return 2;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 2;
	buf[n] = 0;
	char *av[16];
	int ac = 0;
	for (char *s = strtok(buf, " \t\n"); s && ac < 15; s = strtok(NULL, " \t\n"))
		av[ac++] = s;
	av[ac] = NULL;
	return svc_main(ac, av);
}

/* ---- observers ---- */

static int read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	ssize_t n;
	while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = 0;
	return (int)len;
}

/* first ns of a line starting with "S " in the file, 0 if none */
static uint64_t first_start(const char *path)
{
	char buf[512];
	if (read_small(path, buf, sizeof buf) <= 0)
		return 0;
	if (buf[0] != 'S' || buf[1] != ' ')
		return 0;
	char *nl = strchr(buf, '\n');
	if (!nl)
		return 0;
	*nl = 0;
	char *sp = strrchr(buf, ' ');
	return strtoull(sp + 1, NULL, 10);
}

static int wait_starts(const char *dir, int want, long timeout_ms)
{
	int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	inotify_add_watch(ifd, dir, IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE);
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	uint64_t mn = 0, mx = 0;
	int count = 0;
	char **done = calloc((size_t)want + 4096, sizeof *done);
	for (;;) {
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			int seen = 0;
			for (int i = 0; i < count; i++)
				if (strcmp(done[i], e->d_name) == 0) {
					seen = 1;
					break;
				}
			if (seen)
				continue;
			char p[4096];
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			uint64_t t = first_start(p);
			if (!t)
				continue;
			done[count++] = strdup(e->d_name);
			if (!mn || t < mn)
				mn = t;
			if (t > mx)
				mx = t;
		}
		if (d)
			closedir(d);
		if (count >= want) {
			printf("%d %llu %llu\n", count, (unsigned long long)mn, (unsigned long long)mx);
			return 0;
		}
		uint64_t t = now_ns();
		if (t >= deadline) {
			printf("%d %llu %llu\n", count, (unsigned long long)mn, (unsigned long long)mx);
			return 1;
		}
		struct pollfd pf = { ifd, POLLIN, 0 };
		poll(&pf, 1, 20);
		char ev[8192];
		while (read(ifd, ev, sizeof ev) > 0)
			;
	}
}

/* scan FILE for lines "PREFIX ..." whose last field (ns) > after; return the first */
static uint64_t find_line(const char *file, const char *prefix, uint64_t after, int *count)
{
	static char buf[1 << 20];
	int n = read_small(file, buf, sizeof buf);
	size_t pl = strlen(prefix);
	uint64_t found = 0;
	int c = 0;
	if (n <= 0)
		return 0;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = 0;
		if (strncmp(line, prefix, pl) == 0 && line[pl] == ' ') {
			c++;
			uint64_t t = strtoull(strrchr(line, ' ') + 1, NULL, 10);
			if (t > after && !found)
				found = t;
		}
		line = nl + 1;
	}
	if (count)
		*count = c;
	return found;
}

static int wait_line(const char *file, const char *prefix, uint64_t after, long timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		uint64_t t = find_line(file, prefix, after, NULL);
		if (t) {
			printf("%llu\n", (unsigned long long)t);
			return 0;
		}
		if (now_ns() >= deadline) {
			printf("0\n");
			return 1;
		}
		sleep_ms(1);
	}
}

static int children_of(pid_t pid, int *zombies)
{
	char path[64], buf[1 << 16];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, pid);
	int n = read_small(path, buf, sizeof buf);
	if (n < 0)
		return -1;
	int c = 0, z = 0;
	for (char *s = strtok(buf, " \n"); s; s = strtok(NULL, " \n")) {
		c++;
		if (zombies) {
			char sp[64], st[512];
			snprintf(sp, sizeof sp, "/proc/%s/stat", s);
			if (read_small(sp, st, sizeof st) > 0) {
				char *rp = strrchr(st, ')');
				if (rp && rp[2] == 'Z')
					z++;
			}
		}
	}
	if (zombies)
		*zombies = z;
	return c;
}

/*
 * zwatch PID MARKFILE TIMEOUT_MS: PID is the host pid of the namespace's PID 1.
 * Waits for the "S" line of the orphan-maker, takes the base child count 300 ms
 * later, waits for "R" (release), then polls PID's children every ms.
 * Prints: base peak_extra zombies_at_2s extra_at_2s reap_ms (or -1) f_to_r_ms
 */
static int zwatch(pid_t pid, const char *file, long timeout_ms)
{
	uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)timeout_ms * 1000000ull;
	while (!find_line(file, "S", 0, NULL)) {
		if (now_ns() > deadline)
			return printf("no-start\n"), 1;
		sleep_ms(2);
	}
	sleep_ms(300);
	int base = children_of(pid, NULL);
	uint64_t f = find_line(file, "F", 0, NULL);
	if (f)
		fprintf(stderr, "zwatch: base taken after fork start, result unreliable\n");
	uint64_t r;
	while (!(r = find_line(file, "R", 0, NULL))) {
		if (now_ns() > deadline)
			return printf("no-release\n"), 1;
		sleep_ms(1);
	}
	f = find_line(file, "F", 0, NULL);
	int peak = 0, z2 = -1, x2 = -1;
	long reap_ms = -1;
	for (;;) {
		uint64_t t = now_ns();
		int c = children_of(pid, NULL);
		if (c < 0)
			break;
		int extra = c - base;
		if (extra > peak)
			peak = extra;
		if (extra <= 0 && reap_ms < 0)
			reap_ms = (long)((t - r) / 1000000ull);
		if (z2 < 0 && t >= r + 2000000000ull) {
			x2 = children_of(pid, &z2) - base;
		}
		if (reap_ms >= 0 && z2 >= 0)
			break;
		if (t > deadline)
			break;
		sleep_ms(1);
	}
	printf("%d %d %d %d %ld %.1f\n", base, peak, z2, x2, reap_ms, f ? (double)(r - f) / 1e6 : -1.0);
	return 0;
}

static int exitwatch(long timeout_ms, int sig, int npids, char **pids)
{
	struct pollfd *pf = calloc((size_t)npids, sizeof *pf);
	int *pid = calloc((size_t)npids, sizeof *pid);
	for (int i = 0; i < npids; i++) {
		pid[i] = atoi(pids[i]);
		pf[i].fd = (int)syscall(SYS_pidfd_open, pid[i], 0);
		pf[i].events = POLLIN;
		if (pf[i].fd < 0)
			printf("%d gone-before\n", pid[i]);
	}
	uint64_t t0 = now_ns();
	if (kill(pid[0], sig) == -1)
		perror("kill");
	printf("t0 %llu\n", (unsigned long long)t0);
	int left = npids;
	for (int i = 0; i < npids; i++)
		if (pf[i].fd < 0)
			left--;
	while (left > 0) {
		long rem = timeout_ms - (long)((now_ns() - t0) / 1000000ull);
		if (rem <= 0)
			break;
		int n = poll(pf, (nfds_t)npids, (int)rem);
		if (n <= 0)
			continue;
		uint64_t t = now_ns();
		for (int i = 0; i < npids; i++)
			if (pf[i].fd >= 0 && (pf[i].revents & (POLLIN | POLLHUP))) {
				printf("%d %.3f\n", pid[i], (double)(t - t0) / 1e6);
				close(pf[i].fd);
				pf[i].fd = -1;
				left--;
			}
	}
	for (int i = 0; i < npids; i++)
		if (pf[i].fd >= 0)
			printf("%d timeout\n", pid[i]);
	fflush(stdout);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int forkexec(int n, char **argv)
{
	uint64_t *d = calloc((size_t)n, sizeof *d);
	for (int i = 0; i < n; i++) {
		uint64_t t = now_ns();
		pid_t p = fork();
		if (p == 0) {
			if (argv)
				execv(argv[0], argv);
			_exit(argv ? 127 : 0);
		}
		int st;
		waitpid(p, &st, 0);
		d[i] = now_ns() - t;
	}
	qsort(d, (size_t)n, sizeof *d, cmp_u64);
	printf("%.1f %.1f %.1f\n", d[n / 2] / 1e3, d[0] / 1e3, d[n - 1] / 1e3);
	return 0;
}

/* ---- minisup: the floor a C supervisor can reach, for reference ---- */
#define MAXS 1024
static char *sargv[MAXS][16];
static pid_t spid[MAXS];
static int ns;

static void spawn(int i, const sigset_t *orig)
{
	pid_t p = fork();
	if (p == 0) {
		setpgid(0, 0);
		sigprocmask(SIG_SETMASK, orig, NULL);
		execv(sargv[i][0], sargv[i]);
		_exit(127);
	}
	spid[i] = p;
}

static int minisup(const char *list)
{
	FILE *f = fopen(list, "r");
	char line[4096];
	if (!f)
		return perror(list), 2;
	while (ns < MAXS && fgets(line, sizeof line, f)) {
		int ac = 0;
		for (char *s = strtok(strdup(line), " \t\n"); s && ac < 15; s = strtok(NULL, " \t\n"))
			sargv[ns][ac++] = s;
		if (ac)
			ns++;
	}
	fclose(f);
	long stop_ms = getenv("MINISUP_STOP_MS") ? atol(getenv("MINISUP_STOP_MS")) : 3000;
	sigset_t set, orig;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &orig);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (getpid() != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	for (int i = 0; i < ns; i++)
		spawn(i, &orig);
	int stopping = 0;
	uint64_t stop_deadline = 0;
	for (;;) {
		int to = -1;
		if (stopping) {
			int64_t rem = (int64_t)(stop_deadline - now_ns()) / 1000000;
			to = rem > 0 ? (int)rem : 0;
		}
		struct pollfd pf = { sfd, POLLIN, 0 };
		int n = poll(&pf, 1, to);
		if (n == 0 && stopping) {
			for (int i = 0; i < ns; i++)
				if (spid[i] > 0)
					kill(-spid[i], SIGKILL);
			while (waitpid(-1, NULL, 0) > 0)
				;
			return 0;
		}
		struct signalfd_siginfo si;
		if (n > 0 && read(sfd, &si, sizeof si) == sizeof si) {
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
				stopping = 1;
				stop_deadline = now_ns() + (uint64_t)stop_ms * 1000000ull;
				for (int i = 0; i < ns; i++)
					if (spid[i] > 0) {
						kill(-spid[i], SIGTERM);
						kill(-spid[i], SIGCONT);
					}
			}
		}
		pid_t p;
		int st;
		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			for (int i = 0; i < ns; i++)
				if (spid[i] == p) {
					spid[i] = 0;
					if (!stopping)
						spawn(i, &orig);
				}
		}
		if (stopping) {
			int live = 0;
			for (int i = 0; i < ns; i++)
				live += spid[i] > 0;
			if (!live)
				return 0;
		}
	}
}

int main(int argc, char **argv)
{
	const char *b = strrchr(argv[0], '/');
	b = b ? b + 1 : argv[0];
	if (strcmp(b, "run") == 0)
		return run_from_args_file();
	if (argc < 2) {
		fprintf(stderr, "usage: see the comment at the top of benchhelper.c\n");
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "now"))
		return printf("%llu\n", (unsigned long long)now_ns()), 0;
	if (!strcmp(cmd, "stamp-exec") && argc > 3) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		char buf[32], *p = put_u64(buf, now_ns());
		*p++ = '\n';
		(void)!write(fd, buf, (size_t)(p - buf));
		close(fd);
		execvp(argv[3], argv + 3);
		perror(argv[3]);
		return 127;
	}
	if (!strcmp(cmd, "kill-stamp") && argc > 3) {
		int sig = atoi(argv[2]);
		pid_t pid = atoi(argv[3]);
		uint64_t t = now_ns();
		int r = kill(pid, sig);
		printf("%llu\n", (unsigned long long)t);
		return r != 0;
	}
	if (!strcmp(cmd, "svc"))
		return svc_main(argc - 2, argv + 2);
	if (!strcmp(cmd, "wait-starts") && argc > 4)
		return wait_starts(argv[2], atoi(argv[3]), atol(argv[4]));
	if (!strcmp(cmd, "wait-line") && argc > 5)
		return wait_line(argv[2], argv[3], strtoull(argv[4], NULL, 10), atol(argv[5]));
	if (!strcmp(cmd, "count-lines") && argc > 3) {
		int c = 0;
		find_line(argv[2], argv[3], 0, &c);
		return printf("%d\n", c), 0;
	}
	if (!strcmp(cmd, "zwatch") && argc > 4)
		return zwatch(atoi(argv[2]), argv[3], atol(argv[4]));
	if (!strcmp(cmd, "exitwatch") && argc > 4)
		return exitwatch(atol(argv[2]), atoi(argv[3]), argc - 4, argv + 4);
	if (!strcmp(cmd, "forkexec") && argc > 3)
		return forkexec(atoi(argv[2]), argv + 3);
	if (!strcmp(cmd, "forkonly") && argc > 2)
		return forkexec(atoi(argv[2]), NULL);
	if (!strcmp(cmd, "minisup") && argc > 2)
		return minisup(argv[2]);
	fprintf(stderr, "benchhelper: unknown command %s\n", cmd);
	return 2;
}
