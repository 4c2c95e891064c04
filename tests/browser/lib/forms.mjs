// Form definitions read from the database (sql/002_forms.sql), and answers
// built from them.  Nothing here names a question: a migration that changes
// a form changes what these helpers fill in.  Inputs are found by name and
// value, as the browser posts them, never by generated ids.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, psql } from './stack.mjs';

// The same query as the integration suite's (one file for both).
const FORMS_SQL = readFileSync(path.join(REPO, 'tests', 'integration', 'forms.sql'), 'utf8');

let cache = null;

export function loadForms() {
	if (!cache) {
		cache = {};
		for (const f of JSON.parse(psql(FORMS_SQL))) cache[f.name] = f;
	}
	return cache;
}

export function form(name) {
	const f = loadForms()[name];
	if (!f) throw new Error(`the database defines no form "${name}"`);
	return f;
}

export const isChoice = (f) => ['radio', 'checkboxes', 'select'].includes(f.kind);

// A field whose option carries a notice (the 24-hour help, the under-18 note).
export function noticeOptions(formDef) {
	const out = [];
	for (const f of formDef.fields)
		for (const o of f.options)
			if (o.notice) out.push({ field: f, option: o });
	return out;
}

// CANARY + random hex: easy to grep for, never a real word.
export const newCanary = () => 'CANARY' + randomBytes(8).toString('hex').toUpperCase();

// A valid value for one field: a string, or an array for checkboxes.
// choose(field) may pick an option value; by default the first one that has
// no notice (notices are tested on purpose, not by accident).
export function validValue(f, canary, choose) {
	if (isChoice(f)) {
		const picked = choose && choose(f);
		const v = picked || (f.options.find((o) => !o.notice) || f.options[0]).value;
		return f.kind === 'checkboxes' ? [v] : v;
	}
	switch (f.kind) {
	case 'email': return `${canary.toLowerCase()}@example.org`;
	case 'tel': return '020 7946 0018';
	case 'date': return '2024-02-29';
	default: {
		const v = f.kind === 'textarea' ? `${canary} answer for ${f.name}.\nSecond line.` : `${canary} ${f.name}`;
		return v.slice(0, f.max_length);
	}
	}
}

// Answers for every field (optional ones too when all is true).
export function validAnswers(formDef, canary, { all = true, choose } = {}) {
	const a = {};
	for (const f of formDef.fields)
		if (f.required || all) a[f.name] = validValue(f, canary, choose);
	return a;
}

// Fills a page's form with answers, through the page as a person would
// (typing, checking, choosing), without the keyboard-only constraint.
export async function fillForm(page, formDef, answers) {
	for (const f of formDef.fields) {
		if (!(f.name in answers)) continue;
		const v = answers[f.name];
		if (f.kind === 'select') {
			await page.selectOption(`select[name="${f.name}"]`, v);
		} else if (f.kind === 'radio') {
			await page.check(`input[name="${f.name}"][value="${v}"]`);
		} else if (f.kind === 'checkboxes') {
			for (const x of v) await page.check(`input[name="${f.name}"][value="${x}"]`);
		} else {
			await page.fill(`[name="${f.name}"]`, v);
		}
	}
}
