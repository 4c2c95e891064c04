// The admin side in the browser: enrolling administrators, signing in as a
// person does (username, password, the 6-digit code), and bringing the
// dashboard to the states the page checks visit.
//
// A TOTP code works only once per account, and every browser that signs in
// needs its own code: each sign-in here enrols a fresh administrator with
// `vawgctl add-admin` (a tenth of a second), so no sign-in ever waits for
// the next 30-second step and none can take another's code.
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { VAR, psql, sqlText } from './stack.mjs';
import { goto, submit, submitValid } from './journey.mjs';

const BIN = process.env.VAWG_BIN || path.resolve(new URL('../../../build', import.meta.url).pathname);
const OWNER_DB = `host=${path.join(VAR, 'run')} dbname=vawg user=postgres connect_timeout=10`;
const SECRETS = path.join(VAR, 'br-admins');	// 0700, inside the run's throwaway folder

// RFC 6238 (SHA-1, 30 s, 6 digits) from a base32 secret.
export function totp(secretB32, when = Date.now()) {
	const s = secretB32.trim().toUpperCase().replace(/=+$/, '');
	const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = '';
	for (const ch of s) {
		const v = ALPHA.indexOf(ch);
		if (v < 0) throw new Error(`TOTP secret is not base32 (${JSON.stringify(ch)})`);
		bits += v.toString(2).padStart(5, '0');
	}
	const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(Math.floor(when / 30000)));
	const mac = createHmac('sha1', key).update(msg).digest();
	const o = mac[mac.length - 1] & 0x0f;
	return String((mac.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

let enrolled = 0;

// A new administrator: { name, password, secret }.
export function enrol(prefix = 'br') {
	mkdirSync(SECRETS, { recursive: true, mode: 0o700 });
	const name = `${prefix}${++enrolled}-${process.pid.toString(36)}${Date.now().toString(36).slice(-3)}`.toLowerCase();
	const pw = path.join(SECRETS, `${name}.pw`), tf = path.join(SECRETS, `${name}.totp`);
	const out = execFileSync(path.join(BIN, 'vawgctl'), ['add-admin', '--user', name, '--db', OWNER_DB, '--keys', path.join(VAR, 'keys'),
		'--password-out', pw, '--totp-out', tf], { timeout: 60000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	if (!out.includes('otpauth://totp/')) throw new Error(`vawgctl add-admin --user ${name} printed no otpauth:// URI`);
	return { name, password: readFileSync(pw, 'utf8').trim(), secret: readFileSync(tf, 'utf8').trim() };
}

// Who is signed in in each browser context (the session cookie lives there).
const signedIn = new WeakMap();

// Signs in through the form (username, password, the code of the moment),
// as a person does; fails unless the browser lands on the dashboard.
export async function signIn(page, acct = enrol()) {
	await goto(page, '/admin/login');
	await page.fill('#f-username', acct.name);
	await page.fill('#f-password', acct.password);
	await page.fill('#f-code', totp(acct.secret));
	const status = await submit(page);	// the POST's answer: 303 to the dashboard
	const where = new URL(page.url()).pathname;
	const h1 = (await page.locator('h1').innerText()).trim();
	if (status !== 303 || where !== '/admin/' || h1 !== 'Responses and referrals')
		throw new Error(`signing in as ${acct.name}: status ${status}, then "${h1}" at ${where}, not the dashboard`);
	signedIn.set(page.context(), acct);
	return acct;
}

// The dashboard, signing in first if this browser has no live session.
export async function openDashboard(page) {
	const status = await goto(page, '/admin/', null);
	if (status !== 200 || new URL(page.url()).pathname !== '/admin/' || !signedIn.get(page.context())) {
		await signIn(page);
	}
	return signedIn.get(page.context());
}

// The login form sent with a wrong password: the 401 page with its error
// summary.  An unknown user, so no real account collects a failure.
export async function loginMistake(page) {
	await goto(page, '/admin/login');
	await page.fill('#f-username', 'nobody-here');
	await page.fill('#f-password', 'not the password');
	await page.fill('#f-code', '000000');
	const status = await submit(page);
	if (status !== 401) throw new Error(`signing in with a wrong password: expected 401, got ${status}`);
}

const today = () => new Date().toISOString().slice(0, 10);

// The dashboard with something to show: at least one response to every
// form, and one download in the audit log (made here through the browser's
// own session, so the "Recent downloads" table has a row).
export async function dashboardWithData(page) {
	const counts = JSON.parse(psql(`SELECT coalesce(json_object_agg(f.name, (SELECT count(*) FROM vawg.submission s
	  JOIN vawg.form_version v ON v.id = s.version_id WHERE v.form_id = f.id)), '{}') FROM vawg.form f
	  WHERE f.closes_at IS NULL OR f.closes_at > now();`));
	for (const [name, n] of Object.entries(counts))
		if (Number(n) === 0) await submitValid(page, name);
	const acct = await openDashboard(page);
	const exports = Number(psql(`SELECT count(*) FROM vawg.audit_log WHERE action = 'export' AND actor = ${sqlText(acct.name)};`));
	if (exports === 0) {
		const form = Object.keys(counts)[0];
		const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
		const r = await page.context().request.post(page.url().replace(/\/admin\/.*$/, '') + '/admin/export', {
			form: { form, from: today(), to: today(), format: 'csv', _csrf: csrf }, timeout: 15000 });
		const body = await r.body();
		if (r.status() !== 200 || !/^text\/csv/.test(r.headers()['content-type'] || ''))
			throw new Error(`an export from the dashboard's session: status ${r.status()}, ${r.headers()['content-type']}`);
		if (!body.length) throw new Error('an export from the dashboard\'s session was empty');
		await goto(page, '/admin/');
	}
	const totals = await page.locator('.totals dd').allInnerTexts();
	if (!totals.length || !totals.some((t) => Number(t) > 0))
		throw new Error(`the dashboard shows no responses (totals: ${totals.join(', ') || 'none'})`);
	if (!(await page.locator('#recent-downloads-scroll tbody tr').count()))
		throw new Error('the dashboard lists no download after one was made');
	return acct;
}

// The same, with every "Per day, last 30 days" opened from the keyboard
// (the summary focused, then Enter), so the checks see the per-day tables.
export async function dashboardPerDay(page) {
	const acct = await dashboardWithData(page);
	const summaries = page.locator('details > summary');
	const n = await summaries.count();
	if (!n) throw new Error('the dashboard has no "Per day" disclosure');
	for (let i = 0; i < n; i++) {
		await summaries.nth(i).focus();
		await page.keyboard.press('Enter');
	}
	const open = await page.locator('details[open] table tbody tr').count();
	if (await page.locator('details:not([open])').count() || open < 30 * n)
		throw new Error(`pressing Enter on each "Per day" left ${await page.locator('details:not([open])').count()} closed, ${open} day rows shown`);
	await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
	return acct;
}

// The password asked again before an export: the sign-in is made older
// than VAWG_REAUTH_SECONDS (900 by default) in the database, then the
// dashboard's Download button is pressed.
export async function reauthPage(page) {
	const acct = await openDashboard(page);
	psql(`UPDATE vawg.admin_session SET authed_at = now() - interval '2 hours'
	  WHERE admin_id = (SELECT id FROM vawg.admin_user WHERE username = ${sqlText(acct.name)});`);
	await Promise.all([
		page.waitForURL(/\/admin\/export(\?|$)/, { timeout: 15000 }),
		page.click('form.export-form button[type="submit"]'),
	]);
	await page.waitForLoadState('load');
	const h1 = (await page.locator('h1').innerText()).trim();
	if (h1 !== 'Confirm it is you') throw new Error(`an export after an old sign-in shows "${h1}", not the password page`);
	return acct;
}

// The password page sent with a wrong password: 401 and its error summary.
export async function reauthMistake(page) {
	await reauthPage(page);
	await page.fill('#f-password', 'not the password');
	const status = await submit(page);
	if (status !== 401) throw new Error(`the password page with a wrong password: expected 401, got ${status}`);
}
