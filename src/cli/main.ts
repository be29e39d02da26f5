/**
 * The `latticefit` command: a thin door onto the library. Each sub-command parses its
 * arguments, calls the library and prints; errors print their code and JSON path and exit 2
 * (bad input) or 1 (anything else).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { reportError } from './io.js';
import { serveCommand, SERVE_USAGE } from './commands/serve.js';
import { workerCommand, WORKER_USAGE } from './commands/worker.js';
import { mdCommand, MD_USAGE } from './commands/md.js';
import { phononsCommand, PHONONS_USAGE } from './commands/phonons.js';

// Each command's module is imported when that command runs, so that a calculation loads the
// domain it needs and no HTTP, queue or database module (serve and worker load theirs in `run`).

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
      or writes result.json, every report format and the figures (SVG) into DIR
  latticefit report RESULT.json [--format markdown|html|csv|latex|json] [--out DIR]
      renders a saved fit or properties result (DIR: every report format and the
      figures as SVG files; the HTML report has the figures inline)
  latticefit import-gulp FILE.gin [--out FILE]
      translates a GULP input into a job document; untranslated lines go to stderr
  latticefit export gulp|gulp-library|lammps|cif JOB_OR_RESULT.json [--structure ID] [--surface H,K,L]
      writes a job or a result in another program's format to stdout
  latticefit defects JOB.json [--format json|markdown|html|csv] [--cells DIR] [--quiet]
      defect formation energies and mixed phases of the document's "defects" block
      (Tables S10/S11); --cells writes the relaxed cells as CIF and LAMMPS data
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
      return import('./commands/energy.js').then((m) => m.energyCommand(pos[0]!, format));
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
    run: async (pos, v) => {
      if (pos.length !== 1) throw new UsageError('fit needs one job document');
      const { fitCommand, checkFormat } = await import('./commands/fit.js');
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
      return import('./commands/properties.js').then((m) => m.propertiesCommand(pos[0]!, String(v.format)));
    },
  },
  'import-gulp': {
    options: { out: { type: 'string' } },
    run: (pos, v) => {
      if (pos.length !== 1) throw new UsageError('import-gulp needs one GULP input file');
      return import('./commands/import-gulp.js').then((m) => m.importGulpCommand(pos[0]!, { ...(v.out ? { out: String(v.out) } : {}) }));
    },
  },
  export: {
    options: { structure: { type: 'string' }, surface: { type: 'string' } },
    run: async (pos, v) => {
      const { exportCommand, EXPORT_KINDS } = await import('./commands/export.js');
      if (pos.length !== 2) throw new UsageError(`export needs a format (${EXPORT_KINDS.join('|')}) and a job or result file`);
      return exportCommand(pos[0]!, pos[1]!, { ...(v.structure ? { structure: String(v.structure) } : {}), ...(v.surface ? { surface: String(v.surface) } : {}) });
    },
  },
  defects: {
    options: { format: { type: 'string', default: 'markdown' }, cells: { type: 'string' }, quiet: { type: 'boolean', default: false } },
    run: async (pos, v) => {
      if (pos.length !== 1) throw new UsageError('defects needs one job document');
      const { defectsCommand } = await import('./commands/defects.js');
      return defectsCommand(pos[0]!, String(v.format), { ...(v.cells ? { cells: String(v.cells) } : {}), quiet: Boolean(v.quiet) });
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
    options: { format: { type: 'string', default: 'markdown' }, out: { type: 'string' } },
    run: async (pos, v) => {
      if (pos.length !== 1) throw new UsageError('report needs one result file');
      const { reportCommand, checkFormat } = await import('./commands/fit.js');
      return reportCommand(pos[0]!, checkFormat(String(v.format)), v.out ? String(v.out) : undefined);
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
