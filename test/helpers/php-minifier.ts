// Runs composer's real MetadataMinifier (Debian's php-composer-metadata-minifier) in one php
// process, so tests can compare our TypeScript port with the original byte for byte.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { JsonObject, JsonValue } from '../../src/composer/json.js';

export const MINIFIER_PHP = '/usr/share/php/Composer/MetadataMinifier/MetadataMinifier.php';
const INSTALL_HINT = 'install Debian\'s php-cli and php-composer-metadata-minifier (apt-get install php-cli php-composer-metadata-minifier)';

/** One operation for PHP: minify or expand a version list, or just decode + encode it. */
export type PhpJob = { op: 'minify' | 'expand' | 'canon'; versions: readonly JsonObject[] };

// Reads [{op, versions}], answers a list of json_encode'd results. The flags make PHP's escaping
// match JSON.stringify's (no escaped slashes, unicode or line terminators), so results can be
// compared as bytes. Any PHP warning or notice is an error.
const BRIDGE = `
set_error_handler(function ($no, $msg) { throw new ErrorException($msg, 0, $no); });
require ${JSON.stringify(MINIFIER_PHP)};
$flags = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_LINE_TERMINATORS | JSON_THROW_ON_ERROR;
$jobs = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
$out = [];
foreach ($jobs as $job) {
    switch ($job['op']) {
        case 'minify': $result = \\Composer\\MetadataMinifier\\MetadataMinifier::minify($job['versions']); break;
        case 'expand': $result = \\Composer\\MetadataMinifier\\MetadataMinifier::expand($job['versions']); break;
        case 'canon': $result = $job['versions']; break;
        default: throw new RuntimeException('unknown op ' . $job['op']);
    }
    $out[] = json_encode($result, $flags);
}
echo json_encode($out, $flags);
`;

/** Why the PHP minifier cannot run here, or null when it can. */
export function phpMinifierProblem(): string | null {
  const probe = spawnSync('php', ['-v'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error !== undefined || probe.status !== 0) {
    return `php is not available (${probe.error?.message ?? `exit ${probe.status}`}): ${INSTALL_HINT}`;
  }
  if (!existsSync(MINIFIER_PHP)) return `${MINIFIER_PHP} is missing: ${INSTALL_HINT}`;
  return null;
}

/** Runs all jobs in one php process; each result is PHP's json_encode output, unparsed. */
export function runPhpMinifier(jobs: readonly PhpJob[]): string[] {
  const problem = phpMinifierProblem();
  if (problem !== null) throw new Error(problem);
  const run = spawnSync('php', ['-d', 'display_errors=stderr', '-d', 'memory_limit=1G', '-r', BRIDGE], {
    input: JSON.stringify(jobs),
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 256 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  if (run.error !== undefined) throw new Error(`php minifier bridge failed: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`php minifier bridge exited ${run.status}: ${run.stderr}`);
  const results = JSON.parse(run.stdout) as unknown;
  if (!Array.isArray(results) || results.length !== jobs.length || !results.every((r) => typeof r === 'string')) {
    throw new Error(`php minifier bridge gave an unexpected answer: ${run.stdout.slice(0, 200)}`);
  }
  return results as string[];
}

/**
 * What PHP's json_encode makes of a json_decode'd value: an object without keys, or with the
 * keys "0".."n-1" in order, is a PHP list and encodes as a JSON array. Used to compare our
 * output (which keeps `{}` where the input had `{}`) with PHP's output as bytes.
 */
export function phpShape(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(phpShape);
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value);
  if (keys.every((key, i) => key === String(i))) return keys.map((key) => phpShape(value[key] as JsonValue));
  const out: JsonObject = {};
  for (const key of keys) Object.defineProperty(out, key, { value: phpShape(value[key] as JsonValue), enumerable: true, writable: true, configurable: true });
  return out;
}

/** True when JSON.stringify and PHP's json_encode would differ only in {} vs [] shapes. */
export function hasPhpShapeAmbiguity(value: JsonValue): boolean {
  if (Array.isArray(value)) return value.some(hasPhpShapeAmbiguity);
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value);
  if (keys.every((key, i) => key === String(i))) return true;
  return keys.some((key) => hasPhpShapeAmbiguity(value[key] as JsonValue));
}
