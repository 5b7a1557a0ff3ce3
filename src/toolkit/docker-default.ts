/**
 * Docker's default seccomp profile (moby/profiles seccomp/default.json, Apache-2.0), shipped as
 * data/docker-default.json (package.json "files") so `show` can compare against it without a
 * copy of moby. The tests read the same file. To refresh it, replace that file with the new
 * default.json. Data only: read it through normalizeDocument().
 */
import { fileURLToPath } from 'node:url';
import { parseJson, readRegularFile } from '../io/json-file.js';

/** The same relative path from src/toolkit/ (tests), dist/toolkit/ and the installed package. */
export const DOCKER_DEFAULT_PATH = fileURLToPath(new URL('../../data/docker-default.json', import.meta.url));

/** The file as parsed, not yet checked. */
export function readDockerDefault(): unknown {
  return parseJson(readRegularFile(DOCKER_DEFAULT_PATH), DOCKER_DEFAULT_PATH);
}
