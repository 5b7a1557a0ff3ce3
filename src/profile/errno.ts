/**
 * Errno names ↔ numbers, for containers/common's string `errno`/`defaultErrno` fields and the
 * CRD's string `errnoRet`. Node carries the Linux table (os.constants.errno), so nothing is
 * copied by hand. (MIPS, SPARC and Alpha number some errnos differently; profiles in the wild
 * use the generic numbers, as containers/common does.)
 */
import { constants } from 'node:os';

const BY_NAME: ReadonlyMap<string, number> = new Map(Object.entries(constants.errno));
const BY_NUMBER: ReadonlyMap<number, string> = new Map(
  // EWOULDBLOCK = EAGAIN, EDEADLOCK = EDEADLK: the first name in Node's table is the usual one.
  [...BY_NAME].reverse().map(([name, nr]) => [nr, name]),
);

/** EPERM → 1; undefined for a name Linux does not have. */
export function errnoNumber(name: string): number | undefined {
  return BY_NAME.get(name.toUpperCase());
}

/** 1 → "EPERM"; undefined for a number with no name. */
export function errnoName(nr: number): string | undefined {
  return BY_NUMBER.get(nr);
}

/** 38 → "38 (ENOSYS)", for messages; the bare number when it has no name. */
export function errnoText(nr: number): string {
  const name = errnoName(nr);
  return name ? `${nr} (${name})` : String(nr);
}
