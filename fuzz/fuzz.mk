## fuzz/: libFuzzer targets built with clang (ASan+UBSan) from the policy
## sources directly. "make fuzz" builds and runs each for FUZZ_SECONDS.
FUZZ_TARGETS = fuzz_config fuzz_pipeline fuzz_address fuzz_mime fuzz_spf
FUZZ_SECONDS ?= 60
EXTRA_DIST += fuzz/run.sh fuzz/fuzz_config.c fuzz/fuzz_pipeline.c fuzz/fuzz_address.c \
	fuzz/fuzz_mime.c fuzz/fuzz_spf.c fuzz/fuzz_quiet.h fuzz/corpus

fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) CC_FUZZ="$(CLANG)" \
	  POLICY_SOURCES="$(filter %.c,$(policy_libpolicy_a_SOURCES))" \
	  POLICY_CFLAGS="$(POLICY_EXT_CFLAGS)" \
	  POLICY_LIBS="$(POLICY_EXT_LIBS)" \
	  $(SHELL) $(top_srcdir)/fuzz/run.sh $(top_srcdir) $(FUZZ_TARGETS)
.PHONY: fuzz
