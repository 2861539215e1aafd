/*
 * system.h - what pipeproc-worker needs from the library beyond the
 * public API: the claim that picks work across all systemProcs
 * (docs/DESIGN.md, "Workers"). The table of systemProcs it may get
 * back is wire.h's ppi_systable.
 *
 * A worker holds the node's table of systemProcs and its version. Every
 * claim it makes names that version; when the node's table has changed
 * (a systemProc was created or destroyed) the node answers with the new
 * table instead of a claim, at once or while the claim is waiting, so
 * workers learn of new systemProcs without polling.
 */
#ifndef PP_LIB_SYSTEM_H
#define PP_LIB_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeproc.h"
#include "wire.h"

/*
 * ppi_system_claim - claim from whichever systemProc proc has logs
 * (round robin, as pp_available_proc()), for worker `slot` (the node
 * reclaims a worker's claims when the worker dies).
 * known: the version of the table the caller holds (0: none).
 * wait_ms: as pp_proc(). settle: NULL, or the caller's previous claim
 * to ack (or ack_commit) first, in the same round trip; when the node
 * refuses it, the call returns that refusal with *is_settle_error set
 * and nothing claimed. Any other result means the settle was applied
 * (transport errors excepted: then nobody knows).
 * On success exactly one of these happens:
 *   *table is set (the node's table differs from `known`; no claim);
 *   *claim is set (possibly empty), with *sys and *proc the indexes of
 *   the systemProc and of its proc in the table of version `known`.
 * Returns 0, or PP_ESHUTDOWN (the node is stopping its workers),
 * PP_ETIMEDOUT, PP_ECLOSED, PP_ENOTCONN, PP_ENOMEM.
 * Thread-safe; blocks up to wait_ms plus a round trip.
 */
int ppi_system_claim(pp_client *c, uint32_t slot, uint64_t known,
    int wait_ms, const ppi_settle *settle, bool *is_settle_error,
    ppi_systable **table, pp_claim **claim, size_t *sys, size_t *proc);

#endif
