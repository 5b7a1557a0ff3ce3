/**
 * End to end (root, podman): every malformed trace request stops the container at prestart with
 * one line podman shows, naming the problem, and writes nothing.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNOTATION, IMAGE, podman, recorderPinned, workspace, type Workspace } from './support.js';

let ws: Workspace;
beforeAll(() => {
  ws = workspace();
  writeFileSync(join(ws.dir, 'not-json.json'), '{"defaultAction": ');
  writeFileSync(join(ws.dir, 'not-profile.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_MAYBE' }));
  mkdirSync(join(ws.dir, 'a-directory'));
});
afterAll(() => ws?.cleanup());

describe('a bad io.containers.trace-syscall annotation', () => {
  const out = () => join(ws.dir, 'out.json');
  const cases: [string, () => string, RegExp][] = [
    ['a relative of: path', () => 'of:relative/out.json', /not an absolute path/],
    ['an unknown key', () => `xf:/tmp/x.json;of:${out()}`, /unknown key "xf:"/],
    ['no of:', () => `if:${join(ws.dir, 'not-json.json')}`, /no "of:" output file/],
    ['an empty value', () => '', /is empty/],
    ['an if: file that does not exist', () => `if:${join(ws.dir, 'missing.json')};of:${out()}`, /missing\.json: cannot open \(ENOENT\)/],
    ['an if: file that is not JSON', () => `if:${join(ws.dir, 'not-json.json')};of:${out()}`, /not-json\.json: not valid JSON \(line 1, column \d+\)/],
    ['an if: file that is not a profile', () => `if:${join(ws.dir, 'not-profile.json')};of:${out()}`, /not-profile\.json: not a seccomp profile: defaultAction/],
    ['an if: that is a directory', () => `if:${join(ws.dir, 'a-directory')};of:${out()}`, /not a regular file/],
    ['an of: in a directory that does not exist', () => `of:${join(ws.dir, 'nowhere', 'out.json')}`, /does not exist/],
    ['an of: under /proc', () => 'of:/proc/self/out.json', /refusing to write under \/proc/],
  ];

  it.each(cases)('%s: podman run fails, stderr names it, nothing is written', (_name, value, message) => {
    const before = readdirSync(ws.dir).sort();
    const r = podman(ws.hooksDir, ['run', '--rm', '--annotation', `${ANNOTATION}=${value()}`, IMAGE, 'echo', 'should-not-run']);
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toContain('should-not-run');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/seccomp-gen prestart:/);
    expect(readdirSync(ws.dir).sort()).toEqual(before);
    expect(existsSync(out())).toBe(false);
    expect(recorderPinned()).toBe(false);
  });
});
