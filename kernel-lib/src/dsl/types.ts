/**
 * The typed inputs and outputs of components and pipelines: parameters (the six KFP parameter
 * types) and artifacts (KFP's `system.*` artifact types or any other schema title).
 */
import { PipelineDefinitionError } from '../errors';

/** KFP's `ParameterType.ParameterTypeEnum` names, as they appear in the IR. */
export type ParameterType =
  'STRING' | 'NUMBER_INTEGER' | 'NUMBER_DOUBLE' | 'BOOLEAN' | 'LIST' | 'STRUCT';

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The TypeScript type of a value of each parameter type. */
export type ParameterValue<T extends ParameterType> = T extends 'STRING'
  ? string
  : T extends 'NUMBER_INTEGER' | 'NUMBER_DOUBLE'
    ? number
    : T extends 'BOOLEAN'
      ? boolean
      : T extends 'LIST'
        ? JsonValue[]
        : { [key: string]: JsonValue };

const PARAM = Symbol.for('pipelab.dsl.param');
const ARTIFACT = Symbol.for('pipelab.dsl.artifact');

/**
 * A parameter input or output. `O` records at the type level whether a caller may leave it out
 * (it has a default or is marked optional).
 */
export interface ParamSpec<T extends ParameterType = ParameterType, O extends boolean = boolean> {
  readonly [PARAM]: true;
  readonly kind: 'parameter';
  readonly type: T;
  /** The value used when the caller gives none. Implies `optional`. */
  readonly default?: ParameterValue<T>;
  /** Whether a caller may leave the input out. */
  readonly optional: O;
  readonly description?: string;
}

/** An artifact input or output, identified by its schema title (`system.Dataset`, ...). */
export interface ArtifactSpec<S extends string = string, O extends boolean = boolean> {
  readonly [ARTIFACT]: true;
  readonly kind: 'artifact';
  readonly schemaTitle: S;
  readonly schemaVersion: string;
  readonly optional: O;
  readonly description?: string;
}

export type IOSpec = ParamSpec | ArtifactSpec;

export interface ParamOptions<V> {
  /** The value used when the caller gives none. @default none: the input is required */
  default?: V;
  /** Allow callers to leave the input out even without a default. @default false */
  optional?: boolean;
  /** Shown in the pipeline header and the UI. */
  description?: string;
}

function makeParam<T extends ParameterType>(
  type: T,
  options: ParamOptions<ParameterValue<T>> = {},
): ParamSpec<T> {
  const spec: ParamSpec<T> = {
    [PARAM]: true,
    kind: 'parameter',
    type,
    optional: options.default !== undefined || options.optional === true,
    ...(options.default !== undefined ? { default: options.default } : {}),
    ...(options.description !== undefined ? { description: options.description } : {}),
  };
  return Object.freeze(spec);
}

interface ParamFactory<T extends ParameterType> {
  (): ParamSpec<T, false>;
  (
    options: ParamOptions<ParameterValue<T>> & { default: ParameterValue<T> },
  ): ParamSpec<T, true> & { readonly default: ParameterValue<T> };
  (options: ParamOptions<ParameterValue<T>> & { optional: true }): ParamSpec<T, true>;
  (options: ParamOptions<ParameterValue<T>>): ParamSpec<T>;
}

function factory<T extends ParameterType>(type: T): ParamFactory<T> {
  return ((options?: ParamOptions<ParameterValue<T>>) =>
    makeParam(type, options)) as ParamFactory<T>;
}

/** Parameter types: `param.integer({ default: 7 })`, `param.string()`, ... */
export const param = Object.freeze({
  string: factory('STRING'),
  integer: factory('NUMBER_INTEGER'),
  double: factory('NUMBER_DOUBLE'),
  boolean: factory('BOOLEAN'),
  list: factory('LIST'),
  struct: factory('STRUCT'),
});

/** An artifact type with a schema title of your own (`google.VertexModel`, ...). */
export function artifactType<S extends string>(
  schemaTitle: S,
  schemaVersion = '0.0.1',
): ArtifactSpec<S, false> {
  return Object.freeze({
    [ARTIFACT]: true as const,
    kind: 'artifact' as const,
    schemaTitle,
    schemaVersion,
    optional: false as const,
  });
}

/** KFP's system artifact types. */
export const Artifact = artifactType('system.Artifact');
export const Dataset = artifactType('system.Dataset');
export const Model = artifactType('system.Model');
export const Metrics = artifactType('system.Metrics');
export const ClassificationMetrics = artifactType('system.ClassificationMetrics');
export const SlicedClassificationMetrics = artifactType('system.SlicedClassificationMetrics');
export const HTML = artifactType('system.HTML');
export const Markdown = artifactType('system.Markdown');

/** An artifact input that callers may leave out. */
export function optional<S extends string>(spec: ArtifactSpec<S>): ArtifactSpec<S, true> {
  return Object.freeze({ ...spec, optional: true as const });
}

export function isParamSpec(value: unknown): value is ParamSpec {
  return typeof value === 'object' && value !== null && PARAM in value;
}

export function isArtifactSpec(value: unknown): value is ArtifactSpec {
  return typeof value === 'object' && value !== null && ARTIFACT in value;
}

/** What `typeof`-like name a parameter type expects, for error messages. */
export function describeType(type: ParameterType): string {
  switch (type) {
    case 'STRING':
      return 'a string';
    case 'NUMBER_INTEGER':
      return 'an integer';
    case 'NUMBER_DOUBLE':
      return 'a number';
    case 'BOOLEAN':
      return 'a boolean';
    case 'LIST':
      return 'a list (array)';
    case 'STRUCT':
      return 'a struct (plain object)';
  }
}

function isJson(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJson(v, depth + 1));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value as object).every((v) => isJson(v, depth + 1));
  }
  return false;
}

/** Whether `value` is a valid value of the parameter type. */
export function matchesType(type: ParameterType, value: unknown): boolean {
  switch (type) {
    case 'STRING':
      return typeof value === 'string';
    case 'NUMBER_INTEGER':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'NUMBER_DOUBLE':
      return typeof value === 'number' && Number.isFinite(value);
    case 'BOOLEAN':
      return typeof value === 'boolean';
    case 'LIST':
      return Array.isArray(value) && isJson(value);
    case 'STRUCT':
      return (
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.getPrototypeOf(value) === Object.prototype &&
        isJson(value)
      );
  }
}

/** Whether `value` is JSON: null, strings, booleans, finite numbers, arrays and plain objects. */
export function isJsonValue(value: unknown): value is JsonValue {
  return isJson(value);
}

/** Whether a value of type `given` may feed an input of type `expected` (integers widen). */
export function parameterTypesCompatible(given: ParameterType, expected: ParameterType): boolean {
  return given === expected || (given === 'NUMBER_INTEGER' && expected === 'NUMBER_DOUBLE');
}

/** Whether an artifact of `given` may feed an input of `expected` (`system.Artifact` is generic). */
export function artifactTypesCompatible(given: string, expected: string): boolean {
  return given === expected || given === 'system.Artifact' || expected === 'system.Artifact';
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks an input/output name and, for parameters, the type of its default. */
export function validateIOSpec(
  name: string,
  spec: unknown,
  where: { pipeline?: string; component?: string },
): asserts spec is IOSpec {
  const owner = where.component ? `component '${where.component}'` : `pipeline '${where.pipeline}'`;
  if (!NAME.test(name)) {
    throw new PipelineDefinitionError(
      `${owner}: '${name}' is not a valid input or output name; use letters, digits and ` +
        `underscores, starting with a letter or underscore (KFP input names are identifiers).`,
      { ...where, parameter: name },
    );
  }
  if (!isParamSpec(spec) && !isArtifactSpec(spec)) {
    throw new PipelineDefinitionError(
      `${owner}: '${name}' must be declared with param.<type>() or an artifact type such as ` +
        `Dataset or Model; got ${typeof spec === 'object' ? JSON.stringify(spec) : String(spec)}.`,
      { ...where, parameter: name },
    );
  }
  if (isParamSpec(spec) && spec.default !== undefined && !matchesType(spec.type, spec.default)) {
    throw new PipelineDefinitionError(
      `${owner}: the default of '${name}' must be ${describeType(spec.type)}; got ` +
        `${JSON.stringify(spec.default)}.`,
      { ...where, parameter: name },
    );
  }
}
