import { describe, expect, it } from 'vitest';
import { ANNOTATION, parseTraceAnnotation } from '../../src/oci/annotation.js';
import { SeccompGenError } from '../../src/errors.js';

/** The ANNOTATION error thrown for `value`, so its message can be checked. */
function refusal(value: string): SeccompGenError {
  try {
    parseTraceAnnotation(value);
  } catch (e) {
    expect(e).toBeInstanceOf(SeccompGenError);
    expect((e as SeccompGenError).code).toBe('ANNOTATION');
    return e as SeccompGenError;
  }
  throw new Error(`parseTraceAnnotation(${JSON.stringify(value)}) was accepted`);
}

describe('parseTraceAnnotation: accepted forms', () => {
  it('of: alone', () => {
    expect(parseTraceAnnotation('of:/tmp/out.json')).toEqual({ output: '/tmp/out.json' });
  });

  it('if: then of:', () => {
    expect(parseTraceAnnotation('if:/tmp/base.json;of:/tmp/out.json')).toEqual({
      input: '/tmp/base.json',
      output: '/tmp/out.json',
    });
  });

  it('of: then if:', () => {
    expect(parseTraceAnnotation('of:/tmp/out.json;if:/tmp/base.json')).toEqual({
      input: '/tmp/base.json',
      output: '/tmp/out.json',
    });
  });

  it('spaces around parts, keys and paths', () => {
    expect(parseTraceAnnotation('  if: /tmp/base.json ;  of : /tmp/out.json  ')).toEqual({
      input: '/tmp/base.json',
      output: '/tmp/out.json',
    });
  });

  it('a trailing ";"', () => {
    expect(parseTraceAnnotation('of:/tmp/out.json;')).toEqual({ output: '/tmp/out.json' });
    expect(parseTraceAnnotation('if:/a.json;of:/b.json;')).toEqual({ input: '/a.json', output: '/b.json' });
  });

  it('if: and of: naming the same file (extend in place)', () => {
    expect(parseTraceAnnotation('if:/tmp/p.json;of:/tmp/p.json')).toEqual({ input: '/tmp/p.json', output: '/tmp/p.json' });
  });

  it('normalizes the paths', () => {
    expect(parseTraceAnnotation('of:/tmp//x/../out.json')).toEqual({ output: '/tmp/out.json' });
  });

  it('has no input key at all without if:', () => {
    expect('input' in parseTraceAnnotation('of:/tmp/out.json')).toBe(false);
  });
});

describe('parseTraceAnnotation: refusals', () => {
  it('every message names the annotation', () => {
    expect(refusal('').message).toContain(ANNOTATION);
  });

  it('empty and blank values', () => {
    expect(refusal('').message).toMatch(/is empty/);
    expect(refusal('   ').message).toMatch(/is empty/);
    // and says what to write instead
    expect(refusal('').message).toContain('of:/abs/out.json');
  });

  it('a relative path', () => {
    const e = refusal('of:out.json');
    expect(e.message).toMatch(/"of:out\.json" is not an absolute path/);
    expect(refusal('if:base.json;of:/tmp/out.json').message).toMatch(/"if:base\.json" is not an absolute path/);
    expect(refusal('of:./out.json').message).toMatch(/not an absolute path/);
  });

  it('an unknown key', () => {
    expect(refusal('out:/tmp/x.json').message).toMatch(/unknown key "out:"/);
    expect(refusal('of:/tmp/x.json;OF:/tmp/y.json').message).toMatch(/unknown key "OF:"/);
  });

  it('a key given twice', () => {
    expect(refusal('of:/a.json;of:/b.json').message).toMatch(/"of:" is given twice/);
    expect(refusal('if:/a.json;if:/b.json;of:/c.json').message).toMatch(/"if:" is given twice/);
  });

  it('no of:', () => {
    const e = refusal('if:/tmp/base.json');
    expect(e.message).toMatch(/no "of:" output file/);
    expect(refusal(';;').message).toMatch(/no "of:" output file/);
  });

  it('an empty path', () => {
    expect(refusal('of:').message).toMatch(/"of:" has no path/);
    expect(refusal('if: ;of:/x.json').message).toMatch(/"if:" has no path/);
  });

  it('a NUL byte in a path', () => {
    expect(refusal('of:/tmp/a\0b.json').message).toMatch(/NUL byte/);
  });

  it('a part without a colon', () => {
    const e = refusal('/tmp/out.json');
    expect(e.message).toMatch(/"\/tmp\/out\.json" has no key/);
    expect(refusal('of:/tmp/out.json;junk').message).toMatch(/"junk" has no key/);
  });

  it('does not mistake a colon inside the path for the key', () => {
    // The first colon ends the key: "of:/a:b" is the path "/a:b".
    expect(parseTraceAnnotation('of:/tmp/a:b.json')).toEqual({ output: '/tmp/a:b.json' });
  });
});
