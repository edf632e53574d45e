/* SPDX-License-Identifier: ISC */
/*
 * podman's floor for make bench-images: the least a PID 1 can do. It
 * listens on TCP 22 (so that "run to the first connection" is measured
 * through the same published port as an SSH login), accepts and closes
 * connections, and exits 0 on SIGTERM or SIGINT. Built static with musl.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	struct sockaddr_in sa;
	struct pollfd pfd[2];
	sigset_t set;
	int one = 1, fd = -1;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pfd[0].fd = signalfd(-1, &set, SFD_CLOEXEC);
	pfd[0].events = POLLIN;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(22);
	if (pfd[0].fd == -1 || fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 64) == -1) {
		return 1;
	}
	pfd[1].fd = fd;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			continue;
		}
		if (pfd[0].revents != 0) {
			return 0;
		}
		if (pfd[1].revents != 0) {
			int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

			if (c != -1) {
				close(c);
			}
		}
	}
}
