/*
 * address.c - default node address and address syntax (SPEC §4).
 *
 * Only schemes the node can serve are accepted, so a typo such as
 * "http://..." fails at once with PP_EADDR instead of hanging (PEER §17.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeproc.h"
#include "address.h"

int
ppi_address_default(const char *ns, char *buf, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	int         n;

	if (ns == NULL) {
		ns = "default";
	}
	if (ns[0] == '\0' || strchr(ns, '/') != NULL) {
		return PP_EINVAL;
	}
	if (tmp == NULL || tmp[0] == '\0') {
		tmp = "/tmp";
	}
	n = snprintf(buf, len, "ipc://%s/pipeproc.%s", tmp, ns);
	if (n < 0 || (size_t) n >= len) {
		return PP_EADDR;
	}
	return 0;
}

int
ppi_address_check(const char *address)
{
	if (address == NULL) {
		return PP_EADDR;
	}
	if (strncmp(address, "ipc://", 6) == 0) {
		return address[6] != '\0' ? 0 : PP_EADDR;
	}
	return PP_EADDR;
}
