// Last, over everything the run did in every browser: no console errors, no
// Content-Security-Policy violations, no request to any host but 127.0.0.1.
//
// Two kinds of console line are Chromium reporting an HTTP status, not a
// fault of the page, and are counted apart:
//  - "Failed to load resource: ... 404/422/403" for a document the test
//    asked for with that status on purpose (the 404 page, a form with
//    errors, a closed form);
//  - the same for /favicon.ico, which Chromium asks for by itself and the
//    site does not serve (printed as favicon_404; see the report).
// Requests Chromium makes for itself (its updater, sign-in, autofill
// servers), caught by the recording proxy, are printed as
// browser_background_requests: no page asked for them.
import { monitor, SELFTEST } from './lib/browser.mjs';

// Everything but what the monitors' own self-test did on purpose.
const real = (list) => list.filter((e) => e.where !== SELFTEST);

const STATUS_LINE = /^Failed to load resource: the server responded with a status of (\d+)/;

function classify() {
	const expected = [], favicon = [], errors = [];
	for (const e of real(monitor.consoleErrors)) {
		const m = STATUS_LINE.exec(e.text);
		if (m && e.source.endsWith('/favicon.ico')) favicon.push(e);
		else if (m && monitor.expectedStatus.some((x) => x.url === e.source && String(x.status) === m[1])) expected.push(e);
		else errors.push(e);
	}
	return { expected, favicon, errors };
}

const show = (list, f) => list.slice(0, 8).map(f).join('\n  ') + (list.length > 8 ? `\n  ... and ${list.length - 8} more` : '');

export const tests = [{
	name: 'no console errors on any page',
	async run(ctx) {
		const { expected, favicon, errors } = classify();
		ctx.figures.console_errors = errors.length;
		ctx.figures.favicon_404 = favicon.length;
		ctx.figures.status_lines_expected = expected.length;
		if (errors.length) throw new Error(show(errors, (e) => `${e.where} ${e.page}: ${e.text}`));
	},
}, {
	name: 'no Content-Security-Policy violations on any page',
	async run(ctx) {
		const csp = real(monitor.csp);
		ctx.figures.csp_violations = csp.length;
		if (csp.length) throw new Error(show(csp, (e) => `${e.where} ${e.page}: ${e.directive} ${e.blocked || e.text || ''}`));
	},
}, {
	name: 'no request to any host but 127.0.0.1 from any page',
	async run(ctx) {
		const foreign = real(monitor.foreign);
		const background = monitor.proxy.seen.filter((l) => !l.includes('foreign.invalid'));
		ctx.figures.foreign_requests = foreign.length;
		const hosts = [...new Set(background.map((l) => {
			const m = /^(?:CONNECT\s+([^:\s]+)|\S+\s+https?:\/\/([^/:\s]+))/.exec(l);
			return m ? m[1] || m[2] : l.slice(0, 40);
		}))];
		ctx.figures.browser_background_requests = `${background.length}${hosts.length ? ` (Chromium's own: ${hosts.join(', ')})` : ''}`;
		ctx.figures.page_loads_watched = monitor.pagesLoaded;
		if (foreign.length) throw new Error(show(foreign, (e) => `${e.where} ${e.page}: ${e.url}`));
	},
}];
