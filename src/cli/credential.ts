// packyard credential add | update | list | show: credentials for reaching repositories (stored
// encrypted), each bound to the hosts it may be sent to (--host).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { and, asc, eq } from 'drizzle-orm';
import { actor, fail, readStdin, withDeps, type GlobalOptions } from './context.js';
import { addCredential, generateSshKey, updateCredential, type CredentialInput } from '../services/credentials.js';
import { credentials } from '../db/schema.js';
import { getOrg } from '../services/orgs.js';
import { AppError } from '../domain/errors.js';

interface CredentialOptions {
  org: string;
  type?: string;
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  privateKeyFile?: string;
  generate?: string | boolean;
  knownHosts?: string;
  token?: string;
  tokenStdin?: boolean;
  caFile?: string;
  host?: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** True when the options carry a new secret (update may change only the hosts). */
function hasSecretOptions(o: CredentialOptions): boolean {
  return o.password !== undefined || o.passwordStdin === true || o.privateKeyFile !== undefined || o.generate !== undefined
    || o.token !== undefined || o.tokenStdin === true;
}

async function buildInput(o: CredentialOptions, name: string): Promise<{ input: CredentialInput; publicKey?: string }> {
  switch (o.type) {
    case 'http-basic': {
      if (!o.username) throw new Error('--username is required for --type http-basic');
      if ((o.password === undefined) === !o.passwordStdin) throw new Error('give exactly one of --password or --password-stdin');
      return { input: { type: 'http-basic', username: o.username, password: o.password ?? (await readStdin()) } };
    }
    case 'ssh-key': {
      const knownHosts = o.knownHosts ? readFileSync(o.knownHosts, 'utf8') : undefined;
      if (o.generate !== undefined) {
        if (o.privateKeyFile) throw new Error('give either --private-key-file or --generate, not both');
        const keyType = o.generate === true ? 'ed25519' : o.generate;
        if (keyType !== 'ed25519' && keyType !== 'rsa') throw new Error(`--generate takes ed25519 or rsa (got "${keyType}")`);
        const pair = generateSshKey(keyType, `packyard ${o.org}/${name}`);
        return { input: { type: 'ssh-key', privateKey: pair.privateKey, knownHosts }, publicKey: pair.publicKey };
      }
      if (!o.privateKeyFile) throw new Error('--private-key-file or --generate is required for --type ssh-key');
      return { input: { type: 'ssh-key', privateKey: readFileSync(o.privateKeyFile, 'utf8'), knownHosts } };
    }
    case 'token': {
      if ((o.token === undefined) === !o.tokenStdin) throw new Error('give exactly one of --token or --token-stdin');
      return { input: { type: 'token', token: o.token ?? (await readStdin()), username: o.username } };
    }
    default:
      throw new Error(`--type must be http-basic, ssh-key or token (got "${o.type}")`);
  }
}

function facts(info: Record<string, string>): string {
  return Object.entries(info)
    .filter(([k]) => k !== 'publicKey')
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function hostsText(hosts: readonly string[]): string {
  return hosts.length === 0 ? '(none yet: the host of the first package it is attached to)' : hosts.join(', ');
}

export function registerCredential(program: Command): void {
  const cred = program.command('credential').description('credentials for reaching repositories (stored encrypted)');
  const withSecretOptions = (c: Command, typeRequired: boolean): Command => (typeRequired
    ? c.requiredOption('--org <org>', 'the organization').requiredOption('--type <type>', 'http-basic, ssh-key or token')
    : c.requiredOption('--org <org>', 'the organization').option('--type <type>', 'http-basic, ssh-key or token (with a new secret)'))
    .option('--host <host[:port]>', 'a host the credential is sent to (repeatable; default: the host of the first package it is attached to)', collect)
    .option('--username <user>', 'user name (http-basic; token: defaults to x-access-token)')
    .option('--password <password>', 'password (prefer --password-stdin: argv is visible to other users)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--private-key-file <file>', 'SSH private key (ed25519 or RSA, without passphrase)')
    .option('--generate [type]', 'generate a new SSH key (ed25519, the default, or rsa) and print its public key')
    .option('--known-hosts <file>', 'known_hosts lines that pin the SSH host keys for this credential')
    .option('--token <token>', 'API or code token (prefer --token-stdin)')
    .option('--token-stdin', 'read the token from standard input')
    .option('--ca-file <file>', 'PEM file of the CA that signed the server certificate (https)');

  withSecretOptions(cred.command('add <name>').description('store a credential for an organization'), true)
    .action(async (name: string, opts: CredentialOptions) => {
      try {
        const { input, publicKey } = await buildInput(opts, name);
        const caPem = opts.caFile ? readFileSync(opts.caFile, 'utf8') : undefined;
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const r = addCredential(deps.db, deps.box, opts.org, name, input, actor(), { caPem, hosts: opts.host });
          const shown = facts(r.info);
          process.stderr.write(`packyard: credential ${name} stored for ${opts.org} (${input.type}${shown ? `; ${shown}` : ''}); hosts: ${hostsText(r.hosts)}\n`);
          if (publicKey !== undefined) {
            process.stderr.write('packyard: add this public key as a read-only deploy key of the repositories:\n');
            process.stdout.write(`${publicKey}\n`);
          }
        });
      } catch (e) {
        fail(e);
      }
    });

  withSecretOptions(
    cred.command('update <name>').description('replace a credential\'s secret (rotated password, token or key) and/or its hosts (--host replaces the list); its packages use it from their next update'),
    false,
  )
    .action(async (name: string, opts: CredentialOptions) => {
      try {
        const secret = hasSecretOptions(opts) || opts.caFile !== undefined;
        if (secret && opts.type === undefined) throw new Error('--type is required with a new secret or CA');
        if (!secret && opts.host === undefined) throw new Error('give a new secret (--type and its options) or --host HOST[:PORT] (repeatable)');
        const built = secret ? await buildInput(opts, name) : undefined;
        const publicKey = built?.publicKey;
        const caPem = opts.caFile ? readFileSync(opts.caFile, 'utf8') : undefined;
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const r = updateCredential(deps.db, deps.box, opts.org, name, built?.input, actor(), { caPem, hosts: opts.host });
          const shown = facts(r.info);
          const what = built === undefined ? 'hosts' : `${built.input.type}${shown ? `; ${shown}` : ''}`;
          process.stderr.write(`packyard: credential ${name} of ${opts.org} updated (${what}); hosts: ${hostsText(r.hosts)}\n`);
          if (publicKey !== undefined) {
            process.stderr.write('packyard: add this public key as a read-only deploy key of the repositories:\n');
            process.stdout.write(`${publicKey}\n`);
          }
        });
      } catch (e) {
        fail(e);
      }
    });

  cred
    .command('list')
    .description("list an organization's credentials (never their secrets)")
    .requiredOption('--org <org>', 'the organization')
    .action(async (opts: { org: string }) => {
      try {
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const org = getOrg(deps.db, opts.org);
          const rows = deps.db.select().from(credentials).where(eq(credentials.orgId, org.id)).orderBy(asc(credentials.name)).all();
          for (const r of rows) process.stdout.write(`${r.name}\t${r.type}\t${facts(r.info)}\thosts=${r.hosts.join(',')}\n`);
        });
      } catch (e) {
        fail(e);
      }
    });

  cred
    .command('show <name>')
    .description('show a credential: its type, user name, key fingerprint and public key, CA, the hosts it is sent to (never the secret)')
    .requiredOption('--org <org>', 'the organization')
    .action(async (name: string, opts: { org: string }) => {
      try {
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const org = getOrg(deps.db, opts.org);
          const r = deps.db.select().from(credentials).where(and(eq(credentials.orgId, org.id), eq(credentials.name, name))).get();
          if (!r) throw new AppError('CREDENTIAL_NOT_FOUND', `no credential named "${name}" in ${opts.org}`);
          process.stdout.write(`name: ${r.name}\ntype: ${r.type}\n`);
          for (const [k, v] of Object.entries(r.info)) process.stdout.write(`${k}: ${v}\n`);
          process.stdout.write(`hosts: ${hostsText(r.hosts)}\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
}
