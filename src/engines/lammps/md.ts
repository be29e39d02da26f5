/**
 * Molecular dynamics by LAMMPS: an adapter that writes the input, spawns `lmp`, follows its
 * progress and reads its output back. (An engine, not domain: it starts a process and touches the
 * file system; the domain never imports it.)
 *
 * ## What runs
 *
 * The supercell (`reps` copies of the conventional cell) is written with the project's own
 * LAMMPS writers (`io/lammps.ts`: `buck/coul/long`, `pair_modify table 0`, the same charges and
 * cut-offs, masses from `crystal/masses.ts`), then
 *   velocity all create T seed mom yes rot no dist gaussian
 *   fix npt: Nosé-Hoover thermostat and barostat (Shinoda et al. 2004 / Martyna-Tobias-Klein
 *     equations as implemented in LAMMPS `fix npt`), Tdamp = 100 timesteps, Pdamp = 1000 timesteps,
 *     `aniso` (three independent box lengths) for an orthogonal box and `tri` (all six box
 *     components) for a triclinic one, so the cell shape is free as in the constant-pressure
 *     relaxation; `ensemble: 'nvt'` keeps the box (fix nvt).
 *   equilibration, reset_timestep, production with a thermo line and an unwrapped-coordinate dump
 *   every `sampleEvery` steps.
 * k-space: `kspace_style pppm` at `kspaceAccuracy` (relative force accuracy, default 1e-6) —
 * Ewald (`kspace: 'ewald'`) is the same sum at higher cost; the static energy of the input at these
 * settings is checked against the project's Ewald sum in the tests.
 *
 * ## What is read back
 *
 * Thermo lines (step, T, P, E, H, V, box) give progress and the averages; the dump gives every
 * atom's unwrapped position and the box at each sample. Each atom i has a lattice site, its
 * fractional coordinate s⁰_i in the starting supercell. At each sample the fractional coordinates
 * s_i(t) = (r_i(t) − box origin) B(t)⁻¹ are taken relative to the instantaneous box B(t) (so the
 * box fluctuations of NPT are not counted as displacements), and the drift of the centre of
 * mass, d(t) = Σ_i m_i (s_i(t) − s⁰_i) / Σ_i m_i, is removed (the harmonic ξ of `dynamics/` is
 * that of the supercell with its centre of mass fixed, and LAMMPS's `compute msd com yes` removes
 * the same). Three rms displacements, each 3-D and per
 * Cartesian axis, per species:
 *   - `site`: u_i(t) = (s_i(t) − s⁰_i − d(t)) B(t), about the lattice site;
 *   - `mean`: u_i(t) = (s_i(t) − ⟨s_i − d⟩ − d(t)) B(t), about the atom's time-averaged position
 *     (equal to `site` when the average structure is the ideal one; smaller when sites relax or a
 *     run is too short for slow modes to average out);
 *   - `start`: √⟨|u_i(t) − u_i(t₀)|²⟩ over the production, u_i(t₀) at its first sample: what
 *     LAMMPS's `compute msd com yes` reports after equilibration (displacement from where the atom
 *     was when the measurement began, itself a thermal snapshot): for decorrelated t it tends to
 *     √2 times the `site` value.
 * Errors by block averaging (`math/statistics.ts`) over `blocks` blocks of the production.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DomainError } from '../../errors.js';
import { Structure } from '../../crystal/structure.js';
import { Lattice } from '../../crystal/lattice.js';
import type { ForceField } from '../../potentials/forcefield.js';
import { type Mat3, inv3, mul3 } from '../../math/linalg.js';
import { blockMeans, meanAndError, type BlockEstimate } from '../../math/statistics.js';
import { evPerA3ToGPa, gpaToBar } from '../../units/index.js';
import { mdSettings, type MdSettings } from '../../document/md.js';
import { lammpsBox, writeLammpsData, writeLammpsPair } from '../../io/lammps.js';
import { atomicMass } from '../../crystal/masses.js';
import { buildEnergyModel } from '../../potentials/index.js';

export interface MdOptions {
  /** K (default 300). */
  temperature?: number;
  /** GPa (default 0). */
  pressureGPa?: number;
  /** 'npt' (default) or 'nvt' (box fixed at the input). */
  ensemble?: 'npt' | 'nvt';
  /**
   * 'nose-hoover' (default: fix npt / fix nvt) or 'langevin' (fix langevin with fix nph / fix nve):
   * Nosé-Hoover is deterministic but not ergodic for a nearly harmonic crystal (low T), where its
   * modes exchange energy slowly; Langevin's random kicks equilibrate every mode.
   */
  thermostat?: 'nose-hoover' | 'langevin';
  /** fs (default 2). */
  timestepFs?: number;
  /** Steps of equilibration (default 10000 = 20 ps at 2 fs). */
  equilibrationSteps?: number;
  /** Steps of production (default 20000 = 40 ps at 2 fs). */
  productionSteps?: number;
  /** Steps between samples (thermo line and positions; default 20). */
  sampleEvery?: number;
  /** Blocks for the block-average errors (default 5). */
  blocks?: number;
  /** Thermostat damping, timesteps (default 100). */
  thermostatDamp?: number;
  /** Barostat damping, timesteps (default 1000). */
  barostatDamp?: number;
  /** 'pppm' (default) or 'ewald'. */
  kspace?: 'pppm' | 'ewald';
  /** LAMMPS k-space relative force accuracy (default 1e-6). */
  kspaceAccuracy?: number;
  /** Velocity seed (default 12345). */
  seed?: number;
  /** Path of the LAMMPS binary (default: $LATTICEFIT_LMP, else `lmp` on PATH). */
  lmp?: string;
  /** Mass per species, u. */
  masses?: Record<string, number>;
  /** Called as LAMMPS reports steps. */
  onProgress?: (p: MdProgress) => void;
  /** Aborting kills the LAMMPS process (SIGTERM to its pid, SIGKILL 5 s later if it is still there). */
  signal?: AbortSignal;
  /** Keep the working directory (its path is in the result) instead of deleting it. */
  keepFiles?: boolean;
}

export interface MdProgress {
  stage: 'equilibration' | 'production';
  /** Steps done in all (equilibration + production). */
  step: number;
  totalSteps: number;
  temperature: number;
  /** The LAMMPS process id (to watch or stop it from outside). */
  pid?: number;
}

export type Estimate = Pick<BlockEstimate, 'value' | 'error'>;

export interface RmsDisplacement {
  /** 3-D rms, Å. */
  xi: Estimate;
  /** rms along x, y, z, Å. */
  perAxis: [Estimate, Estimate, Estimate];
}

export interface MdRunResult {
  temperature: Estimate;
  pressureGPa: Estimate;
  /** Conventional lattice parameters (Å, degrees): the supercell's divided by `reps`. */
  a: Estimate; b: Estimate; c: Estimate; alpha: Estimate; beta: Estimate; gamma: Estimate;
  /** Volume of the conventional cell, Å³. */
  volume: Estimate;
  /** Enthalpy E_kin + E_pot + PV per conventional cell, eV. */
  enthalpy: Estimate;
  /** Potential energy per conventional cell, eV. */
  potentialEnergy: Estimate;
  /** rms displacements per species, by definition (see the module comment). */
  displacements: { site: Record<string, RmsDisplacement>; mean: Record<string, RmsDisplacement>; start: Record<string, RmsDisplacement> };
  /**
   * The static supercell (step 0) on LAMMPS's energy surface against the project's lattice energy
   * (eV; the difference per atom, eV): the check that MD runs on the lattice-statics surface.
   */
  staticEnergy?: { lammps: number; project: number; differencePerAtom: number };
  atoms: number;
  reps: [number, number, number];
  samples: number;
  options: Required<Omit<MdOptions, 'onProgress' | 'signal' | 'masses' | 'lmp' | 'keepFiles'>> & { lmp: string };
  wallTimeMs: number;
  lammpsVersion?: string;
  workDir?: string;
}

export const LMP_INSTALL_HINT = 'install LAMMPS (Debian/Ubuntu: apt-get install lammps) or point LATTICEFIT_LMP (or the lmp option) at the binary';

/** The LAMMPS binary: the option, else $LATTICEFIT_LMP, else `lmp`. */
export const lmpPath = (option?: string): string => option ?? process.env.LATTICEFIT_LMP ?? 'lmp';

/**
 * Resolve and check the options (setup errors before any work): the defaults and the checks are
 * the `md` block's (`document/md.ts` `mdSettings`, one copy); the pressure stays in GPa here, as
 * given, at this adapter's edge.
 */
export function resolveMdOptions(o: MdOptions): MdRunResult['options'] {
  const { pressureGPa, onProgress: _p, signal: _s, masses: _m, keepFiles: _k, lmp, ...rest } = o;
  const s = mdSettings({ ...rest, ...(pressureGPa !== undefined ? { pressure: pressureGPa } : {}) });
  return {
    temperature: s.temperature,
    pressureGPa: pressureGPa ?? 0,
    ensemble: s.ensemble,
    thermostat: s.thermostat,
    timestepFs: s.timestepFs,
    equilibrationSteps: s.equilibrationSteps,
    productionSteps: s.productionSteps,
    sampleEvery: s.sampleEvery,
    blocks: s.blocks,
    thermostatDamp: s.thermostatDamp,
    barostatDamp: s.barostatDamp,
    kspace: s.kspace,
    kspaceAccuracy: s.kspaceAccuracy,
    seed: s.seed,
    lmp: lmpPath(lmp),
  };
}

/**
 * The adapter's options of a resolved md request's settings: the pressure from eV/Å³ to this
 * adapter's GPa (and bar in the input script), rounded to 15 significant digits: the round trip
 * x / k · k of a pressure given in GPa can land one unit in the last place off (7.9 gives
 * 7.900000000000001), and a decimal of up to 15 digits comes back as it was given.
 */
export function lammpsMdOptions(settings: MdSettings, extra: Pick<MdOptions, 'lmp' | 'masses'> = {}): MdOptions {
  const { pressure, ...rest } = settings;
  return { ...rest, pressureGPa: Number(evPerA3ToGPa(pressure).toPrecision(15)), ...(extra.lmp !== undefined ? { lmp: extra.lmp } : {}), ...(extra.masses !== undefined ? { masses: extra.masses } : {}) };
}

/** The LAMMPS input script for a run (data file `cell.data`, force field `forcefield.lmp`). */
export function mdInputScript(o: MdRunResult['options'], triclinic: boolean): string {
  const dt = o.timestepFs / 1000; // ps
  const P = gpaToBar(o.pressureGPa);
  const T = o.temperature;
  const baro = `${triclinic ? 'tri' : 'aniso'} ${P} ${P} ${o.barostatDamp * dt}`;
  const tdamp = o.thermostatDamp * dt;
  const fix =
    o.thermostat === 'langevin'
      ? `fix heat all langevin ${T} ${T} ${tdamp} ${o.seed + 1} zero yes\n` + (o.ensemble === 'nvt' ? 'fix md all nve' : `fix md all nph ${baro}`)
      : o.ensemble === 'nvt'
        ? `fix md all nvt temp ${T} ${T} ${tdamp}`
        : `fix md all npt temp ${T} ${T} ${tdamp} ${baro}`;
  return [
    ...preamble(o),
    `timestep ${dt}`,
    `velocity all create ${T} ${o.seed} mom yes rot no dist gaussian`,
    fix,
    'thermo_style custom step temp press pe etotal enthalpy vol lx ly lz xy xz yz',
    'thermo_modify norm no flush yes format float %.12g',
    `thermo ${o.sampleEvery}`,
    '# equilibration',
    `run ${o.equilibrationSteps}`,
    'reset_timestep 0',
    '# production',
    `dump traj all custom ${o.sampleEvery} traj.dump id xu yu zu`,
    'dump_modify traj sort id format float %.10g',
    `run ${o.productionSteps}`,
    '',
  ].join('\n');
}

/** The system and the energy surface: the same lines for MD and for the static check. */
function preamble(o: Pick<MdRunResult['options'], 'kspace' | 'kspaceAccuracy'>): string[] {
  return [
    'units metal',
    'atom_style charge',
    'boundary p p p',
    'read_data cell.data',
    'include forcefield.lmp',
    `kspace_style ${o.kspace} ${o.kspaceAccuracy}`,
    'neighbor 2.0 bin',
    'neigh_modify every 1 delay 0 check yes',
  ];
}

/**
 * The data file (`cell.data`) and the force field (`forcefield.lmp`) that `preamble` reads. The
 * writer's k-space line is replaced by the run script's (pppm or ewald at the run's accuracy).
 */
function writeSystemFiles(dir: string, structure: Structure, ff: ForceField, masses: Record<string, number> | undefined, title: string): void {
  const types = Object.keys(ff.charges);
  writeFileSync(join(dir, 'cell.data'), writeLammpsData(structure, ff.charges, { types, ...(masses ? { masses } : {}), title }));
  writeFileSync(join(dir, 'forcefield.lmp'), writeLammpsPair(ff, { types }).replace(/^kspace_style .*$/m, '# kspace_style set by the run script'));
}

export interface LammpsStatic {
  /** LAMMPS's potential energy, eV. */
  energy: number;
  /** Forces on the atoms, eV/Å, in the frame of `structure` (LAMMPS's box orientation). */
  forces: Float64Array;
  /** The structure as LAMMPS holds it (its box and wrapped positions, in the input's atom order). */
  structure: Structure;
}

/**
 * Energy and forces of one configuration by LAMMPS with the MD run's energy surface (the same
 * data and pair files, k-space style and accuracy): the check that MD moves on the surface of the
 * project's lattice statics.
 */
export async function lammpsStatic(structure: Structure, ff: ForceField, options: Pick<MdOptions, 'kspace' | 'kspaceAccuracy' | 'lmp' | 'masses' | 'signal'> = {}): Promise<LammpsStatic> {
  const o = resolveMdOptions({ kspace: options.kspace, kspaceAccuracy: options.kspaceAccuracy, lmp: options.lmp, equilibrationSteps: 0, productionSteps: 10, sampleEvery: 1, blocks: 2 });
  const box = lammpsBox(structure);
  const dir = mkdtempSync(join(tmpdir(), 'latticefit-static-'));
  try {
    writeSystemFiles(dir, structure, ff, options.masses, 'latticefit static check');
    const script = [...preamble(o), 'thermo_style custom step pe', 'run 0', 'variable e equal pe', 'print "$(v_e:%.14g)" file energy.txt', 'write_dump all custom forces.dump id fx fy fz modify sort id format float %.14g', ''].join('\n');
    writeFileSync(join(dir, 'in.lmp'), script);
    await spawnLammps({ ...o, equilibrationSteps: 0, productionSteps: 0 }, dir, { ...(options.signal ? { signal: options.signal } : {}), ...(options.lmp ? { lmp: options.lmp } : {}) });
    const energy = Number(readFileSync(join(dir, 'energy.txt'), 'utf8').trim());
    const n = structure.numAtoms;
    const lines = readFileSync(join(dir, 'forces.dump'), 'utf8').split('\n');
    const start = lines.findIndex((l) => l.startsWith('ITEM: ATOMS')) + 1;
    const forces = new Float64Array(3 * n);
    for (let k = 0; k < n; k++) {
      const f = lines[start + k]!.trim().split(/\s+/).map(Number);
      forces.set([f[1]!, f[2]!, f[3]!], 3 * (f[0]! - 1));
    }
    const lattice = Lattice.fromVectors([[box.lx, 0, 0], [box.xy, box.ly, 0], [box.xz, box.yz, box.lz]]);
    return { energy, forces, structure: Structure.fromCartesian(lattice, structure.species, box.positions) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ThermoRow { step: number; temp: number; press: number; pe: number; etotal: number; enthalpy: number; vol: number; box: number[] }

/** Run LAMMPS MD of `reps` copies of `cell` (a conventional cell with its atoms). */
export async function runLammpsMd(cell: Structure, reps: [number, number, number], ff: ForceField, options: MdOptions = {}): Promise<MdRunResult> {
  const o = resolveMdOptions(options);
  const t0 = Date.now();
  const sc = cell.supercell(reps);
  const box0 = lammpsBox(sc);
  const triclinic = box0.xy !== 0 || box0.xz !== 0 || box0.yz !== 0;
  const dir = mkdtempSync(join(tmpdir(), 'latticefit-md-'));
  try {
    writeSystemFiles(dir, sc, ff, options.masses, 'latticefit MD supercell');
    writeFileSync(join(dir, 'in.lmp'), mdInputScript(o, triclinic));
    const { stdout, version } = await spawnLammps(o, dir, options);
    const result = analyseMdOutput(cell, reps, ff, stdout, readFileSync(join(dir, 'traj.dump'), 'utf8'), { ...options, ...o });
    return { ...result, wallTimeMs: Date.now() - t0, ...(version ? { lammpsVersion: version } : {}), ...(options.keepFiles ? { workDir: dir } : {}) };
  } finally {
    if (!options.keepFiles) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The averages of a finished run from LAMMPS's screen output (or log file) and its dump: what
 * `runLammpsMd` returns, without the wall time. With `keepFiles`, a run can be analysed again
 * (other `blocks`) from `workDir`/log.lammps and traj.dump.
 */
export function analyseMdOutput(cell: Structure, reps: [number, number, number], ff: ForceField, log: string, dump: string, options: MdOptions = {}): Omit<MdRunResult, 'wallTimeMs'> {
  const o = resolveMdOptions(options);
  const sc = cell.supercell(reps);
  const box0 = lammpsBox(sc);
  const runs = parseThermo(log);
  if (runs.length < 2) throw new DomainError('ENGINE_FAILED', 'LAMMPS output has no production run', { tail: log.slice(-2000) });
  const prod = runs[runs.length - 1]!;
  // step 0 of the equilibration is the static supercell: its energy on LAMMPS's surface against the project's
  const lammpsE = runs[0]![0]?.pe;
  const projectE = buildEnergyModel(ff).compute(cell).energy * reps[0] * reps[1] * reps[2];
  const staticEnergy = lammpsE === undefined ? undefined : { lammps: lammpsE, project: projectE, differencePerAtom: (lammpsE - projectE) / sc.numAtoms };
  const frames = parseDump(dump, sc.numAtoms);
  const result = analyse(reps, sc, box0, prod, frames, o, Float64Array.from(sc.species, (sp) => atomicMass(sp, options.masses)));
  return { ...result, ...(staticEnergy ? { staticEnergy } : {}) };
}

/**
 * Where `name` runs from: a path with a slash is taken as it is (if executable), a bare name is
 * looked up on PATH. Undefined when there is nothing executable there.
 */
export function findExecutable(name: string): string | undefined {
  const ok = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return ok(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && ok(join(dir, name))) return join(dir, name);
  return undefined;
}

let setprivChecked: string | null | undefined;
/**
 * `setpriv` of util-linux when it can give a child a parent-death signal (Linux, util-linux ≥ 2.33),
 * else null. Checked once per process.
 */
export function pdeathsigWrapper(): string | null {
  if (setprivChecked !== undefined) return setprivChecked;
  setprivChecked = null;
  if (process.platform !== 'linux' || process.env.LATTICEFIT_NO_PDEATHSIG) return null;
  const setpriv = findExecutable('setpriv');
  if (setpriv && spawnSync(setpriv, ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 5000 }).status === 0) setprivChecked = setpriv;
  return setprivChecked;
}

/** Milliseconds between SIGTERM and SIGKILL when a cancelled LAMMPS does not end. */
const KILL_GRACE_MS = 5000;

/**
 * Start LAMMPS and follow it. Its lifetime is tied to ours:
 * - cancellation (the AbortSignal) sends SIGTERM to its pid, and SIGKILL if it is still there
 *   after 5 s;
 * - on Linux it runs under `setpriv --pdeathsig KILL` (which execs LAMMPS, so the pid is LAMMPS's):
 *   the kernel sends it SIGKILL when the thread that started it ends, whether this process exits,
 *   crashes or is killed with SIGKILL, or a worker thread running the job is terminated. Without
 *   setpriv (not Linux, or util-linux too old) only the first holds and an orphaned LAMMPS runs to
 *   its end.
 */
function spawnLammps(o: MdRunResult['options'], dir: string, options: MdOptions): Promise<{ stdout: string; version?: string }> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new DomainError('CANCELLED', 'cancelled'));
    const exe = findExecutable(o.lmp);
    if (!exe) return reject(unavailable(o.lmp, 'not found or not executable', options.lmp !== undefined));
    const lmpArgs = ['-in', 'in.lmp', '-log', 'log.lammps'];
    const wrapper = pdeathsigWrapper();
    const child = wrapper
      ? spawn(wrapper, ['--pdeathsig', 'KILL', '--', exe, ...lmpArgs], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(exe, lmpArgs, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    const total = o.equilibrationSteps + o.productionSteps;
    let out = '', err = '', stage: MdProgress['stage'] = 'equilibration', partial = '', inThermo = false, done = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      if (pid === undefined || done) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return; // already gone
      }
      killTimer = setTimeout(() => {
        try {
          if (!done) process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, KILL_GRACE_MS);
      killTimer.unref();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (): void => {
      done = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (/^\s*Step\s+Temp/.test(line)) inThermo = true;
        else if (/^Loop time/.test(line)) {
          inThermo = false;
          stage = 'production';
        } else if (inThermo && options.onProgress) {
          const f = line.trim().split(/\s+/).map(Number);
          if (f.length >= 2 && f.every(Number.isFinite))
            options.onProgress({ stage, step: (stage === 'production' ? o.equilibrationSteps : 0) + f[0]!, totalSteps: total, temperature: f[1]!, ...(pid !== undefined ? { pid } : {}) });
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (err += c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (done) return;
      finish();
      if (e.code === 'ENOENT' || e.code === 'EACCES') reject(unavailable(o.lmp, e.code, options.lmp !== undefined));
      else reject(new DomainError('ENGINE_FAILED', `LAMMPS could not be started: ${e.message}`, { engine: 'lammps' }));
    });
    child.on('close', (code, sig) => {
      if (done) return;
      finish();
      if (options.signal?.aborted) return reject(new DomainError('CANCELLED', `cancelled: LAMMPS (pid ${pid}) was stopped`, { pid }));
      // setpriv exits 126/127 when it cannot exec the binary (found a moment ago, so rare)
      if (wrapper && (code === 126 || code === 127) && !/LAMMPS \(/.test(out)) return reject(unavailable(o.lmp, (err.trim() || `exit code ${code}`).slice(0, 300), options.lmp !== undefined));
      if (code !== 0) {
        const msg = /ERROR[^\n]*/.exec(out + '\n' + err)?.[0] ?? `exit code ${code ?? sig}`;
        return reject(new DomainError('ENGINE_FAILED', `LAMMPS failed: ${msg}`, { engine: 'lammps', exitCode: code, signal: sig, tail: (out + err).slice(-2000) }));
      }
      const version = /^LAMMPS \(([^)]*)\)/m.exec(out)?.[1];
      resolve({ stdout: out, ...(version ? { version } : {}) });
    });
  });
}

/** The binary is missing: `path` points at md.lmp only when the request named it (else it is the server's). */
const unavailable = (lmp: string, why: string, fromRequest: boolean): DomainError =>
  new DomainError('ENGINE_UNAVAILABLE', `LAMMPS binary "${lmp}" could not be started (${why}): ${LMP_INSTALL_HINT}`, { engine: 'lammps', lmp, ...(fromRequest ? { path: '/md/lmp' } : {}) });

/** Thermo tables of each run (between the `Step Temp ...` header and `Loop time`). */
export function parseThermo(stdout: string): ThermoRow[][] {
  const runs: ThermoRow[][] = [];
  let cur: ThermoRow[] | undefined;
  for (const line of stdout.split('\n')) {
    if (/^\s*Step\s+Temp/.test(line)) runs.push((cur = []));
    else if (/^Loop time/.test(line)) cur = undefined;
    else if (cur) {
      const f = line.trim().split(/\s+/).map(Number);
      if (f.length === 13 && f.every(Number.isFinite)) cur.push({ step: f[0]!, temp: f[1]!, press: f[2]!, pe: f[3]!, etotal: f[4]!, enthalpy: f[5]!, vol: f[6]!, box: f.slice(7) });
    }
  }
  return runs;
}

interface Frame { step: number; lo: [number, number, number]; B: Mat3; r: Float64Array }

/** Frames of a `dump custom id xu yu zu` file sorted by id: box (rows a, b, c), origin, positions. */
export function parseDump(text: string, n: number): Frame[] {
  const lines = text.split('\n');
  const frames: Frame[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!lines[i]!.startsWith('ITEM: TIMESTEP')) { i++; continue; }
    const step = Number(lines[i + 1]);
    const header = lines[i + 4]!;
    const b = [lines[i + 5], lines[i + 6], lines[i + 7]].map((l) => l!.trim().split(/\s+/).map(Number));
    let xy = 0, xz = 0, yz = 0;
    let [xlo, xhi] = [b[0]![0]!, b[0]![1]!], [ylo, yhi] = [b[1]![0]!, b[1]![1]!];
    const [zlo, zhi] = [b[2]![0]!, b[2]![1]!];
    if (/xy xz yz/.test(header)) {
      xy = b[0]![2]!; xz = b[1]![2]!; yz = b[2]![2]!;
      xlo -= Math.min(0, xy, xz, xy + xz); xhi -= Math.max(0, xy, xz, xy + xz);
      ylo -= Math.min(0, yz); yhi -= Math.max(0, yz);
    }
    const B: Mat3 = [[xhi - xlo, 0, 0], [xy, yhi - ylo, 0], [xz, yz, zhi - zlo]];
    const r = new Float64Array(3 * n);
    for (let k = 0; k < n; k++) {
      const f = lines[i + 9 + k]!.trim().split(/\s+/).map(Number);
      const id = f[0]! - 1;
      r[3 * id] = f[1]!; r[3 * id + 1] = f[2]!; r[3 * id + 2] = f[3]!;
    }
    frames.push({ step, lo: [xlo, ylo, zlo], B, r });
    i += 9 + n;
  }
  return frames;
}

function analyse(reps: [number, number, number], sc: Structure, box0: ReturnType<typeof lammpsBox>, thermo: ThermoRow[], frames: Frame[], o: MdRunResult['options'], masses: Float64Array): Omit<MdRunResult, 'wallTimeMs'> {
  const nb = o.blocks;
  const ncell = reps[0] * reps[1] * reps[2];
  const est = (x: number[]): Estimate => {
    const e = meanAndError(blockMeans(x, nb));
    return { value: e.value, error: e.error };
  };
  // production thermo rows after step 0 (the first row is the state the equilibration left)
  const rows = thermo.filter((r) => r.step > 0);
  const B0: Mat3 = [[box0.lx, 0, 0], [box0.xy, box0.ly, 0], [box0.xz, box0.yz, box0.lz]];
  // rows of the standard-orientation supercell S = M B with M integer (the writer may have reduced tilts)
  const S0 = Lattice.fromParameters(sc.lattice.parameters).matrix;
  const M = mul3(S0, inv3(B0)).map((row) => row.map(Math.round)) as Mat3;
  const cellParams = (B: Mat3): number[] => {
    const S = mul3(M, B);
    const len = S.map((v) => Math.hypot(...v));
    const ang = (u: number[], v: number[]): number => (Math.acos((u[0]! * v[0]! + u[1]! * v[1]! + u[2]! * v[2]!) / (Math.hypot(...u) * Math.hypot(...v))) * 180) / Math.PI;
    return [len[0]! / reps[0], len[1]! / reps[1], len[2]! / reps[2], ang(S[1]!, S[2]!), ang(S[0]!, S[2]!), ang(S[0]!, S[1]!)];
  };
  const boxOf = (r: ThermoRow): Mat3 => [[r.box[0]!, 0, 0], [r.box[3]!, r.box[1]!, 0], [r.box[4]!, r.box[5]!, r.box[2]!]];
  const params = rows.map((r) => cellParams(boxOf(r)));
  const col = (k: number): number[] => params.map((p) => p[k]!);

  // displacements
  const n = sc.numAtoms;
  const inv0 = inv3(B0);
  const site = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const p = box0.positions[i]!;
    for (let k = 0; k < 3; k++) site[3 * i + k] = p[0] * inv0[0][k] + p[1] * inv0[1][k] + p[2] * inv0[2][k];
  }
  const F = frames.length;
  const totalMass = masses.reduce((x, y) => x + y, 0);
  // fractional displacement from the site: ds[f][3i+k]; whole-box image shifts (an unwrapped atom
  // that starts a box length from its site) are fixed from the first frame, then the drift of the
  // centre of mass is removed
  let shift: Float64Array | undefined;
  const ds: Float64Array[] = frames.map((fr) => {
    const inv = inv3(fr.B);
    const d = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      const x = [fr.r[3 * i]! - fr.lo[0], fr.r[3 * i + 1]! - fr.lo[1], fr.r[3 * i + 2]! - fr.lo[2]];
      for (let k = 0; k < 3; k++) d[3 * i + k] = x[0]! * inv[0][k] + x[1]! * inv[1][k] + x[2]! * inv[2][k] - site[3 * i + k]!;
    }
    shift ??= d.map(Math.round);
    const drift = [0, 0, 0];
    for (let r = 0; r < 3 * n; r++) {
      d[r]! -= shift[r]!;
      drift[r % 3]! += (masses[Math.floor(r / 3)]! * d[r]!) / totalMass;
    }
    for (let r = 0; r < 3 * n; r++) d[r]! -= drift[r % 3]!;
    return d;
  });
  const meanD = new Float64Array(3 * n);
  for (const d of ds) for (let r = 0; r < 3 * n; r++) meanD[r]! += d[r]! / F;
  const species = [...new Set(sc.species)];
  const measure = (offset: (f: number, r: number) => number): Record<string, RmsDisplacement> => {
    // per frame, per species, per axis: mean u²
    const series: Record<string, number[][]> = Object.fromEntries(species.map((s) => [s, [[], [], []]]));
    const count: Record<string, number> = {};
    for (const s of sc.species) count[s] = (count[s] ?? 0) + 1;
    frames.forEach((fr, f) => {
      const acc: Record<string, [number, number, number]> = Object.fromEntries(species.map((s) => [s, [0, 0, 0]]));
      for (let i = 0; i < n; i++) {
        const u = [0, 1, 2].map((k) => ds[f]![3 * i + k]! - offset(f, 3 * i + k));
        for (let k = 0; k < 3; k++) {
          const c = u[0]! * fr.B[0][k] + u[1]! * fr.B[1][k] + u[2]! * fr.B[2][k];
          acc[sc.species[i]!]![k]! += (c * c) / count[sc.species[i]!]!;
        }
      }
      for (const s of species) for (let k = 0; k < 3; k++) series[s]![k]!.push(acc[s]![k]!);
    });
    const out: Record<string, RmsDisplacement> = {};
    for (const s of species) {
      const blocks = series[s]!.map((x) => blockMeans(x, nb)); // [axis][block] of ⟨u²⟩
      const perAxis = blocks.map((bk) => meanAndError(bk.map(Math.sqrt))) as BlockEstimate[];
      const xi = meanAndError(blocks[0]!.map((_, b) => Math.sqrt(blocks[0]![b]! + blocks[1]![b]! + blocks[2]![b]!)));
      out[s] = { xi: { value: xi.value, error: xi.error }, perAxis: perAxis.map((e) => ({ value: e.value, error: e.error })) as RmsDisplacement['perAxis'] };
    }
    return out;
  };
  const displacements = {
    site: measure(() => 0),
    mean: measure((_f, r) => meanD[r]!),
    // from each atom's position at the first production sample (which contributes zero)
    start: measure((_f, r) => ds[0]![r]!),
  };
  return {
    temperature: est(rows.map((r) => r.temp)),
    pressureGPa: est(rows.map((r) => r.press * 1e-4)),
    a: est(col(0)), b: est(col(1)), c: est(col(2)), alpha: est(col(3)), beta: est(col(4)), gamma: est(col(5)),
    volume: est(rows.map((r) => r.vol / ncell)),
    enthalpy: est(rows.map((r) => r.enthalpy / ncell)),
    potentialEnergy: est(rows.map((r) => r.pe / ncell)),
    displacements,
    atoms: n,
    reps,
    samples: F,
    options: o,
  };
}
