/**
 * The state of one pipeline function while it runs: its task names, its groups (the root and the
 * condition groups), and which group new tasks join. The stack of builds lives on `globalThis`
 * so that every copy of this module in a process (tslab cells, a CLI loading a user's file)
 * shares it.
 */
import { PipelineDefinitionError } from '../errors';
import type { ConditionOperation } from './channel';
import type { PipelineTask } from './task';

export type GroupType = 'pipeline' | 'condition' | 'condition-branches';

export interface Group {
  readonly type: GroupType;
  /** `condition-2`, `condition-branches-1`; the root's is the pipeline name. */
  name: string;
  /** The name given by the author (`taskInfo.name`). */
  readonly displayName: string | undefined;
  parent: Group | undefined;
  /** Child groups, in the order they were opened. */
  readonly groups: Group[];
  /** Tasks directly in this group, in the order they were created. */
  readonly tasks: PipelineTask<unknown>[];
  /** For conditions: the conjunction of comparisons that must hold. */
  readonly conditions: readonly ConditionOperation[];
}

export class PipelineBuild {
  readonly pipelineName: string;
  readonly root: Group;
  readonly tasks = new Map<string, PipelineTask<unknown>>();
  private readonly taskNames = new NameRegistry();
  private groupCounter = 0;
  private readonly stack: Group[];

  constructor(pipelineName: string) {
    this.pipelineName = pipelineName;
    this.root = newGroup('pipeline', pipelineName, undefined, undefined, []);
    this.stack = [this.root];
  }

  get current(): Group {
    return this.stack[this.stack.length - 1] as Group;
  }

  /** A unique task name: the requested name, or the component's name with `-2`, `-3`... */
  claimTaskName(base: string, explicit: boolean): string {
    if (!explicit) return this.taskNames.claim(base);
    if (!this.taskNames.take(base)) {
      throw new PipelineDefinitionError(
        `two tasks are named '${base}' in pipeline '${this.pipelineName}'; task names must be unique.`,
        { pipeline: this.pipelineName, task: base },
      );
    }
    return base;
  }

  nextGroupId(): number {
    return ++this.groupCounter;
  }

  /** Opens a group under the current one and runs `body` inside it. */
  withGroup(group: Group, body: () => void): void {
    group.parent = this.current;
    this.current.groups.push(group);
    this.enter(group, body);
  }

  enter<T>(group: Group, body: () => T): T {
    this.stack.push(group);
    try {
      const result = body();
      if (result instanceof Promise) {
        throw new PipelineDefinitionError(
          `the body of '${group.displayName ?? group.name}' returned a promise; pipeline functions and ` +
            `condition bodies must wire tasks synchronously (no async/await).`,
          { pipeline: this.pipelineName },
        );
      }
      return result;
    } finally {
      this.stack.pop();
    }
  }
}

export function newGroup(
  type: GroupType,
  name: string,
  displayName: string | undefined,
  parent: Group | undefined,
  conditions: readonly ConditionOperation[],
): Group {
  return { type, name, displayName, parent, groups: [], tasks: [], conditions };
}

/**
 * Hands out unique names the way KFP does: `base`, then `base-2`, `base-3`... It remembers the
 * next suffix of each base so that a thousand tasks of one component stay linear.
 */
export class NameRegistry {
  private readonly taken = new Set<string>();
  private readonly nextSuffix = new Map<string, number>();

  has(name: string): boolean {
    return this.taken.has(name);
  }

  /** Takes `name` exactly; false when it is already taken. */
  take(name: string): boolean {
    if (this.taken.has(name)) return false;
    this.taken.add(name);
    return true;
  }

  /** Takes `base`, or the first free `base-N`. */
  claim(base: string): string {
    if (this.take(base)) return base;
    for (let i = this.nextSuffix.get(base) ?? 2; ; i++) {
      const candidate = `${base}-${i}`;
      if (this.take(candidate)) {
        this.nextSuffix.set(base, i + 1);
        return candidate;
      }
    }
  }
}

/** KFP's `sanitize_k8s_name`: lower case, runs of other characters become one dash. */
export function sanitizeName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^-0-9a-z]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const STACK_KEY = Symbol.for('pipelab.dsl.buildStack');

function buildStack(): PipelineBuild[] {
  const g = globalThis as unknown as Record<symbol, PipelineBuild[] | undefined>;
  return (g[STACK_KEY] ??= []);
}

/** The pipeline function currently running, if any. */
export function activeBuild(): PipelineBuild | undefined {
  const stack = buildStack();
  return stack[stack.length - 1];
}

export function withBuild<T>(build: PipelineBuild, body: () => T): T {
  const stack = buildStack();
  stack.push(build);
  try {
    return body();
  } finally {
    stack.pop();
  }
}
