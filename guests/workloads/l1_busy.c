/*
 * L1's busy time from /proc/schedstat (see l1_busy.h). Format version 15 (Linux 4.20 to 6.5;
 * Documentation/scheduler/sched-stats.rst): one "cpuN" line per CPU whose 7th number is
 * rq_cpu_time, the nanoseconds that tasks other than the idle task ran on that CPU. The kernel
 * adds a task's time when the task leaves the CPU (sched_info_depart), so the caller's current
 * run is counted only after it sleeps. Those nanoseconds are converted to TSC cycles at the rate
 * the TSC and CLOCK_MONOTONIC advanced together. Touches no hardware but the TSC (RDTSC).
 */
#define _GNU_SOURCE
#include "l1_busy.h"
#include "failf.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define SCHEDSTAT	  "/proc/schedstat"
#define SCHEDSTAT_VERSION 15
#define RQ_CPU_TIME_FIELD 7 /* 1-based, after the "cpuN" name */
#define LINE_MAX_LEN	  512
/* Long enough to leave the CPU (and so have our own time counted), short beside a VM's life. */
#define SETTLE_US 100
#define NS_PER_S  1000000000ull

/* The RQ_CPU_TIME_FIELD-th number of a "cpuN n1 n2 ..." line into *v; -1 if it has none. */
static int rq_cpu_time(const char *line, uint64_t *v)
{
	const char *p = strchr(line, ' ');
	unsigned long long n = 0;

	for (int field = 1; p && field <= RQ_CPU_TIME_FIELD; field++) {
		int used;

		if (sscanf(p, " %llu%n", &n, &used) != 1)
			return -1;
		p += used;
	}
	if (!p)
		return -1;
	*v = n;
	return 0;
}

static int read_busy_ns(uint64_t *ns, char *err, size_t err_size)
{
	char line[LINE_MAX_LEN];
	int version = -1, cpus = 0, rc = -1;
	FILE *f;

	f = fopen(SCHEDSTAT, "r");
	if (!f)
		return failf(err, err_size, "%s: %m", SCHEDSTAT);
	*ns = 0;
	while (fgets(line, sizeof(line), f)) {
		uint64_t v;

		if (sscanf(line, "version %d", &version) == 1)
			continue;
		if (strncmp(line, "cpu", 3) != 0)
			continue;
		if (version != SCHEDSTAT_VERSION) {
			failf(err, err_size, "%s: version %d, want %d", SCHEDSTAT, version,
			      SCHEDSTAT_VERSION);
			goto out;
		}
		if (rq_cpu_time(line, &v) < 0) {
			failf(err, err_size, "%s: no rq_cpu_time in '%.40s'", SCHEDSTAT, line);
			goto out;
		}
		*ns += v;
		cpus++;
	}
	rc = cpus ? 0 : failf(err, err_size, "%s: no cpu lines", SCHEDSTAT);
out:
	fclose(f);
	return rc;
}

int l1_clock_read(struct l1_clock *c, char *err, size_t err_size)
{
	struct timespec ts;

	usleep(SETTLE_US);
	if (read_busy_ns(&c->busy_ns, err, err_size) < 0)
		return -1;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return failf(err, err_size, "clock_gettime: %m");
	c->tsc = __rdtsc();
	c->mono_ns = (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
	return 0;
}

int l1_busy_cycles(const struct l1_clock *from, const struct l1_clock *to, uint64_t *cycles)
{
	uint64_t mono = to->mono_ns - from->mono_ns;

	if (to->mono_ns <= from->mono_ns || to->tsc <= from->tsc || to->busy_ns < from->busy_ns)
		return -1;
	*cycles = (uint64_t)((double)(to->busy_ns - from->busy_ns) * (double)(to->tsc - from->tsc) /
			     (double)mono);
	return 0;
}
