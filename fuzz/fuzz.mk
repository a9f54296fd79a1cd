## fuzz/: libFuzzer targets built with clang (ASan+UBSan) from the policy
## sources directly (and autoconf.h from the build tree: the sonames
## lazylib opens). "make fuzz" builds and runs each for FUZZ_SECONDS.
FUZZ_TARGETS = fuzz_config fuzz_pipeline fuzz_address fuzz_mime fuzz_spf
FUZZ_SECONDS ?= 60
EXTRA_DIST += fuzz/run.sh fuzz/fuzz_config.c fuzz/fuzz_pipeline.c fuzz/fuzz_address.c \
	fuzz/fuzz_mime.c fuzz/fuzz_spf.c fuzz/fuzz_quiet.h fuzz/corpus

fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) CC_FUZZ="$(CLANG)" \
	  POLICY_SOURCES="$(filter %.c,$(policy_libpolicy_a_SOURCES))" \
	  POLICY_CFLAGS="-I$(abs_top_builddir) $(POLICY_EXT_CFLAGS)" \
	  POLICY_LIBS="$(POLICY_EXT_LIBS) $(LIBS)" \
	  $(SHELL) $(top_srcdir)/fuzz/run.sh $(top_srcdir) $(FUZZ_TARGETS)
.PHONY: fuzz

## the fuzz targets built as plain programs replaying fuzz/corpus (run by
## tests/fuzz-replay.sh: directly, and under valgrind in the plain build)
FUZZ_REPLAYS = fuzz/replay_config fuzz/replay_pipeline fuzz/replay_address \
	fuzz/replay_mime fuzz/replay_spf
check_PROGRAMS += $(FUZZ_REPLAYS)
fuzz_replay_config_SOURCES = fuzz/fuzz_config.c fuzz/replay.c fuzz/fuzz_quiet.h
fuzz_replay_config_LDADD = $(POLICY_LIBS)
fuzz_replay_pipeline_SOURCES = fuzz/fuzz_pipeline.c fuzz/replay.c fuzz/fuzz_quiet.h
fuzz_replay_pipeline_LDADD = $(POLICY_LIBS)
fuzz_replay_address_SOURCES = fuzz/fuzz_address.c fuzz/replay.c fuzz/fuzz_quiet.h
fuzz_replay_address_LDADD = $(POLICY_LIBS)
fuzz_replay_mime_SOURCES = fuzz/fuzz_mime.c fuzz/replay.c fuzz/fuzz_quiet.h
fuzz_replay_mime_LDADD = $(POLICY_LIBS)
fuzz_replay_spf_SOURCES = fuzz/fuzz_spf.c fuzz/replay.c fuzz/fuzz_quiet.h
fuzz_replay_spf_LDADD = $(POLICY_LIBS)
