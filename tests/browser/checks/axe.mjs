// axe-core at WCAG 2.2 A and AA.  No rule is disabled: a violation is
// fixed in the templates or the CSS, not here.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
export const AXE_VERSION = JSON.parse(readFileSync(require.resolve('axe-core/package.json'), 'utf8')).version;

// Returns the violations as short strings (rule: help @ selector).  The
// script goes in through the DevTools protocol, as page.evaluate does, so
// the page's strict Content-Security-Policy is neither loosened nor broken.
export async function axeViolations(page) {
	const loaded = await page.evaluate(() => typeof window.axe === 'object');
	if (!loaded) await page.evaluate(AXE_SOURCE + '\n;0');
	const res = await page.evaluate((tags) => window.axe.run(document, {
		runOnly: { type: 'tag', values: tags },
		resultTypes: ['violations'],
	}), AXE_TAGS);
	const out = [];
	for (const v of res.violations)
		for (const n of v.nodes)
			out.push(`${v.id} (${v.impact}): ${v.help} @ ${n.target.join(' ')}`);
	return out;
}
