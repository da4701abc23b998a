/** The `ixs` command line (commander): `ixs serve` and client verbs for people and scripts. */
import { Command, InvalidArgumentError } from 'commander';
import { serve } from './serve.ts';
import { registerClientVerbs } from './client-verbs.ts';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port number 0-65535 (0 picks a free port)');
  return n;
}

const program = new Command();
program.name('ixs').description('IXS, the open Interaction Server').version('0.1.0');
program
  .command('serve')
  .description('run the server in the foreground')
  .option('--config <file>', 'configuration file (JSON or YAML); default: the built-in demo configuration')
  .option('--data-dir <dir>', 'directory of the embedded database', './ixs-data')
  .option('--tcp-port <n>', 'Genesys binary protocol port', port, 7120)
  .option('--ws-port <n>', 'JSON over WebSocket port', port, 7121)
  .option('--http-port <n>', 'HTTP port', port, 7122)
  .option(
    '--host <h>',
    "address to listen on (default: the configuration's listen.host, else 127.0.0.1; 0.0.0.0 = all interfaces)",
  )
  .action(
    async (o: {
      config?: string;
      dataDir: string;
      tcpPort: number;
      wsPort: number;
      httpPort: number;
      host?: string;
    }) => {
      try {
        await serve(o);
      } catch (e) {
        process.stderr.write(`ixs serve: ${(e as Error).message}\n`);
        process.exit(1);
      }
    },
  );
registerClientVerbs(program);
await program.parseAsync(process.argv);
