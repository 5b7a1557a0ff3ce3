import { describe, expect, it } from 'vitest';
import { existingRefusal, looksLikeProfile, outputPolicy, outputRefusal, placeRefusal, SYSTEM_DIRS, type OutputPolicy } from '../../src/policy/output-policy.js';

const alice = { uid: 1000, gid: 1000 };
const root = outputPolicy({});
const starter = outputPolicy({ starter: alice });
const pod = outputPolicy({ kubernetesNamespace: 'team-a' });

function place(policy: OutputPolicy, realDir: string, realRoots: string[] = [...(policy.roots ?? [])]): string | undefined {
  return placeRefusal(policy, `${realDir}/p.json`, realDir, realRoots);
}

describe('who writes: the decision from the starter, Kubernetes and the config', () => {
  it('a known starter writes as themselves; nobody known: root; CRI-O: root, under the namespace', () => {
    expect(starter).toEqual({ mode: 'starter', writer: alice, rootsFromConfig: false });
    expect(root).toEqual({ mode: 'root', rootsFromConfig: false });
    expect(pod).toEqual({ mode: 'kubernetes', roots: ['/var/lib/seccomp-gen'], rootsFromConfig: false, namespace: 'team-a' });
    expect(outputPolicy({ kubernetesNamespace: 'b', outputDirs: ['/srv/p'] })).toMatchObject({ roots: ['/srv/p'], rootsFromConfig: true });
    expect(outputPolicy({ starter: alice, outputDirs: ['/home'] })).toMatchObject({ mode: 'starter', roots: ['/home'] });
  });
});

describe('where (placeRefusal)', () => {
  // rows: policy, directory, refused?
  const table: [string, OutputPolicy, string, RegExp | undefined][] = [
    ['root, /tmp', root, '/tmp', undefined],
    ['root, a home', root, '/home/alice', undefined],
    ['root, /etc', root, '/etc', /refusing to write, as root, into \/etc \(the system configuration/],
    ['root, /usr/lib', root, '/usr/lib', /into \/usr/],
    ['root, /var/lib/dpkg', root, '/var/lib/dpkg', /into \/var\/lib/],
    ['root, ours under /var/lib', root, '/var/lib/seccomp-gen/x', undefined],
    ['root, /run', root, '/run/seccomp-gen', /into \/run/],
    ['root, /etcetera is not /etc', root, '/etcetera', undefined],
    ['starter: the kernel decides, even /etc', starter, '/etc', undefined],
    ['starter uid 0: root rules', outputPolicy({ starter: { uid: 0 } }), '/etc', /as root, into \/etc/],
    ['pod, own namespace', pod, '/var/lib/seccomp-gen/team-a', undefined],
    ['pod, below its namespace', pod, '/var/lib/seccomp-gen/team-a/x', undefined],
    ['pod, another namespace', pod, '/var/lib/seccomp-gen/team-b', /only under its own namespace's directory, \/var\/lib\/seccomp-gen\/team-a\/ \(the default; .*outputDirs/],
    ['pod, the root itself', pod, '/var/lib/seccomp-gen', /own namespace/],
    ['pod, /tmp', pod, '/tmp', /\/var\/lib\/seccomp-gen\/team-a\//],
    ['pod, a prefix sibling', pod, '/var/lib/seccomp-gen/team-ab', /own namespace/],
  ];
  for (const [name, policy, dir, refused] of table) {
    it(name, () => {
      const r = place(policy, dir);
      if (refused) expect(r).toMatch(refused);
      else expect(r).toBeUndefined();
    });
  }

  it('outputDirs: only under them, and an explicit entry may open a system directory', () => {
    const listed = outputPolicy({ outputDirs: ['/srv/p', '/etc/seccomp'] });
    expect(place(listed, '/srv/p/x')).toBeUndefined();
    expect(place(listed, '/etc/seccomp')).toBeUndefined();
    expect(place(listed, '/tmp')).toMatch(/not under an allowed output directory \(outputDirs in the seccomp-gen config: \/srv\/p, \/etc\/seccomp\)/);
    expect(place(listed, '/etc')).toMatch(/not under an allowed/);
    // a root that does not exist allows nothing
    expect(place(listed, '/srv/p/x', [])).toMatch(/not under an allowed/);
    expect(place(outputPolicy({ outputDirs: [] }), '/tmp')).toMatch(/none/);
  });

  it('names every system directory it refuses with a reason', () => {
    for (const s of SYSTEM_DIRS) {
      expect(s.why.length).toBeGreaterThan(3);
      expect(place(root, s.dir)).toMatch(new RegExp(`into ${s.dir} `));
    }
  });
});

describe('what may be replaced (existingRefusal)', () => {
  const mine = { uid: 1000, size: 0, isProfile: false };
  it('an empty file or a profile of the writer is replaced', () => {
    expect(existingRefusal(starter, '/x', mine)).toBeUndefined();
    expect(existingRefusal(starter, '/x', { ...mine, size: 10, isProfile: true })).toBeUndefined();
    expect(existingRefusal(root, '/x', { uid: 0, size: 10, isProfile: true })).toBeUndefined();
  });
  it('anything else is refused, saying why and what to do', () => {
    expect(existingRefusal(starter, '/x', { ...mine, size: 10 })).toMatch(/\/x: exists and is not a seccomp profile: .*empty file \(e\.g\. from mktemp\) or a profile; remove it or choose another path/);
    expect(existingRefusal(root, '/etc/victim.conf', { uid: 0, size: 5, isProfile: false })).toMatch(/not a seccomp profile/);
  });
  it("another user's file is never replaced (nor handed over), profile or not", () => {
    expect(existingRefusal(starter, '/x', { uid: 1001, size: 0, isProfile: false })).toMatch(/belongs to uid 1001, not to uid 1000 \(who started the container\)/);
    expect(existingRefusal(root, '/x', { uid: 1001, size: 10, isProfile: true })).toMatch(/belongs to uid 1001, not to root/);
    expect(existingRefusal(pod, '/x', { uid: 1000, size: 0, isProfile: false })).toMatch(/not to root/);
  });
});

describe('the whole decision (outputRefusal): the place, then what is there, looked at only when needed', () => {
  /** A directory with `file` in it, counting what the rules look at. */
  function placeWith(realDir: string, file?: { uid: number; size: number; text: string }) {
    const looked = { existing: 0, text: 0 };
    return {
      looked,
      place: {
        realDir,
        realRoots: [],
        existing: () => (looked.existing++, file && { uid: file.uid, size: file.size }),
        text: () => (looked.text++, file?.text ?? ''),
      },
    };
  }
  it('a refused place is refused before anything in it is examined', () => {
    const { place, looked } = placeWith('/etc', { uid: 0, size: 9, text: '{"defaultAction":"SCMP_ACT_ERRNO"}' });
    expect(outputRefusal(root, '/etc/p.json', place)).toMatch(/refusing to write, as root, into \/etc/);
    expect(looked).toEqual({ existing: 0, text: 0 });
  });
  it("another user's file is refused unread; an empty file is replaced unread", () => {
    const theirs = placeWith('/tmp', { uid: 1001, size: 9, text: '{"defaultAction":"SCMP_ACT_ERRNO"}' });
    expect(outputRefusal(starter, '/tmp/p.json', theirs.place)).toMatch(/belongs to uid 1001/);
    expect(theirs.looked).toEqual({ existing: 1, text: 0 });
    const empty = placeWith('/tmp', { uid: 1000, size: 0, text: '' });
    expect(outputRefusal(starter, '/tmp/p.json', empty.place)).toBeUndefined();
    expect(empty.looked.text).toBe(0);
  });
  it("the writer's own file is read to tell a profile (replaced) from anything else (refused)", () => {
    expect(outputRefusal(starter, '/tmp/p.json', placeWith('/tmp', { uid: 1000, size: 9, text: '{"defaultAction":"SCMP_ACT_ERRNO"}' }).place)).toBeUndefined();
    expect(outputRefusal(starter, '/tmp/p.json', placeWith('/tmp', { uid: 1000, size: 9, text: 'PATH=/bin' }).place)).toMatch(/not a seccomp profile/);
    expect(outputRefusal(starter, '/tmp/p.json', placeWith('/tmp').place)).toBeUndefined();
  });
});

describe('looksLikeProfile', () => {
  it('knows the formats we read', () => {
    expect(looksLikeProfile('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}')).toBe(true);
    expect(looksLikeProfile('{"ociVersion":"1.0.2","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO"}}}')).toBe(true);
    expect(looksLikeProfile('{"apiVersion":"security-profiles-operator.x-k8s.io/v1beta1","kind":"SeccompProfile","spec":{"defaultAction":"SCMP_ACT_ERRNO"}}')).toBe(true);
    expect(looksLikeProfile('apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n')).toBe(true);
  });
  it('refuses the rest', () => {
    expect(looksLikeProfile('root:x:0:0:root:/root:/bin/bash\n')).toBe(false);
    expect(looksLikeProfile('keep\n')).toBe(false);
    expect(looksLikeProfile('{"name":"x"}')).toBe(false);
    expect(looksLikeProfile('[1,2]')).toBe(false);
    expect(looksLikeProfile('null')).toBe(false);
    expect(looksLikeProfile('{"defaultAction":1}')).toBe(false);
    expect(looksLikeProfile('kind: SeccompProfile\n')).toBe(false);
  });
});

describe('a rootless hook writes as itself (self)', () => {
  const self = outputPolicy({ self: true, outputDirs: ['/srv'] });
  it('has no roots and no system-directory rule: the kernel decides, and it is the user', () => {
    expect(self).toEqual({ mode: 'self', rootsFromConfig: false });
    expect(placeRefusal(self, '/run/user/1003/p.json', '/run/user/1003', [])).toBeUndefined();
  });
  it("replaces only a file of its own uid, and says so without naming root", () => {
    const me = process.geteuid!();
    expect(existingRefusal(self, '/x/p.json', { uid: me, size: 0, isProfile: false })).toBeUndefined();
    expect(existingRefusal(self, '/x/p.json', { uid: me + 1, size: 10, isProfile: true })).toBe('/x/p.json: exists and belongs to someone else: seccomp-gen replaces only your own file; choose another path');
  });
});
