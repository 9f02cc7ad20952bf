/* bench_number: ns per number of kt_number_format against what it replaced
 * (cJSON's "%1.15g" + sscanf check + "%1.17g", and the CSV's "%.15g"), on
 * random doubles of three kinds: small integers (counts), prices with two
 * decimals, and arbitrary bit patterns. Built and run by scripts/bench.sh. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ktrio/number.h"

#define N 2000000

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double vals[N];

/* cJSON 1.7's print_number: %1.15g, read back with sscanf, else %1.17g. */
static size_t cjson_way(double d, char *buf)
{
	double test = 0;
	int n = sprintf(buf, "%1.15g", d);
	if (sscanf(buf, "%lg", &test) != 1 || test != d)
		n = sprintf(buf, "%1.17g", d);
	return (size_t)n;
}

static size_t csv_way(double d, char *buf)
{
	return (size_t)sprintf(buf, "%.15g", d);
}

static size_t ours(double d, char *buf)
{
	return kt_number_format(d, buf);
}

static double run(size_t (*fn)(double, char *))
{
	char buf[64];
	size_t total = 0;
	double t0 = now_s();
	for (int i = 0; i < N; i++)
		total += fn(vals[i], buf);
	double ns = (now_s() - t0) * 1e9 / N;
	if (total == 0)
		puts("?");
	return ns;
}

int main(void)
{
	static const char *const kinds[] = {"integers", "prices", "random bits"};
	uint64_t seed = 42;
	printf("%-12s %12s %12s %12s\n", "ns/number", "kt_number", "cJSON way", "%.15g");
	for (int k = 0; k < 3; k++) {
		for (int i = 0; i < N; i++) {
			uint64_t r = mix(&seed);
			double d;
			if (k == 0)
				d = (double)(r % 1000000);
			else if (k == 1)
				d = (double)(r % 100000) / 100;
			else
				memcpy(&d, &r, sizeof d);
			vals[i] = isfinite(d) ? d : 1.5;
		}
		printf("%-12s %12.1f %12.1f %12.1f\n", kinds[k], run(ours), run(cjson_way), run(csv_way));
	}
	return 0;
}
