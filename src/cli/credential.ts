// packyard credential add (http-basic | ssh-key | token)
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { actor, fail, readStdin, withDeps, type GlobalOptions } from './context.js';
import { addCredential, type CredentialInput } from '../services/credentials.js';

interface CredentialOptions {
  org: string;
  type: string;
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  privateKeyFile?: string;
  knownHosts?: string;
  token?: string;
  tokenStdin?: boolean;
}

async function buildInput(o: CredentialOptions): Promise<CredentialInput> {
  switch (o.type) {
    case 'http-basic': {
      if (!o.username) throw new Error('--username is required for --type http-basic');
      if ((o.password === undefined) === !o.passwordStdin) throw new Error('give exactly one of --password or --password-stdin');
      return { type: 'http-basic', username: o.username, password: o.password ?? (await readStdin()) };
    }
    case 'ssh-key': {
      if (!o.privateKeyFile) throw new Error('--private-key-file is required for --type ssh-key');
      const privateKey = readFileSync(o.privateKeyFile, 'utf8');
      const knownHosts = o.knownHosts ? readFileSync(o.knownHosts, 'utf8') : undefined;
      return { type: 'ssh-key', privateKey, knownHosts };
    }
    case 'token': {
      if ((o.token === undefined) === !o.tokenStdin) throw new Error('give exactly one of --token or --token-stdin');
      return { type: 'token', token: o.token ?? (await readStdin()), username: o.username };
    }
    default:
      throw new Error(`--type must be http-basic, ssh-key or token (got "${o.type}")`);
  }
}

export function registerCredential(program: Command): void {
  const cred = program.command('credential').description('credentials for reaching repositories (stored encrypted)');
  cred
    .command('add <name>')
    .description('store a credential for an organization')
    .requiredOption('--org <org>', 'the organization')
    .requiredOption('--type <type>', 'http-basic, ssh-key or token')
    .option('--username <user>', 'user name (http-basic; token: defaults to x-access-token)')
    .option('--password <password>', 'password (prefer --password-stdin: argv is visible to other users)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--private-key-file <file>', 'SSH private key (ed25519 or RSA, without passphrase)')
    .option('--known-hosts <file>', 'known_hosts lines that pin the SSH host keys')
    .option('--token <token>', 'API or code token (prefer --token-stdin)')
    .option('--token-stdin', 'read the token from standard input')
    .action(async (name: string, opts: CredentialOptions) => {
      try {
        const input = await buildInput(opts);
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const r = addCredential(deps.db, deps.box, opts.org, name, input, actor());
          const facts = Object.entries(r.info).map(([k, v]) => `${k}=${v}`).join(', ');
          process.stderr.write(`packyard: credential ${name} stored for ${opts.org} (${input.type}${facts ? `; ${facts}` : ''})\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
}
