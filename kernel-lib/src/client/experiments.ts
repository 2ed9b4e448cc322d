/**
 * `client.experiments`: KFP's ExperimentService — create, get, list, find by name, ensure (find
 * else create, what `kfp.Client.create_experiment` does), archive, unarchive, delete.
 */
import { segment, type Connection, type RequestOptions } from './connection';
import { ClientOptionsError, KfpApiError } from './errors';
import { filter } from './filter';
import {
  getPage,
  items,
  listQuery,
  pages,
  type IterateOptions,
  type ListOptions,
  type Page,
} from './paging';
import type { V2beta1Experiment, V2beta1ListExperimentsResponse } from './types';

/** Options of {@link ExperimentsClient.create} and {@link ExperimentsClient.ensure}. */
export interface CreateExperimentOptions {
  /** The experiment's name, unique in its namespace. */
  displayName: string;
  /** @default none */
  description?: string;
  /** The namespace (multi-user KFP). @default the client's `namespace` */
  namespace?: string;
  /** Cancels the request. @default none */
  signal?: AbortSignal;
}

/** Options of {@link ExperimentsClient.list}. */
export interface ListExperimentsOptions extends ListOptions {
  /** @default the client's `namespace` */
  namespace?: string;
}

/** Options of {@link ExperimentsClient.iterate}. */
export interface IterateExperimentsOptions
  extends IterateOptions, Pick<ListExperimentsOptions, 'namespace'> {}

const BASE = '/experiments';

/** `client.experiments`. */
export class ExperimentsClient {
  constructor(
    private readonly connection: Connection,
    private readonly namespace: string | undefined,
  ) {}

  /** Creates an experiment: `POST /apis/v2beta1/experiments`. */
  create(options: CreateExperimentOptions): Promise<V2beta1Experiment> {
    const displayName = options?.displayName;
    if (typeof displayName !== 'string' || displayName.trim() === '') {
      throw new ClientOptionsError(
        'experiments.create.displayName',
        'an experiment needs a displayName.',
      );
    }
    const namespace = options.namespace ?? this.namespace ?? '';
    const body: V2beta1Experiment = {
      display_name: displayName,
      ...(options.description !== undefined ? { description: options.description } : {}),
      namespace,
    };
    return this.connection.json<V2beta1Experiment>({
      method: 'POST',
      path: BASE,
      json: body,
      signal: options.signal,
    });
  }

  /** One experiment, by id. */
  get(experimentId: string, options: RequestOptions = {}): Promise<V2beta1Experiment> {
    return this.connection.json<V2beta1Experiment>({
      method: 'GET',
      path: `${BASE}/${segment(experimentId, 'experimentId')}`,
      signal: options.signal,
    });
  }

  /** One page of experiments. */
  async list(options: ListExperimentsOptions = {}): Promise<Page<V2beta1Experiment>> {
    const query = listQuery(options, 'experiments.list');
    const namespace = options.namespace ?? this.namespace;
    return getPage(
      this.connection,
      { path: BASE, query: { ...query, namespace }, signal: options.signal },
      (response: V2beta1ListExperimentsResponse) => response.experiments,
    );
  }

  /** Every experiment, following the pages. */
  iterate(options: IterateExperimentsOptions = {}): AsyncGenerator<V2beta1Experiment> {
    return items((o) => this.list(o), options);
  }

  /** Every page of experiments. */
  pages(options: ListExperimentsOptions = {}): AsyncGenerator<Page<V2beta1Experiment>> {
    return pages((o) => this.list(o), options);
  }

  /**
   * The experiment with this display name (a filtered list, as KFP has no get-by-name for
   * experiments), or undefined.
   */
  async findByName(
    displayName: string,
    options: RequestOptions & { namespace?: string } = {},
  ): Promise<V2beta1Experiment | undefined> {
    if (typeof displayName !== 'string' || displayName === '') {
      throw new ClientOptionsError('experiments.findByName', 'findByName needs a display name.');
    }
    const namespace = options.namespace ?? this.namespace;
    const response = await this.connection.json<V2beta1ListExperimentsResponse>({
      method: 'GET',
      path: BASE,
      query: {
        filter: JSON.stringify(filter.eq('display_name', displayName)),
        // Sent even when empty, as kfp.Client does.
        namespace: namespace ?? '',
      },
      signal: options.signal,
    });
    return response.experiments?.find((e) => e.display_name === displayName);
  }

  /**
   * The experiment with this display name, created when there is none — what
   * `kfp.Client.create_experiment` does. Safe against a concurrent creator: when the create
   * fails because the name was taken meanwhile, the winner's experiment is returned.
   */
  async ensure(options: CreateExperimentOptions): Promise<V2beta1Experiment> {
    const lookup = {
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    };
    const found = await this.findByName(options.displayName, lookup);
    if (found !== undefined) return found;
    try {
      return await this.create(options);
    } catch (error) {
      if (error instanceof KfpApiError && error.isAlreadyExists) {
        const winner = await this.findByName(options.displayName, lookup);
        if (winner !== undefined) return winner;
      }
      throw error;
    }
  }

  /** Archives an experiment (and, on KFP, its runs). */
  async archive(experimentId: string, options: RequestOptions = {}): Promise<void> {
    await this.connection.json({
      method: 'POST',
      path: `${BASE}/${segment(experimentId, 'experimentId')}:archive`,
      signal: options.signal,
    });
  }

  /** Restores an archived experiment. */
  async unarchive(experimentId: string, options: RequestOptions = {}): Promise<void> {
    await this.connection.json({
      method: 'POST',
      path: `${BASE}/${segment(experimentId, 'experimentId')}:unarchive`,
      signal: options.signal,
    });
  }

  /** Deletes an experiment. */
  async delete(experimentId: string, options: RequestOptions = {}): Promise<void> {
    await this.connection.json({
      method: 'DELETE',
      path: `${BASE}/${segment(experimentId, 'experimentId')}`,
      signal: options.signal,
    });
  }
}
