/*
 * NAME
 *	dkim_rotate - a pending DKIM key: loaded with the configuration,
 *	its record checked at each key check, switched to once it is
 *	published, matching and rotation_delay old (see dkim_rotate.h)
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/dkim_rotate.h"
#include "core/log.h"
#include "dns/resolver.h"

static bool acting;	/* this process owns the state files: the daemon */

void
pf_dkim_rotation_act(bool act)
{
	acting = act;
}

void
pf_dkim_rotation_free(pf_dkim_rotation **rp)
{
	pf_dkim_rotation *rot;

	if (rp == NULL || (rot = *rp) == NULL)
		return;
	*rp = NULL;
	if (rot->old_owned)
		pf_dkim_key_free(rot->old_key);
	pf_dkim_key_free(rot->new_key);
	pf_dkim_rotation_state_clear(&rot->st);
	g_free(rot->path);
	g_free(rot->why);
	g_free(rot->published_fp);
	g_mutex_clear(&rot->lock);
	g_free(rot);
}

pf_dkim_key *
pf_dkim_rotation_active(pf_dkim_key *key)
{
	pf_dkim_rotation *rot;
	pf_dkim_key *k;

	if (key == NULL || (rot = key->rotation) == NULL ||
	    rot->configured != key)
		return key;
	g_mutex_lock(&rot->lock);
	k = rot->st.switched ? rot->new_key : rot->old_key;
	g_mutex_unlock(&rot->lock);
	return k;
}

static pf_dkim_key *
load_named(const char *path, const char *what, const pf_dkim_key *like,
	   const char *selector, unsigned min_bits, const char *state,
	   GString *err)
{
	GString *why = g_string_new(NULL);
	pf_dkim_key *k = pf_dkim_key_load(path, min_bits, why);

	if (k == NULL)
		g_string_append_printf(err, "%s: %s: %s", state, what, why->str);
	else {
		k->name = g_strdup(like->name);
		k->domain = g_strdup(like->domain);
		k->selector = g_strdup(selector);
	}
	g_string_free(why, TRUE);
	return k;
}

int
pf_dkim_rotation_attach(pf_dkim_keys *keys, pf_dkim_key *key,
			const pf_dkim_conf *dc, GString *err)
{
	char *path = pf_dkim_rotation_path(key->path);
	pf_dkim_rotation_state st;
	pf_dkim_rotation *rot;
	int rc = pf_dkim_rotation_state_load(path, &st, err);

	if (rc != 0) {
		g_free(path);
		return rc > 0 ? 0 : -1;
	}
	rc = -1;
	if (g_ascii_strcasecmp(st.domain, key->domain) != 0)
		g_string_append_printf(err, "%s: domain=%s, but the key %s "
		    "(s=%s) signs for %s: a key file shared by several domains "
		    "cannot be rotated through one state file\n", path,
		    st.domain, key->name, key->selector, key->domain);
	else if (strcmp(st.old_key, key->path) == 0 &&
		 strcmp(st.old_selector, key->selector) != 0)
		g_string_append_printf(err, "%s: old_selector=%s, but the "
		    "configuration gives %s the selector %s\n", path,
		    st.old_selector, key->path, key->selector);
	else if (strcmp(st.new_key, key->path) == 0 ||
		 strcmp(st.new_key, st.old_key) == 0)
		g_string_append_printf(err, "%s: new_key=%s is not a new key "
				       "file\n", path, st.new_key);
	else
		rc = 0;
	if (rc < 0) {
		pf_dkim_rotation_state_clear(&st);
		g_free(path);
		return -1;
	}
	rot = g_new0(pf_dkim_rotation, 1);
	g_mutex_init(&rot->lock);
	rot->path = path;
	rot->configured = key;
	rot->delay = dc->rotation_delay;
	rot->st = st;
	if (stat(path, &rot->owner) < 0)
		memset(&rot->owner, 0, sizeof(rot->owner));
	if (strcmp(st.old_key, key->path) == 0)
		rot->old_key = key;
	else {	/* a former rotation left another key signing */
		rot->old_key = load_named(st.old_key, "old_key", key,
		    st.old_selector, (unsigned)dc->min_key_bits, path, err);
		rot->old_owned = true;
	}
	rot->new_key = load_named(st.new_key, "new_key", key, st.new_selector,
				  (unsigned)dc->min_key_bits, path, err);
	if (rot->old_key == NULL || rot->new_key == NULL) {
		if (rot->old_key == NULL)
			rot->old_owned = false;
		pf_dkim_rotation_free(&rot);
		return -1;
	}
	rot->step = rot->logged = st.switched ? PF_DKIM_ROT_SWITCHED :
	    PF_DKIM_ROT_UNKNOWN;
	key->rotation = rot;
	rot->old_key->rotation = rot;
	rot->new_key->rotation = rot;
	g_ptr_array_add(keys->rotations, rot);
	return 0;
}

/* The TXT lookup, remembering the first DKIM p= that is not ours. */
typedef struct capture {
	pf_dkim_txt_lookup lookup;
	void *arg;
	const char *ours;
	bool asked;
	char *other;
} capture;

static pf_dns_status
capture_txt(void *arg, const char *name, GPtrArray **out, GString *why)
{
	capture *c = arg;
	pf_dns_status st = c->lookup(c->arg, name, out, why);

	c->asked = true;
	for (guint i = 0; st == PF_DNS_OK && *out && i < (*out)->len; i++) {
		char *p = pf_dkim_record_tag((*out)->pdata[i], "p");

		if (c->other == NULL && p && *p && strcmp(p, c->ours) != 0)
			c->other = g_strdup(p);
		g_free(p);
	}
	return st;
}

/* One line when the outcome changes (the caller holds rot->lock). */
static void
log_step(pf_dkim_rotation *rot, pf_dkim_rot_step step, const char *why)
{
	const pf_dkim_rotation_state *st = &rot->st;
	char *seen = pf_dkim_time_text(st->seen);
	char *due = pf_dkim_time_text(st->seen + (time_t)rot->delay);
	char *gone = pf_dkim_time_text(st->switched + PF_DKIM_ROTATION_KEEP_OLD);
	char *ours = pf_dkim_fingerprint(rot->new_key->pubkey);

	switch (step) {
	case PF_DKIM_ROT_MISSING:
		pf_info("DKIM key rotation d=%s: waiting for %s._domainkey.%s "
		    "to be published (%s); still signing with s=%s", st->domain,
		    st->new_selector, st->domain, why, st->old_selector);
		break;
	case PF_DKIM_ROT_WRONG:
		pf_warn("DKIM key rotation d=%s: %s._domainkey.%s does not "
		    "match the pending key %s: %s (published %s, pending %s); "
		    "not switching, still signing with s=%s", st->domain,
		    st->new_selector, st->domain, rot->new_key->path, why,
		    rot->published_fp ? rot->published_fp : "-", ours,
		    st->old_selector);
		break;
	case PF_DKIM_ROT_WAITING:
		pf_info("DKIM key rotation d=%s: s=%s is published and matches "
		    "since %s; switching from s=%s at %s (rotation_delay %lu s)",
		    st->domain, st->new_selector, seen, st->old_selector, due,
		    rot->delay);
		break;
	case PF_DKIM_ROT_SWITCHED:
		pf_info("DKIM key rotation d=%s: switched from s=%s to s=%s "
		    "(published and matching since %s); the s=%s record can be "
		    "removed after %s", st->domain, st->old_selector,
		    st->new_selector, seen, st->old_selector, gone);
		break;
	default:
		break;
	}
	g_free(seen);
	g_free(due);
	g_free(gone);
	g_free(ours);
}

/* Apply the switch rule to the real state and save it (rot->lock held). */
static pf_dkim_rot_step
decide_and_save(pf_dkim_rotation *rot, pf_dkim_pub pub, time_t now)
{
	pf_dkim_rotation_state before = rot->st;
	bool changed;
	pf_dkim_rot_step step = pf_dkim_rotation_decide(&rot->st, pub, now,
	    rot->delay, &changed);
	GString *err;

	if (!changed)
		return step;
	err = g_string_new(NULL);
	if (pf_dkim_rotation_state_save(rot->path, &rot->st, rot->owner.st_uid ?
	    &rot->owner : NULL, err) < 0) {
		g_strchomp(err->str);
		if (step == PF_DKIM_ROT_SWITCHED) {
			/* never a switch a restart would undo */
			rot->st.switched = before.switched;
			step = PF_DKIM_ROT_WAITING;
			pf_warn("DKIM key rotation d=%s: not switching to s=%s "
			    "yet: %s; still signing with s=%s, retried at the "
			    "next key check", rot->st.domain,
			    rot->st.new_selector, err->str,
			    rot->st.old_selector);
		} else {
			pf_warn("DKIM key rotation d=%s: %s (kept in memory "
				"only)", rot->st.domain, err->str);
		}
	}
	g_string_free(err, TRUE);
	return step;
}

pf_dkim_rot_step
pf_dkim_rotation_poll_via(pf_dkim_rotation *rot, pf_dkim_txt_lookup lookup,
			  void *arg, unsigned interval, time_t now)
{
	capture c = {.lookup = lookup, .arg = arg};
	GString *why;
	pf_dkim_pub pub;
	pf_dkim_rot_step step;

	if (rot == NULL)
		return PF_DKIM_ROT_UNKNOWN;
	g_mutex_lock(&rot->lock);
	if (rot->st.switched) {
		rot->step = PF_DKIM_ROT_SWITCHED;
		g_mutex_unlock(&rot->lock);
		return PF_DKIM_ROT_SWITCHED;
	}
	g_mutex_unlock(&rot->lock);

	c.ours = rot->new_key->pubkey;
	why = g_string_new(NULL);
	pub = pf_dkim_published_via(rot->new_key, capture_txt, &c, interval,
				    now, why);
	g_mutex_lock(&rot->lock);
	if (c.asked) {
		g_free(rot->published_fp);
		rot->published_fp = pf_dkim_fingerprint(c.other);
	}
	if (acting) {
		step = decide_and_save(rot, pub, now);
	} else {	/* what the daemon would do; nothing changes */
		pf_dkim_rotation_state view = rot->st;
		bool changed;

		step = pf_dkim_rotation_decide(&view, pub, now, rot->delay,
					       &changed);
	}
	if (step != PF_DKIM_ROT_UNKNOWN || rot->step == PF_DKIM_ROT_UNKNOWN) {
		rot->step = step;
		g_free(rot->why);
		rot->why = g_strdup(why->str);
	}
	if (acting && step != PF_DKIM_ROT_UNKNOWN && step != rot->logged) {
		log_step(rot, step, why->str);
		rot->logged = step;
	}
	g_mutex_unlock(&rot->lock);
	g_free(c.other);
	g_string_free(why, TRUE);
	return step;
}

static pf_dns_status
resolver_txt(void *arg, const char *name, GPtrArray **out, GString *why)
{
	return pf_dns_txt(arg, name, out, why);
}

pf_dkim_rot_step
pf_dkim_rotation_poll(pf_dkim_rotation *rot, pf_resolver *r, unsigned interval)
{
	if (rot == NULL || r == NULL)
		return PF_DKIM_ROT_UNKNOWN;
	return pf_dkim_rotation_poll_via(rot, resolver_txt, r, interval,
					 time(NULL));
}

char *
pf_dkim_record_zone(const char *selector, const char *domain,
		    const char *record)
{
	GString *s = g_string_new(NULL);
	size_t len = strlen(record);

	g_string_append_printf(s, "%s._domainkey.%s. IN TXT (", selector,
			       domain);
	for (size_t off = 0; off < len; off += 255)
		g_string_append_printf(s, " \"%.*s\"", (int)(len - off > 255 ?
				       255 : len - off), record + off);
	g_string_append(s, " )");
	return g_string_free(s, FALSE);
}

static void
report_pending(pf_dkim_rotation *rot, FILE *out, time_t now)
{
	const pf_dkim_rotation_state *st = &rot->st;
	char *name = g_strdup_printf("%s._domainkey.%s", st->new_selector,
				     st->domain);
	char *ours = pf_dkim_fingerprint(rot->new_key->pubkey);
	char *seen = pf_dkim_time_text(st->seen);
	char *due = pf_dkim_time_text((st->seen ? st->seen : now) +
				      (time_t)rot->delay);
	char *zone = pf_dkim_record_zone(st->new_selector, st->domain,
					 rot->new_key->record);

	switch (rot->step) {
	case PF_DKIM_ROT_MISSING:
		fprintf(out, "  %s: not published yet (%s): publish it; the "
		    "switch comes rotation_delay (%lu s) after the daemon sees "
		    "it\n", name, rot->why, rot->delay);
		break;
	case PF_DKIM_ROT_WRONG:
		fprintf(out, "  %s: MISMATCH: %s: published key %s, pending "
		    "key %s; no switch until the record is this key\n", name,
		    rot->why, rot->published_fp ? rot->published_fp : "-",
		    ours);
		break;
	case PF_DKIM_ROT_WAITING:
	case PF_DKIM_ROT_SWITCHED:	/* due: the daemon's next check */
		if (st->seen == 0)
			fprintf(out, "  %s: published and matching; the daemon "
			    "has not recorded it yet (it does at its next key "
			    "check; reload it if it has not been since the "
			    "rotation started): the switch follows rotation_delay "
			    "(%lu s) later\n", name, rot->delay);
		else if (rot->step == PF_DKIM_ROT_SWITCHED || now >= st->seen +
			 (time_t)rot->delay)
			fprintf(out, "  %s: published and matching since %s; "
			    "the switch is due: the daemon makes it at its next "
			    "key check (the next message signed)\n", name, seen);
		else
			fprintf(out, "  %s: published and matching since %s; "
			    "the daemon switches at its first key check after "
			    "%s\n", name, seen, due);
		break;
	default:
		fprintf(out, "  %s: not known: %s\n", name, rot->why ?
			rot->why : "not checked");
		break;
	}
	if (rot->step != PF_DKIM_ROT_WAITING && rot->step !=
	    PF_DKIM_ROT_SWITCHED)
		fprintf(out, "  publish: %s\n", zone);
	g_free(name);
	g_free(ours);
	g_free(seen);
	g_free(due);
	g_free(zone);
}

void
pf_dkim_rotation_report(pf_dkim_rotation *rot, FILE *out, time_t now)
{
	const pf_dkim_rotation_state *st;
	char *started, *sw, *gone;

	if (rot == NULL || out == NULL)
		return;
	g_mutex_lock(&rot->lock);
	st = &rot->st;
	started = pf_dkim_time_text(st->started);
	sw = pf_dkim_time_text(st->switched);
	gone = pf_dkim_time_text(st->switched + PF_DKIM_ROTATION_KEEP_OLD);
	if (st->switched) {
		fprintf(out, "  rotation: switched at %s from s=%s to s=%s "
		    "(state %s); ", sw, st->old_selector, st->new_selector,
		    rot->path);
		if (now >= st->switched + PF_DKIM_ROTATION_KEEP_OLD)
			fprintf(out, "the %s._domainkey.%s record can be "
			    "removed now (7 days after the switch)\n",
			    st->old_selector, st->domain);
		else
			fprintf(out, "keep the %s._domainkey.%s record until "
			    "%s (7 days after the switch), then remove it\n",
			    st->old_selector, st->domain, gone);
	} else {
		fprintf(out, "  rotation: pending since %s: s=%s -> s=%s "
		    "(%s-%u key %s, state %s); signing with s=%s until the "
		    "switch\n", started, st->old_selector, st->new_selector,
		    rot->new_key->ed25519 ? "ed25519" : "rsa",
		    rot->new_key->bits, rot->new_key->path, rot->path,
		    st->old_selector);
		report_pending(rot, out, now);
	}
	g_mutex_unlock(&rot->lock);
	g_free(started);
	g_free(sw);
	g_free(gone);
}
