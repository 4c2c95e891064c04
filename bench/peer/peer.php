<?php
/*
 * bench/peer/peer.php: the peer of `make bench`: what a city's IT team
 * would otherwise run for the same form, a PHP-FPM script (the shape of
 * the PHP survey tools councils already use), doing the same work as the
 * public pool on the two requests the bench compares:
 *
 *   GET  /bench-peer/NAME  the form page with a fresh form token, spliced
 *        into the page the pool rendered (the pool's page cache does the
 *        same: a cached page, a fresh token);
 *   POST /bench-peer/NAME  the same urlencoded body read and checked as
 *        lib/urlenc.c and lib/form.c do (content type, length, encoding,
 *        unknown, repeated and honeypot fields, strict UTF-8, trimming,
 *        lengths in code points, e-mail, phone, date, options, required);
 *        the same form token checked (lib/token.c: base64url of version |
 *        form id | issued | nonce | crypto_auth MAC, with the token key);
 *        the sensitive answers sealed to the same public key in the same
 *        envelope (lib/seal.c: version | key id | crypto_box_seal of the
 *        nonce, the form's name and "name NUL value NUL" pairs, padded to
 *        256 bytes), the plaintext wiped; the same vawg.submit() called as
 *        vawg_public (peer authentication: this pool runs as vawgweb) over
 *        a persistent connection with a prepared statement; and the same
 *        confirmation page with the reference derived from the nonce.
 *
 * It is a bench fixture, not a second implementation of the service: a
 * refusal gets a short page with the pool's status (400, 403, 411, 413,
 * 415, 422, 503) rather than the form again, and there is no spool when
 * the database is away.  Its settings (keys, the form's fields, the two
 * pages) are in config.php, written by bench/bench.py (peer-setup) next to
 * this file and cached by opcache like the script.  It logs nothing.
 */
declare(strict_types=1);

$C = require __DIR__ . '/config.php';

const SECURITY_HEADERS = [
	"Content-Security-Policy: default-src 'self'; base-uri 'none'; " .
	    "form-action 'self'; frame-ancestors 'none'; object-src 'none'",
	'X-Content-Type-Options: nosniff',
	'Referrer-Policy: no-referrer',
	'X-Frame-Options: DENY',
	'Cross-Origin-Opener-Policy: same-origin',
	'Permissions-Policy: camera=(), microphone=(), geolocation=()',
	'Cache-Control: no-store',
];
const REF_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

function send_page(int $status, string $body): never
{
	http_response_code($status);
	header('Content-Type: text/html; charset=utf-8');
	foreach (SECURITY_HEADERS as $h)
		header($h);
	header('Content-Length: ' . strlen($body));
	echo $body;
	exit;
}

function refuse(int $status, string $why): never
{
	send_page($status, '<!DOCTYPE html><html lang="en"><meta charset=' .
	    '"utf-8"><title>Not sent</title><p>' . htmlspecialchars($why) .
	    '</p></html>');
}

function token_mint(array $C, array $f): string
{
	$body = "\x01" . pack('N', $f['id']) . pack('J', time()) .
	    random_bytes(16);
	return sodium_bin2base64($body . sodium_crypto_auth($body,
	    $C['token_key']), SODIUM_BASE64_VARIANT_URLSAFE_NO_PADDING);
}

/* lib/token.c token_verify: [nonce, verdict] or a refusal. */
function token_check(array $C, array $f, string $text, int $now): array
{
	try {
		$raw = strlen($text) < 128 ? sodium_base642bin($text,
		    SODIUM_BASE64_VARIANT_URLSAFE_NO_PADDING) : '';
	} catch (SodiumException $e) {
		$raw = '';
	}
	if (strlen($raw) !== 61 || $raw[0] !== "\x01" ||
	    !sodium_crypto_auth_verify(substr($raw, 29), substr($raw, 0, 29),
	    $C['token_key']) || unpack('N', $raw, 1)[1] !== $f['id'])
		refuse(403, 'This form was not sent from our page.');
	$age = $now - unpack('J', $raw, 5)[1];
	return [substr($raw, 13, 16), $age < $C['min_fill'] ? 'too quick' :
	    ($age > $C['max_age'] ? 'expired' : '')];
}

/* lib/token.c token_reference: 8 symbols from a BLAKE2b hash of the
 * nonce, in unsigned 64-bit arithmetic done on two 32-bit halves.  PHP's
 * sodium binding refuses outputs under 16 bytes, so this takes the first 8
 * bytes of BLAKE2b-128 where the pool asks for BLAKE2b-64: the same work,
 * another reference for the same nonce (bench/peer.py checks this one). */
function reference(string $nonce): string
{
	[, $hi, $lo] = unpack('N2', sodium_crypto_generichash($nonce, '', 16));
	$out = '';
	for ($i = 0; $i < 8; $i++) {
		if ($i === 4)
			$out .= '-';
		$r = $hi % 30;
		$hi = intdiv($hi, 30);
		$x = $r * 4294967296 + $lo;
		$lo = intdiv($x, 30);
		$out .= REF_ALPHABET[$x % 30];
	}
	return $out;
}

/* lib/urlenc.c: [[name, value], ...], or a refusal. */
function parse_body(string $body, int $max): array
{
	$kv = [];
	foreach (explode('&', $body) as $seg) {
		if ($seg === '')
			continue;
		if (count($kv) >= $max ||
		    preg_match('/%(?![0-9A-Fa-f]{2})/', $seg))
			refuse(400, 'This request is not one our form sends.');
		$eq = strpos($seg, '=');
		$kv[] = $eq === false ? [urldecode($seg), ''] :
		    [urldecode(substr($seg, 0, $eq)),
		    urldecode(substr($seg, $eq + 1))];
	}
	return $kv;
}

/* lib/field.c field_check_value: the message, or ''. */
function check_value(array $fd, string $v): string
{
	if (isset($fd['options']))
		return isset($fd['options'][$v]) ? '' :
		    'Choose one of the options shown';
	if (iconv_strlen($v, 'UTF-8') > $fd['max_length'])
		return 'Your answer is too long';
	if ($fd['kind'] !== 'textarea' && strpbrk($v, "\r\n") !== false)
		return 'Write this answer on one line';
	switch ($fd['kind']) {
	case 'email':
		$at = strpos($v, '@');
		$dot = strrpos($v, '.');
		return $at > 0 && substr_count($v, '@') === 1 &&
		    strpbrk($v, " \t,;<>()[]\\\"") === false && $dot > $at + 1 &&
		    $dot < strlen($v) - 1 ? '' : 'Enter an email address';
	case 'tel':
		$d = preg_match_all('/[0-9]/', $v);
		return preg_match('/^[0-9 +()-]*$/', $v) && $d >= 7 &&
		    $d <= 15 ? '' : 'Enter a phone number';
	case 'date':
		return preg_match('/^(\d{4})-(\d{2})-(\d{2})$/', $v, $m) &&
		    $m[1] >= 1900 && $m[1] <= 2100 &&
		    checkdate((int)$m[2], (int)$m[3], (int)$m[1]) ? '' :
		    'Enter a real date';
	}
	return '';
}

/* lib/form.c form_validate: [values by field, number of messages]. */
function validate(array $f, array $kv): array
{
	$vals = [];
	foreach ($kv as [$n, $v]) {
		if ($n === '_token')
			continue;
		if ($n === '_homepage') {
			if ($v !== '')
				refuse(400, 'This request is not one our form sends.');
			continue;
		}
		$fd = $f['fields'][$n] ?? null;
		if ($fd === null || count($vals[$n] ?? []) >=
		    ($fd['kind'] === 'checkboxes' ? count($fd['options']) : 1))
			refuse(400, 'This request is not one our form sends.');
		$vals[$n][] = $v;
	}
	$errors = 0;
	foreach ($f['fields'] as $n => $fd) {
		$kept = [];
		$msg = '';
		foreach ($vals[$n] ?? [] as $v) {
			/* Strict UTF-8, no C0 control but TAB, LF, CR, no DEL,
			 * no C1 (lib/utf8.c). */
			if (preg_match('/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/u',
			    $v) !== 0) {
				$msg = 'This answer has characters we cannot accept';
				continue;
			}
			if ($fd['kind'] === 'textarea')
				$v = str_replace(["\r\n", "\r"], "\n", $v);
			$v = trim($v, " \t\r\n");
			if ($v === '' || in_array($v, $kept, true))
				continue;
			if ($msg === '')
				$msg = check_value($fd, $v);
			$kept[] = $v;
		}
		if ($msg === '' && $fd['required'] && !$kept)
			$msg = 'Enter an answer to this question';
		$errors += $msg !== '' ? 1 : 0;
		$vals[$n] = $kept;
	}
	return [$vals, $errors];
}

function submit(array $C, array $f, string $nonce, string $ref,
    string $plain, string $env): string
{
	$db = pg_pconnect($C['db']);
	if ($db === false)
		refuse(503, 'Your answers were not saved. Please try again.');
	$args = [$f['version_id'], pg_escape_bytea($db, $nonce), $ref, $plain,
	    pg_escape_bytea($db, $env), $C['key_id']];
	/* Prepared once per persistent connection, as the pool does. */
	$r = @pg_execute($db, 'submit', $args);
	if ($r === false && @pg_prepare($db, 'submit', 'SELECT vawg.submit(' .
	    '$1::integer, $2::bytea, $3::text, $4::jsonb, $5::bytea, $6::text)'))
		$r = pg_execute($db, 'submit', $args);
	$got = $r === false ? false : pg_fetch_result($r, 0, 0);
	if (!is_string($got) || strlen($got) !== 9)
		refuse(503, 'Your answers were not saved. Please try again.');
	return $got;
}

function post(array $C, array $f): never
{
	$now = time();
	if ($now < $f['opens'] || $now >= $f['closes'])
		refuse(403, 'This form is closed.');
	$ct = strtolower(trim(explode(';', $_SERVER['CONTENT_TYPE'] ?? '')[0]));
	$len = $_SERVER['CONTENT_LENGTH'] ?? '';
	if ($ct !== 'application/x-www-form-urlencoded')
		refuse(415, 'Send the form from its page.');
	if (!ctype_digit($len))
		refuse(411, 'Send the form from its page.');
	if ((int)$len > $C['body_max'])
		refuse(413, 'Your answers are too long to send.');
	$body = file_get_contents('php://input');
	if (strlen($body) !== (int)$len)
		refuse(400, 'Your answers did not all arrive.');
	$kv = parse_body($body, $f['max_fields']);
	$tok = array_keys(array_column($kv, 0), '_token', true);
	if (count($tok) !== 1)
		refuse(count($tok) === 0 ? 403 : 400,
		    'This form was not sent from our page.');
	[$nonce, $late] = token_check($C, $f, $kv[$tok[0]][1], $now);
	[$vals, $errors] = validate($f, $kv);
	if ($errors > 0 || $late !== '')
		refuse(422, 'Please check your answers.');

	$plain = [];
	$pairs = '';
	$notices = '';
	foreach ($f['fields'] as $n => $fd) {
		foreach ($vals[$n] as $v) {
			if ($fd['sensitive'])
				$pairs .= $n . "\0" . $v . "\0";
			if (($fd['options'][$v] ?? '') !== '')
				$notices .= '<div class="notice notice-urgent">' .
				    "\n<p><strong>Important:</strong> " .
				    htmlspecialchars($fd['options'][$v]) .
				    "</p>\n</div>\n";
		}
		if (!$fd['sensitive'] && $vals[$n])
			$plain[$n] = $fd['kind'] === 'checkboxes' ? $vals[$n] :
			    $vals[$n][0];
	}
	$inner = $nonce . chr(strlen($f['name'])) . $f['name'] . $pairs;
	sodium_memzero($pairs);
	$padded = sodium_pad($inner, 256);
	sodium_memzero($inner);
	$env = "\x01" . $C['key_id_bin'] .
	    sodium_crypto_box_seal($padded, $C['public_key']);
	sodium_memzero($padded);
	$json = $plain ? json_encode($plain, JSON_UNESCAPED_UNICODE |
	    JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR) : '{}';
	$ref = submit($C, $f, $nonce, reference($nonce), $json, $env);
	send_page(200, $f['confirm'][0] . $ref . $f['confirm'][1] . $notices .
	    $f['confirm'][2]);
}

$name = basename($_SERVER['DOCUMENT_URI'] ?? '');
$f = $C['forms'][$name] ?? null;
if ($f === null)
	refuse(404, 'There is no such page.');
if (($_SERVER['REQUEST_METHOD'] ?? '') === 'POST') {
	if (!isset($f['confirm']))
		refuse(405, 'The bench posts to another form.');
	post($C, $f);
}
send_page(200, $f['page'][0] . token_mint($C, $f) . $f['page'][1]);
