/* fuzz_json: libFuzzer driver for kt_fuzz_json (see targets.c). */
#include <stddef.h>
#include <stdint.h>

void kt_fuzz_json(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kt_fuzz_json(data, size);
	return 0;
}
