/* SPDX-License-Identifier: ISC */
/*
 * `vcinit agent [-c DIR] [-f]`: the Zabbix agent. main reads the config,
 * opens the listeners and the active-check clients, then runs one epoll
 * loop: fds with callbacks, deadlines computed each turn (no tick when
 * nothing is due: the CPU collector samples only while system.cpu.util is
 * asked for), signals through a signalfd. Owns struct agent.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "monitor/agent.h"
#include "monitor/agent_int.h"

#define AGENT_EXIT_USAGE	64
#define AGENT_EXIT_SOFTWARE	70

int
agent_io_add(struct agent *ag, struct agent_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(ag->epfd, EPOLL_CTL_ADD, io->fd, &ev);
}

int
agent_io_mod(struct agent *ag, struct agent_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(ag->epfd, EPOLL_CTL_MOD, io->fd, &ev);
}

void
agent_io_del(struct agent *ag, struct agent_io *io)
{
	/* Fails only for an fd not in the set: nothing to undo then. */
	(void)epoll_ctl(ag->epfd, EPOLL_CTL_DEL, io->fd, NULL);
}

int64_t
agent_min_deadline(int64_t a, int64_t b)
{
	if (a < 0) {
		return b;
	}
	if (b < 0) {
		return a;
	}
	return a < b ? a : b;
}

static void
signal_event(struct agent *ag, struct agent_io *io, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(io->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			agent_job_reap(ag);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			ag->stop = true;
		}
	}
}

static int
setup_signals(struct agent *ag, struct agent_io *io)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
		return -1;
	}
	(void)signal(SIGPIPE, SIG_IGN);
	io->fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	io->cb = signal_event;
	if (io->fd == -1) {
		return -1;
	}
	return agent_io_add(ag, io, EPOLLIN);
}

/* Runs expired timers; returns the nearest deadline or -1. */
static int64_t
run_timers(struct agent *ag, int64_t now)
{
	int64_t next = -1;

	next = agent_cpu_timers(ag, now);
	next = agent_min_deadline(next, agent_passive_timers(ag, now));
	next = agent_min_deadline(next, agent_job_timers(ag, now));
	next = agent_min_deadline(next, agent_active_timers(ag, now));
	next = agent_min_deadline(next, agent_ctl_timers(ag, now));
	next = agent_min_deadline(next, agent_resolve_timers(ag, now));
	return next;
}

static void
run_loop(struct agent *ag)
{
	struct epoll_event evs[64];
	int64_t now, next;
	int n, timeout;

	while (!ag->stop) {
		now = clock_mono_ms();
		next = run_timers(ag, now);
		timeout = next < 0 ? -1 : (int)(next > now ? next - now : 0);
		n = epoll_wait(ag->epfd, evs, 64, timeout);
		if (n == -1) {
			if (errno != EINTR) {
				vlog_warn("epoll_wait failed: %s",
				    strerror(errno));
			}
			continue;
		}
		for (int i = 0; i < n; i++) {
			struct agent_io *io = evs[i].data.ptr;

			io->cb(ag, io, evs[i].events);
		}
	}
}

static int
parse_args(int argc, char **argv, const char **dir)
{
	int c;

	optind = 1;
	while ((c = getopt(argc, argv, "+c:f")) != -1) {
		switch (c) {
		case 'c':
			*dir = optarg;
			break;
		case 'f':
			break;	/* always in the foreground */
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

static void
random_session(char *out)
{
	unsigned char r[16];
	FILE *f = fopen("/dev/urandom", "re");
	int64_t t = clock_real_ms() ^ (clock_mono_ns() << 16) ^ getpid();

	if (f == NULL || fread(r, 1, sizeof(r), f) != sizeof(r)) {
		for (int i = 0; i < 16; i++) {
			r[i] = (unsigned char)(t >> ((i % 8) * 8)) ^
			    (unsigned char)(i * 37);
		}
	}
	if (f != NULL) {
		(void)fclose(f);	/* read-only */
	}
	for (int i = 0; i < 16; i++) {
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	}
}

/* Connections stay under the fd limit, so accept never hits EMFILE
 * (a listener that cannot accept would wake the loop forever). */
static void
set_conn_cap(struct agent *ag)
{
	struct rlimit rl;

	ag->max_conns = AGENT_MAX_CONNS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);	/* best effort */
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < AGENT_MAX_CONNS + 64) {
		ag->max_conns = rl.rlim_cur > 128 ? (int)rl.rlim_cur - 64 : 64;
	}
}

static int
agent_setup(struct agent *ag, struct agent_io *sigio)
{
	set_conn_cap(ag);
	ag->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ag->epfd == -1 || setup_signals(ag, sigio) == -1) {
		vlog_fatal("unable to set up the event loop: %s",
		    strerror(errno));
		return -1;
	}
	agent_cpu_init(ag);
	random_session(ag->session);
	(void)agent_allow_build(ag);
	agent_resolve_start(ag);
	if (ag->cfg.passive) {
		if (ag->cfg.server == NULL) {
			vlog_info("no server in the allow list: passive checks "
			    "answer no one");
		}
		if (agent_passive_start(ag) == -1) {
			vlog_fatal("unable to listen on port %d",
			    ag->cfg.listen_port);
			return -1;
		}
	}
	if (ag->cfg.active && agent_active_start(ag) == -1) {
		vlog_fatal("unable to start active checks");
		return -1;
	}
	return 0;
}

static void
agent_teardown(struct agent *ag, struct agent_io *sigio)
{
	agent_active_stop(ag);
	agent_passive_stop(ag);
	agent_ctl_free(ag);
	agent_cpu_free(ag);	/* completes its jobs: before they go */
	agent_job_free_all(ag);
	fd_close(&ag->resolver.fd);
	fd_close(&sigio->fd);
	fd_close(&ag->epfd);
	buf_free(&ag->out);
	buf_free(&ag->scratch);
	buf_free(&ag->value);
	buf_free(&ag->resolved);
	agent_config_free(&ag->cfg);
}

int
agent_main(int argc, char **argv)
{
	struct agent ag;
	struct agent_io sigio = { -1, NULL };
	const char *dir = CONFIG_DEFAULT_DIR;
	char err[1024];
	int rc = 0;

	vlog_init("vcinit agent");
	memset(&ag, 0, sizeof(ag));
	ag.epfd = -1;
	ag.resolver.fd = -1;
	ag.root = "";
	if (parse_args(argc, argv, &dir) == -1) {
		fprintf(stderr, "usage: vcinit agent [-c DIR] [-f]\n");
		return AGENT_EXIT_USAGE;
	}
	ag.config_dir = dir;
	if (agent_config_load(&ag.cfg, dir, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		agent_config_free(&ag.cfg);
		return CONFIG_EXIT_STATUS;
	}
	if (agent_setup(&ag, &sigio) == 0) {
		vlog_info("agent %s for host '%s' started (passive %s, port %d; "
		    "active servers %d)", AGENT_VERSION, ag.cfg.hostname,
		    ag.cfg.passive ? "on" : "off", ag.cfg.listen_port,
		    ag.nservers);
		run_loop(&ag);
		vlog_info("agent stopping");
	} else {
		rc = AGENT_EXIT_SOFTWARE;
	}
	agent_teardown(&ag, &sigio);
	return rc;
}
