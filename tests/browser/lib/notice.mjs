// The notices tied to an option (the 24-hour help after a recent assault,
// the under-18 note): hidden until the option is chosen, then shown at once,
// by CSS alone, with no request to the server.  Shared by the JavaScript and
// the no-JavaScript tests.
import { form, noticeOptions } from './forms.mjs';
import { goto } from './journey.mjs';

const norm = (s) => s.replace(/\s+/g, ' ').trim();

export async function checkNotices(page, formName, useKeyboard) {
	const def = form(formName);
	const notices = noticeOptions(def);
	if (!notices.length) throw new Error(`form ${formName} has no option with a notice`);
	await goto(page, '/' + formName);
	let requests = 0;
	const count = () => { requests++; };
	page.on('request', count);
	try {
		for (const { field, option } of notices) {
			const input = page.locator(`input[name="${field.name}"][value="${option.value}"]`);
			const noticeId = (await input.getAttribute('aria-describedby') || '').split(/\s+/).find((x) => x.endsWith('-notice'));
			if (!noticeId) throw new Error(`option "${option.label}" has no aria-describedby pointing at its notice`);
			const notice = page.locator(`[id="${noticeId}"]`);
			if (await notice.isVisible()) throw new Error(`the notice for "${option.label}" shows before it is chosen`);
			if (useKeyboard) {
				await input.focus();
				await page.keyboard.press('Space');
			} else {
				await input.check();
			}
			// "At once": looked at straight away, no waiting, no retrying.
			if (!await notice.isVisible()) throw new Error(`the notice for "${option.label}" does not show when it is chosen`);
			const text = norm(await notice.innerText());
			if (text !== norm(option.notice)) throw new Error(`notice for "${option.label}" reads "${text.slice(0, 80)}..."`);
			// Right under its option, where the person is looking.
			const box = await notice.boundingBox();
			const opt = await page.locator(`label[for="${await input.getAttribute('id')}"]`).boundingBox();
			if (!box || !opt || box.y < opt.y || box.y - (opt.y + opt.height) > 60)
				throw new Error(`the notice for "${option.label}" is not right under its option`);
			// Another answer to the same radio question hides it again.
			if (field.kind === 'radio') {
				const other = field.options.find((o) => o.value !== option.value && !o.notice);
				await page.locator(`input[name="${field.name}"][value="${other.value}"]`).check();
				if (await notice.isVisible()) throw new Error(`the notice for "${option.label}" stays after another answer is chosen`);
			}
		}
	} finally {
		page.off('request', count);
	}
	if (requests) throw new Error(`choosing an option sent ${requests} request(s): the notice must not need the server`);
	return notices.length;
}
