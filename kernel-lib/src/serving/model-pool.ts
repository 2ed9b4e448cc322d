/**
 * The server's loaded models, kept in step with the registry on disk.
 *
 * Every version on disk is loaded and warmed up (one prediction) before it can be served; a new
 * default only takes over once it is AVAILABLE, so switching never makes a request wait or fail.
 * A request takes a reference to the version it was routed to and keeps it until it is answered:
 * a version that is switched away from or deleted stays loaded (UNLOADING) until its last request
 * is answered, then it is disposed.
 *
 * States follow TensorFlow Serving's `ModelVersionStatus.State`: START (seen, not loading yet),
 * LOADING, AVAILABLE, UNLOADING, END (unloaded, or failed to load: then with the error).
 */
import { MicroBatcher, type BatchingOptions } from './batcher';
import { ModelNotFoundError, VersionNotFoundError, VersionUnavailableError } from './errors';
import type { PredictorLoader, ServablePredictor, ServingInput } from './predictor';
import type { DefaultPointer, ModelRegistry, ModelSnapshot, VersionInfo } from './registry';

export type VersionState = 'START' | 'LOADING' | 'AVAILABLE' | 'UNLOADING' | 'END';

/** A version as the server holds it. */
export class ServedVersion {
  state: VersionState = 'START';
  /** Why loading failed. */
  error: string | undefined;
  predictor: ServablePredictor | undefined;
  batcher: MicroBatcher | undefined;
  /** Requests routed to this version and not answered yet. */
  inflight = 0;
  private retired = false;

  constructor(
    readonly info: VersionInfo,
    private readonly onLog: (line: string) => void,
  ) {}

  get model(): string {
    return this.info.model;
  }

  get version(): number {
    return this.info.version;
  }

  /** Loads and warms up the model. Never throws: a failure leaves the version in END. */
  async load(loader: PredictorLoader, batching: BatchingOptions | false): Promise<void> {
    this.state = 'LOADING';
    let predictor: ServablePredictor | undefined;
    try {
      predictor = await loader(this.info.dir);
      const window = new Array<number>(predictor.historyDays).fill(1);
      const warmup: ServingInput = predictor.needsDates
        ? { counts: window, day: '2020-01-01' }
        : window;
      predictor.predict([warmup]);
    } catch (error) {
      predictor?.dispose?.();
      this.state = 'END';
      this.error = error instanceof Error ? error.message : String(error);
      this.onLog(`model ${this.model} version ${this.version}: failed to load: ${this.error}`);
      return;
    }
    if (this.retired) {
      predictor.dispose?.();
      this.state = 'END';
      return;
    }
    const loaded = predictor;
    this.predictor = loaded;
    this.batcher = new MicroBatcher((inputs) => loaded.predict(inputs), batching);
    this.state = 'AVAILABLE';
  }

  acquire(): void {
    this.inflight++;
  }

  release(): void {
    this.inflight--;
    if (this.retired && this.inflight === 0) this.unload();
  }

  /** Takes the version out of service: unloaded now, or when its last request is answered. */
  retire(): void {
    if (this.retired) return;
    this.retired = true;
    if (this.state === 'AVAILABLE') this.state = 'UNLOADING';
    if (this.inflight === 0) this.unload();
  }

  private unload(): void {
    this.batcher?.close();
    this.predictor?.dispose?.();
    this.predictor = undefined;
    this.batcher = undefined;
    if (this.state !== 'END') this.state = 'END';
  }
}

/** A model as the server holds it. */
export class ServedModel {
  readonly versions = new Map<number, ServedVersion>();
  pointer: DefaultPointer | undefined;
  labels: Readonly<Record<string, number>> = {};
  /** What requests without a version are routed to. */
  served: ServedVersion | undefined;
  /** The pool's epoch of the last in-process switch (reads begun before it keep its pointer). */
  switchedAt = 0;
  /** New files of existing versions, loading (they take over once loaded). */
  readonly replacing = new Map<number, ServedVersion>();

  constructor(readonly name: string) {}

  /** The version the registry says is the default (or the highest, when there is no pointer). */
  get targetVersion(): number | undefined {
    if (this.pointer) return this.pointer.version;
    let highest: number | undefined;
    for (const version of this.versions.keys()) {
      if (highest === undefined || version > highest) highest = version;
    }
    return highest;
  }
}

/** Which version of a model a request is for. */
export type VersionSelector =
  | { readonly kind: 'default' }
  | { readonly kind: 'version'; readonly version: number }
  | { readonly kind: 'label'; readonly label: string };

export interface ModelPoolOptions {
  readonly loader: PredictorLoader;
  readonly batching: BatchingOptions | false;
  readonly log: (line: string) => void;
}

/** Loaded models following a registry. */
export class ModelPool {
  readonly models = new Map<string, ServedModel>();
  private current: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private closed = false;
  private epoch = 0;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly options: ModelPoolOptions,
  ) {}

  /**
   * Brings the loaded models in step with the disk and resolves when every version found is
   * loaded (or failed). Calls made while one runs are coalesced into one more run.
   */
  sync(): Promise<void> {
    if (this.queued) return this.queued;
    // Never rejects: a registry that cannot be read is logged, and the loaded models stay.
    const run = this.current
      .then(async () => {
        this.queued = undefined;
        if (!this.closed) await this.syncAll();
      })
      .catch((error: unknown) => {
        this.options.log(`model server: cannot read the registry: ${String(error)}`);
      });
    this.queued = run;
    this.current = run;
    return run;
  }

  private async syncAll(): Promise<void> {
    const started = this.epoch;
    const names = await this.registry.listModels();
    const loads: Promise<void>[] = [];
    for (const name of names) {
      let snapshot: ModelSnapshot;
      try {
        snapshot = await this.registry.snapshot(name);
      } catch (error) {
        this.options.log(`model server: cannot read model ${name}: ${String(error)}`);
        continue;
      }
      loads.push(...this.apply(snapshot, started));
    }
    for (const [name, model] of this.models) {
      if (names.includes(name)) continue;
      for (const version of model.versions.values()) version.retire();
      this.models.delete(name);
    }
    await Promise.all(loads);
  }

  /** Applies a snapshot; returns the loads it started. */
  private apply(snapshot: ModelSnapshot, started: number): Promise<void>[] {
    let model = this.models.get(snapshot.model);
    if (!model) {
      if (snapshot.versions.length === 0) return [];
      model = new ServedModel(snapshot.model);
      this.models.set(snapshot.model, model);
    }
    const served = model;
    // A snapshot read before an in-process switch would undo it until the next read.
    if (served.switchedAt <= started) served.pointer = snapshot.pointer;
    served.labels = snapshot.labels;
    const loads: Promise<void>[] = [];
    const onDisk = new Set<number>();
    for (const info of snapshot.versions) {
      onDisk.add(info.version);
      const existing = served.versions.get(info.version);
      if (existing && existing.info.identity === info.identity) continue;
      if (served.replacing.get(info.version)?.info.identity === info.identity) continue;
      const fresh = new ServedVersion(info, this.options.log);
      if (!existing) served.versions.set(info.version, fresh);
      else served.replacing.set(info.version, fresh);
      loads.push(
        fresh.load(this.options.loader, this.options.batching).then(() => {
          if (this.closed) {
            fresh.retire();
            return;
          }
          if (existing) {
            // A replaced version: the new files take over once loaded.
            if (served.replacing.get(info.version) === fresh) served.replacing.delete(info.version);
            if (served.versions.get(info.version) === existing) {
              served.versions.set(info.version, fresh);
              if (served.served === existing) served.served = fresh;
              existing.retire();
            } else {
              fresh.retire();
              return;
            }
          }
          this.chooseServed(served);
        }),
      );
    }
    for (const [version, entry] of served.versions) {
      if (onDisk.has(version)) continue;
      // Gone from disk. The served default stays while the pointer still names it (its files
      // are being replaced); anything else is unloaded once its requests are answered.
      if (entry === served.served && served.pointer?.version === version) continue;
      served.versions.delete(version);
      if (served.served === entry) served.served = undefined;
      entry.retire();
    }
    this.chooseServed(served);
    return loads;
  }

  /** Routes default requests to the target version once it is AVAILABLE. */
  private chooseServed(model: ServedModel): void {
    const target = model.targetVersion;
    const candidate = target === undefined ? undefined : model.versions.get(target);
    if (candidate?.state === 'AVAILABLE') {
      model.served = candidate;
      return;
    }
    // Keep the current one while the target loads (or when it failed to load).
    if (model.served && model.served.state !== 'AVAILABLE') model.served = undefined;
    if (!model.served) {
      // Nothing served yet: fall back to the highest available version.
      let best: ServedVersion | undefined;
      for (const entry of model.versions.values()) {
        if (entry.state === 'AVAILABLE' && (!best || entry.version > best.version)) best = entry;
      }
      model.served = best;
    }
  }

  /**
   * Routes default requests to `version` at once when it is loaded and AVAILABLE (a switch made
   * in this process); the next sync reads the pointer itself.
   */
  switchDefault(name: string, version: number): void {
    const model = this.models.get(name);
    const entry = model?.versions.get(version);
    if (!model || entry?.state !== 'AVAILABLE') return;
    model.switchedAt = ++this.epoch;
    model.pointer = {
      version,
      previous: model.pointer ? [model.pointer.version, ...model.pointer.previous] : [],
      updatedAt: new Date().toISOString(),
    };
    model.served = entry;
  }

  /**
   * The version a request goes to.
   * @throws ModelNotFoundError, VersionNotFoundError, VersionUnavailableError
   */
  resolve(name: string, selector: VersionSelector): ServedVersion {
    const model = this.models.get(name);
    if (!model) {
      throw new ModelNotFoundError(
        name,
        selector.kind === 'version'
          ? `Servable not found for request: Specific(${name}, ${selector.version})`
          : undefined,
      );
    }
    let entry: ServedVersion | undefined;
    if (selector.kind === 'default') {
      entry = model.served;
      if (!entry) {
        const target = model.targetVersion;
        const pending = target === undefined ? undefined : model.versions.get(target);
        if (pending) {
          throw new VersionUnavailableError(name, pending.version, pending.state, pending.error);
        }
        throw new ModelNotFoundError(name);
      }
    } else {
      const version = selector.kind === 'version' ? selector.version : model.labels[selector.label];
      if (version === undefined) {
        throw new VersionNotFoundError(
          name,
          (selector as { label: string }).label,
          `Unrecognized servable version label: ${(selector as { label: string }).label}`,
        );
      }
      entry = model.versions.get(version);
      if (!entry) throw new VersionNotFoundError(name, version);
    }
    if (entry.state !== 'AVAILABLE') {
      throw new VersionUnavailableError(name, entry.version, entry.state, entry.error);
    }
    return entry;
  }

  /** Unloads everything (after in-flight requests are answered). */
  close(): void {
    this.closed = true;
    for (const model of this.models.values()) {
      for (const version of model.versions.values()) version.retire();
    }
    this.models.clear();
  }
}
