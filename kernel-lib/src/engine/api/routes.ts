/**
 * Every route of the engine's API: KFP's v2beta1 operations and Pipelab's additions.
 */
import { artifactRoutes } from './artifacts';
import type { EngineContext } from './context';
import { experimentRoutes } from './experiments';
import { healthzRoutes } from './healthz';
import { logRoutes } from './logs';
import { pipelineRoutes } from './pipelines';
import { recurringRunRoutes } from './recurring-runs';
import { Router } from './router';
import { runRoutes } from './runs';
import { taskRoutes } from './tasks';
import { unimplementedRoutes } from './unimplemented';
import { uploadRoutes } from './upload';

/** The router of the engine's API. */
export function buildRouter(engine: EngineContext): Router {
  const router = new Router();
  healthzRoutes(router, engine);
  uploadRoutes(router, engine);
  pipelineRoutes(router, engine);
  experimentRoutes(router, engine);
  runRoutes(router, engine);
  recurringRunRoutes(router, engine);
  taskRoutes(router, engine);
  logRoutes(router, engine);
  artifactRoutes(router, engine);
  unimplementedRoutes(router);
  return router;
}
