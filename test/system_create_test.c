/*
 * system_create_test.c - creating systemProcs against real workers and
 * plugins (issue 4 items 3 and 5; PEER §12 with the fixes of PEER §22-23):
 * naming, idempotent and conflicting re-creation, plugin checks (ABI,
 * symbol, load, init) that refuse before anything exists, and option
 * validation.
 *
 * The plugins are the examples (upper, fanout, failer, count) and the
 * broken ones of test/plugins; see system_util.h for where they are found.
 * Nothing sleeps: outputs are awaited with pp_wait_for_procs() or by
 * polling a length or a proc's state with a deadline. Crashes of workers
 * and nodes are in system_crash_test.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "system_util.h"
#include "system_case.h"

static const char *const g_in[] = { "in" };

static const char *const g_out[] = { "out" };

/* ---- creation and naming
 * ------------------------------------------------------- */

static void
system_case_check_proc(const pp_proc_info *i, const char *name, const char *topic,
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

	system_case_start_node(&n, PP_WORKERS_NONE);
	/* One `from` topic: one proc with the systemProc's own name. */
	o = system_opts(g_in, 1, g_out, 1, upper, NULL);
	PP_PASS(pp_system_proc(n.client, "single", &o, &l));
	PP_ASSERT_U64_EQ(pp_proc_list_count(l), 1);
	system_case_check_proc(pp_proc_list_get(l, 0), "single", "in", "single", upper);
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
	system_case_check_proc(pp_proc_list_get(l, 0), "multi__a", "a", "multi", upper);
	system_case_check_proc(pp_proc_list_get(l, 1), "multi__b", "b", "multi", upper);
	system_case_check_proc(pp_proc_list_get(l, 2), "multi__c", "c", "multi", upper);
	pp_proc_list_free(l);

	/* A relative plugin path is made absolute against the caller's
	 * working directory (PEER §12.1); "./" makes it a path, since a
	 * bare name is looked up in the plugin directories (below). */
	PP_ASSERT_TRUE(getcwd(cwd, sizeof(cwd)) != NULL);
	pp_t_format(dir, sizeof(dir), "%s", upper);
	slash = strrchr(dir, '/');
	PP_ASSERT_TRUE(slash != NULL);
	*slash = '\0';
	PP_ASSERT_INT_EQ(chdir(dir), 0);
	o = system_opts(g_in, 1, NULL, 0, "./upper.so", NULL);
	o.proc.offset = "$>";
	l = NULL;
	PP_PASS(pp_system_proc(n.client, "relative", &o, &l));
	PP_ASSERT_INT_EQ(chdir(cwd), 0);
	system_case_check_proc(
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

	/* A name without '/' is kept as given and found by the worker in
	 * its plugin directories: the build tree's (bin/../plugins) here;
	 * one found nowhere is PP_EPLUGIN naming where it looked (issue
	 * 13 item 1). */
	o = system_opts(g_in, 1, NULL, 0, "upper", NULL);
	l = NULL;
	PP_PASS(pp_system_proc(n.client, "byname", &o, &l));
	system_case_check_proc(
	    pp_proc_list_get(l, 0), "byname", "in", "byname", "upper");
	pp_proc_list_free(l);
	o = system_opts(g_in, 1, NULL, 0, "no-such-plugin", NULL);
	l = NULL;
	PP_FAIL(pp_system_proc(n.client, "nothere", &o, &l), PP_EPLUGIN);
	PP_ASSERT_TRUE(strstr(pp_client_errmsg(n.client),
	                   "no-such-plugin.so in the plugin directories")
	    != NULL);
	PP_ASSERT_TRUE(l == NULL);
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

	system_case_start_node(&n, PP_WORKERS_NONE);
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
	PP_ASSERT_U64_EQ(system_case_proc_count(n.client), 2);
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
	PP_ASSERT_U64_EQ(system_case_proc_count(n.client), 5);
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

	system_case_refused_at(__FILE__, line, c, "broken", &o, PP_EPLUGIN, needle);
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

	system_case_start_node(&n, 1);
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
	PP_ASSERT_U64_EQ(system_case_proc_count(n.client), 0);
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

	system_case_start_node(&n, PP_WORKERS_NONE);
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
	/* 0 is the default unless given explicitly. */
	o.proc.count = 0;
	o.proc.given = PP_PROC_GIVEN_COUNT;
	REFUSED(n.client, "s", &o, PP_EINVALID_OPTION, NULL);
	o.proc.count = 100001;
	REFUSED(n.client, "s", &o, PP_EINVALID_OPTION, NULL);
	o = system_opts(g_in, 1, g_out, 1, upper, NULL);
	o.proc.reclaim_timeout_ms = 0;
	o.proc.given = PP_PROC_GIVEN_RECLAIM_TIMEOUT;
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
	PP_ASSERT_U64_EQ(system_case_proc_count(n.client), 0);
	PP_FAIL(pp_length(n.client, "in", &length), PP_ENOTOPIC);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("a systemProc is one proc named after it, or one name__topic "
	    "proc per from topic, each showing its systemProc and absolute "
	    "plugin",
	    test_naming, 0),
	PP_CASE("re-creating an identical systemProc returns it; any other "
	    "option is PP_EPROC_EXISTS and changes nothing",
	    test_recreate, 0),
	PP_CASE("missing, unloadable, ABI-mismatched, symbol-less and "
	    "init-failing plugins are PP_EPLUGIN naming the problem, and "
	    "nothing is created",
	    test_bad_plugins, 120),
	PP_CASE("invalid names, topics, lists and options are refused and "
	    "create nothing",
	    test_invalid, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
