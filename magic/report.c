/* SPDX-License-Identifier: ISC */
/*
 * What magic did on this boot, for `vcctl status` (text and JSON). Apart
 * from the rest of magic: the static build drops magic's code from PID 1's
 * memory once the services run (init/vcinit.ld), and this part is asked
 * for at any time (the agent reads status --json).
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "magic/magic.h"

static const char *
hook_outcome(const struct hook_result *h, char *buf, size_t len)
{
	if (!h->started) {
		return "not run";
	}
	if (!h->finished) {
		return "running";
	}
	if (h->timed_out) {
		return "timed out";
	}
	if (WIFSIGNALED(h->status)) {
		snprintf(buf, len, "killed by signal %d", WTERMSIG(h->status));
	} else {
		snprintf(buf, len, "exited %d", WEXITSTATUS(h->status));
	}
	return buf;
}

static void
hooks_text(const struct hookrun *hr, struct buf *out)
{
	char how[64];

	for (int i = 0; i < hr->nhooks; i++) {
		const struct hook_result *h = &hr->hooks[i];

		buf_addf(out, "  %-28s %-20s %lld ms\n", h->name,
		    hook_outcome(h, how, sizeof(how)), (long long)h->elapsed_ms);
	}
}

void
magic_status_text(const struct magic *m, struct buf *out)
{
	buf_addf(out, "\nmagic: %.1f ms; %d template%s rendered, %d unchanged, "
	    "%d skipped (persisted); %d key%s for root; %d path%s persisted "
	    "on %s\n", (double)m->elapsed_ns / 1e6, m->templates.rendered,
	    m->templates.rendered == 1 ? "" : "s", m->templates.unchanged,
	    m->templates.skipped, m->nkeys, m->nkeys == 1 ? "" : "s",
	    m->npersisted, m->npersisted == 1 ? "" : "s",
	    m->persist_dir != NULL ? m->persist_dir : "-");
	hooks_text(&m->boot, out);
	hooks_text(&m->finish, out);
}

static void
hooks_json(const struct hookrun *hr, struct buf *out, bool *first)
{
	char how[64];

	for (int i = 0; i < hr->nhooks; i++) {
		const struct hook_result *h = &hr->hooks[i];

		buf_adds(out, *first ? "{\"name\":" : ",{\"name\":");
		*first = false;
		buf_add_json_str(out, h->name);
		buf_adds(out, ",\"outcome\":");
		buf_add_json_str(out, hook_outcome(h, how, sizeof(how)));
		buf_addf(out, ",\"status\":%d,\"elapsed_ms\":%lld}",
		    !h->finished ? -1 : h->timed_out ? MAGIC_TIMEOUT_STATUS :
		    WIFSIGNALED(h->status) ? 128 + WTERMSIG(h->status) :
		    WEXITSTATUS(h->status), (long long)h->elapsed_ms);
	}
}

void
magic_status_json(const struct magic *m, struct buf *out)
{
	bool first = true;
	const char *t = m->templates.targets.data;

	buf_addf(out, "{\"elapsed_ms\":%.3f,\"files_ms\":%.3f,\"templates\":%d,"
	    "\"templates_unchanged\":%d,\"templates_skipped\":%d,"
	    "\"root_keys\":%d,\"persist_dir\":", (double)m->elapsed_ns / 1e6,
	    (double)m->files_ns / 1e6, m->templates.rendered,
	    m->templates.unchanged, m->templates.skipped, m->nkeys);
	buf_add_json_str(out, m->persist_dir != NULL ? m->persist_dir : "");
	buf_adds(out, ",\"rendered\":[");
	for (size_t at = 0; t != NULL && at < m->templates.targets.len;) {
		size_t n = strcspn(t + at, "\n");
		char *one = strndup(t + at, n);

		buf_adds(out, at > 0 ? "," : "");
		buf_add_json_str(out, one != NULL ? one : "");
		free(one);
		at += n + 1;
	}
	buf_adds(out, "],\"hooks\":[");
	hooks_json(&m->boot, out, &first);
	hooks_json(&m->finish, out, &first);
	buf_adds(out, "]}");
}
