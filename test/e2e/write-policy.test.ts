/**
 * End to end (root, podman, the test users sg-alice and sg-bob of test/setup.sh, who share the
 * group sg-shared): no annotation makes the root hook write or read what the person who chose it
 * could not. Each case is a real `podman run` with the hooks installed; a login uid is given to a
 * run the way a login does (a fresh process writes /proc/self/loginuid once, then execs podman).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNOTATION, IMAGE, RUN_DIR, podman, readProfile, result, useWorkspace, type Run } from './support.js';

const ws = useWorkspace();
const PROFILE = '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}\n';

function user(name: string): { uid: number; gid: number; home: string } {
  const id = (flag: string) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g'), home: `/home/${name}` };
}
let alice: ReturnType<typeof user>;
let bob: ReturnType<typeof user>;
let sharedGid: number;
let scratch: string;

beforeAll(() => {
  alice = user('sg-alice');
  bob = user('sg-bob');
  sharedGid = Number(spawnSync('getent', ['group', 'sg-shared'], { encoding: 'utf8' }).stdout.split(':')[2]);
  if (!alice.uid || !bob.uid || !sharedGid) throw new Error('the test users sg-alice, sg-bob and group sg-shared are missing: run test/setup.sh');
  // A scratch directory every user may reach (the workspace is root's, 0700).
  scratch = mkdtempSync(join('/var/tmp', 'sg-policy-'));
  chmodSync(scratch, 0o755);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `podman run` tracing `true` into `output` (and from `input`), with a login uid when given. */
function traceAs(loginuid: number | undefined, annotation: string, extra: string[] = []): Run {
  const args = ['--hooks-dir', ws.hooksDir, 'run', '--rm', '--annotation', `${ANNOTATION}=${annotation}`, ...extra, IMAGE, 'true'];
  if (loginuid === undefined) return podman(ws.hooksDir, args.slice(2));
  const r = spawnSync('sh', ['-c', `echo ${loginuid} > /proc/self/loginuid && exec podman "$@"`, 'sh', ...args], { encoding: 'utf8', timeout: 120_000, cwd: ws.dir });
  return result(r);
}

const hookLine = (r: Run) => r.stderr.match(/seccomp-gen prestart: .*/)?.[0] ?? '';

function dir(name: string, uid: number, gid: number, mode: number): string {
  const d = join(scratch, name);
  mkdirSync(d);
  chownSync(d, uid, gid);
  chmodSync(d, mode);
  return d;
}

describe('nobody known (root: a CI runner, a service, this machine)', () => {
  it('an existing file that is not a profile is left intact and the container refused, in /etc and in a home', () => {
    const etc = `/etc/sg-victim-${process.pid}.conf`;
    writeFileSync(etc, 'keep\n');
    const home = join(alice.home, `.sg-victim-${process.pid}`);
    writeFileSync(home, 'keep\n');
    chownSync(home, alice.uid, alice.gid);
    const tmp = join(scratch, 'victim.conf');
    writeFileSync(tmp, 'keep\n');
    try {
      const r1 = traceAs(undefined, `of:${etc}`);
      expect(r1.status).not.toBe(0);
      expect(hookLine(r1)).toMatch(/sg-victim-\d+\.conf: refusing to write, as root, into \/etc \(the system configuration/);
      const r2 = traceAs(undefined, `of:${home}`);
      expect(r2.status).not.toBe(0);
      expect(hookLine(r2)).toMatch(new RegExp(`exists and belongs to uid ${alice.uid}, not to root`));
      const r3 = traceAs(undefined, `of:${tmp}`);
      expect(r3.status).not.toBe(0);
      expect(hookLine(r3)).toMatch(/victim\.conf: exists and is not a seccomp profile: seccomp-gen replaces only an empty file \(e\.g\. from mktemp\) or a profile; remove it or choose another path/);
      for (const f of [etc, home, tmp]) expect(readFileSync(f, 'utf8')).toBe('keep\n');
    } finally {
      rmSync(etc, { force: true });
      rmSync(home, { force: true });
    }
  });

  it('an empty mktemp file and an existing profile are replaced; /tmp is fine; a new file in /etc is refused', () => {
    const empty = spawnSync('mktemp', ['-p', scratch], { encoding: 'utf8' }).stdout.trim();
    expect(traceAs(undefined, `of:${empty}`).status).toBe(0);
    expect(readProfile(empty).defaultAction).toBe('SCMP_ACT_ERRNO');
    const profile = join(scratch, 'existing.json');
    writeFileSync(profile, PROFILE);
    expect(traceAs(undefined, `of:${profile}`).status).toBe(0);
    expect(readProfile(profile).syscalls.length).toBeGreaterThan(1);
    const tmp = join(tmpdir(), `sg-policy-${process.pid}.json`);
    try {
      expect(traceAs(undefined, `of:${tmp}`).status).toBe(0);
      expect(statSync(tmp).uid).toBe(0);
    } finally {
      rmSync(tmp, { force: true });
    }
    const etc = `/etc/sg-new-${process.pid}.json`;
    const r = traceAs(undefined, `of:${etc}`);
    expect(r.status).not.toBe(0);
    expect(hookLine(r)).toMatch(/refusing to write, as root, into \/etc .*list the directory in outputDirs/);
    expect(existsSync(etc)).toBe(false);
  });
});

describe('a known starter (login uid): their own rights', () => {
  it('refuses a directory they cannot write; writes in their home, the file theirs', () => {
    const closed = dir('closed', 0, 0, 0o755);
    const r = traceAs(alice.uid, `of:${join(closed, 'p.json')}`);
    expect(r.status).not.toBe(0);
    expect(hookLine(r)).toMatch(/p\.json: cannot create a file in .*closed \(EACCES\)/);
    expect(readdirSync(closed)).toEqual([]);
    const mine = join(alice.home, `sg-${process.pid}.json`);
    try {
      expect(traceAs(alice.uid, `of:${mine}`).status).toBe(0);
      const st = statSync(mine);
      expect([st.uid, st.gid, st.mode & 0o777]).toEqual([alice.uid, alice.gid, 0o644]);
    } finally {
      rmSync(mine, { force: true });
    }
  });

  it('reads if: only if they may, without revealing it', () => {
    const secret = join(scratch, 'secret.json');
    writeFileSync(secret, PROFILE.replace('"syscalls"', '"comment":"TOP-SECRET","syscalls"'), { mode: 0o600 });
    const out = join(dir('alice-out', alice.uid, alice.gid, 0o755), 'p.json');
    const r = traceAs(alice.uid, `if:${secret};of:${out}`);
    expect(r.status).not.toBe(0);
    expect(hookLine(r)).toMatch(/if: .*secret\.json: cannot open \(EACCES\)/);
    expect(r.stderr).not.toMatch(/TOP-SECRET/);
    expect(existsSync(out)).toBe(false);
  });

  it("writes in a group-writable directory of one of their groups (supplementary: sg-shared)", () => {
    const shared = dir('shared', 0, sharedGid, 0o770);
    expect(traceAs(alice.uid, `of:${join(shared, 'alice.json')}`).status).toBe(0);
    expect(statSync(join(shared, 'alice.json')).uid).toBe(alice.uid);
    // …and bob, who may write there too, can neither replace nor take over her profile
    const r = traceAs(bob.uid, `of:${join(shared, 'alice.json')}`);
    expect(r.status).not.toBe(0);
    expect(hookLine(r)).toMatch(new RegExp(`alice\\.json: exists and belongs to uid ${alice.uid}, not to uid ${bob.uid}`));
    expect(statSync(join(shared, 'alice.json')).uid).toBe(alice.uid);
  });

  it('a directory of theirs swapped for a symlink to /etc while the container runs leads nowhere: kept unwritten', () => {
    const d = dir('swap', alice.uid, alice.gid, 0o755);
    mkdirSync(join(d, 'out'));
    chownSync(join(d, 'out'), alice.uid, alice.gid);
    const target = join(d, 'out', `sg-swap-${process.pid}.json`);
    // The container renames out away and puts a symlink to /etc in its place (as alice could).
    const script = `sleep 1; mv ${join(d, 'out')} ${join(d, 'moved')}; ln -s /etc ${join(d, 'out')}`;
    const run = spawnSync('sh', ['-c', `(${script}) & echo ${alice.uid} > /proc/self/loginuid && exec podman "$@"`, 'sh', '--hooks-dir', ws.hooksDir, 'run', '--rm', '--cidfile', join(d, 'cid'), '--annotation', `${ANNOTATION}=of:${target}`, IMAGE, 'sleep', '2'], { encoding: 'utf8', timeout: 120_000, cwd: ws.dir });
    expect(run.status).toBe(0); // podman ignores a failed poststop
    expect(existsSync(`/etc/sg-swap-${process.pid}.json`)).toBe(false);
    expect(readdirSync(join(d, 'moved'))).toEqual([]);
    const id = readFileSync(join(d, 'cid'), 'utf8').trim();
    expect(existsSync(join(RUN_DIR, 'unwritten', `${id}.json`))).toBe(true);
  });

  it('the upstream flow: tmp=$(mktemp) as the user, then the annotation of:$tmp', () => {
    const tmp = spawnSync('runuser', ['-u', 'sg-alice', '--', 'mktemp', '-p', alice.home], { encoding: 'utf8' }).stdout.trim();
    try {
      expect(tmp).toMatch(/^\/home\/sg-alice\/tmp\./);
      expect(traceAs(alice.uid, `of:${tmp}`).status).toBe(0);
      expect(readProfile(tmp).defaultAction).toBe('SCMP_ACT_ERRNO');
      expect(statSync(tmp).uid).toBe(alice.uid);
    } finally {
      rmSync(tmp, { force: true });
    }
  });
});

describe('Kubernetes (CRI-O annotations, no login uid)', () => {
  const namespace = `sg-test-${process.pid}`;
  const crio = (ns: string) => ['--annotation', 'io.kubernetes.cri-o.ContainerType=container', '--annotation', `io.kubernetes.pod.namespace=${ns}`];
  afterAll(() => rmSync(join('/var/lib/seccomp-gen', namespace), { recursive: true, force: true }));

  it("writes only under /var/lib/seccomp-gen/<the pod's namespace>/", () => {
    const r = traceAs(undefined, `of:/tmp/sg-pod-${process.pid}.json`, crio(namespace));
    expect(r.status).not.toBe(0);
    expect(hookLine(r)).toMatch(new RegExp(`a Kubernetes pod writes its profile only under its own namespace's directory, /var/lib/seccomp-gen/${namespace}/ \\(the default; an administrator may set outputDirs`));
    expect(existsSync(`/tmp/sg-pod-${process.pid}.json`)).toBe(false);

    const own = join('/var/lib/seccomp-gen', namespace, 'web.json');
    expect(traceAs(undefined, `of:${own}`, crio(namespace)).status).toBe(0);
    expect(readProfile(own).defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(statSync(join('/var/lib/seccomp-gen', namespace)).mode & 0o777).toBe(0o755);

    const other = `sg-other-${process.pid}`;
    mkdirSync(join('/var/lib/seccomp-gen', other), { recursive: true });
    try {
      const cross = traceAs(undefined, `of:${join('/var/lib/seccomp-gen', other, 'web.json')}`, crio(namespace));
      expect(cross.status).not.toBe(0);
      expect(hookLine(cross)).toMatch(/only under its own namespace's directory/);
      expect(readdirSync(join('/var/lib/seccomp-gen', other))).toEqual([]);
    } finally {
      rmSync(join('/var/lib/seccomp-gen', other), { recursive: true, force: true });
    }
  });

  it('a pod cannot switch this off with its own annotations', () => {
    for (const ns of ['', '../..', 'Other']) {
      const r = traceAs(undefined, `of:/tmp/sg-pod-${process.pid}.json`, crio(ns));
      expect(r.status).not.toBe(0);
      expect(hookLine(r)).toMatch(/no valid namespace in io\.kubernetes\.pod\.namespace/);
    }
    expect(existsSync(`/tmp/sg-pod-${process.pid}.json`)).toBe(false);
  });
});
