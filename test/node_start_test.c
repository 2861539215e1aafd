/*
 * node_start_test.c - starting a node and reaching it (SPEC §3-4, PEER
 * §17, DESIGN §1): pp_spawn failures (PP_ESPAWN, PP_ETIMEDOUT, PP_ELOCKED,
 * PP_EADDRINUSE), a data directory that is a file, the ipc socket file
 * (mode 0600, stale files replaced) and pp_connect failures
 * (PP_ECONNREFUSED, PP_EADDR).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0) {
		PP_FAIL_AT("open %s: %s", path, strerror(errno));
	}
	pp_t_write_all(fd, text, strlen(text));
	close(fd);
	chmod(path, mode);
}

/* A unix socket file at path that nobody listens on. */
static void
make_stale_socket(const char *path)
{
	struct sockaddr_un sa;
	int                fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	PP_ASSERT_TRUE(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	pp_t_format(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		PP_FAIL_AT("bind %s: %s", path, strerror(errno));
	}
	close(fd);
}

static bool
is_socket(const char *path)
{
	struct stat sb;

	return (stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode));
}

static void
test_missing_program(void)
{
	pp_tnode      n;
	pp_spawn_opts o;
	pp_client    *c = NULL;
	char          path[PP_T_PATH + 32];
	uint64_t      start;

	pp_t_node_init(&n);
	pp_t_format(path, sizeof(path), "%s/no-such-dir/pipeproc-node",
	    pp_t_root());
	memset(&o, 0, sizeof(o));
	o.node_path = path;
	o.data_dir  = n.dir;
	o.address   = n.address;
	start       = pp_t_mono_ms();
	PP_FAIL(pp_spawn(&o, &c), PP_ESPAWN);
	/* An exec failure is reported at once, not after the start timeout. */
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, 5000);
	PP_ASSERT_TRUE(c == NULL);
	if (strstr(pp_last_errmsg(), path) == NULL) {
		PP_FAIL_AT("pp_last_errmsg \"%s\" does not name %s",
		    pp_last_errmsg(), path);
	}
	/* A file that is not executable. */
	pp_t_format(path, sizeof(path), "%s/not-a-program", pp_t_root());
	write_file(path, "just text\n", 0644);
	PP_FAIL(pp_spawn(&o, &c), PP_ESPAWN);
	PP_ASSERT_TRUE(strstr(pp_last_errmsg(), path) != NULL);
	PP_FAIL(pp_connect(n.address, NULL, &c), PP_ECONNREFUSED);
}

static void
test_program_exits_early(void)
{
	pp_tnode      n;
	pp_spawn_opts o;
	pp_client    *c = NULL;
	uint64_t      start;

	pp_t_node_init(&n);
	memset(&o, 0, sizeof(o));
	o.node_path        = "/bin/false";
	o.data_dir         = n.dir;
	o.address          = n.address;
	o.start_timeout_ms = 30000;
	start              = pp_t_mono_ms();
	PP_FAIL(pp_spawn(&o, &c), PP_ESPAWN);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, 10000);
	PP_ASSERT_TRUE(pp_last_errmsg()[0] != '\0');
}

static void
test_never_ready(void)
{
	pp_tnode      n;
	pp_spawn_opts o;
	pp_client    *c = NULL;
	char          script[PP_T_PATH + 16], pidfile[PP_T_PATH + 16];
	char          text[PP_T_PATH * 2], buf[32];
	pid_t         pid;
	int           fd;
	ssize_t       r;

	pp_t_node_init(&n);
	pp_t_format(script, sizeof(script), "%s/hang.sh", pp_t_root());
	pp_t_format(pidfile, sizeof(pidfile), "%s/hang.pid", pp_t_root());
	/* A stand-in for a node that hangs before it is ready. */
	pp_t_format(text, sizeof(text),
	    "#!/bin/sh\necho $$ > %s.tmp && mv %s.tmp %s\nexec sleep 100000\n",
	    pidfile, pidfile, pidfile);
	write_file(script, text, 0755);
	memset(&o, 0, sizeof(o));
	o.node_path        = script;
	o.data_dir         = n.dir;
	o.address          = n.address;
	o.start_timeout_ms = 500;
	PP_FAIL(pp_spawn(&o, &c), PP_ETIMEDOUT);
	PP_ASSERT_TRUE(c == NULL);
	/* No node process is left running. */
	if ((fd = open(pidfile, O_RDONLY | O_CLOEXEC)) >= 0) {
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		PP_ASSERT_TRUE(r > 0);
		buf[r] = '\0';
		pid    = (pid_t)atoi(buf);
		if (!pp_t_wait_pid_gone(pid, 5000)) {
			kill(pid, SIGKILL);
			PP_FAIL_AT("the hung program %d still runs", (int)pid);
		}
	}
}

static void
test_locked(void)
{
	pp_tnode  a, b;
	pp_client *c = NULL;
	pp_id      id;

	pp_t_node_init(&a);
	pp_t_node_start(&a, NULL);
	pp_t_commit_str(a.client, "t", "one");
	pp_t_node_init(&b);
	/* Same data directory, another address. */
	pp_t_format(b.dir, sizeof(b.dir), "%s", a.dir);
	PP_FAIL(pp_t_node_spawn(&b, NULL), PP_ELOCKED);
	PP_ASSERT_TRUE(pp_last_errmsg()[0] != '\0');
	PP_FAIL(pp_connect(b.address, NULL, &c), PP_ECONNREFUSED);
	/* The first node still works, through its client and a new one. */
	id = pp_t_commit_str(a.client, "t", "two");
	PP_ASSERT_U64_EQ(id.seq, 1);
	c = pp_t_connect(a.address);
	PP_ASSERT_U64_EQ(pp_t_length(c, "t"), 2);
	pp_close(c);
	PP_ASSERT_INT_EQ(pp_t_lock_pid(a.dir), a.pid);
	pp_t_node_stop(&a);
}

static void
test_address_in_use(void)
{
	pp_tnode   a, b;
	pp_client *c = NULL;
	pid_t      pid;

	pp_t_node_init(&a);
	pp_t_node_start(&a, NULL);
	pp_t_commit_str(a.client, "t", "from a");
	pp_t_node_init(&b);
	pp_t_format(b.address, sizeof(b.address), "%s", a.address);
	PP_FAIL(pp_t_node_spawn(&b, NULL), PP_EADDRINUSE);
	PP_ASSERT_TRUE(pp_last_errmsg()[0] != '\0');
	/* The refused node is gone and released its data directory. */
	if ((pid = pp_t_lock_pid(b.dir)) > 0) {
		PP_ASSERT_TRUE(pp_t_wait_pid_gone(pid, 5000));
	}
	/* The socket still belongs to the first node. */
	PP_ASSERT_TRUE(is_socket(a.sock));
	c = pp_t_connect(a.address);
	PP_ASSERT_U64_EQ(pp_t_length(c, "t"), 1);
	pp_close(c);
	PP_ASSERT_U64_EQ(pp_t_commit_str(a.client, "t", "again").seq, 1);
	/* b's directory can be used on another address. */
	pp_t_format(b.address, sizeof(b.address), "ipc://%s/other", b.dir);
	pp_t_node_start(&b, NULL);
	pp_t_node_stop(&b);
	pp_t_node_stop(&a);
}

static void
test_stale_socket(void)
{
	pp_tnode   n;
	pp_client *c = NULL;

	pp_t_node_init(&n);
	make_stale_socket(n.sock);
	PP_ASSERT_TRUE(is_socket(n.sock));
	PP_FAIL(pp_connect(n.address, NULL, &c), PP_ECONNREFUSED);
	pp_t_node_start(&n, NULL);
	pp_t_commit_str(n.client, "t", "x");
	c = pp_t_connect(n.address);
	PP_ASSERT_U64_EQ(pp_t_length(c, "t"), 1);
	pp_close(c);
	pp_t_node_stop(&n);
}

static void
test_killed_node_socket(void)
{
	pp_tnode   n;
	pp_client *c;
	int        st;

	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, NULL), 0);
	c = pp_t_connect(n.address);
	pp_t_commit_str(c, "t", "before");
	pp_close(c);
	pp_t_node_kill(&n, SIGKILL);
	/* The socket file stays behind, with nobody listening. */
	PP_ASSERT_TRUE(is_socket(n.sock));
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, NULL), 0);
	c = pp_t_connect(n.address);
	PP_ASSERT_U64_EQ(pp_t_length(c, "t"), 1);
	PP_ASSERT_U64_EQ(pp_t_commit_str(c, "t", "after").seq, 1);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	st = pp_t_node_wait(&n, 10000);
	PP_ASSERT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
test_socket_mode(void)
{
	pp_tnode    a, b;
	struct stat sb;

	/* Even with a permissive umask the socket is private. */
	umask(0);
	pp_t_node_init(&a);
	pp_t_node_start(&a, NULL);
	PP_ASSERT_INT_EQ(stat(a.sock, &sb), 0);
	PP_ASSERT_TRUE(S_ISSOCK(sb.st_mode));
	PP_ASSERT_INT_EQ(sb.st_mode & 0777, 0600);
	pp_t_node_stop(&a);
	pp_t_node_init(&b);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&b, NULL), 0);
	PP_ASSERT_INT_EQ(stat(b.sock, &sb), 0);
	PP_ASSERT_INT_EQ(sb.st_mode & 0777, 0600);
	pp_t_node_kill(&b, SIGKILL);
}

static void
test_connect_refused(void)
{
	pp_client *c = NULL;
	char       addr[PP_T_PATH + 16], sock[PP_T_PATH];
	uint64_t   start;

	pp_t_format(addr, sizeof(addr), "ipc://%s/nothing", pp_t_root());
	start = pp_t_mono_ms();
	PP_FAIL(pp_connect(addr, NULL, &c), PP_ECONNREFUSED);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, 4000);
	pp_t_format(sock, sizeof(sock), "%s/stale", pp_t_root());
	make_stale_socket(sock);
	pp_t_format(addr, sizeof(addr), "ipc://%s", sock);
	start = pp_t_mono_ms();
	PP_FAIL(pp_connect(addr, NULL, &c), PP_ECONNREFUSED);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, 4000);
	PP_ASSERT_TRUE(c == NULL);
}

static void
test_bad_address(void)
{
	static const char *bad[] = { "http://x", "ipc://", "", "x", "ipc:/x",
		"tcp://nohostport", NULL };
	pp_tnode           n;
	pp_spawn_opts      o;
	pp_client         *c = NULL;
	uint64_t           start;
	int                i;

	for (i = 0; bad[i] != NULL; i++) {
		if (pp_connect(bad[i], NULL, &c) != PP_EADDR) {
			PP_FAIL_AT("pp_connect(\"%s\") is not PP_EADDR", bad[i]);
		}
	}
	pp_t_node_init(&n);
	memset(&o, 0, sizeof(o));
	o.address = "http://x";
	start     = pp_t_mono_ms();
	PP_FAIL(pp_t_node_spawn(&n, &o), PP_EADDR);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, 5000);
	PP_ASSERT_TRUE(pp_t_lock_pid(n.dir) == -1 ||
	    pp_t_wait_pid_gone(pp_t_lock_pid(n.dir), 5000));
	PP_ASSERT_TRUE(c == NULL);
}

static void
test_data_dir_is_a_file(void)
{
	pp_tnode      n;
	pp_spawn_opts o;
	char          path[PP_T_PATH + 16];
	int           rv;

	pp_t_format(path, sizeof(path), "%s/plain-file", pp_t_root());
	write_file(path, "not a directory\n", 0644);
	pp_t_node_init(&n);
	memset(&o, 0, sizeof(o));
	o.data_dir = path;
	rv         = pp_t_node_spawn(&n, &o);
	if (rv != PP_ESTORE && rv != PP_EIO) {
		PP_FAIL_AT("spawn on a file: %d %s, expected PP_ESTORE or "
		           "PP_EIO",
		    rv, pp_errname(rv));
	}
	PP_ASSERT_TRUE(pp_last_errmsg()[0] != '\0');
	PP_ASSERT_TRUE(!is_socket(n.sock));
}

static const pp_test_case cases[] = {
	PP_CASE("a missing node program is PP_ESPAWN at once and named",
	    test_missing_program, 0),
	PP_CASE("a program that exits before it is ready is PP_ESPAWN",
	    test_program_exits_early, 0),
	PP_CASE("a program that never becomes ready is PP_ETIMEDOUT and is "
	    "killed",
	    test_never_ready, 0),
	PP_CASE("a second node on the same data directory is PP_ELOCKED",
	    test_locked, 0),
	PP_CASE("a second node on a live node's address is PP_EADDRINUSE",
	    test_address_in_use, 0),
	PP_CASE("a stale socket file is replaced",
	    test_stale_socket, 0),
	PP_CASE("the socket file of a SIGKILLed node is replaced on restart",
	    test_killed_node_socket, 0),
	PP_CASE("the socket file is created mode 0600",
	    test_socket_mode, 0),
	PP_CASE("pp_connect where nothing listens is PP_ECONNREFUSED",
	    test_connect_refused, 0),
	PP_CASE("malformed addresses are PP_EADDR",
	    test_bad_address, 0),
	PP_CASE("a data directory that is a file cannot be opened",
	    test_data_dir_is_a_file, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
