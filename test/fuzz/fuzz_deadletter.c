/*
 * fuzz_deadletter.c - libFuzzer harness: the dead-letter envelope
 * (pp_deadletter_decode), whose input is any log of a ".dead" topic -
 * which anyone may commit to.
 *
 * Any bytes decode to an envelope or PP_EINVALID_BODY; a decoded one has
 * NUL-terminated strings and a body inside its own allocation, and
 * encoding its fields again with the node's encoder and decoding that
 * gives the same fields (decode -> encode -> decode).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pipeproc.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool is_true)
{
	if (!is_true) {
		abort();
	}
}

/* Reads len bytes, so that ASan sees a body outside its allocation. */
static void
touch(const void *p, size_t len)
{
	volatile uint8_t sum = 0;
	size_t           i;

	for (i = 0; i < len; i++) {
		sum += ((const uint8_t *) p)[i];
	}
	(void) sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pp_deadletter *dl = NULL, *again = NULL;
	ppi_buf        b;
	int            rv = pp_deadletter_decode(data, size, &dl);

	if (rv != 0) {
		check(rv == PP_EINVALID_BODY || rv == PP_ENOMEM);
		check(dl == NULL);
		return 0;
	}
	/* Reading every byte lets ASan see a bad pointer or length. */
	(void) strlen(dl->proc);
	(void) strlen(dl->topic);
	(void) strlen(dl->error);
	check(dl->len == 0 || dl->body != NULL);
	touch(dl->body, dl->len);
	ppi_buf_init(&b);
	ppi_wire_deadletter(&b, dl->proc, dl->topic, dl->id, dl->attempts,
	    dl->error, dl->body, dl->len);
	check(!b.is_failed);
	check(pp_deadletter_decode(b.data, b.len, &again) == 0);
	check(strcmp(again->proc, dl->proc) == 0);
	check(strcmp(again->topic, dl->topic) == 0);
	check(strcmp(again->error, dl->error) == 0);
	check(again->id.ms == dl->id.ms && again->id.seq == dl->id.seq);
	check(again->attempts == dl->attempts && again->len == dl->len);
	check(dl->len == 0 || memcmp(again->body, dl->body, dl->len) == 0);
	pp_deadletter_free(again);
	pp_deadletter_free(dl);
	ppi_buf_fini(&b);
	return 0;
}
