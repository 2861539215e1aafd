/*
 * address.c - default node address and address syntax (SPEC §4).
 *
 * Only schemes the node can serve are accepted, so a typo such as
 * "http://..." fails at once with PP_EADDR instead of hanging (PEER §17.1).
 * IPv6 literals are written in brackets, as in URLs, which the peer could
 * not do (PEER §17.1: it split at the first ':').
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeproc.h"
#include "address.h"
#include "user.h"

int
ppi_address_default(const char *ns, char *buf, size_t len)
{
	char dir[1024];
	int  n;

	if (ns == NULL) {
		ns = "default";
	}
	if (ns[0] == '\0' || strchr(ns, '/') != NULL) {
		return PP_EINVAL;
	}
	/* A directory only we may enter (issue 14 item 1, user.h). */
	if (ppi_user_rundir_path(dir, sizeof(dir)) != 0) {
		return PP_EADDR;
	}
	n = snprintf(buf, len, "ipc://%s/pipeproc.%s", dir, ns);
	if (n < 0 || (size_t) n >= len) {
		return PP_EADDR;
	}
	return 0;
}

/* Host names and IPv4 literals: letters, digits, '-', '.', '_'. */
static int
check_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0) {
		return PP_EADDR;
	}
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		        c == '_' || (c == '*' && len == 1))) {
			return PP_EADDR;
		}
	}
	return 0;
}

/* "HOST:PORT" or "[V6]:PORT" into a->host and a->port. */
static int
parse_host_port(const char *s, ppi_addr *a)
{
	const char   *host = s, *colon, *end;
	size_t        hlen;
	unsigned long port;
	char         *pend;

	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':') {
			return PP_EADDR;
		}
		host  = s + 1;
		hlen  = (size_t) (end - host);
		colon = end + 1;
		if (hlen == 0 || strspn(host, "0123456789abcdefABCDEF:.") <
		        hlen) {
			return PP_EADDR;
		}
	} else {
		if ((colon = strrchr(s, ':')) == NULL) {
			return PP_EADDR;
		}
		hlen = (size_t) (colon - s);
		if (check_name(s, hlen) != 0) {
			return PP_EADDR;
		}
	}
	if (hlen >= sizeof(a->host) || colon[1] < '0' || colon[1] > '9') {
		return PP_EADDR;
	}
	port = strtoul(colon + 1, &pend, 10);
	if (*pend != '\0' || port == 0 || port > 65535) {
		return PP_EADDR;
	}
	memcpy(a->host, host, hlen);
	a->host[hlen] = '\0';
	a->port       = (unsigned) port;
	return 0;
}

int
ppi_address_parse(const char *address, ppi_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (address == NULL) {
		return PP_EADDR;
	}
	if (strncmp(address, "ipc://", 6) == 0) {
		a->kind = PPI_ADDR_IPC;
		a->path = address + 6;
		return address[6] != '\0' ? 0 : PP_EADDR;
	}
	if (strncmp(address, "tls+tcp://", 10) == 0) {
		a->kind = PPI_ADDR_TLS;
		return parse_host_port(address + 10, a);
	}
	if (strncmp(address, "tcp://", 6) == 0) {
		a->kind = PPI_ADDR_TCP;
		return parse_host_port(address + 6, a);
	}
	return PP_EADDR;
}

int
ppi_address_check(const char *address)
{
	ppi_addr a;

	return ppi_address_parse(address, &a);
}
