/*
 * NAME
 *	config - preflight.conf read with inih, key by key through the
 *	table (config_keys.h), then checked as a whole (see config.h)
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "core/check.h"
#include "core/config_keys.h"
#include "core/log.h"
#include "dns/dnsbl.h"
#include "dns/resolver.h"

static const conf_key *
conf_find(const char *section, const char *name)
{
	for (size_t i = 0; i < pf_conf_nkeys; i++)
		if (strcasecmp(pf_conf_keys[i].section, section) == 0 &&
		    strcasecmp(pf_conf_keys[i].name, name) == 0)
			return &pf_conf_keys[i];
	return NULL;
}

static pf_config *
config_defaults(void)
{
	pf_config *cfg = g_new0(pf_config, 1);
	GString *why = g_string_new(NULL);

	cfg->refcount = 1;
	for (size_t i = 0; i < pf_conf_nkeys; i++)
		if (pf_conf_set(cfg, &pf_conf_keys[i], pf_conf_keys[i].def, why) < 0)
			pf_panic("default of %s.%s: %s", pf_conf_keys[i].section,
				 pf_conf_keys[i].name, why->str);
	g_string_free(why, TRUE);
	return cfg;
}

/* The defaults, prepared by the checks as a loaded file would be. */
pf_config *
pf_config_defaults(void)
{
	pf_config *cfg = config_defaults();
	GString *err = g_string_new(NULL);

	if (pf_checks_configure(cfg, err) < 0)
		pf_panic("default configuration: %s", err->str);
	g_string_free(err, TRUE);
	return cfg;
}

/* inih reader that counts lines, so that every handler call knows its line. */
typedef struct conf_parse {
	FILE *fp;
	const char *path;
	unsigned lineno;
	bool continued;			/* the line read starts with blanks */
	const conf_key *last;		/* key of the previous handler call */
	pf_config *cfg;
	GString *err;
	int errors;
} conf_parse;

static char *
conf_reader(char *buf, int size, void *stream)
{
	conf_parse *cp = stream;
	char *s = fgets(buf, size, cp->fp);

	if (s != NULL) {
		cp->lineno++;
		cp->continued = (*s == ' ' || *s == '\t');
	}
	return s;
}

static int
conf_handler(void *user, const char *section, const char *name,
	     const char *value)
{
	conf_parse *cp = user;
	const conf_key *k;
	GString *why;

	if (name == NULL)	/* a section header */
		return 1;
	if ((k = conf_find(section, name)) == NULL) {
		g_string_append_printf(cp->err, "%s:%u: unknown key \"%s\" in "
		    "section [%s]\n", cp->path, cp->lineno, name,
		    *section ? section : "(none)");
		cp->errors++;
		return 1;
	}
	why = g_string_new(NULL);
	if (cp->continued && k == cp->last && k->type == CT_STR) {
		/* an indented line continues a long string value */
		char **p = pf_conf_field(cp->cfg, k);
		char *joined = g_strdup_printf("%s %s", *p ? *p : "", value);

		g_free(*p);
		*p = joined;
		g_string_free(why, TRUE);
		return 1;
	}
	cp->last = k;
	if (pf_conf_set(cp->cfg, k, value, why) < 0) {
		g_string_append_printf(cp->err, "%s:%u: %s.%s = \"%s\": %s\n",
		    cp->path, cp->lineno, k->section, k->name, value, why->str);
		cp->errors++;
	}
	g_string_free(why, TRUE);
	return 1;
}

pf_config *
pf_config_load(const char *path, GString *err)
{
	FILE *fp;
	pf_config *cfg;

	if ((fp = fopen(path, "r")) == NULL) {
		g_string_append_printf(err, "%s: cannot open: %s\n", path,
				       strerror(errno));
		return NULL;
	}
	cfg = pf_config_load_fp(fp, path, err);
	fclose(fp);
	return cfg;
}

pf_config *
pf_config_load_fp(FILE *fp, const char *path, GString *err)
{
	conf_parse cp = {0};
	int rc;

	cp.fp = fp;
	cp.path = path;
	cp.err = err;
	cp.cfg = config_defaults();
	cp.cfg->path = g_strdup(path);
	rc = ini_parse_stream(conf_reader, &cp, conf_handler, &cp);
	if (rc > 0) {
		/* inih's own syntax errors: a line that is neither key nor section */
		g_string_append_printf(err, "%s:%d: syntax error: expected "
		    "\"key = value\" or \"[section]\"\n", path, rc);
		cp.errors++;
	} else if (rc < 0) {
		g_string_append_printf(err, "%s: cannot read\n", path);
		cp.errors++;
	}
	if (cp.errors == 0 && pf_dns_configure(cp.cfg, err) < 0)
		cp.errors++;
	if (cp.errors == 0 && pf_dnsbl_configure(cp.cfg, err) < 0)
		cp.errors++;
	if (cp.errors == 0 && pf_checks_configure(cp.cfg, err) < 0)
		cp.errors++;
	if (cp.errors) {
		pf_config_unref(&cp.cfg);
		return NULL;
	}
	return cp.cfg;
}

pf_config *
pf_config_ref(pf_config *cfg)
{
	if (cfg == NULL)
		return NULL;
	g_atomic_int_inc(&cfg->refcount);
	return cfg;
}

void
pf_config_unref(pf_config **cfgp)
{
	pf_config *cfg;

	if (cfgp == NULL || (cfg = *cfgp) == NULL)
		return;
	*cfgp = NULL;
	if (!g_atomic_int_dec_and_test(&cfg->refcount))
		return;
	pf_checks_unconfigure(cfg);
	pf_resolver_free(&cfg->dns.resolver);
	for (size_t i = 0; i < pf_conf_nkeys; i++)
		if (CT_IS_STRING(pf_conf_keys[i].type))
			g_free(*(char **)pf_conf_field(cfg, &pf_conf_keys[i]));
	g_free(cfg->path);
	g_free(cfg);
}
