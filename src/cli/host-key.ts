// packyard host-key list | add | remove | scan: SSH host keys pinned per host.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { actor, fail, readStdin, withDeps, type GlobalOptions } from './context.js';
import { captureHostKey, fingerprintOf, listHostKeys, pinHostKeys, removeHostKeys } from '../services/host-keys.js';
import { sshHostOf } from '../vcs/url.js';

export function registerHostKey(program: Command): void {
  const hk = program.command('host-key').description('SSH host keys pinned per host (captured on first use or given by an admin)');
  hk.command('list')
    .description('list pinned host keys with their fingerprints and how they were pinned')
    .action(async () => {
      try {
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          for (const k of listHostKeys(deps.db)) {
            process.stdout.write(`${k.host}\t${k.keyType}\t${k.fingerprint}\t${k.source}\t${new Date(k.createdAt).toISOString()}\n`);
          }
        });
      } catch (e) {
        fail(e);
      }
    });
  hk.command('add <file>')
    .description('pin host keys from known_hosts lines (a file, or - for stdin; e.g. ssh-keyscan -p PORT HOST output); replaces that host\'s keys')
    .action(async (file: string) => {
      try {
        const text = file === '-' ? await readStdin() : readFileSync(file, 'utf8');
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const pinned = deps.db.transaction((tx) => pinHostKeys(tx, text, actor()));
          for (const k of pinned) process.stderr.write(`packyard: pinned ${k.host} ${k.keyType} ${k.fingerprint}\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
  hk.command('remove <host>')
    .description('forget the keys of HOST (as listed: host or [host]:port); the next update pins the key it sees')
    .action(async (host: string) => {
      try {
        await withDeps(program.opts<GlobalOptions>(), (deps) => {
          const n = removeHostKeys(deps.db, host, actor());
          process.stderr.write(`packyard: removed ${n} key(s) of ${host}\n`);
          if (n === 0) process.exitCode = 1;
        });
      } catch (e) {
        fail(e);
      }
    });
  hk.command('scan <host>')
    .description('show the host key an ssh server (HOST, HOST:PORT or a repository URL) presents now; --pin stores it')
    .option('--pin', 'pin the key (replacing the host\'s pinned keys)')
    .action(async (url: string, opts: { pin?: boolean }) => {
      try {
        const hostPort = /^\[?([^\]/@]+?)\]?(?::(\d+))?$/.exec(url);
        const target = url.includes('://') || url.includes('@') || hostPort === null
          ? sshHostOf(url)
          : sshHostOf(`ssh://${hostPort[1]?.includes(':') ? `[${hostPort[1]}]` : hostPort[1]}${hostPort[2] ? `:${hostPort[2]}` : ''}/`);
        if (target === null) throw new Error(`"${url}" does not name an ssh host`);
        const { keyType, key } = await captureHostKey(target.host, target.port, 15_000);
        process.stdout.write(`${target.pattern} ${keyType} ${key}\n`);
        process.stderr.write(`packyard: ${target.pattern} presents ${keyType} ${fingerprintOf(key)}\n`);
        if (opts.pin) {
          await withDeps(program.opts<GlobalOptions>(), (deps) => {
            deps.db.transaction((tx) => pinHostKeys(tx, `${target.pattern} ${keyType} ${key}`, actor()));
          });
          process.stderr.write(`packyard: pinned\n`);
        }
      } catch (e) {
        fail(e);
      }
    });
}
