// The checks themselves can fail: on a page broken on purpose (through the
// CSS object model, which the Content-Security-Policy allows, in this test's
// own browser) each check reports the fault; and the run's monitors see a
// console error, a policy violation and a foreign request made on purpose.
// A check that cannot fail proves nothing.

const mine = (e) => e.where === SELFTEST;
import { withBrowser, NARROW, WIDE, setView, monitor, SELFTEST } from './lib/browser.mjs';
import { sleep } from './lib/stack.mjs';
import { goto } from './lib/journey.mjs';
import { labelProblems } from './checks/labels.mjs';
import { reflowProblems, wideFitProblems } from './checks/reflow.mjs';
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
			// A table 400px wide in a box that scrolls sideways but that a
			// keyboard cannot reach and that has no name.
			await page.evaluate(() => {
				const box = document.createElement('div');
				box.style.setProperty('overflow-x', 'auto');
				const wide = document.createElement('div');
				wide.style.setProperty('width', '400px');
				wide.textContent = 'wide';
				box.append(wide);
				document.querySelector('h1').style.removeProperty('width');
				document.querySelector('main').prepend(box);
				box.id = 'selftest-scroll';
			});
			const boxProblems = (await reflowProblems(page)).filter((p) => p.includes('selftest-scroll'));
			if (!boxProblems.some((p) => p.includes('keyboard')) || !boxProblems.some((p) => p.includes('no name')))
				missed.push(`reflow missed an unreachable, unnamed scroll box (${boxProblems.join('; ') || 'nothing'})`);
			// The same box at full width: columns hidden to the side.
			await setView(page, WIDE);
			await page.evaluate(() => document.querySelector('#selftest-scroll > div').style.setProperty('width', '2000px'));
			if (!(await wideFitProblems(page)).length) missed.push('fit missed a box scrolling sideways at full width');
			await setView(page, NARROW);
			// Text too pale to read.
			await page.evaluate(() => document.querySelector('main p').style.setProperty('color', '#eeeeee'));
			if (!(await axeViolations(page)).some((v) => v.startsWith('color-contrast'))) missed.push('axe missed pale text');
			if (missed.length) throw new Error(missed.join('; '));
		});
	},
}, {
	name: 'monitors catch console errors, CSP violations and foreign requests',
	async run() {
		// In a browser of its own, labelled so the closing counts leave it
		// out: an inline script (blocked by the policy), a console error,
		// and a page on a host that is not loopback (the recording proxy
		// takes it; it never leaves the machine, and .invalid never resolves).
		const seen = () => ({ c: monitor.consoleErrors.filter(mine).length, p: monitor.csp.filter(mine).length,
			f: monitor.foreign.filter(mine).length, x: monitor.proxy.seen.filter((l) => l.includes('foreign.invalid')).length });
		const before = seen();
		await withBrowser({ label: SELFTEST }, async ({ page }) => {
			await goto(page, '/');
			await page.evaluate(() => {
				const s = document.createElement('script');
				s.textContent = 'window.__inline = 1;';
				document.body.append(s);
				console.error('self-test console error');
			});
			await page.goto('http://foreign.invalid/', { timeout: 10000 }).catch(() => {});
			await sleep(300);
		});
		const after = seen();
		const missed = [];
		if (after.c <= before.c) missed.push('console error not seen');
		if (after.p <= before.p) missed.push('CSP violation not seen');
		if (after.f <= before.f) missed.push('request to foreign.invalid not seen by the page monitor');
		if (after.x <= before.x) missed.push('request to foreign.invalid not seen by the proxy');
		if (missed.length) throw new Error(missed.join('; '));
	},
}];
