/**
 * Helpers of the engine API tests: an engine on an ephemeral port with a temporary data
 * directory, an HTTP client that checks every response against the KFP swagger (when
 * ../shared is present), a fake run launcher, and tiny PipelineSpecs whose tasks are `node -e`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PipelineSpec } from '../../../kernel-lib/src/compiler/spec';
import {
  startEngine,
  type EngineHandle,
  type EngineOptions,
  type LaunchOutcome,
  type LaunchRequest,
  type RunLauncher,
} from '../../../kernel-lib/src/engine';
import type { RunEvent, RunState, TaskResult } from '../../../kernel-lib/src/engine/runner';
import { sharedDir } from '../../support/shared';
import { SwaggerContract } from '../../contract/swagger';

let contract: SwaggerContract | null | undefined;

/** The swagger contract, or null when ../shared is absent. */
export function swaggerContract(): SwaggerContract | null {
  if (contract === undefined) {
    const shared = sharedDir();
    contract =
      shared === undefined
        ? null
        : new SwaggerContract(
            path.join(shared, 'kfp', 'swagger_v2beta1', 'kfp_api_single_file.swagger.json'),
          );
  }
  return contract;
}

export function tempDir(prefix = 'pipelab-engine-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A response as the tests see it. */
export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  /** The parsed JSON body (`{}` for an empty one); for text, undefined. */
  body: T;
  text: string;
}

/** How a request is made. */
export interface RequestInit {
  json?: unknown;
  body?: string | Uint8Array | FormData | Blob;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

/** A client for one engine that validates every response of a KFP operation against the swagger. */
export class Api {
  /** How many responses were checked against the swagger. */
  validated = 0;

  constructor(readonly baseUrl: string) {}

  url(p: string, query?: Record<string, string>): string {
    const qs = query ? `?${new URLSearchParams(query).toString()}` : '';
    return `${this.baseUrl}${p}${qs}`;
  }

  async request<T = Record<string, unknown>>(
    method: string,
    p: string,
    init: RequestInit = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(this.url(p, init.query), {
      method,
      headers,
      body: body as string | Uint8Array | FormData | Blob | undefined,
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    let parsed: unknown = undefined;
    if (type.includes('application/json'))
      parsed = text === '' ? {} : (JSON.parse(text) as unknown);
    this.check(method, p, response.status, parsed, type);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  /** Fails when a response of a KFP operation does not match its schema. */
  check(method: string, p: string, status: number, body: unknown, contentType: string): void {
    const c = swaggerContract();
    if (c === null) return;
    const operation = c.operationFor(method, p);
    if (operation === undefined) {
      if (status >= 400 && contentType.includes('application/json')) {
        const problems = c.check(c.operations[0]!, status, body);
        if (problems.length > 0)
          throw new Error(
            `${method} ${p} → ${status}: error body breaks the contract: ${problems.join('; ')}`,
          );
      }
      return;
    }
    if (!contentType.includes('application/json')) {
      throw new Error(
        `${method} ${p} (${operation.operationId}) → ${status} answered ${contentType}, not JSON`,
      );
    }
    const problems = c.check(operation, status, body);
    if (problems.length > 0) {
      throw new Error(
        `${method} ${p} (${operation.operationId}) → ${status}: body breaks the contract:\n  ${problems.join('\n  ')}\n  body: ${JSON.stringify(body).slice(0, 2000)}`,
      );
    }
    this.validated++;
  }

  get<T = Record<string, unknown>>(
    p: string,
    query?: Record<string, string>,
  ): Promise<ApiResponse<T>> {
    return this.request<T>('GET', p, query ? { query } : {});
  }

  post<T = Record<string, unknown>>(
    p: string,
    json?: unknown,
    query?: Record<string, string>,
  ): Promise<ApiResponse<T>> {
    return this.request<T>('POST', p, {
      ...(json !== undefined ? { json } : {}),
      ...(query ? { query } : {}),
    });
  }

  delete<T = Record<string, unknown>>(
    p: string,
    query?: Record<string, string>,
  ): Promise<ApiResponse<T>> {
    return this.request<T>('DELETE', p, query ? { query } : {});
  }

  /** Uploads a pipeline file as KFP's client does (multipart field `uploadfile`). */
  upload<T = Record<string, unknown>>(
    p: string,
    file: { name: string; content: string | Uint8Array; type?: string },
    query?: Record<string, string>,
  ): Promise<ApiResponse<T>> {
    const form = new FormData();
    const bytes = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
    form.append(
      'uploadfile',
      new Blob([bytes], { type: file.type ?? 'application/octet-stream' }),
      file.name,
    );
    return this.request<T>('POST', p, { body: form, ...(query ? { query } : {}) });
  }
}

/** A started engine with its client. */
export interface TestEngine {
  engine: EngineHandle;
  api: Api;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts an engine on port 0 in a fresh temporary directory (unless one is given). */
export async function startTestEngine(options: Partial<EngineOptions> = {}): Promise<TestEngine> {
  const dataDir = options.dataDir ?? tempDir();
  const engine = await startEngine({
    port: 0,
    log: () => undefined,
    shutdownGraceMs: 2000,
    ...options,
    dataDir,
  });
  return {
    engine,
    api: new Api(engine.url),
    dataDir,
    close: async () => {
      await engine.close();
      // A directory the test named itself may be reused by the next engine.
      if (options.dataDir === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One run given to the {@link FakeLauncher}, driven by the test. */
export class FakeRun {
  private settle!: (outcome: LaunchOutcome) => void;
  readonly done: Promise<LaunchOutcome>;
  ended = false;
  /** When true, this run ignores the abort signal. */
  stuck = false;

  constructor(readonly request: LaunchRequest) {
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  emit(event: RunEvent): void {
    this.request.onEvent(event);
  }

  state(state: RunState, error?: string): void {
    this.emit({
      type: 'run',
      time: new Date(),
      runId: this.request.runId,
      state,
      ...(error ? { error } : {}),
    });
  }

  task(task: Partial<TaskResult> & { path: string }): void {
    const full: TaskResult = {
      name: task.path.split('/').pop() ?? task.path,
      displayName: task.path,
      componentName: `comp-${task.path}`,
      kind: 'container',
      taskId: `${this.request.runId}-${task.path.replace(/\//g, '.')}`,
      podName: `pod-${task.path}`,
      state: 'PENDING',
      attempts: [],
      inputs: { parameters: {}, artifacts: {} },
      outputs: { parameters: {}, artifacts: {} },
      ...task,
    };
    this.emit({ type: 'task', time: new Date(), runId: this.request.runId, task: full });
  }

  /** Ends the run: reports the final state, then settles `done`. */
  finish(state: RunState, error?: string): void {
    if (this.ended) return;
    this.ended = true;
    this.state(state, error);
    this.settle({ state, ...(error ? { error } : {}) });
  }
}

/** A launcher whose runs do nothing until the test drives them. Aborting cancels (unless stuck). */
export class FakeLauncher implements RunLauncher {
  readonly runs = new Map<string, FakeRun>();
  readonly launches: FakeRun[] = [];
  /** When set, `launch` throws it (a run that cannot start). */
  failWith: Error | undefined;
  /** When true, runs ignore the abort signal. */
  stuck = false;
  /** When true, runs report RUNNING as soon as they are launched. */
  autoStart = true;

  launch(request: LaunchRequest): { done: Promise<LaunchOutcome> } {
    if (this.failWith) throw this.failWith;
    const run = new FakeRun(request);
    run.stuck = this.stuck;
    this.runs.set(request.runId, run);
    this.launches.push(run);
    request.signal.addEventListener('abort', () => {
      if (!run.stuck) setTimeout(() => run.finish('CANCELED', 'the run was cancelled.'), 5);
    });
    if (this.autoStart) queueMicrotask(() => run.state('RUNNING'));
    return { done: run.done };
  }

  run(runId: string): FakeRun {
    const run = this.runs.get(runId);
    if (run === undefined) throw new Error(`no fake run ${runId}`);
    return run;
  }
}

/** Polls until `check` returns something truthy, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `node -e <script> --` followed by the container's args. */
export function node(script: string): string[] {
  return ['node', '-e', script, '--'];
}

/**
 * A PipelineSpec of container tasks run with `node -e`. `tasks` maps a task name to its script
 * (which gets its args after `--`), its inputs and outputs, and its dependencies.
 */
export function nodePipeline(
  name: string,
  tasks: Record<
    string,
    {
      script: string;
      args?: string[];
      after?: string[];
      inputs?: PipelineSpec['root']['inputDefinitions'];
      outputs?: NonNullable<PipelineSpec['components']>[string]['outputDefinitions'];
      taskInputs?: NonNullable<PipelineSpec['root']['dag']['tasks'][string]['inputs']>;
      cache?: boolean;
    }
  >,
  rootInputs?: PipelineSpec['root']['inputDefinitions'],
): PipelineSpec {
  const components: NonNullable<PipelineSpec['components']> = {};
  const executors: Record<
    string,
    { container: { image: string; command: string[]; args?: string[] } }
  > = {};
  const dagTasks: PipelineSpec['root']['dag']['tasks'] = {};
  for (const [taskName, t] of Object.entries(tasks)) {
    components[`comp-${taskName}`] = {
      executorLabel: `exec-${taskName}`,
      ...(t.inputs ? { inputDefinitions: t.inputs } : {}),
      ...(t.outputs ? { outputDefinitions: t.outputs } : {}),
    };
    executors[`exec-${taskName}`] = {
      container: { image: 'node:20', command: node(t.script), ...(t.args ? { args: t.args } : {}) },
    };
    dagTasks[taskName] = {
      taskInfo: { name: taskName },
      componentRef: { name: `comp-${taskName}` },
      ...(t.after ? { dependentTasks: t.after } : {}),
      ...(t.taskInputs ? { inputs: t.taskInputs } : {}),
      cachingOptions: { enableCache: t.cache ?? false },
    };
  }
  return {
    pipelineInfo: { name },
    components,
    deploymentSpec: { executors },
    root: { dag: { tasks: dagTasks }, ...(rootInputs ? { inputDefinitions: rootInputs } : {}) },
    schemaVersion: '2.1.0',
    sdkVersion: 'pipelab-test',
  };
}

/** A one-task pipeline that prints `hello` and exits 0. */
export function helloSpec(name = 'hello-pipeline'): PipelineSpec {
  return nodePipeline(name, { hello: { script: "console.log('hello')" } });
}
