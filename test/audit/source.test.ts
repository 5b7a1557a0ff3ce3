import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditRecordReader, parseAuditText } from '../../src/audit/parse.js';
import { readAuditRecords, type ReadProgress } from '../../src/audit/source.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-audit-source-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// Multi-byte characters and bytes that are no UTF-8 at all, in lines of an odd length, so that
// the 1 MiB chunks end inside characters, inside invalid sequences and inside lines.
function awkwardLog(bytes: number): Buffer {
  const lines: Buffer[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = Buffer.concat([
      Buffer.from(`type=SECCOMP msg=audit(1795427385.${String(i % 1000).padStart(3, '0')}:${i}): pid=${i} comm="né€😀${i % 7}`),
      Buffer.from([0xe2, 0x82, 0xff, 0xc3]),
      Buffer.from(`" exe="/usr/bin/x" arch=c000003e syscall=${i % 300} compat=0 code=0x7ffc0000${i % 3 ? '\n' : '\r\n'}`),
    ]);
    lines.push(line);
    size += line.length;
  }
  lines.push(Buffer.from('type=SECCOMP msg=audit(1.0:1): arch=c000003e syscall=1 code=0x7ffc0000')); // no final newline
  return Buffer.concat(lines);
}

describe('readAuditRecords', () => {
  it('reads a big file a chunk at a time into exactly the records of the whole text, telling its progress', async () => {
    const path = join(dir, 'audit.log');
    writeFileSync(path, awkwardLog(3.5 * 1024 * 1024));
    const told: ReadProgress[] = [];
    const read = await readAuditRecords(path, { onProgress: (p) => told.push(p) });
    const whole = parseAuditText(readFileSync(path, 'utf8'));
    expect(read.events.length).toBeGreaterThan(10_000);
    expect(read.events[1]!.comm).toBe('né€😀1\ufffd\ufffd\ufffd');
    expect(read.events).toEqual(whole);
    expect(read).toMatchObject({ source: path, kernelLog: false });
    const size = readFileSync(path).length;
    expect(told.length).toBe(4);
    expect(told.at(-1)).toEqual({ source: path, bytes: size, totalBytes: size, records: whole.length - 1 }); // the unended last line counts at the end
    expect(told.map((p) => p.bytes)).toEqual([...told.map((p) => p.bytes)].sort((a, b) => a - b));
  });

  it('says which file it cannot read', async () => {
    await expect(readAuditRecords(join(dir, 'none.log'))).rejects.toThrow(/none\.log: cannot read \(ENOENT\)/);
    await expect(readAuditRecords(dir)).rejects.toThrow(/cannot read \(EISDIR\)/);
  });
});

describe('AuditRecordReader', () => {
  it('gives the records of the whole text however it is cut', () => {
    const text = readFileSync(new URL('../fixtures/audit/dmesg.txt', import.meta.url), 'utf8');
    for (const step of [1, 7, 100]) {
      const reader = new AuditRecordReader();
      for (let i = 0; i < text.length; i += step) reader.push(text.slice(i, i + step));
      expect(reader.end()).toEqual(parseAuditText(text));
    }
  });
});
