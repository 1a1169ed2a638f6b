// packyard serve | migrate
import type { Command } from 'commander';
import { fail, openForCommand, readConfig, type GlobalOptions } from './context.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the server, the job runner and the schedules')
    .action(async () => {
      try {
        const config = readConfig(program.opts<GlobalOptions>());
        // Loaded here, not at the top: every other command would pay ~50 ms to load fastify and
        // the routes it never uses (measured by scripts/bench).
        const { startServer, stopOnSignals } = await import('../main.js');
        const server = await startServer(config);
        stopOnSignals(server);
        process.stderr.write(`packyard: listening on ${server.address} (public URL ${config.server.public_url}, data in ${config.data_dir})\n`);
      } catch (e) {
        fail(e);
      }
    });

  program
    .command('migrate')
    .description('run pending database migrations and exit')
    .action(() => {
      try {
        const deps = openForCommand(program.opts<GlobalOptions>());
        deps.close();
        process.stderr.write('packyard: database is up to date\n');
      } catch (e) {
        fail(e);
      }
    });
}
