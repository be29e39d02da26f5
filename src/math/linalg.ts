/**
 * Small dense linear algebra for 3-vectors and 3x3 matrices.
 *
 * Conventions (stated once for the whole code base):
 * - `Mat3` is row-major: `m[i][j]` is row i, column j.
 * - A lattice is a `Mat3` whose rows are the lattice vectors a, b, c (a along x, b in the xy-plane).
 * - Fractional coordinates f (row vector) map to Cartesian r = f · L.
 */

export type Vec3 = [number, number, number];
export type Mat3 = [Vec3, Vec3, Vec3];

export const identity3 = (): Mat3 => [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

/**
 * [x, y, z] in V8's unboxed-double array layout whatever the values. An array literal of small
 * integers ([6, 0, 0]) gets another layout (and `map` a holey one), and a numeric kernel that
 * meets two layouts in one argument throws its optimised code away: in a short run, such as one
 * `latticefit properties` process, that costs more than the arithmetic. The lattice keeps its
 * matrices in this layout (crystal/lattice.ts).
 */
export function doubles3(x: number, y: number, z: number): Vec3 {
  const v: Vec3 = [0.5, 0.5, 0.5];
  v[0] = x;
  v[1] = y;
  v[2] = z;
  return v;
}

/** A copy of m with rows in the layout of `doubles3`. */
export const doubleRows3 = (m: Readonly<Mat3>): Mat3 => [doubles3(m[0][0], m[0][1], m[0][2]), doubles3(m[1][0], m[1][1], m[1][2]), doubles3(m[2][0], m[2][1], m[2][2])];

export const zeros3 = (): Mat3 => [
  [0, 0, 0],
  [0, 0, 0],
  [0, 0, 0],
];

export const copy3 = (m: Readonly<Mat3>): Mat3 => [
  [m[0][0], m[0][1], m[0][2]],
  [m[1][0], m[1][1], m[1][2]],
  [m[2][0], m[2][1], m[2][2]],
];

export const dot = (a: Readonly<Vec3>, b: Readonly<Vec3>): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

export const cross = (a: Readonly<Vec3>, b: Readonly<Vec3>): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];

export const norm = (a: Readonly<Vec3>): number => Math.sqrt(dot(a, a));

export const det3 = (m: Readonly<Mat3>): number =>
  m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
  m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
  m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);

export function inv3(m: Readonly<Mat3>): Mat3 {
  const d = det3(m);
  if (d === 0 || !Number.isFinite(d)) throw new RangeError('singular 3x3 matrix');
  const i = 1 / d;
  return [
    [
      (m[1][1] * m[2][2] - m[1][2] * m[2][1]) * i,
      (m[0][2] * m[2][1] - m[0][1] * m[2][2]) * i,
      (m[0][1] * m[1][2] - m[0][2] * m[1][1]) * i,
    ],
    [
      (m[1][2] * m[2][0] - m[1][0] * m[2][2]) * i,
      (m[0][0] * m[2][2] - m[0][2] * m[2][0]) * i,
      (m[0][2] * m[1][0] - m[0][0] * m[1][2]) * i,
    ],
    [
      (m[1][0] * m[2][1] - m[1][1] * m[2][0]) * i,
      (m[0][1] * m[2][0] - m[0][0] * m[2][1]) * i,
      (m[0][0] * m[1][1] - m[0][1] * m[1][0]) * i,
    ],
  ];
}

export const transpose3 = (m: Readonly<Mat3>): Mat3 => [
  [m[0][0], m[1][0], m[2][0]],
  [m[0][1], m[1][1], m[2][1]],
  [m[0][2], m[1][2], m[2][2]],
];

/** Matrix product A · B. */
export function mul3(a: Readonly<Mat3>, b: Readonly<Mat3>): Mat3 {
  const r = zeros3();
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) r[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
  return r;
}

/** Column-vector product M · v. */
export const matVec = (m: Readonly<Mat3>, v: Readonly<Vec3>): Vec3 => [dot(m[0], v), dot(m[1], v), dot(m[2], v)];

/** Row-vector product v · M. */
export const vecMat = (v: Readonly<Vec3>, m: Readonly<Mat3>): Vec3 => [
  v[0] * m[0][0] + v[1] * m[1][0] + v[2] * m[2][0],
  v[0] * m[0][1] + v[1] * m[1][1] + v[2] * m[2][1],
  v[0] * m[0][2] + v[1] * m[1][2] + v[2] * m[2][2],
];

export const add3 = (a: Readonly<Vec3>, b: Readonly<Vec3>): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const sub3 = (a: Readonly<Vec3>, b: Readonly<Vec3>): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const scale3 = (a: Readonly<Vec3>, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
