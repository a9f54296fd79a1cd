/*
 * NAME
 *	check_attach - executable and script attachments
 * SYNOPSIS
 *	extern const pf_check pf_check_attach;
 * DESCRIPTION
 *	At end of message every leaf MIME part is looked at by name and by
 *	content, since receivers' filters do both:
 *	  attach.dangerous-name	a file name ending in one of [attach]
 *				extensions (exe, js, lnk, iso, ...);
 *	  attach.double-extension	"invoice.pdf.exe": a harmless-looking
 *				extension in front of a dangerous one;
 *	  attach.executable	content that is a PE, ELF or Mach-O
 *				program whatever its name or type says;
 *	  attach.archive-member	a zip (or other archive libarchive reads)
 *				containing a file with a dangerous name;
 *	  attach.html-smuggling	an HTML attachment that builds a file in
 *				the browser (Blob + createObjectURL, or
 *				msSaveOrOpenBlob).
 *	Each asks for [attach] action (default reject, 550 5.7.1) and names
 *	the part and the file.  Archive listing is bounded by
 *	archive_max_entries; unreadable or encrypted archives are left alone.
 *	Without the whole body (larger than max_scan_size) the check says
 *	it skipped (attach.skipped, score 0).
 */
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "check.h"
#include "mime.h"

#define SNIFF_MAX (64 * 1024 * 1024)

static const char *const harmless_ext[] = {
	"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "jpg",
	"jpeg", "png", "gif", "zip", "rtf", "csv", "htm", "html", "mp3", "mp4",
};

/* The extension after the last dot, lower-cased, or NULL. */
static char *
ext_of(const char *name, size_t len)
{
	const char *dot = g_strrstr_len(name, (gssize)len, ".");

	if (dot == NULL || (size_t)(dot - name) + 1 >= len)
		return NULL;
	return g_ascii_strdown(dot + 1, (gssize)(len - (size_t)(dot - name) - 1));
}

static bool
dangerous_ext(const pf_config *cfg, const char *ext)
{
	gchar **list;
	bool hit = false;

	if (ext == NULL)
		return false;
	list = g_strsplit_set(cfg->attach.extensions ? cfg->attach.extensions :
			      "", " ,\t", -1);
	for (gchar **e = list; *e && !hit; e++)
		hit = **e && g_ascii_strcasecmp(*e, ext) == 0;
	g_strfreev(list);
	return hit;
}

static void
finding(pf_message *msg, const char *code, const char *file,
	const char *what)
{
	pf_result *r = pf_result_add(msg, PF_CHECK_ATTACH, code,
	    msg->cfg->attach.action, 0, "550", "5.7.1");

	pf_result_text(r, "Attachment \"%s\" %s; receivers refuse such mail",
		       file, what);
	pf_result_fix(r, "Share the file through a download link or a file "
		      "share instead of attaching it");
	pf_result_fact(r, "file", "%s", file);
}

static const char *
sniff(const GByteArray *c)
{
	const guint8 *d = c->data;

	if (c->len >= 2 && d[0] == 'M' && d[1] == 'Z')
		return "is a Windows program (PE)";
	if (c->len >= 4 && memcmp(d, "\177ELF", 4) == 0)
		return "is a Linux program (ELF)";
	if (c->len >= 4 && (memcmp(d, "\xcf\xfa\xed\xfe", 4) == 0 ||
	    memcmp(d, "\xce\xfa\xed\xfe", 4) == 0 ||
	    memcmp(d, "\xfe\xed\xfa\xcf", 4) == 0 ||
	    memcmp(d, "\xfe\xed\xfa\xce", 4) == 0))
		return "is a macOS program (Mach-O)";
	return NULL;
}

/* A member of an archive with a dangerous name, or NULL. */
static char *
archive_member(const pf_config *cfg, const GByteArray *c)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *found = NULL;
	unsigned long n = 0;

	if (c->len == 0) {
		archive_read_free(a);
		return NULL;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_7zip(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_iso9660(a);
	if (archive_read_open_memory(a, c->data, c->len) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	while (found == NULL && n++ < cfg->attach.archive_max_entries &&
	       archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		char *ext;

		if (name == NULL)
			continue;
		ext = ext_of(name, strlen(name));
		if (dangerous_ext(cfg, ext))
			found = g_strdup(name);
		g_free(ext);
		(void)archive_read_data_skip(a);
	}
	archive_read_free(a);
	return found;
}

static bool
looks_like_smuggling(const GByteArray *c)
{
	char *text = g_strndup(c->len ? (const char *)c->data : "", c->len);
	bool blob = strstr(text, "Blob(") || strstr(text, "Blob (");
	bool hit = (blob && (strstr(text, "createObjectURL") ||
			     strstr(text, "msSaveOrOpenBlob") ||
			     strstr(text, ".download"))) ||
	    strstr(text, "msSaveOrOpenBlob");

	g_free(text);
	return hit;
}

static bool
look_at_part(pf_message *msg, GMimeObject *part, int depth, void *arg)
{
	const pf_config *cfg = msg->cfg;
	const char *name = pf_mime_filename(part);
	GMimeContentType *ct = g_mime_object_get_content_type(part);
	bool is_text = ct && g_mime_content_type_is_type(ct, "text", "*");
	bool is_html = ct && g_mime_content_type_is_type(ct, "text", "html");
	const char *label = name ? name : "(unnamed part)";
	GByteArray *content;
	const char *what;
	char *ext = NULL, *member;

	(void)depth;
	(void)arg;
	if (name) {
		size_t len = strlen(name);
		const char *dot;

		ext = ext_of(name, len);
		if (dangerous_ext(cfg, ext)) {
			dot = g_strrstr_len(name, (gssize)len, ".");
			char *inner = dot ? ext_of(name, (size_t)(dot - name)) :
			    NULL;
			bool dbl = false;

			for (unsigned i = 0; inner &&
			     i < G_N_ELEMENTS(harmless_ext); i++)
				dbl = dbl || strcmp(inner, harmless_ext[i]) == 0;
			if (dbl)
				finding(msg, "attach.double-extension", name,
				    "hides a program behind a document's "
				    "extension");
			else
				finding(msg, "attach.dangerous-name", name,
				    "has a file type mail filters block");
			g_free(inner);
			g_free(ext);
			return true;
		}
	}
	if (is_text && !is_html && name == NULL) {
		g_free(ext);
		return true;	/* the message text itself */
	}
	content = pf_mime_part_content(part, SNIFF_MAX);
	if ((what = sniff(content)) != NULL)
		finding(msg, "attach.executable", label, what);
	else if (is_html && name && looks_like_smuggling(content))
		finding(msg, "attach.html-smuggling", label, "is an HTML page "
			"that assembles a file in the browser (HTML smuggling)");
	else if (!is_text && (member = archive_member(cfg, content)) != NULL) {
		char *what2 = g_strdup_printf("is an archive containing \"%s\"",
					      member);

		finding(msg, "attach.archive-member", label, what2);
		g_free(what2);
		g_free(member);
	}
	g_byte_array_unref(content);
	g_free(ext);
	return true;
}

static void
attach_run(pf_message *msg, pf_stage stage)
{
	pf_result *r;

	if (stage != PF_STAGE_EOM)
		return;
	if (msg->body_truncated) {
		r = pf_result_add(msg, PF_CHECK_ATTACH, "attach.skipped",
				  PF_ACTION_NONE, 0, NULL, NULL);
		pf_result_text(r, "Attachments not checked: the message is "
			       "larger than [policy] max_scan_size");
	}
	pf_mime_foreach(msg, look_at_part, NULL);
}

static pf_mode *
attach_mode(pf_config *cfg)
{
	return &cfg->attach.mode;
}

const pf_check pf_check_attach = {
	.id = PF_CHECK_ATTACH,
	.name = "attach",
	.stages = PF_STAGE_BODY | PF_STAGE_EOM,
	.mode = attach_mode,
	.run = attach_run,
};
