/* SPDX-License-Identifier: ISC */
/*
 * Pseudo-terminals for shells: allocation on a pty-req, the window size on
 * window-change (the kernel then sends SIGWINCH to the foreground job), and
 * the child's side, which makes the slave its controlling terminal. The
 * terminal modes a client sends are not exposed by libssh; the kernel's
 * defaults apply.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "common/fdutil.h"
#include "common/log.h"
#include "sshd.h"

int
sshd_pty_open(struct sshd_channel *c)
{
	int master = -1, slave = -1;

	if (openpty(&master, &slave, NULL, NULL, &c->ws) == -1) {
		vlog_warn("openpty for %s: %s", c->conn->user.name,
		    strerror(errno));
		return -1;
	}
	if (fd_set_cloexec(master, true) == -1 ||
	    fd_set_cloexec(slave, true) == -1 ||
	    fd_set_nonblock(master, true) == -1 ||
	    ttyname_r(slave, c->tty_name, sizeof(c->tty_name)) != 0) {
		vlog_warn("pty for %s: %s", c->conn->user.name,
		    strerror(errno));
		fd_close(&master);
		fd_close(&slave);
		return -1;
	}
	/* The user owns the terminal of their session, as login(1) does. */
	if (fchown(slave, c->conn->user.uid, (gid_t)-1) == -1 ||
	    fchmod(slave, 0620) == -1) {
		vlog_debug("pty %s for %s: %s", c->tty_name,
		    c->conn->user.name, strerror(errno));
	}
	c->pty = true;
	c->pty_master = master;
	c->pty_slave = slave;
	return 0;
}

int
sshd_pty_resize(struct sshd_channel *c)
{
	int fd = c->pty_master != -1 ? c->pty_master : c->in_fd;

	if (fd == -1) {
		return -1;
	}
	return ioctl(fd, TIOCSWINSZ, &c->ws);
}

int
sshd_pty_child(int slave)
{
	/* A new session, then the slave as its controlling terminal. */
	if (setsid() == -1 || ioctl(slave, TIOCSCTTY, 0) == -1) {
		return -1;
	}
	if (dup2(slave, 0) == -1 || dup2(slave, 1) == -1 ||
	    dup2(slave, 2) == -1) {
		return -1;
	}
	if (slave > 2) {
		(void)close(slave);	/* the copies on 0-2 remain */
	}
	return 0;
}
