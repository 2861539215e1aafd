/*
 * system_test.c - systemProcs run by real worker processes with real
 * plugins (issue 4 items 3, 5 and 8; PEER §12 and §14 with the fixes of
 * PEER §22-23): creation and naming, idempotent and conflicting
 * re-creation, plugin checks (ABI, symbol, load, init) that refuse before
 * anything exists, option validation, output to no, one or several `to`
 * topics in one ack_commit, claims of `count` logs, failures with their
 * reason, disabling and dead letters, destroy, restarts that keep every
 * option, PP_WORKERS_NONE and pp_wait_for_procs over systemProcs.
 * Crashes of workers and nodes are in system_crash_test.c.
 *
 * The plugins are the examples (upper, fanout, failer, count) and the
 * broken ones of test/plugins; see system_util.h for where they are found.
 * Nothing sleeps: outputs are awaited with pp_wait_for_procs() or by
 * polling a length or a proc's state with a deadline.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "system_util.h"

#define WAIT_MS 30000

static const char *const g_in[] = { "in" };
static const char *const g_out[] = { "out" };

/* A node with `workers` workers (PP_WORKERS_NONE: none) of concurrency 1. */
static void
start_node(pp_tnode *n, int32_t workers)
{
	pp_spawn_opts o = system_spawn_opts(workers, 0, 0);

	pp_t_node_init(n);
	pp_t_node_start(n, &o);
}

static void
restart_node(pp_tnode *n, int32_t workers)
{
	pp_spawn_opts o = system_spawn_opts(workers, 0, 0);

	pp_t_node_stop(n);
	pp_t_node_start(n, &o);
}

static size_t
proc_count(pp_client *c)
{
	pp_proc_list *l = NULL;
	size_t        n;

	PP_PASS(pp_procs(c, &l));
	n = pp_proc_list_count(l);
	pp_proc_list_free(l);
	return (n);
}

/* pp_system_proc must fail with `ex` and a message holding `needle`. */
static void
refused_at(int line, pp_client *c, const char *name,
    const pp_system_proc_opts *o, int ex, const char *needle)
{
	pp_proc_list *l = NULL;
	const char   *msg;
	int           rv = pp_system_proc(c, name, o, &l);

	msg = pp_client_errmsg(c);
	if (rv != ex) {
		pp_t_fail(__FILE__, line,
		    "pp_system_proc(%s) returned %s (%s), expected %s",
		    name != NULL ? name : "(null)", pp_errname(rv), msg,
		    pp_errname(ex));
	}
	if (needle != NULL && strstr(msg, needle) == NULL) {
		pp_t_fail(__FILE__, line,
		    "pp_system_proc(%s): %s with message \"%s\", which "
		    "does not name \"%s\"",
		    name != NULL ? name : "(null)", pp_errname(rv), msg,
		    needle);
	}
	if (l != NULL) {
		pp_t_fail(__FILE__, line, "a failed call returned a list");
	}
}
#define REFUSED(c, name, o, ex, needle)                                        \
	refused_at(__LINE__, (c), (name), (o), (ex), (needle))

/* Waits until proc `name` is disabled. */
static void
wait_disabled_at(int line, pp_client *c, const char *name, int timeout_ms)
{
	uint64_t    end = pp_t_mono_ms() + (uint64_t)pp_t_scaled(timeout_ms);
	system_info s;

	for (;;) {
		system_inspect_at(line, c, name, &s);
		if (s.i.is_disabled) {
			return;
		}
		if (pp_t_mono_ms() > end) {
			pp_t_fail(__FILE__, line,
			    "%s not disabled within %d ms (reclaims %u, "
			    "last error \"%s\")",
			    name, timeout_ms, s.i.reclaims, s.last_error);
		}
		pp_t_nap();
		pp_t_nap();
	}
}
#define WAIT_DISABLED(c, name, ms) wait_disabled_at(__LINE__, (c), (name), (ms))

/* ---- creation and naming
 * ------------------------------------------------------- */

static void
check_sys_proc(const pp_proc_info *i, const char *name, const char *topic,
    const char *sys, const char *plugin)
{
	PP_ASSERT_STR_EQ(i->name, name);
	PP_ASSERT_STR_EQ(i->topic, topic);
	PP_ASSERT_STR_EQ(i->system_proc, sys);
	PP_ASSERT_STR_EQ(i->plugin, plugin);
	PP_ASSERT_TRUE(!i->is_disabled);
	PP_ASSERT_TRUE(!i->has_claim);
}

static void
test_naming(void)
{
	static const char *const from3[] = { "a", "b", "c" };
	static const char *const to2[] = { "o1", "o2" };
	const char              *upper = system_plugin("upper", 0);
	pp_system_proc_opts      o;
	pp_proc_list            *l = NULL;
	pp_claim                *cl = NULL;
	pp_tnode                 n;
	char                     cwd[PATH_MAX], dir[PATH_MAX], *slash;
	size_t                   i;

	start_node(&n, PP_WORKERS_NONE);
	/* One `from` topic: one proc with the systemProc's own name. */
	o = system_opts(g_in, 1, g_out, 1, upper, NULL);
	PP_PASS(pp_system_proc(n.client, "single", &o, &l));
	PP_ASSERT_U64_EQ(pp_proc_list_count(l), 1);
	check_sys_proc(pp_proc_list_get(l, 0), "single", "in", "single", upper);
	PP_ASSERT_STR_EQ(pp_proc_list_get(l, 0)->offset, ">");
	PP_ASSERT_U64_EQ(pp_proc_list_get(l, 0)->opts.count, 1);
	PP_ASSERT_INT_EQ(pp_proc_list_get(l, 0)->opts.max_reclaims, -1);
	PP_ASSERT_INT_EQ(
	    pp_proc_list_get(l, 0)->opts.reclaim_timeout_ms, 10000);
	PP_ASSERT_INT_EQ(
	    pp_proc_list_get(l, 0)->opts.on_max_reclaims, PP_ON_MAX_DISABLE);
	pp_proc_list_free(l);

	/* Several: one proc "name__topic" per topic, in `from` order. */
	o = system_opts(from3, 3, to2, 2, upper, "prefix=x");
	l = NULL;
	PP_PASS(pp_system_proc(n.client, "multi", &o, &l));
	PP_ASSERT_U64_EQ(pp_proc_list_count(l), 3);
	check_sys_proc(pp_proc_list_get(l, 0), "multi__a", "a", "multi", upper);
	check_sys_proc(pp_proc_list_get(l, 1), "multi__b", "b", "multi", upper);
	check_sys_proc(pp_proc_list_get(l, 2), "multi__c", "c", "multi", upper);
	pp_proc_list_free(l);

	/* A relative plugin path is made absolute against the caller's
	 * working directory (PEER §12.1). */
	PP_ASSERT_TRUE(getcwd(cwd, sizeof(cwd)) != NULL);
	pp_t_format(dir, sizeof(dir), "%s", upper);
	slash = strrchr(dir, '/');
	PP_ASSERT_TRUE(slash != NULL);
	*slash = '\0';
	PP_ASSERT_INT_EQ(chdir(dir), 0);
	o = system_opts(g_in, 1, NULL, 0, "upper.so", NULL);
	o.proc.offset = "$>";
	l = NULL;
	PP_PASS(pp_system_proc(n.client, "relative", &o, &l));
	PP_ASSERT_INT_EQ(chdir(cwd), 0);
	check_sys_proc(
	    pp_proc_list_get(l, 0), "relative", "in", "relative", upper);
	PP_ASSERT_STR_EQ(pp_proc_list_get(l, 0)->offset, "$>");
	pp_proc_list_free(l);

	/* An ordinary proc belongs to no systemProc. */
	PP_PASS(pp_proc(n.client, "in", "plain", NULL, 0, &cl));
	pp_claim_free(cl);

	/* pp_procs lists them all, in name order, with their systemProc. */
	l = NULL;
	PP_PASS(pp_procs(n.client, &l));
	PP_ASSERT_U64_EQ(pp_proc_list_count(l), 6);
	{
		static const char *const names[] = { "multi__a", "multi__b",
			"multi__c", "plain", "relative", "single" };
		static const char *const syss[]
		    = { "multi", "multi", "multi", "", "relative", "single" };

		for (i = 0; i < 6; i++) {
			const pp_proc_info *p = pp_proc_list_get(l, i);

			PP_ASSERT_STR_EQ(p->name, names[i]);
			PP_ASSERT_STR_EQ(p->system_proc, syss[i]);
			PP_ASSERT_STR_EQ(p->plugin, syss[i][0] ? upper : "");
		}
	}
	pp_proc_list_free(l);
	pp_t_node_stop(&n);
}

/* ---- re-creation
 * --------------------------------------------------------------- */

/* Copies the file at `from` into the case directory as `name`; returns
 * the copy's path (static storage). */
static const char *
copy_file(const char *from, const char *name)
{
	static char path[PP_T_PATH + 64];
	char        buf[8192];
	FILE       *in, *out;
	size_t      n;

	pp_t_format(path, sizeof(path), "%s/%s", pp_t_root(), name);
	in = fopen(from, "rb");
	out = fopen(path, "wb");
	PP_ASSERT_TRUE(in != NULL && out != NULL);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		PP_ASSERT_U64_EQ(fwrite(buf, 1, n, out), n);
	}
	fclose(in);
	PP_ASSERT_INT_EQ(fclose(out), 0);
	return (path);
}

static void
test_recreate(void)
{
	static const char *const from[] = { "a", "b" };
	static const char *const from_one[] = { "a" };
	static const char *const from_swap[] = { "b", "a" };
	static const char *const from_more[] = { "a", "b", "c" };
	static const char *const to[] = { "x", "y" };
	static const char *const to_one[] = { "x" };
	static const char *const to_swap[] = { "y", "x" };
	static const char *const to_more[] = { "x", "y", "z" };
	static const char *const from_taken[] = { "u", "t" };
	const char              *upper = system_plugin("upper", 0);
	pp_system_proc_opts      base, o;
	pp_proc_list            *l = NULL;
	pp_claim                *cl = NULL;
	system_info              before, after;
	pp_tnode                 n;
	size_t                   k;

	start_node(&n, PP_WORKERS_NONE);
	base = system_opts(from, 2, to, 2, upper, "prefix=P");
	base.proc.count = 3;
	base.proc.max_reclaims = 4;
	base.proc.reclaim_timeout_ms = 5000;
	base.proc.on_max_reclaims = PP_ON_MAX_DEADLETTER;
	PP_ASSERT_U64_EQ(SYSTEM_CREATE(n.client, "s", &base), 2);
	SYSTEM_INSPECT(n.client, "s__a", &before);

	/* Identical: the existing procs, untouched, as often as asked. */
	for (k = 0; k < 2; k++) {
		l = NULL;
		PP_PASS(pp_system_proc(n.client, "s", &base, &l));
		PP_ASSERT_U64_EQ(pp_proc_list_count(l), 2);
		PP_ASSERT_STR_EQ(pp_proc_list_get(l, 0)->name, "s__a");
		PP_ASSERT_STR_EQ(pp_proc_list_get(l, 1)->name, "s__b");
		PP_ASSERT_U64_EQ(
		    pp_proc_list_get(l, 0)->created_ms, before.i.created_ms);
		pp_proc_list_free(l);
	}

	/* Any difference is PP_EPROC_EXISTS: nothing is silently ignored
	 * (PEER §22.22), and a `from` list that overlaps is no partial
	 * merge (PEER §22.11). */
#define DIFFERENT(field, value)                                                \
	do {                                                                   \
		o = base;                                                      \
		o.field = value;                                               \
		REFUSED(n.client, "s", &o, PP_EPROC_EXISTS, "s");              \
	} while (0)
	DIFFERENT(plugin, copy_file(upper, "upper_copy.so"));
	DIFFERENT(config, "prefix=Q");
	DIFFERENT(config, NULL);
	DIFFERENT(nto, 1);
	DIFFERENT(nto, 0);
	DIFFERENT(to, to_swap);
	DIFFERENT(proc.count, 4);
	DIFFERENT(proc.max_reclaims, 5);
	DIFFERENT(proc.reclaim_timeout_ms, 5001);
	DIFFERENT(proc.on_max_reclaims, PP_ON_MAX_CONTINUE);
	DIFFERENT(proc.offset, "$>");
	o = base;
	o.to = to_more;
	o.nto = 3;
	REFUSED(n.client, "s", &o, PP_EPROC_EXISTS, NULL);
	o = base;
	o.to = to_one;
	o.nto = 1;
	REFUSED(n.client, "s", &o, PP_EPROC_EXISTS, NULL);
	o = base;
	o.from = from_one;
	o.nfrom = 1;
	REFUSED(n.client, "s", &o, PP_EPROC_EXISTS, NULL);
	o = base;
	o.from = from_swap;
	REFUSED(n.client, "s", &o, PP_EPROC_EXISTS, NULL);
	o = base;
	o.from = from_more;
	o.nfrom = 3;
	REFUSED(n.client, "s", &o, PP_EPROC_EXISTS, NULL);
#undef DIFFERENT
	/* ... and changed nothing. */
	SYSTEM_INSPECT(n.client, "s__a", &after);
	PP_ASSERT_U64_EQ(after.i.created_ms, before.i.created_ms);
	PP_ASSERT_U64_EQ(after.i.opts.count, 3);
	PP_ASSERT_INT_EQ(after.i.opts.max_reclaims, 4);
	PP_ASSERT_INT_EQ(after.i.opts.reclaim_timeout_ms, 5000);
	PP_ASSERT_U64_EQ(proc_count(n.client), 2);
	PP_FAIL(pp_proc_inspect(n.client, "s__c", NULL), PP_ENOPROC);

	/* NULL config and "" are the same config. */
	o = system_opts(g_in, 1, NULL, 0, upper, NULL);
	SYSTEM_CREATE(n.client, "noconf", &o);
	o.config = "";
	SYSTEM_CREATE(n.client, "noconf", &o);

	/* A proc of that name exists already (PEER §12.2): refused, and
	 * none of the systemProc's other procs is created. */
	PP_PASS(pp_proc(n.client, "t", "taken", NULL, 0, &cl));
	pp_claim_free(cl);
	PP_PASS(pp_proc(n.client, "t", "pair__t", NULL, 0, &cl));
	pp_claim_free(cl);
	o = system_opts(g_in, 1, NULL, 0, upper, NULL);
	REFUSED(n.client, "taken", &o, PP_EPROC_EXISTS, "taken");
	o = system_opts(from_taken, 2, NULL, 0, upper, NULL);
	REFUSED(n.client, "pair", &o, PP_EPROC_EXISTS, "pair__t");
	PP_FAIL(pp_proc_inspect(n.client, "pair__u", NULL), PP_ENOPROC);
	PP_FAIL(pp_system_proc_destroy(n.client, "pair"), PP_ENOSYSPROC);
	PP_FAIL(pp_system_proc_destroy(n.client, "taken"), PP_ENOSYSPROC);
	PP_ASSERT_U64_EQ(proc_count(n.client), 5);
	pp_t_node_stop(&n);
}

/* ---- plugin checks
 * ------------------------------------------------------------- */

/* A broken plugin is refused with PP_EPLUGIN naming the problem. */
static void
plugin_refused_at(int line, pp_client *c, const char *plugin,
    const char *config, const char *needle)
{
	pp_system_proc_opts o = system_opts(g_in, 1, g_out, 1, plugin, config);

	refused_at(line, c, "broken", &o, PP_EPLUGIN, needle);
}
#define PLUGIN_REFUSED(c, plugin, config, needle)                              \
	plugin_refused_at(__LINE__, (c), (plugin), (config), (needle))

static void
test_bad_plugins(void)
{
	static const struct {
		const char *name;
		const char *config;
		const char *needle;
	} broken[] = {
		{ "bad_abi", NULL, "abi_version" },
		{ "bad_size", NULL, "descriptor size" },
		{ "no_symbol", NULL, "pipeproc_plugin" },
		{ "no_process", NULL, "process is NULL" },
		{ "no_name", NULL, "name is NULL" },
		{ "bad_init", NULL, "refusing config" },
		{ "bad_init", "quiet", "init returned 7" },
		{ "bad_init", "crash", "signal" },
		{ "bad_init", "abort", "signal" },
	};
	const char *lib_so = getenv("PIPEPROC_LIB_SO");
	const char *p;
	char        text[PP_T_PATH + 16], missing[PP_T_PATH + 16];
	pp_tnode    n;
	uint64_t    length;
	FILE       *f;
	size_t      i, tested = 0;

	start_node(&n, 1);
	/* No such file; a directory; a text file; a relative path that
	 * does not resolve (refused by the library, PEER §12.1). */
	pp_t_format(missing, sizeof(missing), "%s/none.so", pp_t_root());
	PLUGIN_REFUSED(n.client, missing, NULL, "none.so");
	PLUGIN_REFUSED(n.client, missing, NULL, "No such file");
	PLUGIN_REFUSED(n.client, pp_t_root(), NULL, "not a regular file");
	pp_t_format(text, sizeof(text), "%s/text.so", pp_t_root());
	f = fopen(text, "w");
	PP_ASSERT_TRUE(f != NULL);
	fputs("not a shared object\n", f);
	fclose(f);
	PLUGIN_REFUSED(n.client, text, NULL, "cannot load");
	PLUGIN_REFUSED(n.client, "no/such/dir/x.so", NULL, "x.so");
	/* A shared object without the descriptor. */
	if (lib_so != NULL && lib_so[0] != '\0') {
		PLUGIN_REFUSED(n.client, lib_so, NULL, "pipeproc_plugin");
	}
	/* A plugin whose init() refuses the config. */
	PLUGIN_REFUSED(n.client, system_plugin("upper", 0), "colour=red",
	    "unknown config");
	PLUGIN_REFUSED(
	    n.client, system_plugin("failer", 0), "sleep-ms=x", "sleep-ms");
	/* The broken plugins of test/plugins. */
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		if ((p = system_test_plugin(broken[i].name, 0)) == NULL) {
			pp_t_diag(
			    "%s.so is not built: skipped", broken[i].name);
			continue;
		}
		PLUGIN_REFUSED(n.client, p, broken[i].config, broken[i].needle);
		PLUGIN_REFUSED(n.client, p, broken[i].config, p);
		tested++;
	}
	PP_ASSERT_U64_CMP(tested, >=, 6);
	/* Nothing was created, and the node and its worker are fine. */
	PP_ASSERT_U64_EQ(proc_count(n.client), 0);
	PP_FAIL(pp_system_proc_destroy(n.client, "broken"), PP_ENOSYSPROC);
	PP_FAIL(pp_length(n.client, "in", &length), PP_ENOTOPIC);
	{
		pp_system_proc_opts o = system_opts(
		    g_in, 1, g_out, 1, system_plugin("upper", 0), NULL);
		uint32_t counts[3];

		SYSTEM_CREATE(n.client, "fine", &o);
		system_commit_inputs(n.client, "in", "ok", 0, 3);
		SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
		PP_ASSERT_U64_EQ(system_count_outputs(
		                     n.client, "out", "OK", 3, counts, NULL),
		    3);
		SYSTEM_CHECK_ONCE("out", counts, 3, NULL, 0);
	}
	pp_t_node_stop(&n);
}

/* ---- validation
 * ---------------------------------------------------------------- */

static void
test_invalid(void)
{
	static const char *const bad_topic[] = { "in", "no spaces" };
	static const char *const twice[] = { "in", "in" };
	static const char *const empty[] = { "" };
	static const char *const seventeen[]
	    = { "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9",
		      "t10", "t11", "t12", "t13", "t14", "t15", "t16" };
	static const char *const long_from[] = { "aaaaaaaaaaaaaaaaaaaa", "b" };
	const char              *upper = system_plugin("upper", 0);
	pp_system_proc_opts      o;
	pp_tnode                 n;
	uint64_t                 length;
	char                     name[256], *config;

	start_node(&n, PP_WORKERS_NONE);
	o = system_opts(g_in, 1, g_out, 1, upper, NULL);
	REFUSED(n.client, NULL, &o, PP_EINVALID_NAME, NULL);
	REFUSED(n.client, "", &o, PP_EINVALID_NAME, NULL);
	REFUSED(n.client, "bad name", &o, PP_EINVALID_NAME, NULL);
	REFUSED(n.client, "bad#name", &o, PP_EINVALID_NAME, NULL);
	memset(name, 'n', 201);
	name[201] = '\0';
	REFUSED(n.client, name, &o, PP_EINVALID_NAME, NULL);
	/* name__topic longer than a name may be. */
	memset(name, 'n', 185);
	name[185] = '\0';
	o = system_opts(long_from, 2, NULL, 0, upper, NULL);
	REFUSED(n.client, name, &o, PP_EINVALID_NAME, NULL);

	REFUSED(n.client, "s", NULL, PP_EINVAL, NULL);
	o = system_opts(g_in, 1, g_out, 1, NULL, NULL);
	REFUSED(n.client, "s", &o, PP_EINVAL, NULL);
	o = system_opts(g_in, 1, g_out, 1, "", NULL);
	REFUSED(n.client, "s", &o, PP_EINVAL, NULL);
	o = system_opts(g_in, 0, g_out, 1, upper, NULL);
	REFUSED(n.client, "s", &o, PP_EINVALID_OPTION, NULL);
	o = system_opts(seventeen, 17, g_out, 1, upper, NULL);
	REFUSED(n.client, "s", &o, PP_EINVALID_OPTION, NULL);
	o = system_opts(g_in, 1, seventeen, 17, upper, NULL);
	REFUSED(n.client, "s", &o, PP_EINVALID_OPTION, NULL);
	o = system_opts(NULL, 1, g_out, 1, upper, NULL);
	REFUSED(n.client, "s", &o, PP_EINVALID_OPTION, NULL);
	o = system_opts(twice, 2, g_out, 1, upper, NULL);
	REFUSED(n.client, "s", &o, PP_EINVALID_OPTION, "twice");
	o = system_opts(bad_topic, 2, g_out, 1, upper, NULL);
	REFUSED(n.client, "s", &o, PP_EINVALID_TOPIC, NULL);
	o = system_opts(empty, 1, g_out, 1, upper, NULL);
	REFUSED(n.client, "s", &o, PP_EINVALID_TOPIC, NULL);
	o = system_opts(g_in, 1, bad_topic, 2, upper, NULL);
	REFUSED(n.client, "s", &o, PP_EINVALID_TOPIC, NULL);
	o = system_opts(g_in, 1, g_out, 1, upper, NULL);
	o.proc.count = 0;
	REFUSED(n.client, "s", &o, PP_EINVALID_OPTION, NULL);
	o.proc.count = 100001;
	REFUSED(n.client, "s", &o, PP_EINVALID_OPTION, NULL);
	o = system_opts(g_in, 1, g_out, 1, upper, NULL);
	o.proc.reclaim_timeout_ms = 0;
	REFUSED(n.client, "s", &o, PP_EINVALID_OPTION, NULL);
	o = system_opts(g_in, 1, g_out, 1, upper, NULL);
	o.proc.max_reclaims = -2;
	REFUSED(n.client, "s", &o, PP_EINVALID_OPTION, NULL);
	o = system_opts(g_in, 1, g_out, 1, upper, NULL);
	o.proc.on_max_reclaims = (enum pp_on_max_reclaims)7;
	REFUSED(n.client, "s", &o, PP_EINVALID_OPTION, NULL);
	o = system_opts(g_in, 1, g_out, 1, upper, NULL);
	o.proc.offset = "abc";
	REFUSED(n.client, "s", &o, PP_EINVALID_ID, NULL);
	config = malloc(4098);
	PP_ASSERT_TRUE(config != NULL);
	memset(config, 'c', 4097);
	config[4097] = '\0';
	o = system_opts(g_in, 1, g_out, 1, upper, config);
	REFUSED(n.client, "s", &o, PP_EINVAL, NULL);
	free(config);
	PP_FAIL(pp_system_proc_destroy(n.client, ""), PP_EINVALID_NAME);
	PP_FAIL(pp_system_proc_destroy(n.client, NULL), PP_EINVALID_NAME);
	PP_FAIL(pp_system_proc_destroy(n.client, "s"), PP_ENOSYSPROC);
	PP_FAIL(pp_system_proc_destroy(NULL, "s"), PP_ENOTCONN);
	/* Nothing of it exists. */
	PP_ASSERT_U64_EQ(proc_count(n.client), 0);
	PP_FAIL(pp_length(n.client, "in", &length), PP_ENOTOPIC);
	pp_t_node_stop(&n);
}

/* ---- outputs
 * ------------------------------------------------------------------- */

static void
test_no_to(void)
{
	pp_system_proc_opts o;
	pp_topic_list      *tl = NULL;
	system_info         s;
	pp_tnode            n;

	start_node(&n, 1);
	o = system_opts(g_in, 1, NULL, 0, system_plugin("upper", 0), NULL);
	o.proc.count = 3;
	SYSTEM_CREATE(n.client, "sink", &o);
	system_commit_inputs(n.client, "in", "in", 0, 50);
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	SYSTEM_INSPECT(n.client, "sink", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 50);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_CMP(s.i.last_acked_ms, >, 0);
	PP_ASSERT_STR_EQ(s.last_error, "");
	/* Acked, and nothing was written anywhere. */
	PP_PASS(pp_topics(n.client, &tl));
	PP_ASSERT_U64_EQ(pp_topic_list_count(tl), 1);
	PP_ASSERT_STR_EQ(pp_topic_list_get(tl, 0)->name, "in");
	pp_topic_list_free(tl);
	pp_t_node_stop(&n);
}

static void
test_fanout(void)
{
	static const char *const to3[] = { "same", "shout", "size" };
	static const char *const to2[] = { "e1", "e2" };
	static const char *const names[] = { "routes", "everywhere" };
	const char              *fanout = system_plugin("fanout", 0);
	pp_system_proc_opts      o;
	pp_node_stats            before, after;
	pp_t_logs                t[3], e[2];
	char                     body[64];
	pp_tnode                 n;
	size_t                   i, k, len;

	start_node(&n, 1);
	system_commit_inputs(n.client, "in", "in", 0, 40);
	before = system_node_stats(n.client);
	o = system_opts(
	    g_in, 1, to3, 3, fanout, "same=copy,shout=upper,size=length");
	o.proc.count = 4;
	SYSTEM_CREATE(n.client, "routes", &o);
	/* With no routes, emit() sends each log to every `to` topic. */
	o = system_opts(g_in, 1, to2, 2, fanout, NULL);
	o.proc.count = 40;
	SYSTEM_CREATE(n.client, "everywhere", &o);
	SYSTEM_WAIT_PROCS(n.client, names, 2, WAIT_MS);
	after = system_node_stats(n.client);
	/* One ack_commit per claim: 10 of 4 logs and 1 of 40. */
	PP_ASSERT_U64_EQ(after.commits - before.commits, 11);

	for (k = 0; k < 3; k++) {
		pp_t_read_all(n.client, to3[k], NULL, false, &t[k]);
		PP_ASSERT_U64_EQ(t[k].count, 40);
	}
	for (i = 0; i < 40; i++) {
		len = system_input_body(body, "in", i);
		PP_ASSERT_MEM_EQ(t[0].bodies[i], t[0].lens[i], body, len);
		system_input_body(body, "IN", i);
		PP_ASSERT_MEM_EQ(t[1].bodies[i], t[1].lens[i], body, len);
		PP_ASSERT_STR_EQ(t[2].bodies[i], "10");
		/* One input's outputs came in one ack_commit, and so did
		 * the outputs of the 4 inputs of its claim. */
		PP_ASSERT_U64_EQ(t[1].ids[i].ms, t[0].ids[i].ms);
		PP_ASSERT_U64_EQ(t[2].ids[i].ms, t[0].ids[i].ms);
		PP_ASSERT_U64_EQ(t[0].ids[i].ms, t[0].ids[i - i % 4].ms);
	}
	for (k = 0; k < 2; k++) {
		pp_t_read_all(n.client, to2[k], NULL, false, &e[k]);
		PP_ASSERT_U64_EQ(e[k].count, 40);
		for (i = 0; i < 40; i++) {
			len = system_input_body(body, "in", i);
			PP_ASSERT_MEM_EQ(
			    e[k].bodies[i], e[k].lens[i], body, len);
			PP_ASSERT_U64_EQ(e[k].ids[i].ms, e[k].ids[0].ms);
		}
		pp_t_logs_free(&e[k]);
	}
	for (k = 0; k < 3; k++) {
		pp_t_logs_free(&t[k]);
	}
	pp_t_node_stop(&n);
}

/* Parses a summary of the count plugin: "logs=N bytes=B first=.. ...". */
static unsigned
summary_logs(const char *body)
{
	unsigned v = 0;

	if (sscanf(body, "logs=%u ", &v) != 1) {
		PP_FAIL_AT("not a count summary: \"%s\"", body);
	}
	return (v);
}

static void
test_count(void)
{
	static const char *const summaries[] = { "summaries" };
	static const char *const names1[] = { "by100" };
	static const char *const names2[] = { "by1" };
	pp_system_proc_opts      o;
	pp_node_stats            before, after;
	pp_t_logs                out;
	uint32_t                 counts[1000];
	pp_tnode                 n;
	size_t                   i, total = 0;

	start_node(&n, 1);
	system_commit_inputs(n.client, "in", "in", 0, 1000);
	before = system_node_stats(n.client);
	/* The count plugin writes one summary per claim: the plugin gets
	 * batches of `count` logs (PEER §22.23: the peer always gave one). */
	o = system_opts(g_in, 1, summaries, 1, system_plugin("count", 0), NULL);
	o.proc.count = 100;
	SYSTEM_CREATE(n.client, "by100", &o);
	SYSTEM_WAIT_PROCS(n.client, names1, 1, WAIT_MS);
	after = system_node_stats(n.client);
	PP_ASSERT_U64_EQ(after.commits - before.commits, 10);
	pp_t_read_all(n.client, "summaries", NULL, false, &out);
	PP_ASSERT_U64_EQ(out.count, 10);
	for (i = 0; i < out.count; i++) {
		PP_ASSERT_INT_EQ(summary_logs(out.bodies[i]), 100);
		total += summary_logs(out.bodies[i]);
	}
	PP_ASSERT_U64_EQ(total, 1000);
	pp_t_logs_free(&out);

	/* With count 1, one ack_commit per log; every log once. */
	o = system_opts(g_in, 1, g_out, 1, system_plugin("failer", 0), NULL);
	o.proc.count = 1;
	before = system_node_stats(n.client);
	SYSTEM_CREATE(n.client, "by1", &o);
	SYSTEM_WAIT_PROCS(n.client, names2, 1, WAIT_MS);
	after = system_node_stats(n.client);
	PP_ASSERT_U64_EQ(after.commits - before.commits, 1000);
	PP_ASSERT_U64_EQ(
	    system_count_outputs(n.client, "out", "in", 1000, counts, NULL),
	    1000);
	SYSTEM_CHECK_ONCE("out", counts, 1000, NULL, 0);
	pp_t_node_stop(&n);
}

/* ---- failures
 * ------------------------------------------------------------------ */

static void
test_failure_disables(void)
{
	pp_system_proc_opts o;
	pp_id               ids[3];
	pp_t_logs           out;
	system_info         s;
	pp_tnode            n;
	char                want[160];

	start_node(&n, 1);
	o = system_opts(
	    g_in, 1, g_out, 1, system_plugin("failer", 0), "fail-on=BAD");
	o.proc.max_reclaims = 2;
	o.proc.reclaim_timeout_ms = 600000;
	o.proc.on_max_reclaims = PP_ON_MAX_DISABLE;
	SYSTEM_CREATE(n.client, "picky", &o);
	ids[0] = pp_t_commit_str(n.client, "in", "good 0");
	ids[1] = pp_t_commit_str(n.client, "in", "a BAD one");
	ids[2] = pp_t_commit_str(n.client, "in", "good 2");
	/* Reclaimed at once with the reason (not at the timeout, PEER
	 * §22.28), three times in a row, then disabled. */
	WAIT_DISABLED(n.client, "picky", WAIT_MS);
	SYSTEM_INSPECT(n.client, "picky", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 3);
	PP_ASSERT_U64_EQ(s.i.next_seq, 1);
	PP_ASSERT_TRUE(!s.i.has_claim);
	pp_t_format(want, sizeof(want),
	    "failer: log %" PRIu64 "-%" PRIu64 " contains 'BAD'", ids[1].ms,
	    ids[1].seq);
	PP_ASSERT_STR_EQ(s.last_error, want);
	pp_t_read_all(n.client, "out", NULL, false, &out);
	PP_ASSERT_U64_EQ(out.count, 1);
	PP_ASSERT_STR_EQ(out.bodies[0], "good 0");
	pp_t_logs_free(&out);
	/* A disabled proc is not waited for. */
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	/* Resumed, it fails the same way again. */
	PP_PASS(pp_proc_resume(n.client, "picky", NULL));
	WAIT_DISABLED(n.client, "picky", WAIT_MS);
	SYSTEM_INSPECT(n.client, "picky", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 3);
	PP_ASSERT_U64_EQ(s.i.next_seq, 1);

	/* Without fail(), the reason is process()'s return value. */
	o = system_opts(g_in, 1, NULL, 0, system_plugin("failer", 0),
	    "fail-on=BAD,silent,status=7");
	o.proc.max_reclaims = 0;
	SYSTEM_CREATE(n.client, "quiet", &o);
	WAIT_DISABLED(n.client, "quiet", WAIT_MS);
	SYSTEM_INSPECT(n.client, "quiet", &s);
	PP_ASSERT_STR_EQ(s.last_error, "process() returned 7");
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);

	/* An emit_to() outside `to` fails the claim, and what it emitted
	 * before is not committed: all or nothing. */
	{
		static const char *const to_x[] = { "x" };

		o = system_opts(g_in, 1, to_x, 1, system_plugin("fanout", 0),
		    "x=copy,nope=copy");
		o.proc.max_reclaims = 0;
		SYSTEM_CREATE(n.client, "stray", &o);
		WAIT_DISABLED(n.client, "stray", WAIT_MS);
		SYSTEM_INSPECT(n.client, "stray", &s);
		if (strstr(s.last_error, "nope") == NULL) {
			PP_FAIL_AT("last error \"%s\" does not name the topic",
			    s.last_error);
		}
		PP_ASSERT_U64_EQ(s.i.next_seq, 0);
		PP_ASSERT_U64_EQ(system_length(n.client, "x"), 0);
	}
	pp_t_node_stop(&n);
}

static void
test_dead_letters(void)
{
	static const char *const names[] = { "dl" };
	static const uint64_t    poison[] = { 7 };
	pp_system_proc_opts      o;
	pp_node_stats            before, after;
	pp_t_logs                dead;
	uint32_t                 counts[40];
	system_info              s;
	pp_tnode                 n;

	start_node(&n, 1);
	system_commit_inputs(n.client, "in", "in", 0, 40);
	before = system_node_stats(n.client);
	o = system_opts(g_in, 1, g_out, 1, system_plugin("failer", 0),
	    "fail-on=in-0000007");
	o.proc.count = 5;
	o.proc.max_reclaims = 1;
	o.proc.on_max_reclaims = PP_ON_MAX_DEADLETTER;
	SYSTEM_CREATE(n.client, "dl", &o);
	SYSTEM_WAIT_PROCS(n.client, names, 1, WAIT_MS);
	after = system_node_stats(n.client);

	/* The claim of inputs 5..9 failed; its logs were retried one by
	 * one, so only input 7 went to the dead letters and the others of
	 * its claim flowed on. */
	PP_ASSERT_U64_EQ(
	    system_count_outputs(n.client, "out", "in", 40, counts, NULL), 39);
	SYSTEM_CHECK_ONCE("out", counts, 40, poison, 1);
	pp_t_read_all(n.client, "in.dead", NULL, false, &dead);
	PP_ASSERT_U64_EQ(dead.count, 1);
	if (!system_has_bytes(dead.bodies[0], dead.lens[0], "in-0000007")
	    || !system_has_bytes(dead.bodies[0], dead.lens[0], "dl")
	    || !system_has_bytes(
	        dead.bodies[0], dead.lens[0], "contains 'in-0000007'")
	    || !system_has_bytes(dead.bodies[0], dead.lens[0], "attempts")) {
		PP_FAIL_AT("dead letter (%zu bytes) lacks the body, the proc "
		           "or the error",
		    dead.lens[0]);
	}
	pp_t_logs_free(&dead);
	PP_ASSERT_U64_EQ(after.dead_letters - before.dead_letters, 1);
	SYSTEM_INSPECT(n.client, "dl", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.next_seq, 40);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	/* Back to full claims after the retried ones: the rest were
	 * handled 5 at a time (5 full claims before, 6 after, plus the
	 * 4 good single retries): far fewer ack_commits than logs. */
	PP_ASSERT_U64_CMP(after.commits - before.commits, <=, 16);
	pp_t_node_stop(&n);
}

/* ---- destroy
 * ------------------------------------------------------------------- */

static void
test_destroy(void)
{
	static const char *const from[] = { "a", "b" };
	static const char *const wout[] = { "wout" };
	static const char *const witness[] = { "witness" };
	pp_system_proc_opts      o;
	uint32_t                 counts[20];
	system_info              s, fresh;
	pp_tnode                 n;

	start_node(&n, 1);
	o = system_opts(from, 2, g_out, 1, system_plugin("failer", 0), NULL);
	SYSTEM_CREATE(n.client, "gone", &o);
	SYSTEM_INSPECT(n.client, "gone__a", &s);
	system_commit_inputs(n.client, "a", "a", 0, 10);
	system_commit_inputs(n.client, "b", "b", 0, 10);
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 20);

	PP_PASS(pp_system_proc_destroy(n.client, "gone"));
	PP_ASSERT_U64_EQ(proc_count(n.client), 0);
	PP_FAIL(pp_proc_inspect(n.client, "gone__a", NULL), PP_ENOPROC);
	PP_FAIL(pp_proc_inspect(n.client, "gone__b", NULL), PP_ENOPROC);
	PP_FAIL(pp_system_proc_destroy(n.client, "gone"), PP_ENOSYSPROC);

	/* Its outputs stop: new inputs stay unprocessed while a witness on
	 * the same topic, run by the same worker, gets through all of them.
	 */
	system_commit_inputs(n.client, "a", "a", 10, 10);
	o = system_opts(from, 1, wout, 1, system_plugin("failer", 0), NULL);
	SYSTEM_CREATE(n.client, "witness", &o);
	SYSTEM_WAIT_PROCS(n.client, witness, 1, WAIT_MS);
	PP_ASSERT_U64_EQ(system_length(n.client, "wout"), 20);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 20);

	/* Created again, it is a new systemProc that starts at its offset. */
	o = system_opts(from, 2, g_out, 1, system_plugin("failer", 0), NULL);
	SYSTEM_CREATE(n.client, "gone", &o);
	SYSTEM_INSPECT(n.client, "gone__a", &fresh);
	PP_ASSERT_U64_CMP(fresh.i.created_ms, >=, s.i.created_ms);
	PP_ASSERT_U64_EQ(fresh.i.last_acked_ms, 0);
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 50);
	system_count_outputs(n.client, "wout", "a", 20, counts, NULL);
	SYSTEM_CHECK_ONCE("wout", counts, 20, NULL, 0);
	pp_t_node_stop(&n);
}

/* Destroying a systemProc while its plugin holds a claim: the claim's
 * ack fails and nothing of it is committed. */
static void
test_destroy_in_flight(void)
{
	static const char *const wout[] = { "wout" };
	static const char *const witness[] = { "witness" };
	pp_system_proc_opts      o;
	system_info              s;
	pp_tnode                 n;

	start_node(&n, 1);
	o = system_opts(
	    g_in, 1, g_out, 1, system_plugin("failer", 0), "sleep-ms=400");
	SYSTEM_CREATE(n.client, "slow", &o);
	pp_t_commit_str(n.client, "in", "x");
	PP_WAIT_UNTIL(
	    (SYSTEM_INSPECT(n.client, "slow", &s), s.i.has_claim), WAIT_MS);
	PP_PASS(pp_system_proc_destroy(n.client, "slow"));
	/* The worker has one thread: the witness runs after the slow
	 * claim's settle was refused. */
	o = system_opts(g_in, 1, wout, 1, system_plugin("failer", 0), NULL);
	SYSTEM_CREATE(n.client, "witness", &o);
	SYSTEM_WAIT_PROCS(n.client, witness, 1, WAIT_MS);
	PP_ASSERT_U64_EQ(system_length(n.client, "wout"), 1);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 0);
	PP_ASSERT_U64_EQ(proc_count(n.client), 1);
	pp_t_node_stop(&n);
}

/* ---- restarts
 * ------------------------------------------------------------------ */

static void
same_state(const system_info *a, const system_info *b)
{
	PP_ASSERT_STR_EQ(a->name, b->name);
	PP_ASSERT_STR_EQ(a->topic, b->topic);
	PP_ASSERT_STR_EQ(a->offset, b->offset);
	PP_ASSERT_STR_EQ(a->system_proc, b->system_proc);
	PP_ASSERT_STR_EQ(a->plugin, b->plugin);
	PP_ASSERT_STR_EQ(a->last_error, b->last_error);
	PP_ASSERT_U64_EQ(a->i.opts.count, b->i.opts.count);
	PP_ASSERT_INT_EQ(a->i.opts.max_reclaims, b->i.opts.max_reclaims);
	PP_ASSERT_INT_EQ(
	    a->i.opts.reclaim_timeout_ms, b->i.opts.reclaim_timeout_ms);
	PP_ASSERT_INT_EQ(a->i.opts.on_max_reclaims, b->i.opts.on_max_reclaims);
	PP_ASSERT_U64_EQ(a->i.created_ms, b->i.created_ms);
	PP_ASSERT_U64_EQ(a->i.next_seq, b->i.next_seq);
	PP_ASSERT_U64_EQ(a->i.last_acked_ms, b->i.last_acked_ms);
	PP_ASSERT_INT_EQ(a->i.is_disabled, b->i.is_disabled);
}

static void
test_restart_keeps_options(void)
{
	static const char *const from[] = { "a", "b" };
	static const char *const to[] = { "o1", "o2", "o3" };
	static const char *const to_two[] = { "o1", "o2" };
	static const char *const procs[] = { "keep__a", "keep__b" };
	const char              *fanout = system_plugin("fanout", 0);
	pp_system_proc_opts      o, other;
	pp_proc_list            *l = NULL;
	system_info              before[2], after;
	pp_t_logs                logs;
	uint32_t                 ca[10], cb[10];
	uint64_t                 other_count = 0;
	pp_tnode                 n;
	size_t                   k;

	start_node(&n, 1);
	o = system_opts(from, 2, to, 3, fanout, "o1=copy,o2=upper,o3=length");
	o.proc.count = 7;
	o.proc.max_reclaims = 3;
	o.proc.reclaim_timeout_ms = 12345;
	o.proc.on_max_reclaims = PP_ON_MAX_DEADLETTER;
	o.proc.offset = ">";
	SYSTEM_CREATE(n.client, "keep", &o);
	system_commit_inputs(n.client, "a", "a", 0, 5);
	system_commit_inputs(n.client, "b", "b", 0, 5);
	SYSTEM_WAIT_PROCS(n.client, procs, 2, WAIT_MS);
	for (k = 0; k < 2; k++) {
		SYSTEM_INSPECT(n.client, procs[k], &before[k]);
		PP_ASSERT_U64_EQ(before[k].i.next_seq, 5);
		PP_ASSERT_U64_EQ(before[k].i.opts.count, 7);
		PP_ASSERT_STR_EQ(before[k].system_proc, "keep");
	}

	restart_node(&n, 1);
	for (k = 0; k < 2; k++) {
		SYSTEM_INSPECT(n.client, procs[k], &after);
		same_state(&after, &before[k]);
	}
	/* The stored definition is the same to the byte: re-creating it is
	 * idempotent, and another `to` list or config is a conflict (PEER
	 * §22.10: the peer kept only the last `to`). */
	PP_PASS(pp_system_proc(n.client, "keep", &o, &l));
	PP_ASSERT_U64_EQ(pp_proc_list_count(l), 2);
	PP_ASSERT_U64_EQ(
	    pp_proc_list_get(l, 0)->created_ms, before[0].i.created_ms);
	pp_proc_list_free(l);
	other = o;
	other.to = to_two;
	other.nto = 2;
	REFUSED(n.client, "keep", &other, PP_EPROC_EXISTS, NULL);
	other = o;
	other.config = "o1=copy,o2=upper,o3=reverse";
	REFUSED(n.client, "keep", &other, PP_EPROC_EXISTS, NULL);

	/* And the outputs still go to all three topics, transformed. */
	system_commit_inputs(n.client, "a", "a", 5, 5);
	system_commit_inputs(n.client, "b", "b", 5, 5);
	SYSTEM_WAIT_PROCS(n.client, procs, 2, WAIT_MS);
	for (k = 0; k < 3; k++) {
		PP_ASSERT_U64_EQ(system_length(n.client, to[k]), 20);
	}
	system_count_outputs(n.client, "o1", "a", 10, ca, &other_count);
	SYSTEM_CHECK_ONCE("o1 (a)", ca, 10, NULL, 0);
	system_count_outputs(n.client, "o1", "b", 10, cb, &other_count);
	SYSTEM_CHECK_ONCE("o1 (b)", cb, 10, NULL, 0);
	system_count_outputs(n.client, "o2", "A", 10, ca, &other_count);
	SYSTEM_CHECK_ONCE("o2 (A)", ca, 10, NULL, 0);
	pp_t_read_all(n.client, "o3", NULL, false, &logs);
	for (k = 0; k < logs.count; k++) {
		PP_ASSERT_STR_EQ(logs.bodies[k], "9");
	}
	pp_t_logs_free(&logs);
	pp_t_node_stop(&n);
}

static void
test_workers_none(void)
{
	static const char *const names[] = { "idle" };
	pp_system_proc_opts      o;
	uint32_t                 counts[10];
	system_info              s;
	pid_t                    pids[4];
	pp_tnode                 n;

	start_node(&n, PP_WORKERS_NONE);
	o = system_opts(g_in, 1, g_out, 1, system_plugin("upper", 0), NULL);
	SYSTEM_CREATE(n.client, "idle", &o);
	system_commit_inputs(n.client, "in", "in", 0, 10);
	/* Stored, never run: no worker exists, nothing is claimed. */
	PP_ASSERT_U64_EQ(system_worker_pids(n.pid, pids, 4), 0);
	PP_FAIL(pp_wait_for_procs(n.client, names, 1, pp_t_scaled(300)),
	    PP_ETIMEDOUT);
	SYSTEM_INSPECT(n.client, "idle", &s);
	PP_ASSERT_U64_EQ(s.i.last_claimed_ms, 0);
	PP_ASSERT_U64_EQ(s.i.lag, 10);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 0);

	/* The same store with a worker runs it. */
	restart_node(&n, 1);
	SYSTEM_WAIT_PROCS(n.client, names, 1, WAIT_MS);
	PP_ASSERT_U64_EQ(
	    system_count_outputs(n.client, "out", "IN", 10, counts, NULL), 10);
	SYSTEM_CHECK_ONCE("out", counts, 10, NULL, 0);
	PP_ASSERT_U64_EQ(system_worker_pids(n.pid, pids, 4), 1);
	pp_t_node_stop(&n);
}

/* ---- pp_wait_for_procs
 * --------------------------------------------------------- */

static void
test_wait_for_procs(void)
{
	static const char *const late[] = { "late" };
	static const char *const nothing[] = { "nothing" };
	static const char *const old[] = { "old" };
	static const char *const new_out[] = { "new" };
	pp_system_proc_opts      o;
	uint32_t                 counts[505];
	system_info              s;
	pp_tnode                 n;

	start_node(&n, 1);
	system_commit_inputs(n.client, "old", "old", 0, 5);
	/* Never acked, nothing to read ("$>" after old logs; a topic that
	 * does not exist yet): done at once (PEER §22.27). */
	o = system_opts(old, 1, new_out, 1, system_plugin("failer", 0), NULL);
	o.proc.offset = "$>";
	SYSTEM_CREATE(n.client, "late", &o);
	o = system_opts(nothing, 1, NULL, 0, system_plugin("failer", 0), NULL);
	SYSTEM_CREATE(n.client, "nothing", &o);
	SYSTEM_WAIT_PROCS(n.client, late, 1, 5000);
	SYSTEM_WAIT_PROCS(n.client, nothing, 1, 5000);
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, 5000);
	SYSTEM_INSPECT(n.client, "late", &s);
	PP_ASSERT_U64_EQ(s.i.last_acked_ms, 0);
	PP_FAIL(pp_wait_for_procs(
	            n.client, (const char *const[]) { "none" }, 1, 1000),
	    PP_ENOPROC);

	/* With work pending, the wait ends when the outputs are there. */
	system_commit_inputs(n.client, "old", "old", 5, 500);
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	PP_ASSERT_U64_EQ(
	    system_count_outputs(n.client, "new", "old", 505, counts, NULL),
	    500);
	SYSTEM_CHECK_ONCE("new", counts + 5, 500, NULL, 0);
	SYSTEM_INSPECT(n.client, "late", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 505);
	PP_ASSERT_TRUE(!s.i.has_claim);
	pp_t_node_stop(&n);
}

/* ---- concurrency
 * --------------------------------------------------------------- */

static size_t
claims_held(pp_client *c)
{
	pp_proc_list *l = NULL;
	size_t        i, held = 0;

	PP_PASS(pp_procs(c, &l));
	for (i = 0; i < pp_proc_list_count(l); i++) {
		held += pp_proc_list_get(l, i)->has_claim ? 1 : 0;
	}
	pp_proc_list_free(l);
	return (held);
}

static void
test_concurrency(void)
{
	static const char *const from[] = { "t0", "t1", "t2", "t3" };
	pp_spawn_opts            so = system_spawn_opts(1, 4, 0);
	pp_system_proc_opts      o;
	uint32_t                 counts[3];
	uint64_t                 other;
	pp_tnode                 n;
	size_t                   k;
	pid_t                    pids[4];

	pp_t_node_init(&n);
	pp_t_node_start(&n, &so);
	o = system_opts(
	    from, 4, g_out, 1, system_plugin("failer", 0), "sleep-ms=500");
	SYSTEM_CREATE(n.client, "wide", &o);
	for (k = 0; k < 4; k++) {
		system_commit_inputs(n.client, from[k], from[k], 0, 3);
	}
	/* One worker with four threads holds a claim of every proc at
	 * once. */
	PP_WAIT_UNTIL(claims_held(n.client) == 4, WAIT_MS);
	PP_ASSERT_U64_EQ(system_worker_pids(n.pid, pids, 4), 1);
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	for (k = 0; k < 4; k++) {
		system_count_outputs(
		    n.client, "out", from[k], 3, counts, &other);
		SYSTEM_CHECK_ONCE(from[k], counts, 3, NULL, 0);
	}
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("a systemProc is one proc named after it, or one name__topic proc "
	  "per from topic, each showing its systemProc and absolute plugin",
	    test_naming, 0),
	PP_CASE("re-creating an identical systemProc returns it; any other option "
	  "is PP_EPROC_EXISTS and changes nothing",
	    test_recreate, 0),
	PP_CASE("missing, unloadable, ABI-mismatched, symbol-less and init-failing "
	  "plugins are PP_EPLUGIN naming the problem, and nothing is created",
	    test_bad_plugins, 120),
	PP_CASE("invalid names, topics, lists and options are refused and create "
	  "nothing",
	    test_invalid, 0),
	PP_CASE("a systemProc without to topics acks its claims and writes nothing",
	    test_no_to, 0),
	PP_CASE("outputs go to several to topics, each input's in one ack_commit",
	    test_fanout, 0),
	PP_CASE("the plugin gets claims of count logs",
	    test_count, 120),
	PP_CASE("a failing plugin reclaims at once with its reason in last_error "
	  "and is disabled at max_reclaims",
	    test_failure_disables, 0),
	PP_CASE("a poison log in a claim of several goes alone to the dead letters "
	  "and the rest flow on",
	    test_dead_letters, 0),
	PP_CASE("pp_system_proc_destroy removes the systemProc and its procs and "
	  "its outputs stop",
	    test_destroy, 0),
	PP_CASE("a claim in flight when its systemProc is destroyed commits nothing",
	    test_destroy_in_flight, 0),
	PP_CASE("a node restart keeps every option and the outputs flow to every "
	  "to topic",
	    test_restart_keeps_options, 0),
	PP_CASE("with PP_WORKERS_NONE a systemProc is kept but not run, and a node "
	  "with workers runs it",
	    test_workers_none, 0),
	PP_CASE("pp_wait_for_procs covers systemProcs, and one that never acked but "
	  "has nothing to read is done",
	    test_wait_for_procs, 0),
	PP_CASE("worker_concurrency runs claims of several procs at once",
	    test_concurrency, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
