/* SPDX-License-Identifier: ISC */
/*
 * vcsshd's shared declarations: the settings read from vcore.conf's ssh {}
 * section, the listener, and the per-connection process with its channels.
 * The listener forks one process per connection; that process owns the
 * libssh session, authenticates the client and runs its channels.
 */
#ifndef VCORE_SSH_SSHD_H
#define VCORE_SSH_SSHD_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "common/authkeys.h"
#include "common/userdb.h"

#define SSHD_MAX_LISTEN 8
#define SSHD_MAX_CHANNELS 16	/* per connection */
#define SSHD_MAX_ENV 32		/* LANG, LC_* sent by the client */
#define SSHD_KEYS_COMMAND_UID 10051	/* DESIGN: authorized_keys_command */
#define SSHD_PEND_MAX (64 * 1024)	/* client data taken from libssh */
#define SSHD_HOSTKEY_NAME "ssh_host_ed25519_key"
#define SSHD_DEFAULT_SFTP "/usr/libexec/vcore/sftp-server"
#define SSHD_FP_MAX 64		/* "SHA256:" and 43 base64 characters */
#define SSHD_ADDR_MAX 64

/* The ssh {} section, checked; see common/config_ssh.h for the defaults. */
struct sshd_config {
	char *dir;			/* -c DIR */
	char *listen[SSHD_MAX_LISTEN];	/* "addr", "addr:port", "[v6]:port" */
	int nlisten;
	int port;
	char **allow_users;		/* NULL-terminated */
	char **allow_groups;
	char *keys_file;		/* with %h, %u and %% */
	char *keys_command;
	bool create_home;
	char *sftp_server;		/* NULL: search the usual paths */
	char *passwd_file;
	char *group_file;
	char *environment_file;		/* the container's, for root */
	int64_t grace_ms;
	int max_auth_tries;
	int max_startups;		/* unauthenticated, in total */
	int max_startups_per_source;
	int max_sessions;		/* connections, in total */
	int64_t keepalive_ms;		/* 0: none */
	int keepalive_count;
	int64_t idle_ms;		/* 0: none */
	bool tcp_forwarding;
	char hostkey_path[PATH_MAX];
};

/* One forked connection, as the listener tracks it. */
struct sshd_child {
	pid_t pid;
	unsigned char addr[16];		/* IPv4 as ::ffff:a.b.c.d */
	int notify_fd;			/* -1 once authenticated */
	bool authenticated;
};

/* The listener's state: one per program, made in main. */
struct sshd_server {
	struct sshd_config cfg;
	ssh_bind bind;
	char fingerprint[SSHD_FP_MAX];
	int listen_fds[SSHD_MAX_LISTEN];
	int nlisten;
	int sig_fd;
	struct sshd_child *children;	/* cfg.max_sessions slots */
	int nchildren;
	int64_t refused_log_ms;		/* rate limit of refusal lines */
	unsigned refused_quiet;		/* refusals not logged since */
	bool stop;
};

enum sshd_chan_kind { SSHD_CHAN_SESSION, SSHD_CHAN_FORWARD };

struct sshd_conn;

/*
 * A channel and the fds it relays. Client data goes to in_fd; what comes
 * out of out_fd and err_fd goes back as data and extended data. For a pty
 * and for a forward, in_fd and out_fd are the same fd.
 */
struct sshd_channel {
	struct sshd_conn *conn;
	ssh_channel ch;
	struct ssh_channel_callbacks_struct cb;
	enum sshd_chan_kind kind;
	int in_fd, out_fd, err_fd;
	char *pend;			/* client data taken from libssh */
	size_t pend_off, pend_len;
	bool held;			/* libssh keeps data we could not take */
	bool client_eof;
	bool in_done;			/* nothing more goes to in_fd */
	bool out_eof, err_eof;
	bool eof_sent;			/* forwards: the target closed */
	bool finished;			/* exit status, EOF and close sent */
	bool client_closed;
	/* session channels */
	pid_t pid;			/* 0 before exec, the process group */
	bool exited;
	int wstatus;
	bool pty;
	int pty_master, pty_slave;	/* until the shell starts */
	struct winsize ws;
	char term[64];
	char tty_name[64];		/* for SSH_TTY */
	char *start_error;		/* shown on stderr instead of a start */
	char *env[SSHD_MAX_ENV];	/* "NAME=value" from env requests */
	int nenv;
	int64_t exited_ms;
};

/* The per-connection process's state. */
struct sshd_conn {
	struct sshd_server *srv;
	const struct sshd_config *cfg;
	ssh_session session;
	ssh_event event;
	struct ssh_counter_struct counter;	/* packets received */
	int sock_fd;			/* our own dup, for a clean close */
	int notify_fd;			/* to the listener after auth */
	int sig_fd;
	char addr[SSHD_ADDR_MAX];	/* the peer, numeric */
	int port;
	char local_addr[SSHD_ADDR_MAX];
	int local_port;
	/* authentication */
	bool authenticated;
	int failures;
	int refusals_logged;
	char user_name[64];		/* last user asked for, sanitized */
	bool user_refused;		/* refusal of user_name already logged */
	struct userdb_user user;
	struct authkeys_entry *key;	/* the accepted line's options */
	char key_fp[SSHD_FP_MAX];
	char key_where[PATH_MAX + 32];	/* file:line or the command */
	bool warned_keys_file;		/* its problems are logged once */
	char *cmd_out;			/* authorized_keys_command's output */
	size_t cmd_len;
	char cmd_id[64 + SSHD_FP_MAX + 2];	/* for which user and key */
	/* running */
	struct sshd_channel *chans[SSHD_MAX_CHANNELS];
	int64_t last_data_ms;		/* for idle_timeout */
	int64_t next_keepalive_ms;
	uint64_t seen_packets;
	int keepalive_missed;
	const char *disconnect_why;	/* set: leave the loop */
	bool terminated;		/* SIGTERM: the server is stopping */
};

/* conf.c */
/* listen.c: blocks the signals vcsshd's processes read (SIGCHLD, TERM, INT,
 * HUP, QUIT), ignores SIGPIPE, and returns a signalfd for them, or -1. */
int sshd_signalfd(void);

int sshd_config_load(const char *dir, struct sshd_config *cfg);
void sshd_config_free(struct sshd_config *cfg);
/* Splits "addr", "addr:port" or "[v6]:port"; 0 or -1. */
int sshd_split_listen(const char *spec, int default_port, char *addr,
    size_t addrlen, int *port);

/* hostkey.c */
int sshd_hostkey_load(const char *path, ssh_key *key, char *fp,
    size_t fplen);
int sshd_fingerprint(const ssh_key key, char *out, size_t outlen);

/* listen.c */
int sshd_listen_open(struct sshd_server *srv);
int sshd_listen_run(struct sshd_server *srv);
void sshd_addr_key(const struct sockaddr *sa, unsigned char out[16]);
/* The refusal reason for a new connection from addr, or NULL to take it. */
const char *sshd_startup_refusal(const struct sshd_config *cfg,
    const struct sshd_child *children, int nchildren,
    const unsigned char addr[16]);

/* conn.c */
void sshd_conn_main(struct sshd_server *srv, int fd, int notify_fd)
    __attribute__((noreturn));
/* A new channel in a free slot (NULL when none): fds -1, the data, EOF and
 * close callbacks set; the caller adds its own and registers them. */
struct sshd_channel *sshd_channel_new(struct sshd_conn *conn,
    enum sshd_chan_kind kind);
/* Frees a channel libssh never saw or that failed to start. */
void sshd_channel_drop(struct sshd_conn *conn, struct sshd_channel *c);
void sshd_channel_close_fds(struct sshd_channel *c);
void sshd_set_stream_callbacks(struct sshd_channel *c);

/* auth.c */
void sshd_auth_setup(struct sshd_conn *conn, struct ssh_server_callbacks_struct
    *cb);
int sshd_auth_message(struct sshd_conn *conn, ssh_message msg);
int sshd_auth_finish(struct sshd_conn *conn);
/* Expands %h, %u and %% of a keys_file pattern. 0 or -1 (too long). */
int sshd_expand_path(const char *pattern, const char *home, const char *user,
    char *out, size_t outlen);
bool sshd_user_allowed(const struct sshd_config *cfg,
    const struct userdb_user *u);

/* session.c */
/* Default dispositions for every signal, none blocked (in a child). */
void sshd_reset_signals(void);
ssh_channel sshd_session_open(ssh_session session, void *userdata);
void sshd_session_reaped(struct sshd_conn *conn, pid_t pid, int wstatus);
void sshd_session_step(struct sshd_channel *c);
void sshd_session_hangup(struct sshd_channel *c);
/* True when name=value may come from the client (LANG, LC_*). */
bool sshd_env_accepted(const char *name, const char *value);
/* Parses one NAME=value line of the environment file; true when valid. */
bool sshd_env_line(const char *line, size_t len);
/* The sftp-server to run: cfg's, else the first existing usual path. */
const char *sshd_sftp_path(const struct sshd_config *cfg);

/* pty.c */
int sshd_pty_open(struct sshd_channel *c);
int sshd_pty_resize(struct sshd_channel *c);
int sshd_pty_child(int slave);

/* forward.c */
/* Answers a direct-tcpip open; 0 when replied, 1 for the default refusal. */
int sshd_forward_open(struct sshd_conn *conn, ssh_message msg);
void sshd_forward_step(struct sshd_channel *c);

#endif
