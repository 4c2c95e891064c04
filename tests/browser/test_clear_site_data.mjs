// /exit's Clear-Site-Data is honoured: what the site left in the browser
// (a cookie, local storage and the HTTP cache of its style sheet) is gone
// after Leave this site.  The cache is judged from nginx's access log, each
// time in a new tab (a new tab starts with no in-memory copies, so it
// reads the disk cache): before the exit the style sheet is revalidated
// (304: it was cached), after the exit it is fetched afresh (200: the cache
// was emptied).
import { withBrowser } from './lib/browser.mjs';
import { goto } from './lib/journey.mjs';
import { EXIT_URL, BASE, accessLog, sleep } from './lib/stack.mjs';

const cssStatuses = (lines) => lines.filter((l) => l.includes('"GET /static/site.css"'))
	.map((l) => Number(l.split('" ')[1]?.split(' ')[0]));

// Opens path in a new tab, closing the old one; returns the new tab and
// the statuses nginx logged for the style sheet meanwhile.
async function freshTab(context, old, path) {
	const page = await context.newPage();
	await old.close();
	const mark = accessLog().length;
	await goto(page, path);
	await sleep(200);
	return { page, css: cssStatuses(accessLog().slice(mark)) };
}

export const tests = [{
	name: 'quick exit: Clear-Site-Data empties cookies, storage and cache',
	journey: true,
	async run() {
		await withBrowser({ label: 'clear-site-data' }, async ({ page: first, context }) => {
			await goto(first, '/');
			const { page, css: before } = await freshTab(context, first, '/safety');
			if (!before.includes(304)) throw new Error(`the style sheet was not revalidated from the cache before leaving (statuses ${before.join(',') || 'none'}): the cache test would prove nothing`);
			await page.evaluate(() => localStorage.setItem('probe', '1'));
			await context.addCookies([{ name: 'probe', value: '1', url: BASE }]);
			if (await page.evaluate(() => localStorage.getItem('probe')) !== '1' || !(await context.cookies(BASE)).length)
				throw new Error('could not store the probes');

			await Promise.all([page.waitForURL(EXIT_URL, { timeout: 10000 }), page.click('#leave-site')]);
			const cookiesAfter = (await context.cookies(BASE)).map((c) => c.name);
			const { page: later, css: after } = await freshTab(context, page, '/');
			const local = await later.evaluate(() => localStorage.getItem('probe'));
			const problems = [];
			if (cookiesAfter.length) problems.push(`cookies left: ${cookiesAfter.join(', ')}`);
			if (local !== null) problems.push('local storage left');
			if (!after.length || after.includes(304)) problems.push(`style sheet after leaving: ${after.join(',') || 'not requested'} (cache not emptied)`);
			if (problems.length) throw new Error(problems.join('; '));
		});
	},
}];
