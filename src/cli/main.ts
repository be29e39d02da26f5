/**
 * The `latticefit` command: a thin door onto the library. Each sub-command parses its
 * arguments, calls the library and prints; errors print their code and JSON path and exit 2
 * (bad input) or 1 (anything else).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { reportError } from './io.js';
import { energyCommand } from './commands/energy.js';

const USAGE = `latticefit — force-field fitting for ionic crystals

Usage:
  latticefit energy JOB.json [--format json|table]
      energies, pressure tensors and forces at the input geometry
  latticefit help

Units: eV, Å, e inside; GPa for pressures and moduli.
`;

type Command = (positionals: string[], values: Record<string, string | boolean | undefined>) => Promise<string> | string;

const COMMANDS: Record<string, { options: ParseArgsConfig['options']; run: Command }> = {
  energy: {
    options: { format: { type: 'string', default: 'table' } },
    run: (pos, v) => {
      if (pos.length !== 1) throw new UsageError('energy needs one job document');
      const format = String(v.format);
      if (!['json', 'table'].includes(format)) throw new UsageError('--format is json or table');
      return energyCommand(pos[0]!, format);
    },
  },
};

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true });
    const out = await cmd.run(positionals, values as Record<string, string | boolean | undefined>);
    process.stdout.write(out);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    return reportError(err);
  }
}
