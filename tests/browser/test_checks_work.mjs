// The checks themselves can fail: on a page broken on purpose (through the
// CSS object model, which the Content-Security-Policy allows, in this test's
// own browser) each check reports the fault.  A check that cannot fail
// proves nothing.
import { withBrowser, NARROW, setView } from './lib/browser.mjs';
import { goto } from './lib/journey.mjs';
import { labelProblems } from './checks/labels.mjs';
import { reflowProblems } from './checks/reflow.mjs';
import { tabWalk, focusVisibleProblems, focusHiddenProblems } from './checks/focus.mjs';
import { axeViolations } from './checks/axe.mjs';

export const tests = [{
	name: 'checks catch broken pages',
	async run() {
		await withBrowser({ label: 'selftest' }, async ({ page }) => {
			const missed = [];
			await goto(page, '/referral');
			// No focus style at all.
			await page.evaluate(() => {
				for (const el of document.querySelectorAll('a, input, select, textarea, button')) {
					for (const [k, v] of [['outline', 'none'], ['box-shadow', 'none'], ['background-color', 'transparent'], ['color', 'inherit']])
						el.style.setProperty(k, v, 'important');
				}
			});
			if (!focusVisibleProblems(await tabWalk(page)).length) missed.push('focus-visible missed focus styles removed');
			// A Leave bar tall enough to hide whatever takes focus below it.
			await goto(page, '/referral');
			await page.evaluate(() => document.querySelector('.leave-bar').style.setProperty('height', '100vh'));
			if (!focusHiddenProblems(await tabWalk(page)).length) missed.push('focus-hidden missed a bar covering the screen');
			// A label hidden as screen-reader-only text, and one removed.
			await goto(page, '/referral');
			await page.evaluate(() => {
				document.querySelector('label[for]:not(.hp label)').classList.add('visually-hidden');
				document.querySelectorAll('label')[3].remove();
			});
			if ((await labelProblems(page)).length < 2) missed.push('labels missed a hidden and a removed label');
			// Something 400px wide in a 320px viewport.
			await setView(page, NARROW);
			await page.evaluate(() => document.querySelector('h1').style.setProperty('width', '400px'));
			if (!(await reflowProblems(page)).length) missed.push('reflow missed a 400px heading at 320px');
			// Text too pale to read.
			await page.evaluate(() => document.querySelector('main p').style.setProperty('color', '#eeeeee'));
			if (!(await axeViolations(page)).some((v) => v.startsWith('color-contrast'))) missed.push('axe missed pale text');
			if (missed.length) throw new Error(missed.join('; '));
		});
	},
}];
