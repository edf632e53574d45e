/* SPDX-License-Identifier: ISC */
/*
 * The authorized_keys parser that vcsshd and magic share: one line in, a
 * key (type, decoded blob, comment) and its options out, or a reason. Pure:
 * no syscalls, no allocation, no globals. An option it does not understand
 * rejects the whole line, so a restriction is never dropped silently.
 */
#ifndef VCORE_COMMON_AUTHKEYS_H
#define VCORE_COMMON_AUTHKEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTHKEYS_LINE_MAX 8192	/* longer lines are refused */
#define AUTHKEYS_BLOB_MAX 2600	/* an RSA key of 16384 bits fits */
#define AUTHKEYS_LIST_MAX 16	/* permitopen= and environment= each */
#define AUTHKEYS_RSA_MIN_BITS 2048
#define AUTHKEYS_RSA_MAX_BITS 16384

/* Restrictions; "restrict" sets them all. */
enum authkeys_flag {
	AUTHKEYS_NO_PTY = 1 << 0,
	AUTHKEYS_NO_PORT_FORWARDING = 1 << 1,
	AUTHKEYS_NO_AGENT_FORWARDING = 1 << 2,
	AUTHKEYS_NO_X11_FORWARDING = 1 << 3,
	AUTHKEYS_NO_USER_RC = 1 << 4,
};
#define AUTHKEYS_RESTRICT_ALL 0x1f

enum authkeys_type { AUTHKEYS_ED25519, AUTHKEYS_RSA };

/* expiry-time="YYYYMMDD[HHMM[SS]][Z]": Z means UTC, else local time. */
struct authkeys_time {
	int year, mon, day, hour, min, sec;
	bool utc;
};

struct authkeys_permit {
	const char *host;	/* "*" matches any host */
	int port;		/* -1 for "*" */
};

/*
 * One parsed line. Every string points into text, which holds the
 * unquoted values; the entry is self-contained and may be copied.
 */
struct authkeys_entry {
	enum authkeys_type type;
	const char *type_name;		/* "ssh-ed25519", "ssh-rsa" */
	unsigned char blob[AUTHKEYS_BLOB_MAX];	/* the key, decoded */
	size_t blob_len;
	int bits;			/* 256, or the RSA modulus size */
	unsigned flags;			/* enum authkeys_flag */
	const char *command;		/* command=, or NULL */
	const char *from;		/* from= pattern list, or NULL */
	struct authkeys_permit permitopen[AUTHKEYS_LIST_MAX];
	int npermitopen;
	const char *environment[AUTHKEYS_LIST_MAX];	/* "NAME=value" */
	int nenvironment;
	bool has_expiry;
	struct authkeys_time expiry;
	const char *comment;		/* "" when none */
	char text[AUTHKEYS_LINE_MAX + 1];
};

/*
 * Parses one line of an authorized_keys file (len bytes, a trailing "\n"
 * or "\r\n" allowed). Returns 1 for a key, 0 for a blank or comment line,
 * -1 with the reason in err ("unknown option \"foo\""); the caller adds
 * file:line. Accepted keys are ssh-ed25519 and ssh-rsa of 2048 bits or more.
 */
int authkeys_parse(const char *line, size_t len, struct authkeys_entry *e,
    char *err, size_t errlen);

/*
 * True when the from= pattern list admits the numeric address addr (IPv4
 * dotted or IPv6; callers unmap ::ffff:a.b.c.d first). Entries are
 * wildcard patterns ('*', '?') or CIDR blocks, '!' negates: a negated match
 * refuses whatever else matches. No name is looked up: a host name pattern
 * only matches an address written the same way.
 */
bool authkeys_from_match(const char *patterns, const char *addr);

/* True when e allows a forward to host:port (no permitopen= allows all). */
bool authkeys_permitopen_match(const struct authkeys_entry *e,
    const char *host, int port);

/*
 * True when e's expiry-time has passed at now (seconds since the epoch).
 * tz_offset_s is the local time's offset east of UTC, used when the time
 * has no Z. An entry without expiry-time never expires.
 */
bool authkeys_is_expired(const struct authkeys_entry *e, int64_t now,
    long tz_offset_s);

/* Seconds since the epoch of t read as UTC (no time zone applied). */
int64_t authkeys_time_utc(const struct authkeys_time *t);

/*
 * Decodes standard base64 (padding optional, no spaces) into out. Returns
 * the decoded length, or -1 when in is not base64 or does not fit.
 */
long authkeys_base64_decode(const char *in, size_t inlen, unsigned char *out,
    size_t outlen);

#endif
