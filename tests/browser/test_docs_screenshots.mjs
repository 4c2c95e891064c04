// The README's screenshots, docs/screenshots/*.png: the first screen of a
// few pages, as a person sees them (the admin dashboard's with a signed-in
// administrator of its own, lib/admin.mjs).  Taken only when asked
// (VAWG_UPDATE_DOC_SCREENSHOTS=1), so an ordinary run leaves the committed
// files alone; every run saves full pages under tests/artifacts/ anyway.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { withBrowser } from './lib/browser.mjs';
import { STATES } from './lib/pages.mjs';
import { REPO } from './lib/stack.mjs';

const DOCS = path.join(REPO, 'docs', 'screenshots');
const PHONE = { viewport: { width: 320, height: 640 }, deviceScaleFactor: 2 };
const SHOTS = [
	{ file: 'consultation.png', state: 'consultation-empty' },
	{ file: 'referral.png', state: 'referral-empty' },
	{ file: 'referral-errors.png', state: 'referral-errors' },
	{ file: 'referral-confirmation.png', state: 'referral-confirmation' },
	{ file: 'referral-phone.png', state: 'referral-empty', ...PHONE },
	// Wide, and tall enough to show the first form's counts under the
	// download form.
	{ file: 'admin-dashboard.png', state: 'admin-dashboard', viewport: { width: 1280, height: 1200 } },
];

export const tests = process.env.VAWG_UPDATE_DOC_SCREENSHOTS === '1' ? [{
	name: 'docs screenshots updated',
	async run(ctx) {
		mkdirSync(DOCS, { recursive: true });
		for (const s of SHOTS) {
			await withBrowser({ label: 'docs', viewport: s.viewport, deviceScaleFactor: s.deviceScaleFactor }, async ({ page }) => {
				await STATES.find((x) => x.name === s.state).open(page);
				await page.screenshot({ path: path.join(DOCS, s.file), animations: 'disabled', timeout: 15000 });
			});
		}
		ctx.figures.docs_screenshots = SHOTS.map((s) => `docs/screenshots/${s.file}`).join(' ');
	},
}] : [];
