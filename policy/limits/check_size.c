/*
 * NAME
 *	check_size - message size and recipient count limits
 * SYNOPSIS
 *	extern const pf_check pf_check_size;
 * DESCRIPTION
 *	At MAIL FROM the ESMTP SIZE= value, when the client declared one, is
 *	compared with [size] max_message_size, so that an oversized message
 *	is refused before it is uploaded.  At end of message the bytes
 *	actually received (headers as "Name: value" lines plus body) are
 *	compared again.  Both findings are size.too-big, 552 5.3.4.
 *
 *	At RCPT each recipient beyond max_recipients is refused on its own
 *	(size.too-many-recipients, 452 4.5.3 or, with recipients_action =
 *	reject, 550 5.5.3), as Postfix's smtpd_recipient_limit does: the
 *	client sends the rest in another transaction.
 *
 *	The [size] overrides table changes both limits per envelope sender
 *	domain: "example.com max_message_size=50M max_recipients=500"; a
 *	key left out keeps the global value.  It is validated when the
 *	configuration loads.
 */
#include <stdlib.h>
#include <string.h>

#include "core/check.h"
#include "core/table.h"

typedef struct size_limits {
	unsigned long long max_size;
	unsigned long max_rcpts;
	const char *scope;	/* "global" or the table key's domain */
} size_limits;

/* Parse "max_message_size=S max_recipients=N"; -1 with why on error. */
static int
parse_override(const char *value, size_limits *lim, GString *why)
{
	gchar **words = g_strsplit_set(value, " \t", -1);
	int rc = 0;

	for (gchar **w = words; *w && rc == 0; w++) {
		char *eq = strchr(*w, '='), *end;
		unsigned long long n;

		if (**w == '\0')
			continue;
		if (eq == NULL) {
			g_string_append_printf(why, "\"%s\": expected key=value",
					       *w);
			rc = -1;
		} else if (strncmp(*w, "max_message_size=", 17) == 0) {
			if (pf_parse_size(eq + 1, &n) < 0) {
				g_string_append_printf(why, "max_message_size "
				    "\"%s\": expected a size such as 50M",
				    eq + 1);
				rc = -1;
			} else if (lim) {
				lim->max_size = n;
			}
		} else if (strncmp(*w, "max_recipients=", 15) == 0) {
			n = strtoull(eq + 1, &end, 10);
			if (eq[1] == '\0' || *end != '\0' || eq[1] == '-') {
				g_string_append_printf(why, "max_recipients "
				    "\"%s\": expected a whole number", eq + 1);
				rc = -1;
			} else if (lim) {
				lim->max_rcpts = (unsigned long)n;
			}
		} else {
			g_string_append_printf(why, "unknown key \"%.*s\" "
			    "(max_message_size or max_recipients)",
			    (int)(eq - *w), *w);
			rc = -1;
		}
	}
	g_strfreev(words);
	return rc;
}

static bool
validate_override(const char *key, const char *value, GString *why,
		  void *arg)
{
	if (*value == '\0') {
		g_string_append_printf(why, "\"%s\": no limits given", key);
		return false;
	}
	return parse_override(value, NULL, why) == 0;
}

static void
size_limits_for(const pf_message *msg, size_limits *lim)
{
	const pf_size_conf *sc = &msg->cfg->size;
	const char *value;
	GString *why;

	lim->max_size = sc->max_message_size;
	lim->max_rcpts = sc->max_recipients;
	lim->scope = "global";
	value = pf_table_lookup_domain(sc->override_table,
				       pf_message_sender_domain(msg));
	if (value == NULL)
		return;
	why = g_string_new(NULL);
	if (parse_override(value, lim, why) == 0)
		lim->scope = pf_message_sender_domain(msg);
	g_string_free(why, TRUE);
}

static bool
has_result(const pf_message *msg, const char *code)
{
	for (guint i = 0; i < msg->results->len; i++)
		if (strcmp(((pf_result *)msg->results->pdata[i])->code,
			   code) == 0)
			return true;
	return false;
}

static void
too_big(pf_message *msg, const size_limits *lim, unsigned long long size,
	const char *source)
{
	pf_result *r = pf_result_add(msg, PF_CHECK_SIZE, "size.too-big",
	    msg->cfg->size.action, 0, "552", "5.3.4");

	pf_result_text(r, "Message size %llu bytes%s exceeds the limit of "
	    "%llu bytes for mail from %s", size,
	    strcmp(source, "esmtp") == 0 ? " (declared with SIZE=)" : "",
	    lim->max_size, pf_message_sender_domain(msg) ?
	    pf_message_sender_domain(msg) : "this sender");
	pf_result_fix(r, "Share large files by link (a file share or cloud "
	    "storage) instead of attaching them, or split the message");
	pf_result_fact(r, "limit", "%llu", lim->max_size);
	pf_result_fact(r, "size", "%llu", size);
	pf_result_fact(r, "source", "%s", source);
	pf_result_fact(r, "scope", "%s", lim->scope);
}

static void
size_run(pf_message *msg, pf_stage stage)
{
	size_limits lim;
	pf_result *r;

	size_limits_for(msg, &lim);
	switch (stage) {
	case PF_STAGE_MAIL:
		if (lim.max_size && msg->esmtp_size >= 0 &&
		    (unsigned long long)msg->esmtp_size > lim.max_size)
			too_big(msg, &lim, (unsigned long long)msg->esmtp_size,
				"esmtp");
		break;
	case PF_STAGE_RCPT:
		if (lim.max_rcpts == 0 || msg->rcpts->len <= lim.max_rcpts)
			break;
		if (msg->cfg->size.recipients_action == PF_ACTION_REJECT)
			r = pf_result_add(msg, PF_CHECK_SIZE,
			    "size.too-many-recipients", PF_ACTION_REJECT, 0,
			    "550", "5.5.3");
		else
			r = pf_result_add(msg, PF_CHECK_SIZE,
			    "size.too-many-recipients",
			    msg->cfg->size.recipients_action, 0, "452",
			    "4.5.3");
		pf_result_text(r, "Too many recipients: at most %lu per "
		    "message for mail from %s", lim.max_rcpts,
		    pf_message_sender_domain(msg) ?
		    pf_message_sender_domain(msg) : "this sender");
		pf_result_fix(r, "Send to the remaining recipients in another "
		    "message, or use a mailing list");
		pf_result_fact(r, "limit", "%lu", lim.max_rcpts);
		pf_result_fact(r, "rcpt", "%u", msg->rcpts->len);
		break;
	case PF_STAGE_EOM:
		if (lim.max_size && pf_message_size(msg) > lim.max_size &&
		    !has_result(msg, "size.too-big"))
			too_big(msg, &lim, pf_message_size(msg), "body");
		break;
	default:
		break;
	}
}

static pf_mode *
size_mode(pf_config *cfg)
{
	return &cfg->size.mode;
}

static int
size_configure(pf_config *cfg, GString *err)
{
	if (cfg->size.overrides == NULL)
		return 0;
	cfg->size.override_table = pf_table_load(cfg->size.overrides,
	    validate_override, NULL, err);
	return cfg->size.override_table ? 0 : -1;
}

static void
size_unconfigure(pf_config *cfg)
{
	pf_table_free(&cfg->size.override_table);
}

const pf_check pf_check_size = {
	.id = PF_CHECK_SIZE,
	.name = "size",
	.stages = PF_STAGE_MAIL | PF_STAGE_RCPT | PF_STAGE_EOM,
	.mode = size_mode,
	.run = size_run,
	.configure = size_configure,
	.unconfigure = size_unconfigure,
};
