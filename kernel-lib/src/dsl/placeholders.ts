/**
 * Placeholders in a container's command and args. Each renders to the string the KFP backend
 * substitutes at run time (`{{$.inputs.parameters['x']}}`, ...). They also render inside
 * template literals, so `--epochs=${inputs.epochs}` works as it does in KFP.
 */

const PLACEHOLDER = Symbol.for('pipelab.dsl.placeholder');

export abstract class Placeholder {
  readonly [PLACEHOLDER] = true;
  /** The string KFP substitutes (for structured placeholders, their JSON form). */
  abstract render(): string;
  toString(): string {
    return this.render();
  }
  toJSON(): string {
    return this.render();
  }
}

export function isPlaceholder(value: unknown): value is Placeholder {
  return typeof value === 'object' && value !== null && PLACEHOLDER in value;
}

/** A string, a number or boolean (written as text), or a placeholder. */
export type CommandPart = string | number | boolean | Placeholder;

class Literal extends Placeholder {
  constructor(private readonly text: string) {
    super();
  }
  render(): string {
    return this.text;
  }
}

export type ArtifactField = 'path' | 'uri' | 'metadata';

export const placeholders = {
  inputValue: (name: string): Placeholder => new Literal(`{{$.inputs.parameters['${name}']}}`),
  inputArtifact: (name: string, field: ArtifactField): Placeholder =>
    new Literal(`{{$.inputs.artifacts['${name}'].${field}}}`),
  outputParameterFile: (name: string): Placeholder =>
    new Literal(`{{$.outputs.parameters['${name}'].output_file}}`),
  outputArtifact: (name: string, field: ArtifactField): Placeholder =>
    new Literal(`{{$.outputs.artifacts['${name}'].${field}}}`),
};

/** The whole ExecutorInput as JSON (`{{$}}`). */
export const EXECUTOR_INPUT: Placeholder = new Literal('{{$}}');

/**
 * Run-time values a task input can take as a constant, as in KFP's `dsl.PIPELINE_JOB_*`
 * placeholders.
 */
export const PIPELINE_JOB_NAME = '{{$.pipeline_job_name}}';
export const PIPELINE_JOB_ID = '{{$.pipeline_job_uuid}}';
export const PIPELINE_TASK_NAME = '{{$.pipeline_task_name}}';
export const PIPELINE_TASK_ID = '{{$.pipeline_task_uuid}}';
export const PIPELINE_JOB_CREATE_TIME_UTC = '{{$.pipeline_job_create_time_utc}}';
export const PIPELINE_JOB_SCHEDULE_TIME_UTC = '{{$.pipeline_job_schedule_time_utc}}';
export const PIPELINE_ROOT = '{{$.pipeline_root}}';

/** Python's `json.dumps` layout (`", "` and `": "`), which KFP uses for structured placeholders. */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`,
    );
    return `{${entries.join(', ')}}`;
  }
  return JSON.stringify(value);
}

function renderParts(parts: readonly CommandPart[]): string[] {
  return parts.map((p) => (isPlaceholder(p) ? p.render() : String(p)));
}

class IfPresent extends Placeholder {
  constructor(
    readonly inputName: string,
    readonly then: readonly CommandPart[],
    readonly otherwise?: readonly CommandPart[],
  ) {
    super();
  }
  render(): string {
    const body: Record<string, unknown> = {
      InputName: this.inputName,
      Then: renderParts(this.then),
    };
    if (this.otherwise) body.Else = renderParts(this.otherwise);
    return pythonJson({ IfPresent: body });
  }
}

class Concat extends Placeholder {
  constructor(readonly items: readonly CommandPart[]) {
    super();
  }
  render(): string {
    return pythonJson({ Concat: renderParts(this.items) });
  }
}

/**
 * Arguments used only when an optional input is given (KFP's `IfPresentPlaceholder`).
 * @param inputName the optional input's name
 * @param then the arguments when it is present
 * @param otherwise the arguments when it is absent
 */
export function ifPresent(
  inputName: string,
  then: readonly CommandPart[],
  otherwise?: readonly CommandPart[],
): Placeholder {
  return new IfPresent(inputName, then, otherwise);
}

/** One argument made of several parts (KFP's `ConcatPlaceholder`). */
export function concat(...items: CommandPart[]): Placeholder {
  return new Concat(items);
}

/** Renders a command part to its IR string. */
export function renderPart(part: CommandPart): string {
  return isPlaceholder(part) ? part.render() : String(part);
}

/** The input names an IfPresent placeholder refers to, for validation. */
export function ifPresentInputs(part: CommandPart): string[] {
  if (part instanceof IfPresent) {
    return [
      part.inputName,
      ...part.then.flatMap(ifPresentInputs),
      ...(part.otherwise ?? []).flatMap(ifPresentInputs),
    ];
  }
  if (part instanceof Concat) return part.items.flatMap(ifPresentInputs);
  return [];
}
