/**
 * JSON that keeps bigints (the recorder's data holds some: flags): a bigint is written as
 * {"$bigint":"123"} and read back as 123n. Used by the broker's protocol and by the recordings it
 * keeps on disk, so both read what the other wrote.
 */
export function stringifyWithBigints(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
}

const isBigintBox = (v: unknown): v is { $bigint: string } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { $bigint?: unknown }).$bigint === 'string' && /^-?\d{1,40}$/.test((v as { $bigint: string }).$bigint);

/** JSON.parse with bigints restored; throws SyntaxError as JSON.parse does. */
export function parseWithBigints(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => (isBigintBox(v) ? BigInt(v.$bigint) : v));
}
