/**
 * The KFP v2beta1 operations the engine does not offer, each answered 501 UNIMPLEMENTED with a
 * body saying why, rather than a 404 that reads like a wrong URL.
 */
import { UnimplementedError } from '../errors';
import type { Router } from './router';

const OPERATIONS: readonly [method: string, template: string, operation: string, why: string][] = [
  [
    'GET',
    '/apis/v2beta1/auth',
    'AuthService_Authorize',
    'the engine is single-user and has no authorization',
  ],
  [
    'GET',
    '/apis/v2beta1/filters',
    'DummyFilterService_GetFilter',
    'this operation only documents the filter type',
  ],
  [
    'POST',
    '/apis/v2beta1/workflows',
    'ReportService_ReportWorkflow',
    'the engine has no Argo workflows to report',
  ],
  [
    'POST',
    '/apis/v2beta1/scheduledworkflows',
    'ReportService_ReportScheduledWorkflow',
    'the engine has no Argo workflows to report',
  ],
  [
    'POST',
    '/apis/v2beta1/visualizations/{namespace}',
    'VisualizationService_CreateVisualizationV1',
    'the engine has no visualization server',
  ],
  [
    'PATCH',
    '/apis/v2beta1/pipelines/{pipeline_id}',
    'PipelineService_UpdatePipeline',
    'pipelines cannot be edited yet',
  ],
  [
    'PATCH',
    '/apis/v2beta1/pipelines/{pipeline_id}/versions/{pipeline_version_id}',
    'PipelineService_UpdatePipelineVersion',
    'pipeline versions cannot be edited yet',
  ],
];

export function unimplementedRoutes(router: Router): void {
  for (const [method, template, operation, why] of OPERATIONS) {
    router.add(method, template, () => {
      throw new UnimplementedError(
        `${operation} is not implemented by the Pipelab engine: ${why}.`,
      );
    });
  }
}
