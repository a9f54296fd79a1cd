/*
 * NAME
 *	memory - how the process keeps freed memory between messages
 * SYNOPSIS
 *	#include "core/memory.h"
 *
 *	void pf_memory_tune(void);
 * DESCRIPTION
 *	A message's body and the copies the checks make of its parts are
 *	megabytes each for a large message.  glibc serves blocks that big
 *	with mmap(2) and gives them back to the kernel at free(), so every
 *	large message paid again for first touching its pages: on a 5 MB
 *	message about 1,300 page faults for the body alone, and more than
 *	half of the every-check milter CPU (bench/README.md, issue 19).
 *
 *	pf_memory_tune() asks glibc to serve blocks up to 32 MB (its largest
 *	allowed threshold on 64-bit) from the heap and to keep up to 64 MB
 *	free at a heap's top, so the next message reuses pages already
 *	mapped.  The cost is a resident size that stays near the high-water
 *	mark of the messages in flight (max_scan_size bounds each one)
 *	instead of falling back after each.  Call it once, at start, before
 *	any thread exists.  Without glibc it does nothing.
 */
#include <stdlib.h>		/* defines __GLIBC__ on glibc */

#include "core/memory.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#define PF_MMAP_THRESHOLD (32 * 1024 * 1024)
#define PF_TRIM_THRESHOLD (64 * 1024 * 1024)

void
pf_memory_tune(void)
{
#ifdef __GLIBC__
	/* best effort: a refused setting leaves glibc's own behaviour */
	(void)mallopt(M_MMAP_THRESHOLD, PF_MMAP_THRESHOLD);
	(void)mallopt(M_TRIM_THRESHOLD, PF_TRIM_THRESHOLD);
#endif
}
