/* fuzz_parse: libFuzzer driver for kt_fuzz_parse (see targets.c). */
#include <stddef.h>
#include <stdint.h>

void kt_fuzz_parse(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kt_fuzz_parse(data, size);
	return 0;
}
