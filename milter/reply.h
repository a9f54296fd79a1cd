/*
 * NAME
 *	reply - the one place that turns a verdict into libmilter calls
 * SYNOPSIS
 *	sfsistat pf_milter_apply(SMFICTX *ctx, const pf_message *msg,
 *				 pf_verdict *v);
 * DESCRIPTION
 *	Maps the verdict's action to the sfsistat (reject -> SMFIS_REJECT
 *	with a 5xx reply, tempfail -> SMFIS_TEMPFAIL with a 4xx reply,
 *	everything else continues), sets the multi-line reply with
 *	smfi_setmlreply() after doubling every "%", and at end of message
 *	applies header deletions (highest index first), header additions
 *	and quarantine.  It is the only caller of smfi_setmlreply(),
 *	smfi_chgheader(), smfi_addheader(), smfi_insheader() and
 *	smfi_quarantine(); every return value is checked, and a failed
 *	modification turns the verdict into a tempfail (451 4.3.0) rather
 *	than relay the message unmodified; the caller logs the verdict after
 *	this call, so the decision line says what really happened.
 */
#ifndef PF_MILTER_REPLY_H
#define PF_MILTER_REPLY_H

#include <libmilter/mfapi.h>

#include "core/verdict.h"

sfsistat pf_milter_apply(SMFICTX *ctx, const pf_message *msg,
			 pf_verdict *v);

#endif
