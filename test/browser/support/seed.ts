/**
 * Data the browser tests find in the engine: the demo pipeline uploaded, a succeeded run in the
 * "Browser tests" experiment, and a failed run.
 */
import { Client } from '../../../kernel-lib/src/client';
import type { EngineHandle } from '../../../kernel-lib/src/engine';
import { demoPipeline, failingPipeline } from './fixtures';

export interface Seeded {
  client: Client;
  pipelineId: string;
  succeededRunId: string;
  failedRunId: string;
}

export async function seed(engine: EngineHandle): Promise<Seeded> {
  const client = new Client({ endpoint: engine.url, token: engine.token, env: {} });
  const uploaded = await client.pipelines.upload(demoPipeline, { displayName: 'Browser demo' });
  const ok = await client.runs.create({
    pipelineVersion: { pipelineId: uploaded.pipeline_id ?? '' },
    experimentName: 'Browser tests',
    displayName: 'demo run',
  });
  const failed = await client.runs.create({
    pipeline: failingPipeline,
    experimentName: 'Browser tests',
    displayName: 'failing run',
  });
  await Promise.all([ok.wait({ timeoutMs: 60_000 }), failed.wait({ timeoutMs: 60_000 })]);
  return {
    client,
    pipelineId: uploaded.pipeline_id ?? '',
    succeededRunId: ok.id,
    failedRunId: failed.id,
  };
}
