/* SPDX-License-Identifier: ISC */
/*
 * The regular expressions of log[], logrt[] and proc.num: POSIX ERE plus
 * what Zabbix users write because Zabbix uses PCRE (\d \w \s and their
 * negations, \b, (?:...), a leading (?i)). Pure: a pattern compiles into
 * a struct the caller owns, with fixed bounds on its size, and matching is
 * a Thompson NFA simulation, so its work is at most (program size) x
 * (text length + 1) steps whatever the pattern. The only question answered
 * is "does it match anywhere" (REG_NOSUB).
 */
#ifndef VCORE_MONITOR_ZBX_REGEX_H
#define VCORE_MONITOR_ZBX_REGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZBX_RE_MAX_PATTERN	1024	/* bytes of pattern */
#define ZBX_RE_MAX_INSTS	2048	/* instructions of the program */
#define ZBX_RE_MAX_CLASSES	256	/* distinct bracket expressions */
#define ZBX_RE_MAX_REPEAT	1000	/* m and n of {m,n} */
#define ZBX_RE_MAX_DEPTH	64	/* nested groups */
#define ZBX_RE_NODES		(2 * ZBX_RE_MAX_PATTERN + 4)

/* What follows is private to zbx_regex.c: the caller only allocates it. */
struct zbx_re_inst {
	uint8_t op;
	uint8_t arg;		/* a byte, or which assertion */
	uint16_t x;		/* a class, or a jump target */
	uint16_t y;		/* the second target of a split */
};

struct zbx_re_node {
	uint8_t type;
	uint8_t c;
	uint16_t a;		/* first child */
	uint16_t next;		/* the next in a sequence or alternation */
	uint16_t min;
	uint16_t max;
};

struct zbx_regex {
	int ninsts;
	int nclasses;
	bool anchored;		/* a match can only start at offset 0 */
	uint32_t gen;		/* the matcher's current mark */
	struct zbx_re_inst insts[ZBX_RE_MAX_INSTS];
	uint8_t classes[ZBX_RE_MAX_CLASSES][32];
	union {
		struct zbx_re_node nodes[ZBX_RE_NODES];	/* compiling */
		struct {
			uint16_t list[2][ZBX_RE_MAX_INSTS];
			uint16_t stack[ZBX_RE_MAX_INSTS];
			uint32_t mark[ZBX_RE_MAX_INSTS];
		} run;					/* matching */
	} work;
};

/*
 * Compiles the NUL-terminated pattern into re (about 40 KB: allocate it,
 * do not put it on a small stack). Returns 0, or -1 with a reason in err
 * such as "missing closing parenthesis at offset 4". The pattern is not
 * kept: re stands alone.
 */
int zbx_regex_compile(struct zbx_regex *re, const char *pattern, char *err,
    size_t errlen);

/*
 * True when the compiled re matches somewhere in the len bytes of text
 * (NUL bytes included). Uses re's working memory: one match at a time
 * per struct.
 */
bool zbx_regex_match(struct zbx_regex *re, const char *text, size_t len);

/* The same for a NUL-terminated text. */
bool zbx_regex_match_str(struct zbx_regex *re, const char *text);

#endif
