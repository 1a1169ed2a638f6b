// Runs composer's real VersionParser (Debian's php-composer-semver) in one php process, so tests
// can compare our port in src/domain/versions.ts with the original, input by input.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SEMVER_AUTOLOAD = '/usr/share/php/Composer/Semver/autoload.php';
export const COMPOSER_AUTOLOAD = '/usr/share/php/Composer/autoload.php';
const INSTALL_HINT = "install Debian's php-cli and php-composer-semver (apt-get install php-cli php-composer-semver)";
const COMPOSER_HINT = "install Debian's composer package (apt-get install composer)";

/** A PHP call that either returned a string or threw (with the exception's message). */
export type PhpOutcome = { ok: true; value: string } | { ok: false; error: string };
/** A tag or branch as composer's VcsRepository would import it, or why it skips it. */
export type PhpRef = { ok: true; version: string; normalized: string } | { ok: false; reason: string };

export type PhpSemverRequest = {
  normalize?: readonly string[];
  normalizeBranch?: readonly string[];
  parseStability?: readonly string[];
  parseNumericAliasPrefix?: readonly string[];
  parseConstraints?: readonly string[];
  tags?: readonly { name: string; manifestVersion: string | null }[];
  branches?: readonly string[];
  /** composer's ValidatingArrayLoader::hasPackageNamingError (needs Debian's composer). */
  packageNames?: readonly string[];
};

export type PhpSemverResponse = {
  normalize: PhpOutcome[];
  normalizeBranch: string[];
  parseStability: string[];
  parseNumericAliasPrefix: (string | false)[];
  parseConstraints: PhpOutcome[];
  tags: PhpRef[];
  branches: PhpRef[];
  packageNames: (string | null)[];
};

// The tag and branch functions re-state composer's VcsRepository::initialize() (composer
// 2.10, src/Composer/Repository/VcsRepository.php) on top of the real VersionParser: the
// tag loop with validateTag(), the manifest version check and the dev-suffix stripping, and the
// branch loop with validateBranch(). Warnings become exceptions, as composer's ErrorHandler does.
const BRIDGE = `
set_error_handler(function ($no, $msg) { throw new ErrorException($msg, 0, $no); });
require ${JSON.stringify(SEMVER_AUTOLOAD)};
use Composer\\Semver\\VersionParser;

function attempt(callable $fn): array {
    try { return ['ok' => true, 'value' => $fn()]; }
    catch (\\Exception $e) { return ['ok' => false, 'error' => $e->getMessage()]; }
}

function vcs_tag(VersionParser $vp, string $name, ?string $manifestVersion): array {
    $tag = str_replace('release-', '', $name);
    try { $parsedTag = $vp->normalize($tag); }
    catch (\\Exception $e) { return ['ok' => false, 'reason' => 'invalid tag name']; }
    try {
        if ($manifestVersion !== null) {
            $pretty = $manifestVersion;
            $normalized = $vp->normalize($manifestVersion);
        } else {
            $pretty = $tag;
            $normalized = $parsedTag;
        }
        $pretty = preg_replace('{[.-]?dev$}i', '', $pretty);
        $normalized = preg_replace('{(^dev-|[.-]?dev$)}i', '', $normalized);
        if ($normalized !== $parsedTag) {
            if (preg_match('{(^dev-|[.-]?dev$)}i', $parsedTag)) {
                return ['ok' => false, 'reason' => 'invalid tag name, tags can not use dev prefixes or suffixes'];
            }
            return ['ok' => false, 'reason' => 'tag ('.$parsedTag.') does not match version ('.$normalized.') in composer.json'];
        }
        return ['ok' => true, 'version' => $pretty, 'normalized' => $normalized];
    } catch (\\Exception $e) {
        return ['ok' => false, 'reason' => $e->getMessage()];
    }
}

function vcs_branch(VersionParser $vp, string $branch): array {
    try {
        $parsed = $vp->normalizeBranch($branch);
        $vp->parseConstraints($parsed);
    } catch (\\Exception $e) {
        return ['ok' => false, 'reason' => 'invalid name'];
    }
    if (strpos($parsed, 'dev-') === 0 || $parsed === '9999999-dev') {
        return ['ok' => true, 'version' => 'dev-'.str_replace('#', '+', $branch), 'normalized' => str_replace('#', '+', $parsed)];
    }
    $prefix = strpos($branch, 'v') === 0 ? 'v' : '';
    return ['ok' => true, 'version' => $prefix.preg_replace('{(\\.9{7})+}', '.x', $parsed), 'normalized' => $parsed];
}

$in = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
$vp = new VersionParser();
$out = ['normalize' => [], 'normalizeBranch' => [], 'parseStability' => [], 'parseNumericAliasPrefix' => [],
    'parseConstraints' => [], 'tags' => [], 'branches' => [], 'packageNames' => []];
foreach ($in['normalize'] ?? [] as $s) { $out['normalize'][] = attempt(fn () => $vp->normalize($s)); }
foreach ($in['normalizeBranch'] ?? [] as $s) { $out['normalizeBranch'][] = $vp->normalizeBranch($s); }
foreach ($in['parseStability'] ?? [] as $s) { $out['parseStability'][] = VersionParser::parseStability($s); }
foreach ($in['parseNumericAliasPrefix'] ?? [] as $s) { $out['parseNumericAliasPrefix'][] = $vp->parseNumericAliasPrefix($s); }
foreach ($in['parseConstraints'] ?? [] as $s) { $out['parseConstraints'][] = attempt(fn () => (string) $vp->parseConstraints($s)); }
foreach ($in['tags'] ?? [] as $t) { $out['tags'][] = vcs_tag($vp, $t['name'], $t['manifestVersion']); }
foreach ($in['branches'] ?? [] as $s) { $out['branches'][] = vcs_branch($vp, $s); }
if (!empty($in['packageNames'])) {
    require ${JSON.stringify(COMPOSER_AUTOLOAD)};
    foreach ($in['packageNames'] as $s) {
        $out['packageNames'][] = \\Composer\\Package\\Loader\\ValidatingArrayLoader::hasPackageNamingError($s);
    }
}
echo json_encode($out, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE | JSON_THROW_ON_ERROR);
`;

/** Why the PHP reference cannot run here, or null when it can. */
export function phpSemverProblem(needComposer = false): string | null {
  const probe = spawnSync('php', ['-v'], { encoding: 'utf8', timeout: 10_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  if (probe.error !== undefined || probe.status !== 0) {
    return `php is not available (${probe.error?.message ?? `exit ${probe.status}`}): ${INSTALL_HINT}`;
  }
  if (!existsSync(SEMVER_AUTOLOAD)) return `${SEMVER_AUTOLOAD} is missing: ${INSTALL_HINT}`;
  if (needComposer && !existsSync(COMPOSER_AUTOLOAD)) return `${COMPOSER_AUTOLOAD} is missing: ${COMPOSER_HINT}`;
  return null;
}

/** Answers every input of the request in one php process; throws when php cannot run. */
export function runPhpSemver(request: PhpSemverRequest): PhpSemverResponse {
  const problem = phpSemverProblem((request.packageNames?.length ?? 0) > 0);
  if (problem !== null) throw new Error(problem);
  const run = spawnSync('php', ['-d', 'display_errors=stderr', '-d', 'memory_limit=512M', '-r', BRIDGE], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  if (run.error !== undefined) throw new Error(`php semver bridge failed: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`php semver bridge exited ${run.status}: ${run.stderr}`);
  const out = JSON.parse(run.stdout) as PhpSemverResponse;
  const lengths: [keyof PhpSemverRequest, number][] = [
    ['normalize', out.normalize.length],
    ['normalizeBranch', out.normalizeBranch.length],
    ['parseStability', out.parseStability.length],
    ['parseNumericAliasPrefix', out.parseNumericAliasPrefix.length],
    ['parseConstraints', out.parseConstraints.length],
    ['tags', out.tags.length],
    ['branches', out.branches.length],
    ['packageNames', out.packageNames.length],
  ];
  for (const [key, length] of lengths) {
    if (length !== (request[key]?.length ?? 0)) throw new Error(`php semver bridge answered ${length} ${key} for ${request[key]?.length ?? 0}`);
  }
  return out;
}
