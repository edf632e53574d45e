/* SPDX-License-Identifier: ISC */
/* Users and groups without NSS; see userdb.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdutil.h"
#include "userdb.h"

#define USERDB_MAX_FILE (16 * 1024 * 1024)

static bool
parse_id(const char *s, size_t len, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 10) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 0xfffffffeUL) {
		return false;
	}
	*out = v;
	return true;
}

static bool
copy_field(char *dst, size_t dstlen, const char *src, size_t len)
{
	if (len >= dstlen) {
		return false;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return true;
}

/* Splits line (up to its newline) into at most max colon-separated fields;
 * the last field runs to the end. Returns the number of fields found. */
static int
split_fields(const char *line, const char **start, size_t *len, int max)
{
	const char *p = line, *end = line + strcspn(line, "\n");
	int n = 0;

	while (n < max) {
		const char *colon = n == max - 1 ? NULL
		    : memchr(p, ':', (size_t)(end - p));

		start[n] = p;
		if (colon == NULL) {
			len[n++] = (size_t)(end - p);
			break;
		}
		len[n++] = (size_t)(colon - p);
		p = colon + 1;
	}
	return n;
}

bool
userdb_parse_passwd(const char *line, struct userdb_user *out)
{
	const char *f[7];
	size_t l[7];
	unsigned long uid, gid;

	if (split_fields(line, f, l, 7) != 7) {
		return false;
	}
	if (!parse_id(f[2], l[2], &uid) || !parse_id(f[3], l[3], &gid)) {
		return false;
	}
	if (!copy_field(out->name, sizeof(out->name), f[0], l[0]) ||
	    !copy_field(out->home, sizeof(out->home), f[5], l[5]) ||
	    !copy_field(out->shell, sizeof(out->shell), f[6], l[6])) {
		return false;
	}
	out->uid = (uid_t)uid;
	out->gid = (gid_t)gid;
	return l[0] > 0;
}

bool
userdb_parse_group_line(const char *line, char *name, size_t namelen,
    gid_t *gid, const char **members)
{
	const char *f[4];
	size_t l[4];
	unsigned long id;

	if (split_fields(line, f, l, 4) != 4) {
		return false;
	}
	if (!parse_id(f[2], l[2], &id) || l[0] == 0 ||
	    !copy_field(name, namelen, f[0], l[0])) {
		return false;
	}
	*gid = (gid_t)id;
	*members = f[3];
	return true;
}

bool
userdb_member(const char *members, const char *name)
{
	size_t n = strlen(name);
	const char *p = members;

	while (*p != '\0' && *p != '\n') {
		size_t len = strcspn(p, ",\n");

		if (len == n && memcmp(p, name, n) == 0) {
			return true;
		}
		p += len;
		if (*p == ',') {
			p++;
		}
	}
	return false;
}

/* Calls fn for each line of path; stops when fn returns true. Returns 1 when
 * fn stopped it, 0 at the end, -1 when the file cannot be read. */
static int
each_line(const char *path, bool (*fn)(const char *line, void *arg),
    void *arg)
{
	char *text = fd_read_file(path, USERDB_MAX_FILE, NULL);
	int found = 0;

	if (text == NULL) {
		return -1;
	}
	for (char *p = text; *p != '\0';) {
		char *nl = strchr(p, '\n');

		if (nl != NULL) {
			*nl = '\0';
		}
		if (*p != '#' && fn(p, arg)) {
			found = 1;
			break;
		}
		if (nl == NULL) {
			break;
		}
		p = nl + 1;
	}
	free(text);
	return found;
}

struct user_search {
	const char *name;
	bool by_id;
	uid_t uid;
	struct userdb_user *out;
};

static bool
match_user(const char *line, void *arg)
{
	struct user_search *s = arg;
	struct userdb_user u;

	if (!userdb_parse_passwd(line, &u)) {
		return false;
	}
	if (s->by_id ? u.uid == s->uid : strcmp(u.name, s->name) == 0) {
		*s->out = u;
		return true;
	}
	return false;
}

static bool
add_member_group(const char *line, void *arg)
{
	struct userdb_user *u = arg;
	char name[64];
	gid_t gid;
	const char *members;

	if (!userdb_parse_group_line(line, name, sizeof(name), &gid, &members)) {
		return false;
	}
	if (gid != u->gid && u->ngroups < USERDB_MAX_GROUPS &&
	    userdb_member(members, u->name)) {
		u->groups[u->ngroups++] = gid;
	}
	return false;
}

int
userdb_user(const char *passwd_path, const char *group_path,
    const char *name, struct userdb_user *out, char *err, size_t errlen)
{
	struct user_search s = { .name = name, .out = out };
	unsigned long id = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	s.by_id = parse_id(name, strlen(name), &id);
	s.uid = (uid_t)id;
	rc = each_line(passwd_path, match_user, &s);
	if (rc <= 0 && s.by_id) {
		/* A bare uid needs no entry (DESIGN: "a number needs no passwd
		 * entry"): its group is the same number. */
		out->uid = (uid_t)id;
		out->gid = (gid_t)id;
		snprintf(out->name, sizeof(out->name), "%lu", id);
		snprintf(out->home, sizeof(out->home), "/");
		snprintf(out->shell, sizeof(out->shell), "/bin/sh");
	} else if (rc == 0) {
		snprintf(err, errlen, "unknown user '%.64s' (not in %s)", name,
		    passwd_path);
		return -1;
	} else if (rc < 0) {
		snprintf(err, errlen, "cannot read %s: %s", passwd_path,
		    strerror(errno));
		return -1;
	}
	out->groups[0] = out->gid;
	out->ngroups = 1;
	/* A missing group file only means no supplementary groups. */
	(void)each_line(group_path, add_member_group, out);
	return 0;
}

struct group_search {
	const char *name;
	gid_t gid;
};

static bool
match_group(const char *line, void *arg)
{
	struct group_search *s = arg;
	char name[64];
	gid_t gid;
	const char *members;

	if (userdb_parse_group_line(line, name, sizeof(name), &gid, &members) &&
	    strcmp(name, s->name) == 0) {
		s->gid = gid;
		return true;
	}
	return false;
}

int
userdb_group(const char *group_path, const char *name, gid_t *gid,
    char *err, size_t errlen)
{
	struct group_search s = { .name = name };
	unsigned long id;
	int rc;

	if (parse_id(name, strlen(name), &id)) {
		*gid = (gid_t)id;
		return 0;
	}
	rc = each_line(group_path, match_group, &s);
	if (rc == 1) {
		*gid = s.gid;
		return 0;
	}
	if (rc == 0) {
		snprintf(err, errlen, "unknown group '%.64s' (not in %s)", name,
		    group_path);
	} else {
		snprintf(err, errlen, "cannot read %s: %s", group_path,
		    strerror(errno));
	}
	return -1;
}

void
userdb_root(const char *passwd_path, const char *group_path,
    struct userdb_user *out)
{
	char err[256];

	if (userdb_user(passwd_path, group_path, "root", out, err,
	    sizeof(err)) == 0 && out->home[0] == '/') {
		return;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "root");
	snprintf(out->home, sizeof(out->home), "/root");
}
