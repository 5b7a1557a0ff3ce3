/**
 * Fuzzing the parsers the root hook runs on text others choose: the annotation (whoever starts the
 * container), the OCI state (the runtime), a profile (the if: file). Whatever comes in, only a
 * SeccompGenError comes out, and a refused request writes nothing.
 */
import { readdirSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeccompGenError } from '../../src/errors.js';
import { usePrivateRunDir } from '../helpers.js';
import { parseTraceAnnotation } from '../../src/oci/annotation.js';
import { parseOciState } from '../../src/oci/state.js';
import { parseProfile } from '../../src/profile/read.js';
import { prestart } from '../../src/hooks/prestart.js';
import { defaultConfig } from '../../src/config/config.js';

function onlyOurErrors<T>(fn: () => T): T | SeccompGenError {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SeccompGenError) return e;
    throw e;
  }
}

/** Strings made of the annotation's own syntax, so the fuzzer reaches past the first check. */
const annotationText = fc
  .array(fc.oneof(fc.constantFrom('of:', 'if:', ';', '/', '/tmp/', 'a.json', ' ', '..', ':', '\0', 'xf:', '\n'), fc.string({ maxLength: 6 })), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('fuzz: the annotation parser', () => {
  it('returns absolute, normalised paths or throws a SeccompGenError', () => {
    fc.assert(
      fc.property(fc.oneof(annotationText, fc.string(), fc.string({ unit: 'binary' })), (text) => {
        const r = onlyOurErrors(() => parseTraceAnnotation(text));
        if (r instanceof SeccompGenError) {
          expect(r.code).toBe('ANNOTATION');
          return;
        }
        for (const p of [r.output, r.input]) {
          if (p === undefined) continue;
          expect(isAbsolute(p)).toBe(true);
          expect(p).toBe(normalize(p));
          expect(p).not.toContain('\0');
        }
      }),
      { numRuns: 3000 },
    );
  });
});

const json = fc.jsonValue({ maxDepth: 4 });
const stateLike = fc.record(
  {
    ociVersion: fc.oneof(fc.string(), json),
    id: fc.oneof(fc.constantFrom('abc', 'a/../b', '../x', '', '.hidden', 'x'.repeat(300)), fc.string(), json),
    status: fc.oneof(fc.constantFrom('creating', 'stopped'), json),
    pid: fc.oneof(fc.integer(), fc.double(), json),
    bundle: fc.oneof(fc.constantFrom('/b', 'rel'), fc.string(), json),
    annotations: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.dictionary(fc.string(), json), json),
  },
  { requiredKeys: [] },
);

describe('fuzz: the OCI state parser', () => {
  it('accepts only a safe id and an absolute bundle, else throws a STATE SeccompGenError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), json.map((v) => JSON.stringify(v)), stateLike.map((v) => JSON.stringify(v))), (text) => {
        const r = onlyOurErrors(() => parseOciState(text));
        if (r instanceof SeccompGenError) {
          expect(r.code).toBe('STATE');
          return;
        }
        expect(r.id).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);
        expect(r.id).not.toContain('/');
        expect(r.bundle.startsWith('/')).toBe(true);
        if (r.pid !== undefined) expect(Number.isInteger(r.pid) && r.pid >= 1).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

const ruleLike = fc.record(
  {
    names: fc.oneof(fc.array(fc.constantFrom('read', 'write', ''), { maxLength: 3 }), json),
    action: fc.oneof(fc.constantFrom('SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_MAYBE'), json),
    errnoRet: fc.oneof(fc.integer(), json),
    args: fc.oneof(fc.array(fc.record({ index: fc.integer(), value: fc.integer(), op: fc.constantFrom('SCMP_CMP_EQ', 'X') }), { maxLength: 2 }), json),
  },
  { requiredKeys: [] },
);
const profileLike = fc.record(
  {
    defaultAction: fc.oneof(fc.constantFrom('SCMP_ACT_ERRNO', 'SCMP_ACT_ALLOW', 'nope'), json),
    defaultErrnoRet: fc.oneof(fc.integer(), json),
    architectures: fc.oneof(fc.array(fc.constantFrom('SCMP_ARCH_X86_64', 'SCMP_ARCH_NOPE')), json),
    archMap: json,
    syscalls: fc.oneof(fc.array(ruleLike, { maxLength: 4 }), json),
  },
  { requiredKeys: [] },
);

describe('fuzz: the profile parser', () => {
  it('returns a profile or throws a PROFILE SeccompGenError that names the source, never the content', () => {
    fc.assert(
      fc.property(fc.oneof(json, profileLike), (data) => {
        const r = onlyOurErrors(() => parseProfile(data, '/x/base.json'));
        if (r instanceof SeccompGenError) {
          expect(r.code).toBe('PROFILE');
          expect(r.message.startsWith('/x/base.json: not a seccomp profile')).toBe(true);
          expect(r.message).not.toContain('\n');
          return;
        }
        expect(typeof r.defaultAction).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('fuzz: prestart on a refused request', () => {
  const scratch = usePrivateRunDir('sg-fuzz-', 'all');

  it('throws only SeccompGenError and writes nothing (no state, no output) before it has a pid', async () => {
    // No pid in the state: prestart must refuse before it touches the kernel or the state dir.
    const withDir = annotationText.map((t) => t.replaceAll('/tmp/', `${scratch.dir}/`));
    await fc.assert(
      fc.asyncProperty(fc.oneof(withDir, fc.string()), async (value) => {
        try {
          await prestart({ id: 'fuzz', status: 'creating', bundle: '/nonexistent', annotations: { 'io.containers.trace-syscall': value } }, value, defaultConfig());
          throw new Error('prestart accepted a state with no pid');
        } catch (e) {
          expect(e).toBeInstanceOf(SeccompGenError);
        }
        expect(readdirSync(scratch.dir)).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});
