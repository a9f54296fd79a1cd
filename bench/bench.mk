## bench/: the load driver, a no-op milter, and "make bench" (bench/run.sh)
# built for make check too: tests/milter.sh drives the daemon with
# miltload and checks that noop-milter -P negotiates as preflight does
check_PROGRAMS += bench/miltload bench/noop-milter
bench_miltload_SOURCES = bench/miltload.c
bench_miltload_LDADD = $(LIBS)
bench_noop_milter_SOURCES = bench/noop-milter.c
bench_noop_milter_CFLAGS = $(AM_CFLAGS) $(MILTER_CFLAGS)
bench_noop_milter_LDADD = $(MILTER_LIBS)
EXTRA_DIST += bench/run.sh bench/mkcorpus.sh bench/metrics-cost.sh

bench: bench/miltload$(EXEEXT) bench/noop-milter$(EXEEXT) milter/preflight-milter$(EXEEXT) tools/preflight$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(top_srcdir)/bench/run.sh
.PHONY: bench

## preflight report over a generated million-line audit log (about a minute)
bench-report: tools/preflight$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(top_srcdir)/bench/report.sh
.PHONY: bench-report
EXTRA_DIST += bench/report.sh
## what counting for [metrics] costs a message, in instructions (callgrind)
bench-metrics: bench/miltload$(EXEEXT) milter/preflight-milter$(EXEEXT) tools/preflight$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(top_srcdir)/bench/metrics-cost.sh
.PHONY: bench-metrics
