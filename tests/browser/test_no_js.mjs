// Everything works with JavaScript off: the notices show by CSS alone, a
// post with mistakes brings back the error summary with focus (autofocus),
// the referral goes and shows its reference, and Leave this site still
// leaves (a plain link to /exit, which redirects).
import { withBrowser } from './lib/browser.mjs';
import { checkNotices } from './lib/notice.mjs';
import { form, fillForm, validAnswers } from './lib/forms.mjs';
import { goto, waitFillTime, submit, reference, mistakes } from './lib/journey.mjs';
import { EXIT_URL } from './lib/stack.mjs';

export const tests = [{
	name: 'no JavaScript: referral with notices, error summary and reference',
	journey: true,
	async run() {
		await withBrowser({ label: 'nojs', js: false }, async ({ page }) => {
			const scripts = await page.evaluate(() => 1).then(() => 'evaluate works', () => 'no evaluate');
			await checkNotices(page, 'referral', true);
			const def = form('referral');
			await goto(page, '/referral');
			await fillForm(page, def, mistakes(def));
			await waitFillTime(page);
			let st = await submit(page);
			if (st !== 422) throw new Error(`mistakes: status ${st}`);
			const focused = await page.evaluate(() => document.activeElement?.id);
			if (focused !== 'error-summary' && focused !== 'form-error')
				throw new Error(`without JavaScript the focus is on "${focused}", not the error summary (${scripts})`);
			await fillForm(page, def, validAnswers(def, 'NoScript'));
			await waitFillTime(page);
			st = await submit(page);
			if (st !== 200) throw new Error(`corrected answers: status ${st}`);
			await reference(page);
		});
	},
}, {
	name: 'no JavaScript: Leave this site still leaves',
	journey: true,
	async run(ctx) {
		await withBrowser({ label: 'nojs-exit', js: false }, async ({ page }) => {
			await goto(page, '/referral');
			const before = await page.evaluate(() => history.length);
			await Promise.all([page.waitForURL(EXIT_URL, { timeout: 10000 }), page.click('#leave-site')]);
			if (await page.title() !== 'Weather') throw new Error(`landed on "${await page.title()}"`);
			// A plain link adds an entry: expected without JavaScript, and the
			// safety page says history is not erased.
			ctx.figures.history_delta_on_exit_no_js = (await page.evaluate(() => history.length)) - before;
		});
	},
}];
