/*
 * address.h - node addresses: the default address of a namespace, and the
 * syntax of the three transports, shared by the library, the node and the
 * CLI.
 */
#ifndef PP_ADDRESS_H
#define PP_ADDRESS_H

#include <stddef.h>

/* The transports a node address may name (SPEC §4). */
enum ppi_addr_kind {
	PPI_ADDR_IPC, /* ipc://PATH: a Unix socket, owner only */
	PPI_ADDR_TLS, /* tls+tcp://HOST:PORT: mutual TLS */
	PPI_ADDR_TCP  /* tcp://HOST:PORT: plain, only with a token */
};

/* A parsed address. host is a name, an IPv4 literal or an IPv6 literal
 * without its brackets. */
typedef struct ppi_addr {
	enum ppi_addr_kind kind;
	char               host[256];
	unsigned           port;
	const char        *path; /* ipc: points into the parsed string */
} ppi_addr;

/*
 * ppi_address_default - write "ipc://RUNDIR/pipeproc.<ns>" into buf,
 * where RUNDIR is the user's private runtime directory
 * (ppi_user_rundir_path: $XDG_RUNTIME_DIR/pipeproc, else
 * $TMPDIR/pipeproc-UID, "/tmp" when TMPDIR is unset or empty). The
 * directory is made and checked by whoever listens or dials
 * (ppi_user_rundir_guard).
 * ns: namespace, NULL means "default".
 * Returns 0, PP_EINVAL when ns is empty or contains '/', or PP_EADDR when
 * the result does not fit in len bytes.
 */
int ppi_address_default(const char *ns, char *buf, size_t len);

/*
 * ppi_address_parse - split `address` into *a: "ipc://PATH" (non-empty
 * PATH), "tls+tcp://HOST:PORT" or "tcp://HOST:PORT", where HOST is a
 * name, a dotted IPv4 address or a bracketed IPv6 address ("[::1]") and
 * PORT is 1..65535. Everything else is PP_EADDR, so a typo such as
 * "http://..." fails at once instead of hanging (PEER §17.1).
 * a->path stays valid as long as `address` does.
 */
int ppi_address_parse(const char *address, ppi_addr *a);

/* ppi_address_check - ppi_address_parse() without the result. */
int ppi_address_check(const char *address);

#endif
