/**
 * Helpers of the engine API tests: an engine on an ephemeral port with a temporary data
 * directory, an HTTP client that checks every response against the KFP swagger (when
 * ../shared is present), a fake run launcher, and tiny PipelineSpecs whose tasks are `node -e`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
import { repoRoot, requireSharedOrSkip } from '../../support/shared';
import { SwaggerContract } from '../../contract/swagger';

let contract: SwaggerContract | null | undefined;

/**
 * The swagger contract, or null when ../shared is absent (after a notice). In CI (or with
 * PIPELAB_REQUIRE_SHARED set) a missing ../shared throws instead, so neither the checks of
 * {@link Api} nor a `swaggerContract() !== null` guard can skip silently there.
 */
export function swaggerContract(): SwaggerContract | null {
  if (contract === undefined) {
    const shared = requireSharedOrSkip('KFP swagger checks of the engine API tests');
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
  /** The bearer token to send instead of the engine's; `null` sends none. */
  token?: string | null;
}

/**
 * A client for one engine that validates every response of a KFP operation against the swagger.
 * It sends the engine's access token as `Authorization: Bearer <token>`, as `kfp.Client` does
 * with `existing_token`.
 */
export class Api {
  /** How many responses were checked against the swagger. */
  validated = 0;

  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  url(p: string, query?: Record<string, string>): string {
    const qs = query ? `?${new URLSearchParams(query).toString()}` : '';
    return `${this.baseUrl}${p}${qs}`;
  }

  /** A URL a browser could open: the token rides in the `token` query parameter. */
  link(p: string, query: Record<string, string> = {}): string {
    return this.url(p, { ...query, ...(this.token ? { token: this.token } : {}) });
  }

  /** The headers that authenticate a request made with plain `fetch`. */
  auth(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  async request<T = Record<string, unknown>>(
    method: string,
    p: string,
    init: RequestInit = {},
  ): Promise<ApiResponse<T>> {
    const token = init.token === undefined ? this.token : init.token;
    const headers: Record<string, string> = {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...init.headers,
    };
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
    api: new Api(engine.url, engine.token),
    dataDir,
    close: async () => {
      await engine.close();
      // A directory the test named itself may be reused by the next engine.
      if (options.dataDir === undefined) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An engine running in a child process (fixtures/crashing-engine.ts), for tests that kill it. */
export interface EngineProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** A client with the token the engine wrote to `<dataDir>/token`, read as a client would. */
  readonly api: Api;
  /** Everything the process printed on stdout so far. */
  stdout(): string;
  /** Sends SIGKILL and waits until the process is gone. */
  kill(): Promise<void>;
}

/** Starts the engine of `dataDir` in a child process and waits until it listens. */
export async function spawnEngineProcess(dataDir: string): Promise<EngineProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures', 'crashing-engine.ts'), dataDir],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (\S+)\n/.exec(out);
      if (match) resolve(match[1] ?? '');
    });
    child.once('exit', (code) =>
      reject(new Error(`the engine process exited early (${String(code)})`)),
    );
  });
  const token = fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim();
  return {
    child,
    url,
    api: new Api(url, token),
    stdout: () => out,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
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

/** Every file below `dir`, relative to it, sorted. */
export function filesBelow(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
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

  private readonly createTimes = new Map<string, Date>();

  task(task: Partial<TaskResult> & { path: string }): void {
    let createTime = this.createTimes.get(task.path);
    if (createTime === undefined) {
      createTime = new Date();
      this.createTimes.set(task.path, createTime);
    }
    const full: TaskResult = {
      createTime,
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
  /** When set, runs end in this state right after they start (a run that takes no time). */
  autoFinish: RunState | undefined;

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
    const finishAs = this.autoFinish;
    if (finishAs !== undefined) queueMicrotask(() => run.finish(finishAs));
    return { done: run.done };
  }

  /** The runs that have not ended, in launch order. */
  active(): FakeRun[] {
    return this.launches.filter((run) => !run.ended);
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
