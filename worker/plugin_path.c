/*
 * plugin_path.c - finds a plugin given by name in the plugin directories
 * (plugin_path.h says which, in order). Only regular files count, so a
 * directory named like a plugin is passed over.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_path.h"

#ifndef PP_PLUGIN_INSTALL_DIR
#error "PP_PLUGIN_INSTALL_DIR must be defined by the build"
#endif

/* The directories looked in so far, ", "-separated, for the message. */
struct search {
	char   looked[768];
	size_t used;
};

/* True when dir/name (then dir/name.so) is a regular file; its path goes
 * to out. Records dir in s for the error message. */
static bool
try_dir(struct search *s, const char *dir, size_t dirlen, const char *name,
    char *out, size_t outlen)
{
	static const char *const suffixes[] = { "", ".so" };
	struct stat              st;
	size_t                   k;
	int                      n;

	if (dirlen == 0) {
		return false;
	}
	n = snprintf(s->looked + s->used, sizeof(s->looked) - s->used,
	    "%s%.*s", s->used > 0 ? ", " : "", (int) dirlen, dir);
	if (n > 0) {
		s->used += (size_t) n < sizeof(s->looked) - s->used
		    ? (size_t) n
		    : sizeof(s->looked) - s->used - 1;
	}
	for (k = 0; k < 2; k++) {
		n = snprintf(out, outlen, "%.*s/%s%s", (int) dirlen, dir, name,
		    suffixes[k]);
		if (n > 0 && (size_t) n < outlen && stat(out, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			return true;
		}
	}
	return false;
}

int
plugin_path_find(const char *name, char *out, size_t outlen, char *err,
    size_t errlen)
{
	struct search s;
	const char   *env = getenv("PIPEPROC_PLUGIN_PATH");
	const char   *p, *colon;
	char          exe[PATH_MAX], dir[PATH_MAX + 32];
	char         *slash;
	ssize_t       n;

	s.used      = 0;
	s.looked[0] = '\0';
	for (p = env; p != NULL && *p != '\0'; p = colon + 1) {
		colon = strchr(p, ':');
		if (colon == NULL) {
			colon = p + strlen(p);
		}
		if (try_dir(&s, p, (size_t) (colon - p), name, out, outlen)) {
			return 0;
		}
		if (*colon == '\0') {
			break;
		}
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			snprintf(dir, sizeof(dir), "%s/../lib/pipeproc/plugins",
			    exe);
			if (try_dir(&s, dir, strlen(dir), name, out, outlen)) {
				return 0;
			}
			snprintf(dir, sizeof(dir), "%s/../plugins", exe);
			if (try_dir(&s, dir, strlen(dir), name, out, outlen)) {
				return 0;
			}
		}
	}
	if (try_dir(&s, PP_PLUGIN_INSTALL_DIR, strlen(PP_PLUGIN_INSTALL_DIR),
	        name, out, outlen)) {
		return 0;
	}
	snprintf(err, errlen, "plugin %s: no file %s or %s.so in the plugin "
	    "directories (%s; $PIPEPROC_PLUGIN_PATH adds more)", name, name,
	    name, s.looked);
	return -1;
}
