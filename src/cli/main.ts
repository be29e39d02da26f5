/**
 * The `latticefit` command: a thin door onto the library. Each sub-command parses its
 * arguments, calls the library and prints; errors print their code and JSON path and exit 2
 * (bad input) or 1 (anything else).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { reportError } from './io.js';
import { energyCommand } from './commands/energy.js';
import { fitCommand, reportCommand, checkFormat } from './commands/fit.js';
import { propertiesCommand } from './commands/properties.js';
import { importGulpCommand } from './commands/import-gulp.js';
import { exportCommand, EXPORT_KINDS } from './commands/export.js';
import { serveCommand, SERVE_USAGE } from './commands/serve.js';
import { workerCommand, WORKER_USAGE } from './commands/worker.js';
import { mdCommand, MD_USAGE } from './commands/md.js';
import { phononsCommand, PHONONS_USAGE } from './commands/phonons.js';

const USAGE_TEXT = `latticefit — force-field fitting for ionic crystals

Usage:
  latticefit energy JOB.json [--format json|table]
      energies, pressure tensors and forces at the input geometry
  latticefit properties JOB.json [--format json|markdown|csv]
      relaxes every structure and reports lattice parameters, internal coordinates,
      elastic constants, moduli, energies, transition pressures (Table S8/S9 layout)
  latticefit fit JOB.json [--format json|markdown|html|csv|latex] [--out DIR]
                 [--max-iterations N] [--starts N] [--quiet]
      relaxed fit of the varied parameters; prints the result or the report,
      or writes result.json and every report format into DIR
  latticefit report RESULT.json [--format markdown|html|csv|latex|json]
      renders a saved fit or properties result
  latticefit import-gulp FILE.gin [--out FILE]
      translates a GULP input into a job document; untranslated lines go to stderr
  latticefit export gulp|gulp-library|lammps|cif JOB_OR_RESULT.json [--structure ID]
      writes a job or a result in another program's format to stdout
\${SERVE}
\${WORKER}
\${MD}
\${PHONONS}
  latticefit help

Units: eV, Å, e inside; GPa for pressures and moduli.
`;
const USAGE = USAGE_TEXT.replace('${SERVE}', SERVE_USAGE).replace('${WORKER}', WORKER_USAGE).replace('${MD}', MD_USAGE).replace('${PHONONS}', PHONONS_USAGE);

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
  fit: {
    options: {
      format: { type: 'string', default: 'markdown' },
      out: { type: 'string' },
      'max-iterations': { type: 'string' },
      starts: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
    run: (pos, v) => {
      if (pos.length !== 1) throw new UsageError('fit needs one job document');
      const int = (x: unknown, name: string): number | undefined => {
        if (x === undefined) return undefined;
        const n = Number(x);
        if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number`);
        return n;
      };
      return fitCommand(pos[0]!, {
        format: checkFormat(String(v.format)),
        ...(v.out ? { out: String(v.out) } : {}),
        ...(v['max-iterations'] !== undefined ? { maxIterations: int(v['max-iterations'], 'max-iterations') } : {}),
        ...(v.starts !== undefined ? { starts: int(v.starts, 'starts') } : {}),
        quiet: Boolean(v.quiet),
      });
    },
  },
  properties: {
    options: { format: { type: 'string', default: 'markdown' } },
    run: (pos, v) => {
      if (pos.length !== 1) throw new UsageError('properties needs one job document');
      return propertiesCommand(pos[0]!, String(v.format));
    },
  },
  'import-gulp': {
    options: { out: { type: 'string' } },
    run: (pos, v) => {
      if (pos.length !== 1) throw new UsageError('import-gulp needs one GULP input file');
      return importGulpCommand(pos[0]!, { ...(v.out ? { out: String(v.out) } : {}) });
    },
  },
  export: {
    options: { structure: { type: 'string' } },
    run: (pos, v) => {
      if (pos.length !== 2) throw new UsageError(`export needs a format (${EXPORT_KINDS.join('|')}) and a job or result file`);
      return exportCommand(pos[0]!, pos[1]!, { ...(v.structure ? { structure: String(v.structure) } : {}) });
    },
  },
  md: {
    options: { format: { type: 'string', default: 'json' }, temperature: { type: 'string' }, pressure: { type: 'string' }, structure: { type: 'string', multiple: true }, production: { type: 'string' }, equilibration: { type: 'string' }, quiet: { type: 'boolean', default: false } },
    run: (pos, v) => {
      if (pos.length !== 1) throw new UsageError('md needs one job document');
      const num = (x: unknown, name: string): number | undefined => {
        if (x === undefined) return undefined;
        const n = Number(x);
        if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number`);
        return n;
      };
      const structures = (v as Record<string, unknown>).structure as string[] | undefined;
      return mdCommand(pos[0]!, {
        format: String(v.format),
        quiet: Boolean(v.quiet),
        overrides: { temperature: num(v.temperature, 'temperature'), pressure: num(v.pressure, 'pressure'), productionSteps: num(v.production, 'production'), equilibrationSteps: num(v.equilibration, 'equilibration'), ...(structures ? { structures } : {}) } as never,
      });
    },
  },
  phonons: {
    options: { format: { type: 'string', default: 'table' }, mesh: { type: 'string' }, temperature: { type: 'string' } },
    run: (pos, v) => {
      if (pos.length !== 1) throw new UsageError('phonons needs one job document');
      return phononsCommand(pos[0]!, { format: String(v.format), ...(v.mesh !== undefined ? { mesh: String(v.mesh) } : {}), ...(v.temperature !== undefined ? { temperature: String(v.temperature) } : {}) });
    },
  },
  serve: serveCommand,
  worker: workerCommand,
  report: {
    options: { format: { type: 'string', default: 'markdown' } },
    run: (pos, v) => {
      if (pos.length !== 1) throw new UsageError('report needs one result file');
      return reportCommand(pos[0]!, checkFormat(String(v.format)));
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
