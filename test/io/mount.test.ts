import { describe, expect, it } from 'vitest';
import { mountAt } from '../../src/io/mount.js';

// /proc/PID/mountinfo as the kernel writes it: optional fields (shared:N, master:N) before "-".
const MOUNTINFO = `27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
47 27 0:45 / /run rw,nosuid shared:2 - tmpfs tmpfs rw
94 47 0:45 /seccomp-gen/ns/mnt /run/seccomp-gen/ns/mnt rw,nosuid shared:2 - tmpfs tmpfs rw
95 94 0:45 /seccomp-gen/ns/mnt /run/seccomp-gen/ns/mnt rw,nosuid - tmpfs tmpfs rw
96 27 0:46 / /tmp/with\\040space rw master:3 - tmpfs tmpfs rw
`;

describe('mountAt', () => {
  it('says whether the mount on top at a path propagates to peers', () => {
    expect(mountAt(MOUNTINFO, '/run')).toEqual({ shared: true });
    expect(mountAt(MOUNTINFO, '/run/seccomp-gen/ns/mnt')).toEqual({ shared: false }); // made private over a shared one
    expect(mountAt(MOUNTINFO, '/tmp/with space')).toEqual({ shared: false }); // a slave sends nothing
    expect(mountAt(MOUNTINFO, '/run/seccomp-gen')).toBeUndefined();
  });
});
