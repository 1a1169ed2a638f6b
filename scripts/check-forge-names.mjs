#!/usr/bin/env node
// House rule (DESIGN.md §4.3): nothing outside src/forges/ names a forge type. dependency-cruiser
// (.dependency-cruiser.cjs) keeps other modules from importing a forge's folder; this script
// finds what an import graph cannot show: a forge type written as an identifier ("GitHubOAuth",
// "gitlabToken") or inside a string, template or regular expression literal ('github',
// `bitbucket-server`, /github\.com/) anywhere in src/ or views/ outside src/forges/.
// Comments may mention forges (they explain, e.g. "GitHub caps payloads at 25 MB"); code may not.
// The files are parsed with the TypeScript compiler, so comments are told from code exactly.
// Usage: node scripts/check-forge-names.mjs [DIR...] (default: src views). Exit 1 on a finding.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const FORGES_DIR = join(root, 'src', 'forges');

// The forge products, and each forge type's folder name under src/forges/ (a new forge is
// covered once its folder exists). Separators are optional: "bitbucket-server" also finds
// "BitbucketServer" and "bitbucket_server".
const BASE_NAMES = ['github', 'gitlab', 'bitbucket'];
const folderNames = readdirSync(FORGES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const names = [...new Set([...BASE_NAMES, ...folderNames])].map((n) => n.toLowerCase().split(/[-_]/).map(escape).join('[-_ ]?'));
const FORGE_NAME = new RegExp(names.join('|'), 'i');

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path === FORGES_DIR || entry.name === 'node_modules') continue;
      yield* sourceFiles(path);
    } else if (SOURCE.test(entry.name)) {
      yield path;
    }
  }
}

const KIND = new Map([
  [ts.SyntaxKind.Identifier, 'identifier'],
  [ts.SyntaxKind.PrivateIdentifier, 'identifier'],
  [ts.SyntaxKind.StringLiteral, 'string literal'],
  [ts.SyntaxKind.NoSubstitutionTemplateLiteral, 'template literal'],
  [ts.SyntaxKind.TemplateHead, 'template literal'],
  [ts.SyntaxKind.TemplateMiddle, 'template literal'],
  [ts.SyntaxKind.TemplateTail, 'template literal'],
  [ts.SyntaxKind.RegularExpressionLiteral, 'regular expression'],
  [ts.SyntaxKind.JsxText, 'JSX text'],
]);

/** The findings of one file: every identifier or literal that names a forge type. */
function check(file) {
  const text = readFileSync(file, 'utf8');
  const kind = file.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const findings = [];
  const visit = (node) => {
    const what = KIND.get(node.kind);
    if (what !== undefined) {
      // getText() is the token as written (a literal with its quotes, a regex with its flags).
      const written = node.getText(source);
      const m = FORGE_NAME.exec(written);
      if (m) {
        const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
        const shown = written.length > 80 ? `${written.slice(0, 77)}...` : written;
        findings.push(`${relative(root, file).split(sep).join('/')}:${line + 1}:${character + 1}: names the forge "${m[0]}" (${what}): ${shown}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

const dirs = process.argv.length > 2 ? process.argv.slice(2).map((d) => join(process.cwd(), d)) : [join(root, 'src'), join(root, 'views')];
const findings = [];
let files = 0;
for (const dir of dirs) {
  for (const file of sourceFiles(dir)) {
    files += 1;
    findings.push(...check(file));
  }
}
if (findings.length > 0) {
  for (const f of findings) process.stderr.write(`${f}\n`);
  process.stderr.write(`check-forge-names: ${findings.length} place(s) outside src/forges/ name a forge type; move that code into the forge's folder (src/forges/<type>/) or behind the Forge interface and the registry.\n`);
  process.exit(1);
}
process.stdout.write(`check-forge-names: no forge type named outside src/forges/ (${files} files)\n`);
