#!/usr/bin/env node
// tests/browser/run.mjs: the real-browser tests.  run.sh starts the stack
// and exports its settings; this runs every test module in order against
// it, with Debian's Chromium driven by playwright-core, and prints
//
//     ok   name            or   FAIL name: what a person would meet
//     figure: value        (what the run measured)
//     N passed, N failed   (last line; exit status 0 only when none failed)
//
// Usage: node tests/browser/run.mjs [-k TEXT]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, monitor, closeAll, ZOOM200 } from './lib/browser.mjs';
import { startNeutral, startProxy } from './lib/neutral.mjs';
import { NEUTRAL_PORT } from './lib/stack.mjs';
import { figures, printFigures } from './lib/figures.mjs';

const MODULES = [
	'test_checks_work.mjs',		// the checks can fail
	'test_pages.mjs',		// every page state: axe, labels, reflow, focus, screenshots
	'test_keyboard_consultation.mjs',
	'test_referral_errors.mjs',
	'test_recent_notice.mjs',
	'test_closed.mjs',
	'test_no_js.mjs',
	'test_quick_exit.mjs',
	'test_clear_site_data.mjs',
	'test_no_traces.mjs',
	'test_docs_screenshots.mjs',	// only with VAWG_UPDATE_DOC_SCREENSHOTS=1
	'test_monitors.mjs',		// last: console errors, CSP, foreign requests over the whole run
];
const RUN_BUDGET_MS = 450000;		// the whole run (a quiet machine needs about 150 s; a loaded one twice that); run.sh adds a hard limit
const TEST_TIMEOUT_MS = 60000;		// any one test

const out = (s) => process.stdout.write(s + '\n');
const oneLine = (e) => (e && e.message ? e.message : String(e)).split('\n').map((x) => x.trimEnd()).join('\n  ');

async function main() {
	const only = process.argv[2] === '-k' ? process.argv[3] || '' : '';
	const started = Date.now();
	let passed = 0, failed = 0;
	monitor.tmp = mkdtempSync(path.join(os.tmpdir(), 'vawg-br-profiles.'));
	const neutral = await startNeutral(NEUTRAL_PORT);
	monitor.proxy = await startProxy();

	const shared = {};
	const ctx = {
		neutral,
		figures,
		// The shared browsers: 'main' (JavaScript on, 1280 x 800, resized
		// to 320 wide by the checks) and 'zoom' (200% zoom, see browser.mjs).
		async page(kind = 'main') {
			if (!shared[kind]) shared[kind] = await launch(kind === 'zoom'
				? { label: 'zoom', viewport: { width: ZOOM200.width, height: ZOOM200.height }, deviceScaleFactor: ZOOM200.deviceScaleFactor }
				: { label: kind });
			return shared[kind].page;
		},
		async mainPage() {
			return ctx.page('main');
		},
		async resetShared() {
			for (const k of Object.keys(shared)) {
				await shared[k].close();
				delete shared[k];
			}
		},
	};

	const tests = [];
	for (const m of MODULES) {
		try {
			const mod = await import(`./${m}`);
			for (const t of mod.tests) if (!only || t.name.includes(only)) tests.push(t);
		} catch (e) {
			out(`FAIL load ${m}: ${oneLine(e)}`);
			failed++;
		}
	}
	let journeys = 0, journeysPassed = 0;
	for (const t of tests) {
		if (t.journey) journeys++;
		if (Date.now() - started > RUN_BUDGET_MS) {
			out(`FAIL ${t.name}: not run, the run's ${RUN_BUDGET_MS / 1000}s budget is spent`);
			failed++;
			continue;
		}
		let timer;
		const t0 = Date.now();
		try {
			await Promise.race([
				t.run(ctx),
				new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`took longer than ${(t.timeout || TEST_TIMEOUT_MS) / 1000}s`)), t.timeout || TEST_TIMEOUT_MS); }),
			]);
			out(`ok   ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
			passed++;
			if (t.journey) journeysPassed++;
		} catch (e) {
			out(`FAIL ${t.name}: ${oneLine(e)}`);
			failed++;
			await ctx.resetShared().catch(() => {});	// fresh browsers for the next test
			await closeAll();
		} finally {
			clearTimeout(timer);
		}
	}
	await ctx.resetShared().catch(() => {});
	await closeAll();
	figures.journeys_passed = `${journeysPassed} of ${journeys}`;
	printFigures(out);
	await neutral.close();
	await monitor.proxy.close();
	if (failed === 0) rmSync(monitor.tmp, { recursive: true, force: true });
	else out(`kept: ${monitor.tmp} (browser profiles)`);
	out(`seconds: ${((Date.now() - started) / 1000).toFixed(1)}`);
	out(`${passed} passed, ${failed} failed`);
	return failed === 0 ? 0 : 1;
}

main().then((rc) => process.exit(rc), (e) => {
	out(`FAIL runner: ${oneLine(e)}`);
	out('0 passed, 1 failed');
	process.exit(1);
});
