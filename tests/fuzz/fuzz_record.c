/* fuzz_record: libFuzzer driver for kt_fuzz_record (see targets.c). */
#include <stddef.h>
#include <stdint.h>

void kt_fuzz_record(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kt_fuzz_record(data, size);
	return 0;
}
