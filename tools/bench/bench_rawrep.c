/*
 * bench_rawrep.c - echo_raw_8 and echo_raw_50 (issue 15 item 1): would
 * the node receive cheaper from a raw rep socket than from its 64 rep
 * contexts? Both servers are bench_echo.c's, in this process, serving N
 * bare req clients in alternating slices of the same run: the raw
 * socket with RAW_LOOPS receive threads is the value, the 64 contexts
 * the baseline. The node's receive path would be ported only for a
 * clear win (a ratio of 1.2 or more); docs/DESIGN.md §7.1 has the
 * figures.
 */
#include <stdio.h>

#include "bench.h"

/* Receive loops of the raw server: the best of 1, 2, 4, 8 and 16 at 50
 * clients on two cores (at 8 clients they were all alike). */
#define RAW_LOOPS 4

static int
raw_run(const bench_cfg *cfg, int run, int n, bench_sample *sample)
{
	bench_echo *raw = NULL, *ctxs = NULL;
	double      slice_s = cfg->measure_s / BENCH_SLICES;
	double      ops = 0, elapsed_s = 0, base_ops = 0, base_elapsed_s = 0;
	int         i, rv = -1;

	if (bench_echo_open_raw(cfg, run, RAW_LOOPS, &raw) == 0 &&
	    bench_echo_open(cfg, run, &ctxs) == 0) {
		for (i = 0, rv = 0; rv == 0 && i < BENCH_SLICES; i++) {
			rv = bench_echo_clients_slice(
			    raw, n, slice_s, &ops, &elapsed_s);
			if (rv == 0) {
				rv = bench_echo_clients_slice(ctxs, n, slice_s,
				    &base_ops, &base_elapsed_s);
			}
		}
	}
	bench_echo_close(raw);
	bench_echo_close(ctxs);
	if (rv != 0) {
		return (-1);
	}
	sample->value    = ops / elapsed_s;
	sample->baseline = base_ops / base_elapsed_s;
	fprintf(stderr, "bench:   %d clients: raw rep socket, %d loops: %.0f "
	    "round trips/s, 64 rep contexts %.0f\n", n, RAW_LOOPS,
	    sample->value, sample->baseline);
	return (0);
}

int
bench_rawrep_8(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (raw_run(cfg, run, 8, sample));
}

int
bench_rawrep_50(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (raw_run(cfg, run, 50, sample));
}
