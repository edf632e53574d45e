/* SPDX-License-Identifier: ISC */
/*
 * Readiness: when a started service counts as up. Connect and stat checks
 * run in PID 1 without blocking (non-blocking connects to numeric addresses
 * only, retried on a growing timer); commands run in a "vcinit probe"
 * child; notify and fd:N wait for the service to speak.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "supervise/svc.h"

#define READY_POLL_FIRST_MS 5
#define READY_POLL_MAX_MS 500

static void
on_ready_timer(void *arg)
{
	struct service *svc = arg;

	svc->timer = 0;
	svc_event(svc, EV_TIMER);
}

/* The next poll: 5 ms, doubling to 500 ms; a slow starter costs a few
 * wake-ups a second while it starts and none once it is up. */
static void
schedule_poll(struct service *svc)
{
	int64_t delay = READY_POLL_FIRST_MS;

	for (int i = 0; i < svc->ready_attempts && delay < READY_POLL_MAX_MS;
	    i++) {
		delay *= 2;
	}
	if (delay > READY_POLL_MAX_MS) {
		delay = READY_POLL_MAX_MS;
	}
	svc->ready_attempts++;
	loop_cancel_timer(svc->sup->loop, &svc->timer);
	svc->timer = loop_add_timer(svc->sup->loop, clock_mono_ms() + delay,
	    on_ready_timer, svc);
}

static void
close_ready_fd(struct service *svc)
{
	if (svc->ready_fd >= 0) {
		loop_del_fd(svc->sup->loop, svc->ready_fd);
		fd_close(&svc->ready_fd);
	}
}

/* Builds the address of a tcp: or unix: check. Returns its length or 0. */
static socklen_t
ready_address(const struct ready_spec *r, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (r->kind == READY_UNIX) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;

		if (strlen(r->target) >= sizeof(un->sun_path)) {
			return 0;
		}
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, r->target);
		return sizeof(*un);
	}
	if (inet_pton(AF_INET, r->target,
	    &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)r->port);
		return sizeof(struct sockaddr_in);
	}
	if (inet_pton(AF_INET6, r->target,
	    &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)r->port);
		return sizeof(struct sockaddr_in6);
	}
	return 0;
}

/* Starts a non-blocking connect. Returns 1 connected, 0 in progress (*fd is
 * the socket), -1 refused or failed. */
static int
try_connect(const struct ready_spec *r, int *fd)
{
	struct sockaddr_storage ss;
	socklen_t len = ready_address(r, &ss);
	int s;

	*fd = -1;
	if (len == 0) {
		return -1;
	}
	s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		return -1;
	}
	if (connect(s, (struct sockaddr *)&ss, len) == 0) {
		(void)close(s);
		return 1;
	}
	if (errno == EINPROGRESS) {
		*fd = s;
		return 0;
	}
	(void)close(s);
	return -1;
}

/* The outcome of a non-blocking connect: 0 or an errno. */
static int
connect_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) {
		err = errno;
	}
	return err;
}

static void
on_connect_done(int fd, short revents, void *arg)
{
	struct service *svc = arg;
	int err = connect_error(fd);

	(void)revents;
	close_ready_fd(svc);
	if (err == 0) {
		svc_event(svc, EV_READY);
	} else {
		schedule_poll(svc);
	}
}

static void
check_timeout(struct service *svc)
{
	const struct svc_config *c = svc->cfg;
	char t[32];

	if (c->ready_timeout_ms > 0 && !svc->ready_warned &&
	    clock_mono_ms() - svc->spawned_ms >= c->ready_timeout_ms) {
		svc->ready_warned = true;
		snprintf(svc->note, sizeof(svc->note), "not ready after %s",
		    clock_format_duration(c->ready_timeout_ms, t, sizeof(t)));
		vlog_warn("%s: %s", c->name, svc->note);
	}
}

void
ready_poll(struct service *svc)
{
	const struct ready_spec *r = &svc->cfg->ready;
	struct stat st;
	int rc, fd;

	check_timeout(svc);
	switch (r->kind) {
	case READY_TCP:
	case READY_UNIX:
		rc = try_connect(r, &fd);
		if (rc == 1) {
			svc_event(svc, EV_READY);
		} else if (rc == 0 && loop_add_fd(svc->sup->loop, fd, POLLOUT,
		    on_connect_done, svc) == 0) {
			svc->ready_fd = fd;
		} else {
			if (fd >= 0) {
				(void)close(fd);
			}
			schedule_poll(svc);
		}
		break;
	case READY_FILE:
		if (stat(r->target, &st) == 0) {
			svc_event(svc, EV_READY);
		} else {
			schedule_poll(svc);
		}
		break;
	case READY_NOTIFY:
	case READY_FD:
		/* Nothing to poll: the timer was only the ready_timeout. */
		break;
	default:
		break;
	}
}

static void
on_notify(int fd, short revents, void *arg)
{
	struct service *svc = arg;
	char data[512], text[200];
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(struct ucred))];
	} control;
	struct iovec iov = { data, sizeof(data) - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = &control, .msg_controllen = sizeof(control) };
	struct cmsghdr *cm;
	struct ucred *cred = NULL;
	ssize_t n;

	(void)revents;
	while ((n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) >= 0) {
		data[n] = '\0';
		cred = NULL;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_CREDENTIALS) {
				cred = (struct ucred *)CMSG_DATA(cm);
			}
		}
		/* Only the service's own processes may say it is ready. */
		/* (a sender outside our PID namespace shows as pid 0) */
		if (cred == NULL || svc->pid <= 0 || cred->pid <= 0 ||
		    (cred->pid != svc->pid && getpgid(cred->pid) != svc->pid)) {
			vlog_debug("%s: notify message from pid %d ignored",
			    svc->cfg->name, cred != NULL ? (int)cred->pid : 0);
		} else if (strstr(data, "READY=1") != NULL &&
		    (data == strstr(data, "READY=1") ||
		    strstr(data, "\nREADY=1") != NULL)) {
			vlog_debug("%s: READY=1 from pid %d", svc->cfg->name,
			    (int)cred->pid);
			svc_event(svc, EV_READY);
			return;
		} else if (strncmp(data, "STATUS=", 7) == 0) {
			vlog_sanitize(text, sizeof(text), data + 7,
			    strcspn(data + 7, "\n"));
			snprintf(svc->note, sizeof(svc->note), "%s", text);
		}
		msg.msg_controllen = sizeof(control);
	}
}

static void
on_fd_ready(int fd, short revents, void *arg)
{
	struct service *svc = arg;
	char data[256];
	ssize_t n;

	(void)revents;
	n = read(fd, data, sizeof(data));
	if (n > 0 && memchr(data, '\n', (size_t)n) != NULL) {
		svc_event(svc, EV_READY);
	} else if (n == 0) {
		snprintf(svc->note, sizeof(svc->note), "closed fd %d without "
		    "saying it is ready", svc->cfg->ready.fd);
		close_ready_fd(svc);
	}
}

static int
open_notify_socket(struct service *svc)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	const struct svc_config *c = svc->cfg;
	char dir[100];
	int fd, one = 1;

	snprintf(dir, sizeof(dir), "%s/notify", svc->sup->runtime_dir);
	if (fd_mkdirs(dir, 0755) == -1) {
		return -1;
	}
	if ((size_t)snprintf(svc->notify_path, sizeof(svc->notify_path),
	    "%s/%s", dir, c->name) >= sizeof(svc->notify_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(un.sun_path, svc->notify_path);
	(void)unlink(svc->notify_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&un, sizeof(un)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == -1 ||
	    (c->has_user && chown(svc->notify_path, c->uid, c->gid) == -1)) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

int
ready_prepare(struct service *svc, struct spawn_req *req)
{
	const struct ready_spec *r = &svc->cfg->ready;
	int p[2];

	if (r->kind == READY_FD) {
		if (pipe2(p, O_CLOEXEC) == -1) {
			return -1;
		}
		(void)fd_set_nonblock(p[0], true);
		svc->ready_fd = p[0];
		svc->ready_child_fd = p[1];
		req->extra_fd = p[1];
		req->extra_fd_at = r->fd;
	} else if (r->kind == READY_NOTIFY) {
		svc->ready_fd = open_notify_socket(svc);
		if (svc->ready_fd < 0) {
			return -1;
		}
	}
	return 0;
}

void
ready_after_spawn(struct service *svc)
{
	const struct ready_spec *r = &svc->cfg->ready;

	/* Our copy of the service's end must go, or EOF never comes. */
	fd_close(&svc->ready_child_fd);
	if (r->kind == READY_FD && loop_add_fd(svc->sup->loop, svc->ready_fd,
	    POLLIN, on_fd_ready, svc) == -1) {
		fd_close(&svc->ready_fd);
	} else if (r->kind == READY_NOTIFY && loop_add_fd(svc->sup->loop,
	    svc->ready_fd, POLLIN, on_notify, svc) == -1) {
		fd_close(&svc->ready_fd);
	}
}

/* The service's exec: readiness in a "vcinit probe" child: its pid, or 0
 * when it could not start. */
static pid_t
spawn_exec_probe(struct service *svc, int64_t timeout_ms)
{
	char *specs[2] = { NULL, NULL };
	char spec[600];
	pid_t pid;

	snprintf(spec, sizeof(spec), "exec:%s", svc->cfg->ready.target);
	specs[0] = spec;
	pid = svc_spawn_probe(svc, specs, timeout_ms);
	return pid > 0 ? pid : 0;
}

void
ready_begin(struct service *svc)
{
	const struct svc_config *c = svc->cfg;

	switch (c->ready.kind) {
	case READY_NONE:
		svc_event(svc, EV_READY);
		break;
	case READY_EXEC:
		svc->probe_pid = spawn_exec_probe(svc, c->ready_timeout_ms);
		svc->probe_is_wait = false;
		break;
	case READY_NOTIFY:
	case READY_FD:
		if (c->ready_timeout_ms > 0) {
			svc->timer = loop_add_timer(svc->sup->loop,
			    svc->spawned_ms + c->ready_timeout_ms,
			    on_ready_timer, svc);
		}
		break;
	default:
		ready_poll(svc);
		break;
	}
}

void
ready_stop(struct service *svc)
{
	close_ready_fd(svc);
	fd_close(&svc->ready_child_fd);
	if (svc->notify_path[0] != '\0') {
		(void)unlink(svc->notify_path);
		svc->notify_path[0] = '\0';
	}
	if (svc->probe_pid > 0 && !svc->probe_is_wait) {
		(void)kill(-svc->probe_pid, SIGKILL);
	}
}

static void
on_health_connect(int fd, short revents, void *arg)
{
	(void)revents;
	ready_health_end(arg, connect_error(fd) == 0);
}

bool
ready_health_start(struct service *svc)
{
	const struct ready_spec *r = &svc->cfg->ready;
	int fd, rc;

	svc->health_at_ms = clock_mono_ms();
	svc->health_ok = true;
	if (r->kind == READY_EXEC) {
		/* Again in a probe child, as at the start (pg_isready,
		 * ldapsearch): PID 1 only sees its exit status. */
		svc->health_pid = spawn_exec_probe(svc,
		    HEALTH_CHECK_TIMEOUT_MS);
		svc->health_ok = svc->health_pid > 0;
		return svc->health_pid > 0;
	}
	if (r->kind != READY_TCP && r->kind != READY_UNIX) {
		return false;
	}
	/* A connect to loopback is "in progress" even when it will be
	 * refused: the answer comes through the loop, never by waiting. */
	rc = try_connect(r, &fd);
	if (rc == 0 && loop_add_fd(svc->sup->loop, fd, POLLOUT,
	    on_health_connect, svc) == 0) {
		svc->health_fd = fd;
		return true;
	}
	if (fd >= 0) {
		(void)close(fd);
	}
	svc->health_ok = rc == 1;
	return false;
}

static void
health_answered(struct service *svc, bool ok)
{
	svc->health_ok = ok;
	svc->health_at_ms = clock_mono_ms();
	sup_health_check_over(svc->sup);
}

void
ready_health_end(struct service *svc, bool ok)
{
	if (svc->health_fd < 0 && svc->health_pid <= 0) {
		return;
	}
	if (svc->health_fd >= 0) {
		loop_del_fd(svc->sup->loop, svc->health_fd);
		fd_close(&svc->health_fd);
	}
	if (svc->health_pid > 0) {
		/* Too slow: it ends, and is reaped as any orphan. */
		(void)kill(-svc->health_pid, SIGKILL);
		svc->health_pid = 0;
	}
	health_answered(svc, ok);
}

void
ready_health_exited(struct service *svc, int status)
{
	svc->health_pid = 0;
	health_answered(svc, WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
