// The figures the run prints as "name: value" lines, in this order.
// Tests fill them in; one never measured prints "not measured".
import { tally } from './pages.mjs';

export const figures = {
	pages_checked: null,
	axe_runs: null,
	axe_violations: null,
	focus_stops_checked: null,
	journeys_passed: null,
	history_delta_on_exit: null,
	canary_hits_profile: null,
	history_titles: null,
	console_errors: null,
	csp_violations: null,
	foreign_requests: null,
	browser_background_requests: null,
	favicon_404: null,
};

export function printFigures(out) {
	figures.pages_checked = tally.pages;
	figures.axe_runs = tally.axeRuns;
	figures.axe_violations = tally.axeViolations;
	figures.focus_stops_checked = tally.focusStops;
	for (const [k, v] of Object.entries(figures))
		out(`${k}: ${v === null || v === undefined ? 'not measured' : v}`);
}
