import { describe, expect, it } from 'vitest';
import { glorotUniform, orthogonal, Random } from '../../../kernel-lib/src/components/train/random';

describe('Random', () => {
  it('is reproducible per seed and stream, and streams differ', () => {
    const a = new Random(5, 'x');
    const b = new Random(5, 'x');
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(new Random(5, 'y').next()).not.toBe(seqA[0]);
    expect(new Random(6, 'x').next()).not.toBe(seqA[0]);
    for (const x of seqA) expect(x >= 0 && x < 1).toBe(true);
  });

  it('draws roughly standard normals', () => {
    const r = new Random(1);
    const xs = Array.from({ length: 20000 }, () => r.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('shuffles deterministically', () => {
    const order = (seed: number) => new Random(seed).shuffle([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(order(3)).toEqual(order(3));
    expect([...order(3)].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('initialisers', () => {
  it('glorot_uniform stays within sqrt(6 / (fanIn + fanOut))', () => {
    const w = glorotUniform(new Random(1), 7, 16);
    const limit = Math.sqrt(6 / 23);
    expect(w.length).toBe(112);
    for (const x of w) expect(Math.abs(x)).toBeLessThanOrEqual(limit);
  });

  it('orthogonal gives orthonormal rows for units × 4·units', () => {
    const [rows, cols] = [4, 16];
    const q = orthogonal(new Random(2), rows, cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < rows; j++) {
        let dot = 0;
        for (let k = 0; k < cols; k++)
          dot += (q[i * cols + k] as number) * (q[j * cols + k] as number);
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 5);
      }
    }
  });
});
