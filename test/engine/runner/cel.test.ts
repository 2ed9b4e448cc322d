import { describe, expect, it } from 'vitest';
import {
  ConditionError,
  compileCel,
  evaluateCondition,
} from '../../../kernel-lib/src/engine/runner';

const golden = {
  enough:
    "int(inputs.parameter_values['pipelinechannel--count-rows-rows']) >= int(inputs.parameter_values['pipelinechannel--min_rows'])",
  forced:
    "!(int(inputs.parameter_values['pipelinechannel--count-rows-rows']) >= int(inputs.parameter_values['pipelinechannel--min_rows'])) && inputs.parameter_values['pipelinechannel--mode'] == 'always'",
  skip: "!(int(inputs.parameter_values['pipelinechannel--count-rows-rows']) >= int(inputs.parameter_values['pipelinechannel--min_rows'])) && !(inputs.parameter_values['pipelinechannel--mode'] == 'always')",
};

describe('CEL conditions', () => {
  it('evaluates the golden If/Elif/Else conditions and picks exactly one branch', () => {
    const cases: [number, number, string, keyof typeof golden][] = [
      [150, 100, 'auto', 'enough'],
      [100, 100, 'always', 'enough'],
      [5, 100, 'always', 'forced'],
      [5, 100, 'auto', 'skip'],
    ];
    for (const [rows, min, mode, expected] of cases) {
      const values = {
        'pipelinechannel--count-rows-rows': rows,
        'pipelinechannel--min_rows': min,
        'pipelinechannel--mode': mode,
      };
      const taken = (Object.keys(golden) as (keyof typeof golden)[]).filter((k) =>
        evaluateCondition(golden[k], values),
      );
      expect(taken).toEqual([expected]);
    }
  });

  it('compares strings, numbers and booleans', () => {
    const v = { s: 'heads', n: 2.5, b: true, i: '7' };
    expect(evaluateCondition("inputs.parameter_values['s'] == 'heads'", v)).toBe(true);
    expect(evaluateCondition("inputs.parameter_values['s'] != 'heads'", v)).toBe(false);
    expect(evaluateCondition("double(inputs.parameter_values['n']) > 2", v)).toBe(true);
    expect(evaluateCondition("double(inputs.parameter_values['n']) <= 2.5", v)).toBe(true);
    expect(evaluateCondition("int(inputs.parameter_values['n']) == 2", v)).toBe(true);
    expect(evaluateCondition("int(inputs.parameter_values['i']) < 10", v)).toBe(true);
    expect(evaluateCondition("inputs.parameter_values['b'] == true", v)).toBe(true);
    expect(evaluateCondition("inputs.parameters['b'] == false || 1 < 2", v)).toBe(true);
    expect(evaluateCondition("'abc' < 'abd' && -1 < 0", v)).toBe(true);
    expect(evaluateCondition('(true || false) && !(false)', v)).toBe(true);
  });

  it("reads quotes escaped as \\' and as ''", () => {
    const v = { s: "it's" };
    expect(evaluateCondition("inputs.parameter_values['s'] == 'it\\'s'", v)).toBe(true);
    expect(evaluateCondition("inputs.parameter_values['s'] == 'it''s'", v)).toBe(true);
    expect(evaluateCondition(`inputs.parameter_values['s'] == "it's"`, v)).toBe(true);
    expect(evaluateCondition("'' == ''", v)).toBe(true);
    expect(evaluateCondition("'a\\nb' == 'a\\u000ab'", v)).toBe(true);
  });

  it('short-circuits && and ||', () => {
    expect(evaluateCondition("false && inputs.parameter_values['missing'] == 1", {})).toBe(false);
    expect(evaluateCondition("true || inputs.parameter_values['missing'] == 1", {})).toBe(true);
  });

  it('reports errors with the expression', () => {
    expect(() => evaluateCondition("inputs.parameter_values['x'] == ", {})).toThrow(ConditionError);
    expect(() => evaluateCondition("inputs.parameter_values['x'] == 1", {})).toThrow(
      /no such key 'x'/,
    );
    expect(() => evaluateCondition("'a' < 1", {})).toThrow(/cannot compare string < int/);
    expect(() => evaluateCondition("int('x') == 1", {})).toThrow(/int\(\) cannot convert/);
    expect(() => evaluateCondition("inputs.parameter_values['x']", { x: 1 })).toThrow(/not a bool/);
    expect(() => evaluateCondition("'open", {})).toThrow(/unterminated string/);
    expect(() => compileCel('a $ b')).toThrow(/unexpected character '\$' at position 2/);
  });
});
