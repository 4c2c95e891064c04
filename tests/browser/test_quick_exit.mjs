// The quick exit, with JavaScript: "Leave this site" clicked, and Shift
// pressed three times, each land on the neutral page (VAWG_EXIT_URL, served
// by the test) through /exit, which sends Clear-Site-Data, without adding to
// history.length.  Going back then does not show the form or anything typed.
// Capital letters typed with Shift, and Shift twice then another key, do not
// leave by accident.
import { withBrowser } from './lib/browser.mjs';
import { followFormLink, waitFillTime, submit, reference } from './lib/journey.mjs';
import { newCanary, form, fillForm, validAnswers } from './lib/forms.mjs';
import { EXIT_URL, BASE, sleep } from './lib/stack.mjs';
import { NEUTRAL_TITLE } from './lib/neutral.mjs';

const deltas = [];

// Home, then the referral by its link, then something typed in it.
async function startReferral(page, canary) {
	await followFormLink(page, 'referral');
	const textInput = page.locator('form input[type="text"]:not([tabindex="-1"])').first();
	const area = page.locator('form textarea').first();
	await textInput.fill(canary);
	await area.fill(`${canary} typed before leaving`);
	await textInput.focus();
}

async function leave(ctx, page, how) {
	const visits = ctx.neutral.visits.length;
	const before = await page.evaluate(() => history.length);
	const exitResp = page.waitForResponse((r) => r.url() === `${BASE}/exit`, { timeout: 10000 });
	const landed = page.waitForURL(EXIT_URL, { timeout: 10000 });
	if (how === 'click') {
		await page.click('#leave-site');
	} else {
		for (let i = 0; i < 3; i++) await page.keyboard.press('Shift');
	}
	await landed;
	const r = await exitResp;
	const csd = (await r.allHeaders())['clear-site-data'] || '';
	const problems = [];
	if (r.status() !== 303) problems.push(`/exit answered ${r.status()}, not 303`);
	for (const t of ['"cache"', '"cookies"', '"storage"']) if (!csd.includes(t)) problems.push(`/exit's Clear-Site-Data lacks ${t} (${csd || 'no header'})`);
	if (await page.title() !== NEUTRAL_TITLE) problems.push(`landed on "${await page.title()}"`);
	if (ctx.neutral.visits.length !== visits + 1) problems.push('the neutral page was not fetched exactly once');
	const delta = (await page.evaluate(() => history.length)) - before;
	deltas.push(delta);
	ctx.figures.history_delta_on_exit = deltas.map((d) => (d > 0 ? `+${d}` : String(d))).join(', ') + ` (${deltas.length} exit${deltas.length > 1 ? 's' : ''})`;
	if (delta !== 0) problems.push(`history.length went from ${before} to ${before + delta}`);
	if (problems.length) throw new Error(problems.join('; '));
}

// What Back shows after leaving: not the referral (unless formAllowed:
// the entry before a confirmation is the form itself), nothing typed.
async function backShowsNothing(page, canary, formAllowed = false) {
	const resp = await page.goBack({ timeout: 10000, waitUntil: 'load' });
	const at = page.url();
	const body = await page.content();
	const values = await page.$$eval('input, textarea', (els) => els.map((e) => e.value));
	const problems = [];
	if (at.endsWith('/referral') && !formAllowed) problems.push('Back returned to the referral form');
	if (body.includes(canary) || values.some((v) => v.includes(canary))) problems.push('Back shows what was typed');
	if (await page.locator('input:checked').count()) problems.push('Back shows ticked answers');
	return { problems, at, resp };
}

// One quick exit in a browser of its own: before(page, canary) brings the
// page to where she leaves from and returns what after needs; she leaves
// (how: 'click' or 'shift'); Back must show nothing typed, and
// after(page, back, state) lists any other problem.  formAllowed as for
// backShowsNothing.
async function exitJourney(ctx, label, how, before, after, formAllowed = false) {
	await withBrowser({ label }, async ({ page }) => {
		const canary = newCanary();
		const state = await before(page, canary);
		await leave(ctx, page, how);
		const back = await backShowsNothing(page, canary, formAllowed);
		const problems = back.problems.concat(await after(page, back, state));
		if (problems.length) throw new Error(problems.join('; '));
	});
}

export const tests = [{
	name: 'quick exit: click, history not grown, Back shows nothing typed',
	journey: true,
	async run(ctx) {
		await exitJourney(ctx, 'exit-click', 'click', startReferral,
			async (page, { at }) => (at.startsWith(BASE + '/') ? [] : [`Back went to ${at}`]));
	},
}, {
	name: 'quick exit: Shift three times, not by accident, Back shows nothing typed',
	journey: true,
	async run(ctx) {
		await exitJourney(ctx, 'exit-shift', 'shift', async (page, canary) => {
			await startReferral(page, canary);
			// Capitals typed with Shift held, then Shift twice and a letter,
			// then one Shift: none of these is three presses in a row.
			await page.keyboard.press('End');
			for (const ch of ' Ann Bell Cox') await page.keyboard.press(ch === ' ' ? 'Space' : /[A-Z]/.test(ch) ? `Shift+${ch}` : ch);
			await page.keyboard.press('Shift');
			await page.keyboard.press('Shift');
			await page.keyboard.press('x');
			await page.keyboard.press('Shift');
			await sleep(300);
			if (!page.url().endsWith('/referral')) throw new Error('left the site while typing capitals or after Shift, Shift, a letter, Shift');
		}, async () => []);
	},
}, {
	name: 'quick exit from the confirmation: history not grown, Back shows no answer or reference',
	journey: true,
	async run(ctx) {
		// The usual end: the request is sent, then she leaves.  Back can
		// only reach the entry before the confirmation (the form, empty).
		await exitJourney(ctx, 'exit-confirmation', 'shift', async (page, canary) => {
			const def = await followFormLink(page, 'referral');
			await fillForm(page, def, validAnswers(def, canary));
			await waitFillTime(page);
			if (await submit(page) !== 200) throw new Error('the referral was not accepted');
			return reference(page);
		}, async (page, back, ref) => ((await page.content()).includes(ref) ? ['Back shows the reference'] : []), true);
	},
}, {
	name: 'Back to the referral after browsing away: nothing typed or chosen comes back',
	journey: true,
	async run() {
		// Not the quick exit: she goes to the home page by its link and
		// comes back.  The form must come back empty: no-store, so no
		// back/forward cache, and no restored text or ticked answers.
		await withBrowser({ label: 'back' }, async ({ page }) => {
			const canary = newCanary();
			await startReferral(page, canary);
			const def = form('referral');
			for (const f of def.fields.filter((x) => x.kind === 'radio' || x.kind === 'checkboxes'))
				await page.check(`input[name="${f.name}"][value="${f.options[f.options.length - 1].value}"]`);
			for (const f of def.fields.filter((x) => x.kind === 'select'))
				await page.selectOption(`select[name="${f.name}"]`, f.options[0].value);
			await Promise.all([page.waitForURL(BASE + '/'), page.click('header a[href="/"]')]);
			await page.goBack({ timeout: 10000, waitUntil: 'load' });
			if (!page.url().endsWith('/referral')) throw new Error(`Back went to ${page.url()}, not the referral`);
			await sleep(200);
			const shown = await page.$$eval('input, textarea, select', (els) => els.filter((e) =>
				e.type === 'radio' || e.type === 'checkbox' ? e.checked : e.type !== 'hidden' && e.value)
				.map((e) => `${e.name}=${e.value.slice(0, 40)}`));
			if (shown.length || (await page.content()).includes(canary))
				throw new Error(`Back shows the answers given: ${shown.join(', ')}`);
		});
	},
}];
