/**
 * HealthzService. Like KFP's server, the answer also carries `commit_sha` and `tag_name`.
 */
import type { EngineContext } from './context';
import type { Router } from './router';

export function healthzRoutes(router: Router, engine: EngineContext): void {
  router.add('GET', '/apis/v2beta1/healthz', () => ({
    commit_sha: 'unknown',
    tag_name: engine.version,
    multi_user: false,
    pipeline_store: 'database',
  }));
}
