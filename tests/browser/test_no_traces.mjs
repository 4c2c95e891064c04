// No traces: a referral sent with a random canary in every answer that
// takes text, then the browser closed (no quick exit: the harder case).
// Every file of the profile folder (history, cache, session restore, local
// storage, autofill data...) holds no canary, and the history database holds
// only neutral page titles.
//
// Without JavaScript the same is measured and printed, not failed: the
// confirmation's history entry then keeps the whole POST body, which
// Chromium writes to its session-restore files; only a redirect after the
// POST (C code) can remove it.  See exit.js for the JavaScript answer.
import { withBrowser } from './lib/browser.mjs';
import { form, fillForm, validAnswers, newCanary } from './lib/forms.mjs';
import { followFormLink, waitFillTime, submit, reference } from './lib/journey.mjs';
import { grepProfile, historyRows } from './lib/profile.mjs';

// Words that would tell someone looking at the history what the visit was.
const TELLING = ['violence', 'abuse', 'assault', 'rape', 'sexual', 'domestic', 'referral', 'refuge',
	'victim', 'survivor', 'women', 'girls', 'vawg', 'havens', 'police', 'trafficking',
	'exploitation', 'prostitution', 'fgm', 'harassment', 'stalking', 'forced marriage'];

async function canaryReferral(js) {
	const canary = newCanary();
	const def = form('referral');
	let profileDir;
	await withBrowser({ label: js ? 'no-traces' : 'no-traces-nojs', js }, async ({ page, profileDir: dir, close }) => {
		profileDir = dir;
		await followFormLink(page, 'referral');
		await fillForm(page, def, validAnswers(def, canary));
		const typed = await page.$$eval('input, textarea', (els, c) => els.filter((e) => e.value.toUpperCase().includes(c)).length, canary);
		if (typed < 3) throw new Error(`only ${typed} fields hold the canary: the test would prove little`);
		await waitFillTime(page);
		const st = await submit(page);
		if (st !== 200) throw new Error(`sending: status ${st}`);
		await reference(page);
		await close();	// everything written to disk before it is searched
	});
	return { canary, profileDir, ...grepProfile(profileDir, canary) };
}

export const tests = [{
	name: 'no traces: canary referral, browser closed, profile searched',
	journey: true,
	async run(ctx) {
		const { canary, profileDir, hits, files, bytes } = await canaryReferral(true);
		ctx.figures.canary_hits_profile = `${hits.length} (${files} files, ${bytes} bytes searched)`;
		const problems = [];
		if (hits.length) problems.push(`the canary is in ${hits.join(', ')}`);
		const h = historyRows(profileDir);
		if (h.how === 'sqlite3') {
			const titles = [...new Set(h.rows.map((r) => r.title))];
			ctx.figures.history_titles = JSON.stringify(titles);
			if (!h.rows.length) problems.push('the history database is empty: nothing was checked');
			for (const t of titles) {
				const bad = TELLING.filter((w) => t.toLowerCase().includes(w));
				if (bad.length) problems.push(`history title "${t}" says ${bad.join(', ')}`);
				if (t.toUpperCase().includes(canary)) problems.push(`history title holds the canary: ${t}`);
			}
		} else {
			const bad = TELLING.filter((w) => h.text.toLowerCase().includes(w));
			ctx.figures.history_titles = `(no sqlite3: bytes scanned) telling words: ${bad.length}`;
			if (bad.length) problems.push(`the history file holds ${bad.join(', ')}`);
		}
		if (problems.length) throw new Error(problems.join('; '));
	},
}, {
	name: 'no traces without JavaScript: measured (known: needs a redirect after POST)',
	async run(ctx) {
		const { hits } = await canaryReferral(false);
		ctx.figures.canary_hits_profile_no_js = `${hits.length}${hits.length ? ` (${hits.map((x) => x.replace(/_\d+$/, '_*')).join(', ')})` : ''}`;
	},
}];
