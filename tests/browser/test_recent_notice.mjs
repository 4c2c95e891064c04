// A recent assault: choosing "in the last 7 days" shows the 24-hour help at
// once, before anything is sent (and the under-18 note the same way).
import { checkNotices } from './lib/notice.mjs';

export const tests = [{
	name: 'referral: the 24-hour help shows at once when chosen (keyboard)',
	journey: true,
	async run(ctx) {
		const n = await checkNotices(await ctx.page('main'), 'referral', true);
		ctx.figures.notices_checked = n;
	},
}];
