/*
 * id.h - the id grammar shared by client, node and CLI (SPEC §2).
 *
 *   T-S   a full id: millisecond T, sequence S
 *   T     the whole millisecond T
 *   :S    the log with sequence S
 *
 * Numbers are unsigned decimal that fit in 64 bits: no sign, no spaces.
 * This is the only parser of ids and id expressions in the project.
 */
#ifndef PP_ID_H
#define PP_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeproc.h"
/* Topic names have their own rule (topic.h); callers that check ids
 * check names too. */
#include "topic.h"

enum ppi_idexpr_kind {
	PPI_IDEXPR_FULL, /* T-S */
	PPI_IDEXPR_MS,   /* T */
	PPI_IDEXPR_SEQ   /* :S */
};

typedef struct ppi_idexpr {
	enum ppi_idexpr_kind kind;
	uint64_t             ms;  /* FULL, MS */
	uint64_t             seq; /* FULL, SEQ */
} ppi_idexpr;

/*
 * ppi_idexpr_parse - parse `len` bytes of `text` (no NUL needed).
 * Returns 0 or PP_EINVALID_ID; *expr is written only on success.
 */
int ppi_idexpr_parse(const char *text, size_t len, ppi_idexpr *expr);

#endif
