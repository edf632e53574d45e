/* SPDX-License-Identifier: ISC */
/* The control socket in PID 1; see control.h and docs/control.md. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "common/signame.h"
#include "supervise/control.h"

/* A client has this long to send its request line. */
#define CONTROL_REQUEST_TIMEOUT_MS 5000

enum wait_for { WAIT_NONE, WAIT_UP, WAIT_DOWN, WAIT_HEALTH };

struct control_client {
	int fd;
	uid_t uid;
	char in[CONTROL_MAX_REQUEST + 1];
	size_t inlen;
	struct buf out;
	size_t outpos;
	bool replying;		/* the reply is complete: write, then close */
	struct service *wait_svc;
	enum wait_for wait;
	uint64_t timer;
	struct control *ctl;
	struct control_client *next;
};

static void on_client(int fd, short revents, void *arg);

static void
client_free(struct control *ctl, struct control_client *c)
{
	struct control_client **pp;

	for (pp = &ctl->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	loop_cancel_timer(ctl->loop, &c->timer);
	loop_del_fd(ctl->loop, c->fd);
	fd_close(&c->fd);
	buf_free(&c->out);
	free(c);
	ctl->nclients--;
}

/* Ends the reply with its status line and starts writing it. */
static void
finish(struct control_client *c, const char *status_fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
finish(struct control_client *c, const char *status_fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, status_fmt);
	vsnprintf(line, sizeof(line), status_fmt, ap);
	va_end(ap);
	buf_addf(&c->out, "%s\n", line);
	c->replying = true;
	c->wait = WAIT_NONE;
	c->wait_svc = NULL;
	loop_cancel_timer(c->ctl->loop, &c->timer);
	loop_set_events(c->ctl->loop, c->fd, POLLOUT);
}

static void
check_wait(struct control_client *c)
{
	struct service *svc = c->wait_svc;
	const char *name;

	if (c->wait == WAIT_NONE || svc == NULL) {
		return;
	}
	name = svc->cfg->name;
	if (c->wait == WAIT_DOWN) {
		if (svc->state == SVC_DOWN) {
			finish(c, "ok");
		}
		return;
	}
	if (svc_is_started(svc)) {
		finish(c, "ok");
	} else if (svc->state == SVC_FAILED || svc->state == SVC_BACKOFF) {
		finish(c, "error: %s %s%s%s", name, svc->state == SVC_FAILED ?
		    "failed" : "exited and waits to restart",
		    svc->note[0] != '\0' ? ": " : "", svc->note);
	} else if (svc->state == SVC_DOWN && !svc->want_up &&
	    !svc->restart_pending) {
		finish(c, "error: %s was stopped", name);
	}
}

void
control_on_state(struct service *svc, void *arg)
{
	struct control *ctl = arg;

	for (struct control_client *c = ctl->clients; c != NULL; c = c->next) {
		if (c->wait_svc == svc) {
			check_wait(c);
		}
	}
}

int
control_split(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t') {
			p++;
		}
		if (*p == '\0') {
			return n;
		}
		if (n == max) {
			return -1;
		}
		words[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t') {
			p++;
		}
		if (*p != '\0') {
			*p++ = '\0';
		}
	}
}

static void
answer_health(struct control_client *c)
{
	if (sup_health(c->ctl->sup, &c->out)) {
		finish(c, "ok");
	} else {
		finish(c, "error: unhealthy");
	}
}

void
control_health_done(void *arg)
{
	struct control *ctl = arg;
	struct control_client *c, *next;

	for (c = ctl->clients; c != NULL; c = next) {
		next = c->next;
		if (c->wait == WAIT_HEALTH) {
			answer_health(c);
		}
	}
}

static void
do_service_verb(struct control_client *c, const char *verb, char **w, int n)
{
	struct supervisor *sup = c->ctl->sup;
	struct service *svc;
	char err[256] = "";
	int rc, sig = 0;

	if (n != (strcmp(verb, "signal") == 0 ? 3 : 2)) {
		finish(c, "usage: %s NAME%s", verb,
		    strcmp(verb, "signal") == 0 ? " SIGNAL" : "");
		return;
	}
	svc = sup_find(sup, w[1]);
	if (svc == NULL) {
		finish(c, "error: no such service: %.64s", w[1]);
		return;
	}
	if (strcmp(verb, "start") == 0) {
		rc = sup_start(sup, svc, err, sizeof(err));
		c->wait = WAIT_UP;
	} else if (strcmp(verb, "stop") == 0) {
		rc = sup_stop(sup, svc, err, sizeof(err));
		c->wait = WAIT_DOWN;
	} else if (strcmp(verb, "restart") == 0) {
		rc = sup_restart(sup, svc, err, sizeof(err));
		c->wait = WAIT_UP;
	} else {
		sig = signame_to_num(w[2]);
		if (sig <= 0) {
			finish(c, "usage: %.32s is not a signal", w[2]);
			return;
		}
		rc = sup_signal(sup, svc, sig, err, sizeof(err));
		if (rc == 0) {
			finish(c, "ok");
			return;
		}
	}
	if (rc == -1) {
		finish(c, "error: %s", err);
		return;
	}
	c->wait_svc = svc;
	check_wait(c);
}

static void
do_request(struct control_client *c, char *line)
{
	struct supervisor *sup = c->ctl->sup;
	char *w[4];
	int n = control_split(line, w, 4);

	if (n <= 0) {
		finish(c, "usage: empty or too long request");
		return;
	}
	if (c->uid != 0 && strcmp(w[0], "status") != 0 &&
	    strcmp(w[0], "health") != 0) {
		finish(c, "error: permission denied: only root may use %.32s",
		    w[0]);
		return;
	}
	if (strcmp(w[0], "status") == 0) {
		if (n == 2 && strcmp(w[1], "--json") == 0) {
			sup_status_json(sup, &c->out);
		} else if (n == 1) {
			sup_status_text(sup, &c->out);
		} else {
			finish(c, "usage: status [--json]");
			return;
		}
		finish(c, "ok");
	} else if (strcmp(w[0], "health") == 0) {
		if (sup_health_refresh(sup)) {
			answer_health(c);
		} else {
			c->wait = WAIT_HEALTH;	/* checks run: see health_done */
		}
	} else if (strcmp(w[0], "start") == 0 || strcmp(w[0], "stop") == 0 ||
	    strcmp(w[0], "restart") == 0 || strcmp(w[0], "signal") == 0) {
		do_service_verb(c, w[0], w, n);
	} else if (strcmp(w[0], "reload") == 0) {
		if (c->ctl->reload(c->ctl->arg, &c->out) == 0) {
			finish(c, "ok");
		} else {
			finish(c, "error: the configuration has errors; nothing "
			    "changed");
		}
	} else if (strcmp(w[0], "shutdown") == 0) {
		finish(c, "ok");
		c->ctl->shutdown(c->ctl->arg);
	} else {
		char verb[40];

		finish(c, "usage: unknown request '%s' (status, start, stop, "
		    "restart, signal, reload, health, shutdown)",
		    vlog_sanitize(verb, sizeof(verb), w[0], strlen(w[0])));
	}
}

static void
read_request(struct control_client *c)
{
	ssize_t n;
	char *nl;

	n = read(c->fd, c->in + c->inlen, CONTROL_MAX_REQUEST - c->inlen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	if (n <= 0) {
		client_free(c->ctl, c);	/* gone before asking */
		return;
	}
	c->inlen += (size_t)n;
	c->in[c->inlen] = '\0';
	nl = memchr(c->in, '\n', c->inlen);
	if (nl == NULL && c->inlen < CONTROL_MAX_REQUEST) {
		return;
	}
	if (nl == NULL || memchr(c->in, '\0', (size_t)(nl - c->in)) != NULL) {
		finish(c, "usage: a request is one line of at most %d bytes",
		    CONTROL_MAX_REQUEST);
		return;
	}
	*nl = '\0';
	do_request(c, c->in);
}

static void
write_reply(struct control_client *c)
{
	while (c->outpos < c->out.len) {
		ssize_t n = write(c->fd, c->out.data + c->outpos,
		    c->out.len - c->outpos);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && errno == EAGAIN) {
			return;
		}
		if (n <= 0) {
			break;	/* the client left: nothing more to do */
		}
		c->outpos += (size_t)n;
	}
	client_free(c->ctl, c);
}

static void
on_client(int fd, short revents, void *arg)
{
	struct control_client *c = arg;
	char drain[64];

	(void)fd;
	if (c->replying) {
		write_reply(c);
	} else if (c->wait != WAIT_NONE) {
		/* Waiting for a service: anything readable is the client
		 * hanging up (or talking out of turn); either way, done. */
		if (read(c->fd, drain, sizeof(drain)) <= 0 ||
		    (revents & (POLLHUP | POLLERR)) != 0) {
			client_free(c->ctl, c);
		}
	} else {
		read_request(c);
	}
}

static void
on_request_timeout(void *arg)
{
	struct control_client *c = arg;

	c->timer = 0;
	if (c->wait == WAIT_NONE && !c->replying) {
		finish(c, "usage: no request within %d s",
		    CONTROL_REQUEST_TIMEOUT_MS / 1000);
	}
}

static int
clients_of(struct control *ctl, uid_t uid)
{
	int n = 0;

	for (struct control_client *c = ctl->clients; c != NULL; c = c->next) {
		n += c->uid == uid;
	}
	return n;
}

static void
on_accept(int lfd, short revents, void *arg)
{
	struct control *ctl = arg;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct control_client *c;
	int fd;

	(void)revents;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) >= 0) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
		    ctl->nclients >= CONTROL_MAX_CLIENTS || (cred.uid != 0 &&
		    clients_of(ctl, cred.uid) >= CONTROL_MAX_PER_UID)) {
			vlog_debug("control: connection refused (uid %d, %d "
			    "open)", (int)cred.uid, ctl->nclients);
			(void)close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL || loop_add_fd(ctl->loop, fd, POLLIN, on_client,
		    c) == -1) {
			free(c);
			(void)close(fd);
			continue;
		}
		c->fd = fd;
		c->uid = cred.uid;
		c->ctl = ctl;
		c->next = ctl->clients;
		ctl->clients = c;
		ctl->nclients++;
		c->timer = loop_add_timer(ctl->loop, clock_mono_ms() +
		    CONTROL_REQUEST_TIMEOUT_MS, on_request_timeout, c);
	}
}

int
control_open(struct control *ctl, struct loop *loop, struct supervisor *sup,
    const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	char dir[sizeof(un.sun_path)];
	char *slash;
	int fd;

	ctl->loop = loop;
	ctl->sup = sup;
	ctl->listen_fd = -1;
	if (strlen(path) >= sizeof(un.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(un.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (fd_mkdirs(dir, 0755) == -1) {
			return -1;
		}
	}
	/* A socket left by an earlier run of this container is ours. */
	(void)unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -1;
	}
	/* Any uid may connect; SO_PEERCRED decides what it may do. */
	if (bind(fd, (struct sockaddr *)&un, sizeof(un)) == -1 ||
	    chmod(path, 0666) == -1 || listen(fd, 64) == -1 ||
	    loop_add_fd(loop, fd, POLLIN, on_accept, ctl) == -1) {
		int saved = errno;

		(void)close(fd);
		errno = saved;
		return -1;
	}
	ctl->listen_fd = fd;
	ctl->path = strdup(path);
	return 0;
}

void
control_close(struct control *ctl)
{
	while (ctl->clients != NULL) {
		client_free(ctl, ctl->clients);
	}
	if (ctl->listen_fd >= 0) {
		loop_del_fd(ctl->loop, ctl->listen_fd);
		fd_close(&ctl->listen_fd);
	}
	if (ctl->path != NULL) {
		(void)unlink(ctl->path);
		free(ctl->path);
		ctl->path = NULL;
	}
}
