/*
 * proc_rec.h - the proc record (proc_rec.c; docs/DESIGN.md §3) and the
 * state report built from it: below every handler and reader that uses
 * procs.
 */
#ifndef PP_NODE_STORE_PROC_REC_H
#define PP_NODE_STORE_PROC_REC_H

#include "cursor.h"
#include "store_impl.h"

#define PROC_ERROR_MAX 512
#define PROC_OFFSET_MAX 64
#define PROC_KEY_MAX (1 + PP_TOPIC_MAX)
#define NO_CURSOR UINT64_MAX /* start not resolved to a sequence yet */

typedef struct proc_rec {
	char       name[PP_TOPIC_MAX + 1];
	char       topic[PP_TOPIC_MAX + 1];
	char       offset[PROC_OFFSET_MAX + 1]; /* as given at creation */
	char       error[PROC_ERROR_MAX + 1];   /* last reclaim error */
	bool       is_disabled;
	uint8_t    on_max;
	ppi_idexpr start;      /* the offset as a bound, until resolved */
	bool       is_start_excl;
	uint32_t   count;
	int32_t    max_reclaims;
	int64_t    reclaim_timeout_ms;
	uint64_t   created_ms;
	uint64_t   cursor; /* first sequence not acked, or NO_CURSOR */
	uint64_t   claim_first;
	uint64_t   claim_last;
	uint64_t   token; /* 0: no claim outstanding */
	uint64_t   deadline_ms;
	uint64_t   last_claimed_ms;
	uint64_t   last_acked_ms;
	uint32_t   reclaims;
	uint64_t   lost; /* unread logs removed by retention */
	/* A systemProc's proc isolates failures: when a claim of several
	 * logs fails, the logs up to retry_end (exclusive) are handed out
	 * one at a time and only those single failures count as reclaims,
	 * so one bad log never drags good ones to the dead letters. */
	bool       is_isolating;
	uint64_t   retry_end; /* 0: not retrying */
	/* The ms of the latest claim's first and last logs (claim_first
	 * and claim_last, kept after the claim ended), the claim before it
	 * and the last ack: PEER §8.2's lastClaimedRange,
	 * previousClaimedRange and lastAckedRange, as ids so that they
	 * outlive their logs. Records older than version 2 have none. */
	bool       has_claim_ms;
	uint64_t   claim_first_ms;
	uint64_t   claim_last_ms;
	bool       has_prev_claim;
	pp_id      prev_claim_first;
	pp_id      prev_claim_last;
	bool       has_last_acked;
	pp_id      last_acked_first;
	pp_id      last_acked_last;
} proc_rec;

/* proc_rec_key - the state key of a proc; returns its length. */
size_t proc_rec_key(unsigned char *key, const char *name, size_t len);

/* proc_rec_get - read a proc; MDB_NOTFOUND when there is none. */
int proc_rec_get(MDB_txn *txn, store *s, const char *name, size_t len,
    proc_rec *p);

/* proc_rec_put - write a proc record. An MDB code. */
int proc_rec_put(MDB_txn *txn, store *s, const proc_rec *p);

/* proc_rec_decode - a stored record (false when malformed). */
bool proc_rec_decode(
    const MDB_val *v, const char *name, size_t len, proc_rec *p);

/*
 * proc_rec_claim_ids - the ids of p's latest claim (outstanding or not).
 * Records older than version 2 keep no ms: they are read through c (a
 * cursor on p's topic; NULL leaves them 0).
 */
void proc_rec_claim_ids(
    store_cursor *c, const proc_rec *p, pp_id *first, pp_id *last);

/*
 * proc_rec_report - the state of a proc for inspect/procs, with lag and the
 * ids of its claim, read through `logs` (a cursor on the logs database).
 */
int proc_rec_report(MDB_txn *txn, store *s, MDB_cursor *logs, const proc_rec *p,
    pp_proc_info *info);

/*
 * proc_rec_report_system - add to info the systemProc p belongs to and its
 * plugin (left "" for a plain proc): for the reports sent to clients
 * (inspect, procs, admin), not for waits and stats, which need no names.
 */
void proc_rec_report_system(MDB_txn *txn, store *s, const proc_rec *p,
    pp_proc_info *info);

#endif
