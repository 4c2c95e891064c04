// Small steps that the page states and the journeys share: open a page,
// fill a form, wait out the minimum fill time, send it, read the result.
import { url, FILL_WAIT_MS, sleep } from './stack.mjs';
import { form, validAnswers, fillForm } from './forms.mjs';
import { monitor } from './browser.mjs';

export const REFERENCE_RE = /^[A-Z2-9]{4}-[A-Z2-9]{4}$/;

// Navigates and returns the HTTP status.  A page the test asks for with a
// status other than 200 is noted, so Chromium's own console line about
// that status ("Failed to load resource: ... 404") is not taken for an error
// of the page.
export async function goto(page, p, expectStatus = 200) {
	const resp = await page.goto(url(p), { waitUntil: 'load', timeout: 15000 });
	page.__openedAt = Date.now();
	const status = resp ? resp.status() : 0;
	if (status !== 200) monitor.expectedStatus.push({ url: url(p), status });
	if (expectStatus !== null && status !== expectStatus)
		throw new Error(`GET ${p}: expected ${expectStatus}, got ${status}`);
	return status;
}

// Waits until the page has been open longer than the minimum fill time.
export async function waitFillTime(page) {
	const left = (page.__openedAt || 0) + FILL_WAIT_MS - Date.now();
	if (left > 0) await sleep(left);
}

// Clicks the form's submit button and waits for the answer page.
export async function submit(page, how = 'click') {
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest(), { timeout: 15000 }),
		how === 'enter' ? page.keyboard.press('Enter') : page.click('form[method="post"] button[type="submit"]'),
	]);
	await page.waitForLoadState('load', { timeout: 15000 });
	// A form shown again comes with a new token: its fill time starts now.
	page.__openedAt = Date.now();
	const status = resp.status();
	if (status !== 200) monitor.expectedStatus.push({ url: resp.url(), status });
	return status;
}

export async function reference(page) {
	const t = (await page.locator('#reference').textContent({ timeout: 5000 }) || '').trim();
	if (!REFERENCE_RE.test(t)) throw new Error(`reference shown is "${t}", not like ABCD-2345`);
	return t;
}

// Mistakes a person makes: required questions left out, an email address
// and a phone number in the wrong format.
export function mistakes(formDef) {
	const a = {};
	for (const f of formDef.fields) {
		if (f.kind === 'email') a[f.name] = 'not an email address';
		if (f.kind === 'tel') a[f.name] = 'call me';
	}
	return a;
}

// Home, then a form by its link in the page's main part, as a person comes
// to it; its fill time starts there.  Returns the form's definition.
export async function followFormLink(page, name) {
	await goto(page, '/');
	await Promise.all([page.waitForURL(new RegExp(`/${name}$`)), page.click(`main a[href="/${name}"]`)]);
	page.__openedAt = Date.now();
	return form(name);
}

export async function openForm(page, name) {
	await goto(page, '/' + name);
	return form(name);
}

export async function submitValid(page, name, opts = {}) {
	const def = await openForm(page, name);
	await fillForm(page, def, validAnswers(def, opts.canary || 'Test', opts));
	await waitFillTime(page);
	const status = await submit(page);
	if (status !== 200) throw new Error(`POST /${name} with valid answers: status ${status}`);
	return reference(page);
}

export async function submitMistakes(page, name, { wait = true } = {}) {
	const def = await openForm(page, name);
	await fillForm(page, def, mistakes(def));
	if (wait) await waitFillTime(page);
	const status = await submit(page);
	if (status !== 422) throw new Error(`POST /${name} with mistakes: expected 422, got ${status}`);
	return status;
}
