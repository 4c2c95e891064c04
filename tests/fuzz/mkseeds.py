#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<name>/: a handful of
small, meaningful inputs per harness.  Run from anywhere; it overwrites
only the files it names.  The token seeds are minted with the fixed key in
fuzz_token.c (crypto_auth is HMAC-SHA-512 truncated to 32 bytes), so the
fuzzer starts from tokens that verify and mutates from there."""

import base64
import hashlib
import hmac
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN_KEY = bytes(range(32))            # fuzz_token.c: key[]
TOKEN_FORM = 7                          # fuzz_token.c: FORM_ID
TOKEN_NOW = 1750000000                  # fuzz_token.c: NOW
IDEM = b'0123456789abcdef'              # fuzz_envelope.c: idem[]


def write(name, seeds):
    d = os.path.join(HERE, 'corpus', name)
    os.makedirs(d, exist_ok=True)
    for fname, data in seeds.items():
        with open(os.path.join(d, fname), 'wb') as f:
            f.write(data)


def token(form, issued, nonce=b'N' * 16, version=1, key=TOKEN_KEY):
    body = bytes([version]) + struct.pack('>IQ', form, issued) + nonce
    mac = hmac.new(key, body, hashlib.sha512).digest()[:32]
    return base64.urlsafe_b64encode(body + mac).rstrip(b'=')


def sodium_pad(data, block=256):
    return data + b'\x80' + b'\x00' * (block - 1 - len(data) % block)


write('urlenc', {
    'form': b'd_token=AQAAAAc&_homepage=&name=Jo+Bloggs&story=one%0D%0Atwo',
    'utf8': b'dname=%C3%A9t%C3%A9+%F0%9F%98%80&when=week',
    'too-many': b'\x02a=1&b=2&c=3',
    'malformed': b'da=ok&b=%zz',
    'truncated-percent': b'da=%4',
    'empty-segments': b'd&&a&&=&b=&&',
    'nul': b'd%00=%00&x=y',
    'escapes': b'dkey%3Dwith%26amp=v%2Bplus+space&%25=%2525',
    'no-equals': b'dflag&other',
    'zero-max': b'\x00a=1',
})

write('utf8', {
    'ascii': b'Hello, world. 020 7946 0018',
    'mixed': 'caf\u00e9 \u4e2d\u6587 \U0001F600'.encode(),
    'max-code-point': b'\xf4\x8f\xbf\xbf',
    'noncharacters': b'\xef\xbf\xbe\xef\xbf\xbf\xf0\x9f\xbf\xbe',
    'rtl-override': b'abc\xe2\x80\xaedef',
    'zero-width': b'a\xe2\x80\x8bb\xef\xbb\xbfc',
    'combining': b'e\xcc\x81\xcc\x81\xcc\x81',
    'overlong': b'\xc0\xaf\xe0\x80\xaf',
    'surrogate': b'\xed\xa0\x80\xed\xbf\xbf',
    'above-max': b'\xf4\x90\x80\x80',
    'nul': b'a\x00b',
    'escape': b'\x1b[31mred',
    'c1-next-line': b'line\xc2\x85line',
    'whitespace': b'tab\tcr\rlf\n',
    'del': b'x\x7f',
    'truncated': b'\xe2\x82',
})

write('token', {
    'ok': token(TOKEN_FORM, TOKEN_NOW - 100),
    'too-quick': token(TOKEN_FORM, TOKEN_NOW),
    'expired': token(TOKEN_FORM, TOKEN_NOW - 100000),
    'future': token(TOKEN_FORM, TOKEN_NOW + 3600),
    'wrong-form': token(TOKEN_FORM + 1, TOKEN_NOW - 100),
    'bad-mac': token(TOKEN_FORM, TOKEN_NOW - 100, key=b'\xff' * 32),
    'version-2': token(TOKEN_FORM, TOKEN_NOW - 100, version=2),
    'padded': token(TOKEN_FORM, TOKEN_NOW - 100) + b'=',
    'standard-alphabet': b'AQAAAAcAAAAAaFB+/w',
    'empty': b'',
})

inner = IDEM + bytes([8]) + b'referral' + b'name\0Jo\0story\0hello\0'
write('envelope', {
    'raw-short': b'\x00\x01' + b'\x00' * 8 + b'x' * 40,
    'raw-unknown-key': b'\x00\x01' + b'\xab' * 8 + b'x' * 320,
    'raw-version-2': b'\x00\x02' + b'\x00' * 330,
    'ciphertext': b'\x01' + b'c' * 320,
    'inner-ok': b'\x02' + sodium_pad(inner),
    'inner-other-row': b'\x02' + sodium_pad(b'X' * 16 + inner[16:]),
    'inner-other-form': b'\x02' + sodium_pad(IDEM + bytes([12]) +
                                             b'consultation' + b'a\0b\0'),
    'inner-bad-padding': b'\x02' + inner + b'\x00' * (256 - len(inner)),
    'inner-short': b'\x02' + sodium_pad(IDEM[:10]),
    'seal-answers': b'\x03name\0Jo Bloggs\0story\0one\ntwo\0',
    'seal-empty': b'\x03',
    'seal-two-blocks': b'\x03' + b'z' * 300,
})

write('form', {
    'all-fields': b'\x00_token=AQAAAAc&_homepage=&name=Jo&story=a%0D%0Ab'
                  b'&email=jo%40example.org&phone=020+7946+0018&when=week'
                  b'&help=talk&help=legal&borough=camden&date=2024-02-29'
                  b'&tags=a&tags=b&e%CC%81t%C3%A9=%C3%A9%C3%A9%C3%A9',
    'honeypot': b'\x00_homepage=http%3A%2F%2Fspam&name=a&when=week',
    'unknown': b'\x00name=a&zz=1&when=week',
    'repeated': b'\x00name=a&name=b&when=week',
    'repeated-token': b'\x00_token=a&_token=b&name=a&when=week',
    'checkbox-twice': b'\x00help=talk&help=talk&name=a&when=week',
    'invalid-utf8': b'\x00name=%C3%28&when=week',
    'nul-in-name': b'\x01na%00me=a&when=week',
    'too-long': b'\x00name=12345678901&when=week',
    'multibyte-max': b'\x00name=' + b'%C3%A9' * 10 + b'&when=week',
    'bad-option': b'\x00name=a&when=zz&borough=nowhere',
    'whitespace': b'\x00name=+++a+++&when=week&story=%0D%0A%0D%0A',
    'markup': b'\x00name=%3Cb%3E&story=%22%27%3C%3E%5C%2F&when=month',
    'controls': b'\x00story=%01&name=%7F&when=week&phone=%1B',
    'bad-email-date': b'\x00name=a&when=week&email=a%40b&date=2023-02-29',
    'crlf-in-text': b'\x00name=a%0D%0Ab&when=older',
    'empty': b'\x01',
})
# fuzz_csv.c: 0xFE ends a record, 0xFF a cell; bit 0 of byte 0 asks for
# a BOM.  The last two are for the reader alone.
write('csv', {
    'formulas': b'\x00plain\xffcells\xfe=1+2\xff@SUM(A1)\xff-3\xff+x',
    'quoting': b'\x01with, comma\xff"quoted"\xffline\r\nbreak\xfe\xfe',
    'control-starters': b'\x00\tTAB\xff\rCR\xff\nLF\xff\x00NUL',
    'apostrophes': b"\x00'already\xff'=quoted\xff''",
    'utf8': b'\x00caf\xc3\xa9\xff' + '\u4e2d\u6587'.encode() + b'\xff' +
            '\U0001F600'.encode(),
    'reader-input': b'"a","b"\r\n"c""d",e\r\n',
    'reader-bom': b'\xef\xbb\xbf"x"\r\n"unterminated',
})

# fuzz_cookie.c: bit 0 of byte 0 is "over TLS"; the token is bytes 0-15.
TOK = base64.urlsafe_b64encode(bytes(range(16))).rstrip(b'=')
write('cookie', {
    'plain': b'\x00vawg_admin=' + TOK,
    'tls': b'\x01__Host-vawg_admin=' + TOK,
    'among-others': b'\x00theme=dark; vawg_admin=' + TOK + b'; lang=en',
    'short': b'\x00vawg_admin=short',
    'padded': b'\x00vawg_admin=' + TOK + b'==',
    'separators': b'\x00;;  ;vawg_admin=' + TOK,
    'near-miss': b'\x00xvawg_admin=' + TOK + b'; vawg_admin',
    'plain-over-tls': b'\x01vawg_admin=' + TOK,
})
# fuzz_spoolrec.c: byte 0 % 3 is the mode (0 a whole file, 1 a file
# without its "end" line, 2 fields for a round trip).
REF_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ'


def reference(idem):
    v = int.from_bytes(hashlib.blake2b(idem, digest_size=8).digest(), 'big')
    out = ''
    for i in range(8):
        if i == 4:
            out += '-'
        out += REF_ALPHABET[v % 30]
        v //= 30
    return out.encode()


def spool_body(version=b'12', idem=bytes(range(16)), key_id=b'\xab' * 8,
               plain=b'{"borough":"camden","help":["talk","legal"]}',
               sealed_tail=b'\x00' * 304, ref=None):
    fields = ((b'version', version), (b'idem', idem.hex().encode()),
              (b'reference', ref or reference(idem)),
              (b'key_id', key_id.hex().encode()), (b'plain', plain),
              (b'sealed', b'\x01' + key_id + sealed_tail))
    out = b'vawg-spool 1\n'
    for name, v in fields:
        out += name + b' %d\n' % len(v) + v + b'\n'
    return out


def spool_file(body):
    return body + b'end ' + hashlib.blake2b(
        body, digest_size=16).hexdigest().encode() + b'\n'


write('spoolrec', {
    'file': b'\x00' + spool_file(spool_body()),
    'file-damaged': b'\x00' + spool_file(spool_body())[:-5] + b'0000\n',
    'body': b'\x01' + spool_body(),
    'body-wrong-reference': b'\x01' + spool_body(ref=b'2222-2222'),
    'body-leading-zero': b'\x01' + spool_body(version=b'012'),
    'body-other-key': b'\x01' + spool_body().replace(b'\x01' + b'\xab' * 8,
                                                     b'\x01' + b'\xac' * 8),
    'body-not-json': b'\x01' + spool_body(plain=b'borough=camden'),
    'body-short-envelope': b'\x01' + spool_body(sealed_tail=b'x'),
    'fields': b'\x02\x00\x00\x00\x07' + bytes(range(16)) + b'\xab' * 8 +
              b'\x01\x00"a":"b"' + b'\x00' * 40,
})
print('seeds written under', os.path.join(HERE, 'corpus'))
