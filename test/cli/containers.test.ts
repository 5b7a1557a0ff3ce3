import { describe, expect, it } from 'vitest';
import { resolveContainer } from '../../src/cli/containers.js';

const A = 'a'.repeat(64);
const AB = `ab${'0'.repeat(62)}`;
const C = 'c'.repeat(64);
const traced = [A, AB, C];
const noEngine = () => undefined;

describe('resolveContainer', () => {
  it('takes a whole id, or a prefix that names one traced container', () => {
    expect(resolveContainer(C, traced, noEngine)).toBe(C);
    expect(resolveContainer('cc', traced, noEngine)).toBe(C);
    expect(resolveContainer('ab', traced, noEngine)).toBe(AB);
  });

  it('refuses a prefix of several (USAGE), asking no engine', () => {
    let asked = false;
    expect(() => resolveContainer('a', traced, () => ((asked = true), undefined))).toThrow('"a" matches 2 traced containers: give more of the id');
    expect(asked).toBe(false);
  });

  it('asks the engines for a name, and says whether the container exists but is not traced', () => {
    expect(resolveContainer('web', traced, (ref) => (ref === 'web' ? C : undefined))).toBe(C);
    expect(() => resolveContainer('db', traced, () => 'f'.repeat(64))).toThrow(/container "db" is not being traced; traced now: aaaaaaaaaaaa, ab0000000000, cccccccccccc$/);
    expect(() => resolveContainer('zz', [], noEngine)).toThrow('container "zz" is not being traced (no such container); traced now: none');
  });
});
