/*
 * NAME
 *	check_attach - dangerous attachments, by name and by content
 * SYNOPSIS
 *	extern const pf_check pf_check_attach;
 * DESCRIPTION
 *	At end of message every leaf part of the shared parse (mime.h) is
 *	examined; each finding names the file and the part.  The hard rules
 *	ask for [attach] action (reject: 550 5.7.1), which is what large
 *	receivers do with such files anyway, only later and less clearly:
 *
 *	attach.dangerous-extension: the file name ends in one of
 *	dangerous_extensions (trailing dots and blanks ignored, as Windows
 *	does).
 *	attach.double-extension: a document-like extension followed by a
 *	dangerous one ("invoice.pdf.exe").
 *	attach.deceptive-name: a right-to-left override (U+202E) in the name,
 *	which displays "exe.pdf" as "fdp.exe".
 *	attach.executable-content: the content is a PE, ELF or Mach-O
 *	executable, a Windows shortcut, an ISO image, or a #! script sent
 *	as something other than text, under a name or Content-Type that
 *	does not say so.
 *	attach.archive-dangerous: a zip, 7z, rar or tar archive lists a
 *	member with a dangerous name.  Members are listed with libarchive,
 *	never decompressed; at most archive_max_entries entries and
 *	archive_max_size uncompressed bytes (attach.archive-limited, score
 *	0, says the rest was not examined).
 *	attach.html-smuggling: an HTML or SVG attachment whose script builds
 *	a file in the browser (a Blob handed to createObjectURL or
 *	msSaveOrOpenBlob, or a download link to a data: URI).
 *
 *	attach.archive-encrypted (encrypted_archive_score): an archive that
 *	is password-protected or cannot be read, so nobody can scan it.
 *	attach.partial (score 0): the body was cut at max_scan_size and the
 *	last part could not be examined in full.
 */
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "content/content.h"
#include "content/mime.h"
#include "autoconf.h"		/* PF_*_SONAME */
#include "core/lazylib.h"

#define MAX_FINDINGS 10

/* libarchive, opened on the first archive (lazylib.h) */
static __typeof__(archive_entry_is_encrypted) *la_is_encrypted;
static __typeof__(archive_entry_pathname) *la_pathname;
static __typeof__(archive_entry_pathname_utf8) *la_pathname_utf8;
static __typeof__(archive_entry_size) *la_size;
static __typeof__(archive_entry_size_is_set) *la_size_is_set;
static __typeof__(archive_read_data_skip) *la_skip;
static __typeof__(archive_read_free) *la_free;
static __typeof__(archive_read_new) *la_new;
static __typeof__(archive_read_next_header) *la_next_header;
static __typeof__(archive_read_open_memory) *la_open_memory;
static __typeof__(archive_read_support_format_7zip) *la_7zip;
static __typeof__(archive_read_support_format_rar) *la_rar;
static __typeof__(archive_read_support_format_rar5) *la_rar5;
static __typeof__(archive_read_support_format_tar) *la_tar;
static __typeof__(archive_read_support_format_zip) *la_zip;
static const pf_lazysym archive_syms[] = {
	PF_LAZYSYM(archive_entry_is_encrypted, la_is_encrypted),
	PF_LAZYSYM(archive_entry_pathname, la_pathname),
	PF_LAZYSYM(archive_entry_pathname_utf8, la_pathname_utf8),
	PF_LAZYSYM(archive_entry_size, la_size),
	PF_LAZYSYM(archive_entry_size_is_set, la_size_is_set),
	PF_LAZYSYM(archive_read_data_skip, la_skip),
	PF_LAZYSYM(archive_read_free, la_free),
	PF_LAZYSYM(archive_read_new, la_new),
	PF_LAZYSYM(archive_read_next_header, la_next_header),
	PF_LAZYSYM(archive_read_open_memory, la_open_memory),
	PF_LAZYSYM(archive_read_support_format_7zip, la_7zip),
	PF_LAZYSYM(archive_read_support_format_rar, la_rar),
	PF_LAZYSYM(archive_read_support_format_rar5, la_rar5),
	PF_LAZYSYM(archive_read_support_format_tar, la_tar),
	PF_LAZYSYM(archive_read_support_format_zip, la_zip),
};
static pf_lazylib libarchive = PF_LAZYLIB(PF_ARCHIVE_SONAME,
    archive_syms);

typedef enum sniff {
	SNIFF_NONE,
	SNIFF_PE,
	SNIFF_ELF,
	SNIFF_MACHO,
	SNIFF_LNK,
	SNIFF_ISO,
	SNIFF_SCRIPT,
	SNIFF_ZIP,
	SNIFF_7Z,
	SNIFF_RAR,
	SNIFF_TAR,
} sniff;

static const char *const sniff_names[] = {
	[SNIFF_NONE] = "data",
	[SNIFF_PE] = "a Windows executable (PE)",
	[SNIFF_ELF] = "an ELF executable",
	[SNIFF_MACHO] = "a Mach-O executable",
	[SNIFF_LNK] = "a Windows shortcut (LNK)",
	[SNIFF_ISO] = "an ISO 9660 disk image",
	[SNIFF_SCRIPT] = "a script (#!)",
	[SNIFF_ZIP] = "a zip archive",
	[SNIFF_7Z] = "a 7-Zip archive",
	[SNIFF_RAR] = "a RAR archive",
	[SNIFF_TAR] = "a tar archive",
};

/* Extensions that make a decoy before a dangerous one. */
static const char *const decoy_extensions[] = {
	"pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx",
	"txt", "rtf", "odt", "ods", "csv", "jpg", "jpeg", "png", "gif", "bmp",
	"tif", "tiff", "mp3", "mp4", "wav", "avi", "mov", "zip", "rar", "htm",
	"html", "eml", "xml", "json",
};

#define SNIFF_NEAR ((gsize)4096)	/* holds all but these two: */
#define ISO_MAGIC_END ((gsize)0x8006)	/* "CD001" at 0x8001 */

static bool
has_prefix(const guint8 *p, size_t len, const void *magic, size_t mlen,
	   size_t off)
{
	return len >= off + mlen && memcmp(p + off, magic, mlen) == 0;
}

/*
 * What the first bytes of a content are.  *more is set when more bytes
 * than c holds could change the answer: an MZ whose PE signature lies
 * beyond them, or an answer checked after an ISO 9660's magic, which
 * lies beyond them.
 */
static sniff
sniff_content(const GByteArray *c, bool *more)
{
	const guint8 *p = c->data;
	size_t len = c->len;
	static const guint8 lnk[] = {0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0};
	static const guint8 macho[][4] = {
		{0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf},
		{0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe},
		{0xca, 0xfe, 0xba, 0xbe},
	};

	if (has_prefix(p, len, "MZ", 2, 0)) {
		/* e_lfanew at 0x3c points to "PE\0\0" when we have it */
		if (len >= 0x40) {
			guint32 off = (guint32)p[0x3c] | (guint32)p[0x3d] << 8 |
			    (guint32)p[0x3e] << 16 | (guint32)p[0x3f] << 24;

			if (off <= len - 4 && memcmp(p + off, "PE\0\0", 4) == 0)
				return SNIFF_PE;
			if (off > len - 4) {
				*more = true;
				return SNIFF_PE;	/* cut: trust MZ */
			}
			return SNIFF_NONE;
		}
		return len >= 2 ? SNIFF_PE : SNIFF_NONE;
	}
	if (has_prefix(p, len, "\177ELF", 4, 0))
		return SNIFF_ELF;
	for (unsigned i = 0; i < G_N_ELEMENTS(macho); i++)
		if (has_prefix(p, len, macho[i], 4, 0))
			return SNIFF_MACHO;
	if (has_prefix(p, len, lnk, sizeof(lnk), 0))
		return SNIFF_LNK;
	if (has_prefix(p, len, "CD001", 5, 0x8001))
		return SNIFF_ISO;
	*more = len < ISO_MAGIC_END;	/* an ISO's may lie beyond */
	if (has_prefix(p, len, "#!", 2, 0))
		return SNIFF_SCRIPT;
	if (has_prefix(p, len, "PK\003\004", 4, 0))
		return SNIFF_ZIP;
	if (has_prefix(p, len, "7z\274\257\047\034", 6, 0))
		return SNIFF_7Z;
	if (has_prefix(p, len, "Rar!\032\007", 6, 0))
		return SNIFF_RAR;
	if (has_prefix(p, len, "ustar", 5, 257))
		return SNIFF_TAR;
	return SNIFF_NONE;
}

/*
 * What a part's content is, decoding as little of it as that takes: the
 * first SNIFF_NEAR bytes hold every magic number but the two above, and
 * more is decoded only when it exists and can change the answer: up to
 * PF_MIME_HEAD for a far PE signature, up to ISO_MAGIC_END for an ISO,
 * which only fits in a content sent at least that long (decoding never
 * lengthens).  The answer is the one the whole PF_MIME_HEAD gives.
 */
static sniff
sniff_part(pf_mime_part *part)
{
	const GByteArray *c = pf_mime_part_head(part, SNIFF_NEAR);
	bool more = false;
	sniff s = sniff_content(c, &more);

	if (more && c->len >= SNIFF_NEAR && (s == SNIFF_PE ||
	    pf_mime_part_encoded_length(part) >= ISO_MAGIC_END))
		s = sniff_content(pf_mime_part_head(part, s == SNIFF_PE ?
		    PF_MIME_HEAD : ISO_MAGIC_END), &more);
	return s;
}

/*
 * The last and the second-last extension of a file name, lower case,
 * with the trailing dots and blanks Windows ignores removed; either may
 * be empty.  The buffers are 16 bytes.
 */
static void
extensions(const char *name, char *last, char *prev)
{
	char *copy = g_strdup(name), *end, *dot;
	const char *base;

	*last = *prev = '\0';
	end = copy + strlen(copy);
	while (end > copy && (end[-1] == '.' || end[-1] == ' ' ||
			      end[-1] == '\t'))
		*--end = '\0';
	base = strrchr(copy, '/') ? strrchr(copy, '/') + 1 : copy;
	base = strrchr(base, '\\') ? strrchr(base, '\\') + 1 : base;
	if ((dot = strrchr(base, '.')) != NULL && dot != base) {
		if (strlen(dot + 1) < 16)
			g_strlcpy(last, dot + 1, 16);
		*dot = '\0';
		end = dot;
		while (end > base && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if ((dot = strrchr(base, '.')) != NULL && dot != base &&
		    strlen(dot + 1) < 16)
			g_strlcpy(prev, dot + 1, 16);
	}
	for (char *p = last; *p; p++)
		*p = g_ascii_tolower(*p);
	for (char *p = prev; *p; p++)
		*p = g_ascii_tolower(*p);
	g_free(copy);
}

static bool
is_decoy(const char *ext)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(decoy_extensions); i++)
		if (strcmp(ext, decoy_extensions[i]) == 0)
			return true;
	return false;
}

/* The rule a file name breaks, or NULL. */
static const char *
name_rule(const pf_attach_conf *ac, const char *name)
{
	char last[16], prev[16];

	if (strstr(name, "\xe2\x80\xae") != NULL)	/* U+202E */
		return "attach.deceptive-name";
	extensions(name, last, prev);
	if (*last == '\0' || !pf_word_set_has(ac->extensions, last))
		return NULL;
	return *prev && is_decoy(prev) ? "attach.double-extension" :
	    "attach.dangerous-extension";
}

typedef struct attach_run {
	pf_message *msg;
	const pf_attach_conf *ac;
	unsigned findings;
} attach_run;

static pf_result *
hard(attach_run *ar, const char *code)
{
	if (ar->findings >= MAX_FINDINGS)
		return NULL;
	ar->findings++;
	return pf_content_add(ar->msg, PF_CHECK_ATTACH, code, ar->ac->action, 0,
			      "550", "5.7.1");
}

static void
report_name(attach_run *ar, const pf_mime_part *part, const char *code)
{
	pf_result *r = hard(ar, code);

	if (r == NULL)
		return;
	if (strcmp(code, "attach.deceptive-name") == 0)
		pf_result_text(r, "Attachment %s hides its real extension "
		    "behind a right-to-left override character",
		    pf_mime_part_name(part));
	else if (strcmp(code, "attach.double-extension") == 0)
		pf_result_text(r, "Attachment %s has a double extension: a "
		    "document name in front of a program's",
		    pf_mime_part_name(part));
	else
		pf_result_text(r, "Attachment %s is a type of file that runs "
		    "code when opened; receivers refuse it",
		    pf_mime_part_name(part));
	pf_result_fix(r, "Do not send programs or scripts by mail: share "
	    "them through a file service, or rename and zip-encrypt only if "
	    "the recipient expects it");
	pf_result_fact(r, "file", "%s", part->filename ? part->filename : "");
	pf_result_fact(r, "part", "%s", part->id);
}

static void
list_archive(attach_run *ar, const pf_mime_part *part, const GByteArray *c)
{
	struct archive *a;
	struct archive_entry *entry;
	unsigned long entries = 0;
	unsigned long long total = 0;
	bool encrypted = false, unreadable = false, limited = false;
	const char *bad_rule = NULL;
	char *bad_name = NULL;
	pf_result *r;
	int rc;

	if (!pf_lazylib_load(&libarchive))
		return;			/* logged once */
	a = la_new();
	la_zip(a);
	la_7zip(a);
	la_rar(a);
	la_rar5(a);
	la_tar(a);
	if (la_open_memory(a, c->data, c->len) != ARCHIVE_OK) {
		unreadable = true;
		goto done;
	}
	while ((rc = la_next_header(a, &entry)) == ARCHIVE_OK ||
	       rc == ARCHIVE_WARN) {
		const char *name = la_pathname_utf8(entry);
		const char *rule;

		if (name == NULL)
			name = la_pathname(entry);
		if (++entries > ar->ac->archive_max_entries) {
			limited = true;
			break;
		}
		if (la_size_is_set(entry) && la_size(entry) > 0)
			total += (unsigned long long)la_size(entry);
		if (la_is_encrypted(entry))
			encrypted = true;
		if (name && bad_name == NULL &&
		    (rule = name_rule(ar->ac, name)) != NULL) {
			bad_rule = rule;
			bad_name = g_strdup(name);
		}
		if (total > ar->ac->archive_max_size) {
			limited = true;
			break;
		}
		/* skipping never decompresses a seekable zip or 7z */
		if (la_skip(a) != ARCHIVE_OK)
			break;
	}
	if (!limited && rc == ARCHIVE_FATAL && entries == 0)
		unreadable = true;
done:
	la_free(a);
	if (bad_name && (r = hard(ar, "attach.archive-dangerous"))) {
		pf_result_text(r, "Archive %s contains \"%s\", a file that runs "
		    "code when opened%s", pf_mime_part_name(part), bad_name,
		    strcmp(bad_rule, "attach.double-extension") == 0 ?
		    " behind a double extension" : "");
		pf_result_fix(r, "Remove \"%s\" from the archive, or share it "
		    "through a file service", bad_name);
		pf_result_fact(r, "file", "%s", part->filename ?
			       part->filename : "");
		pf_result_fact(r, "member", "%s", bad_name);
		pf_result_fact(r, "part", "%s", part->id);
	}
	g_free(bad_name);
	if ((encrypted || (unreadable && !part->last)) &&
	    (r = pf_content_add(ar->msg, PF_CHECK_ATTACH,
				"attach.archive-encrypted", PF_ACTION_NONE,
				(int)ar->ac->encrypted_archive_score, NULL,
				NULL))) {
		pf_result_text(r, "Archive %s is %s: neither preflight nor "
		    "the receiver can see what it holds",
		    pf_mime_part_name(part), encrypted ?
		    "password-protected" : "damaged or unreadable");
		pf_result_fix(r, "Send the files unencrypted, or share them "
		    "through a file service and send the link");
		pf_result_fact(r, "part", "%s", part->id);
	}
	if (limited && (r = pf_content_add(ar->msg, PF_CHECK_ATTACH,
	    "attach.archive-limited", PF_ACTION_NONE, 0, NULL, NULL))) {
		pf_result_text(r, "Archive %s was listed only in part (more "
		    "than %lu entries or %llu bytes)", pf_mime_part_name(part),
		    ar->ac->archive_max_entries, ar->ac->archive_max_size);
		pf_result_fact(r, "part", "%s", part->id);
	}
}

/* Lower-case copy of at most max bytes of text, for searching. */
static bool
html_smuggles(const char *text)
{
	char *lower;

	if (text == NULL)	/* an undecodable part: nothing to look at */
		return false;
	lower = g_ascii_strdown(text, (gssize)MIN(strlen(text), 4u << 20));
	bool blob = strstr(lower, "new blob") || strstr(lower, "blob(");
	bool objurl = strstr(lower, "createobjecturl") != NULL;
	bool mssave = strstr(lower, "mssaveoropenblob") != NULL ||
	    strstr(lower, "mssaveblob") != NULL;
	bool download = strstr(lower, "download=") != NULL ||
	    strstr(lower, ".download") != NULL ||
	    strstr(lower, "\"download\"") != NULL;
	bool data_uri = strstr(lower, "data:application/") != NULL ||
	    strstr(lower, "data:octet") != NULL;

	g_free(lower);
	return (blob && (objurl || mssave || download)) ||
	    (download && data_uri);
}

static bool
is_html_file(const pf_mime_part *part)
{
	char last[16], prev[16];

	if (strcmp(part->type, "text/html") == 0 ||
	    strcmp(part->type, "image/svg+xml") == 0)
		return true;
	if (part->filename == NULL)
		return false;
	extensions(part->filename, last, prev);
	return strcmp(last, "htm") == 0 || strcmp(last, "html") == 0 ||
	    strcmp(last, "shtml") == 0 || strcmp(last, "xhtml") == 0 ||
	    strcmp(last, "svg") == 0;
}

static void
examine(attach_run *ar, pf_mime_part *part)
{
	const char *rule = part->filename ? name_rule(ar->ac, part->filename) :
	    NULL;
	sniff s;
	pf_result *r;

	if (rule) {
		report_name(ar, part, rule);
		return;
	}
	if (!GMIME_IS_PART(part->object))
		return;
	s = sniff_part(part);
	/* a #! script is only hidden when it claims not to be text */
	if (s == SNIFF_SCRIPT && strncmp(part->type, "text/", 5) == 0)
		s = SNIFF_NONE;
	switch (s) {
	case SNIFF_PE: case SNIFF_ELF: case SNIFF_MACHO: case SNIFF_LNK:
	case SNIFF_ISO: case SNIFF_SCRIPT:
		if ((r = hard(ar, "attach.executable-content")) == NULL)
			return;
		pf_result_text(r, "Attachment %s is %s, sent as %s%s%s",
		    pf_mime_part_name(part), sniff_names[s], part->type,
		    part->filename ? " under a harmless-looking name" : "",
		    "");
		pf_result_fix(r, "Do not send programs by mail; share them "
		    "through a file service");
		pf_result_fact(r, "file", "%s", part->filename ?
			       part->filename : "");
		pf_result_fact(r, "content", "%s", sniff_names[s]);
		pf_result_fact(r, "part", "%s", part->id);
		return;
	case SNIFF_ZIP: case SNIFF_7Z: case SNIFF_RAR: case SNIFF_TAR:
		list_archive(ar, part, pf_mime_part_content(part));
		return;
	default:
		break;
	}
	if (part->attachment && is_html_file(part)) {
		const char *text = pf_mime_part_text(part);
		char *owned = NULL;

		if (text == NULL) {	/* svg sent as an image type: bytes */
			const GByteArray *all = pf_mime_part_content(part);

			text = owned = g_strndup((const char *)all->data,
						 all->len);
		}
		if (html_smuggles(text) && (r = hard(ar,
		    "attach.html-smuggling"))) {
			pf_result_text(r, "HTML attachment %s assembles a file "
			    "in the browser with a script (HTML smuggling)",
			    pf_mime_part_name(part));
			pf_result_fix(r, "Send the file itself or a link to "
			    "it, not a page that builds it");
			pf_result_fact(r, "file", "%s", part->filename ?
				       part->filename : "");
			pf_result_fact(r, "part", "%s", part->id);
		}
		g_free(owned);
	}
}

static void
attach_run_check(pf_message *msg, pf_stage stage)
{
	attach_run ar = {msg, &msg->cfg->attach, 0};
	pf_mime *mime;

	if (pf_content_check_off(msg, PF_CHECK_ATTACH))
		return;
	mime = pf_mime_get(msg);
	for (guint i = 0; i < mime->parts->len; i++)
		examine(&ar, mime->parts->pdata[i]);
	if (mime->truncated)
		pf_content_skipped(msg, PF_CHECK_ATTACH, "attach.partial",
		    "the end of the last attachment");
}

static pf_mode *
attach_mode(pf_config *cfg)
{
	return &cfg->attach.mode;
}

static int
attach_load(GString *err)
{
	return pf_lazylib_require(&libarchive, err);
}

static int
attach_configure(pf_config *cfg, GString *err)
{
	if (cfg->attach.extensions)
		g_hash_table_destroy(cfg->attach.extensions);
	cfg->attach.extensions = pf_word_set_new(
	    cfg->attach.dangerous_extensions);
	return 0;
}

static void
attach_unconfigure(pf_config *cfg)
{
	if (cfg->attach.extensions)
		g_hash_table_destroy(cfg->attach.extensions);
	cfg->attach.extensions = NULL;
}

const pf_check pf_check_attach = {
	.id = PF_CHECK_ATTACH,
	.name = "attach",
	.stages = PF_STAGE_EOM,
	.mode = attach_mode,
	.run = attach_run_check,
	.configure = attach_configure,
	.unconfigure = attach_unconfigure,
	.load = attach_load,
};
