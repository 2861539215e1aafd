/*
 * deadline.h - clocks and absolute deadlines for pthread_cond_timedwait(),
 * shared by the library, the node and the worker (every wait in the
 * project has one).
 */
#ifndef PP_DEADLINE_H
#define PP_DEADLINE_H

#include <stdint.h>
#include <time.h>

/* ppi_clock_ms - `clock` in milliseconds (CLOCK_MONOTONIC for time
 * spans, CLOCK_REALTIME for log ids and stored times). */
static inline uint64_t
ppi_clock_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* ppi_clock_ns - `clock` in nanoseconds, for measuring short spans. */
static inline uint64_t
ppi_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* ppi_deadline_after_us - now on `clock`, plus `us` microseconds. */
static inline struct timespec
ppi_deadline_after_us(clockid_t clock, long long us)
{
	struct timespec d;

	clock_gettime(clock, &d);
	d.tv_sec += (time_t) (us / 1000000);
	d.tv_nsec += (long) (us % 1000000) * 1000L;
	if (d.tv_nsec >= 1000000000L) {
		d.tv_sec++;
		d.tv_nsec -= 1000000000L;
	}
	return d;
}

#endif
