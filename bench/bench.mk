## bench/: the load driver, a no-op milter, and "make bench" (bench/run.sh)
EXTRA_PROGRAMS += bench/noop-milter
# built for make check too: tests/milter.sh drives the daemon with it
check_PROGRAMS += bench/miltload
bench_miltload_SOURCES = bench/miltload.c
bench_miltload_LDADD = $(LIBS)
bench_noop_milter_SOURCES = bench/noop-milter.c
bench_noop_milter_CFLAGS = $(AM_CFLAGS) $(MILTER_CFLAGS)
bench_noop_milter_LDADD = $(MILTER_LIBS)
EXTRA_DIST += bench/run.sh bench/mkcorpus.sh
CLEANFILES += bench/noop-milter

bench: bench/miltload$(EXEEXT) bench/noop-milter$(EXEEXT) milter/preflight-milter$(EXEEXT) tools/preflight$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(top_srcdir)/bench/run.sh
.PHONY: bench
