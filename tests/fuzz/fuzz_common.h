/*
 * fuzz_common.h: what every libFuzzer harness in tests/fuzz/ shares.
 *
 * A harness proves two things about a parser: that no input makes it
 * touch memory it does not own (ASan, UBSan) and that what it returns is
 * right (FUZZ_CHECK against an independent, deliberately simple model).
 * A failed check aborts, so libFuzzer records the input as a crash and
 * `make fuzz` counts it.  Harnesses are test code: they may assume libsodium
 * works and abort when it does not.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,	\
		    __LINE__, #cond);					\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const unsigned char *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

/* The initializer of a harness that needs nothing but libsodium ready
 * (include <sodium.h> first). */
#define FUZZ_SODIUM_INITIALIZE						\
int									\
LLVMFuzzerInitialize(int *argc, char ***argv)				\
{									\
	(void)argc;							\
	(void)argv;							\
	if (sodium_init() < 0)						\
		abort();						\
	return 0;							\
}

#endif /* FUZZ_COMMON_H */
