import { describe, expect, it } from 'vitest';
import { imageName, loadImageProfile, loadProfileOrImage, type ReadLabels } from '../../src/cli/image-label.js';
import { convertProfile } from '../../src/toolkit/convert.js';
import { SECCOMP_PROFILE_LABEL } from '../../src/toolkit/label.js';
import { loadProfile } from '../../src/toolkit/load.js';
import { seccompGenErrorOf } from '../helpers.js';
import { fixture } from '../profile/helpers.js';

const ls = loadProfile(fixture('hook-ls.json')).profile;
const label = convertProfile(ls, { to: 'label', target: { arch: 'amd64', caps: [], kernel: '6.1' } }).text.trimEnd();

/** A fake image store: image name → labels; what it was asked for. */
function store(images: Record<string, Record<string, string>>): ReadLabels & { asked: string[] } {
  const asked: string[] = [];
  const read = (image: string) => {
    asked.push(image);
    const labels = images[image];
    if (!labels) throw new Error(`no image ${image}`);
    return labels;
  };
  return Object.assign(read, { asked });
}

describe('image:NAME arguments', () => {
  it('name an image with image: or containers-storage:, anything else a file', () => {
    expect(imageName('image:localhost/app:1')).toBe('localhost/app:1');
    expect(imageName('containers-storage:localhost/app@sha256:ab')).toBe('localhost/app@sha256:ab');
    expect(imageName('app.json')).toBeUndefined();
    expect(imageName('./image:app')).toBeUndefined();
    expect(seccompGenErrorOf(() => imageName('image:')).code).toBe('USAGE');
  });

  it('read the profile in the image label', () => {
    const images = store({ 'localhost/app:1': { [SECCOMP_PROFILE_LABEL]: label, other: 'x' } });
    const loaded = loadImageProfile('image:localhost/app:1', images);
    expect(loaded.profile).toEqual(ls);
    expect(loaded.format).toBe('podman');
    expect(images.asked).toEqual(['localhost/app:1']);
  });

  it('say so when the image has no such label, or it is not a profile', () => {
    const images = store({ bare: { other: 'x' }, empty: { [SECCOMP_PROFILE_LABEL]: '' }, broken: { [SECCOMP_PROFILE_LABEL]: '{"defaultAction":' }, wrong: { [SECCOMP_PROFILE_LABEL]: '{"defaultAction":"SCMP_ACT_NOPE"}' } });
    expect(seccompGenErrorOf(() => loadImageProfile('image:bare', images)).message).toBe(
      `image:bare: the image has no ${SECCOMP_PROFILE_LABEL} label (podman run --seccomp-policy=image refuses to start it; add one with seccomp-gen convert --to containerfile-label)`,
    );
    expect(seccompGenErrorOf(() => loadImageProfile('image:empty', images)).message).toMatch(/has no io\.containers\.seccomp\.profile label/);
    expect(seccompGenErrorOf(() => loadImageProfile('image:broken', images)).message).toMatch(/^image:broken \(label io\.containers\.seccomp\.profile\): not valid JSON \(line 1, column 18\)$/);
    expect(seccompGenErrorOf(() => loadImageProfile('image:wrong', images)).message).toMatch(/^image:wrong \(label io\.containers\.seccomp\.profile\): not a seccomp profile: defaultAction: unknown action "SCMP_ACT_NOPE"/);
  });

  it('leave files to the file reader', () => {
    const images = store({});
    expect(loadProfileOrImage(fixture('hook-ls.json'), images).profile).toEqual(ls);
    expect(images.asked).toEqual([]);
  });
});
