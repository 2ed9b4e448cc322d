import { describe, expect, it } from 'vitest';
import { ClientOptionsError, encodeFilter, filter, predicate } from '../../kernel-lib/src/client';

describe('filter builder', () => {
  it('builds the v2beta1Filter JSON KFP reads', () => {
    expect(filter.eq('display_name', 'x')).toEqual({
      predicates: [{ key: 'display_name', operation: 'EQUALS', string_value: 'x' }],
    });
    expect(encodeFilter(filter.eq('display_name', 'x'))).toBe(
      '{"predicates":[{"key":"display_name","operation":"EQUALS","string_value":"x"}]}',
    );
  });

  it('maps values to the predicate value fields', () => {
    const when = new Date('2024-01-02T03:04:05Z');
    expect(
      filter.and(
        filter.gt('created_at', when),
        filter.lte('count', 5),
        filter.ne('size', 2 ** 40),
        filter.gte('id', 7n),
        filter.contains('display_name', 'nightly'),
        filter.lt('x', -1),
      ).predicates,
    ).toEqual([
      { key: 'created_at', operation: 'GREATER_THAN', timestamp_value: '2024-01-02T03:04:05.000Z' },
      { key: 'count', operation: 'LESS_THAN_EQUALS', int_value: 5 },
      { key: 'size', operation: 'NOT_EQUALS', long_value: String(2 ** 40) },
      { key: 'id', operation: 'GREATER_THAN_EQUALS', long_value: '7' },
      { key: 'display_name', operation: 'IS_SUBSTRING', string_value: 'nightly' },
      { key: 'x', operation: 'LESS_THAN', int_value: -1 },
    ]);
  });

  it('builds IN predicates from lists of one kind', () => {
    expect(filter.in('state', ['SUCCEEDED', 'FAILED']).predicates).toEqual([
      { key: 'state', operation: 'IN', string_values: { values: ['SUCCEEDED', 'FAILED'] } },
    ]);
    expect(filter.in('n', [1, 2]).predicates?.[0]?.int_values).toEqual({ values: [1, 2] });
    expect(filter.in('n', [1, 2 ** 40]).predicates?.[0]?.long_values).toEqual({
      values: ['1', String(2 ** 40)],
    });
    expect(() => filter.in('n', ['a', 1])).toThrow(ClientOptionsError);
  });

  it('refuses values KFP cannot compare, and empty keys', () => {
    expect(() => filter.eq('x', 1.5)).toThrow(/cannot be compared/);
    expect(() => filter.eq('x', new Date('nope'))).toThrow(/invalid/);
    expect(() => predicate('', 'EQUALS', 'x')).toThrow(ClientOptionsError);
  });

  it('encodes predicates lists and passes filter JSON through', () => {
    expect(encodeFilter(undefined)).toBeUndefined();
    expect(encodeFilter({ predicates: [] })).toBeUndefined();
    expect(encodeFilter('  ')).toBeUndefined();
    expect(encodeFilter('{"predicates":[]}')).toBe('{"predicates":[]}');
    expect(JSON.parse(encodeFilter([predicate('a', 'EQUALS', 'b')]) ?? '')).toEqual({
      predicates: [{ key: 'a', operation: 'EQUALS', string_value: 'b' }],
    });
  });
});
