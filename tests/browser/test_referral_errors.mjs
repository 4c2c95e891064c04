// The referral with mistakes: required questions left out, an email address
// and a phone number in the wrong format.  The error summary takes focus and
// lists exactly those questions; each of its links, followed with Enter,
// puts the focus on its question, on screen and clear of the Leave bar,
// with the question's own message tied to it; the answers typed are still
// there.  Corrected (choosing "in the last 7 days"), the request goes and
// the confirmation repeats the 24-hour help.
import { form, validValue, fillForm, noticeOptions } from './lib/forms.mjs';
import { waitFillTime, submit, reference, mistakes, followFormLink } from './lib/journey.mjs';
import { psql, sqlText } from './lib/stack.mjs';

export const tests = [{
	name: 'referral: mistakes, error summary links, corrected, sent',
	journey: true,
	async run(ctx) {
		const page = await ctx.page('main');
		const def = await followFormLink(page, 'referral');
		const title = await page.title();
		// Some answers right, the rest left out or wrong.
		const kept = {};
		for (const f of def.fields)
			if (!f.required && (f.kind === 'textarea' || f.kind === 'text')) kept[f.name] = validValue(f, 'Kept');
		const wrong = mistakes(def);
		await fillForm(page, def, { ...kept, ...wrong });
		await waitFillTime(page);
		const status = await submit(page);
		if (status !== 422) throw new Error(`sending with mistakes: status ${status}, expected 422`);
		if (await page.title() !== title) throw new Error(`title changed to "${await page.title()}"`);
		const focused = await page.evaluate(() => document.activeElement?.id);
		if (focused !== 'error-summary') throw new Error(`focus is on "${focused}", not the error summary`);

		// The summary lists exactly the questions left out or wrong.
		const expected = new Set([...def.fields.filter((f) => f.required && !(f.name in kept)).map((f) => f.name), ...Object.keys(wrong)]);
		const links = await page.$$eval('#error-summary a', (as) => as.map((a) => {
			const t = document.getElementById(a.getAttribute('href').slice(1));
			return { href: a.getAttribute('href'), text: a.textContent.trim(), field: t ? t.name : null };
		}));
		const listed = new Set(links.map((l) => l.field));
		const diff = [...expected].filter((x) => !listed.has(x)).concat([...listed].filter((x) => !expected.has(x)));
		if (diff.length) throw new Error(`error summary differs from the mistakes made: ${diff.join(', ')} (links: ${JSON.stringify(links)})`);

		// What was typed is still there, newlines included.
		for (const [name, v] of Object.entries(kept)) {
			const now = await page.inputValue(`[name="${name}"]`);
			if (now !== v) throw new Error(`${name}: typed ${JSON.stringify(v)}, shown again as ${JSON.stringify(now)}`);
		}

		const recent = noticeOptions(def).filter((n) => n.field.kind === 'radio');
		const choose = (f) => recent.find((n) => n.field.name === f.name)?.option.value;
		for (const [i, l] of links.entries()) {
			await page.locator('#error-summary a').nth(i).focus();
			await page.keyboard.press('Enter');
			await page.waitForFunction((h) => location.hash === h, l.href, { timeout: 5000 });
			const at = await page.evaluate(() => {
				const el = document.activeElement;
				const r = el.getBoundingClientRect();
				const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
				const holder = el.closest('fieldset') || el;
				const described = (holder.getAttribute('aria-describedby') || '').split(/\s+/);
				const errId = described.find((d) => d.endsWith('-error'));
				const err = errId && document.getElementById(errId);
				return { name: el.name, onScreen: r.top >= 0 && r.bottom <= innerHeight, clear: !!hit && (el.contains(hit) || !!el.labels?.[0]?.contains(hit)),
					error: err ? err.textContent.trim() : null, errorShown: !!err && err.checkVisibility() };
			});
			if (at.name !== l.field) throw new Error(`link "${l.text}" left the focus on "${at.name}", not on its question ${l.field}`);
			if (!at.onScreen || !at.clear) throw new Error(`link "${l.text}": the question is ${at.onScreen ? 'under the Leave bar' : 'off screen'}`);
			if (!at.error || !at.errorShown) throw new Error(`question ${l.field} has no visible error message tied to it by aria-describedby`);
			const f = def.fields.find((x) => x.name === l.field);
			if (f.kind === 'email' || f.kind === 'tel') await page.fill(`[name="${f.name}"]`, '');
			else await fillForm(page, def, { [f.name]: validValue(f, 'Fixed', choose) });
		}
		await waitFillTime(page);
		const status2 = await submit(page);
		if (status2 !== 200) throw new Error(`corrected answers: status ${status2}: ${(await page.locator('main').innerText()).slice(0, 300)}`);
		const ref = await reference(page);
		const urgent = await page.locator('.notice-urgent').allInnerTexts();
		for (const n of recent)
			if (!urgent.some((t) => t.includes(n.option.notice.slice(0, 60))))
				throw new Error(`confirmation does not repeat the notice for "${n.option.label}"`);
		const rows = psql(`SELECT count(*) FROM vawg.submission WHERE reference = ${sqlText(ref)};`);
		if (rows !== '1') throw new Error(`reference ${ref}: ${rows} rows in the database, expected 1`);
	},
}];
