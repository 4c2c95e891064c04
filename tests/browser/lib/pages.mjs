// Every page in every state that the checks visit, and the checks run on
// each.  A new page is one entry in STATES: a name, how to open it and, if
// it has one, the id of the element that must hold the focus once it has
// loaded.  The admin pages (issue 3) are entries like any other.
import { goto, submitMistakes, submitValid } from './journey.mjs';
import { NARROW, WIDE, ZOOM200, setView } from './browser.mjs';
import { axeViolations } from '../checks/axe.mjs';
import { labelProblems } from '../checks/labels.mjs';
import { reflowProblems, wideFitProblems } from '../checks/reflow.mjs';
import { tabWalk, focusVisibleProblems, focusHiddenProblems } from '../checks/focus.mjs';
import { screenshot } from '../checks/screenshot.mjs';
import { form, noticeOptions } from './forms.mjs';
import { loginMistake, dashboardWithData, dashboardPerDay, reauthPage, reauthMistake } from './admin.mjs';

// Choose every option that carries a notice, so the confirmation shows them.
const withNotices = (name) => (f) => noticeOptions(form(name)).find((n) => n.field.name === f.name)?.option.value;

export const STATES = [
	{ name: 'home', open: (p) => goto(p, '/') },
	{ name: 'safety', open: (p) => goto(p, '/safety') },
	{ name: 'not-found', open: (p) => goto(p, '/no-such-page', 404) },
	{ name: 'consultation-empty', open: (p) => goto(p, '/consultation') },
	{ name: 'consultation-errors', focus: 'error-summary', open: (p) => submitMistakes(p, 'consultation') },
	{ name: 'consultation-confirmation', open: (p) => submitValid(p, 'consultation') },
	{ name: 'referral-empty', open: (p) => goto(p, '/referral') },
	{ name: 'referral-errors', focus: 'error-summary', open: (p) => submitMistakes(p, 'referral') },
	// Sent before the minimum fill time: the general message and the
	// field errors share one box.
	{ name: 'referral-too-quick', focus: 'error-summary', open: (p) => submitMistakes(p, 'referral', { wait: false }) },
	{ name: 'referral-confirmation', open: (p) => submitValid(p, 'referral', { choose: withNotices('referral') }) },
	// Visited by test_closed.mjs while the consultation is closed.
	{ name: 'consultation-closed', when: 'closed', open: (p) => goto(p, '/consultation') },
	{ name: 'home-closed', when: 'closed', open: (p) => goto(p, '/') },
	// The admin pages (lib/admin.mjs).  Each browser signs in once, as an
	// administrator of its own, the first time it needs the dashboard.
	{ name: 'admin-login-empty', open: (p) => goto(p, '/admin/login') },
	{ name: 'admin-login-errors', focus: 'error-summary', open: (p) => loginMistake(p) },
	// At least one response to each form and one download in the log.
	{ name: 'admin-dashboard', open: (p) => dashboardWithData(p) },
	{ name: 'admin-dashboard-per-day', open: (p) => dashboardPerDay(p) },
	// An export asked for long after signing in: the password again.
	{ name: 'admin-reauth', open: (p) => reauthPage(p) },
	{ name: 'admin-reauth-errors', focus: 'error-summary', open: (p) => reauthMistake(p) },
];

// How each view is checked.  200% zoom: see ZOOM200 in browser.mjs.
export const VIEWS = [
	{ name: 'wide', browser: 'main', size: WIDE, checks: ['screenshot', 'axe', 'labels', 'fit', 'focus'] },
	{ name: 'narrow', browser: 'main', size: NARROW, checks: ['screenshot', 'axe', 'labels', 'reflow', 'focus'] },
	{ name: 'zoom200', browser: 'zoom', size: ZOOM200, checks: ['screenshot', 'axe', 'reflow', 'focus'] },
];

export const tally = { pages: 0, axeRuns: 0, axeViolations: 0, focusStops: 0, screenshots: 0 };

// Opens the state in each browser its views need (ctx.page('main') or
// ctx.page('zoom')) and runs every check of every view on it; returns the
// problems found, each prefixed with its view and check.
export async function checkState(ctx, state) {
	const problems = [];
	tally.pages++;
	for (const kind of [...new Set(VIEWS.map((v) => v.browser))]) {
		const page = await ctx.page(kind);
		await setView(page, VIEWS.find((v) => v.browser === kind).size);
		await state.open(page);
		if (state.focus) {
			const has = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
			if (has !== state.focus) problems.push(`[${kind}] focus is on ${has}, not #${state.focus}`);
		}
		for (const view of VIEWS.filter((v) => v.browser === kind))
			problems.push(...await checkView(page, state.name, view));
	}
	return problems;
}

async function checkView(page, stateName, view) {
	const problems = [];
	await setView(page, view.size);
	const add = (check, list) => problems.push(...list.map((x) => `[${view.name} ${check}] ${x}`));
	for (const check of view.checks) {
		if (check === 'axe') {
			const v = await axeViolations(page);
			tally.axeRuns++;
			tally.axeViolations += v.length;
			add('axe', v);
		} else if (check === 'labels') {
			add('labels', await labelProblems(page));
		} else if (check === 'reflow') {
			add('reflow', await reflowProblems(page));
		} else if (check === 'fit') {
			add('fit', await wideFitProblems(page));
		} else if (check === 'focus') {
			const stops = await tabWalk(page);
			tally.focusStops += stops.length;
			add('focus-visible', focusVisibleProblems(stops));
			add('focus-hidden', focusHiddenProblems(stops));
		} else if (check === 'screenshot') {
			await screenshot(page, `${stateName}-${view.name}`);
			tally.screenshots++;
		}
	}
	return problems;
}
