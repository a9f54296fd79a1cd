/*
 * NAME
 *	test_reencode - content/reencode.c: unsafe parts re-encoded with
 *	GMime, the rest of the body byte for byte, and each changed part
 *	decoding to its original octets
 * DESCRIPTION
 *	Messages go through the pipeline (so that the body holds what an MTA
 *	would pass, bare LF included: tu_feed would turn it into CRLF), then
 *	pf_reencode() is called as the checks call it.  The new body is
 *	parsed and decoded here with GMime's own decoder, independently of
 *	the splicing code.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "testutil.h"
#include "content/reencode.h"

static pf_pipeline *
feed(pf_config *cfg, const char *const *headers, const char *body,
     size_t body_len)
{
	pf_pipeline *tx = tu_pipeline(cfg);

	assert_null(pf_pipeline_mail(tx, "alice@example.com", NULL));
	assert_null(pf_pipeline_rcpt(tx, "bob@example.org"));
	for (unsigned i = 0; headers[i]; i += 2)
		pf_pipeline_header(tx, headers[i], headers[i + 1]);
	assert_null(pf_pipeline_eoh(tx));
	pf_pipeline_body(tx, (const unsigned char *)body, body_len);
	(void)pf_pipeline_eom(tx);
	return tx;
}

/* Part n (1-based leaf of a multipart, 0: the single part) of ct + body,
 * decoded by GMime. */
static GByteArray *
decode_part(const char *ct, const char *cte, const GByteArray *body, int n)
{
	GByteArray *buf = g_byte_array_new(), *out;
	GMimeStream *st, *mem;
	GMimeParser *parser;
	GMimeObject *root, *obj;
	GMimeDataWrapper *w;
	char *h = g_strdup_printf("Content-Type: %s\r\n%s%s%s\r\n", ct,
	    cte ? "Content-Transfer-Encoding: " : "", cte ? cte : "",
	    cte ? "\r\n" : "");

	g_byte_array_append(buf, (guint8 *)h, (guint)strlen(h));
	g_free(h);
	g_byte_array_append(buf, body->data, body->len);
	st = g_mime_stream_mem_new_with_byte_array(buf);
	parser = g_mime_parser_new_with_stream(st);
	root = g_mime_parser_construct_part(parser, NULL);
	assert_non_null(root);
	obj = n ? g_mime_multipart_get_part(GMIME_MULTIPART(root), n - 1) :
	    root;
	assert_true(GMIME_IS_PART(obj));
	w = g_mime_part_get_content(GMIME_PART(obj));
	mem = g_mime_stream_mem_new();
	assert_true(g_mime_data_wrapper_write_to_stream(w, mem) >= 0);
	out = g_byte_array_new();
	g_byte_array_append(out, g_mime_stream_mem_get_byte_array(
	    GMIME_STREAM_MEM(mem))->data, g_mime_stream_mem_get_byte_array(
	    GMIME_STREAM_MEM(mem))->len);
	g_object_unref(mem);
	g_object_unref(parser);
	g_object_unref(root);
	g_object_unref(st);
	return out;
}

/* GMime decodes a quoted-printable hard line break to LF: back to CRLF */
static GByteArray *
crlf(GByteArray *a)
{
	GByteArray *out = g_byte_array_new();

	for (guint i = 0; i < a->len; i++) {
		if (a->data[i] == '\n' && (i == 0 || a->data[i - 1] != '\r'))
			g_byte_array_append(out, (const guint8 *)"\r", 1);
		g_byte_array_append(out, a->data + i, 1);
	}
	g_byte_array_free(a, TRUE);
	return out;
}

static size_t
longest(const GByteArray *b)
{
	size_t best = 0, cur = 0;

	for (guint i = 0; i < b->len; i++) {
		if (b->data[i] == '\n') {
			best = MAX(best, cur);
			cur = 0;
		} else if (b->data[i] != '\r') {
			cur++;
		}
	}
	return MAX(best, cur);
}

static const char *const mp_headers[] = {
	"From", "alice@example.com", "Subject", "long",
	"MIME-Version", "1.0",
	"Content-Type", "multipart/alternative; boundary=\"b\"", NULL,
};

static void
test_long_html_part_qp_rest_byte_for_byte(void **state)
{
	pf_config *cfg = tu_config("[structure]\nlong_line_action = reencode\n");
	GString *html = g_string_new("<html>");
	GString *body = g_string_new("preamble\r\n--b\r\nContent-Type: "
	    "text/plain\r\n\r\nshort\r\n--b\r\nContent-Type: text/html\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n");
	GString *tail = g_string_new(NULL);
	GByteArray *orig = g_byte_array_new(), *dec;
	const char *head_end;
	pf_pipeline *tx;
	pf_message *msg;
	size_t keep;

	(void)state;
	while (html->len < 200000)
		g_string_append(html, "<td class=\"x\">a cell &amp; = sign</td>");
	g_string_append(html, "</html>");
	keep = body->len - strlen("Content-Transfer-Encoding: 7bit\r\n\r\n");
	g_string_append(body, html->str);
	g_string_append(tail, "\r\n--b--\r\nepilogue\r\n");
	g_string_append(body, tail->str);
	tx = feed(cfg, mp_headers, body->str, body->len);
	msg = tx->msg;
	assert_non_null(tu_find(msg, "structure.reencoded"));
	assert_null(tu_find(msg, "structure.line-too-long"));
	assert_string_equal(pf_result_fact_get(tu_find(msg,
	    "structure.reencoded"), "reencoded"), "part 2 (text/html)");
	assert_non_null(msg->new_body);
	assert_true(longest(msg->new_body) <= 76);
	/* everything before the field and after the content: unchanged */
	assert_memory_equal(msg->new_body->data, body->str, keep);
	head_end = "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
	assert_memory_equal(msg->new_body->data + keep, head_end,
			    strlen(head_end));
	assert_memory_equal(msg->new_body->data + msg->new_body->len -
	    tail->len, tail->str, tail->len);
	g_byte_array_append(orig, (guint8 *)html->str, (guint)html->len);
	dec = decode_part("multipart/alternative; boundary=\"b\"", NULL,
			  msg->new_body, 2);
	assert_int_equal(dec->len, orig->len);
	assert_memory_equal(dec->data, orig->data, orig->len);
	dec = (g_byte_array_free(dec, TRUE), decode_part(
	    "multipart/alternative; boundary=\"b\"", NULL, msg->new_body, 1));
	assert_memory_equal(dec->data, "short", 5);
	g_byte_array_free(dec, TRUE);
	g_byte_array_free(orig, TRUE);
	g_string_free(html, TRUE);
	g_string_free(body, TRUE);
	g_string_free(tail, TRUE);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

/* 8-bit text with CRLF lines, trailing blanks and a bare CR:
 * quoted-printable, and the decoded octets are the original ones */
static void
test_8bit_text_qp_exact(void **state)
{
	static const char *const h[] = {
		"From", "alice@example.com", "MIME-Version", "1.0",
		"Content-Type", "multipart/mixed; boundary=m", NULL,
	};
	static const char content[] = "caf\xc3\xa9 au lait  \r\nline = two\t"
	    "\r\n.dot\r\nprogress 10%\r20%\rdone\r\n";
	pf_config *cfg = tu_config("[structure]\nmode = off\n");
	GString *body = g_string_new("--m\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\n\r\n");
	GString *parts = g_string_new(NULL), *how = g_string_new(NULL);
	GString *why = g_string_new(NULL);
	GByteArray *dec;
	pf_pipeline *tx;

	(void)state;
	g_string_append(body, content);
	g_string_append(body, "\r\n--m--\r\n");
	tx = feed(cfg, h, body->str, body->len);
	assert_int_equal(pf_reencode(tx->msg, PF_UNSAFE_ALL, true, parts, how,
				     why), 1);
	assert_string_equal(parts->str, "part 1 (text/plain)");
	assert_non_null(strstr(how->str, "as quoted-printable"));
	assert_non_null(strstr((char *)tx->msg->new_body->data,
	    "Content-Transfer-Encoding: quoted-printable\r\n"));
	dec = crlf(decode_part("multipart/mixed; boundary=m", NULL,
			       tx->msg->new_body, 1));
	assert_int_equal(dec->len, strlen(content));
	assert_memory_equal(dec->data, content, dec->len);
	for (guint i = 0; i < tx->msg->new_body->len; i++)
		assert_true(tx->msg->new_body->data[i] < 0x80);
	g_byte_array_free(dec, TRUE);
	g_string_free(body, TRUE);
	g_string_free(parts, TRUE);
	g_string_free(how, TRUE);
	g_string_free(why, TRUE);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

/* a bare LF: base64 (a QP hard break would decode as CRLF) */
static void
test_bare_lf_base64_exact(void **state)
{
	static const char *const h[] = {
		"From", "alice@example.com", "Subject", "bare", NULL,
	};
	static const char body[] = "first\nsecond\r\nthird\n";
	pf_config *cfg = tu_config("[structure]\nmode = off\n");
	GString *parts = g_string_new(NULL), *how = g_string_new(NULL);
	GString *why = g_string_new(NULL);
	GByteArray *dec;
	pf_pipeline *tx;
	const pf_header *add;

	(void)state;
	tx = feed(cfg, h, body, strlen(body));
	assert_true(tx->msg->bare_cr_lf > 0);
	assert_int_equal(pf_reencode(tx->msg, PF_UNSAFE_ALL, true, parts, how,
				     why), 1);
	assert_non_null(strstr(how->str, "a bare CR or LF) as base64"));
	/* not MIME: the top-level fields through the header edits */
	assert_int_equal(tx->msg->add_headers->len, 3);
	add = &g_array_index(tx->msg->add_headers, pf_header, 0);
	assert_string_equal(add->name, "Content-Transfer-Encoding");
	assert_string_equal(add->value, "base64");
	add = &g_array_index(tx->msg->add_headers, pf_header, 1);
	assert_string_equal(add->name, "MIME-Version");
	add = &g_array_index(tx->msg->add_headers, pf_header, 2);
	assert_string_equal(add->value, "text/plain; charset=us-ascii");
	dec = decode_part("text/plain", "base64", tx->msg->new_body, 0);
	assert_int_equal(dec->len, strlen(body));
	assert_memory_equal(dec->data, body, dec->len);
	/* a message is repaired once */
	assert_int_equal(pf_reencode(tx->msg, PF_UNSAFE_ALL, true, parts, how,
				     why), -1);
	g_byte_array_free(dec, TRUE);
	g_string_free(parts, TRUE);
	g_string_free(how, TRUE);
	g_string_free(why, TRUE);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
test_signed_multipart_left_alone(void **state)
{
	static const char *const h[] = {
		"From", "alice@example.com", "MIME-Version", "1.0",
		"Content-Type", "multipart/signed; protocol=\"application/"
		"pgp-signature\"; boundary=s", NULL,
	};
	pf_config *cfg = tu_config("[structure]\nlong_line_action = reencode\n");
	GString *body = g_string_new("--s\r\nContent-Type: text/plain\r\n\r\n");
	GString *parts = g_string_new(NULL), *how = g_string_new(NULL);
	GString *why = g_string_new(NULL);
	pf_pipeline *tx;
	const pf_result *r;

	(void)state;
	for (int i = 0; i < 1200; i++)
		g_string_append_c(body, 'y');
	g_string_append(body, "\r\n--s\r\nContent-Type: application/pgp-"
	    "signature\r\n\r\nsig\r\n--s--\r\n");
	tx = feed(cfg, h, body->str, body->len);
	assert_null(tx->msg->new_body);
	r = tu_find(tx->msg, "structure.line-too-long");
	assert_non_null(r);
	assert_int_equal(r->action, PF_ACTION_REJECT);
	assert_non_null(strstr(r->text, "cannot be re-encoded: part 1 "
	    "(text/plain) is inside a signed or encrypted multipart"));
	assert_int_equal(pf_reencode(tx->msg, PF_UNSAFE_LONG, true, parts, how,
				     why), -1);
	g_string_free(body, TRUE);
	g_string_free(parts, TRUE);
	g_string_free(how, TRUE);
	g_string_free(why, TRUE);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
test_monitor_changes_nothing(void **state)
{
	static const char *const h[] = {
		"From", "alice@example.com", "Subject", "x", NULL,
	};
	pf_config *cfg = tu_config("[structure]\nmode = monitor\n"
				   "long_line_action = reencode\n");
	GString *body = g_string_new(NULL);
	pf_pipeline *tx;
	const pf_result *r;

	(void)state;
	for (int i = 0; i < 2000; i++)
		g_string_append_c(body, 'z');
	g_string_append(body, "\r\n");
	tx = feed(cfg, h, body->str, body->len);
	assert_null(tx->msg->new_body);
	assert_int_equal(tx->msg->add_headers->len, 0);
	r = tu_find(tx->msg, "structure.reencoded");
	assert_non_null(r);
	assert_non_null(strstr(r->text, "Would re-encode part 1"));
	g_string_free(body, TRUE);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
test_safe_body_untouched(void **state)
{
	static const char *const h[] = {
		"From", "alice@example.com", "MIME-Version", "1.0",
		"Content-Type", "text/plain; charset=utf-8",
		"Content-Transfer-Encoding", "8bit", NULL,
	};
	static const char body[] = "caf\xc3\xa9\r\nshort lines\r\n";
	pf_config *cfg = tu_config("[structure]\nlong_line_action = reencode\n");
	GString *parts = g_string_new(NULL), *how = g_string_new(NULL);
	GString *why = g_string_new(NULL);
	pf_pipeline *tx;

	(void)state;
	tx = feed(cfg, h, body, strlen(body));
	assert_int_equal(pf_reencode(tx->msg, PF_UNSAFE_ALL, true, parts, how,
				     why), 0);
	assert_null(tx->msg->new_body);
	assert_int_equal(parts->len, 0);
	g_string_free(parts, TRUE);
	g_string_free(how, TRUE);
	g_string_free(why, TRUE);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_html_part_qp_rest_byte_for_byte),
		cmocka_unit_test(test_8bit_text_qp_exact),
		cmocka_unit_test(test_bare_lf_base64_exact),
		cmocka_unit_test(test_signed_multipart_left_alone),
		cmocka_unit_test(test_monitor_changes_nothing),
		cmocka_unit_test(test_safe_body_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
