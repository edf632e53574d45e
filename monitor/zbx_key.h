/* SPDX-License-Identifier: ISC */
/*
 * Item keys as Zabbix writes them: name[param,"quoted \" param",[array]].
 * Pure: the parser copies the parameters into storage the caller gives and
 * never allocates. The rules follow zabbix_agentd 6.0: leading spaces of a
 * parameter are dropped, trailing ones kept unless it is quoted, \" is the
 * only escape inside quotes, and an array is one level deep.
 */
#ifndef VCORE_MONITOR_ZBX_KEY_H
#define VCORE_MONITOR_ZBX_KEY_H

#include <stdbool.h>
#include <stddef.h>

#define ZBX_KEY_MAX_PARAMS	64
#define ZBX_KEY_MAX_LEN		2048	/* items.key_ is varchar(2048) */

enum zbx_param_type { ZBX_PARAM_STRING, ZBX_PARAM_QUOTED, ZBX_PARAM_ARRAY };

struct zbx_key {
	const char *name;	/* NUL-terminated, in storage */
	int nparams;		/* 0: no brackets; "key[]" has one, empty */
	const char *params[ZBX_KEY_MAX_PARAMS];
	enum zbx_param_type types[ZBX_KEY_MAX_PARAMS];
};

/* True for the characters a key name is made of: [0-9a-zA-Z_.-]. */
bool zbx_key_char(unsigned char c);

/*
 * Parses len bytes of text into key; names and parameters are copied into
 * store (2 * len + 2 bytes are always enough). Returns 0, or -1 when the
 * text is not a valid key ("Invalid item key format.").
 */
int zbx_key_parse(const char *text, size_t len, struct zbx_key *key,
    char *store, size_t storelen);

/* The same for an AllowKey/DenyKey rule: its name may hold '*'. */
int zbx_key_rule_parse(const char *text, size_t len, struct zbx_key *rule,
    char *store, size_t storelen);

/* Parameter i, or "" when the key has fewer. */
const char *zbx_key_param(const struct zbx_key *key, int i);

/*
 * Splits a parameter list written without the key name and brackets (the
 * inside of [...]) the same way. Used for the `[*]` of user parameters.
 */
int zbx_params_parse(const char *text, size_t len, struct zbx_key *key,
    char *store, size_t storelen);

/*
 * True when text matches a wildcard pattern: '*' matches any run of
 * characters, everything else itself.
 */
bool zbx_key_match(const char *pattern, const char *text);

/*
 * True when key matches the AllowKey/DenyKey rule, both parsed, as
 * zabbix_agentd 6.0 matches them: the names by wildcard, then parameter
 * by parameter once unquoted (so "/etc/x", "/etc/x" and " /etc/x" are one
 * value), a last parameter "*" standing for all the remaining ones (even
 * none); a rule without brackets matches only keys without them, except
 * "*" alone, which matches every key.
 */
bool zbx_key_rule_match(const struct zbx_key *rule, const struct zbx_key *key);

#endif
