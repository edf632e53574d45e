/* SPDX-License-Identifier: ISC */
/* Default signal dispositions; see sigdefault.h. */
#include <sys/syscall.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sigdefault.h"

int
sig_set_default(int sig)
{
	struct sigaction sa;
	/* An all-zero kernel sigaction is SIG_DFL, no flags, an empty mask,
	 * on every architecture; 32 bytes cover each one's layout. */
	unsigned long kernel_sa[4];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	if (sigaction(sig, &sa, NULL) == 0) {
		return 0;
	}
	if (errno != EINVAL || sig == SIGKILL || sig == SIGSTOP) {
		return -1;
	}
	memset(kernel_sa, 0, sizeof(kernel_sa));
	return syscall(SYS_rt_sigaction, sig, kernel_sa, NULL, 8) == 0 ? 0 : -1;
}
