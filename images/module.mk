# SPDX-License-Identifier: ISC
# The base images' targets (included by the top Makefile):
#   make images         build images/alpine-base and images/ubuntu-base, then
#                       the service images FROM ubuntu-base, with podman,
#                       tagged $(REGISTRY)/vcore/NAME:$(VERSION) and :latest
#   make image-NAME     one service image (ldap, postgres, samba, web,
#                       software, user, slurm, jupyter), FROM its base
#   make publish        the same, then push both tags of both to $(REGISTRY)
#   make check-images   build on local bases, run them as an administrator
#                       would, publish to a local registry, pull cold
#   make check-stack    the whole Virtual Core (compose.yaml) with
#                       podman-compose, used as its users would
#   make bench-stack    its start, memory and stop
#   make bench-images   size, first login, PSS, stop time, wake-ups against
#                       the old recipe and podman's floor; then each service
#                       image against its daemon under the old recipe and
#                       alone (bench/images/services.sh)
# They install podman and what it needs here (scripts/images-setup.sh).
# The defaults are the real bases; on a machine that reaches no registry:
#   make images REGISTRY=127.0.0.1:5000 IMAGE_BUILDER=localhost/debian:bookworm \
#     ALPINE_BASE=localhost/alpine-standin:latest UBUNTU_BASE=localhost/debian:bookworm
# (what check-images does; scripts/images-setup.sh makes those local bases).

REGISTRY ?= docker.io
IMAGE_BUILDER ?= docker.io/library/debian:bookworm
ALPINE_BASE ?= docker.io/library/alpine:3.22
UBUNTU_BASE ?= docker.io/library/ubuntu:24.04

# The local stand-ins of check-images and bench-images.
IMAGES_LOCAL := REGISTRY=127.0.0.1:5000 \
	IMAGE_BUILDER=localhost/debian:bookworm \
	ALPINE_BASE=localhost/alpine-standin:latest \
	UBUNTU_BASE=localhost/debian:bookworm

# Labels, and the last commit's time for every file and layer, so that the
# same tree gives the same layers; git is only read, and is optional.
IMAGE_REVISION := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
IMAGE_SOURCE ?= $(shell git config --get remote.origin.url 2>/dev/null || echo unknown)
IMAGE_EPOCH := $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

# image-build FLAVOUR BASE
define image-build
	podman build --format docker --timestamp $(IMAGE_EPOCH) \
		-f images/$(1)-base/Dockerfile \
		--build-arg BUILDER=$(IMAGE_BUILDER) --build-arg BASE=$(2) \
		--build-arg VERSION=$(VERSION) --build-arg REVISION=$(IMAGE_REVISION) \
		--build-arg SOURCE=$(IMAGE_SOURCE) \
		-t $(REGISTRY)/vcore/$(1)-base:$(VERSION) \
		-t $(REGISTRY)/vcore/$(1)-base:latest .
endef

# The service images (images/NAME, built from their own folder as
# `docker build images/NAME` would), in build order: each FROM the Ubuntu
# base but the research chain, where software is the common layer of user
# and slurm, and jupyter builds on user.
SERVICE_IMAGES := ldap postgres samba web software user slurm jupyter
BASE_OF_software := ubuntu-base
BASE_OF_user := software
BASE_OF_slurm := software
BASE_OF_jupyter := user
base-of = $(or $(BASE_OF_$(1)),ubuntu-base)

# service-build NAME
define service-build
	podman build --format docker --timestamp $(IMAGE_EPOCH) \
		--build-arg BASE=$(REGISTRY)/vcore/$(call base-of,$(1)):$(VERSION) \
		--build-arg VERSION=$(VERSION) --build-arg REVISION=$(IMAGE_REVISION) \
		--build-arg SOURCE=$(IMAGE_SOURCE) \
		-t $(REGISTRY)/vcore/$(1):$(VERSION) \
		-t $(REGISTRY)/vcore/$(1):latest images/$(1)

endef

.PHONY: images images-setup publish check-images bench-images check-stack \
	bench-stack \
	$(SERVICE_IMAGES:%=image-%)

# Podman always; the local bases only when asked for by name.
images-setup:
	@scripts/images-setup.sh podman $(if $(filter localhost/%,\
		$(IMAGE_BUILDER) $(ALPINE_BASE) $(UBUNTU_BASE)),bases)

images: images-setup
	$(call image-build,alpine,$(ALPINE_BASE))
	$(call image-build,ubuntu,$(UBUNTU_BASE))
	$(foreach s,$(SERVICE_IMAGES),$(call service-build,$(s)))
	@podman image inspect --format '{{index .RepoTags 0}} {{.Size}} bytes' \
		$(REGISTRY)/vcore/alpine-base:$(VERSION) \
		$(REGISTRY)/vcore/ubuntu-base:$(VERSION) \
		$(SERVICE_IMAGES:%=$(REGISTRY)/vcore/%:$(VERSION))

# One service image, FROM its base already built: make image-ldap
$(SERVICE_IMAGES:%=image-%): image-%: images-setup
	$(call service-build,$*)

publish: images
	@for name in alpine-base ubuntu-base $(SERVICE_IMAGES); do \
		for tag in $(VERSION) latest; do \
			echo "push $(REGISTRY)/vcore/$$name:$$tag"; \
			podman push -q $(REGISTRY)/vcore/$$name:$$tag || exit 1; \
		done; done

# The OpenSSH client, zabbix_get (as monitor/module.mk's agent-deps) and a
# local registry; the tests build the images themselves through make.
check-images:
	@scripts/images-setup.sh
	@command -v zabbix_get >/dev/null || scripts/deps.sh zabbix
	$(MAKE) images $(IMAGES_LOCAL)
	@VERSION=$(VERSION) timeout -k 10 1200 tests/images/run.sh

# The old recipe is built from Debian packages on the local Debian base;
# the floor is a static PID 1 (musl-gcc).
bench-images:
	@scripts/images-setup.sh podman bases
	@scripts/deps.sh static
	@command -v zabbix_get >/dev/null || scripts/deps.sh zabbix
	$(MAKE) images $(IMAGES_LOCAL)
	@VERSION=$(VERSION) timeout -k 10 1200 bench/images/run.sh
	@scripts/deps.sh clients
	@VERSION=$(VERSION) timeout -k 10 900 bench/images/services.sh

# The whole Virtual Core (compose.yaml) with podman-compose on the images
# built with the local bases, used as its users would (tests/stack/run.sh).
check-stack:
	@scripts/images-setup.sh
	@scripts/deps.sh stack
	@command -v zabbix_get >/dev/null || scripts/deps.sh zabbix
	$(MAKE) images $(IMAGES_LOCAL)
	@VERSION=$(VERSION) timeout -k 10 1800 tests/stack/run.sh

# compose up to every service healthy, the stack's memory and vcore's share
# of it, compose down (bench/stack/run.sh).
bench-stack:
	@scripts/images-setup.sh
	@scripts/deps.sh stack
	$(MAKE) images $(IMAGES_LOCAL)
	@VERSION=$(VERSION) timeout -k 10 1800 bench/stack/run.sh
