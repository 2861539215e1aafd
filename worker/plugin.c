/*
 * plugin.c - loads a processor plugin and checks its descriptor before
 * trusting any of it (SPEC §5, pipeproc_plugin(7)).
 *
 * The order of the checks is the point of this file: the descriptor of a
 * plugin built against another version of pipeproc_plugin.h may be
 * shorter or laid out differently, so nothing but its first two fields,
 * abi_version and size, is read until both match this worker's. Only then
 * are the name and the function pointers looked at, and init() called.
 * Every refusal is one line that names the file and what is wrong; the
 * node shows it to whoever creates the systemProc (PP_EPLUGIN).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plugin.h"
#include "plugin_path.h"

struct plugin {
	void     *handle;
	pp_plugin desc; /* a copy, taken once the size is known to match */
	void     *state;
};

const char *volatile plugin_stage;

/* Makes err one printable line: the node reads it as one. */
static void
flatten(char *err)
{
	for (; *err != '\0'; err++) {
		if ((unsigned char) *err < 0x20 || *err == 0x7f) {
			*err = ' ';
		}
	}
}

/* True when name is 1 to PLUGIN_NAME_MAX printable ASCII characters. */
static bool
name_valid(const char *name)
{
	size_t i;

	if (name == NULL) {
		return false;
	}
	for (i = 0; name[i] != '\0'; i++) {
		if (i == PLUGIN_NAME_MAX || name[i] < 0x20 || name[i] > 0x7e) {
			return false;
		}
	}
	return i > 0;
}

/*
 * The text of dlerror() without a leading "PATH: ", which our own prefix
 * already gives.
 */
static const char *
dl_reason(const char *path)
{
	const char *e = dlerror();
	size_t      n = strlen(path);

	if (e == NULL) {
		return "unknown dlopen error";
	}
	if (strncmp(e, path, n) == 0 && e[n] == ':' && e[n + 1] == ' ') {
		return e + n + 2;
	}
	return e;
}

/* dlopen with a path that never searches the library path. */
static void *
load(const char *path, char *err, size_t errlen)
{
	char        local[4096];
	const char *p = path;
	struct stat st;
	void       *h;

	/* A bare "upper" is a plugin by name, found in the plugin
	 * directories (plugin_path.c); never by dlopen, which would search
	 * LD_LIBRARY_PATH and the system directories. */
	if (strchr(path, '/') == NULL) {
		if (plugin_path_find(path, local, sizeof(local), err, errlen) !=
		    0) {
			return NULL;
		}
		p = local;
	}
	if (stat(p, &st) != 0) {
		snprintf(err, errlen, "plugin %s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "plugin %s: not a regular file", path);
		return NULL;
	}
	/* RTLD_NOW: a missing symbol is a refusal now, not a crash in the
	 * middle of a claim. RTLD_LOCAL: plugins cannot see each other. */
	plugin_stage = "loading";
	h            = dlopen(p, RTLD_NOW | RTLD_LOCAL);
	plugin_stage = NULL;
	if (h == NULL) {
		snprintf(err, errlen, "plugin %s: cannot load: %s", path,
		    dl_reason(p));
	}
	return h;
}

/* Checks the descriptor in the order the ABI promises; copies it. */
static int
check(const char *path, const pp_plugin *d, pp_plugin *copy, char *err,
    size_t errlen)
{
	if (d->abi_version != PP_PLUGIN_ABI_VERSION) {
		snprintf(err, errlen, "plugin %s: abi_version %u, this worker "
		    "speaks %u", path, (unsigned) d->abi_version,
		    (unsigned) PP_PLUGIN_ABI_VERSION);
		return -1;
	}
	/* Only the sizes of descriptors this header has defined: anything
	 * else is garbage or a layout we cannot know. */
	if (d->size != PP_PLUGIN_SIZE_1 && d->size != sizeof(pp_plugin)) {
		snprintf(err, errlen, "plugin %s: descriptor size %u, this "
		    "worker expects %zu or %zu for abi_version %u", path,
		    (unsigned) d->size, (size_t) PP_PLUGIN_SIZE_1,
		    sizeof(pp_plugin), (unsigned) PP_PLUGIN_ABI_VERSION);
		return -1;
	}
	/* Fields past a shorter descriptor stay NULL. */
	memset(copy, 0, sizeof(*copy));
	memcpy(copy, d, d->size);
	if (copy->name == NULL) {
		snprintf(err, errlen, "plugin %s: name is NULL (it is "
		    "required)", path);
		return -1;
	}
	if (!name_valid(copy->name)) {
		snprintf(err, errlen, "plugin %s: name must be 1 to %d "
		    "printable ASCII characters", path, PLUGIN_NAME_MAX);
		return -1;
	}
	if (copy->process == NULL && copy->source == NULL) {
		snprintf(err, errlen, "plugin %s: process is NULL (it is "
		    "required)", path);
		return -1;
	}
	return 0;
}

/* The entry point the role needs is there (a plugin may have both). */
static int
check_role(const char *path, const pp_plugin *d, bool is_source, char *err,
    size_t errlen)
{
	if (is_source && d->source == NULL) {
		snprintf(err, errlen, "plugin %s: source is NULL: not a "
		    "source plugin (pipeproc_plugin(7))", path);
		return -1;
	}
	if (!is_source && d->process == NULL) {
		snprintf(err, errlen, "plugin %s: process is NULL (it is "
		    "required for a systemProc)", path);
		return -1;
	}
	return 0;
}

/* Runs init_info() or init(), whichever the plugin has. */
static int
call_init(plugin *p, const pp_plugin_info *info, char *ierr, size_t len)
{
	if (p->desc.init_info != NULL) {
		return p->desc.init_info(info, &p->state, ierr, len);
	}
	return p->desc.init(info->config, &p->state, ierr, len);
}

int
plugin_open(const char *path, const pp_plugin_info *given, plugin **out,
    char *err, size_t errlen)
{
	pp_plugin_info   info = *given;
	const pp_plugin *d;
	plugin          *p;
	char             ierr[512];
	int              rv;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "plugin %s: out of memory", path);
		return -1;
	}
	if ((p->handle = load(path, err, errlen)) == NULL) {
		goto fail;
	}
	dlerror();
	if ((d = dlsym(p->handle, PP_PLUGIN_SYMBOL)) == NULL) {
		snprintf(err, errlen, "plugin %s: no symbol '%s' (not a "
		    "pipeproc plugin?)", path, PP_PLUGIN_SYMBOL);
		goto fail;
	}
	if (check(path, d, &p->desc, err, errlen) != 0 ||
	    check_role(path, &p->desc, given->is_source != 0, err, errlen) !=
	        0) {
		goto fail;
	}
	info.size = sizeof(info);
	/* Sources get report() (worker/source.c), the check included. */
	info.source_size =
	    info.is_source != 0 ? (uint32_t) sizeof(pp_plugin_source) : 0;
	if (info.config == NULL) {
		info.config = "";
	}
	if (info.system_proc == NULL) {
		info.system_proc = "";
	}
	if (info.node_id == NULL) {
		info.node_id = "";
	}
	if (p->desc.init != NULL || p->desc.init_info != NULL) {
		memset(ierr, 0, sizeof(ierr));
		plugin_stage = "init";
		rv = call_init(p, &info, ierr, sizeof(ierr));
		plugin_stage = NULL;
		ierr[sizeof(ierr) - 1] = '\0';
		if (rv != 0) {
			if (ierr[0] != '\0') {
				snprintf(err, errlen, "plugin %s: init failed: "
				    "%s", path, ierr);
			} else {
				snprintf(err, errlen, "plugin %s: init returned "
				    "%d", path, rv);
			}
			goto fail;
		}
	}
	*out = p;
	return 0;

fail:
	flatten(err);
	if (p->handle != NULL) {
		dlclose(p->handle);
	}
	free(p);
	return -1;
}

void
plugin_close(plugin *p)
{
	if (p == NULL) {
		return;
	}
	if (p->desc.fini != NULL) {
		plugin_stage = "fini";
		p->desc.fini(p->state);
		plugin_stage = NULL;
	}
	/* fini() must have stopped whatever the plugin started (threads,
	 * timers): the code goes away here (pipeproc_plugin(7)). */
	dlclose(p->handle);
	free(p);
}

void
plugin_set_context(plugin *p, const char *system_proc, uint64_t max_body)
{
	pp_plugin_context_fn *fn;
	pp_plugin_context     ctx;

	/* dlsym() returns the function as an object pointer; POSIX
	 * guarantees the conversion works. */
	*(void **) &fn = dlsym(p->handle, PP_PLUGIN_CONTEXT_SYMBOL);
	if (fn == NULL) {
		return; /* optional */
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.size        = sizeof(ctx);
	ctx.system_proc = system_proc;
	ctx.max_body    = max_body;
	fn(p->state, &ctx);
}

const char *
plugin_name(const plugin *p)
{
	return p->desc.name;
}

int
plugin_process(plugin *p, const pp_plugin_log *logs, size_t n,
    pp_plugin_emitter *em)
{
	if (p->desc.process == NULL) {
		em->fail(em, "the plugin has no process(): a source plugin "
		    "cannot run a systemProc");
		return 1;
	}
	return p->desc.process(p->state, logs, n, em);
}

int
plugin_source(plugin *p, pp_plugin_source *src)
{
	return p->desc.source(p->state, src);
}
