/**
 * Small hand-written shape checks for the three inputs the hooks parse on every container (OCI
 * state, bundle config, our own target record). zod would cost the hook ~100 ms of start-up while
 * the container waits; these few fields do not need it. Each check throws a ShapeError naming
 * the path, which the caller turns into its own one-line error.
 */
export class ShapeError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

export type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function object(v: unknown, path: string): Obj {
  if (!isObject(v)) throw new ShapeError(path, 'expected an object');
  return v;
}

export function string(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new ShapeError(path, 'expected a string');
  return v;
}

export function optionalString(v: unknown, path: string): string | undefined {
  return v === undefined ? undefined : string(v, path);
}

export function integer(v: unknown, path: string, min = Number.MIN_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ShapeError(path, 'expected an integer');
  if (v < min) throw new ShapeError(path, `expected at least ${min}`);
  return v;
}

export function optionalInteger(v: unknown, path: string, min?: number): number | undefined {
  return v === undefined ? undefined : integer(v, path, min);
}

export function stringArray(v: unknown, path: string): string[] {
  if (!Array.isArray(v)) throw new ShapeError(path, 'expected an array');
  return v.map((x, i) => string(x, `${path}[${i}]`));
}

export function stringRecord(v: unknown, path: string): Record<string, string> {
  const o = object(v, path);
  for (const [k, x] of Object.entries(o)) string(x, `${path}.${k}`);
  return o as Record<string, string>;
}
