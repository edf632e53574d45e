/* SPDX-License-Identifier: ISC */
/*
 * A small JSON reader for what the agent receives: the server's replies to
 * "active checks" and "agent data", and vcinit's `status --json`. Pure:
 * the text is split into tokens in an array the caller gives (or counted
 * first, with toks NULL); strings are unescaped on request.
 */
#ifndef VCORE_MONITOR_AGENT_JSON_H
#define VCORE_MONITOR_AGENT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type { JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_PRIMITIVE };

struct json_tok {
	enum json_type type;
	size_t start;		/* strings: after the opening quote */
	size_t end;		/* strings: at the closing quote */
	int size;		/* members of an object, elements of an array */
	int next;		/* index of the first token after this value */
};

#define JSON_MAX_DEPTH 16

/*
 * Tokenizes one JSON value (surrounding white space allowed). With toks
 * NULL only counts. Returns the number of tokens, or -1 when the text is
 * not JSON or needs more than max tokens.
 */
int json_parse(const char *s, size_t len, struct json_tok *toks, int max);

/* The value of member name of the object at index obj, or -1. */
int json_get(const char *s, const struct json_tok *t, int obj,
    const char *name);

/*
 * Copies the string (or primitive) at index i into out, unescaped and
 * NUL-terminated; \u escapes become UTF-8. Returns 0, or -1 when it is not
 * a string or primitive or does not fit.
 */
int json_string(const char *s, const struct json_tok *t, int i, char *out,
    size_t outlen);

/* Parses a number (a primitive, or a string holding one). 0 or -1. */
int json_int64(const char *s, const struct json_tok *t, int i, int64_t *v);

/* True when token i is the string (or primitive) text. */
bool json_eq(const char *s, const struct json_tok *t, int i,
    const char *text);

#endif
