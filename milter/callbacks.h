/*
 * NAME
 *	callbacks - libmilter callbacks feeding the policy pipeline
 * SYNOPSIS
 *	extern struct smfiDesc pf_milter_desc;
 *	void pf_milter_set_config(pf_config *cfg);
 *	pf_config *pf_milter_config(void);
 *	unsigned pf_milter_busy(void);
 * DESCRIPTION
 *	Per-connection state lives in a conn_ctx set with smfi_setpriv() at
 *	connect and freed at close (close tolerates a NULL private pointer).
 *	The message (pf_message) is created at MAIL FROM, with a reference
 *	to the configuration current at that moment, and freed at end of
 *	message, abort, or the next MAIL FROM; so a reload never changes the
 *	rules under a message in flight.
 *
 *	pf_milter_set_config() installs a new current configuration (it takes
 *	over the caller's reference).  pf_milter_config() returns a new
 *	reference to the current one.  pf_milter_busy() counts messages in
 *	flight, for a graceful stop.
 *
 *	Only glue lives here: every decision is made in policy/.
 */
#ifndef PF_MILTER_CALLBACKS_H
#define PF_MILTER_CALLBACKS_H

#include <libmilter/mfapi.h>

#include "core/config.h"

extern struct smfiDesc pf_milter_desc;
void pf_milter_set_config(pf_config *cfg);
pf_config *pf_milter_config(void);
unsigned pf_milter_busy(void);

#endif
