/*
 * procs.h - what procs.c shares with the other proc-like calls
 * (system.c, live.c).
 */
#ifndef PP_LIB_PROCS_H
#define PP_LIB_PROCS_H

#include "client.h"
#include "pipeproc.h"
#include "transport.h"

/*
 * ppi_proc_opts_resolve - the options a call sends (proc_opts.c): *out
 * holds in's value for every option in gives and the default for the
 * others, and out->given the mask of those given (pp_proc_opts). in may
 * be NULL (nothing given).
 */
void ppi_proc_opts_resolve(const pp_proc_opts *in, pp_proc_opts *out);

/* ppi_proc_check_opts - the option checks the node makes too (PP_E*,
 * with the client's message set). */
int ppi_proc_check_opts(pp_client *c, const pp_proc_opts *o);

/*
 * ppi_claim_decode - a claim reply frame as a pp_claim (which takes the
 * frame over, also on error). index: out, may be NULL.
 */
int ppi_claim_decode(pp_client *c, ppi_frame *frame, size_t *index,
    pp_claim **out);

/*
 * ppi_proc_ephemeral - pp_proc() (or with has_ack pp_ack_proc(); with
 * must_exist a missing proc is PP_ENOPROC, never created again: a
 * liveProc after a destroy) of a proc that belongs to this
 * client's connection: the node destroys it once the connection has
 * been gone for its grace period (liveProcs, `pipeproc tail -f`; issue
 * 14 item 7). Every claim renews the ownership, so a client that
 * reconnects keeps its proc.
 */
int ppi_proc_ephemeral(pp_client *c, const char *topic, const char *name,
    const pp_proc_opts *opts, int wait_ms, bool has_ack, uint64_t token,
    bool must_exist, pp_claim **claim);

/* ppi_procs_request - one request answered with a proc list. out may be
 * NULL. */
int ppi_procs_request(pp_client *c, const ppi_buf *req, pp_proc_list **out);

#endif
