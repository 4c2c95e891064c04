/*
 * exit.js: the quick exit, and focus on the error summary.
 *
 * The "Leave this site" link already works without JavaScript: it goes to
 * /exit, which sends Clear-Site-Data and redirects to a neutral site. With
 * JavaScript, the same route is opened with location.replace(), so this page
 * is replaced in the tab's history instead of added to it, and the Back button
 * does not return here. Pressing Shift three times within two seconds (with
 * no other key between, and ignoring a held-down key's repeats) does the same.
 *
 * No dependencies, no network calls of its own, no storage.
 */
(function () {
	'use strict';

	var EXIT_URL = '/exit';
	var PRESSES = 3;
	var WINDOW_MS = 2000;
	var times = [];

	function leave() {
		window.location.replace(EXIT_URL);
	}

	var link = document.getElementById('leave-site');
	if (link) {
		link.addEventListener('click', function (event) {
			event.preventDefault();
			leave();
		});
	}

	document.addEventListener('keydown', function (event) {
		if (event.key !== 'Shift') {
			times = [];
			return;
		}
		if (event.repeat) {
			return;
		}
		var now = Date.now();
		times.push(now);
		while (times.length > 0 && now - times[0] > WINDOW_MS) {
			times.shift();
		}
		if (times.length >= PRESSES) {
			times = [];
			leave();
		}
	}, true);

	var summary = document.getElementById('error-summary');
	if (summary) {
		summary.focus();
	}

	/*
	 * A page that answers a POST (the confirmation, or the form again with
	 * errors) is a history entry that carries the whole request body: every
	 * answer, in plain text. Chromium writes it to its session-restore files
	 * on disk (to offer "Confirm form resubmission" later). Replacing the
	 * entry with itself turns it into a plain GET entry with no body, so the
	 * answers are not kept; Reload then asks for the empty form instead of
	 * sending the answers again. Same URL, no new entry: history.length does
	 * not change. Without JavaScript the body stays in the entry; the safety
	 * page's advice (private window, clear history) covers that case.
	 */
	if (window.history && typeof window.history.replaceState === 'function') {
		try {
			window.history.replaceState(null, '', window.location.href);
		} catch (e) {
			/* nothing to do: the page works the same */
		}
	}
}());
