/* fuzz_filter: libFuzzer driver for kt_fuzz_filter (see targets.c). */
#include <stddef.h>
#include <stdint.h>

void kt_fuzz_filter(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kt_fuzz_filter(data, size);
	return 0;
}
