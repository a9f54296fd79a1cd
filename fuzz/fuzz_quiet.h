/*
 * fuzz_quiet.h - one log sink for every fuzz target: findings and
 * decisions are discarded, so the fuzzer's output is its own.
 */
#ifndef PF_FUZZ_QUIET_H
#define PF_FUZZ_QUIET_H

#include "core/log.h"

static void
fuzz_quiet_sink(int priority, const char *line, void *arg)
{
	(void)priority;
	(void)line;
	(void)arg;
}

static inline void
fuzz_quiet(void)
{
	pf_log_capture(fuzz_quiet_sink, NULL);
}

#endif
