/*
 * attach_dir.c - the files through which attached processes and their
 * node find each other (see attach_dir.h for the layout).
 *
 * Design notes: liveness is always a flock(), never a pid: the kernel
 * drops a lock when its holder dies, even by kill -9, and a lock cannot
 * be confused with a reused pid. A lease is created with O_EXCL under a
 * random name and then locked; a node sweeping DIR/attach/ may unlink a
 * file in the instant between the two, so the holder checks st_nlink
 * after locking and starts over with a new name when it lost the race.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "attach_dir.h"
#include "pipeproc.h"
#include "user.h"

/* Leases looked at per sweep; more are counted as live (a budget). */
#define LEASE_SWEEP_MAX 4096

bool
ppi_attach_dir_has_node(const char *dir)
{
	char path[4096];
	bool is_held;
	int  fd;

	snprintf(path, sizeof(path), "%s/node.lock", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return false;
	}
	is_held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd); /* drops our shared lock, if we got it */
	return is_held;
}

/* FNV-1a, 64 bits: a stable short name for a long directory path. */
static uint64_t
path_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s != '\0'; s++) {
		h = (h ^ (unsigned char) *s) * 1099511628211ull;
	}
	return h;
}

/*
 * Too long a directory for its own DIR/node.sock: the socket goes into
 * the user's private runtime directory (user.h: 0700, owned by us, never
 * a symlink), as the default addresses do, so no other local user can
 * plant a socket there for our clients to dial. The node creates or
 * checks that directory before it listens and the client before it
 * dials (ppi_user_rundir_guard), as for any socket in it. Before, the
 * fallback was $TMPDIR/pipeproc-attach.HASH, in a directory others may
 * write; a node started so is still found through DIR/node.addr.
 */
int
ppi_attach_dir_address(const char *dir, char *buf, size_t len)
{
	struct sockaddr_un sa;
	char               run[1024];
	int                n;

	if (strlen(dir) + sizeof("/node.sock") <= sizeof(sa.sun_path)) {
		n = snprintf(buf, len, "ipc://%s/node.sock", dir);
		return n > 0 && (size_t) n < len ? 0 : PP_EADDR;
	}
	if (ppi_user_rundir_path(run, sizeof(run)) != 0) {
		return PP_EADDR;
	}
	n = snprintf(buf, len, "ipc://%s/" PPI_ATTACH_RUNDIR_SOCK "%016llx",
	    run, (unsigned long long) path_hash(dir));
	if (n <= 0 || (size_t) n >= len ||
	    strlen(buf) - strlen("ipc://") >= sizeof(sa.sun_path)) {
		return PP_EADDR;
	}
	return 0;
}

int
ppi_attach_dir_read_address(const char *dir, char *buf, size_t len)
{
	char    path[4096];
	ssize_t n;
	int     fd;

	snprintf(path, sizeof(path), "%s/" PPI_ATTACH_ADDR_FILE, dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return PP_ENOTCONN;
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0 || buf[n - 1] != '\n') {
		return PP_ENOTCONN; /* written by rename, so never partial */
	}
	buf[n - 1] = '\0';
	return 0;
}

int
ppi_attach_dir_publish(const char *dir, const char *address)
{
	char   tmp[4096], path[4096];
	size_t len = strlen(address);
	int    fd;

	snprintf(tmp, sizeof(tmp), "%s/." PPI_ATTACH_ADDR_FILE ".%ld", dir,
	    (long) getpid());
	snprintf(path, sizeof(path), "%s/" PPI_ATTACH_ADDR_FILE, dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		return PP_EIO;
	}
	if (write(fd, address, len) != (ssize_t) len ||
	    write(fd, "\n", 1) != 1 || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		unlink(tmp);
		return PP_EIO;
	}
	return 0;
}

void
ppi_attach_dir_withdraw(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/" PPI_ATTACH_ADDR_FILE, dir);
	unlink(path);
}

static int
io_error(char *msg, size_t msglen, const char *what, const char *path)
{
	int err = errno;

	snprintf(msg, msglen, "cannot %s %s: %s", what, path, strerror(err));
	return err == EACCES || err == EPERM || err == EROFS ? PP_EPERM
	                                                     : PP_EIO;
}

int
ppi_attach_dir_lease_open(const char *dir, char *path, size_t pathlen,
    char *msg, size_t msglen)
{
	struct stat sb;
	uint64_t    r;
	int         fd, tries;

	snprintf(path, pathlen, "%s/" PPI_ATTACH_LEASE_DIR, dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		return io_error(msg, msglen, "create", path);
	}
	for (tries = 0; tries < 100; tries++) {
		if (getrandom(&r, sizeof(r), 0) != (ssize_t) sizeof(r)) {
			r = (uint64_t) tries * 2654435761u ^ (uint64_t) getpid();
		}
		snprintf(path, pathlen, "%s/" PPI_ATTACH_LEASE_DIR
		    "/%ld.%016llx.lease", dir, (long) getpid(),
		    (unsigned long long) r);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST) {
			continue;
		}
		if (fd < 0) {
			return io_error(msg, msglen, "create", path);
		}
		/* A sweeping node may have unlinked it before our lock. */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 &&
		    fstat(fd, &sb) == 0 && sb.st_nlink > 0) {
			return fd;
		}
		close(fd);
	}
	snprintf(msg, msglen, "cannot take a lease in %s/" PPI_ATTACH_LEASE_DIR,
	    dir);
	return PP_EIO;
}

void
ppi_attach_dir_lease_close(int fd, const char *path)
{
	if (fd < 0) {
		return;
	}
	unlink(path); /* while still locked: nobody counts it in between */
	close(fd);
}

/* 1 when the lease at path is held, 0 when it was stale (now removed). */
static int
check_lease(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		return 0; /* removed by its holder meanwhile */
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		bool is_held = errno == EWOULDBLOCK;

		close(fd);
		return is_held ? 1 : 0;
	}
	unlink(path); /* under our lock, so its owner cannot be using it */
	close(fd);
	return 0;
}

int
ppi_attach_dir_count_leases(const char *dir)
{
	struct dirent *e;
	char           path[4096];
	DIR           *d;
	int            live = 0, seen = 0;

	snprintf(path, sizeof(path), "%s/" PPI_ATTACH_LEASE_DIR, dir);
	if ((d = opendir(path)) == NULL) {
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.') {
			continue;
		}
		if (++seen > LEASE_SWEEP_MAX) {
			live++; /* not looked at: assume it is held */
			break;
		}
		snprintf(path, sizeof(path), "%s/" PPI_ATTACH_LEASE_DIR "/%s",
		    dir, e->d_name);
		live += check_lease(path);
	}
	closedir(d);
	return live;
}
