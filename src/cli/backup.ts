// packyard backup FILE | restore FILE
import type { Command } from 'commander';
import { fail, openForCommand, readConfig, withDeps, type GlobalOptions } from './context.js';
import { createBackup, restoreBackup } from '../services/backup.js';
import { openProcessScratch } from '../services/scratch.js';
import { dataPaths } from '../compose.js';

export function registerBackup(program: Command): void {
  program
    .command('backup <file>')
    .description('write a consistent backup (database, secret key, dists) to FILE (.tar.gz); safe while the server runs')
    .action(async (file: string) => {
      try {
        await withDeps(program.opts<GlobalOptions>(), async (deps) => {
          const m = await createBackup(deps.sqlite, deps.paths, file);
          process.stderr.write(`packyard: backup written to ${file} (${m.dists} dists${m.secretKey ? ', secret key' : ''})\n`);
        });
      } catch (e) {
        fail(e);
      }
    });
  program
    .command('restore <file>')
    .description('restore a backup into the data directory (stop the server first)')
    .option('--force', 'replace an existing database (kept beside it as *.before-restore-*)')
    .action((file: string, opts: { force?: boolean }) => {
      try {
        const config = readConfig(program.opts<GlobalOptions>());
        const paths = dataPaths(config.data_dir);
        // Unpacked in this process's own scratch directory (removed when it exits).
        const scratch = openProcessScratch(paths.tmp);
        const m = restoreBackup({ ...paths, tmp: scratch.dir }, file, { force: opts.force ?? false });
        scratch.remove();
        // Opening composes and migrates: a backup from an older version is brought up to date.
        openForCommand(program.opts<GlobalOptions>()).close();
        process.stderr.write(`packyard: restored ${file} (made ${m.createdAt}, ${m.dists} dists) into ${config.data_dir}\n`);
      } catch (e) {
        fail(e);
      }
    });
}
