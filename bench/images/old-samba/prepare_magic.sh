#!/bin/sh
# SPDX-License-Identifier: ISC
# The old recipe's set-up of Samba, run by the entry point before
# supervisord at every start: smb.conf, the user (uid from the
# environment) and its password, the share's folder.
set -eu
user=${SAMBA_USER:-samba}
uid=${SAMBA_UID:-1000}
: "${SAMBA_PASSWORD:?SAMBA_PASSWORD is required}"
share=/srv/samba/data
cat >/etc/samba/smb.conf <<CONF
[global]
	workgroup = WORKGROUP
	server role = standalone server
	security = user
	passdb backend = tdbsam
	map to guest = never
	restrict anonymous = 2
	server min protocol = SMB2_02
	log level = 1
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes
	disable netbios = yes
	smb ports = 445
	create mask = 0664
	directory mask = 0775
[data]
	path = $share
	read only = no
	valid users = $user
CONF
mkdir -p /run/samba /var/cache/samba /var/log/samba /var/lib/samba/private
if ! id "$user" >/dev/null 2>&1; then
	groupadd -g "$uid" "$user"
	useradd -M -d /nonexistent -s /usr/sbin/nologin -u "$uid" -g "$uid" "$user"
fi
printf '%s\n%s\n' "$SAMBA_PASSWORD" "$SAMBA_PASSWORD" | smbpasswd -s -a "$user" >/dev/null
mkdir -p "$share"
chown "$user:$user" "$share"
