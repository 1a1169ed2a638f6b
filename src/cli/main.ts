#!/usr/bin/env node
// The packyard command line: every command opens the server's database (migrating it first)
// and works in-process, also while no server runs.
import { Command } from 'commander';
import { registerServe } from './serve.js';
import { registerOrg } from './org.js';
import { registerUser } from './user.js';
import { registerToken } from './token.js';
import { registerCredential } from './credential.js';
import { registerPackage } from './package.js';
import { registerBackup } from './backup.js';
import { registerHostKey } from './host-key.js';
import { registerSync } from './sync.js';
import { PRIVATE_UMASK } from '../services/file-modes.js';

export function buildProgram(): Command {
  const program = new Command('packyard')
    .description('Private Composer repository: serves your Git repositories to composer')
    .option('-c, --config <file>', 'config file (default: $PACKYARD_CONFIG, else the embedded defaults)')
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerServe(program);
  registerOrg(program);
  registerUser(program);
  registerToken(program);
  registerCredential(program);
  registerPackage(program);
  registerBackup(program);
  registerHostKey(program);
  registerSync(program);
  return program;
}

// Everything the server and the CLI create under data_dir (and children such as git) is private.
process.umask(PRIVATE_UMASK);
await buildProgram().parseAsync(process.argv);
