// Reflow at the current viewport (320 CSS px, or 200% zoom): no horizontal
// scrolling, nothing visible sticking out to the right, and the Leave this
// site button on screen at the top and still on screen after scrolling to
// the end of the page (the bar is sticky).
export async function reflowProblems(page) {
	const out = await page.evaluate(() => {
		const probs = [];
		const vw = document.documentElement.clientWidth;
		const sw = document.documentElement.scrollWidth;
		if (sw > vw) probs.push(`page is ${sw}px wide in a ${vw}px viewport: horizontal scrolling`);
		for (const el of document.body.querySelectorAll('*')) {
			if (el.closest('.hp, .skip-link, .visually-hidden')) continue;
			if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
			const r = el.getBoundingClientRect();
			if (r.width > 0 && r.height > 0 && r.right > vw + 1) {
				probs.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).split(' ')[0] : ''} ends at ${Math.round(r.right)}px (viewport ${vw}px)`);
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
