// Reading a closed Chromium profile folder: every regular file searched for
// a string (as UTF-8 and UTF-16LE, any case), and the history database's
// page titles (with sqlite3 when Debian's package is there).
import { readdirSync, lstatSync, readFileSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

export function* files(dir) {
	for (const name of readdirSync(dir)) {
		const p = path.join(dir, name);
		const st = lstatSync(p);
		if (st.isDirectory()) yield* files(p);
		else if (st.isFile()) yield p;
	}
}

// Files (relative paths) holding needle in any of its forms, and how many
// files and bytes were read.
export function grepProfile(dir, needle) {
	const forms = [needle, needle.toLowerCase(), needle.toUpperCase()]
		.flatMap((s) => [Buffer.from(s, 'utf8'), Buffer.from(s, 'utf16le')]);
	const hits = [];
	let n = 0, bytes = 0;
	for (const f of files(dir)) {
		const data = readFileSync(f);
		n++;
		bytes += data.length;
		if (forms.some((b) => data.includes(b))) hits.push(path.relative(dir, f));
	}
	return { hits, files: n, bytes };
}

const haveSqlite = () => {
	try {
		execFileSync('sqlite3', ['-version'], { stdio: 'ignore', timeout: 5000 });
		return true;
	} catch {
		return false;
	}
};

// { how, rows: [{ url, title }] } from the History database, or, without
// sqlite3, { how: 'bytes', text } for a scan of the file's bytes.
export function historyRows(dir) {
	const db = path.join(dir, 'Default', 'History');
	if (!haveSqlite()) return { how: 'bytes', text: readFileSync(db).toString('latin1') };
	// A copy, so nothing (no journal, no lock) is written into the profile.
	const tmp = mkdtempSync(path.join(os.tmpdir(), 'vawg-hist.'));
	try {
		copyFileSync(db, path.join(tmp, 'History'));
		const out = execFileSync('sqlite3', ['-readonly', '-json', path.join(tmp, 'History'),
			'SELECT url, title FROM urls ORDER BY id;'], { encoding: 'utf8', timeout: 10000 });
		return { how: 'sqlite3', rows: out.trim() ? JSON.parse(out) : [] };
	} finally {
		rmSync(tmp, { recursive: true, force: true });
	}
}
