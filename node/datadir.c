/*
 * datadir.c - data directory ownership (see datadir.h).
 *
 * LMDB itself allows many processes on one environment, so exclusivity
 * is ours: flock() is released by the kernel when the node dies, even by
 * kill -9, so a crashed node never leaves the directory locked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pipeproc.h"
#include "datadir.h"

#define LOCK_RETRY_MS 100

/*
 * flock(LOCK_EX | LOCK_NB), tried for LOCK_RETRY_MS: pp_attach() probes
 * whether a node owns the directory by taking a shared lock for an
 * instant (lib/attach_dir.c), which must not make a starting node fail.
 */
static int
lock_briefly(int fd)
{
	struct timespec nap = { 0, 5 * 1000 * 1000 };
	int             waited_ms;

	for (waited_ms = 0;; waited_ms += 5) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			return 0;
		}
		if (errno != EWOULDBLOCK || waited_ms >= LOCK_RETRY_MS) {
			return -1;
		}
		nanosleep(&nap, NULL);
	}
}

int
datadir_lock(const char *dir, char *msg, size_t msglen)
{
	char    path[4096], pid[32];
	ssize_t n;
	int     fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(msg, msglen, "cannot create data directory %s: %s",
		    dir, strerror(errno));
		return errno == EACCES ? PP_EPERM : PP_EIO;
	}
	snprintf(path, sizeof(path), "%s/node.lock", dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		snprintf(msg, msglen, "cannot open %s: %s", path,
		    strerror(errno));
		return errno == EACCES ? PP_EPERM : PP_EIO;
	}
	if (lock_briefly(fd) < 0) {
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(msg, msglen,
		    "data directory %s is in use by another node (pid %s)", dir,
		    pid[0] != '\0' ? pid : "unknown");
		close(fd);
		return PP_ELOCKED;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long) getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t) n, 0) != n) {
		snprintf(msg, msglen, "cannot write %s: %s", path,
		    strerror(errno));
		close(fd);
		return PP_EIO;
	}
	return fd;
}

int
datadir_make_temp(char *path, size_t len, char *msg, size_t msglen)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] == '\0') {
		tmp = "/tmp";
	}
	snprintf(path, len, "%s/pipeproc-memory-XXXXXX", tmp);
	if (mkdtemp(path) == NULL) {
		snprintf(msg, msglen, "cannot create a temporary directory in "
		    "%s: %s", tmp, strerror(errno));
		return PP_EIO;
	}
	return 0;
}

void
datadir_remove_temp(const char *path)
{
	static const char *const files[] = { "data.mdb", "lock.mdb",
		"node.lock" };
	char   file[4096];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(file, sizeof(file), "%s/%s", path, files[i]);
		unlink(file);
	}
	rmdir(path);
}
