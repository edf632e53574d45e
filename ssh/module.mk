# SPDX-License-Identifier: ISC
# vcsshd's targets, included by the top Makefile.
#   make check-ssh   vcsshd's unit and integration tests only
#   make bench-ssh   vcsshd against OpenSSH's sshd and dropbear (static build)
# `make check` also installs the ssh profile (sshd, dropbear, ssh-audit,
# tmux, sftp-server), which the ssh_*.sh tests use; without it they skip.

SSH_UNIT_BINS := $(OUT)/tests/check_authkeys $(OUT)/tests/check_ssh
SSH_TESTS := $(patsubst tests/integration/%.sh,%,\
	$(wildcard tests/integration/ssh_*.sh))

.PHONY: check-ssh bench-ssh ssh-deps static-vcsshd

ssh-deps:
	@scripts/deps.sh ssh

check: ssh-deps

check-ssh: deps ssh-deps
	@scripts/deps.sh check
	$(MAKE) $(OUT)/vcsshd $(SSH_UNIT_BINS)
	@rc=0; for t in $(SSH_UNIT_BINS); do \
		out=$$($$t 2>&1) || { rc=1; echo "$$out"; }; \
		echo "$$out" | tail -n 1; done; \
		tests/run-all.sh integration $(SSH_TESTS) || rc=1; exit $$rc

# vcsshd alone, static (make static also builds vcinit).
static-vcsshd:
	@scripts/deps.sh static
	@scripts/static-deps.sh $(MUSL_PREFIX) zlib confuse mbedtls libssh openssh
	$(MAKE) MODE=static $(BUILD)/vcsshd
	@if [ -x $(MUSL_PREFIX)/libexec/sftp-server ]; then \
		cp $(MUSL_PREFIX)/libexec/sftp-server $(BUILD)/sftp-server; fi

bench-ssh: ssh-deps static-vcsshd
	@bench/ssh/run.sh
