/**
 * The body of a `:predict` request, in TensorFlow Serving's two formats, checked against the
 * model's signature:
 *
 * - row format, `{"instances": [...]}` — each instance is either a window (an array of the
 *   previous days' totals, oldest first, at least `historyDays` long; older extra days are
 *   ignored) or an object of the named inputs, `{"counts": [...], "day": "YYYY-MM-DD"}` where
 *   `day` is the predicted day (required by models with calendar features, which cannot take a
 *   bare window). The answer is `{"predictions": [...]}`, one count per instance.
 * - columnar format, `{"inputs": {"counts": [[...], ...], "day": [...]}}` (or
 *   `{"inputs": [[...], ...]}` for windows alone). The answer is `{"outputs": [...]}`.
 *
 * `signature_name` may be given as `serving_default`. Anything else is a 400 with a message
 * saying which instance and what is wrong.
 */
import { dayNumber } from '../components/train/calendar';
import { InvalidRequestError } from './errors';
import type { ServingInput } from './predictor';

/** The part of a model's signature requests are checked against. */
export interface InputSignature {
  readonly historyDays: number;
  readonly needsDates: boolean;
}

/** A checked request. */
export interface PredictRequest {
  readonly inputs: readonly ServingInput[];
  /** `row` answers with `predictions`, `columnar` with `outputs`. */
  readonly format: 'row' | 'columnar';
}

/** The only signature a model has. */
export const SIGNATURE_NAME = 'serving_default';

/** Limits of one request. */
export interface RequestLimits {
  /** @default 10000 */
  readonly maxInstances: number;
  /** Days in one instance's window. @default 10000 */
  readonly maxHistoryDays: number;
}

const DEFAULT_LIMITS: RequestLimits = { maxInstances: 10_000, maxHistoryDays: 10_000 };
/** Whether a string is a real calendar day `YYYY-MM-DD`. */
export function isDay(text: string): boolean {
  return dayNumber(text) !== undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function checkCounts(
  value: unknown,
  where: string,
  signature: InputSignature,
  limits: RequestLimits,
): readonly number[] {
  if (!Array.isArray(value)) {
    throw new InvalidRequestError(
      `${where}: expected an array of daily totals (oldest first), got ${describe(value)}`,
    );
  }
  if (value.length < signature.historyDays) {
    throw new InvalidRequestError(
      `${where}: ${value.length} daily totals given; the model needs the previous ` +
        `${signature.historyDays} days`,
    );
  }
  if (value.length > limits.maxHistoryDays) {
    throw new InvalidRequestError(
      `${where}: ${value.length} daily totals given; at most ${limits.maxHistoryDays} are accepted`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    const count: unknown = value[i];
    if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) {
      throw new InvalidRequestError(
        `${where}: element ${i} must be a non-negative number, got ${JSON.stringify(count) ?? 'undefined'}`,
      );
    }
  }
  return value as number[];
}

function checkDay(value: unknown, where: string, signature: InputSignature): string | undefined {
  if (value === undefined || value === null) {
    if (signature.needsDates) {
      throw new InvalidRequestError(
        `${where}: this model uses calendar features; give the predicted day as "day": "YYYY-MM-DD"`,
      );
    }
    return undefined;
  }
  if (typeof value !== 'string' || !isDay(value)) {
    throw new InvalidRequestError(
      `${where}: "day" must be a date "YYYY-MM-DD", got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function checkInstance(
  instance: unknown,
  where: string,
  signature: InputSignature,
  limits: RequestLimits,
): ServingInput {
  if (Array.isArray(instance)) {
    if (signature.needsDates) {
      throw new InvalidRequestError(
        `${where}: this model uses calendar features; each instance must be an object ` +
          '{"counts": [...], "day": "YYYY-MM-DD"} with the predicted day',
      );
    }
    return checkCounts(instance, where, signature, limits);
  }
  if (typeof instance !== 'object' || instance === null) {
    throw new InvalidRequestError(
      `${where}: expected a window (an array of daily totals) or an object ` +
        `{"counts": [...], "day": "YYYY-MM-DD"}, got ${describe(instance)}`,
    );
  }
  const record = instance as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'counts' && key !== 'day') {
      throw new InvalidRequestError(
        `${where}: unknown input "${key}"; the model's inputs are "counts" and "day"`,
      );
    }
  }
  const counts = checkCounts(record.counts, `${where}.counts`, signature, limits);
  const day = checkDay(record.day, where, signature);
  return day === undefined ? { counts } : { counts, day };
}

function checkSignatureName(body: Record<string, unknown>): void {
  const name = body.signature_name;
  if (name !== undefined && name !== SIGNATURE_NAME && name !== '') {
    throw new InvalidRequestError(
      `Serving signature name: ${JSON.stringify(name)} not found in signature def; ` +
        `the model has "${SIGNATURE_NAME}"`,
    );
  }
}

/**
 * Checks a parsed `:predict` body.
 * @throws InvalidRequestError (400) naming the instance and the problem
 */
export function parsePredictRequest(
  body: unknown,
  signature: InputSignature,
  limits: RequestLimits = DEFAULT_LIMITS,
): PredictRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError(
      `the request body must be a JSON object with "instances" (or "inputs"), got ${describe(body)}`,
    );
  }
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'instances' && key !== 'inputs' && key !== 'signature_name') {
      throw new InvalidRequestError(
        `unknown key "${key}" in the request; use "instances" (or "inputs") and "signature_name"`,
      );
    }
  }
  checkSignatureName(record);
  const hasInstances = record.instances !== undefined;
  const hasInputs = record.inputs !== undefined;
  if (hasInstances === hasInputs) {
    throw new InvalidRequestError(
      hasInstances
        ? 'the request has both "instances" and "inputs"; use one'
        : 'the request has no "instances" (row format) or "inputs" (columnar format)',
    );
  }
  if (hasInstances) {
    const instances = record.instances;
    if (!Array.isArray(instances) || instances.length === 0) {
      throw new InvalidRequestError('"instances" must be a non-empty array');
    }
    if (instances.length > limits.maxInstances) {
      throw new InvalidRequestError(
        `${instances.length} instances in one request; at most ${limits.maxInstances} are accepted`,
      );
    }
    const inputs = new Array<ServingInput>(instances.length);
    for (let i = 0; i < instances.length; i++) {
      inputs[i] = checkInstance(instances[i], `instances[${i}]`, signature, limits);
    }
    return { inputs, format: 'row' };
  }
  return { inputs: parseColumnar(record.inputs, signature, limits), format: 'columnar' };
}

function parseColumnar(
  value: unknown,
  signature: InputSignature,
  limits: RequestLimits,
): ServingInput[] {
  let counts: unknown;
  let days: unknown;
  if (Array.isArray(value)) {
    counts = value;
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key !== 'counts' && key !== 'day') {
        throw new InvalidRequestError(
          `unknown input "${key}" in "inputs"; the model's inputs are "counts" and "day"`,
        );
      }
    }
    counts = record.counts;
    days = record.day;
  } else {
    throw new InvalidRequestError(
      `"inputs" must be an array of windows or an object {"counts": [...], "day": [...]}, got ${describe(value)}`,
    );
  }
  if (!Array.isArray(counts) || counts.length === 0) {
    throw new InvalidRequestError('"inputs.counts" must be a non-empty array of windows');
  }
  if (counts.length > limits.maxInstances) {
    throw new InvalidRequestError(
      `${counts.length} instances in one request; at most ${limits.maxInstances} are accepted`,
    );
  }
  if (days !== undefined && (!Array.isArray(days) || days.length !== counts.length)) {
    throw new InvalidRequestError(
      `"inputs.day" must be an array with one day per window (${counts.length})`,
    );
  }
  if (days === undefined && signature.needsDates) {
    throw new InvalidRequestError(
      'this model uses calendar features; give "inputs": {"counts": [...], "day": [...]} with ' +
        'the predicted day of each window',
    );
  }
  return counts.map((window, i) => {
    const checked = checkCounts(window, `inputs.counts[${i}]`, signature, limits);
    const day = Array.isArray(days) ? checkDay(days[i], `inputs.day[${i}]`, signature) : undefined;
    return day === undefined ? checked : { counts: checked, day };
  });
}
