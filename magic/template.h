/* SPDX-License-Identifier: ISC */
/*
 * Templates of the magic stage: tmpl_render expands ${NAME}, ${NAME:-default}
 * and ${NAME:?message} in a buffer (pure logic, template.c); tmpl_render_dir
 * renders a folder of *.tmpl files onto the file system (render.c).
 */
#ifndef VCORE_MAGIC_TEMPLATE_H
#define VCORE_MAGIC_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

struct tmpl_ctx {
	/* Value of NAME (name[0..len), not NUL-terminated), or NULL when
	 * unset. */
	const char *(*lookup)(const char *name, size_t len, void *arg);
	/* An undefined ${NAME} without default at line: rendered empty.
	 * May be NULL. */
	void (*warn_undefined)(int line, const char *name, size_t len,
	    void *arg);
	void *arg;
};

/*
 * Renders src[0..len) (binary-safe, may hold NUL bytes), appending to out.
 *   ${NAME}            the value; unset is rendered empty (warn_undefined)
 *   ${NAME:-default}   default when NAME is unset or empty, as in sh
 *   ${NAME:?message}   an error "NAME: message" when unset or empty
 *   $$                 a literal $
 *   $ then anything else ($HOME, $1, a $ at the end) is copied as it is, so
 *   shell scripts survive.
 * NAME is [A-Za-z_][A-Za-z0-9_]*. A default or message is literal text up
 * to the first "}" on the same line: there is no nesting, so
 * "${A:-${B}}" gives "${B" then "}" when A is unset.
 * Returns 0, or -1 with err set (a malformed placeholder, the message of
 * ${NAME:?message}, "out of memory") and *err_line the 1-based line of the
 * problem (0 when it has none). Messages name variables, never their
 * values. On error out holds a partial rendering: the caller drops it.
 */
int tmpl_render(const char *src, size_t len, const struct tmpl_ctx *ctx,
    struct buf *out, int *err_line, char *err, size_t errlen);

struct tmpl_report {
	int rendered;		/* files written */
	int unchanged;		/* already held the same bytes, mode, owner */
	int skipped;		/* persisted targets, left alone */
	struct buf targets;	/* "path\n" per file written */
};

/*
 * Renders every regular file under tmpl_dir whose name ends in ".tmpl"
 * (recursively, in strcmp order at each level) to root plus its relative
 * path without ".tmpl": root "/" and tmpl_dir/etc/x.conf.tmpl give
 * /etc/x.conf. Values come from the environment (getenv). Symbolic links to
 * files are followed; symbolic links to folders are not entered.
 * A target for which skip(target, skip_arg) is true is not written (a
 * persisted path). A target is written atomically (a temporary file, then
 * rename) with the template's mode and owner, and left alone when it holds
 * the same already. Its folder must exist; a target that is a symbolic link
 * is refused.
 * A missing tmpl_dir is nothing to do. Returns 0, or -1 after appending
 * "TEMPLATE:LINE: message\n" (or "TEMPLATE: message\n") to errors; the walk
 * stops at the first error, and no partial file is left. rep is filled in
 * (zero it first); tmpl_report_free frees it.
 */
int tmpl_render_dir(const char *tmpl_dir, const char *root,
    bool (*skip)(const char *target, void *arg), void *skip_arg,
    struct tmpl_report *rep, struct buf *errors);
void tmpl_report_free(struct tmpl_report *rep);

#endif
