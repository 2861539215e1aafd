/*
 * backup.c - pp_backup: LMDB's own compacting copy of the live
 * environment (mdb_env_copy2 with MDB_CP_COMPACT) into a fresh
 * directory. It reads through one read transaction, so the copy is one
 * consistent moment while the writer carries on.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store_impl.h"

/* The target must be new or an empty directory. */
static int
prepare_dir(const char *path, char *msg, size_t msglen)
{
	struct dirent *e;
	DIR           *d;
	int            n = 0;

	if (mkdir(path, 0700) == 0) {
		return 0;
	}
	if (errno != EEXIST) {
		snprintf(msg, msglen, "cannot create %.400s: %s", path,
		    strerror(errno));
		return errno == EACCES ? PP_EPERM : PP_EIO;
	}
	if ((d = opendir(path)) == NULL) {
		snprintf(msg, msglen, "%.400s exists and is not a directory", path);
		return PP_EEXIST;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			n++;
		}
	}
	closedir(d);
	if (n > 0) {
		snprintf(msg, msglen, "%.400s is not empty", path);
		return PP_EEXIST;
	}
	return 0;
}

void
store_backup(store *s, const ppi_request *req, ppi_buf *reply)
{
	char path[4096], msg[512];
	int  rv, rc;

	snprintf(path, sizeof(path), "%.*s", (int) req->dir.len, req->dir.ptr);
	if (memchr(req->dir.ptr, '\0', req->dir.len) != NULL) {
		ppi_wire_reply_error(reply, PP_EINVAL, "dir holds a NUL byte");
		return;
	}
	if ((rv = prepare_dir(path, msg, sizeof(msg))) != 0) {
		ppi_wire_reply_error(reply, rv, msg);
		return;
	}
	pthread_rwlock_rdlock(&s->map_lock);
	rc = mdb_env_copy2(s->env, path, MDB_CP_COMPACT);
	pthread_rwlock_unlock(&s->map_lock);
	if (rc != 0) {
		rv = store_error(rc, "backup", msg, sizeof(msg));
		ppi_wire_reply_error(reply, rv, msg);
		return;
	}
	ppi_wire_reply_ok(reply);
}
