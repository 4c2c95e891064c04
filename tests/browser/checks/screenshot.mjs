// A full-page screenshot of the page as it is, for a reviewer:
// tests/artifacts/screenshots/STATE-VIEW.png (git ignores tests/artifacts/).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../lib/stack.mjs';

export const SHOTS = path.join(REPO, 'tests', 'artifacts', 'screenshots');

export async function screenshot(page, name) {
	mkdirSync(SHOTS, { recursive: true });
	const file = path.join(SHOTS, `${name}.png`);
	// scale 'css': one image pixel per CSS pixel, so 200% zoom's long pages stay small.
	await page.screenshot({ path: file, fullPage: true, scale: 'css', timeout: 15000, animations: 'disabled' });
	return file;
}
