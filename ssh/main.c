/* SPDX-License-Identifier: ISC */
/*
 * vcsshd: vcore's SSH daemon on libssh's server API, for root access to a
 * container (and the users vcore.conf admits). vcinit starts it as
 * `vcsshd -c DIR`; it reads the ssh {} section of DIR/vcore.conf, loads or
 * makes its host key, pins the algorithms, listens and forks one process
 * per connection. It logs to stderr, which vcinit sends to docker logs.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "common/config.h"
#include "common/fdutil.h"
#include "common/log.h"
#include "sshd.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define EXIT_USAGE 64

/* Pinned algorithms (see notes/ssh.md, 4.3): no NIST curves, no SHA-1,
 * encrypt-then-MAC only, ed25519 host key, and rsa-sha2 of 2048 bits or
 * more beside ed25519 for user keys. */
#define KEX_ALGOS "curve25519-sha256,curve25519-sha256@libssh.org"
#define CIPHERS "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com," \
	"aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr"
#define MACS "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"
#define HOSTKEY_ALGOS "ssh-ed25519"
#define USERKEY_ALGOS "ssh-ed25519,rsa-sha2-512,rsa-sha2-256"

static void
usage(void)
{
	fprintf(stderr, "usage: vcsshd [-c DIR] [-p PORT] [-f]\n"
	    "  -c DIR   config folder (default %s): DIR/vcore.conf's ssh {},\n"
	    "           host key in DIR/ssh/\n"
	    "  -p PORT  listen on PORT instead of ssh { port }\n"
	    "  -f       stay in the foreground (vcsshd always does; for\n"
	    "           supervisors that pass it)\n", CONFIG_DEFAULT_DIR);
}

static int
parse_args(int argc, char **argv, const char **dir, int *port)
{
	int opt;

	while ((opt = getopt(argc, argv, "c:p:fh")) != -1) {
		char *end;
		long v;

		switch (opt) {
		case 'c':
			*dir = optarg;
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > 65535) {
				vlog_fatal("-p %s: not a port", optarg);
				return -1;
			}
			*port = (int)v;
			break;
		case 'f':
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* Whatever vcinit or a shell left open beyond 0-2 is not ours. */
static void
close_inherited(void)
{
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == -1) {
		for (int fd = 3; fd < 1024; fd++) {
			(void)close(fd);
		}
	}
}

static void
on_libssh_log(int priority, const char *function, const char *buffer,
    void *userdata)
{
	char line[512];

	(void)priority;
	(void)function;
	(void)userdata;
	vlog_debug("libssh: %s", vlog_sanitize(line, sizeof(line), buffer,
	    strlen(buffer)));
}

static int
set_opt(ssh_bind bind, enum ssh_bind_options_e opt, const void *value,
    const char *what)
{
	if (ssh_bind_options_set(bind, opt, value) < 0) {
		vlog_fatal("libssh refused %s: %s", what, ssh_get_error(bind));
		return -1;
	}
	return 0;
}

/* The bind holds the host key and the algorithms each session copies. */
static ssh_bind
make_bind(ssh_key key)
{
	ssh_bind bind = ssh_bind_new();
	bool no = false;
	int rsa_bits = AUTHKEYS_RSA_MIN_BITS;

	if (bind == NULL) {
		return NULL;
	}
	if (set_opt(bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no,
	    "ignoring its global config") == -1 ||
	    set_opt(bind, SSH_BIND_OPTIONS_IMPORT_KEY, key, "the host key") ==
	    -1 ||
	    set_opt(bind, SSH_BIND_OPTIONS_KEY_EXCHANGE, KEX_ALGOS, "kex") ==
	    -1 ||
	    set_opt(bind, SSH_BIND_OPTIONS_CIPHERS_C_S, CIPHERS, "ciphers") ==
	    -1 ||
	    set_opt(bind, SSH_BIND_OPTIONS_CIPHERS_S_C, CIPHERS, "ciphers") ==
	    -1 ||
	    set_opt(bind, SSH_BIND_OPTIONS_HMAC_C_S, MACS, "macs") == -1 ||
	    set_opt(bind, SSH_BIND_OPTIONS_HMAC_S_C, MACS, "macs") == -1 ||
	    set_opt(bind, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, HOSTKEY_ALGOS,
	    "host key algorithms") == -1 ||
	    set_opt(bind, SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES,
	    USERKEY_ALGOS, "user key algorithms") == -1 ||
	    set_opt(bind, SSH_BIND_OPTIONS_RSA_MIN_SIZE, &rsa_bits,
	    "the RSA minimum") == -1) {
		ssh_bind_free(bind);
		return NULL;
	}
	return bind;
}

/* sd_notify READY=1 when a supervisor asked for it (ready = "notify"). */
static void
notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sa.sun_path)) {
		return;
	}
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@') {
		sa.sun_path[0] = '\0';	/* an abstract socket */
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || sendto(fd, "READY=1", 7, MSG_NOSIGNAL,
	    (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un,
	    sun_path) + strlen(path))) == -1) {
		vlog_warn("sd_notify %s: %s", path, strerror(errno));
	}
	fd_close(&fd);
	(void)unsetenv("NOTIFY_SOCKET");
}

static int
set_up(struct sshd_server *srv)
{
	ssh_key key = NULL;

	if (ssh_init() != SSH_OK) {
		vlog_fatal("libssh failed to start (ssh_init)");
		return -1;
	}
	if (vlog_enabled(VLOG_DEBUG)) {
		ssh_set_log_callback(on_libssh_log);
		ssh_set_log_level(SSH_LOG_WARNING);
	}
	if (sshd_hostkey_load(srv->cfg.hostkey_path, &key, srv->fingerprint,
	    sizeof(srv->fingerprint)) == -1) {
		ssh_key_free(key);
		return -1;
	}
	vlog_info("host key %s %s", srv->cfg.hostkey_path, srv->fingerprint);
	srv->bind = make_bind(key);		/* owns the key from here */
	if (srv->bind == NULL) {
		ssh_key_free(key);
		return -1;
	}
	srv->children = calloc((size_t)srv->cfg.max_sessions,
	    sizeof(*srv->children));
	if (srv->children == NULL || (srv->sig_fd = sshd_signalfd()) == -1) {
		vlog_fatal("setting up: %s", strerror(errno));
		return -1;
	}
	return sshd_listen_open(srv);
}

int
main(int argc, char **argv)
{
	struct sshd_server srv;
	const char *dir = CONFIG_DEFAULT_DIR;
	int port = 0, rc;

	memset(&srv, 0, sizeof(srv));
	srv.sig_fd = -1;
	vlog_init("vcsshd");
	if (parse_args(argc, argv, &dir, &port) == -1) {
		usage();
		return EXIT_USAGE;
	}
	close_inherited();
	/* Our memory holds the host key: no core dumps, no ptrace by users. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (sshd_config_load(dir, &srv.cfg) == -1) {
		sshd_config_free(&srv.cfg);
		return CONFIG_EXIT_STATUS;
	}
	if (port != 0) {
		srv.cfg.port = port;
	}
	rc = 1;
	if (set_up(&srv) == 0) {
		notify_ready();
		rc = sshd_listen_run(&srv);
	}
	for (int i = 0; i < srv.nlisten; i++) {
		fd_close(&srv.listen_fds[i]);
	}
	fd_close(&srv.sig_fd);
	ssh_bind_free(srv.bind);
	free(srv.children);
	sshd_config_free(&srv.cfg);
	ssh_finalize();
	return rc;
}
