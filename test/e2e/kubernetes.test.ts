/**
 * What a CRI-O node hands the hook, played with podman: the pod's annotations on every container
 * plus its Kubernetes name. Only the container its per-container key names is traced; its
 * profile, converted with convert --to crd, is a SeccompProfile of the expected shape.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ANNOTATION, CLI, allowed, podman, readProfile, useWorkspace, IMAGE } from './support.js';

const ws = useWorkspace();
const k8sRun = (container: string, annotations: Record<string, string>, cmd: string[]) =>
  podman(ws.hooksDir, ['run', '--rm', '--annotation', `io.kubernetes.container.name=${container}`, ...Object.entries(annotations).flatMap(([k, v]) => ['--annotation', `${k}=${v}`]), IMAGE, ...cmd]);

describe('CRI-O style per-container keys', () => {
  it('traces the named container only, and its profile converts to a SeccompProfile', () => {
    const out = ws.path('web.json');
    const other = ws.path('db.json');
    const pod = { [`${ANNOTATION}/web`]: `of:${out}`, [`${ANNOTATION}/db`]: `of:${other}` };
    expect(k8sRun('POD', pod, ['true']).status).toBe(0); // the infra container: no key of its own
    expect(existsSync(out) || existsSync(other)).toBe(false);
    const web = k8sRun('web', pod, ['ls', '/']);
    expect(web.stderr).toBe('');
    expect(allowed(readProfile(out)).has('getdents64')).toBe(true);
    expect(existsSync(other)).toBe(false);

    const crd = spawnSync('node', [CLI, 'convert', out, '--to', 'crd', '--name', 'web'], { encoding: 'utf8' });
    expect(crd.status).toBe(0);
    const doc = parseYaml(crd.stdout) as { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> & { syscalls: { names: string[]; action: string }[] } };
    expect({ apiVersion: doc.apiVersion, kind: doc.kind, name: doc.metadata.name }).toEqual({
      apiVersion: 'security-profiles-operator.x-k8s.io/v1beta1',
      kind: 'SeccompProfile',
      name: 'web',
    });
    expect(doc.spec.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(doc.spec).not.toHaveProperty('defaultErrnoRet');
    expect(new Set(doc.spec.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names))).toEqual(allowed(readProfile(out)));
    expect(crd.stderr).toMatch(/no defaultErrnoRet/);
  });
});
