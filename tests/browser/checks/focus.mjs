// Walks the page with the Tab key alone, as a keyboard user does, and at
// each stop measures what the focus looks like.  Two checks read the walk:
// the focus is visible (WCAG 2.4.7: the element's own outline, shadow or
// colours change when it takes focus) and it is not hidden (WCAG 2.4.11:
// not off screen, not entirely under the sticky Leave this site bar).
const MAX_STOPS = 250;

async function probe(page) {
	return page.evaluate(() => {
		const el = document.activeElement;
		if (!el || el === document.body || el === document.documentElement) return null;
		const KEYS = ['outlineStyle', 'outlineWidth', 'outlineColor', 'boxShadow', 'backgroundColor',
			'color', 'textDecorationLine', 'borderTopColor', 'borderBottomColor'];
		const snap = (e) => { const cs = getComputedStyle(e); return Object.fromEntries(KEYS.map((k) => [k, cs[k]])); };
		const label = el.labels && el.labels[0];
		const focused = snap(el);
		const focusedLabel = label ? snap(label) : null;
		// What is on screen where the element is, sampled at five points.
		const r = el.getBoundingClientRect();
		const pts = [[0.5, 0.5], [0.1, 0.1], [0.9, 0.1], [0.1, 0.9], [0.9, 0.9]];
		let seen = 0;
		for (const [fx, fy] of pts) {
			const x = r.left + r.width * fx, y = r.top + r.height * fy;
			if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
			const hit = document.elementFromPoint(x, y);
			if (hit && (el.contains(hit) || hit.contains(el) || (label && label.contains(hit)))) seen++;
		}
		el.blur();
		const plain = snap(el);
		const plainLabel = label ? snap(label) : null;
		el.focus({ preventScroll: true });
		const changed = KEYS.filter((k) => focused[k] !== plain[k]);
		const labelChanged = label ? KEYS.filter((k) => focusedLabel[k] !== plainLabel[k]) : [];
		const visibleOutline = focused.outlineStyle !== 'none' && parseFloat(focused.outlineWidth) >= 2 &&
			!/rgba\(\d+, \d+, \d+, 0\)|transparent/.test(focused.outlineColor);
		const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
			(el.name ? `[name=${el.name}]` : '') + (el.getAttribute('href') ? `[href=${el.getAttribute('href')}]` : '') +
			(el.type === 'radio' || el.type === 'checkbox' ? `[value=${el.value}]` : '');
		// Two links may look alike: the key is the element's place in the document.
		const key = [...document.querySelectorAll('*')].indexOf(el);
		return { name, key, changed, labelChanged, visibleOutline, seen, rect: [r.left, r.top, r.width, r.height].map(Math.round) };
	});
}

// Tabs from the top of the page to the end, then gives the focus back to
// where it was (the error summary keeps it), so that later checks see the
// page as a person who has not pressed a key does.
export async function tabWalk(page) {
	const before = await page.evaluate(() => {
		const a = document.activeElement;
		const key = a && a !== document.body ? [...document.querySelectorAll('*')].indexOf(a) : -1;
		window.scrollTo(0, 0);
		a?.blur?.();
		return key;
	});
	const stops = [];
	const seen = new Set();
	let last = null;
	try {
		for (let i = 0; i < MAX_STOPS; i++) {
			await page.keyboard.press('Tab');
			// A date input takes Tab once per part (day, month, year)
			// while staying the focused element: one stop, not a wrap.
			// It is not probed again, because the probe's blur and
			// focus would put its caret back on the first part.
			if (last !== null && await page.evaluate((k) => {
				const a = document.activeElement;
				return a && a !== document.body && [...document.querySelectorAll('*')].indexOf(a) === k;
			}, last)) continue;
			const p = await probe(page);
			if (!p) { if (stops.length) break; continue; }	// past the last stop
			if (seen.has(p.key)) break;			// wrapped round
			seen.add(p.key);
			last = p.key;
			stops.push(p);
		}
	} finally {
		await page.evaluate((key) => {
			document.activeElement?.blur?.();
			if (key >= 0) document.querySelectorAll('*')[key]?.focus({ preventScroll: true });
			window.scrollTo(0, 0);
		}, before);
	}
	return stops;
}

export function focusVisibleProblems(stops) {
	const out = [];
	for (const s of stops) {
		const indicator = s.changed.some((k) => k === 'boxShadow' || k === 'backgroundColor') ||
			(s.visibleOutline && s.changed.some((k) => k.startsWith('outline')));
		if (!indicator) out.push(`${s.name}: no visible change on focus (changed: ${s.changed.join(', ') || 'nothing'})`);
	}
	if (!stops.length) out.push('no element takes focus with Tab');
	return out;
}

export function focusHiddenProblems(stops) {
	return stops.filter((s) => s.seen === 0)
		.map((s) => `${s.name}: focused but not visible on screen (hidden or under the Leave bar; box ${s.rect.join(',')})`);
}
