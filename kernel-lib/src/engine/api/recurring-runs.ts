/**
 * RecurringRunService is not implemented yet (issue #4): every operation answers
 * 501 UNIMPLEMENTED with a body saying so, rather than a misleading 404.
 */
import { UnimplementedError } from '../errors';
import type { Router } from './router';

const BASE = '/apis/v2beta1/recurringruns';

export function recurringRunRoutes(router: Router): void {
  const unimplemented = (operation: string) => (): never => {
    throw new UnimplementedError(
      `${operation}: recurring runs are not implemented by the Pipelab engine yet; schedule runs on a KFP cluster for now.`,
      { resourceType: 'recurring_run' },
    );
  };
  router.add('GET', BASE, unimplemented('ListRecurringRuns'));
  router.add('POST', BASE, unimplemented('CreateRecurringRun'));
  router.add('GET', `${BASE}/{recurring_run_id}`, unimplemented('GetRecurringRun'));
  router.add('DELETE', `${BASE}/{recurring_run_id}`, unimplemented('DeleteRecurringRun'));
  router.add('POST', `${BASE}/{recurring_run_id}:enable`, unimplemented('EnableRecurringRun'));
  router.add('POST', `${BASE}/{recurring_run_id}:disable`, unimplemented('DisableRecurringRun'));
}
