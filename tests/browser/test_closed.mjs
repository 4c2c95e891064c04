// A closed form says so.  The consultation's closing date is moved into the
// past and the pool reloaded; then, in the browser: the form's page says it
// is closed and offers no form, the home page marks it closed, a person who
// had the form open before it closed and sends it is told it is closed; both
// closed pages pass every page check (lib/pages.mjs).  The date is put back
// whatever happens.
import { STATES, checkState } from './lib/pages.mjs';
import { goto, waitFillTime, submit } from './lib/journey.mjs';
import { form, fillForm, validAnswers } from './lib/forms.mjs';
import { psql, sqlText, reload, fetchText, sleep } from './lib/stack.mjs';

const NAME = 'consultation';
const WAIT_MS = 15000;
const IN_A_ROW = 4;	// answers agreeing in a row, so every worker reloaded

const isClosed = (r) => r.status === 200 && !/<form[^>]*method="post"/i.test(r.text) && /closed/i.test(r.text);

async function waitFor(closed) {
	const end = Date.now() + WAIT_MS;
	let streak = 0;
	while (Date.now() < end) {
		const r = await fetchText('/' + NAME);
		streak = isClosed(r) === closed ? streak + 1 : 0;
		if (streak >= IN_A_ROW) return;
		await sleep(150);
	}
	throw new Error(`${WAIT_MS / 1000}s after reload, /${NAME} still ${closed ? 'offers the form' : 'says closed'}`);
}

export const tests = [{
	name: 'closed form: says so, offers no form, refuses a late send',
	journey: true,
	timeout: 90000,
	async run(ctx) {
		const old = psql(`SELECT closes_at::text FROM vawg.form WHERE name = ${sqlText(NAME)};`);
		if (!old) throw new Error(`no form ${NAME}`);
		const def = form(NAME);
		const page = await ctx.page('main');
		const problems = [];
		// Opened while open, sent after it closed.
		const late = await page.context().newPage();
		try {
			await goto(late, '/' + NAME);
			await fillForm(late, def, validAnswers(def, 'Late'));
			psql(`UPDATE vawg.form SET closes_at = now() - interval '1 day' WHERE name = ${sqlText(NAME)};`);
			reload();
			await waitFor(true);

			await waitFillTime(late);
			const st = await submit(late);
			const lateText = await late.locator('main').innerText();
			if (st !== 403 || !/closed/i.test(lateText)) problems.push(`sending a form opened before it closed: status ${st}, page says "${lateText.slice(0, 120)}"`);

			await goto(page, '/' + NAME);
			const h1 = (await page.locator('h1').innerText()).trim();
			const text = await page.locator('main').innerText();
			if (h1 !== def.title) problems.push(`closed page's heading is "${h1}"`);
			if (!/this form is closed/i.test(text)) problems.push('closed page does not say the form is closed');
			if (await page.locator('form[method="post"], input:not([type=hidden]), textarea, select').count())
				problems.push('closed page still offers a form or inputs');
			await goto(page, '/');
			const item = page.locator('li', { has: page.locator(`a[href="/${NAME}"]`) });
			if (!/closed/i.test(await item.innerText())) problems.push('home page does not mark the form closed');

			for (const s of STATES.filter((x) => x.when === 'closed'))
				problems.push(...(await checkState(ctx, s)).map((p) => `${s.name} ${p}`));
		} finally {
			await late.close().catch(() => {});
			psql(`UPDATE vawg.form SET closes_at = ${sqlText(old)}::timestamptz WHERE name = ${sqlText(NAME)};`);
			reload();
			await waitFor(false);
		}
		if (problems.length) throw new Error(problems.join('\n  '));
	},
}];
