/**
 * Pipelab addition: a task's log, `GET /apis/v2beta1/runs/{run_id}/tasks/{task_id}/logs`
 * (task id or task path). Plain text, stdout and stderr interleaved as the runner wrote them.
 * `?attempt=N` picks an attempt (default: the last). With `?follow=true` the response streams
 * (chunked) and ends once the task has finished and its log is fully sent.
 */
import * as fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import { InvalidArgumentError, NotFoundError, PermissionDeniedError } from '../errors';
import { FINAL_TASK_STATES, type StoredAttempt, type TaskRow } from '../store/tasks';
import type { EngineContext } from './context';
import { requireTask } from './task-lookup';
import { RESPONDED, type Router } from './router';
import { locateInside } from '../safe-path';

/** How often a followed log is polled for new bytes. */
const POLL_MS = 200;

function attemptsOf(task: TaskRow): StoredAttempt[] {
  return JSON.parse(task.attempts) as StoredAttempt[];
}

/**
 * The bytes of a log from `offset` on; none while the file does not exist.
 *
 * @throws {@link PermissionDeniedError} when the file lies outside the data directory.
 */
function readFrom(engine: EngineContext, logPath: string, offset: number): Buffer {
  const located = locateInside(engine.realDataDir, logPath);
  if (located.kind === 'missing') return Buffer.alloc(0);
  if (located.kind === 'outside') {
    throw new PermissionDeniedError(
      `the log ${logPath} is outside the engine's data directory; the engine only serves files below it.`,
    );
  }
  let fd: number;
  try {
    fd = fs.openSync(located.path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return Buffer.alloc(0);
    const buffer = Buffer.alloc(size - offset);
    const read = fs.readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

function startText(res: ServerResponse): void {
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
}

/** Streams the task's log as it grows, moving on to later attempts, until the task ends. */
async function follow(
  engine: EngineContext,
  res: ServerResponse,
  runId: string,
  path: string,
  pinned?: number,
): Promise<void> {
  let attempt = pinned;
  let offset = 0;
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  startText(res);
  while (!closed) {
    // The state is read before the file: a task's log is complete once it has ended.
    const task = engine.store.tasks.get(runId, path);
    if (task === undefined) break;
    const ended = FINAL_TASK_STATES.has(task.state);
    const attempts = attemptsOf(task);
    attempt ??= attempts[0]?.attempt;
    const current = attempts.find((a) => a.attempt === attempt);
    if (current !== undefined) {
      let chunk: Buffer;
      try {
        chunk = readFrom(engine, current.log_path, offset);
      } catch {
        break;
      }
      if (chunk.length > 0) {
        offset += chunk.length;
        res.write(chunk);
        continue;
      }
      const later = attempts.find((a) => a.attempt > current.attempt);
      if (pinned === undefined && later !== undefined) {
        attempt = later.attempt;
        offset = 0;
        continue;
      }
      if (pinned !== undefined && current.end_time !== undefined) break;
    }
    if (ended) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  res.end();
}

export function logRoutes(router: Router, engine: EngineContext): void {
  router.add(
    'GET',
    '/apis/v2beta1/runs/{run_id}/tasks/{task_id}/logs',
    async ({ res, params, query }) => {
      const runId = params.run_id ?? '';
      const task = requireTask(engine, runId, params.task_id ?? '');
      const attemptRaw = query.get('attempt');
      let pinned: number | undefined;
      if (attemptRaw !== null && attemptRaw !== '') {
        pinned = Number(attemptRaw);
        if (!Number.isInteger(pinned) || pinned < 1) {
          throw new InvalidArgumentError(
            `attempt must be a positive integer; got "${attemptRaw}".`,
            { field: 'attempt' },
          );
        }
        if (
          !attemptsOf(task).some((a) => a.attempt === pinned) &&
          FINAL_TASK_STATES.has(task.state)
        ) {
          throw new NotFoundError(
            'attempt',
            attemptRaw,
            `task '${task.path}' has no attempt ${attemptRaw}.`,
          );
        }
      }
      const followRaw = (query.get('follow') ?? '').toLowerCase();
      if (followRaw === 'true' || followRaw === '1') {
        await follow(engine, res, runId, task.path, pinned);
        return RESPONDED;
      }
      const attempts = attemptsOf(task);
      const chosen =
        pinned === undefined
          ? attempts[attempts.length - 1]
          : attempts.find((a) => a.attempt === pinned);
      const text = chosen === undefined ? Buffer.alloc(0) : readFrom(engine, chosen.log_path, 0);
      startText(res);
      res.end(text);
      return RESPONDED;
    },
  );
}
