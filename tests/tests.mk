## tests/: cmocka unit tests (TAP through automake's tap-driver) and the
## integration scripts (skipped unless PREFLIGHT_INTEGRATION=1).
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TESTS_ENVIRONMENT = CMOCKA_MESSAGE_OUTPUT=TAP top_srcdir='$(abs_top_srcdir)' \
	top_builddir='$(abs_top_builddir)' \
	PREFLIGHT_INTEGRATION='$(PREFLIGHT_INTEGRATION)' \
	LSAN_OPTIONS='suppressions=$(abs_top_srcdir)/tests/lsan.supp:print_suppressions=0' \
	ASAN_OPTIONS='fast_unwind_on_malloc=0'; \
	export CMOCKA_MESSAGE_OUTPUT top_srcdir top_builddir PREFLIGHT_INTEGRATION \
	LSAN_OPTIONS ASAN_OPTIONS;

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -DTEST_SRCDIR='"$(abs_top_srcdir)/tests"'
UNIT_LDADD = $(POLICY_LIBS) $(CMOCKA_LIBS)

if HAVE_CMOCKA
UNIT_TESTS = tests/test_config tests/test_size tests/test_verdict tests/test_dmarc \
	tests/test_reencode tests/test_dkim tests/test_links tests/test_spf tests/test_from tests/test_dnsbl \
	tests/test_rate tests/test_dkim_rotate tests/test_metrics tests/test_resolver
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
endif

tests_test_config_SOURCES = tests/test_config.c tests/testutil.c tests/testutil.h
tests_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_test_config_LDADD = $(UNIT_LDADD)
tests_test_size_SOURCES = tests/test_size.c tests/testutil.c tests/testutil.h
tests_test_size_CFLAGS = $(UNIT_CFLAGS)
tests_test_size_LDADD = $(UNIT_LDADD)
tests_test_dmarc_SOURCES = tests/test_dmarc.c tests/testutil.c tests/testutil.h
tests_test_dmarc_CFLAGS = $(UNIT_CFLAGS)
tests_test_dmarc_LDADD = $(UNIT_LDADD)
tests_test_reencode_SOURCES = tests/test_reencode.c tests/testutil.c tests/testutil.h
tests_test_reencode_CFLAGS = $(UNIT_CFLAGS)
tests_test_reencode_LDADD = $(UNIT_LDADD)
tests_test_dkim_SOURCES = tests/test_dkim.c tests/testutil.c tests/testutil.h
tests_test_dkim_CFLAGS = $(UNIT_CFLAGS)
tests_test_dkim_LDADD = $(UNIT_LDADD)
tests_test_dkim_rotate_SOURCES = tests/test_dkim_rotate.c tests/testutil.c tests/testutil.h
tests_test_dkim_rotate_CFLAGS = $(UNIT_CFLAGS)
tests_test_dkim_rotate_LDADD = $(UNIT_LDADD)
tests_test_spf_SOURCES = tests/test_spf.c tests/testutil.c tests/testutil.h
tests_test_spf_CFLAGS = $(UNIT_CFLAGS)
tests_test_spf_LDADD = $(UNIT_LDADD)
tests_test_links_SOURCES = tests/test_links.c tests/testutil.c tests/testutil.h
tests_test_links_CFLAGS = $(UNIT_CFLAGS)
tests_test_links_LDADD = $(UNIT_LDADD)
tests_test_from_SOURCES = tests/test_from.c tests/testutil.c tests/testutil.h
tests_test_from_CFLAGS = $(UNIT_CFLAGS)
tests_test_from_LDADD = $(UNIT_LDADD)
tests_test_dnsbl_SOURCES = tests/test_dnsbl.c tests/testutil.c tests/testutil.h
tests_test_dnsbl_CFLAGS = $(UNIT_CFLAGS)
tests_test_dnsbl_LDADD = $(UNIT_LDADD)
tests_test_rate_SOURCES = tests/test_rate.c tests/testutil.c tests/testutil.h
tests_test_rate_CFLAGS = $(UNIT_CFLAGS)
tests_test_rate_LDADD = $(UNIT_LDADD)
tests_test_resolver_SOURCES = tests/test_resolver.c tests/testutil.c tests/testutil.h
tests_test_resolver_CFLAGS = $(UNIT_CFLAGS)
tests_test_resolver_LDADD = $(UNIT_LDADD)
tests_test_metrics_SOURCES = tests/test_metrics.c tests/testutil.c tests/testutil.h
tests_test_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_test_metrics_LDADD = $(UNIT_LDADD)
tests_test_verdict_SOURCES = tests/test_verdict.c tests/testutil.c tests/testutil.h
tests_test_verdict_CFLAGS = $(UNIT_CFLAGS)
tests_test_verdict_LDADD = $(UNIT_LDADD)

## content checks: corpus stress driver (run by tests/content.sh)
check_PROGRAMS += tests/mime_stress
tests_mime_stress_SOURCES = tests/mime_stress.c
tests_mime_stress_LDADD = $(POLICY_LIBS)

## scripts that drive the built programs
INTEGRATION_TESTS = tests/integration/postfix.sh tests/integration/faults.sh \
	tests/integration/load.sh tests/integration/dmarc.sh tests/integration/from.sh \
	tests/integration/rcpt-domain.sh tests/integration/reputation.sh \
	tests/integration/rate.sh tests/integration/rate-cluster.sh \
	tests/integration/debian-package.sh \
	tests/integration/opendkim.sh \
	tests/integration/sendmail.sh \
	tests/integration/dkim-rotate.sh \
	tests/integration/reencode.sh \
	tests/integration/metrics.sh \
	tests/integration/audit.sh
SCRIPT_TESTS = tests/scan.sh tests/sample-config.sh tests/milter.sh tests/dkim.sh \
	tests/dkim-rotate.sh tests/reencode.sh \
	tests/from.sh tests/content.sh \
	tests/source-rules.sh tests/hardening.sh tests/spf-dmarc.sh tests/spf-diff.sh \
	tests/dmarc9989.sh tests/rcpt-domain.sh tests/check-domain.sh tests/rate.sh \
	tests/static-analysis.sh \
	tests/demo.sh \
	tests/opendkim-convert.sh \
	tests/report.sh \
	tests/audit-schema.sh \
	tests/fuzz-replay.sh
TESTS += $(SCRIPT_TESTS) $(INTEGRATION_TESTS)
EXTRA_DIST += $(SCRIPT_TESTS) $(INTEGRATION_TESTS) tests/integration/lib.sh \
	tests/integration/sendmail-lib.sh tests/integration/smtp.py tests/deps.sh tests/run-all.sh tests/tap.sh \
	tests/data tests/milter tests/knot.sh tests/ports.sh tests/dkim-verify.py \
	tests/content-corpus.py tests/lsan.supp tests/spf-diff.py tests/spf-diff \
	tests/from-corpus.py tests/report-gen.py tests/report-check.py \
	tests/reencode-corpus.py tests/reencode-check.py

## the OpenSPF RFC 7208 suite through the SPF layer (about 15 s; needs knot
## and python3-yaml): make check-rfc7208
check-rfc7208: tools/preflight$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(top_srcdir)/tests/rfc7208.sh
EXTRA_DIST += tests/rfc7208.sh tests/rfc7208
.PHONY: check-rfc7208
