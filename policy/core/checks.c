/*
 * NAME
 *	checks - the table of checks and the loop that runs them (check.h)
 */
#include "core/check.h"
#include "core/metrics.h"

/* Adding a check: a file, a pf_check_id, and one line here. */
static const pf_check *const check_table[PF_CHECK_COUNT] = {
	[PF_CHECK_SIZE] = &pf_check_size,
	[PF_CHECK_DKIM] = &pf_check_dkim,
	[PF_CHECK_ATTACH] = &pf_check_attach,
	[PF_CHECK_STRUCTURE] = &pf_check_structure,
	[PF_CHECK_LINKS] = &pf_check_links,
	[PF_CHECK_TEXT] = &pf_check_text,
	[PF_CHECK_BULK] = &pf_check_bulk,
	[PF_CHECK_CONTENT] = &pf_check_content,
	[PF_CHECK_FROM] = &pf_check_from,
	[PF_CHECK_DOMAIN] = &pf_check_domain,
	[PF_CHECK_DNSBL] = &pf_check_dnsbl,
	[PF_CHECK_SPF] = &pf_check_spf,
	[PF_CHECK_DMARC] = &pf_check_dmarc,
	[PF_CHECK_RATE] = &pf_check_rate,
};

const pf_check *
pf_check_get(pf_check_id id)
{
	if ((unsigned)id >= PF_CHECK_COUNT)
		return NULL;
	return check_table[id];
}

unsigned
pf_checks_stages(const pf_config *cfg)
{
	unsigned stages = 0;

	for (unsigned i = 0; i < PF_CHECK_COUNT; i++)
		if (pf_config_check_mode(cfg, (pf_check_id)i) != PF_MODE_OFF)
			stages |= check_table[i]->stages;
	return stages;
}

void
pf_checks_run(pf_message *msg, pf_stage stage)
{
	bool timed = pf_metrics_enabled();

	for (unsigned i = 0; i < PF_CHECK_COUNT; i++) {
		const pf_check *c = check_table[i];
		int64_t t0;

		if ((c->stages & stage) == 0 ||
		    pf_config_check_mode(msg->cfg, c->id) == PF_MODE_OFF)
			continue;
		if (!timed) {
			c->run(msg, stage);
			continue;
		}
		t0 = pf_now_us();
		c->run(msg, stage);
		msg->check_us[i] += pf_now_us() - t0;
		msg->check_ran |= 1u << i;
	}
}

int
pf_checks_configure(pf_config *cfg, GString *err)
{
	int rc = 0;

	for (unsigned i = 0; i < PF_CHECK_COUNT; i++)
		if (check_table[i]->configure &&
		    check_table[i]->configure(cfg, err) < 0)
			rc = -1;
	return rc;
}

void
pf_checks_unconfigure(pf_config *cfg)
{
	for (unsigned i = 0; i < PF_CHECK_COUNT; i++)
		if (check_table[i]->unconfigure)
			check_table[i]->unconfigure(cfg);
}

int
pf_checks_load(const pf_config *cfg, GString *err)
{
	GString *why = g_string_new(NULL);
	int rc = 0;

	for (unsigned i = 0; i < PF_CHECK_COUNT; i++) {
		const pf_check *c = check_table[i];

		if (c->load == NULL ||
		    pf_config_check_mode(cfg, c->id) == PF_MODE_OFF)
			continue;
		g_string_truncate(why, 0);
		if (c->load(why) < 0) {
			g_string_append_printf(err, "[%s] needs %s", c->name,
					       why->str);
			rc = -1;
		}
	}
	g_string_free(why, TRUE);
	return rc;
}

void
pf_checks_free_state(pf_message *msg)
{
	for (unsigned i = 0; i < PF_CHECK_COUNT; i++) {
		if (msg->state[i] && check_table[i]->free_state)
			check_table[i]->free_state(msg->state[i]);
		msg->state[i] = NULL;
	}
}
