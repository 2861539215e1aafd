/*
 * fuzz_request.c - libFuzzer harness: the node's request decoder.
 *
 * Any byte string a client may send must decode to a request or to an
 * error with a NUL-terminated message, without a crash, a leak or an
 * allocation out of proportion to the frame (make fuzz; DESIGN §5).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ppi_request req;
	char        msg[256];

	msg[0] = '\0';
	if (ppi_wire_request_decode(data, size, &req, msg, sizeof(msg)) != 0 &&
	    strnlen(msg, sizeof(msg)) == sizeof(msg)) {
		abort(); /* an error must come with a terminated message */
	}
	ppi_wire_request_fini(&req);
	return 0;
}
