// The consultation with the keyboard alone: from the home page, Tab to the
// link and Enter; on the form, Tab from question to question, Space to choose
// a radio, arrow keys for a radio group and the borough list, typing for
// text; Enter on the button.  No click, no fill.  Then the reference is read
// and the database shows the choices made with the keys.
import { form } from './lib/forms.mjs';
import { goto, waitFillTime, reference } from './lib/journey.mjs';
import { psql, sqlText } from './lib/stack.mjs';

const MAX_TABS = 200;

const active = (page) => page.evaluate(() => {
	const e = document.activeElement;
	return e ? { tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '', value: e.value || '',
		href: e.getAttribute('href') || '', id: e.id, text: (e.textContent || '').trim().slice(0, 60) } : null;
});

async function tabTo(page, pred, what) {
	for (let i = 0; i < MAX_TABS; i++) {
		await page.keyboard.press('Tab');
		const a = await active(page);
		if (a && pred(a)) return a;
	}
	throw new Error(`Tab never reached ${what}`);
}

export const tests = [{
	name: 'keyboard only: consultation from the home page to its reference',
	journey: true,
	async run(ctx) {
		const page = await ctx.page('main');
		const def = form('consultation');
		await goto(page, '/');
		// The first two stops: the skip link, then Leave this site.
		await page.keyboard.press('Tab');
		const first = await active(page);
		await page.keyboard.press('Tab');
		const second = await active(page);
		if (first?.href !== '#main') throw new Error(`first Tab stop is ${JSON.stringify(first)}, not the skip link`);
		if (second?.id !== 'leave-site') throw new Error(`second Tab stop is ${JSON.stringify(second)}, not Leave this site`);
		await tabTo(page, (a) => a.tag === 'a' && a.href === '/consultation', 'the consultation link');
		await Promise.all([page.waitForURL(/\/consultation$/, { timeout: 10000 }), page.keyboard.press('Enter')]);
		await page.waitForLoadState('load');
		page.__openedAt = Date.now();

		const expect = {};		// plain answers the database should hold
		const done = new Set();
		let arrowedRadio = false, typedArea = false;
		for (let i = 0; ; i++) {
			if (i >= MAX_TABS) throw new Error('Tab never reached the submit button');
			await page.keyboard.press('Tab');
			const a = await active(page);
			if (!a) continue;
			if (a.name === '_homepage') throw new Error('the honeypot field took keyboard focus');
			if (a.tag === 'button' && a.type === 'submit') break;
			const f = def.fields.find((x) => x.name === a.name);
			if (!f || done.has(f.name)) continue;
			done.add(f.name);
			if (f.kind === 'radio' && (f.required || arrowedRadio)) {
				if (!f.required) continue;
				await page.keyboard.press('Space');
				expect[f.name] = f.options[0].value;
			} else if (f.kind === 'radio') {
				// Arrow keys move to the next option and choose it.
				await page.keyboard.press('ArrowDown');
				expect[f.name] = f.options[1].value;
				arrowedRadio = true;
			} else if (f.kind === 'checkboxes') {
				await page.keyboard.press('Space');
				expect[f.name] = [f.options[0].value];
			} else if (f.kind === 'select') {
				await page.keyboard.press('ArrowDown');	// past "Choose one"
				await page.keyboard.press('ArrowDown');
				expect[f.name] = f.options[1].value;
			} else if (f.kind === 'email') {
				await page.keyboard.type('keyboard.user@example.org');
			} else if (f.kind === 'textarea') {
				if (typedArea) continue;
				await page.keyboard.type('Typed with the keyboard.');
				await page.keyboard.press('Enter');
				await page.keyboard.type('A second line.');
				typedArea = true;
			} else if (f.kind === 'text') {
				await page.keyboard.type('Kay Board');
			}
		}
		const missing = def.fields.filter((f) => f.required && !(f.name in expect)).map((f) => f.name);
		if (missing.length) throw new Error(`Tab order skipped required questions: ${missing.join(', ')}`);
		await waitFillTime(page);
		const [resp] = await Promise.all([
			page.waitForResponse((r) => r.request().method() === 'POST', { timeout: 15000 }),
			page.keyboard.press('Enter'),
		]);
		await page.waitForLoadState('load');
		if (resp.status() !== 200) throw new Error(`sending with Enter: status ${resp.status()}: ${(await page.locator('main').innerText()).slice(0, 300)}`);
		const ref = await reference(page);
		const plain = JSON.parse(psql(`SELECT plain FROM vawg.submission WHERE reference = ${sqlText(ref)} ORDER BY id DESC LIMIT 1;`) || 'null');
		if (!plain) throw new Error(`no row with reference ${ref}`);
		for (const [k, v] of Object.entries(expect))
			if (JSON.stringify(plain[k]) !== JSON.stringify(v))
				throw new Error(`${k}: chose ${JSON.stringify(v)} with the keyboard, stored ${JSON.stringify(plain[k])}`);
		ctx.figures.keyboard_choices_stored = `${Object.keys(expect).length} of ${Object.keys(expect).length}`;
	},
}];
