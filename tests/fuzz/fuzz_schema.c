/* fuzz_schema: libFuzzer driver for kt_fuzz_schema (see targets.c). */
#include <stddef.h>
#include <stdint.h>

void kt_fuzz_schema(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kt_fuzz_schema(data, size);
	return 0;
}
