/*
 * fuzz_id.c - libFuzzer harness: ids and id expressions.
 *
 * pp_id_parse and ppi_idexpr_parse must accept or refuse any text without
 * a crash, and whatever pp_id_parse accepts must come back unchanged
 * through pp_id_format and a second parse (parse -> format -> parse).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char       text[128], out[PP_ID_STRLEN];
	pp_id      id, again;
	ppi_idexpr expr;

	if (size >= sizeof(text)) {
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	(void) ppi_idexpr_parse((const char *) data, size, &expr);
	if (pp_id_parse(text, &id) != 0) {
		return 0;
	}
	pp_id_format(id, out);
	if (pp_id_parse(out, &again) != 0 || again.ms != id.ms ||
	    again.seq != id.seq) {
		abort(); /* a parsed id must survive its own formatting */
	}
	/* A full id is also a range bound naming the same log. */
	if (ppi_idexpr_parse(out, strlen(out), &expr) != 0 ||
	    expr.kind != PPI_IDEXPR_FULL || expr.ms != id.ms ||
	    expr.seq != id.seq) {
		abort();
	}
	return 0;
}
