/*
 * NAME
 *	rate_signals - the rate check's compromise signals (see
 *	rate_signals.c)
 */
#ifndef PF_RATE_SIGNALS_H
#define PF_RATE_SIGNALS_H

#include "core/message.h"

void pf_rate_signal_domains(pf_message *msg);
void pf_rate_signal_surge(pf_message *msg);

#endif
