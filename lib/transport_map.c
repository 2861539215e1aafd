/*
 * transport_map.c - NNG error numbers as PP_E* codes, at the boundary
 * (the client's transport and the node's listeners alike): no NNG_
 * value goes further.
 */
#include <nng/nng.h>

#include "pipeproc.h"
#include "transport.h"

int
ppi_transport_map_nng(int rv)
{
	switch (rv) {
	case 0:
		return 0;
	case NNG_EADDRINUSE:
		return PP_EADDRINUSE;
	case NNG_ETIMEDOUT:
		return PP_ETIMEDOUT;
	case NNG_ECLOSED:
	case NNG_ECANCELED:
		return PP_ECLOSED;
	case NNG_ENOMEM:
		return PP_ENOMEM;
	case NNG_ECONNREFUSED:
	case NNG_ENOENT:
	case NNG_ECONNRESET:
	case NNG_ECONNSHUT:
	case NNG_ECONNABORTED:
	case NNG_EUNREACHABLE:
		return PP_ECONNREFUSED;
	case NNG_EADDRINVAL:
	case NNG_ENOTSUP:
	case NNG_EINVAL:
		return PP_EADDR;
	case NNG_EPERM:
		return PP_EPERM;
	case NNG_EMSGSIZE:
		return PP_ETOOLARGE;
	case NNG_EPEERAUTH:
	case NNG_ECRYPTO:
		return PP_ETLS;
	case NNG_EPROTO:
		return PP_EPROTO;
	default:
		return PP_EIO;
	}
}
