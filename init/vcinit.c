/* SPDX-License-Identifier: ISC */
/*
 * vcinit itself: PID 1 of a container (or a subreaper under another init).
 * It blocks signals first and reads them from a signalfd, loads and checks
 * the config (exit 78 on errors, before anything runs), starts the
 * services, then runs the one event loop until a shutdown has stopped them
 * all and nothing is left, and exits with the status DESIGN.md promises.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "common/sigdefault.h"
#include "common/signame.h"
#include "common/userdb.h"
#include "init/loop.h"
#include "init/vcinit.h"
#include "magic/magic.h"
#include "supervise/control.h"
#include "supervise/supervisor.h"

#define EX_USAGE 64
#define MAIN_COMMAND_NAME "cmd"
#define OUTPUT_QUEUE_MIN (16 * 1024)
/* After the services, what is left gets SIGTERM and this long to go. */
#define SWEEP_GRACE_MS 1000
/* A process SIGKILLed with its service's group is still exiting for a
 * moment, not yet a zombie: this long to be reaped before it counts as
 * left behind. */
#define SWEEP_SETTLE_MS 50

extern char **environ;

/* The cold regions of the static build (init/vcinit.ld); the weak
 * references are NULL in the other builds. */
extern const char vcore_cold_text_start[] __attribute__((weak));
extern const char vcore_cold_text_end[] __attribute__((weak));
extern const char vcore_cold_rodata_start[] __attribute__((weak));
extern const char vcore_cold_rodata_end[] __attribute__((weak));

/* What PID 1 does once the services are down: finish.d, then a moment
 * for what is exiting, then what is left gets SIGTERM, then SIGKILL. */
enum ending { RUNNING, FINISHING, SETTLING, SWEEP_TERM, SWEEP_KILL, ENDED };

struct vcinit {
	struct loop *loop;
	struct output out;
	struct supervisor sup;
	struct control ctl;
	struct magic magic;
	struct vc_config *boot_cfg;	/* the config, until the services start */
	uint64_t conf_print;	/* vcore.conf and services.d before magic */
	uint64_t services_print;
	char **hook_env;	/* the environment, without NOTIFY_SOCKET */
	bool booting;		/* magic's hooks run: no service yet */
	bool boot_over;		/* the boot stopped: no service will run */
	bool sup_ready;		/* the supervisor runs the services */
	bool exit_known;	/* the boot's own exit status, if it stopped */
	int exit_status;
	int sigfd;
	sigset_t old_mask;
	bool pid1;
	const char *dir;
	char *self_exe;		/* our own executable, for the agent and probes */
	char *sshd_exe;
	char **cmd;		/* the main command, or NULL */
	int64_t shutdown_override_ms;	/* VCORE_SHUTDOWN_TIMEOUT, or -1 */
	bool child_exited;
	bool shutdown_wanted;
	bool reload_wanted;
	enum ending ending;
	uint64_t sweep_timer;
};

static const int handled_signals[] = {
	SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
	SIGPWR, SIGALRM,
};

/*
 * Dispositions inherited from whoever started us (an ignored SIGINT, say)
 * would pass to every service: back to the defaults, so that a child only
 * has to reset the three we ignore ourselves. Only the ignored ones need
 * it (exec resets handlers); /proc tells which, else all are reset.
 */
static void
reset_ignored_signals(void)
{
	char *status = fd_read_file("/proc/self/status", 64 * 1024, NULL);
	const char *line = status != NULL ? strstr(status, "\nSigIgn:") : NULL;
	unsigned long long ignored = ~0ULL;

	if (line != NULL) {
		ignored = strtoull(line + 9, NULL, 16);
	}
	for (int sig = 1; sig < NSIG && sig <= 64; sig++) {
		if ((ignored & (1ULL << (sig - 1))) != 0 && sig != SIGKILL &&
		    sig != SIGSTOP) {
			(void)sig_set_default(sig);
		}
	}
	free(status);
}

/*
 * The kernel drops signals that PID 1 neither blocks nor handles, so they
 * are blocked before anything else and read from a signalfd.
 */
static int
setup_signals(struct vcinit *vc)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(handled_signals) / sizeof(int); i++) {
		sigaddset(&set, handled_signals[i]);
	}
	if (sigprocmask(SIG_BLOCK, &set, &vc->old_mask) == -1) {
		return -1;
	}
	reset_ignored_signals();
	/* A write to a closed pipe is an error to handle, not a death;
	 * taking the terminal for the main command must not stop us. */
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGTTOU, SIG_IGN);
	(void)signal(SIGTTIN, SIG_IGN);
	vc->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return vc->sigfd < 0 ? -1 : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: vcinit [-c DIR] [--] [COMMAND [ARG...]]\n"
	    "       vcinit ctl|agent|probe ...  (vcctl is vcinit ctl)\n");
}

static int
parse_args(struct vcinit *vc, int argc, char **argv)
{
	int opt;

	vc->dir = CONFIG_DEFAULT_DIR;
	/* "+": options end at the first word that is not one. */
	while ((opt = getopt(argc, argv, "+c:hV")) != -1) {
		switch (opt) {
		case 'c':
			vc->dir = optarg;
			break;
		case 'V':
			printf("vcinit %s\n", VCORE_VERSION);
			exit(0);
		case 'h':
			usage();
			exit(0);
		default:
			usage();
			return -1;
		}
	}
	vc->cmd = optind < argc ? argv + optind : NULL;
	return 0;
}

/* Finds our own executable (for the agent and probes) and vcsshd beside it.
 * Returns 0, or -1 when out of memory. */
static int
find_programs(struct vcinit *vc, const char *argv0)
{
	/* On the heap: PID 1's stack keeps every page it ever touched. */
	char *exe = malloc(PATH_MAX);
	ssize_t n = exe != NULL ? readlink("/proc/self/exe", exe,
	    PATH_MAX - 1) : -1;
	const char *slash;

	if (exe == NULL) {
		return -1;
	}
	if (n > 0) {
		exe[n] = '\0';
	} else {
		snprintf(exe, PATH_MAX, "%s",
		    argv0[0] == '/' ? argv0 : "/usr/sbin/vcinit");
	}
	vc->self_exe = strdup(exe);
	slash = strrchr(exe, '/');
	vc->sshd_exe = malloc(strlen(exe) + sizeof("vcsshd"));
	if (vc->self_exe != NULL && vc->sshd_exe != NULL) {
		sprintf(vc->sshd_exe, "%.*svcsshd", slash != NULL ?
		    (int)(slash - exe + 1) : 0, exe);
	}
	free(exe);
	return vc->self_exe != NULL && vc->sshd_exe != NULL ? 0 : -1;
}

/* VCORE_DISABLE=a,b: those services are off by policy. */
static void
apply_disable(struct vc_config *cfg)
{
	const char *list = getenv("VCORE_DISABLE");
	char name[128];

	while (list != NULL && *list != '\0') {
		size_t len = strcspn(list, ", ");
		struct svc_config *s;

		if (len > 0 && len < sizeof(name)) {
			memcpy(name, list, len);
			name[len] = '\0';
			s = config_find(cfg, name);
			if (s == NULL) {
				vlog_warn("VCORE_DISABLE names '%s', which is not "
				    "a service", name);
			} else {
				s->enabled = false;
				s->disabled_why = "VCORE_DISABLE";
			}
		}
		list += len;
		list += strspn(list, ", ");
	}
}

/* True when path holds at least one line that is not blank or a comment. */
static bool
has_key_lines(const char *path)
{
	char *text = fd_read_file(path, 1024 * 1024, NULL);
	bool found = false;

	for (char *p = text; p != NULL && *p != '\0' && !found;
	    p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != '\0')) {
		p += strspn(p, " \t");
		found = *p != '#' && *p != '\n' && *p != '\0';
	}
	free(text);
	return found;
}

/* The passwd and group files of the ssh {} section, which vcsshd reads. */
static void
ssh_user_files(struct vc_config *cfg, const char **passwd, const char **group)
{
	cfg_t *sec = cfg_size(cfg->main_cfg, "ssh") > 0 ?
	    cfg_getsec(cfg->main_cfg, "ssh") : NULL;

	*passwd = sec != NULL ? cfg_getstr(sec, "passwd_file") : NULL;
	*group = sec != NULL ? cfg_getstr(sec, "group_file") : NULL;
	*passwd = *passwd != NULL ? *passwd : "/etc/passwd";
	*group = *group != NULL ? *group : "/etc/group";
}

/*
 * DESIGN (Who logs in over SSH): when only root may log in and root has no
 * key anywhere, sshd stays off, says why, and does not count for health.
 * Magic has put VCORE_AUTHORIZED_KEYS in root's file by now.
 */
static void
apply_ssh_policy(struct vc_config *cfg)
{
	struct svc_config *sshd = config_find(cfg, "sshd");
	char path[PATH_MAX];
	struct userdb_user root;
	const char *tmpl, *pw, *gr;
	cfg_t *sec;

	if (sshd == NULL || !sshd->builtin || !sshd->enabled) {
		return;
	}
	sec = cfg_getsec(cfg->main_cfg, "ssh");
	if (cfg_size(sec, "allow_users") > 0 || cfg_size(sec, "allow_groups") > 0 ||
	    cfg_getstr(sec, "authorized_keys_command") != NULL) {
		return;
	}
	ssh_user_files(cfg, &pw, &gr);
	tmpl = cfg_getstr(sec, "authorized_keys_file");
	userdb_root(pw, gr, &root);
	if (tmpl != NULL && strncmp(tmpl, "%h/", 3) == 0) {
		snprintf(path, sizeof(path), "%s/%s", root.home, tmpl + 3);
		if (has_key_lines(path)) {
			return;
		}
	} else if (tmpl != NULL && strchr(tmpl, '%') == NULL &&
	    has_key_lines(tmpl)) {
		return;
	}
	sshd->enabled = false;
	sshd->disabled_why = "no key for root: set VCORE_AUTHORIZED_KEYS";
}

/* Loads the config with what the command line and environment add.
 * Returns NULL with the errors appended. */
static struct vc_config *
load_config(struct vcinit *vc, struct buf *errors)
{
	struct config_params p = { .dir = vc->dir, .self_exe = vc->self_exe,
		.sshd_exe = vc->sshd_exe };
	struct vc_config *cfg = config_load(&p, errors);

	if (cfg == NULL) {
		return NULL;
	}
	if (vc->cmd != NULL && config_add_command(cfg, MAIN_COMMAND_NAME,
	    vc->cmd, errors) == -1) {
		config_free(cfg);
		return NULL;
	}
	if (vc->shutdown_override_ms >= 0) {
		cfg->shutdown_timeout_ms = vc->shutdown_override_ms;
	}
	apply_disable(cfg);
	return cfg;
}

/* What needs the boot's files in place: root's keys decide whether sshd
 * runs. The agent and vcsshd read their sections themselves. */
static void
settle_config(struct vc_config *cfg)
{
	apply_ssh_policy(cfg);
	config_release_sections(cfg);
}

static int
read_environment(struct vcinit *vc, struct buf *errors)
{
	const char *v = getenv("VCORE_SHUTDOWN_TIMEOUT");
	char err[128];

	vc->shutdown_override_ms = -1;
	if (v != NULL && clock_parse_duration(v, &vc->shutdown_override_ms,
	    err, sizeof(err)) == -1) {
		buf_addf(errors, "VCORE_SHUTDOWN_TIMEOUT: %s\n", err);
		return -1;
	}
	return 0;
}

/*
 * The container's environment for root's SSH sessions (DESIGN:
 * Environment): NUL-separated NAME=value entries, as /proc/PID/environ,
 * mode 0600, replaced atomically.
 */
static void
write_environment(struct vcinit *vc)
{
	char *path = NULL, *tmp = NULL;
	struct buf all = { 0 };
	bool ok;
	int fd;

	if (asprintf(&path, "%s/environment", vc->sup.runtime_dir) == -1 ||
	    asprintf(&tmp, "%s.tmp", path) == -1) {
		goto out;
	}
	for (char **e = environ; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "NOTIFY_SOCKET=", 14) != 0) {
			buf_add(&all, *e, strlen(*e) + 1);
		}
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ok = fd >= 0 && !all.failed && fd_write_all(fd, all.data, all.len) == 0;
	if (fd >= 0 && close(fd) == -1) {
		ok = false;
	}
	if (!ok || rename(tmp, path) == -1) {
		vlog_warn("unable to write %s: %s", path, strerror(errno));
		(void)unlink(tmp);
	}
out:
	free(path);
	free(tmp);
	buf_free(&all);
}

static void
on_reload_request(struct vcinit *vc, struct buf *reply)
{
	struct buf errors = { 0 }, report = { 0 };
	struct vc_config *cfg = load_config(vc, &errors);
	const char *p;

	if (cfg != NULL) {
		settle_config(cfg);
	}
	if (cfg == NULL) {
		vlog_warn("reload: the configuration has errors; nothing "
		    "changed:");
		for (p = buf_str(&errors); *p != '\0'; p += strcspn(p, "\n") + 1) {
			vlog_warn("%.*s", (int)strcspn(p, "\n"), p);
		}
		if (reply != NULL) {
			buf_add(reply, errors.data, errors.len);
		}
		buf_free(&errors);
		return;
	}
	sup_reload(&vc->sup, cfg, &report);
	for (p = buf_str(&report); *p != '\0'; p += strcspn(p, "\n") + 1) {
		vlog_info("reload: %.*s", (int)strcspn(p, "\n"), p);
	}
	if (report.len == 0) {
		vlog_info("reload: nothing changed");
	}
	if (reply != NULL) {
		buf_add(reply, report.data, report.len);
	}
	buf_free(&report);
	buf_free(&errors);
}

static int
control_reload(void *arg, struct buf *reply)
{
	struct vcinit *vc = arg;
	struct vc_config *old = vc->sup.config;

	on_reload_request(vc, reply);
	return vc->sup.config == old ? -1 : 0;
}

static void
control_shutdown(void *arg)
{
	struct vcinit *vc = arg;

	vc->shutdown_wanted = true;
}

/* Our own messages join the services' lines in the output queue. */
static void
log_to_queue(enum vlog_level level, const char *line, size_t len, void *arg)
{
	struct vcinit *vc = arg;

	(void)level;
	output_put(&vc->out, &vc->out.err, line, len, true);
}

static void
read_signals(struct vcinit *vc)
{
	struct signalfd_siginfo si;

	while (read(vc->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int sig = (int)si.ssi_signo;

		switch (sig) {
		case SIGCHLD:
			vc->child_exited = true;
			break;
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
		case SIGPWR:
			if (!vc->sup.shutting_down) {
				vlog_info("SIG%s: shutting down",
				    signame_of(sig));
			}
			vc->shutdown_wanted = true;
			break;
		case SIGHUP:
			vc->reload_wanted = true;
			break;
		default:
			/* Not lost: the main service gets it, as from tini. */
			if (!vc->sup_ready || !sup_forward_signal(&vc->sup, sig)) {
				vlog_info("SIG%s received: no main service to "
				    "pass it to", signame_of(sig));
			}
			break;
		}
	}
}

static void
reap_children(struct vcinit *vc)
{
	int status;
	pid_t pid;

	vc->child_exited = false;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		/* (The pid test first: hooks.c is boot code, kept out of
		 * PID 1's memory once the services run.) */
		if ((vc->magic.boot.pid > 0 &&
		    hookrun_child_exited(&vc->magic.boot, pid, status)) ||
		    (vc->magic.finish.pid > 0 &&
		    hookrun_child_exited(&vc->magic.finish, pid, status))) {
			continue;
		}
		if (!vc->sup_ready || !sup_child_exited(&vc->sup, pid, status)) {
			vlog_debug("reaped orphan %d", (int)pid);
		}
	}
}

/* As a subreaper we may not kill(-1): signal our own children instead
 * (orphans of the services are reparented to us). Returns how many. */
static int
signal_children(struct vcinit *vc, int sig)
{
	char path[64], buf[512];
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (vc->pid1) {
		return kill(-1, sig) == 0 ? 1 : 0;
	}
	d = opendir("/proc");
	if (d == NULL) {
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		char *close_paren;
		int fd;
		ssize_t len;
		long ppid;

		if (de->d_name[0] < '0' || de->d_name[0] > '9') {
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			continue;
		}
		len = read(fd, buf, sizeof(buf) - 1);
		(void)close(fd);
		if (len <= 0) {
			continue;
		}
		buf[len] = '\0';
		/* "pid (comm) state ppid": comm may hold spaces and ')'. */
		close_paren = strrchr(buf, ')');
		if (close_paren == NULL || sscanf(close_paren + 2, "%*c %ld",
		    &ppid) != 1 || ppid != (long)getpid()) {
			continue;
		}
		if (kill((pid_t)atol(de->d_name), sig) == 0) {
			n++;
		}
	}
	closedir(d);
	return n;
}

/* Names what is left, for debugging stray processes. */
static void
log_leftovers(void)
{
	char path[64], comm[64];
	struct dirent *de;
	DIR *d = opendir("/proc");

	while (d != NULL && (de = readdir(d)) != NULL) {
		int fd;
		ssize_t n;

		if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
		    strcmp(de->d_name, "1") == 0) {
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : -1;
		fd_close(&fd);
		comm[n > 0 ? n - 1 : 0] = '\0';
		vlog_debug("left: pid %s (%s)", de->d_name, comm);
	}
	if (d != NULL) {
		closedir(d);
	}
}

static bool
anything_left(struct vcinit *vc)
{
	if (vc->pid1) {
		/* Everything in the namespace but us can be signalled. */
		return kill(-1, 0) == 0;
	}
	return signal_children(vc, 0) > 0;
}

static void sweep_leftovers(struct vcinit *vc);

static void
on_sweep_timer(void *arg)
{
	struct vcinit *vc = arg;

	vc->sweep_timer = 0;
	if (vc->ending == SETTLING) {
		sweep_leftovers(vc);
	} else if (vc->ending == SWEEP_TERM) {
		vlog_warn("processes left after %dms: sending SIGKILL",
		    SWEEP_GRACE_MS);
		(void)signal_children(vc, SIGKILL);
		vc->ending = SWEEP_KILL;
	}
}

/* Prepares a hook run on PID 1's loop with the boot's environment. */
static void
setup_hookrun(struct vcinit *vc, struct hookrun *hr,
    const struct vc_config *cfg)
{
	hr->loop = vc->loop;
	hr->out = &vc->out;
	hr->child_mask = &vc->old_mask;
	hr->env = vc->hook_env;
	hr->timeout_ms = cfg->magic_timeout_ms;
	hr->max_line = (size_t)cfg->log_line_max;
}

/* finish.d runs once the services are down, inside the shutdown budget;
 * its failures are logged and change nothing. */
static void
start_finish_hooks(struct vcinit *vc)
{
	struct hookrun *hr = &vc->magic.finish;

	if (magic_list_finish_hooks(&vc->magic) == -1) {
		vlog_warn("finish.d: out of memory: not run");
		return;
	}
	setup_hookrun(vc, hr, vc->sup.config);
	hr->deadline_ms = vc->sup.shutdown_deadline_ms;
	hr->keep_going = true;
	hookrun_start(hr);
}

static bool
services_are_down(const struct vcinit *vc)
{
	if (!vc->sup_ready) {
		return vc->boot_over;
	}
	return vc->sup.shutting_down && sup_is_finished(&vc->sup);
}

/* Orphans that died with their service may still be zombies waiting for
 * us, or still exiting: they are not "left". */
static void
begin_sweep(struct vcinit *vc)
{
	reap_children(vc);
	if (!anything_left(vc)) {
		vc->ending = ENDED;
		return;
	}
	vc->ending = SETTLING;
	vc->sweep_timer = loop_add_timer(vc->loop, clock_mono_ms() +
	    SWEEP_SETTLE_MS, on_sweep_timer, vc);
}

/* What is left (daemons that left their group) gets SIGTERM, then
 * SIGKILL; nothing outlives the container. */
static void
sweep_leftovers(struct vcinit *vc)
{
	int64_t left;

	reap_children(vc);
	if (!anything_left(vc)) {
		vc->ending = ENDED;
		return;
	}
	if (vlog_enabled(VLOG_DEBUG)) {
		log_leftovers();
	}
	vlog_info("services are down; ending what is left");
	(void)signal_children(vc, SIGTERM);
	(void)signal_children(vc, SIGCONT);
	vc->ending = SWEEP_TERM;
	left = vc->sup.shutdown_deadline_ms - clock_mono_ms();
	if (!vc->sup_ready || left > SWEEP_GRACE_MS) {
		left = SWEEP_GRACE_MS;
	}
	vc->sweep_timer = loop_add_timer(vc->loop, clock_mono_ms() +
	    (left > 0 ? left : 0), on_sweep_timer, vc);
}

/* Once every service is down: finish.d, then the sweep. */
static void
advance_ending(struct vcinit *vc)
{
	if (vc->ending == RUNNING) {
		if (!services_are_down(vc)) {
			return;
		}
		vc->ending = FINISHING;
		if (vc->sup_ready) {
			start_finish_hooks(vc);
		}
	}
	if (vc->ending == FINISHING) {
		if (hookrun_is_done(&vc->magic.finish)) {
			begin_sweep(vc);
		}
		return;
	}
	if (vc->ending != ENDED && !anything_left(vc)) {
		loop_cancel_timer(vc->loop, &vc->sweep_timer);
		vc->ending = ENDED;
	}
}

static void boot_step(struct vcinit *vc);

static void
on_shutdown_request(struct vcinit *vc)
{
	if (vc->booting) {
		/* The boot's hook stops; no service will start. */
		hookrun_stop(&vc->magic.boot, clock_mono_ms() +
		    vc->boot_cfg->shutdown_timeout_ms);
		vc->boot_over = true;
	} else if (vc->sup_ready) {
		sup_shutdown(&vc->sup);
	}
}

static void
run_loop(struct vcinit *vc)
{
	for (;;) {
		/* Flagged transitions first: the boot's start requests too. */
		if (vc->booting) {
			boot_step(vc);
		}
		if (vc->sup_ready) {
			sup_step(&vc->sup);
		}
		if (!vc->booting) {
			advance_ending(vc);
		}
		if (vc->ending == ENDED) {
			break;
		}
		(void)loop_wait(vc->loop);
		if (loop_is_ready(vc->loop, vc->sigfd)) {
			read_signals(vc);
		}
		if (vc->child_exited) {
			reap_children(vc);
		}
		loop_dispatch_fds(vc->loop, vc->sigfd);
		loop_run_timers(vc->loop);
		if (vc->shutdown_wanted) {
			vc->shutdown_wanted = false;
			on_shutdown_request(vc);
		}
		if (vc->reload_wanted) {
			vc->reload_wanted = false;
			if (vc->sup_ready && !vc->sup.shutting_down) {
				on_reload_request(vc, NULL);
			}
		}
	}
}

static void
on_signalfd(int fd, short revents, void *arg)
{
	/* Read in run_loop first thing each turn; never dispatched. */
	(void)fd;
	(void)revents;
	(void)arg;
}

/* vcinit's output has room again: hooks and services read their pipes. */
static void
on_output_drained(void *arg)
{
	struct vcinit *vc = arg;

	if (vc->booting) {
		hookrun_resume(&vc->magic.boot);
	}
	if (vc->ending == FINISHING) {
		hookrun_resume(&vc->magic.finish);
	}
	if (vc->sup_ready) {
		sup_resume_pipes(&vc->sup);
	}
}

/* The loop and the output queues: from here on, vcinit's own messages
 * queue up with the hooks' and services' lines. */
static int
start_output(struct vcinit *vc, const struct vc_config *cfg)
{
	size_t qcap = (size_t)cfg->log_line_max * 2 + 4096;

	vc->loop = loop_new();
	if (vc->loop == NULL || output_init(&vc->out, vc->loop,
	    qcap > OUTPUT_QUEUE_MIN ? qcap : OUTPUT_QUEUE_MIN) == -1 ||
	    loop_add_fd(vc->loop, vc->sigfd, POLLIN, on_signalfd, vc) == -1) {
		return -1;
	}
	vlog_set_sink(log_to_queue, vc);
	vc->out.drained = on_output_drained;
	vc->out.drained_arg = vc;
	return 0;
}

static void
status_extra(void *arg, struct buf *out, bool json)
{
	struct vcinit *vc = arg;

	if (json) {
		buf_adds(out, ",\"magic\":");
		magic_status_json(&vc->magic, out);
	} else {
		magic_status_text(&vc->magic, out);
	}
}

static int
start_supervision(struct vcinit *vc, struct vc_config *cfg)
{
	vc->sup.self_exe = vc->self_exe;
	vc->sup.child_mask = vc->old_mask;
	vc->sup.base_env = environ;
	vc->sup.secrets = vc->magic.secrets;
	vc->sup.tty_main = vc->cmd != NULL && isatty(0);
	vc->sup.state_changed = control_on_state;
	vc->sup.state_changed_arg = &vc->ctl;
	vc->sup.health_done = control_health_done;
	vc->sup.health_done_arg = &vc->ctl;
	vc->sup.status_extra = status_extra;
	vc->sup.status_extra_arg = vc;
	if (sup_init(&vc->sup, vc->loop, &vc->out, cfg) == -1) {
		return -1;
	}
	vc->sup_ready = true;
	return 0;
}

/* The control socket, before the services start: a main command may run
 * vcctl at once. */
static void
open_doors(struct vcinit *vc)
{
	const char *path = vc->sup.config->control_socket;

	vc->ctl.reload = control_reload;
	vc->ctl.shutdown = control_shutdown;
	vc->ctl.arg = vc;
	if (control_open(&vc->ctl, vc->loop, &vc->sup, path) == -1) {
		/* Services still run; only vcctl cannot reach them. */
		vlog_warn("unable to open the control socket %s: %s", path,
		    strerror(errno));
	}
}

static void
log_errors(const char *errors)
{
	for (const char *p = errors; *p != '\0'; p += strcspn(p, "\n") + 1) {
		vlog_fatal("%.*s", (int)strcspn(p, "\n"), p);
		if (p[strcspn(p, "\n")] == '\0') {
			break;
		}
	}
}

/* The boot's config error: before any service starts, exit 78. */
static void
stop_boot(struct vcinit *vc, int status, struct buf *errors)
{
	if (errors != NULL) {
		log_errors(buf_str(errors));
	}
	vc->boot_over = true;
	vc->exit_known = true;
	vc->exit_status = status;
}

/* The fingerprint of DIR/name. (Paths are not kept in the callers'
 * frames: PID 1 keeps every stack page it touched, and the config loader
 * runs below them.) */
static uint64_t
config_print(const struct vcinit *vc, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", vc->dir, name);
	return magic_fingerprint(path);
}

/* Magic's hooks wrote into services.d: parse it again; into vcore.conf:
 * an error (DESIGN: Boot order, step 4). Returns 0 or -1 (stopped). */
static int
reread_config(struct vcinit *vc)
{
	struct buf errors = { 0 };
	struct vc_config *cfg;

	if (config_print(vc, "vcore.conf") != vc->conf_print) {
		buf_addf(&errors, "%s/vcore.conf: written by a template or a "
		    "hook: vcore.conf is fixed before magic runs\n", vc->dir);
		stop_boot(vc, CONFIG_EXIT_STATUS, &errors);
		buf_free(&errors);
		return -1;
	}
	if (config_print(vc, "services.d") == vc->services_print) {
		return 0;
	}
	vlog_info("magic changed %s/services.d: reading it again", vc->dir);
	cfg = load_config(vc, &errors);
	if (cfg == NULL) {
		stop_boot(vc, CONFIG_EXIT_STATUS, &errors);
		buf_free(&errors);
		return -1;
	}
	buf_free(&errors);
	config_free(vc->boot_cfg);
	vc->boot_cfg = cfg;
	return 0;
}

static void
drop_pages(const char *start, const char *end)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t from = (uintptr_t)start & ~(page - 1);
	uintptr_t to = ((uintptr_t)end + page - 1) & ~(page - 1);

	if (start != NULL && end != NULL && to > from &&
	    madvise((void *)from, to - from, MADV_DONTNEED) == -1) {
		vlog_debug("madvise: %s", strerror(errno));
	}
}

/*
 * The boot went deeper into the stack than the loop ever will (config
 * parsing, magic), and those pages would stay PID 1's for good. Below the
 * current frame nothing lives (single thread, no signal handler; a vfork
 * child is not running now), so they are dropped, but for a margin.
 */
static void
drop_unused_stack(void)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	char *maps = fd_read_file("/proc/self/maps", 256 * 1024, NULL);
	char *line = maps != NULL ? strstr(maps, "[stack]") : NULL;
	uintptr_t low, below = ((uintptr_t)&page & ~(page - 1)) - page;

	while (line != NULL && line > maps && line[-1] != '\n') {
		line--;
	}
	if (line != NULL) {
		low = (uintptr_t)strtoull(line, NULL, 16);
		if (below > low) {
			(void)madvise((void *)low, below - low, MADV_DONTNEED);
		}
	}
	free(maps);
}

/*
 * Magic's code ran once; the agent's, vcctl's and the probes' never run in
 * PID 1. Their pages are clean file pages: dropping them from PID 1's
 * memory costs nothing, and whatever runs again (finish.d at shutdown)
 * reads them back.
 */
static void
release_boot_code(void)
{
	drop_pages(vcore_cold_text_start, vcore_cold_text_end);
	drop_pages(vcore_cold_rodata_start, vcore_cold_rodata_end);
	drop_unused_stack();
}

/* Called each loop turn while the boot hooks run; once they are over, the
 * services start (or the boot stops with its status). */
static void
boot_step(struct vcinit *vc)
{
	struct vc_config *cfg;

	if (!hookrun_is_done(&vc->magic.boot)) {
		return;
	}
	vc->booting = false;
	vc->magic.elapsed_ns = clock_mono_ns() - vc->magic.started_ns;
	if (vc->magic.boot.failed) {
		stop_boot(vc, vc->magic.boot.exit_status, NULL);
	}
	if (vc->boot_over || reread_config(vc) == -1) {
		return;
	}
	cfg = vc->boot_cfg;
	vc->boot_cfg = NULL;
	settle_config(cfg);
	if (start_supervision(vc, cfg) == -1) {
		vlog_fatal("unable to start: %s", strerror(errno));
		stop_boot(vc, 71, NULL);
		return;
	}
	vlog_info("vcinit %s started%s with %d services (magic: %.1f ms)",
	    VCORE_VERSION, vc->pid1 ? "" : " (as a subreaper)", vc->sup.nsvcs,
	    (double)vc->magic.elapsed_ns / 1e6);
	open_doors(vc);
	sup_start_all(&vc->sup);
	sup_step(&vc->sup);	/* the first services start now */
	/* For root's SSH sessions, which come later than the first services. */
	write_environment(vc);
	release_boot_code();
}

/* The environment hooks get: vcinit's, without its NOTIFY_SOCKET. */
static int
make_hook_env(struct vcinit *vc)
{
	size_t n = 0;

	for (char **e = environ; *e != NULL; e++) {
		n++;
	}
	vc->hook_env = calloc(n + 1, sizeof(char *));
	if (vc->hook_env == NULL) {
		return -1;
	}
	n = 0;
	for (char **e = environ; *e != NULL; e++) {
		if (strncmp(*e, "NOTIFY_SOCKET=", 14) != 0) {
			vc->hook_env[n++] = *e;
		}
	}
	return 0;
}

static int
check_config_secrets(const struct vcinit *vc, struct buf *errors)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/vcore.conf", vc->dir);
	return magic_check_config_secrets(&vc->magic, path, errors);
}

/* Steps 1 to 3 of the boot (DESIGN: Boot order): persisted paths, the
 * environment, the config. Returns the config, or NULL (errors). */
static struct vc_config *
prepare(struct vcinit *vc, struct buf *errors)
{
	struct vc_config *cfg;

	vc->magic.dir = vc->dir;
	vc->magic.started_ns = clock_mono_ns();
	if (magic_persist(&vc->magic, errors) == -1 ||
	    magic_environment(&vc->magic, errors) == -1 ||
	    read_environment(vc, errors) == -1 ||
	    check_config_secrets(vc, errors) == -1) {
		return NULL;
	}
	vc->conf_print = config_print(vc, "vcore.conf");
	vc->services_print = config_print(vc, "services.d");
	cfg = load_config(vc, errors);
	if (cfg == NULL) {
		buf_addf(errors, "the configuration in %s has errors; nothing "
		    "was started\n", vc->dir);
	}
	return cfg;
}

/* Step 4's file work: templates and root's keys, in place before any
 * hook runs. Returns 0 or -1 with errors. */
static int
magic_file_work(struct vcinit *vc, struct vc_config *cfg, struct buf *errors)
{
	const char *passwd, *group;

	ssh_user_files(cfg, &passwd, &group);
	if (magic_files(&vc->magic, cfg->render_root, passwd, group,
	    errors) == -1) {
		return -1;
	}
	vc->magic.files_ns = clock_mono_ns() - vc->magic.started_ns;
	return 0;
}

/* The boot hooks begin on the loop; boot_step follows them. */
static int
begin_hooks(struct vcinit *vc, struct vc_config *cfg)
{
	if (make_hook_env(vc) == -1 ||
	    magic_list_boot_hooks(&vc->magic, cfg->prepare_magic) == -1) {
		return -1;
	}
	setup_hookrun(vc, &vc->magic.boot, cfg);
	vc->magic.boot.keep_going = cfg->magic_continue;
	vc->booting = true;
	hookrun_start(&vc->magic.boot);
	return 0;
}

/* Everything before the loop. Returns -1 when the loop should run, or the
 * status to exit with (DESIGN: only before this point may vcinit die). */
static int
boot(struct vcinit *vc, int argc, char **argv)
{
	struct buf errors = { 0 };
	int status = -1;

	if (setup_signals(vc) == -1) {
		perror("vcinit: fatal: signals");
		return 71;
	}
	vlog_init("vcinit");
	if (parse_args(vc, argc, argv) == -1) {
		return EX_USAGE;
	}
	vc->pid1 = getpid() == 1;
	if (!vc->pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
		vlog_warn("unable to become a subreaper: %s", strerror(errno));
	}
	if (find_programs(vc, argv[0]) == -1) {
		return 71;
	}
	vc->boot_cfg = prepare(vc, &errors);
	if (vc->boot_cfg == NULL ||
	    magic_file_work(vc, vc->boot_cfg, &errors) == -1) {
		log_errors(buf_str(&errors));
		status = CONFIG_EXIT_STATUS;
	} else if (start_output(vc, vc->boot_cfg) == -1 ||
	    begin_hooks(vc, vc->boot_cfg) == -1) {
		vlog_fatal("unable to start: %s", strerror(errno));
		status = 71;
	}
	buf_free(&errors);
	return status;
}

static void
teardown(struct vcinit *vc)
{
	control_close(&vc->ctl);
	vlog_set_sink(NULL, NULL);
	if (vc->loop != NULL) {
		output_flush_all(&vc->out, 1000);
	}
	magic_free(&vc->magic);
	if (vc->sup_ready) {
		sup_free(&vc->sup);
	}
	config_free(vc->boot_cfg);
	output_free(&vc->out);
	loop_free(vc->loop);
	fd_close(&vc->sigfd);
	free(vc->hook_env);
	free(vc->self_exe);
	free(vc->sshd_exe);
}

int
vcinit_main(int argc, char **argv)
{
	struct vcinit vc;
	int status;

	memset(&vc, 0, sizeof(vc));
	vc.ctl.listen_fd = -1;
	vc.sigfd = -1;
	status = boot(&vc, argc, argv);
	if (status < 0) {
		run_loop(&vc);
		if (vc.exit_known) {
			status = vc.exit_status;
		} else {
			status = vc.sup.exit_known ? vc.sup.exit_status : 0;
		}
		vlog_info("exiting with status %d", status);
	}
	teardown(&vc);
	return status;
}
