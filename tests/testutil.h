/*
 * NAME
 *	testutil - helpers shared by the cmocka unit tests
 * SYNOPSIS
 *	pf_config *tu_config(const char *text);
 *	pf_config *tu_config_err(const char *text, GString *err, char **path);
 *	char *tu_write_temp(const char *text);
 *	void tu_remove_dir(const char *dir);
 *	pf_pipeline *tu_pipeline(pf_config *cfg);
 *	pf_verdict *tu_feed(pf_pipeline *tx, const char *headers_and_body);
 *	const pf_result *tu_find(const pf_message *msg, const char *code);
 * DESCRIPTION
 *	tu_config() loads a configuration from text (fails the test on
 *	errors); tu_config_err() returns NULL and the errors instead.
 *	tu_feed() sends "Name: value" lines, the empty line and the body
 *	through the pipeline (LF turned into CRLF in the body) and returns
 *	the end-of-message verdict, owned by the pipeline.  tu_pipeline()
 *	starts a transaction from a test client (192.0.2.1, client.test).
 *	tu_remove_dir() removes the files in a test's temporary directory
 *	and the directory (no subdirectories).
 */
#ifndef PF_TESTUTIL_H
#define PF_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/check.h"
#include "core/message.h"
#include "core/pipeline.h"
#include "core/verdict.h"

pf_config *tu_config(const char *text);
pf_config *tu_config_err(const char *text, GString *err, char **path);
char *tu_write_temp(const char *text);
void tu_remove_dir(const char *dir);
pf_pipeline *tu_pipeline(pf_config *cfg);
pf_verdict *tu_feed(pf_pipeline *tx, const char *text);
const pf_result *tu_find(const pf_message *msg, const char *code);

#endif
