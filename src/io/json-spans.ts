/**
 * JSON read for editing in place: every value's place in the text, so that a file another
 * program wrote can be changed where it must be and kept byte for byte everywhere else. A
 * JSON.parse round trip would not do for an OCI runtime's config.json: a uint64 such as an
 * rlimit of 18446744073709551615 comes back as 18446744073709552000, which runc then refuses.
 * Also the scanner behind parseJson's error positions (json-file.ts jsonErrorOffset).
 */

export type JsonNode =
  | { kind: 'object'; start: number; end: number; members: JsonMember[] }
  | { kind: 'array'; start: number; end: number; items: JsonNode[] }
  | { kind: 'string' | 'number' | 'boolean' | 'null'; start: number; end: number };

export interface JsonMember {
  key: string;
  /** Where the key's quoted text starts and ends. */
  keyStart: number;
  keyEnd: number;
  value: JsonNode;
}

/** The text is not JSON; `offset` is where the first error is (text.length when it is cut short). */
export class JsonSyntaxError extends Error {
  constructor(readonly offset: number) {
    super(`not valid JSON at offset ${offset}`);
  }
}

/** Nested deeper than any file we edit; a scan that gives up here names no offset. */
export class JsonDepthError extends Error {}

const MAX_DEPTH = 1000;
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** The tree of `text`'s values with their places; throws JsonSyntaxError (or JsonDepthError). */
export function scanJson(text: string): JsonNode {
  let i = 0;
  const bad = (): never => {
    throw new JsonSyntaxError(Math.min(i, text.length));
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const digits = () => {
    if (!isDigit(text[i])) bad();
    while (isDigit(text[i])) i++;
  };
  const string = (): void => {
    i++; // the opening quote
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') bad();
      if (c === '"') return void i++;
      if (c !== '\\') {
        i++;
        continue;
      }
      i++;
      if ('"\\/bfnrt'.includes(text[i] ?? 'x')) i++;
      else if (text[i] === 'u') {
        i++;
        for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) bad();
      } else bad();
    }
  };
  const value = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) throw new JsonDepthError(`nested deeper than ${MAX_DEPTH}`);
    ws();
    const start = i;
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      const members: JsonMember[] = [];
      const items: JsonNode[] = [];
      i++;
      ws();
      if (text[i] !== close) {
        for (;;) {
          if (c === '{') {
            ws();
            if (text[i] !== '"') bad();
            const keyStart = i;
            string();
            const keyEnd = i;
            const key = JSON.parse(text.slice(keyStart, keyEnd)) as string;
            ws();
            if (text[i] !== ':') bad();
            i++;
            members.push({ key, keyStart, keyEnd, value: value(depth + 1) });
          } else {
            items.push(value(depth + 1));
          }
          ws();
          if (text[i] === close) break;
          if (text[i] !== ',') bad();
          i++;
        }
      }
      i++;
      return c === '{' ? { kind: 'object', start, end: i, members } : { kind: 'array', start, end: i, items };
    }
    if (c === '"') {
      string();
      return { kind: 'string', start, end: i };
    }
    if (c === '-' || isDigit(c)) {
      if (c === '-') i++;
      if (text[i] === '0') i++;
      else digits();
      if (text[i] === '.') {
        i++;
        digits();
      }
      if (text[i] === 'e' || text[i] === 'E') {
        i++;
        if (text[i] === '+' || text[i] === '-') i++;
        digits();
      }
      return { kind: 'number', start, end: i };
    }
    for (const literal of ['true', 'false', 'null']) {
      if (c !== literal[0]) continue;
      for (const ch of literal) {
        if (text[i] !== ch) bad();
        i++;
      }
      return { kind: literal === 'null' ? 'null' : 'boolean', start, end: i };
    }
    return bad();
  };
  const root = value(0);
  ws();
  if (i < text.length) bad();
  return root;
}

/** The value of a scanned node, as JSON.parse reads it (for the small parts that are decided on). */
export function valueOf(text: string, node: JsonNode): unknown {
  return JSON.parse(text.slice(node.start, node.end));
}

/** The members of `object` named `key`: more than one is a file two readers may read differently. */
export function membersNamed(object: JsonNode & { kind: 'object' }, key: string): JsonNode[] {
  return object.members.filter((m) => m.key === key).map((m) => m.value);
}

/** A change to the text: [start, end) replaced by `text` (start = end: an insertion). */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** `text` with the edits made; they must not overlap. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = Infinity;
  for (const e of sorted) {
    if (e.end > limit) throw new Error('overlapping JSON edits');
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
  }
  return out;
}

/** The spaces or tabs that start the line `offset` is on. */
function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/**
 * How a container lays out its entries, read from its last one: what comes between the comma
 * and the entry (a newline and an indent in a file written for people, nothing in a compact
 * one), between a key and its value, and one level of indent. An empty container: compact.
 */
function layoutOf(text: string, node: JsonNode & { kind: 'object' | 'array' }): { before: string; colon: string; step: string } {
  const starts = node.kind === 'object' ? node.members.map((m) => m.keyStart) : node.items.map((n) => n.start);
  const ends = node.kind === 'object' ? node.members.map((m) => m.value.end) : node.items.map((n) => n.end);
  const n = starts.length;
  if (n === 0) return { before: '', colon: ':', step: '' };
  const from = n > 1 ? text.indexOf(',', ends[n - 2]!) + 1 : node.start + 1;
  const last = node.kind === 'object' ? node.members[n - 1]! : undefined;
  const before = text.slice(from, starts[n - 1]);
  const outer = indentAt(text, node.start);
  const inner = before.slice(before.lastIndexOf('\n') + 1);
  const step = inner.startsWith(outer) && inner.length > outer.length ? inner.slice(outer.length) : '  ';
  return { before, colon: last ? text.slice(last.keyEnd, last.value.start) : ':', step };
}

/** `value` as JSON laid out to sit after `before`: indented as its neighbours when they are on lines of their own. */
function valueJson(value: unknown, before: string, step: string): string {
  const newline = before.lastIndexOf('\n');
  if (newline < 0) return JSON.stringify(value);
  const indent = before.slice(newline + 1);
  return JSON.stringify(value, null, step).replace(/\n/g, `\n${indent}`);
}

/** The edit that adds `entries` (key, value) after the last member of `object`, laid out as its neighbours. */
export function addMembers(text: string, object: JsonNode & { kind: 'object' }, entries: readonly (readonly [string, unknown])[]): TextEdit {
  const { before, colon, step } = layoutOf(text, object);
  const last = object.members[object.members.length - 1];
  const members = entries.map(([key, value]) => `${JSON.stringify(key)}${colon}${valueJson(value, before, step)}`).join(`,${before}`);
  return last ? { start: last.value.end, end: last.value.end, text: `,${before}${members}` } : { start: object.start + 1, end: object.start + 1, text: members };
}

/** The edit that adds `items` at the end of `array`, laid out as its neighbours. */
export function appendItems(text: string, array: JsonNode & { kind: 'array' }, items: readonly unknown[]): TextEdit {
  const { before, step } = layoutOf(text, array);
  const last = array.items[array.items.length - 1];
  const joined = items.map((v) => valueJson(v, before, step)).join(`,${before}`);
  return last ? { start: last.end, end: last.end, text: `,${before}${joined}` } : { start: array.start + 1, end: array.start + 1, text: joined };
}

/** The edit that replaces a value with `value`, laid out as it was (compact, or on lines of its own). */
export function replaceValue(text: string, node: JsonNode, value: unknown): TextEdit {
  const pretty = text.slice(node.start, node.end).includes('\n');
  return { start: node.start, end: node.end, text: pretty ? valueJson(value, `\n${indentAt(text, node.start)}`, '  ') : JSON.stringify(value) };
}

/** The edit that removes member `index` of `object` with its comma; the other members keep their bytes. */
export function removeMember(object: JsonNode & { kind: 'object' }, index: number): TextEdit {
  const m = object.members;
  if (m.length === 1) return { start: object.start + 1, end: object.end - 1, text: '' };
  if (index > 0) return { start: m[index - 1]!.value.end, end: m[index]!.value.end, text: '' };
  return { start: m[0]!.keyStart, end: m[1]!.keyStart, text: '' };
}
