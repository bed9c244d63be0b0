/*
 * failrate: lookup failures (no-matches) over the last minute, for the
 * failure alarm of DESIGN.md §5. Sixty one-second buckets; the time is
 * passed in (ms), nothing else is touched.
 */
#ifndef TNSGW_FAILRATE_H
#define TNSGW_FAILRATE_H

#include <stdint.h>

#define FAILRATE_SLOTS 60

struct failrate {
	long long sec[FAILRATE_SLOTS];	/* second each slot counts, -1 none */
	uint32_t  n[FAILRATE_SLOTS];
	uint64_t  total;		/* every failure since init */
	int       alarm;		/* 1 while raised */
	long long raised_ms;		/* when it rose */
};

enum failrate_change {
	FAILRATE_SAME = 0,
	FAILRATE_RISE,
	FAILRATE_FALL,
};

void failrate_init(struct failrate *f);
/* One failure at now_ms. */
void failrate_add(struct failrate *f, long long now_ms);
/* Failures in the 60 s up to now_ms. */
uint32_t failrate_last_min(const struct failrate *f, long long now_ms);
/*
 * The alarm at now_ms for a threshold of per_min failures a minute (0:
 * off, the alarm falls if up): rises when the last minute holds per_min
 * or more, falls when it holds fewer and the alarm has been up a minute
 * at least (at most two changes a minute). The change, if any.
 */
enum failrate_change failrate_check(struct failrate *f, long long now_ms,
    uint32_t per_min);

#endif
