// Every input a person can reach has a label they can see: its own <label>
// (and, for a radio or checkbox, its group's <legend> too), with text, on
// screen, not clipped away as screen-reader-only text.  The honeypot, hidden
// from people and assistive technology and out of the tab order, is the one
// exception.
export async function labelProblems(page) {
	return page.evaluate(() => {
		const shown = (el) => {
			if (!el || !el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
			const r = el.getBoundingClientRect();
			const cs = getComputedStyle(el);
			const clipped = cs.clipPath.startsWith('inset(50%') || (cs.clip && cs.clip !== 'auto');
			return r.width > 2 && r.height > 2 && !clipped && r.right > 0 && r.left < innerWidth &&
				el.textContent.trim().length > 0;
		};
		const out = [];
		let n = 0;
		for (const el of document.querySelectorAll('input, select, textarea')) {
			if (el.type === 'hidden') continue;
			if (el.closest('[aria-hidden="true"]') && el.tabIndex === -1) continue;	// honeypot
			n++;
			const what = `${el.tagName.toLowerCase()}[name=${el.name}]${el.value && (el.type === 'radio' || el.type === 'checkbox') ? `[value=${el.value}]` : ''}`;
			const labels = [...(el.labels || [])];
			if (!labels.length) { out.push(`${what}: no <label>`); continue; }
			if (!labels.some(shown)) out.push(`${what}: its label is not visible`);
			if (el.type === 'radio' || el.type === 'checkbox') {
				const legend = el.closest('fieldset')?.querySelector('legend');
				if (!shown(legend)) out.push(`${what}: its group has no visible legend`);
			}
		}
		if (n === 0 && document.querySelector('form[method="post"]')) out.push('a form with no inputs');
		return out;
	});
}
