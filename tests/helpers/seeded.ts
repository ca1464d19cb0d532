/** A small seeded random source (mulberry32) for reproducible suites: same seed, same choices. */

export interface Rand {
  readonly seed: number
  /** [0, 1) */
  next(): number
  /** An integer in [min, max]. */
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
  chance(p: number): boolean
}

export function seeded(seed: number): Rand {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  }
}

/** The suite's base seed: TIMEBRIDGE_SEED to replay a failure, else a fresh one (printed on failure). */
export function baseSeed(): number {
  const given = process.env.TIMEBRIDGE_SEED
  return given !== undefined && /^\d+$/.test(given)
    ? Number(given)
    : Math.floor(Math.random() * 2 ** 31)
}
