/**
 * The profile travels with the image, end to end on real podman and BPF: a traced profile goes
 * into a Containerfile through `seccomp-gen convert --to containerfile-label`, `podman build`
 * puts it in the io.containers.seccomp.profile label, and `podman run --seccomp-policy=image`
 * replays the workload under it and refuses what it never did; without that policy the same
 * image runs under podman's default. Escaping: a profile with every character JSON may need
 * escaped, and one too long for a Containerfile line, come back exactly through
 * `podman image inspect`. And the CI example (examples/ci/image-record-and-check.sh) passes on
 * the committed profile and fails on a drift. Every image built here has a name of its own,
 * removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, IMAGE, ROOT, podman, result, trace, useWorkspace, type Run } from './support.js';

const ws = useWorkspace();
const LABEL = 'io.containers.seccomp.profile';
const EXAMPLE = join(ROOT, 'examples/ci');
const built: string[] = [];

/** A fresh image name for this run; removed after the file's last test. */
function imageName(what: string): string {
  const name = `localhost/seccomp-gen-e2e/${what}-${process.pid}-${Date.now().toString(36)}:test`;
  built.push(name);
  return name;
}
afterAll(() => {
  for (const name of built) spawnSync('podman', ['rmi', '--force', '--ignore', name], { stdio: 'ignore' });
});

const sg = (...args: string[]): Run => result(spawnSync('node', [CLI, ...args], { encoding: 'utf8' }));

/** podman build of `containerfile` (context: the workspace), tagged `name`. */
function build(name: string, containerfile: string): void {
  const file = ws.path(`Containerfile.${built.length}`);
  writeFileSync(file, containerfile);
  const r = podman(ws.hooksDir, ['build', '--quiet', '-t', name, '-f', file, ws.dir]);
  expect(r.status, r.stderr).toBe(0);
}

/** The label's value as podman stores it. */
function labelOf(name: string): string {
  const r = podman(ws.hooksDir, ['image', 'inspect', '--format', `{{index .Labels "${LABEL}"}}`, name]);
  expect(r.status).toBe(0);
  return r.stdout.replace(/\n$/, '');
}

const convert = (profile: string, to: string): string => {
  const r = sg('convert', profile, '--to', to);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
};

describe('a traced profile in the image label', () => {
  const cmd = ['ls', '-l', '/bin/busybox', '/etc/passwd'];
  let image = '';
  let traced: Run;

  it('goes into a Containerfile with convert --to containerfile-label, and podman build keeps it exactly', () => {
    traced = trace(ws.hooksDir, ws.path('ls.json'), cmd);
    expect(traced.status).toBe(0);
    image = imageName('ls');
    build(image, `FROM ${IMAGE}\n${convert(ws.path('ls.json'), 'containerfile-label')}`);
    expect(labelOf(image)).toBe(convert(ws.path('ls.json'), 'label').trimEnd());
    const d = sg('diff', '--exit-code', ws.path('ls.json'), `image:${image}`);
    expect(d.stdout).toMatch(/no differences/);
    expect(d.status).toBe(0);
    const out = ws.path('back.json');
    expect(sg('convert', `image:${image}`, '--to', 'docker', '-o', out).status).toBe(0); // and back out, for Docker
    expect(sg('diff', '--exit-code', ws.path('ls.json'), out).status).toBe(0);
    expect(sg('show', `image:${image}`).stdout).toMatch(new RegExp(`^image:${image.replace(/[.]/g, '\\.')} +\\(podman format\\)`));
  });

  it('podman run --seccomp-policy=image replays the workload identically', () => {
    const replay = podman(ws.hooksDir, ['run', '--rm', '--seccomp-policy=image', image, ...cmd]);
    expect({ status: replay.status, stdout: replay.stdout, stderr: replay.stderr }).toEqual({ status: traced.status, stdout: traced.stdout, stderr: traced.stderr });
  });

  it('refuses what the workload never did, which podman\'s default allows the same image', () => {
    const never = ['mkdir', '/tmp/never'];
    const underLabel = podman(ws.hooksDir, ['run', '--rm', '--seccomp-policy=image', image, ...never]);
    expect(underLabel.status).not.toBe(0);
    expect(underLabel.stderr).toMatch(/mkdir: can't create directory '\/tmp\/never': Function not implemented/);
    const underDefault = podman(ws.hooksDir, ['run', '--rm', image, 'sh', '-c', 'mkdir /tmp/never && grep ^Seccomp: /proc/self/status']);
    expect(underDefault.stdout).toMatch(/^Seccomp:\s+2$/m); // a filter, podman's default: not the label's
    expect(underDefault.status).toBe(0);
  });

  it('podman refuses --seccomp-policy=image for an image without the label, and so does diff', () => {
    const r = podman(ws.hooksDir, ['run', '--rm', '--seccomp-policy=image', IMAGE, 'true']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no seccomp policy defined by image/);
    const d = sg('diff', '--exit-code', ws.path('ls.json'), `image:${IMAGE}`);
    expect(d.status).toBe(1);
    expect(d.stderr).toMatch(/has no io\.containers\.seccomp\.profile label/);
  });
});

describe('escaping, through podman build and podman image inspect', () => {
  const tricky = join(ROOT, 'test/fixtures/profiles/label-escaping.json');

  it('a profile with quotes, backslashes, $ and newlines in comments, and unicode comes back exactly', () => {
    const image = imageName('escaping');
    const line = convert(tricky, 'containerfile-label');
    build(image, `FROM ${IMAGE}\nENV HOME=/expanded-if-unquoted X=oops\n${line}`);
    expect(labelOf(image)).toBe(convert(tricky, 'label').trimEnd());
    expect(sg('diff', '--exit-code', tricky, `image:${image}`).status).toBe(0);
    const comments = (JSON.parse(labelOf(image)) as { syscalls: { comment: string }[] }).syscalls.map((r) => r.comment);
    const original = (JSON.parse(readFileSync(tricky, 'utf8')) as { syscalls: { comment: string }[] }).syscalls.map((r) => r.comment);
    expect(comments).toEqual(original);
  });

  it('so does the label value given to podman build --label', () => {
    const image = imageName('build-label');
    const file = ws.path('Containerfile.plain');
    writeFileSync(file, `FROM ${IMAGE}\n`);
    const r = podman(ws.hooksDir, ['build', '--quiet', '-t', image, '-f', file, '--label', `${LABEL}=${convert(tricky, 'label').trimEnd()}`, ws.dir]);
    expect(r.status).toBe(0);
    expect(sg('diff', '--exit-code', tricky, `image:${image}`).status).toBe(0);
  });

  it('a profile too long for one Containerfile line is continued, and comes back exactly', () => {
    const base = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/profiles/podman-default.json'), 'utf8')) as { syscalls: { comment?: string }[] };
    base.syscalls = base.syscalls.map((r, i) => ({ ...r, comment: `rule ${i} # ${'x'.repeat(1700)} $HOME \\ '"` }));
    const big = ws.path('big.json');
    writeFileSync(big, JSON.stringify(base));
    const line = convert(big, 'containerfile-label');
    expect(line.length).toBeGreaterThan(65535);
    expect(line.split('\n').length).toBeGreaterThan(2);
    const image = imageName('long');
    build(image, `FROM ${IMAGE}\n${line}`);
    expect(labelOf(image)).toBe(convert(big, 'label').trimEnd());
  });
});

describe('examples/ci/image-record-and-check.sh', () => {
  const check = (context: string): Run => {
    const image = imageName('ci');
    return result(
      spawnSync('bash', [join(EXAMPLE, 'image-record-and-check.sh'), join(EXAMPLE, 'workload.container.json'), image, context], {
        encoding: 'utf8',
        cwd: ws.dir,
        env: {
          ...process.env,
          SECCOMP_GEN: `node ${CLI}`,
          PODMAN: `podman --hooks-dir ${ws.hooksDir}`,
          RECORDED_PROFILE: ws.path('ci.json'),
          REFUSED_CMD: 'busybox ln -s a /tmp/link',
        },
        timeout: 120_000,
      }),
    );
  };

  it('passes: the profile is the committed one, the image carries it, replays under it and refuses the rest', () => {
    const r = check(EXAMPLE);
    console.log(`image-record-and-check.sh, passing:\n${r.stdout}${r.stderr}`);
    expect(r.stdout).toMatch(/workload\.container\.json is up to date/);
    expect(r.stdout).toMatch(/carries .*workload\.container\.json in its io\.containers\.seccomp\.profile label/);
    expect(r.stdout).toMatch(/--seccomp-policy=image .*: same output, exit 0/);
    expect(r.stdout).toMatch(/refused under the label's profile, as it should be \(exit 1\): ln: \/tmp\/link: Function not implemented/);
    expect(r.status).toBe(0);
  });

  it('fails and shows the drift when the workload changes', () => {
    const changed = ws.path('changed');
    mkdirSync(changed);
    copyFileSync(join(EXAMPLE, 'workload.sh'), join(changed, 'workload.sh'));
    writeFileSync(join(changed, 'Containerfile'), `${readFileSync(join(EXAMPLE, 'Containerfile'), 'utf8')}ENV WORKLOAD_EXTRA=1\n`);
    const r = check(changed);
    console.log(`image-record-and-check.sh, drifting:\n${r.stdout}${r.stderr}`);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^\+ symlink\s+ALLOW$/m);
    expect(r.stderr).toMatch(/syscalls changed; new profile in .*ci\.json/);
    expect(r.stdout).not.toMatch(/carries/); // stopped before building the labelled image
  });
});
