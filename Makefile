# SPDX-License-Identifier: ISC
# vcore: one GNU Makefile.
#   make          build/vcinit (and build/vcsshd) against the system's libraries
#   make static   the same programs, static with musl, from pinned sources
#   make check    every test (unit, ASan/UBSan, integration)
#   make demo     vcinit as PID 1 of a private PID namespace on examples/
#   make bench    side-by-side benchmarks against the tools users pick instead
# Each target installs the packages it needs (scripts/deps.sh).

VERSION := 0.1.0
BUILD := build
VCORE_CACHE ?= $(HOME)/.cache/vcore
MUSL_PREFIX := $(VCORE_CACHE)/musl
SHELL := /bin/bash

WARN := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wformat=2 \
	-Wmissing-prototypes -Wno-missing-field-initializers -Wno-format-truncation
ifeq ($(CI),true)
WARN += -Werror
endif
CPPFLAGS_ALL := -I. -DVCORE_VERSION='"$(VERSION)"'

# MODE picks the flavour: dynamic (default), static (musl) or asan.
MODE ?= dynamic
ifeq ($(MODE),static)
CC := musl-gcc
OBJ := $(BUILD)/obj-static
OPT := -Os -flto -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
CPPFLAGS_ALL += -I$(MUSL_PREFIX)/include
LDMODE := -static -Wl,--gc-sections -L$(MUSL_PREFIX)/lib
OUT := $(BUILD)
else ifeq ($(MODE),asan)
OBJ := $(BUILD)/obj-asan
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDMODE := -fsanitize=address,undefined
OUT := $(BUILD)/asan
else
OBJ := $(BUILD)/obj
OPT := -O2 -g
LDMODE :=
OUT := $(BUILD)
endif

VCINIT_LIBS := -lconfuse -lz
VCSSHD_LIBS := -lssh -lconfuse -lz
ifeq ($(MODE),static)
VCSSHD_LIBS := -lssh -lmbedcrypto -lconfuse -lz -lpthread
endif

# Code PID 1 never runs, or runs only at boot (magic). The static build
# places it apart (init/vcinit.ld), which needs real objects: these are
# compiled without -flto.
COLD_SRCS := $(wildcard monitor/*.c) $(filter-out magic/report.c,\
	$(wildcard magic/*.c)) supervise/ctl.c supervise/probe.c common/authkeys.c

COMMON_SRCS := $(wildcard common/*.c)
VCINIT_SRCS := $(wildcard init/*.c supervise/*.c magic/*.c monitor/*.c)
VCSSHD_SRCS := $(wildcard ssh/*.c)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(OBJ)/%.o)
VCINIT_OBJS := $(VCINIT_SRCS:%.c=$(OBJ)/%.o)
VCSSHD_OBJS := $(VCSSHD_SRCS:%.c=$(OBJ)/%.o)
UNIT_SRCS := $(wildcard tests/unit/check_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/%)

PROGRAMS := $(OUT)/vcinit $(OUT)/vcctl
ifneq ($(VCSSHD_SRCS),)
PROGRAMS += $(OUT)/vcsshd
endif

.PHONY: all static asan deps check unit unit-bins integration demo bench clean
all: deps $(PROGRAMS)

deps:
	@scripts/deps.sh build

ifeq ($(MODE),static)
$(COLD_SRCS:%.c=$(OBJ)/%.o): OPT := $(filter-out -flto,$(OPT))
VCINIT_LAYOUT := -Wl,-T,init/vcinit.ld
endif

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(WARN) $(OPT) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(COMMON_OBJS:.o=.d) $(VCINIT_OBJS:.o=.d) $(VCSSHD_OBJS:.o=.d)

# Everything but main, for the unit tests.
$(OBJ)/libvcinit.a: $(COMMON_OBJS) $(filter-out $(OBJ)/init/main.o,$(VCINIT_OBJS))
	@rm -f $@
	ar rcs $@ $^
$(OBJ)/libvcsshd.a: $(filter-out $(OBJ)/ssh/main.o,$(VCSSHD_OBJS))
	@rm -f $@
	ar rcs $@ $^

# A program built in another mode is stale even when newer than our objects.
$(BUILD)/.mode-$(MODE):
	@mkdir -p $(BUILD)
	@rm -f $(BUILD)/.mode-*
	@touch $@

$(OUT)/vcinit: $(COMMON_OBJS) $(VCINIT_OBJS) $(BUILD)/.mode-$(MODE) init/vcinit.ld
	@mkdir -p $(@D)
	$(CC) $(OPT) $(LDMODE) $(VCINIT_LAYOUT) -o $@ $(COMMON_OBJS) $(VCINIT_OBJS) $(VCINIT_LIBS)
ifeq ($(MODE),static)
	strip $@
endif

$(OUT)/vcctl: $(OUT)/vcinit
	ln -sf vcinit $@

$(OUT)/vcsshd: $(COMMON_OBJS) $(VCSSHD_OBJS) $(BUILD)/.mode-$(MODE)
	@mkdir -p $(@D)
	$(CC) $(OPT) $(LDMODE) -o $@ $(COMMON_OBJS) $(VCSSHD_OBJS) $(VCSSHD_LIBS)
ifeq ($(MODE),static)
	strip $@
endif

$(OUT)/tests/%: tests/unit/%.c $(OBJ)/libvcinit.a $(if $(VCSSHD_SRCS),$(OBJ)/libvcsshd.a)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(WARN) -Wno-missing-prototypes $(OPT) $(CFLAGS) \
		$(LDMODE) -o $@ $< $(OBJ)/libvcinit.a \
		$(if $(VCSSHD_SRCS),$(OBJ)/libvcsshd.a $(OBJ)/libvcinit.a) \
		$$(pkg-config --libs check) $(VCSSHD_LIBS)

# The test services: static when musl-gcc is there (a static exec is 9x
# cheaper than a dynamic one, which matters in the benchmarks).
$(OUT)/tests/vctest: tests/vctest.c
	@mkdir -p $(@D)
	$$(command -v musl-gcc >/dev/null && echo musl-gcc -static || echo $(CC)) \
		-std=c11 -D_GNU_SOURCE -O2 -Wall -o $@ $<

unit-bins: $(UNIT_BINS) $(OUT)/tests/vctest

# Static programs with musl; third-party sources come from deps.pins.
static:
	@scripts/deps.sh static
	@scripts/static-deps.sh $(MUSL_PREFIX) zlib confuse \
		$(if $(VCSSHD_SRCS),mbedtls libssh openssh)
	$(MAKE) MODE=static $(BUILD)/vcinit $(BUILD)/vcctl \
		$(if $(VCSSHD_SRCS),$(BUILD)/vcsshd)
	@if [ -x $(MUSL_PREFIX)/libexec/sftp-server ]; then \
		cp $(MUSL_PREFIX)/libexec/sftp-server $(BUILD)/sftp-server; fi
	@file $(BUILD)/vcinit $(if $(VCSSHD_SRCS),$(BUILD)/vcsshd) | sed 's/, BuildID[^,]*//'
	@ls -l $(BUILD)/vcinit $(if $(VCSSHD_SRCS),$(BUILD)/vcsshd)

asan:
	$(MAKE) MODE=asan $(BUILD)/asan/vcinit $(BUILD)/asan/vcctl \
		$(if $(VCSSHD_SRCS),$(BUILD)/asan/vcsshd) unit-bins

check: deps
	@scripts/deps.sh check
	$(MAKE) all unit-bins
	$(MAKE) asan
	@tests/run-all.sh

unit: all unit-bins
	@tests/run-all.sh unit

integration: all
	@tests/run-all.sh integration

demo: all
	@scripts/demo.sh

bench: all
	@scripts/deps.sh check bench
	$(MAKE) static
	@bench/run.sh
	@bench/magic/run.sh
	$(MAKE) bench-agent bench-ssh

clean:
	rm -rf $(BUILD)

# Targets of the agent and of vcsshd (check-zabbix, fuzz, bench parts).
-include monitor/module.mk ssh/module.mk images/module.mk
