/* SPDX-License-Identifier: ISC */
/*
 * The environment hooks and services see (DESIGN: Secrets, Environment):
 * secrets first, from the container's own variables only (NAME_FILE for a
 * name declared in secrets.d, FILE__NAME for any), then DIR/env.d's
 * defaults for the names the container left unset. Changes vcinit's own
 * environment, which every child inherits.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fdutil.h"
#include "common/log.h"
#include "magic/magic.h"

#define ENV_FILE_MAX_BYTES (1024 * 1024)
#define BUILTIN_SECRET "VCORE_AUTHORIZED_KEYS"

extern char **environ;

bool
magic_is_env_name(const char *name, size_t len)
{
	if (len == 0 || (name[0] >= '0' && name[0] <= '9')) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!(c == '_' || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			return false;
		}
	}
	return true;
}

/* Docker's env-file rules: "NAME=value" taken literally (no quotes are
 * removed), "#" comments, blank lines; leading blanks are ignored. */
int
magic_parse_env_line(const char *line, size_t len, const char **name,
    size_t *name_len, const char **value, size_t *value_len, char *err,
    size_t errlen)
{
	const char *eq;

	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (len > 0 && line[len - 1] == '\r') {
		len--;
	}
	*name_len = 0;
	if (len == 0 || line[0] == '#') {
		return 0;
	}
	eq = memchr(line, '=', len);
	if (eq == NULL) {
		snprintf(err, errlen, "expected NAME=value");
		return -1;
	}
	if (!magic_is_env_name(line, (size_t)(eq - line))) {
		snprintf(err, errlen, "\"%.*s\" is not a variable name",
		    (int)(eq - line > 64 ? 64 : eq - line), line);
		return -1;
	}
	*name = line;
	*name_len = (size_t)(eq - line);
	*value = eq + 1;
	*value_len = len - *name_len - 1;
	return 0;
}

size_t
magic_strip_newlines(const char *text, size_t len)
{
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
		len--;
	}
	return len;
}

bool
magic_is_secret(const struct magic *m, const char *name, size_t len)
{
	for (int i = 0; i < m->nsecrets; i++) {
		if (strlen(m->secrets[i]) == len &&
		    memcmp(m->secrets[i], name, len) == 0) {
			return true;
		}
	}
	return false;
}

static int
add_secret_name(struct magic *m, const char *name, size_t len)
{
	char **grown;

	if (magic_is_secret(m, name, len)) {
		return 0;
	}
	/* NULL-terminated, for the supervisor (supervisor.h). */
	grown = realloc(m->secrets, sizeof(char *) * (size_t)(m->nsecrets + 2));
	if (grown == NULL) {
		return -1;
	}
	m->secrets = grown;
	m->secrets[m->nsecrets] = strndup(name, len);
	if (m->secrets[m->nsecrets] == NULL) {
		return -1;
	}
	m->secrets[++m->nsecrets] = NULL;
	return 0;
}

/* Takes one line of a file of env.d or secrets.d. */
typedef int (*line_fn)(struct magic *m, const char *file, int lineno,
    const char *line, size_t len, struct buf *errors);

struct line_walk {
	struct magic *m;
	line_fn fn;
	struct buf *errors;
};

/* Calls w->fn on each line of the file at path. */
static int
each_line(const char *path, const char *name, void *arg)
{
	struct line_walk *w = arg;
	size_t len = 0;
	char *text = fd_read_file(path, ENV_FILE_MAX_BYTES, &len);
	int rc = 0, lineno = 0;

	(void)name;
	if (text == NULL) {
		buf_addf(w->errors, "%s: unable to read: %s\n", path,
		    strerror(errno));
		return -1;
	}
	for (size_t at = 0; at < len && rc == 0;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t line_len = nl != NULL ? (size_t)(nl - text) - at : len - at;

		rc = w->fn(w->m, path, ++lineno, text + at, line_len, w->errors);
		at += line_len + 1;
	}
	free(text);
	return rc;
}

/* Calls fn on each line of each file of DIR/sub (magic_each_file). */
static int
for_each_file_line(struct magic *m, const char *sub, line_fn fn,
    struct buf *errors)
{
	struct line_walk w = { m, fn, errors };
	size_t before = errors->len;

	if (magic_each_file(m, sub, each_line, &w) == 0) {
		return 0;
	}
	if (errors->len == before) {	/* the folder itself */
		buf_addf(errors, "%s/%s: unable to read: %s\n", m->dir, sub,
		    strerror(errno));
	}
	return -1;
}

static int
secret_name_line(struct magic *m, const char *file, int lineno,
    const char *line, size_t len, struct buf *errors)
{
	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
	    line[len - 1] == '\r')) {
		len--;
	}
	if (len == 0 || line[0] == '#') {
		return 0;
	}
	if (!magic_is_env_name(line, len)) {
		buf_addf(errors, "%s:%d: \"%.*s\" is not a variable name\n",
		    file, lineno, (int)(len > 64 ? 64 : len), line);
		return -1;
	}
	if (add_secret_name(m, line, len) == -1) {
		buf_addf(errors, "%s:%d: out of memory\n", file, lineno);
		return -1;
	}
	return 0;
}

/* Reads the file a secret variable names into NAME. */
static int
load_secret(const char *name, const char *via, const char *path,
    struct buf *errors)
{
	size_t len = 0;
	char *text = fd_read_file(path, MAGIC_SECRET_MAX_BYTES, &len);
	int rc = -1;

	if (text == NULL) {
		buf_addf(errors, "%s: unable to read %s: %s\n", via, path,
		    errno == EFBIG ? "larger than 64 KiB" : strerror(errno));
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		buf_addf(errors, "%s: %s holds a NUL byte\n", via, path);
	} else {
		text[magic_strip_newlines(text, len)] = '\0';
		if (setenv(name, text, 1) == 0 && unsetenv(via) == 0) {
			rc = 0;
		} else {
			buf_addf(errors, "%s: %s\n", via, strerror(errno));
		}
	}
	explicit_bzero(text, len);
	free(text);
	return rc;
}

/* How many of NAME, NAME_FILE and FILE__NAME the container set. */
static int
count_forms(const char *name)
{
	char form[300];
	int n = getenv(name) != NULL;

	snprintf(form, sizeof(form), "%s_FILE", name);
	n += getenv(form) != NULL;
	snprintf(form, sizeof(form), "FILE__%s", name);
	return n + (getenv(form) != NULL);
}

/* One NAME_FILE or FILE__NAME variable of the container, if it is one. */
static int
resolve_variable(struct magic *m, const char *entry, struct buf *errors)
{
	const char *eq = strchr(entry, '=');
	size_t len = eq != NULL ? (size_t)(eq - entry) : 0;
	char name[256], via[300];

	if (len > 6 && len - 6 < sizeof(name) &&
	    strncmp(entry, "FILE__", 6) == 0) {
		snprintf(name, sizeof(name), "%.*s", (int)(len - 6), entry + 6);
	} else if (len > 5 && len - 5 < sizeof(name) &&
	    strncmp(entry + len - 5, "_FILE", 5) == 0 &&
	    magic_is_secret(m, entry, len - 5)) {
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), entry);
	} else {
		return 0;
	}
	snprintf(via, sizeof(via), "%.*s", (int)len, entry);
	if (!magic_is_env_name(name, strlen(name))) {
		return 0;
	}
	if (count_forms(name) > 1) {
		buf_addf(errors, "%s: more than one of %s, %s_FILE and "
		    "FILE__%s is set\n", name, name, name, name);
		return -1;
	}
	return load_secret(name, via, eq + 1, errors);
}

static bool
is_file_form(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq != NULL && (strncmp(entry, "FILE__", 6) == 0 ||
	    (eq - entry > 5 && strncmp(eq - 5, "_FILE", 5) == 0));
}

static int
resolve_secrets(struct magic *m, struct buf *errors)
{
	char **forms = NULL;
	int n = 0, rc = 0;

	/* Resolving edits environ: work on a copy of the candidates. */
	for (char **e = environ; *e != NULL && rc == 0; e++) {
		char **grown;

		if (!is_file_form(*e)) {
			continue;
		}
		grown = realloc(forms, sizeof(char *) * (size_t)(n + 1));
		if (grown == NULL || (grown[n] = strdup(*e)) == NULL) {
			rc = -1;
		}
		forms = grown != NULL ? grown : forms;
		n += rc == 0;
	}
	for (int i = 0; i < n; i++) {
		if (rc == 0) {
			rc = resolve_variable(m, forms[i], errors);
		}
		free(forms[i]);
	}
	free(forms);
	return rc;
}

static int
env_default_line(struct magic *m, const char *file, int lineno,
    const char *line, size_t len, struct buf *errors)
{
	size_t name_len = 0, value_len = 0;
	const char *name_at = NULL, *value = NULL;
	char err[128], *name;
	int rc = 0;

	(void)m;
	if (magic_parse_env_line(line, len, &name_at, &name_len, &value,
	    &value_len, err, sizeof(err)) == -1) {
		buf_addf(errors, "%s:%d: %s\n", file, lineno, err);
		return -1;
	}
	if (name_len == 0) {
		return 0;
	}
	name = strndup(name_at, name_len);
	if (name == NULL) {
		return -1;
	}
	if (getenv(name) == NULL) {
		char *v = strndup(value, value_len);

		rc = v != NULL && setenv(name, v, 0) == 0 ? 0 : -1;
		free(v);
	}
	free(name);
	return rc;
}

int
magic_environment(struct magic *m, struct buf *errors)
{
	if (add_secret_name(m, BUILTIN_SECRET, strlen(BUILTIN_SECRET)) == -1 ||
	    for_each_file_line(m, "secrets.d", secret_name_line, errors) == -1) {
		return -1;
	}
	if (resolve_secrets(m, errors) == -1) {
		return -1;
	}
	return for_each_file_line(m, "env.d", env_default_line, errors);
}

/* True when the text at p ("${NAME" or "$NAME") names a declared secret. */
static bool
names_secret(const struct magic *m, const char *p, size_t *len)
{
	const char *name = p + (p[1] == '{' ? 2 : 1);
	size_t n = 0;

	while (magic_is_env_name(name, n + 1)) {
		n++;
	}
	*len = n;
	return n > 0 && magic_is_secret(m, name, n);
}

int
magic_check_config_secrets(const struct magic *m, const char *path,
    struct buf *errors)
{
	char *text = fd_read_file(path, ENV_FILE_MAX_BYTES, NULL);
	int line = 1, rc = 0;

	if (text == NULL) {
		return 0;	/* the config loader reports it */
	}
	for (const char *p = text; *p != '\0'; p++) {
		size_t len;

		if (*p == '\n') {
			line++;
		} else if (*p == '$' && p[1] == '{' && names_secret(m, p, &len)) {
			buf_addf(errors, "%s:%d: ${%.*s} is a secret: the agent "
			    "and vcsshd, which read this file, never see "
			    "secrets\n", path, line, (int)len, p + 2);
			rc = -1;
		}
	}
	free(text);
	return rc;
}
