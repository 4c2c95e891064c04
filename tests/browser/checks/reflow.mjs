// Reflow at the current viewport (320 CSS px, or 200% zoom): no horizontal
// scrolling, nothing visible sticking out to the right, and the Leave this
// site button on screen at the top and still on screen after scrolling to
// the end of the page (the bar is sticky).
//
// A data table may be wider than the screen (WCAG 1.4.10 exempts
// two-dimensional content) only inside a box of its own that scrolls
// sideways, fits the viewport, takes the keyboard focus (tabindex="0", so
// the arrow keys scroll it) and has a name (aria-label or
// aria-labelledby).  What is inside such a box is not counted as sticking
// out; a box that scrolls sideways without the focus or a name is a
// problem.
export async function reflowProblems(page) {
	const out = await page.evaluate(() => {
		const probs = [];
		const vw = document.documentElement.clientWidth;
		const sw = document.documentElement.scrollWidth;
		if (sw > vw) probs.push(`page is ${sw}px wide in a ${vw}px viewport: horizontal scrolling`);
		const what = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).split(' ')[0] : ''}`;
		const scrollers = [];
		for (const el of document.body.querySelectorAll('*')) {
			const ox = getComputedStyle(el).overflowX;
			if ((ox !== 'auto' && ox !== 'scroll') || el.scrollWidth <= el.clientWidth) continue;
			if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
			const r = el.getBoundingClientRect();
			if (r.right > vw + 1) continue;		// sticks out itself: reported below
			scrollers.push(el);
			const name = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
				.map((id) => document.getElementById(id)?.textContent.trim() || '').join(' ').trim() ||
				(el.getAttribute('aria-label') || '').trim();
			if (el.tabIndex < 0 || !el.hasAttribute('tabindex'))
				probs.push(`${what(el)} scrolls sideways but cannot take the keyboard focus (no tabindex="0")`);
			if (!name) probs.push(`${what(el)} scrolls sideways but has no name (aria-label or aria-labelledby)`);
		}
		for (const el of document.body.querySelectorAll('*')) {
			if (el.closest('.hp, .skip-link, .visually-hidden')) continue;
			if (scrollers.some((s) => s !== el && s.contains(el))) continue;
			if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
			const r = el.getBoundingClientRect();
			if (r.width > 0 && r.height > 0 && r.right > vw + 1) {
				probs.push(`${what(el)} ends at ${Math.round(r.right)}px (viewport ${vw}px)`);
				if (probs.length > 8) break;
			}
		}
		return probs;
	});
	const leaveOnScreen = async (where) => {
		const r = await page.evaluate(() => {
			const a = document.getElementById('leave-site');
			if (!a) return 'missing';
			const b = a.getBoundingClientRect();
			if (b.top < 0 || b.bottom > innerHeight || b.left < 0 || b.right > innerWidth) return `at ${Math.round(b.left)},${Math.round(b.top)} ${Math.round(b.width)}x${Math.round(b.height)}`;
			const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
			return a.contains(hit) ? 'ok' : 'covered';
		});
		if (r !== 'ok') out.push(`Leave this site ${where}: ${r}`);
	};
	await page.evaluate(() => window.scrollTo(0, 0));
	await leaveOnScreen('at the top');
	await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
	await leaveOnScreen('at the end of the page');
	await page.evaluate(() => window.scrollTo(0, 0));
	return out;
}

// At full width (1280 CSS px) nothing needs a scroll box: a table that
// scrolls sideways there hides columns from most readers.
export async function wideFitProblems(page) {
	return page.evaluate(() => {
		const probs = [];
		const vw = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth > vw)
			probs.push(`page is ${document.documentElement.scrollWidth}px wide in a ${vw}px viewport`);
		for (const el of document.body.querySelectorAll('*')) {
			const ox = getComputedStyle(el).overflowX;
			if ((ox === 'auto' || ox === 'scroll') && el.scrollWidth > el.clientWidth + 1 &&
			    el.checkVisibility({ opacityProperty: true, visibilityProperty: true }))
				probs.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} scrolls sideways at full width (${el.scrollWidth}px of content in ${el.clientWidth}px)`);
		}
		return probs;
	});
}
