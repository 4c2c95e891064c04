// Every page in every state (lib/pages.mjs), each checked wide, at 320 CSS
// px and at 200% zoom: axe-core at WCAG 2.2 A and AA, visible labels,
// reflow without horizontal scrolling, a visible and unhidden focus at every
// Tab stop, and screenshots.
import { STATES, checkState } from './lib/pages.mjs';

export const tests = STATES.filter((s) => !s.when).map((s) => ({
	name: `page ${s.name}`,
	async run(ctx) {
		const problems = await checkState(ctx, s);
		if (problems.length) throw new Error(problems.join('\n  '));
	},
}));
