/*
 * attach_rundir_test.c - pp_attach's socket for a data directory whose
 * DIR/node.sock does not fit a Unix socket path lives in the user's
 * private runtime directory (user.h: 0700, owned by us, not a symlink),
 * as the default addresses do, not in $TMPDIR where others may plant a
 * socket (DESIGN §1 "Attached nodes").
 *
 * Each case points TMPDIR at its own directory, so the runtime directory
 * ($TMPDIR/pipeproc-UID: make test empties XDG_RUNTIME_DIR) is the
 * case's alone.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach_dir.h"
#include "harness.h"
#include "user.h"

/* A data directory path too long for DIR/node.sock (> 108 bytes). */
static const char *
long_dir(void)
{
	static char dir[PP_T_PATH];
	char        name[140];

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	pp_t_format(dir, sizeof(dir), "%s/%s", pp_t_root(), name);
	return dir;
}

/* The runtime directory of this case. */
static void
case_rundir(char *buf, size_t len)
{
	PP_ASSERT_INT_EQ(setenv("TMPDIR", pp_t_root(), 1), 0);
	PP_ASSERT_INT_EQ(unsetenv("XDG_RUNTIME_DIR"), 0);
	PP_ASSERT_INT_EQ(ppi_user_rundir_path(buf, len), 0);
}

/* Nothing named pipeproc-attach.* in the case's TMPDIR. */
static void
assert_no_tmp_socket(void)
{
	struct dirent *e;
	DIR           *d = opendir(pp_t_root());

	PP_ASSERT_TRUE(d != NULL);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "pipeproc-attach.", 16) == 0) {
			PP_FAIL_AT("a socket in $TMPDIR: %s", e->d_name);
		}
	}
	closedir(d);
}

/* The address a node started by pp_attach publishes in DIR/node.addr. */
static void
published(const char *dir, char *buf, size_t len)
{
	PP_WAIT_UNTIL(ppi_attach_dir_read_address(dir, buf, len) == 0, 5000);
}

static void
test_address(void)
{
	char run[1024], addr[2048], want[2048], other[2048];

	case_rundir(run, sizeof(run));
	/* A short directory keeps its own socket. */
	PP_PASS(ppi_attach_dir_address("/srv/d", addr, sizeof(addr)));
	PP_ASSERT_STR_EQ(addr, "ipc:///srv/d/node.sock");
	/* A long one: RUNDIR/attach.HASH, the same each time, and another
	 * for another directory. */
	PP_PASS(ppi_attach_dir_address(long_dir(), addr, sizeof(addr)));
	pp_t_format(want, sizeof(want), "ipc://%s/attach.", run);
	if (strncmp(addr, want, strlen(want)) != 0 ||
	    strlen(addr) != strlen(want) + 16) {
		PP_FAIL_AT("%s is not %s<16 hex digits>", addr, want);
	}
	PP_PASS(ppi_attach_dir_address(long_dir(), other, sizeof(other)));
	PP_ASSERT_STR_EQ(other, addr);
	pp_t_format(want, sizeof(want), "%sy", long_dir());
	PP_PASS(ppi_attach_dir_address(want, other, sizeof(other)));
	PP_ASSERT_TRUE(strcmp(other, addr) != 0);
	/* A runtime directory too long for any socket: PP_EADDR. */
	memset(want, 'r', 200);
	want[0] = '/';
	want[200] = '\0';
	PP_ASSERT_INT_EQ(setenv("XDG_RUNTIME_DIR", want, 1), 0);
	PP_ASSERT_INT_EQ(
	    ppi_attach_dir_address(long_dir(), addr, sizeof(addr)), PP_EADDR);
}

static void
test_attach_long_dir(void)
{
	struct stat st;
	pp_client  *c, *d;
	char        run[1024], addr[2048], want[2048];
	pp_id       id;
	pid_t       node;

	case_rundir(run, sizeof(run));
	PP_ASSERT_INT_EQ(mkdir(long_dir(), 0700), 0);
	PP_PASS(pp_attach(long_dir(), NULL, &c));
	node = pp_t_lock_pid(long_dir());
	pp_t_track_pid(node);
	published(long_dir(), addr, sizeof(addr));
	PP_PASS(ppi_attach_dir_address(long_dir(), want, sizeof(want)));
	PP_ASSERT_STR_EQ(addr, want);
	/* The directory is ours alone, and the socket is in it. */
	PP_ASSERT_INT_EQ(lstat(run, &st), 0);
	PP_ASSERT_TRUE(S_ISDIR(st.st_mode));
	PP_ASSERT_INT_EQ(st.st_mode & 0777, 0700);
	PP_ASSERT_INT_EQ(st.st_uid, getuid());
	PP_ASSERT_INT_EQ(lstat(addr + strlen("ipc://"), &st), 0);
	PP_ASSERT_TRUE(S_ISSOCK(st.st_mode));
	assert_no_tmp_socket();
	/* It serves: a second process's view is the same node. */
	PP_PASS(pp_commit(c, &(pp_record) { "t", "x", 1 }, 1, &id));
	PP_PASS(pp_attach(long_dir(), NULL, &d));
	PP_ASSERT_U64_EQ(pp_t_length(d, "t"), 1);
	PP_ASSERT_INT_EQ(pp_t_lock_pid(long_dir()), node);
	pp_close(d);
	pp_close(c);
	PP_ASSERT_TRUE(pp_t_wait_pid_gone(node, 10000));
}

/* A runtime directory that others may enter, or a symlink to one, is
 * refused before anything listens or dials there. */
static void
test_open_rundir_refused(void)
{
	pp_client  *c = NULL;
	char        run[1024], elsewhere[1024];
	int         rv;

	case_rundir(run, sizeof(run));
	PP_ASSERT_INT_EQ(mkdir(long_dir(), 0700), 0);
	PP_ASSERT_INT_EQ(mkdir(run, 0700), 0);
	PP_ASSERT_INT_EQ(chmod(run, 0777), 0);
	rv = pp_attach(long_dir(), NULL, &c);
	if (rv == 0) {
		pp_close(c);
		PP_FAIL_AT("pp_attach served from a 0777 %s", run);
	}
	pp_t_diag("%s: %s", pp_errname(rv), pp_last_errmsg());
	PP_ASSERT_INT_EQ(rv, PP_EPERM);
	if (strstr(pp_last_errmsg(), run) == NULL ||
	    strstr(pp_last_errmsg(), "777") == NULL) {
		PP_FAIL_AT("unclear: %s %s", pp_errname(rv), pp_last_errmsg());
	}
	PP_ASSERT_INT_EQ(rmdir(run), 0);
	/* A symlink to a directory of ours is not the directory either. */
	pp_t_format(elsewhere, sizeof(elsewhere), "%s/elsewhere", pp_t_root());
	PP_ASSERT_INT_EQ(mkdir(elsewhere, 0700), 0);
	PP_ASSERT_INT_EQ(symlink(elsewhere, run), 0);
	rv = pp_attach(long_dir(), NULL, &c);
	if (rv == 0) {
		pp_close(c);
		PP_FAIL_AT("pp_attach served through a symlink");
	}
	PP_ASSERT_INT_EQ(rv, PP_EPERM);
	assert_no_tmp_socket();
}

/* A node an older library started on the old fallback,
 * $TMPDIR/pipeproc-attach.HASH, is still found through DIR/node.addr. */
static void
test_older_fallback_found(void)
{
	pp_spawn_opts o;
	pp_client    *spawner, *c;
	char          run[1024], mine[2048], old[2048];
	pp_id         id;

	case_rundir(run, sizeof(run));
	PP_ASSERT_INT_EQ(mkdir(long_dir(), 0700), 0);
	PP_PASS(ppi_attach_dir_address(long_dir(), mine, sizeof(mine)));
	pp_t_format(old, sizeof(old), "ipc://%s/pipeproc-attach.%s",
	    pp_t_root(), strrchr(mine, '.') + 1);
	memset(&o, 0, sizeof(o));
	o.data_dir = long_dir();
	o.address  = old;
	PP_PASS(pp_spawn(&o, &spawner));
	PP_PASS(pp_attach(long_dir(), NULL, &c));
	PP_PASS(pp_commit(c, &(pp_record) { "t", "y", 1 }, 1, &id));
	PP_ASSERT_U64_EQ(pp_t_length(spawner, "t"), 1);
	pp_close(c);
	PP_PASS(pp_shutdown(spawner));
	pp_close(spawner);
}

static const pp_test_case cases[] = {
	PP_CASE("a long data directory's socket address is in the runtime "
	        "directory",
	    test_address, 0),
	PP_CASE("pp_attach on a long directory serves from a 0700 runtime "
	        "directory of ours, nothing in $TMPDIR",
	    test_attach_long_dir, 0),
	PP_CASE("a runtime directory others may enter, or a symlink, is "
	        "refused",
	    test_open_rundir_refused, 0),
	PP_CASE("a node on the old $TMPDIR fallback is still found through "
	        "node.addr",
	    test_older_fallback_found, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
