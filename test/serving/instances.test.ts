/**
 * Predict request bodies: TensorFlow Serving's row and columnar formats, checked against the
 * model's signature, with messages that say which instance is wrong and how.
 */
import { describe, expect, it } from 'vitest';
import { InvalidRequestError, isDay, parsePredictRequest } from '../../kernel-lib/src/serving';

const plain = { historyDays: 3, needsDates: false };
const dated = { historyDays: 3, needsDates: true };

function error(body: unknown, signature = plain): string {
  try {
    parsePredictRequest(body, signature);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidRequestError);
    expect((e as InvalidRequestError).httpStatus).toBe(400);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('parsePredictRequest', () => {
  it('reads row-format windows and named inputs', () => {
    expect(
      parsePredictRequest(
        {
          instances: [
            [1, 2, 3],
            [0, 1, 2, 3],
          ],
        },
        plain,
      ),
    ).toEqual({
      inputs: [
        [1, 2, 3],
        [0, 1, 2, 3],
      ],
      format: 'row',
    });
    expect(
      parsePredictRequest(
        {
          instances: [{ counts: [1, 2, 3], day: '2024-02-29' }],
          signature_name: 'serving_default',
        },
        dated,
      ),
    ).toEqual({ inputs: [{ counts: [1, 2, 3], day: '2024-02-29' }], format: 'row' });
    // A day is optional for models without calendar features.
    expect(parsePredictRequest({ instances: [{ counts: [1, 2, 3] }] }, plain).inputs).toEqual([
      { counts: [1, 2, 3] },
    ]);
  });

  it('reads the columnar format', () => {
    expect(parsePredictRequest({ inputs: [[1, 2, 3]] }, plain)).toEqual({
      inputs: [[1, 2, 3]],
      format: 'columnar',
    });
    expect(
      parsePredictRequest(
        {
          inputs: {
            counts: [
              [1, 2, 3],
              [4, 5, 6],
            ],
            day: ['2022-01-01', '2022-01-02'],
          },
        },
        dated,
      ).inputs,
    ).toEqual([
      { counts: [1, 2, 3], day: '2022-01-01' },
      { counts: [4, 5, 6], day: '2022-01-02' },
    ]);
  });

  it('explains what is wrong, and where', () => {
    expect(error('text')).toMatch(/must be a JSON object/);
    expect(error({})).toMatch(/no "instances" \(row format\) or "inputs"/);
    expect(error({ instances: [], inputs: [] })).toMatch(/both "instances" and "inputs"/);
    expect(error({ instances: [] })).toMatch(/non-empty array/);
    expect(error({ instances: [[1, 2]] })).toMatch(
      /instances\[0\]: 2 daily totals given; the model needs the previous 3 days/,
    );
    expect(
      error({
        instances: [
          [1, 2, 3],
          [1, 'x', 3],
        ],
      }),
    ).toMatch(/instances\[1\]: element 1 must be a non-negative number, got "x"/);
    expect(error({ instances: [[1, -2, 3]] })).toMatch(/element 1 must be a non-negative number/);
    expect(error({ instances: [5] })).toMatch(/instances\[0\]: expected a window/);
    expect(error({ instances: [{ counts: [1, 2, 3], weather: 1 }] })).toMatch(
      /unknown input "weather"/,
    );
    expect(error({ instances: [[1, 2, 3]] }, dated)).toMatch(
      /calendar features; each instance must be an object/,
    );
    expect(error({ instances: [{ counts: [1, 2, 3] }] }, dated)).toMatch(
      /give the predicted day as "day"/,
    );
    expect(error({ instances: [{ counts: [1, 2, 3], day: '2022-02-30' }] }, dated)).toMatch(
      /"day" must be a date/,
    );
    expect(error({ instances: [[1, 2, 3]], signature_name: 'other' })).toMatch(
      /Serving signature name: "other" not found/,
    );
    expect(error({ instances: [[1, 2, 3]], extra: 1 })).toMatch(/unknown key "extra"/);
    expect(error({ inputs: { counts: [[1, 2, 3]] } }, dated)).toMatch(/calendar features/);
    expect(error({ inputs: { counts: [[1, 2, 3]], day: [] } }, dated)).toMatch(
      /one day per window/,
    );
    expect(error({ inputs: 3 })).toMatch(/"inputs" must be an array/);
  });

  it('limits the size of a request', () => {
    const limits = { maxInstances: 2, maxHistoryDays: 5 };
    expect(() =>
      parsePredictRequest(
        {
          instances: [
            [1, 2, 3],
            [1, 2, 3],
            [1, 2, 3],
          ],
        },
        plain,
        limits,
      ),
    ).toThrow(/3 instances in one request; at most 2/);
    expect(() => parsePredictRequest({ instances: [[1, 2, 3, 4, 5, 6]] }, plain, limits)).toThrow(
      /at most 5/,
    );
  });

  it('knows real days', () => {
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2023-02-29')).toBe(false);
    expect(isDay('2023-2-1')).toBe(false);
  });
});
