/*
 * NAME
 *	reply - the one place that turns a verdict into libmilter calls
 *	(see reply.h)
 */
#include <string.h>

#include "reply.h"

#define REPLACE_CHUNK 65536

/* libmilter drops a reply containing a lone "%": write it "%%". */
static char *
escape_percent(const char *line)
{
	GString *s = g_string_sized_new(strlen(line) + 8);

	for (const char *p = line; *p; p++) {
		if (*p == '%')
			g_string_append_c(s, '%');
		if (*p != '\r' && *p != '\n')
			g_string_append_c(s, *p);
	}
	return g_string_free(s, FALSE);
}

static gint
cmp_index_desc(gconstpointer a, gconstpointer b, gpointer data)
{
	GArray *del = data;
	const pf_header_ref *x = &g_array_index(del, pf_header_ref,
						*(const guint *)a);
	const pf_header_ref *y = &g_array_index(del, pf_header_ref,
						*(const guint *)b);

	return x->index < y->index ? 1 : x->index > y->index ? -1 : 0;
}

static int
set_reply(SMFICTX *ctx, const pf_verdict *v)
{
	char *l[PF_REPLY_LINES + 1] = {0};
	int rc;

	for (guint i = 0; i < v->reply->len && i < PF_REPLY_LINES; i++)
		l[i] = escape_percent(v->reply->pdata[i]);
	if (l[0] == NULL)
		l[0] = g_strdup("Refused by preflight");
	rc = smfi_setmlreply(ctx, v->smtp, v->dsn, l[0], l[1], l[2], l[3],
			     l[4], l[5], l[6], l[7], l[8], l[9], l[10], l[11],
			     (char *)NULL);
	for (unsigned i = 0; i < PF_REPLY_LINES; i++)
		g_free(l[i]);
	return rc == MI_SUCCESS ? 0 : -1;
}

/*
 * Deletions first, highest index of a name first: deleting the first of
 * two fields would make the second one first (OpenDKIM CVE-2022-48521).
 * Then additions, which (inserted at the top) move no index asked for.
 */
static int
apply_deletions(SMFICTX *ctx, const pf_message *msg)
{
	GArray *del = msg->del_headers;
	GArray *order = g_array_sized_new(FALSE, FALSE, sizeof(guint),
					  del->len);
	int rc = 0;

	for (guint i = 0; i < del->len; i++)
		g_array_append_val(order, i);
	g_array_sort_with_data(order, cmp_index_desc, del);
	for (guint k = 0; k < order->len && rc == 0; k++) {
		const pf_header_ref *d = &g_array_index(del, pf_header_ref,
		    g_array_index(order, guint, k));

		if (smfi_chgheader(ctx, d->name, (int)d->index, NULL) !=
		    MI_SUCCESS) {
			pf_error("%s: cannot delete header %s #%u",
				 msg->queue_id ? msg->queue_id : "NOQUEUE",
				 d->name, d->index);
			rc = -1;
		}
	}
	g_array_free(order, TRUE);
	return rc;
}

/* The re-encoded body (content/reencode.h), in 64 KB chunks. */
static int
replace_body(SMFICTX *ctx, const pf_message *msg)
{
	const GByteArray *b = msg->new_body;

	for (gsize off = 0; off < b->len; off += REPLACE_CHUNK)
		if (smfi_replacebody(ctx, b->data + off, (int)MIN(
		    (gsize)REPLACE_CHUNK, b->len - off)) != MI_SUCCESS) {
			pf_error("%s: cannot replace the body (was SMFIF_CHGBODY "
			    "negotiated?)", msg->queue_id ? msg->queue_id :
			    "NOQUEUE");
			return -1;
		}
	return 0;
}

static int
apply_edits(SMFICTX *ctx, const pf_message *msg, const pf_verdict *v)
{
	if (apply_deletions(ctx, msg) < 0)
		return -1;
	for (guint i = 0; i < msg->add_headers->len; i++) {
		const pf_header *h = &g_array_index(msg->add_headers,
						    pf_header, i);
		gboolean prepend = g_array_index(msg->add_prepend, gboolean, i);
		int rc;

		rc = prepend ? smfi_insheader(ctx, 0, h->name, h->value) :
		    smfi_addheader(ctx, h->name, h->value);
		if (rc != MI_SUCCESS) {
			pf_error("%s: cannot add header %s",
				 msg->queue_id ? msg->queue_id : "NOQUEUE",
				 h->name);
			return -1;
		}
	}
	if (msg->new_body && replace_body(ctx, msg) < 0)
		return -1;
	if (v->action == PF_ACTION_QUARANTINE &&
	    smfi_quarantine(ctx, v->quarantine_reason) != MI_SUCCESS) {
		pf_error("%s: cannot quarantine message",
			 msg->queue_id ? msg->queue_id : "NOQUEUE");
		return -1;
	}
	return 0;
}

sfsistat
pf_milter_apply(SMFICTX *ctx, const pf_message *msg, pf_verdict *v)
{
	switch (v->action) {
	case PF_ACTION_REJECT:
		if (set_reply(ctx, v) < 0)
			pf_warn("%s: reply text refused by libmilter; the MTA "
				"sends its default 5xx",
				msg->queue_id ? msg->queue_id : "NOQUEUE");
		return SMFIS_REJECT;
	case PF_ACTION_TEMPFAIL:
		if (set_reply(ctx, v) < 0)
			pf_warn("%s: reply text refused by libmilter; the MTA "
				"sends its default 4xx",
				msg->queue_id ? msg->queue_id : "NOQUEUE");
		return SMFIS_TEMPFAIL;
	default:
		if (v->stage != PF_STAGE_EOM || apply_edits(ctx, msg, v) == 0)
			return SMFIS_CONTINUE;
		/* the MTA refused an edit: keep the mail queued, say why */
		v->action = PF_ACTION_TEMPFAIL;
		g_strlcpy(v->smtp, "451", sizeof(v->smtp));
		g_strlcpy(v->dsn, "4.3.0", sizeof(v->dsn));
		g_ptr_array_set_size(v->reply, 0);
		g_ptr_array_add(v->reply, g_strdup("preflight could not add "
		    "its headers to the message (or replace its body); try "
		    "again later"));
		(void)set_reply(ctx, v);
		return SMFIS_TEMPFAIL;
	}
}
