/* bench_report: ms to write one window of 100,000 groups (a category key,
 * two stats, a distinct field) as table, JSON and CSV to /dev/null, the
 * median of 5 in wall-clock and in CPU time of the thread (the machine's
 * other load shows in the first, hardly in the second); an argument names
 * one format, for a profile. Built and run by scripts/bench.sh (it links the consumer's
 * modules). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consumer/report.h"
#include "consumer/window.h"

#define GROUPS 100000
#define PER_GROUP 3

static double now_ms(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	kt_fieldspec spec;
	char err[256];
	kt_fieldspec_init(&spec);
	kt_fieldspec_set_group_by(&spec, "user", err, sizeof err);
	kt_fieldspec_set_stats(&spec, "price,quantity", err, sizeof err);
	spec.distinct = strdup("item");
	kt_window *w = kt_window_new(0, 10000, GROUPS);
	w->opened_ms = 0;
	w->written_ms = 10000;
	kt_record_arena arena;
	kt_record_arena_init(&arena);
	uint64_t seed = 7;
	for (int i = 0; i < GROUPS * PER_GROUP; i++) {
		char rec[160];
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		int n = snprintf(rec, sizeof rec,
				 "{\"user\":\"user-%d\",\"price\":%d.%02d,\"quantity\":%d,\"item\":%d}",
				 i % GROUPS, (int)((seed >> 40) % 500), (int)((seed >> 20) % 100),
				 (int)((seed >> 33) % 9) + 1, (int)((seed >> 50) % 1000));
		enum kt_invalid why;
		cJSON *root = kt_record_decode(&arena, rec, (size_t)n, 1 << 20, &why);
		kt_extracted x;
		if (!root || kt_fields_extract(&spec, root, &x, &why) < 0 ||
		    kt_window_add(w, &x, (size_t)n, 9000) < 0)
			return 1;
		kt_record_arena_reset(&arena);
	}
	static const char *const names[] = {"table", "json", "csv"};
	static const enum kt_format formats[] = {KT_FORMAT_TABLE, KT_FORMAT_JSON, KT_FORMAT_CSV};
	for (int f = 0; f < 3; f++) {
		if (argc > 1 && strcmp(argv[1], names[f]) != 0)
			continue; /* one format only, for a profile */
		double t[5], cpu[5];
		for (int run = 0; run < 5; run++) {
			FILE *out = fopen("/dev/null", "w");
			kt_report r;
			kt_report_init(&r, formats[f], 20, false, &spec);
			kt_health h = {.lag = 0};
			double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_THREAD_CPUTIME_ID);
			if (kt_report_window(&r, out, w, &h) < 0)
				return 1;
			t[run] = now_ms(CLOCK_MONOTONIC) - t0;
			cpu[run] = now_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
			kt_report_release(&r);
			fclose(out);
		}
		qsort(t, 5, sizeof *t, cmp);
		qsort(cpu, 5, sizeof *cpu, cmp);
		printf("%s %.1f %.1f\n", names[f], t[2], cpu[2]);
	}
	kt_window_free(w);
	kt_record_arena_release(&arena);
	kt_fieldspec_release(&spec);
	return 0;
}
