/* The runtime options of the profile commands: validate --runtime, convert --runtimes, show's
 * "starts under", on a profile the hook wrote under runc before it knew crun's set. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert } from '../../src/cli/commands/convert.js';
import { show } from '../../src/cli/commands/show.js';
import { validate } from '../../src/cli/commands/validate.js';
import { runtimeRuleComment, runtimeSet } from '../../src/profile/runtime-sets.js';
import { fixture } from '../profile/helpers.js';
import { run, useCliHarness } from './harness.js';

const io = useCliHarness('sg-cli-rt-');
const OLD_RUNC = fixture('hook-ls.json'); // runc-traced, with runc's allowance only

describe('runtimes in the profile commands', () => {
  it('validate --runtime warns when the container cannot start under it, and stays valid', async () => {
    expect(await run(validate, OLD_RUNC, '--runtime', 'runc')).toBe(0);
    expect(io.err).toBe('');
    expect(await run(validate, OLD_RUNC, '--runtime', 'crun', '--runtime', 'runc')).toBe(0);
    expect(io.err).toMatch(/warning: .*hook-ls\.json: cannot start the container under crun: it does not allow .*setresgid.*convert --runtimes crun adds them/);
    expect(io.err).not.toMatch(/under runc/);
    expect(await run(validate, OLD_RUNC, '--runtime', 'youki')).toBe(2);
  });

  it('show says which runtimes can start it', async () => {
    expect(await run(show, OLD_RUNC)).toBe(0);
    expect(io.out).toMatch(/starts under\s+runc; not crun \(needs .*setresgid/);
  });

  it('convert --runtimes crun adds crun\'s calls in their own rule; then it starts under both', async () => {
    const out = join(io.dir, 'both.json');
    expect(await run(convert, OLD_RUNC, '--to', 'docker', '--runtimes', 'crun', '-o', out)).toBe(0);
    const p = JSON.parse(readFileSync(out, 'utf8')) as { syscalls: { names: string[]; comment?: string }[] };
    const rule = p.syscalls.at(-1)!;
    expect(rule.comment).toBe(runtimeRuleComment(['crun']));
    expect(rule.names).toContain('setresgid');
    expect(rule.names.every((n) => runtimeSet('crun').includes(n))).toBe(true);
    io.err = '';
    expect(await run(validate, out, '--runtime', 'crun', '--runtime', 'runc')).toBe(0);
    expect(io.err).toBe('');
    io.out = '';
    expect(await run(show, out)).toBe(0);
    expect(io.out).toMatch(/starts under\s+crun, runc\n/);
  });
});
