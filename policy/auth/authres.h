/*
 * NAME
 *	authres - Authentication-Results under preflight's own authserv-id
 * SYNOPSIS
 *	#include "auth/authres.h"
 *
 *	const char *pf_authres_id(const pf_message *msg, char *buf,
 *				  size_t size);
 *	bool pf_authres_claims_id(const char *value, const char *id);
 *	unsigned pf_authres_remove_forged(pf_message *msg, const char *id,
 *					  bool apply);
 * DESCRIPTION
 *	pf_authres_id() is the authserv-id preflight writes: [policy]
 *	authserv_id, else the MTA's host name, else this host's name (into
 *	buf); the result points at configuration, message or buf.
 *
 *	pf_authres_claims_id() tells whether an Authentication-Results value
 *	(RFC 8601 section 2.2: CFWS, the authserv-id as a token or quoted
 *	string, then an optional version and ";") names id, compared without
 *	regard to case.
 *
 *	pf_authres_remove_forged() finds every Authentication-Results field
 *	of the message that claims id (RFC 8601 section 5: a sender can
 *	write them; receivers would trust them as ours) and, when apply is
 *	true, asks for each to be deleted (pf_message_delete_header(); the
 *	MTA glue deletes highest index first, OpenDKIM CVE-2022-48521).
 *	Returns how many there were.
 */
#ifndef PF_AUTHRES_H
#define PF_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/message.h"

const char *pf_authres_id(const pf_message *msg, char *buf, size_t size);
bool pf_authres_claims_id(const char *value, const char *id);
unsigned pf_authres_remove_forged(pf_message *msg, const char *id,
				  bool apply);

#endif
