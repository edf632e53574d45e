# SPDX-License-Identifier: ISC
# The agent's own targets (included by the top Makefile):
#   make check-zabbix   vcinit's agent against a real Zabbix 6.0 server
#   make fuzz-agent     libFuzzer harnesses of the decoder, the key parser
#                       and the regular expressions
#   make bench-agent    passive-check benchmark against zabbix_agentd,
#                       zabbix_agent2 and the floor
# `make check` also installs zabbix_get and zabbix_agentd for the agent's
# integration tests (agent-deps).

FUZZ_SECONDS ?= 30
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -I. \
	-DVCORE_VERSION='"$(VERSION)"' -D_GNU_SOURCE

.PHONY: agent-deps check-zabbix fuzz-agent bench-agent
check: agent-deps

# zabbix-server-pgsql and zabbix-proxy-sqlite3 conflict, and both ship
# zabbix_get: the zabbix profile is needed only when a tool is missing.
agent-deps:
	@if ! command -v zabbix_get >/dev/null || \
	    ! command -v zabbix_agentd >/dev/null; then \
		scripts/deps.sh zabbix; fi

check-zabbix: all
	@scripts/deps.sh zabbix-server check
	@tests/zabbix/check-zabbix.sh

$(BUILD)/fuzz/agent_frame: tests/fuzz/agent_frame.c monitor/zbx_proto.c \
    common/buf.c
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -o $@ $^ -lz

$(BUILD)/fuzz/agent_key: tests/fuzz/agent_key.c monitor/zbx_key.c \
    monitor/agent_json.c
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -o $@ $^

$(BUILD)/fuzz/agent_regex: tests/fuzz/agent_regex.c monitor/zbx_regex.c
	@mkdir -p $(@D)
	clang $(FUZZ_FLAGS) -o $@ $^

fuzz-agent: $(BUILD)/fuzz/agent_frame $(BUILD)/fuzz/agent_key \
    $(BUILD)/fuzz/agent_regex
	@scripts/deps.sh check
	@mkdir -p $(BUILD)/fuzz/corpus-frame $(BUILD)/fuzz/corpus-key \
		$(BUILD)/fuzz/corpus-regex
	@printf 'ZBXD\001\012\000\000\000\000\000\000\000agent.ping' \
		>$(BUILD)/fuzz/corpus-frame/ping
	@printf 'vfs.file.regexp[/etc/passwd,"^root:[^,]*",[a,"b"]]' \
		>$(BUILD)/fuzz/corpus-key/key
	@printf '%s\n%s' '^(ERROR|WARN(ING)?):? [[:alpha:]]+ \d{1,3}\b.*$$' \
		'WARN: disk 42 full' >$(BUILD)/fuzz/corpus-regex/log
	@printf '%s\n%s' '(?i)^[^\s]+ (?:-[a-z]+ )*x{2,}?' 'sshd -D -f xxx' \
		>$(BUILD)/fuzz/corpus-regex/cmd
	$(BUILD)/fuzz/agent_frame -max_total_time=$(FUZZ_SECONDS) \
		-max_len=4096 $(BUILD)/fuzz/corpus-frame
	$(BUILD)/fuzz/agent_key -max_total_time=$(FUZZ_SECONDS) \
		-max_len=4096 $(BUILD)/fuzz/corpus-key
	$(BUILD)/fuzz/agent_regex -max_total_time=$(FUZZ_SECONDS) \
		-max_len=4096 -timeout=10 $(BUILD)/fuzz/corpus-regex

bench-agent: agent-deps
	@scripts/deps.sh check
	$(MAKE) static
	@bench/agent/run.sh
