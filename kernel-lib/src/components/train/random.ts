/**
 * Seeded randomness for reproducible training: one seed gives independent streams (weight
 * initialisation, dropout masks, shuffling) so that changing one use never shifts another.
 * The generator is xoshiro128** seeded through splitmix32; the initialisers follow Keras'
 * definitions (glorot_uniform, orthogonal).
 */

/** splitmix32 step: a well-mixed 32-bit value from a state. */
function splitmix32(state: number): [value: number, next: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [(z ^ (z >>> 16)) >>> 0, next];
}

/** FNV-1a hash of a stream label. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** A seeded pseudo-random stream. */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  /**
   * @param seed any integer (only its low 32 bits count)
   * @param stream a label selecting an independent stream of the same seed
   */
  constructor(seed: number, stream = '') {
    let state = (Math.trunc(seed) ^ hashLabel(stream)) | 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [value, next] = splitmix32(state);
      words.push(value);
      state = next;
    }
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniform number in [0, 1) with 32 random bits. */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result / 4294967296;
  }

  /** A standard normal number (Box–Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles an array in place (Fisher–Yates). */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

/** Keras' glorot_uniform: U(-l, l) with l = sqrt(6 / (fanIn + fanOut)), row-major. */
export function glorotUniform(rng: Random, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = (2 * rng.next() - 1) * limit;
  return values;
}

/**
 * Keras' orthogonal initialiser for a `rows × cols` matrix (row-major): the Q factor of a
 * Gaussian matrix, with orthonormal rows when rows ≤ cols (an LSTM's recurrent kernel, units ×
 * 4·units) and orthonormal columns otherwise.
 */
export function orthogonal(rng: Random, rows: number, cols: number): Float32Array {
  const tall = Math.max(rows, cols);
  const narrow = Math.min(rows, cols);
  // Columns of a tall × narrow Gaussian matrix, orthonormalised by modified Gram–Schmidt (which
  // yields R with a positive diagonal, Keras' sign convention).
  const q: Float64Array[] = [];
  for (let j = 0; j < narrow; j++) {
    const column = new Float64Array(tall);
    for (let i = 0; i < tall; i++) column[i] = rng.normal();
    q.push(column);
  }
  for (let j = 0; j < narrow; j++) {
    const v = q[j] as Float64Array;
    for (let k = 0; k < j; k++) {
      const u = q[k] as Float64Array;
      let dot = 0;
      for (let i = 0; i < tall; i++) dot += (u[i] as number) * (v[i] as number);
      for (let i = 0; i < tall; i++) v[i] = (v[i] as number) - dot * (u[i] as number);
    }
    let norm = 0;
    for (let i = 0; i < tall; i++) norm += (v[i] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < tall; i++) v[i] = (v[i] as number) / norm;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // rows ≤ cols: the matrix is Qᵀ (row r = column r of Q); otherwise Q itself.
      out[r * cols + c] =
        rows <= cols
          ? ((q[r] as Float64Array)[c] as number)
          : ((q[c] as Float64Array)[r] as number);
    }
  }
  return out;
}
