/*
 * address.h - node addresses: the default address of a namespace and a
 * syntax check shared by the library, the node and the CLI.
 */
#ifndef PP_ADDRESS_H
#define PP_ADDRESS_H

#include <stddef.h>

/*
 * ppi_address_default - write "ipc://$TMPDIR/pipeproc.<ns>" ("/tmp" when
 * TMPDIR is unset or empty) into buf.
 * ns: namespace, NULL means "default".
 * Returns 0, PP_EINVAL when ns is empty or contains '/', or PP_EADDR when
 * the result does not fit in len bytes.
 */
int ppi_address_default(const char *ns, char *buf, size_t len);

/*
 * ppi_address_check - accept "ipc://PATH" (non-empty PATH); everything
 * else is PP_EADDR (remote transports arrive with TLS, issue 6).
 */
int ppi_address_check(const char *address);

#endif
