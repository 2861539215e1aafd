/*
 * proc_opts.c - which proc options a call gives (issue 13 item 4): a
 * later pp_proc() on an existing proc uses the stored value of every
 * option it does not give, so `pipeproc proc TOPIC --name NAME` needs no
 * repetition of the creation options, while an option given with another
 * value than the stored one is still PP_EPROC_EXISTS.
 *
 * The library resolves a caller's pp_proc_opts into the values it sends
 * (defaults for the options not given, so a node of any age validates
 * them as before) plus the mask of the options given, which travels as
 * the request's "given" field; the node compares only those (a request
 * without it, from an older library, gives every option).
 */
#include <string.h>

#include "procs.h"

void
ppi_proc_opts_resolve(const pp_proc_opts *in, pp_proc_opts *out)
{
	static const pp_proc_opts defaults = PP_PROC_OPTS_INIT;
	uint32_t                  given;

	*out = defaults;
	if (in == NULL) {
		return;
	}
	given = in->given & PP_PROC_GIVEN_ALL;
	if (in->given == 0) {
		/* Decided by value: zero and the default give nothing. */
		if (in->offset != NULL && strcmp(in->offset, ">") != 0) {
			given |= PP_PROC_GIVEN_OFFSET;
		}
		if (in->count != 0 && in->count != defaults.count) {
			given |= PP_PROC_GIVEN_COUNT;
		}
		if (in->max_reclaims != 0 &&
		    in->max_reclaims != defaults.max_reclaims) {
			given |= PP_PROC_GIVEN_MAX_RECLAIMS;
		}
		if (in->reclaim_timeout_ms != 0 &&
		    in->reclaim_timeout_ms != defaults.reclaim_timeout_ms) {
			given |= PP_PROC_GIVEN_RECLAIM_TIMEOUT;
		}
		if (in->on_max_reclaims != defaults.on_max_reclaims) {
			given |= PP_PROC_GIVEN_ON_MAX;
		}
	}
	if ((given & PP_PROC_GIVEN_OFFSET) != 0) {
		out->offset = in->offset;
	}
	if ((given & PP_PROC_GIVEN_COUNT) != 0) {
		out->count = in->count;
	}
	if ((given & PP_PROC_GIVEN_MAX_RECLAIMS) != 0) {
		out->max_reclaims = in->max_reclaims;
	}
	if ((given & PP_PROC_GIVEN_RECLAIM_TIMEOUT) != 0) {
		out->reclaim_timeout_ms = in->reclaim_timeout_ms;
	}
	if ((given & PP_PROC_GIVEN_ON_MAX) != 0) {
		out->on_max_reclaims = in->on_max_reclaims;
	}
	out->given = given;
}
