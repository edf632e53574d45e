/* SPDX-License-Identifier: ISC */
/*
 * Users and groups from /etc/passwd and /etc/group, read directly and never
 * through NSS: PID 1 must not load NSS modules or ask a directory server
 * (the LDAP server may be the very service it is about to start). A number
 * is taken as an id and needs no entry.
 */
#ifndef VCORE_COMMON_USERDB_H
#define VCORE_COMMON_USERDB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define USERDB_MAX_GROUPS 64

struct userdb_user {
	uid_t uid;
	gid_t gid;
	char name[64];
	char home[256];
	char shell[256];
	gid_t groups[USERDB_MAX_GROUPS];	/* supplementary, gid included */
	int ngroups;
};

/*
 * Looks up name (or a decimal uid) in the passwd file at passwd_path and
 * its supplementary groups in group_path. A numeric uid without an entry
 * gets gid = uid, home "/" and no supplementary groups. Returns 0, or -1
 * with a reason in err.
 */
int userdb_user(const char *passwd_path, const char *group_path,
    const char *name, struct userdb_user *out, char *err, size_t errlen);

/* root as the passwd file has it, or uid and gid 0 with home /root when
 * the file lacks it (or gives no absolute home): where root's keys go. */
void userdb_root(const char *passwd_path, const char *group_path,
    struct userdb_user *out);

/* Looks up a group name (or a decimal gid). Returns 0 or -1 with err. */
int userdb_group(const char *group_path, const char *name, gid_t *gid,
    char *err, size_t errlen);

/*
 * Pure parsers of one line of each file, for tests and for the functions
 * above. Return true when the line is well formed and fills the fields.
 */
bool userdb_parse_passwd(const char *line, struct userdb_user *out);
bool userdb_parse_group_line(const char *line, char *name, size_t namelen,
    gid_t *gid, const char **members);
/* True when name is in the comma-separated members list. */
bool userdb_member(const char *members, const char *name);

#endif
