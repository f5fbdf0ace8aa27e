/**
 * Deterministic pseudo-random numbers for the simulator's dataset and failure injection.
 *
 * mulberry32: a tiny 32-bit generator with good enough statistical quality for fake data. It is NOT
 * cryptographic — tokens use `crypto.randomBytes` instead.
 */

/** A generator of floats in [0, 1). */
export type Rng = () => number;

const MULBERRY32_INCREMENT = 0x6d2b79f5;
const TWO_POW_32 = 4294967296;

/** Creates a mulberry32 generator; the same seed always yields the same sequence. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + MULBERRY32_INCREMENT) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  };
}

/** An integer in [min, max], both inclusive. */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** One element of a non-empty list, uniformly. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick() needs a non-empty list');
  return item;
}

/** One value of a non-empty list of `[value, weight]` pairs, with probability proportional to its weight. */
export function weightedPick<T>(rng: Rng, choices: readonly (readonly [T, number])[]): T {
  const totalWeight = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let remaining = rng() * totalWeight;
  for (const [value, weight] of choices) {
    remaining -= weight;
    if (remaining < 0) return value;
  }
  const last = choices[choices.length - 1];
  if (last === undefined) throw new Error('weightedPick() needs a non-empty list');
  return last[0];
}

/** Shuffles a copy of `items` (Fisher–Yates). */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const a = result[i] as T;
    result[i] = result[j] as T;
    result[j] = a;
  }
  return result;
}

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * A 32-bit seed derived from a text (FNV-1a) and a base seed: gives each record its own generator, so that what
 * is drawn for one record does not shift what is drawn for any other.
 */
export function seedFromText(baseSeed: number, text: string): number {
  let hash = FNV_OFFSET_BASIS ^ baseSeed;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash >>> 0;
}
