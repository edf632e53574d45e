#!/bin/sh
# The old entry point: root's key from the environment, the Zabbix server
# into the agent's file (then /sbin/prepare_magic.sh, when present), then
# supervisord as PID 1.
set -e
if [ -n "${AUTHORIZED_KEYS:-}" ]; then
	mkdir -p /root/.ssh
	chmod 700 /root/.ssh
	printf '%s\n' "$AUTHORIZED_KEYS" >/root/.ssh/authorized_keys
	chmod 600 /root/.ssh/authorized_keys
fi
sed -i -e "s|^Server=.*|Server=${ZBX_SERVER_HOST:-127.0.0.1}|" \
	-e 's|^ServerActive=.*|# ServerActive=|' \
	-e 's|^LogFile=.*|LogType=console|' /etc/zabbix/zabbix_agentd.conf
[ -x /sbin/prepare_magic.sh ] && /sbin/prepare_magic.sh
exec /usr/bin/supervisord -n -c /etc/supervisor/old-recipe.conf
