/**
 * Job ids: ULIDs (https://github.com/ulid/spec) — 48-bit millisecond time + 80 random bits in
 * Crockford base32, 26 characters. Lexicographic order is creation order (monotonic within a
 * millisecond in this process), so listings page by id and need no separate sequence.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ID_PATTERN = '^[0-9A-HJKMNP-TV-Z]{26}$';

let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(t: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** A new id, greater than every id this process made before. */
export function newId(now = Date.now()): string {
  if (now <= lastTime) {
    // same (or earlier: clock step back) millisecond: increment the random part
    now = lastTime;
    let i = lastRandom.length - 1;
    while (i >= 0 && lastRandom[i] === 31) lastRandom[i--] = 0;
    if (i < 0) throw new Error('ULID random part overflow');
    lastRandom[i]!++;
  } else {
    lastTime = now;
    const bytes = randomBytes(16);
    lastRandom = Array.from({ length: 16 }, (_, k) => bytes[k]! & 31);
  }
  return encodeTime(now) + lastRandom.map((d) => ALPHABET[d]).join('');
}

