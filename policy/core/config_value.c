/*
 * NAME
 *	config_value - a key's text checked against its type and bounds
 *	(config_keys.h), and the names of actions and modes (config.h)
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/check.h"
#include "core/config_keys.h"
#include "core/log.h"
#include "core/metrics.h"

static const char *const action_names[] = {
	[PF_ACTION_NONE] = "none",
	[PF_ACTION_ACCEPT] = "accept",
	[PF_ACTION_ANNOTATE] = "annotate",
	[PF_ACTION_QUARANTINE] = "quarantine",
	[PF_ACTION_TEMPFAIL] = "tempfail",
	[PF_ACTION_REJECT] = "reject",
};

static const char *const mode_names[] = {
	[PF_MODE_OFF] = "off",
	[PF_MODE_MONITOR] = "monitor",
	[PF_MODE_ENFORCE] = "enforce",
};

const char *
pf_action_name(pf_action action)
{
	if ((unsigned)action < G_N_ELEMENTS(action_names))
		return action_names[action];
	return "unknown";
}

int
pf_action_parse(const char *text, pf_action *out)
{
	for (unsigned i = PF_ACTION_ACCEPT; i < G_N_ELEMENTS(action_names); i++)
		if (strcasecmp(text, action_names[i]) == 0) {
			*out = (pf_action)i;
			return 0;
		}
	return -1;
}

const char *
pf_mode_name(pf_mode mode)
{
	if ((unsigned)mode < G_N_ELEMENTS(mode_names))
		return mode_names[mode];
	return "unknown";
}

pf_mode
pf_config_check_mode(const pf_config *cfg, pf_check_id id)
{
	const pf_check *check = pf_check_get(id);

	return check && check->mode ? *check->mode((pf_config *)cfg) :
	    PF_MODE_OFF;
}

void *
pf_conf_field(pf_config *cfg, const conf_key *k)
{
	return (char *)cfg + k->offset;
}

static int
parse_size(const char *text, unsigned long long *out)
{
	char *end;
	unsigned long long v, mult = 1;

	errno = 0;
	if (*text == '-' || *text == '\0')
		return -1;
	v = strtoull(text, &end, 10);
	if (errno != 0 || end == text)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': mult = 1ULL << 10; end++; break;
	case 'm': case 'M': mult = 1ULL << 20; end++; break;
	case 'g': case 'G': mult = 1ULL << 30; end++; break;
	default:
		return -1;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end != '\0' || (v != 0 && mult > ULLONG_MAX / v))
		return -1;
	*out = v * mult;
	return 0;
}

int
pf_parse_size(const char *text, unsigned long long *out)
{
	return parse_size(text, out);
}

static int
parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (unsigned i = 0; i < G_N_ELEMENTS(yes); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* Set one key from its text; on error append the reason to why. */
int
pf_conf_set(pf_config *cfg, const conf_key *k, const char *value, GString *why)
{
	void *p = pf_conf_field(cfg, k);
	unsigned long long n;
	char *end;

	switch (k->type) {
	case CT_LISTEN:
	case CT_STR:
		if (k->type == CT_LISTEN && *value &&
		    pf_metrics_parse_listen(value, NULL, NULL, why) < 0)
			return -1;
		g_free(*(char **)p);
		*(char **)p = *value ? g_strdup(value) : NULL;
		return 0;
	case CT_BOOL:
		if (parse_bool(value, (bool *)p) == 0)
			return 0;
		g_string_append(why, "expected yes or no");
		return -1;
	case CT_UINT:
	case CT_OCTAL:
		errno = 0;
		n = strtoull(value, &end, k->type == CT_OCTAL ? 8 : 10);
		if (errno || end == value || *end || *value == '-') {
			g_string_append(why, k->type == CT_OCTAL ?
			    "expected an octal number such as 0660" :
			    "expected a whole number");
			return -1;
		}
		if (n < k->min || n > k->max) {
			g_string_append_printf(why, "must be from %llu to %llu",
					       k->min, k->max);
			return -1;
		}
		*(unsigned long *)p = (unsigned long)n;
		return 0;
	case CT_SIZE:
		if (parse_size(value, &n) < 0) {
			g_string_append(why,
			    "expected a size such as 10485760, 512K or 25M");
			return -1;
		}
		if (n < k->min || n > k->max) {
			g_string_append_printf(why, "must be from %llu to %llu",
					       k->min, k->max);
			return -1;
		}
		*(unsigned long long *)p = n;
		return 0;
	case CT_MODE:
		for (unsigned i = 0; i < G_N_ELEMENTS(mode_names); i++)
			if (strcasecmp(value, mode_names[i]) == 0) {
				*(pf_mode *)p = (pf_mode)i;
				return 0;
			}
		g_string_append(why, "expected off, monitor or enforce");
		return -1;
	case CT_ACTION:
		if (pf_action_parse(value, (pf_action *)p) == 0)
			return 0;
		g_string_append(why, "expected accept, annotate, quarantine, "
				"tempfail or reject");
		return -1;
	case CT_REPAIR:
		((pf_repair_action *)p)->reencode = strcasecmp(value,
		    "reencode") == 0;
		((pf_repair_action *)p)->action = PF_ACTION_NONE;
		if (((pf_repair_action *)p)->reencode ||
		    pf_action_parse(value, &((pf_repair_action *)p)->action) == 0)
			return 0;
		g_string_append(why, "expected reencode, accept, annotate, "
				"quarantine, tempfail or reject");
		return -1;
	}
	pf_panic("pf_conf_set: bad key type %d", k->type);
}
