// Two small servers on loopback, both started by run.mjs:
//  - the neutral stand-in that "Leave this site" goes to (VAWG_EXIT_URL), a
//    page titled "Weather" that counts its visits;
//  - a recording proxy that Chromium is told to use for every host that is
//    not loopback: any connection it gets is a request that would have left
//    the machine.  It answers none of them.
import http from 'node:http';
import net from 'node:net';

export const NEUTRAL_TITLE = 'Weather';

const PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${NEUTRAL_TITLE}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>${NEUTRAL_TITLE}</h1><p>Sunny intervals and a light breeze.</p></main></body></html>
`;

export function startNeutral(port) {
	const visits = [];
	const server = http.createServer((req, res) => {
		if (req.url.startsWith('/neutral')) {
			visits.push({ url: req.url, at: Date.now() });
			res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8',
				'Cache-Control': 'no-store' });
			res.end(PAGE);
			return;
		}
		res.writeHead(204, { 'Cache-Control': 'no-store' });
		res.end();
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => resolve({
			visits,
			close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }),
		}));
	});
}

export function startProxy() {
	const seen = [];
	const socks = new Set();
	const server = net.createServer((sock) => {
		socks.add(sock);
		sock.on('close', () => socks.delete(sock));
		sock.setTimeout(2000, () => sock.destroy());
		sock.once('data', (d) => {
			const line = d.toString('latin1').split('\r\n')[0];
			seen.push(line.slice(0, 200));
			sock.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
		});
		sock.on('error', () => {});
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve({
			port: server.address().port,
			seen,
			close: () => new Promise((r) => { server.close(() => r()); for (const s of socks) s.destroy(); }),
		}));
	});
}
