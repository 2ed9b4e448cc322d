/**
 * Helpers for building small PipelineSpecs by hand in runner tests. Commands are `node -e
 * <script> --` followed by the args, so nothing is ever interpolated into a shell string.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type {
  ComponentSpecIR,
  ContainerSpecIR,
  DagSpec,
  InputsSpec,
  OutputsSpec,
  PipelineSpec,
  TaskSpec,
} from '../../../kernel-lib/src/compiler/spec';
import type { RunEvent } from '../../../kernel-lib/src/engine/runner';

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pipelab-'));
}

/** `node -e <script> --`: the container's args follow and arrive as process.argv.slice(1). */
export function node(script: string): string[] {
  return ['node', '-e', script, '--'];
}

/** A script prelude: `fs`, `path`, and `argv` (the args after `--`). */
export const PRELUDE = `const fs = require('fs'); const path = require('path'); const argv = process.argv.slice(1);`;

/** Writes `text` to `file`, creating its directory (a snippet for scripts). */
export const WRITE = `function write(file, text) { fs.mkdirSync(path.dirname(file), { recursive: true }); fs.writeFileSync(file, text); }`;

export interface ComponentDef {
  inputs?: InputsSpec;
  outputs?: OutputsSpec;
  container: ContainerSpecIR;
}

/** Builds a PipelineSpec from container components and a root DAG. */
export function pipeline(options: {
  name?: string;
  components: Record<
    string,
    ComponentDef | { dag: DagSpec; inputs?: InputsSpec; outputs?: OutputsSpec }
  >;
  tasks: Record<string, TaskSpec>;
  inputs?: InputsSpec;
  outputs?: OutputsSpec;
  dagOutputs?: DagSpec['outputs'];
}): PipelineSpec {
  const components: Record<string, ComponentSpecIR> = {};
  const executors: Record<string, { container: ContainerSpecIR }> = {};
  for (const [name, def] of Object.entries(options.components)) {
    const comp: ComponentSpecIR = {};
    if (def.inputs) comp.inputDefinitions = def.inputs;
    if (def.outputs) comp.outputDefinitions = def.outputs;
    if ('dag' in def) comp.dag = def.dag;
    else {
      comp.executorLabel = `exec-${name}`;
      executors[`exec-${name}`] = { container: def.container };
    }
    components[`comp-${name}`] = comp;
  }
  return {
    pipelineInfo: { name: options.name ?? 'test-pipeline' },
    components,
    deploymentSpec: { executors },
    root: {
      dag: { tasks: options.tasks, ...(options.dagOutputs ? { outputs: options.dagOutputs } : {}) },
      ...(options.inputs ? { inputDefinitions: options.inputs } : {}),
      ...(options.outputs ? { outputDefinitions: options.outputs } : {}),
    },
    schemaVersion: '2.1.0',
  };
}

/** A task of component `comp-<component>`. */
export function task(component: string, rest: Partial<TaskSpec> = {}, name = component): TaskSpec {
  return { taskInfo: { name }, componentRef: { name: `comp-${component}` }, ...rest };
}

export const DATASET = { artifactType: { schemaTitle: 'system.Dataset', schemaVersion: '0.0.1' } };
export const MODEL = { artifactType: { schemaTitle: 'system.Model', schemaVersion: '0.0.1' } };
export const METRICS = { artifactType: { schemaTitle: 'system.Metrics', schemaVersion: '0.0.1' } };

/** Collects a run's events. */
export function eventLog(): { events: RunEvent[]; onEvent: (e: RunEvent) => void } {
  const events: RunEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

/** A task's stdout and stderr, all attempts. */
export function taskLog(logPaths: (string | undefined)[]): string {
  return logPaths
    .filter((p): p is string => p !== undefined)
    .map((p) => fs.readFileSync(p, 'utf8'))
    .join('');
}

/** Whether a process is alive (a zombie waiting to be reaped counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Polls until `check` holds or `timeoutMs` passes. */
export async function waitFor(
  check: () => boolean,
  timeoutMs = 5000,
  stepMs = 25,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}
