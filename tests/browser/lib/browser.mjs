// Launching Debian's Chromium through playwright-core, each time with a
// fresh profile folder, and watching every page of every context for
// console errors, Content-Security-Policy violations and requests to any
// host but loopback.  Never downloads a browser.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
	'--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
export const WIDE = { width: 1280, height: 800 };
export const NARROW = { width: 320, height: 640 };
// 200% zoom of a 1280 x 800 window.  Chromium's page zoom makes every CSS
// pixel two device pixels: the page sees innerWidth 640 and
// devicePixelRatio 2, and lays out (media queries, rem, wrapping) exactly as
// in a 640 x 400 viewport at deviceScaleFactor 2, which is what this is.
// Headless Chromium has no zoom control of its own to drive instead.
export const ZOOM200 = { width: 640, height: 400, deviceScaleFactor: 2 };

const LOOPBACK = new Set(['127.0.0.1']);
// The label of the browser in which test_checks_work.mjs breaks things on
// purpose; the closing counts leave it out.
export const SELFTEST = 'monitor-selftest';

// What every context saw, for the closing figures.
export const monitor = {
	consoleErrors: [],	// { where, page, text }
	csp: [],		// { where, page, directive, blocked }
	foreign: [],		// { where, page, url }
	expectedStatus: [],	// { url, status } documents asked for with that status
	pagesLoaded: 0,
	proxy: null,		// the recording proxy (neutral.mjs)
	tmp: null,		// folder for profiles
	open: new Set(),	// browsers not closed yet
};

// Closes every browser still open (after a test failed or timed out).
export async function closeAll() {
	for (const b of [...monitor.open]) await b.close().catch(() => {});
}

let seq = 0;

function instrument(context, label) {
	context.on('console', (msg) => {
		if (msg.type() !== 'error') return;
		const text = msg.text();
		const entry = { where: label, page: msg.page()?.url() ?? '', text, source: msg.location()?.url ?? '' };
		monitor.consoleErrors.push(entry);
		if (/Content.Security.Policy/i.test(text)) monitor.csp.push({ ...entry, directive: 'console' });
	});
	context.on('weberror', (e) => monitor.consoleErrors.push({
		where: label, page: e.page()?.url() ?? '', text: 'uncaught: ' + String(e.error()) }));
	context.on('request', (req) => {
		const u = req.url();
		if (/^(data|about|blob):/.test(u)) return;
		let host = '';
		try { host = new URL(u).hostname; } catch { /* keep '' */ }
		if (!LOOPBACK.has(host)) monitor.foreign.push({ where: label, page: req.frame()?.url?.() ?? '', url: u });
	});
	context.on('framenavigated', (f) => { if (!f.parentFrame()) monitor.pagesLoaded++; });
}

// A new Chromium with a fresh profile.  opts: label, js (default true),
// viewport, deviceScaleFactor.  Returns { context, page, profileDir, close }.
export async function launch(opts = {}) {
	const label = opts.label || 'browser';
	const profileDir = path.join(monitor.tmp, `profile-${++seq}-${label}`);
	mkdirSync(profileDir, { recursive: true });
	const args = [...ARGS];
	if (monitor.proxy) args.push(`--proxy-server=http://127.0.0.1:${monitor.proxy.port}`);
	const js = opts.js !== false;
	const context = await chromium.launchPersistentContext(profileDir, {
		executablePath: CHROMIUM,
		headless: true,
		args,
		timeout: 30000,
		viewport: opts.viewport || WIDE,
		deviceScaleFactor: opts.deviceScaleFactor || 1,
		javaScriptEnabled: js,
		locale: 'en-GB',
		colorScheme: 'light',
		reducedMotion: 'reduce',
	});
	context.setDefaultTimeout(10000);
	context.setDefaultNavigationTimeout(15000);
	instrument(context, label);
	if (js) {
		// Content-Security-Policy violations as the page sees them.
		// (With JavaScript off, Chromium's console message still counts.)
		await context.exposeBinding('__vawgCspViolation', (src, v) => {
			monitor.csp.push({ where: label, page: src.page?.url() ?? '', ...v });
		});
		await context.addInitScript(() => {
			document.addEventListener('securitypolicyviolation', (e) => {
				window.__vawgCspViolation({ directive: e.effectiveDirective,
					blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber });
			}, true);
		});
	}
	const page = context.pages()[0] || await context.newPage();
	let closed = false;
	const b = {
		context, page, profileDir, label,
		async close() {
			if (closed) return;
			closed = true;
			monitor.open.delete(b);
			await Promise.race([context.close(), new Promise((r) => setTimeout(r, 15000))]);
		},
	};
	monitor.open.add(b);
	return b;
}

// Runs fn with a fresh browser and always closes it.
export async function withBrowser(opts, fn) {
	const b = await launch(opts);
	try {
		return await fn(b);
	} finally {
		await b.close();
	}
}

// Sets the page's viewport (CSS px) and checks what the page sees.  The
// pixel ratio is the context's own: 200% zoom has its own browser, launched
// with ZOOM200 (see above), because Playwright cannot change the ratio of
// an open page.
export async function setView(page, size) {
	const vs = page.viewportSize();
	if (!vs || vs.width !== size.width || vs.height !== size.height)
		await page.setViewportSize({ width: size.width, height: size.height });
	const got = await page.evaluate(() => [innerWidth, devicePixelRatio]);
	if (got[0] !== size.width || got[1] !== (size.deviceScaleFactor || 1))
		throw new Error(`viewport ${got[0]} CSS px at ratio ${got[1]}, wanted ${size.width} at ${size.deviceScaleFactor || 1}`);
}
