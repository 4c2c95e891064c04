// The running stack, as run.sh started it: its address, its database and
// its reload.  Everything comes from the environment that run.sh exported,
// so these tests never edit the stack's files.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const need = (k) => {
	const v = process.env[k];
	if (!v) throw new Error(`${k} is not set: run tests/browser/run.sh`);
	return v;
};

export const REPO = path.resolve(new URL('../../..', import.meta.url).pathname);
export const VAR = need('VAWG_VAR');
export const PORT = Number(need('VAWG_PORT'));
export const BASE = `http://127.0.0.1:${PORT}`;
export const EXIT_URL = need('VAWG_EXIT_URL');
export const NEUTRAL_PORT = Number(new URL(EXIT_URL).port);
export const MIN_FILL_MS = Number(process.env.VAWG_MIN_FILL_SECONDS || 1) * 1000;
export const FILL_WAIT_MS = MIN_FILL_MS + 150;	// "wait >1.1 s" for 1 s

export const url = (p) => BASE + p;

// psql as the cluster's superuser; returns stdout without the final newline.
export function psql(sql, timeoutMs = 20000) {
	const out = execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
		'-h', path.join(VAR, 'run'), '-U', 'postgres', '-d', 'vawg'], {
		input: sql, timeout: timeoutMs, encoding: 'utf8',
		env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	return out.replace(/\n$/, '');
}

export const sqlText = (s) => `'${String(s).replace(/'/g, "''")}'`;

// `stack.sh reload`: the pool re-reads the form definitions (SIGHUP).
export function reload() {
	execFileSync('bash', [path.join(REPO, 'conf', 'stack.sh'), 'reload'], {
		cwd: REPO, timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'],
	});
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// GET without the browser (for polling after a reload).
export async function fetchText(p, timeoutMs = 5000) {
	const r = await fetch(url(p), { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
	return { status: r.status, headers: r.headers, text: await r.text() };
}

// Lines of nginx's access log (no addresses in it: time "METHOD uri" status ...).
export function accessLog() {
	try {
		return readFileSync(path.join(VAR, 'log', 'nginx-access.log'), 'utf8')
			.split('\n').filter(Boolean);
	} catch {
		return [];
	}
}
