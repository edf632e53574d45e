#!/bin/sh
# SPDX-License-Identifier: ISC
# The old recipe's set-up of slapd, run by the entry point before
# supervisord: on an empty volume, the TLS files, cn=config and the base
# entries (slapadd, offline); on every start, the run-time folder.
set -eu
: "${LDAP_DOMAIN:?LDAP_DOMAIN is required}"
: "${LDAP_ADMIN_PASSWORD:?LDAP_ADMIN_PASSWORD is required}"
data=/var/lib/ldap
base=dc=$(printf '%s' "$LDAP_DOMAIN" | sed 's/\./,dc=/g')
mkdir -p /run/slapd
chown openldap:openldap /run/slapd
[ -d "$data/slapd.d" ] && exit 0

host=$(hostname)
mkdir -p "$data/tls" "$data/data" "$data/slapd.d"
cd "$data/tls"
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-days 3650 -subj "/O=old/CN=LDAP CA $host" \
	-addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign \
	-keyout ca.key -out ca.pem 2>/dev/null
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-subj "/O=old/CN=$host" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:ldap,DNS:localhost,IP:127.0.0.1\n' "$host" >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-days 825 -extfile server.ext -out server.pem 2>/dev/null

cat >/tmp/config.ldif <<LDIF
dn: cn=config
objectClass: olcGlobal
cn: config
olcArgsFile: /run/slapd/slapd.args
olcPidFile: /run/slapd/slapd.pid
olcLogLevel: 256
olcTLSCertificateFile: $data/tls/server.pem
olcTLSCertificateKeyFile: $data/tls/server.key
olcTLSCACertificateFile: $data/tls/ca.pem

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/nis.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * break

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: $data/data
olcDbMaxSize: 1073741824
olcSuffix: $base
olcRootDN: cn=admin,$base
olcRootPW: $(slappasswd -s "$LDAP_ADMIN_PASSWORD")
olcDbIndex: objectClass eq
olcDbIndex: cn,uid eq
olcDbIndex: uidNumber,gidNumber eq
olcDbIndex: member,memberUid eq
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to * by * read
LDIF
cat >/tmp/tree.ldif <<LDIF
dn: $base
objectClass: dcObject
objectClass: organization
dc: ${base#dc=}
o: ${LDAP_ORGANISATION:-$LDAP_DOMAIN}

dn: ou=people,$base
objectClass: organizationalUnit
ou: people

dn: ou=groups,$base
objectClass: organizationalUnit
ou: groups
LDIF
sed -i 's/^dc: \([^,]*\),.*/dc: \1/' /tmp/tree.ldif
slapadd -n 0 -F "$data/slapd.d" -l /tmp/config.ldif
slapadd -F "$data/slapd.d" -b "$base" -l /tmp/tree.ldif
rm -f /tmp/config.ldif /tmp/tree.ldif
chown -R openldap:openldap "$data"
chmod 0600 "$data/tls/server.key" "$data/tls/ca.key"
