/**
 * Where the seccomp audit records are: auditd's log when auditd runs (it takes the records, and
 * the kernel then prints none), else the kernel log — journalctl -k where journald keeps it,
 * else dmesg (the ring buffer: old lines fall out). Without auditd the kernel prints at most
 * about 10 audit lines per 5 s (printk rate limit) and drops the rest without a word (seen here):
 * the caller warns, and a second run after merging catches what was dropped.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';
import { AuditRecordReader, type SeccompEvent } from './parse.js';

export const AUDIT_LOG = '/var/log/audit/audit.log';

export interface AuditRecords {
  /** Every seccomp record read, in order. */
  events: SeccompEvent[];
  /** Read from the kernel log, which the printk rate limit thins out. */
  kernelLog: boolean;
  /** What it was read from, for the summary. */
  source: string;
}

/** How far reading has got, after each chunk: for a progress line. */
export interface ReadProgress {
  source: string;
  bytes: number;
  /** The size, when the input is a regular file. */
  totalBytes: number | undefined;
  records: number;
}

export type OnReadProgress = (progress: ReadProgress) => void;

/** Logs are read a chunk at a time, never held whole: an audit.log may be gigabytes. */
const CHUNK = 1 << 20;

interface Read {
  events: SeccompEvent[];
  /** Nothing but white space was read (a kernel log source that gave nothing). */
  blank: boolean;
}

/**
 * The records in `chunks`. Text is decoded up to the last newline seen and the bytes after it
 * wait for the next chunk: a newline byte is never inside a UTF-8 character, so this decodes as
 * reading the whole text at once did, however the chunks fall.
 */
async function readChunks(chunks: Iterable<Buffer> | AsyncIterable<Buffer>, onChunk: (bytes: number, records: number) => void): Promise<Read> {
  const reader = new AuditRecordReader();
  let blank = true;
  const feed = (text: string) => {
    if (blank && /\S/.test(text)) blank = false;
    reader.push(text);
  };
  let pending: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    const cut = chunk.lastIndexOf(0x0a) + 1;
    if (cut === 0) {
      pending.push(chunk);
    } else {
      feed(Buffer.concat([...pending, chunk.subarray(0, cut)]).toString('utf8'));
      pending = [chunk.subarray(cut)];
    }
    onChunk(bytes, reader.events.length);
  }
  feed(Buffer.concat(pending).toString('utf8'));
  return { events: reader.end(), blank };
}

function* chunksOf(fd: number): Generator<Buffer> {
  for (;;) {
    const buffer = Buffer.allocUnsafe(CHUNK);
    const n = readSync(fd, buffer, 0, CHUNK, null);
    if (n === 0) return;
    yield buffer.subarray(0, n);
  }
}

/** A file, or stdin (fd 0), with its size when it is a regular file. */
async function readFileRecords(path: string | 0, source: string, onProgress?: OnReadProgress): Promise<SeccompEvent[]> {
  const fd = path === 0 ? 0 : openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    const totalBytes = stat.isFile() ? stat.size : undefined;
    const read = await readChunks(chunksOf(fd), (bytes, records) => onProgress?.({ source, bytes, totalBytes, records }));
    return read.events;
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

/** A command's output as it comes; undefined when it cannot run or fails (not installed, no journal, not allowed). */
async function readCommandRecords(cmd: string, args: string[], source: string, onProgress?: OnReadProgress): Promise<Read | undefined> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const exitCode = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', (code) => resolve(code));
  });
  try {
    const read = await readChunks(child.stdout, (bytes, records) => onProgress?.({ source, bytes, totalBytes: undefined, records }));
    return (await exitCode) === 0 ? read : undefined;
  } catch {
    child.kill();
    await exitCode;
    return undefined;
  }
}

/** `from`: a file (or - for stdin); else the first source that exists here. */
export async function readAuditRecords(from?: string, options: { auditLog?: string; onProgress?: OnReadProgress } = {}): Promise<AuditRecords> {
  const { auditLog = AUDIT_LOG, onProgress } = options;
  if (from !== undefined) {
    const source = from === '-' ? 'stdin' : from;
    try {
      return { events: await readFileRecords(from === '-' ? 0 : from, source, onProgress), source, kernelLog: false };
    } catch (e) {
      throw new SeccompGenError('PATH', `${from}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  if (existsSync(auditLog)) {
    try {
      return { events: await readFileRecords(auditLog, auditLog, onProgress), source: auditLog, kernelLog: false };
    } catch (e) {
      throw new SeccompGenError('PATH', `${auditLog}: cannot read (${(e as NodeJS.ErrnoException).code}): run as root`);
    }
  }
  const journal = await readCommandRecords('journalctl', ['-k', '--no-pager', '-q', '-o', 'short-unix', '-g', 'type=1326'], 'journalctl -k', onProgress);
  if (journal !== undefined && !journal.blank) return { events: journal.events, source: 'journalctl -k', kernelLog: true };
  const dmesg = (await readCommandRecords('dmesg', ['--notime'], 'dmesg', onProgress)) ?? (await readCommandRecords('dmesg', [], 'dmesg', onProgress));
  if (dmesg !== undefined) return { events: dmesg.events, source: 'dmesg', kernelLog: true };
  throw new SeccompGenError('PATH', `no audit records found: no ${auditLog}, and neither journalctl -k nor dmesg could be read (run as root, or give --from FILE)`);
}
