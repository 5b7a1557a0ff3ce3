/** A profile file read from disk: JSON or YAML by its name and its text, then canonicalized (normalize.ts). */
import { extname } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { SeccompGenError } from '../errors.js';
import { parseJson, readRegularFile } from '../io/json-file.js';
import type { LoadedProfile } from './model.js';
import { normalizeDocument } from './normalize.js';

/** The one YAML document of a file; errors say line and column, never the text. */
function yamlDocument(text: string, source: string): unknown {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      throw new SeccompGenError('PROFILE', `${source}: not valid YAML (${pos ? `line ${pos.line}, column ${pos.col}` : 'syntax error'})`);
    }
  }
  if (list.length === 0) throw new SeccompGenError('PROFILE', `${source}: not valid YAML (empty file)`);
  if (list.length > 1) throw new SeccompGenError('PROFILE', `${source}: ${list.length} YAML documents: give one profile per file`);
  return list[0]!.toJS({ maxAliasCount: 100 });
}

/**
 * Parse a file's text: JSON unless the name says YAML (.yaml/.yml) or, with another extension,
 * the text does not start like JSON. A .json file that is not JSON is reported as JSON, with its
 * line and column, not re-read as YAML (which would accept nearly any text as a string).
 */
export function parseProfileText(text: string, source: string): unknown {
  const ext = extname(source).toLowerCase();
  const yaml = ext === '.yaml' || ext === '.yml' || (ext !== '.json' && !/^\s*[{[]/.test(text) && text.trim() !== '');
  return yaml ? yamlDocument(text, source) : parseJson(text, source);
}

/** Read and canonicalize the profile at `path`, whatever its format. */
export function loadProfile(path: string): LoadedProfile {
  return normalizeDocument(parseProfileText(readRegularFile(path), path), path);
}
