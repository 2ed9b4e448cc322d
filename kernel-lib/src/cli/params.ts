/**
 * `--param key=value`, as `pipelab compile` and `pipelab start` take it: the value is parsed as
 * JSON when it can be (`epochs=5` is a number), and kept as text otherwise (`city=Chicago`).
 */
import type { JsonValue } from '../dsl/types';
import { UsageError } from '../errors';

/** @throws {@link UsageError} when `text` has no key before its `=`. */
export function parseParam(text: string): [string, JsonValue] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--param expects key=value; got '${text}'.`);
  const key = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  try {
    return [key, JSON.parse(raw) as JsonValue];
  } catch {
    return [key, raw];
  }
}
