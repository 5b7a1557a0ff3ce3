/**
 * JSON that keeps what the recorder's data holds beyond plain JSON: a bigint (flags) is written as
 * {"$bigint":"123"} and read back as 123n; a Map (the argument values by syscall name) as
 * {"$map":[[key, value], …]} and read back as a Map. Used by the broker's protocol and by the
 * recordings it keeps on disk, so both read what the other wrote.
 */
export function stringifyWithBigints(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (v instanceof Map) return { $map: [...v.entries()] };
    return v;
  });
}

const onlyKey = (v: unknown, key: string): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && key in v;

const isBigintBox = (v: unknown): v is { $bigint: string } => onlyKey(v, '$bigint') && typeof v.$bigint === 'string' && /^-?\d{1,40}$/.test(v.$bigint);

const isMapBox = (v: unknown): v is { $map: [unknown, unknown][] } =>
  onlyKey(v, '$map') && Array.isArray(v.$map) && v.$map.every((e) => Array.isArray(e) && e.length === 2);

/** JSON.parse with bigints and Maps restored; throws SyntaxError as JSON.parse does. */
export function parseWithBigints(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (isBigintBox(v)) return BigInt(v.$bigint);
    if (isMapBox(v)) return new Map(v.$map);
    return v;
  });
}
