import { describe, expect, it } from 'vitest';
import { convertProfile } from '../../src/toolkit/convert.js';
import { CONTAINERFILE_LINE_LIMIT, SECCOMP_PROFILE_LABEL, asciiJson, containerfileLabel, labelValue, profileFromLabel } from '../../src/toolkit/label.js';
import type { CanonicalProfile } from '../../src/toolkit/model.js';
import { loadProfile } from '../../src/toolkit/load.js';
import { seccompGenErrorOf } from '../helpers.js';
import { fixture } from '../profile/helpers.js';

const amd64 = { arch: 'amd64', caps: [], kernel: '6.1.0' };
const tricky = loadProfile(fixture('label-escaping.json')).profile;
const podmanDefault = loadProfile(fixture('podman-default.json')).profile;
const PRINTABLE_ASCII_NO_QUOTE = /^[\x20-\x26\x28-\x7e]*$/;

/**
 * What a Containerfile parser makes of the lines (openshift/imagebuilder and moby/buildkit alike,
 * for this shape of line): a physical line ending in `\` is joined with the next, with nothing in
 * between; inside single quotes every character is taken as it is. The end-to-end test
 * (test/e2e/image-label.test.ts) checks the same with podman build itself.
 */
function labelFromContainerfile(text: string): { key: string; value: string } {
  const logical = text.replace(/\\[ \t]*\n/g, '');
  const m = /^LABEL ([^=]+)='([^']*)'\n$/.exec(logical);
  if (!m) throw new Error(`not one single-quoted LABEL line: ${logical.slice(0, 80)}`);
  return { key: m[1]!, value: m[2]! };
}

describe('asciiJson', () => {
  it('writes printable ASCII without a single quote, and parses back to the same value', () => {
    const value = { s: `'"\\$\`\n\r\t\u0000\u007f é 😀 \u2028 \ud800`, n: 1 };
    const text = asciiJson(value);
    expect(text).toMatch(PRINTABLE_ASCII_NO_QUOTE);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).toContain('\\u0027');
    expect(text).toContain('\\ud83d\\ude00'); // an emoji as its two surrogate escapes
  });
});

describe('convert --to label', () => {
  it.each([
    ['a profile with every character JSON escapes', tricky],
    ['podman default (archMap, includes/excludes, args)', podmanDefault],
  ])('%s: compact, Podman format, reads back as the same profile', (_, profile) => {
    const { text, warnings } = convertProfile(profile, { to: 'label', target: amd64 });
    expect(warnings).toEqual([]);
    expect(text.endsWith('\n')).toBe(true);
    const value = text.slice(0, -1);
    expect(value).not.toContain('\n');
    expect(value).toMatch(PRINTABLE_ASCII_NO_QUOTE);
    expect(JSON.parse(value)).toEqual(JSON.parse(convertProfile(profile, { to: 'podman', target: amd64 }).text));
    expect(profileFromLabel(value, 'label').profile).toEqual(profile);
  });

  it('keeps the errno names podman writes beside the numbers', () => {
    const value = JSON.parse(convertProfile(tricky, { to: 'label', target: amd64 }).text);
    expect(value.defaultErrno).toBe('ENOSYS');
    expect(value.syscalls[2]).toMatchObject({ names: ['mkdir'], errnoRet: 13, errno: 'EACCES' });
  });

  it('refuses a document that would not read back as the profile (a bug, not a user error)', () => {
    const other: CanonicalProfile = { ...tricky, defaultErrnoRet: 1 };
    expect(() => labelValue(tricky, JSON.parse(convertProfile(other, { to: 'podman', target: amd64 }).text))).toThrow(/does not read back/);
  });
});

describe('convert --to containerfile-label', () => {
  it('is one LABEL line whose single-quoted value is the label value, character for character', () => {
    const label = convertProfile(tricky, { to: 'label', target: amd64 }).text.trimEnd();
    const line = convertProfile(tricky, { to: 'containerfile-label', target: amd64 }).text;
    expect(line.split('\n')).toHaveLength(2); // one line and its newline
    expect(line.startsWith(`LABEL ${SECCOMP_PROFILE_LABEL}='{`)).toBe(true);
    expect(labelFromContainerfile(line)).toEqual({ key: SECCOMP_PROFILE_LABEL, value: label });
    expect(profileFromLabel(labelFromContainerfile(line).value, 'line').profile).toEqual(tricky);
  });

  it('has nothing a builder would expand or unescape outside the quotes', () => {
    const line = convertProfile(tricky, { to: 'containerfile-label', target: amd64 }).text;
    const inside = labelFromContainerfile(line).value;
    expect(inside).toContain('$HOME'); // kept as written: single quotes expand nothing
    expect(line.indexOf("'")).toBe(`LABEL ${SECCOMP_PROFILE_LABEL}=`.length);
    expect(line.lastIndexOf("'")).toBe(line.length - 2);
    expect(line.match(/'/g)).toHaveLength(2);
  });

  it('continues a line longer than a builder reads, so that it joins back exactly', () => {
    const big: CanonicalProfile = { ...podmanDefault, syscalls: [...podmanDefault.syscalls, ...podmanDefault.syscalls.map((r) => ({ ...r, comment: `${'# #  '.repeat(2000)}$X \\ '"` }))] };
    const label = convertProfile(big, { to: 'label', target: amd64 }).text.trimEnd();
    expect(label.length).toBeGreaterThan(CONTAINERFILE_LINE_LIMIT);
    const text = convertProfile(big, { to: 'containerfile-label', target: amd64 }).text;
    const lines = text.split('\n').slice(0, -1);
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(Buffer.byteLength(l) + 1).toBeLessThanOrEqual(CONTAINERFILE_LINE_LIMIT + 1);
    for (const l of lines.slice(0, -1)) expect(l.endsWith('\\')).toBe(true);
    for (const l of lines.slice(1)) expect(l).toMatch(/^[^\s#]/); // neither a comment nor a blank start
    expect(labelFromContainerfile(text).value).toBe(label);
  });

  it('splits at any limit without changing the value', () => {
    const label = convertProfile(tricky, { to: 'label', target: amd64 }).text.trimEnd();
    for (const limit of [40, 97, 256, 1000]) {
      const text = containerfileLabel(label, limit);
      expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThanOrEqual(limit);
      expect(labelFromContainerfile(text).value).toBe(label);
    }
  });

  it('refuses a value that single quotes cannot carry', () => {
    expect(seccompGenErrorOf(() => containerfileLabel(`{"a":"it's"}`)).message).toMatch(/printable ASCII without "'"/);
    expect(() => containerfileLabel('{"a":"é"}')).toThrow(/printable ASCII/);
  });
});
