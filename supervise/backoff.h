/* SPDX-License-Identifier: ISC */
/* The restart schedule of a failing service. Pure. */
#ifndef VCORE_SUPERVISE_BACKOFF_H
#define VCORE_SUPERVISE_BACKOFF_H

#include <stdint.h>

/*
 * The delay before the restart that follows the failures-th consecutive
 * failure: the first restart is immediate, then base_ms, doubling each
 * time, never more than max_ms. A crash loop thus costs a fork every
 * max_ms at worst, and PID 1 never spins.
 */
int64_t backoff_delay_ms(int failures, int64_t base_ms, int64_t max_ms);

#endif
