/* SPDX-License-Identifier: ISC */
/*
 * Item key parsing (see zbx_key.h). One pass over the text, a state per
 * position: between parameters, inside quotes, inside an unquoted one.
 */
#include <string.h>

#include "monitor/zbx_key.h"

enum { AT_START, IN_QUOTED, IN_UNQUOTED };

struct out {
	char *p;
	char *end;
};

bool
zbx_key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int
put(struct out *o, char c)
{
	if (o->p >= o->end) {
		return -1;
	}
	*o->p++ = c;
	return 0;
}

/* Closes the current parameter and opens the next one. */
static int
next_param(struct zbx_key *key, struct out *o)
{
	if (put(o, '\0') == -1 || key->nparams >= ZBX_KEY_MAX_PARAMS) {
		return -1;
	}
	key->params[key->nparams] = o->p;
	key->types[key->nparams] = ZBX_PARAM_STRING;
	key->nparams++;
	return 0;
}

/* After a closing quote or bracket: spaces, then ',' or the end (or the
 * array's ']' when inside one). Returns the index of that character. */
static int
after_close(const char *t, size_t len, size_t i, bool in_array, size_t *next)
{
	while (i + 1 < len && t[i + 1] == ' ') {
		i++;
	}
	if (i + 1 < len && t[i + 1] != ',' && !(in_array && t[i + 1] == ']')) {
		return -1;
	}
	*next = i;
	return 0;
}

static int
at_start(struct zbx_key *key, struct out *o, const char *t, size_t len,
    size_t *ip, int *state, bool *array)
{
	size_t i = *ip;
	char c = t[i];

	if (c == ',') {
		return *array ? put(o, c) : next_param(key, o);
	}
	if (c == '"') {
		*state = IN_QUOTED;
		if (!*array) {
			key->types[key->nparams - 1] = ZBX_PARAM_QUOTED;
			return 0;
		}
		return put(o, c);
	}
	if (c == '[') {
		if (*array) {
			return -1;	/* arrays nest one level only */
		}
		*array = true;
		key->types[key->nparams - 1] = ZBX_PARAM_ARRAY;
		return 0;
	}
	if (c == ']') {
		if (!*array) {
			return -1;
		}
		*array = false;
		return after_close(t, len, i, false, ip);
	}
	if (c != ' ') {
		*state = IN_UNQUOTED;
		return put(o, c);
	}
	return 0;
}

static int
in_quoted(struct out *o, const char *t, size_t len, size_t *ip, int *state,
    bool array)
{
	size_t i = *ip;

	if (t[i] == '"') {
		if (array && put(o, '"') == -1) {
			return -1;
		}
		*state = AT_START;
		return after_close(t, len, i, array, ip);
	}
	if (t[i] == '\\' && i + 1 < len && t[i + 1] == '"') {
		if (array && put(o, '\\') == -1) {
			return -1;
		}
		*ip = i + 1;
		return put(o, '"');
	}
	return put(o, t[i]);
}

int
zbx_params_parse(const char *t, size_t len, struct zbx_key *key, char *store,
    size_t storelen)
{
	struct out o = { store, store + storelen };
	int state = AT_START, rc = 0;
	bool array = false;

	key->nparams = 1;
	key->params[0] = store;
	key->types[0] = ZBX_PARAM_STRING;
	for (size_t i = 0; i < len && rc == 0; i++) {
		if (t[i] == '\0') {
			return -1;
		}
		switch (state) {
		case AT_START:
			rc = at_start(key, &o, t, len, &i, &state, &array);
			break;
		case IN_QUOTED:
			rc = in_quoted(&o, t, len, &i, &state, array);
			break;
		default:
			if (t[i] == ',' || (t[i] == ']' && array)) {
				state = AT_START;
				i--;	/* the separator is read again */
			} else if (t[i] == ']') {
				rc = -1;
			} else {
				rc = put(&o, t[i]);
			}
			break;
		}
	}
	if (rc == -1 || state == IN_QUOTED || array || put(&o, '\0') == -1) {
		return -1;
	}
	return 0;
}

/* A key, or with rule an AllowKey/DenyKey rule, whose name may hold '*'. */
static int
parse_key(const char *text, size_t len, struct zbx_key *key, char *store,
    size_t storelen, bool rule)
{
	size_t n = 0;

	memset(key, 0, sizeof(*key));
	while (n < len && (zbx_key_char((unsigned char)text[n]) ||
	    (rule && text[n] == '*'))) {
		n++;
	}
	if (n == 0 || storelen < n + 1) {
		return -1;
	}
	memcpy(store, text, n);
	store[n] = '\0';
	key->name = store;
	if (n == len) {
		return 0;
	}
	if (text[n] != '[' || len < n + 2 || text[len - 1] != ']') {
		return -1;
	}
	return zbx_params_parse(text + n + 1, len - n - 2, key, store + n + 1,
	    storelen - n - 1);
}

int
zbx_key_parse(const char *text, size_t len, struct zbx_key *key, char *store,
    size_t storelen)
{
	return parse_key(text, len, key, store, storelen, false);
}

int
zbx_key_rule_parse(const char *text, size_t len, struct zbx_key *rule,
    char *store, size_t storelen)
{
	return parse_key(text, len, rule, store, storelen, true);
}

const char *
zbx_key_param(const struct zbx_key *key, int i)
{
	if (i < 0 || i >= key->nparams) {
		return "";
	}
	return key->params[i];
}

bool
zbx_key_rule_match(const struct zbx_key *rule, const struct zbx_key *key)
{
	int n = rule->nparams;

	if (n == 0 && strcmp(rule->name, "*") == 0) {
		return true;
	}
	if (!zbx_key_match(rule->name, key->name)) {
		return false;
	}
	if (n == 0 || key->nparams == 0) {
		return n == key->nparams;
	}
	if (strcmp(rule->params[n - 1], "*") == 0) {
		if (key->nparams < n - 1) {
			return false;
		}
		n--;
	} else if (key->nparams != n) {
		return false;
	}
	for (int i = 0; i < n; i++) {
		if (!zbx_key_match(rule->params[i], key->params[i])) {
			return false;
		}
	}
	return true;
}

bool
zbx_key_match(const char *pat, const char *text)
{
	const char *star = NULL, *resume = NULL;

	while (*text != '\0') {
		if (*pat == '*') {
			star = pat++;
			resume = text;
		} else if (*pat == *text) {
			pat++;
			text++;
		} else if (star != NULL) {
			pat = star + 1;
			text = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*') {
		pat++;
	}
	return *pat == '\0';
}
