/**
 * The run's graph: tasks from the compiled spec (with their dependencies, condition groups
 * flattened into the graph) matched to the run's task details, laid out in layers.
 */
import type { V2beta1PipelineTaskDetail } from 'pipelab/client';

export interface DagNode {
  /** The task's path from the root DAG, e.g. `condition-1/train`. */
  id: string;
  name: string;
  deps: string[];
  /** True for a condition or group (a DAG of its own). */
  group: boolean;
  layer: number;
  column: number;
  detail?: V2beta1PipelineTaskDetail;
}

interface SpecTask {
  taskInfo?: { name?: string };
  dependentTasks?: string[];
  componentRef?: { name?: string };
}

interface SpecDag {
  tasks?: Record<string, SpecTask>;
}

interface Spec {
  root?: { dag?: SpecDag };
  components?: Record<string, { dag?: SpecDag }>;
}

/** The graph of a spec; without a spec, the task details alone (no edges). */
export function buildDag(spec: unknown, details: V2beta1PipelineTaskDetail[]): DagNode[] {
  const nodes: DagNode[] = [];
  const s = spec as Spec | undefined;
  const byName = new Map<string, V2beta1PipelineTaskDetail>();
  for (const d of details) if (d.display_name !== undefined) byName.set(d.display_name, d);
  const walk = (dag: SpecDag | undefined, prefix: string, parentDeps: string[]): void => {
    for (const [key, task] of Object.entries(dag?.tasks ?? {})) {
      const id = prefix === '' ? key : `${prefix}/${key}`;
      const deps = (task.dependentTasks ?? []).map((d) => (prefix === '' ? d : `${prefix}/${d}`));
      const inner = task.componentRef?.name
        ? s?.components?.[task.componentRef.name]?.dag
        : undefined;
      const name = task.taskInfo?.name ?? key;
      nodes.push({
        id,
        name,
        deps: deps.length > 0 ? deps : parentDeps,
        group: inner !== undefined,
        layer: 0,
        column: 0,
        detail: byName.get(name) ?? byName.get(key),
      });
      if (inner !== undefined) walk(inner, id, [id]);
    }
  };
  if (s?.root?.dag) walk(s.root.dag, '', []);
  if (nodes.length === 0) {
    for (const d of details) {
      if (d.display_name === 'root' || (d.child_tasks ?? []).length > 0) continue;
      nodes.push({
        id: d.task_id ?? '',
        name: d.display_name ?? '',
        deps: [],
        group: false,
        layer: 0,
        column: 0,
        detail: d,
      });
    }
  }
  layout(nodes);
  return nodes;
}

/** Assigns each node a layer (longest path from a source) and a column within it. */
function layout(nodes: DagNode[]): void {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const memo = new Map<string, number>();
  const depth = (n: DagNode, seen: Set<string>): number => {
    const known = memo.get(n.id);
    if (known !== undefined) return known;
    if (seen.has(n.id)) return 0;
    seen.add(n.id);
    const d =
      Math.max(
        -1,
        ...n.deps.map((id) => (byId.has(id) ? depth(byId.get(id) as DagNode, seen) : -1)),
      ) + 1;
    memo.set(n.id, d);
    return d;
  };
  const columns = new Map<number, number>();
  for (const n of nodes) {
    n.layer = depth(n, new Set());
    n.column = columns.get(n.layer) ?? 0;
    columns.set(n.layer, n.column + 1);
  }
}

/** Cached, skipped by a condition, or the plain state. */
export function taskStateName(
  detail: V2beta1PipelineTaskDetail | undefined,
  cached?: boolean,
): string {
  if (detail?.state === undefined) return 'PENDING';
  if (detail.state === 'SKIPPED' && cached === true) return 'CACHED';
  return detail.state;
}
