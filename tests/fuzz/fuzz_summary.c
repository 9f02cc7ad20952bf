/* fuzz_summary: libFuzzer driver for kt_fuzz_summary (see targets.c). */
#include <stddef.h>
#include <stdint.h>

void kt_fuzz_summary(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kt_fuzz_summary(data, size);
	return 0;
}
