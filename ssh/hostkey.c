/* SPDX-License-Identifier: ISC */
/*
 * The host key: DIR/ssh/ssh_host_ed25519_key and its .pub. vcsshd makes it
 * on its first start (never in an image), atomically and 0600, and reuses
 * it afterwards; a key readable by others is refused as OpenSSH does.
 * Also the SHA256 fingerprints that every log line about a key carries.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "common/fdutil.h"
#include "common/log.h"
#include "sshd.h"

int
sshd_fingerprint(const ssh_key key, char *out, size_t outlen)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hlen) != SSH_OK) {
		snprintf(out, outlen, "SHA256:?");
		return -1;
	}
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	if (fp == NULL) {
		snprintf(out, outlen, "SHA256:?");
		return -1;
	}
	snprintf(out, outlen, "%s", fp);
	ssh_string_free_char(fp);
	return 0;
}

/*
 * Writes data to path through a temporary file in the same folder. With
 * exclusive, an existing path is kept (link fails with EEXIST), so two
 * processes starting at once never replace each other's key.
 */
static int
write_atomic(const char *path, const char *data, size_t len, mode_t mode,
    bool exclusive)
{
	char tmp[PATH_MAX];
	int fd, rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	(void)unlink(tmp);	/* a leftover of a crash; absent is fine */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd == -1) {
		return -1;
	}
	if (fd_write_all(fd, data, len) == 0 && fchmod(fd, mode) == 0 &&
	    fsync(fd) == 0) {
		rc = exclusive ? link(tmp, path) : rename(tmp, path);
	}
	fd_close(&fd);
	if (exclusive || rc == -1) {
		int saved = errno;

		(void)unlink(tmp);	/* best effort: the name is ours */
		errno = saved;
	}
	return rc;
}

static int
write_pub(const char *path, const ssh_key key)
{
	char pub[PATH_MAX + 8], *b64 = NULL, *text = NULL;
	int rc = -1, len;

	snprintf(pub, sizeof(pub), "%s.pub", path);
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK) {
		return -1;
	}
	len = asprintf(&text, "ssh-ed25519 %s vcsshd host key\n", b64);
	if (len > 0) {
		rc = write_atomic(pub, text, (size_t)len, 0644, false);
	}
	if (rc == -1) {
		vlog_warn("unable to write %s: %s", pub, strerror(errno));
	}
	free(text);
	ssh_string_free_char(b64);
	return rc;
}

static int
generate(const char *path)
{
	ssh_key key = NULL;
	char *b64 = NULL;
	int rc = -1;

	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
	    ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &b64) !=
	    SSH_OK) {
		vlog_fatal("unable to generate an ed25519 host key");
		ssh_key_free(key);
		return -1;
	}
	if (write_atomic(path, b64, strlen(b64), 0600, true) == 0) {
		vlog_info("generated host key %s", path);
		rc = write_pub(path, key);
	} else if (errno == EEXIST) {
		rc = 0;		/* another vcsshd made it first: use theirs */
	} else {
		vlog_fatal("unable to write host key %s: %s", path,
		    strerror(errno));
	}
	/* The private text is gone with b64; wipe it before freeing. */
	memset(b64, 0, strlen(b64));
	ssh_string_free_char(b64);
	ssh_key_free(key);
	return rc;
}

static int
check_modes(const char *path, const struct stat *st)
{
	if (!S_ISREG(st->st_mode)) {
		vlog_fatal("host key %s is not a regular file", path);
		return -1;
	}
	if (st->st_uid != geteuid() || (st->st_mode & 077) != 0) {
		vlog_fatal("host key %s: permissions %04o or owner %u are too "
		    "open: it must be 0600 and ours (chmod 600 %s)", path,
		    (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid,
		    path);
		return -1;
	}
	return 0;
}

int
sshd_hostkey_load(const char *path, ssh_key *key, char *fp, size_t fplen)
{
	char dir[PATH_MAX], pub[PATH_MAX + 8];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	if (fd_mkdirs(dirname(dir), 0700) == -1) {
		vlog_fatal("unable to create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) == -1) {
		if (errno != ENOENT) {
			vlog_fatal("unable to read host key %s: %s", path,
			    strerror(errno));
			return -1;
		}
		if (generate(path) == -1) {
			return -1;
		}
		if (lstat(path, &st) == -1) {
			vlog_fatal("host key %s vanished: %s", path,
			    strerror(errno));
			return -1;
		}
	}
	if (check_modes(path, &st) == -1) {
		return -1;
	}
	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, key) !=
	    SSH_OK || ssh_key_type(*key) != SSH_KEYTYPE_ED25519) {
		vlog_fatal("host key %s is not an unencrypted ed25519 key",
		    path);
		return -1;
	}
	snprintf(pub, sizeof(pub), "%s.pub", path);
	if (access(pub, F_OK) == -1 && write_pub(path, *key) == 0) {
		vlog_info("wrote the missing %s", pub);
	}
	return sshd_fingerprint(*key, fp, fplen);
}
