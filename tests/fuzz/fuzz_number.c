/* fuzz_number: libFuzzer driver for kt_fuzz_number (see targets.c). */
#include <stddef.h>
#include <stdint.h>

void kt_fuzz_number(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kt_fuzz_number(data, size);
	return 0;
}
