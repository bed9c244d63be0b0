/*
 * failrate: a sliding minute of lookup failures and the alarm raised on
 * it (failrate.h). Pure: the caller gives the time.
 */
#include <string.h>

#include "failrate.h"

void
failrate_init(struct failrate *f)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < FAILRATE_SLOTS; i++)
		f->sec[i] = -1;
}

void
failrate_add(struct failrate *f, long long now_ms)
{
	long long s = now_ms < 0 ? 0 : now_ms / 1000;
	int i = (int)(s % FAILRATE_SLOTS);

	if (f->sec[i] != s) {
		f->sec[i] = s;
		f->n[i] = 0;
	}
	if (f->n[i] < UINT32_MAX)
		f->n[i]++;
	f->total++;
}

uint32_t
failrate_last_min(const struct failrate *f, long long now_ms)
{
	long long s = now_ms < 0 ? 0 : now_ms / 1000;
	uint64_t sum = 0;

	for (int i = 0; i < FAILRATE_SLOTS; i++)
		if (f->sec[i] >= 0 && f->sec[i] <= s &&
		    f->sec[i] > s - FAILRATE_SLOTS)
			sum += f->n[i];
	return sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}

enum failrate_change
failrate_check(struct failrate *f, long long now_ms, uint32_t per_min)
{
	uint32_t n = failrate_last_min(f, now_ms);

	if (!f->alarm) {
		if (per_min == 0 || n < per_min)
			return FAILRATE_SAME;
		f->alarm = 1;
		f->raised_ms = now_ms;
		return FAILRATE_RISE;
	}
	if (per_min != 0 && (n >= per_min || now_ms - f->raised_ms < 60000))
		return FAILRATE_SAME;
	f->alarm = 0;
	return FAILRATE_FALL;
}
