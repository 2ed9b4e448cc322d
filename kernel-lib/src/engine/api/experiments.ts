/**
 * ExperimentService: create, get, list, archive (with its runs and recurring runs), unarchive and
 * delete experiments.
 */
import { EXPERIMENT_FIELDS } from '../store/experiments';
import type { EngineContext } from './context';
import { toApiExperiment } from './convert';
import { readJson } from './http';
import { decodeMessage, requireString, str } from './input';
import { nextPageToken, parseListQuery } from './list-options';
import { EXPERIMENT } from './messages';
import { pruneTop } from './proto-json';
import type { Router } from './router';

const BASE = '/apis/v2beta1/experiments';

export function experimentRoutes(router: Router, engine: EngineContext): void {
  const { store } = engine;

  router.add('POST', BASE, async ({ req }) => {
    const body = decodeMessage(EXPERIMENT, await readJson(req, 'experiment'), 'experiment');
    const row = store.experiments.create(
      {
        display_name: requireString(body, 'display_name', 'experiment'),
        description: str(body, 'description'),
      },
      engine.now().getTime(),
    );
    return toApiExperiment(row);
  });

  router.add('GET', BASE, ({ query }) => {
    const target = { resource: 'experiments' };
    const list = parseListQuery(query, EXPERIMENT_FIELDS, target, engine.pageTokens);
    const page = store.experiments.list(list);
    return pruneTop({
      experiments: page.rows.map(toApiExperiment),
      total_size: page.total,
      next_page_token: nextPageToken(list, page, target, engine.pageTokens),
    });
  });

  router.add('GET', `${BASE}/{experiment_id}`, ({ params }) =>
    toApiExperiment(store.experiments.require(params.experiment_id ?? '')),
  );

  router.add('DELETE', `${BASE}/{experiment_id}`, ({ params }) => {
    store.experiments.delete(params.experiment_id ?? '');
    return {};
  });

  router.add('POST', `${BASE}/{experiment_id}:archive`, ({ params }) => {
    const id = params.experiment_id ?? '';
    // As KFP: archiving an experiment archives its runs and disables its recurring runs.
    const disabled = store.db.transaction(() => {
      store.experiments.archive(id);
      return store.recurringRuns.disableInExperiment(
        id,
        `experiment '${id}' was archived; unarchive it, then enable the recurring run again.`,
        engine.now().getTime(),
      );
    })();
    for (const recurringRunId of disabled) engine.scheduler.refresh(recurringRunId);
    return {};
  });

  router.add('POST', `${BASE}/{experiment_id}:unarchive`, ({ params }) => {
    store.experiments.unarchive(params.experiment_id ?? '');
    return {};
  });
}
