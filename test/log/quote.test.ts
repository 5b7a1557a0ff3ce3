import { describe, expect, it } from 'vitest';
import { escapeText, quote } from '../../src/log/quote.js';

describe('quote', () => {
  it('leaves plain paths and ids as they are', () => {
    expect(quote('/home/u/p.json')).toBe('/home/u/p.json');
    expect(quote('0123abcd-ef_9.1')).toBe('0123abcd-ef_9.1');
  });

  it('quotes spaces and escapes quotes, backslashes, C0, DEL, C1, bidi controls and line separators', () => {
    expect(quote('/a b')).toBe('"/a b"');
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quote('\x1b[2K\r\n\t\x7f')).toBe('"\\e[2K\\r\\n\\t\\u{7f}"');
    expect(quote('\u009b\u202e\u2066\u200f\u2028\u061c')).toBe('"\\u{9b}\\u{202e}\\u{2066}\\u{200f}\\u{2028}\\u{61c}"');
    expect(quote('')).toBe('""');
  });

  it('keeps other text, é or 日本 included, readable', () => {
    expect(quote('/tmp/é日本')).toBe('"/tmp/é日本"');
  });
});

describe('escapeText', () => {
  it('escapes what could act on a terminal, keeps spaces and quotes', () => {
    expect(escapeText('cannot write "x y"\x1b[2K\u202e')).toBe('cannot write "x y"\\e[2K\\u{202e}');
  });
});
