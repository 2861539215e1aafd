/*
 * user.c - the per-user runtime directory and user names (user.h).
 *
 * Why a directory of our own rather than a socket in /tmp: anyone may
 * create /tmp/pipeproc.default first, and a client that dials it hands
 * its logs to whoever did (issue 14 item 1). A directory that only its
 * owner can enter cannot hold anybody else's socket, and a sticky /tmp
 * keeps others from renaming it away. We check it on every use, as ssh
 * checks ~/.ssh, because a directory that someone else made first (or
 * left open) is the very attack.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeproc.h"
#include "user.h"

void
ppi_user_describe(uint64_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char          tmp[1024];

	if (uid <= (uint64_t) (uid_t) -1 &&
	    getpwuid_r((uid_t) uid, &pw, tmp, sizeof(tmp), &res) == 0 &&
	    res != NULL) {
		snprintf(buf, len, "uid %llu (%s)", (unsigned long long) uid,
		    pw.pw_name);
		return;
	}
	snprintf(buf, len, "uid %llu", (unsigned long long) uid);
}

void
ppi_group_describe(uint64_t gid, char *buf, size_t len)
{
	struct group gr, *res = NULL;
	char         tmp[4096];

	if (gid <= (uint64_t) (gid_t) -1 &&
	    getgrgid_r((gid_t) gid, &gr, tmp, sizeof(tmp), &res) == 0 &&
	    res != NULL) {
		snprintf(buf, len, "gid %llu (%s)", (unsigned long long) gid,
		    gr.gr_name);
		return;
	}
	snprintf(buf, len, "gid %llu", (unsigned long long) gid);
}

int
ppi_user_rundir_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	const char *tmp = getenv("TMPDIR");
	int         n;

	if (xdg != NULL && xdg[0] != '\0') {
		n = snprintf(buf, len, "%s/pipeproc", xdg);
	} else {
		if (tmp == NULL || tmp[0] == '\0') {
			tmp = "/tmp";
		}
		n = snprintf(buf, len, "%s/pipeproc-%lu", tmp,
		    (unsigned long) geteuid());
	}
	return n < 0 || (size_t) n >= len ? PP_EADDR : 0;
}

int
ppi_user_rundir(bool is_create, char *buf, size_t len, char *msg,
    size_t msglen)
{
	struct stat st;
	char        owner[300], me[300];
	int         rv;

	if ((rv = ppi_user_rundir_path(buf, len)) != 0) {
		snprintf(msg, msglen, "the runtime directory's path is too "
		    "long");
		return rv;
	}
	if (is_create && mkdir(buf, 0700) < 0 && errno != EEXIST) {
		snprintf(msg, msglen, "cannot create %s: %s", buf,
		    strerror(errno));
		return errno == EACCES ? PP_EPERM : PP_EIO;
	}
	if (lstat(buf, &st) < 0) {
		if (errno == ENOENT && !is_create) {
			return 0;
		}
		snprintf(msg, msglen, "cannot use %s: %s", buf,
		    strerror(errno));
		return errno == EACCES ? PP_EPERM : PP_EIO;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(msg, msglen, "%s is not a directory (a symlink?); "
		    "refusing to use it", buf);
		return PP_EPERM;
	}
	if (st.st_uid != geteuid()) {
		ppi_user_describe(st.st_uid, owner, sizeof(owner));
		ppi_user_describe(geteuid(), me, sizeof(me));
		snprintf(msg, msglen, "%s belongs to %s, not to us (%s); "
		    "refusing to use it", buf, owner, me);
		return PP_EPERM;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(msg, msglen, "%s has mode %04o: others may enter it; "
		    "refusing to use it (chmod 700 it)", buf,
		    (unsigned) (st.st_mode & 07777));
		return PP_EPERM;
	}
	return 0;
}

int
ppi_user_rundir_guard(const char *sock_path, bool is_create, char *msg,
    size_t msglen)
{
	const char *slash = strrchr(sock_path, '/');
	char        dir[1024];

	if (slash == NULL || ppi_user_rundir_path(dir, sizeof(dir)) != 0 ||
	    strlen(dir) != (size_t) (slash - sock_path) ||
	    strncmp(dir, sock_path, (size_t) (slash - sock_path)) != 0) {
		return 0;
	}
	return ppi_user_rundir(is_create, dir, sizeof(dir), msg, msglen);
}
