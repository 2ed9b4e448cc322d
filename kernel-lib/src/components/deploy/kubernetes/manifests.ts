/**
 * The Kubernetes objects of a served model: a Deployment running the model server
 * (`pipelab-component serve`) with one model version, and a ClusterIP Service in front of it on
 * TensorFlow Serving's REST port.
 *
 * The pod deploys the Model artifact into its own registry (an emptyDir) at start-up, from the
 * artifact's URI as KFP mounts artifact stores in containers (`gs://…` → `/gcs/…`; see
 * README.md). A new version changes the pod template (args and annotations), which starts a
 * rolling update that never takes a ready pod away before its replacement is ready
 * (maxUnavailable 0), so the Service keeps answering during the switch.
 */

/** Labels and annotations Pipelab puts on the objects. */
export const K8S_KEYS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  model: 'pipelab.dev/model',
  version: 'pipelab.dev/model-version',
  modelUri: 'pipelab.dev/model-uri',
  gate: 'pipelab.dev/gate-decision',
} as const;

/** The model server's container port (TensorFlow Serving's REST port). */
export const SERVER_PORT = 8501;

/** What to run. */
export interface ServedModelSpec {
  readonly model: string;
  readonly version: number;
  readonly modelUri: string;
  readonly namespace: string;
  readonly image: string;
  readonly replicas: number;
  /** Recorded as an annotation. */
  readonly gateDecision?: string;
}

/** A model name as a DNS label (`chicago_crime` → `chicago-crime`). */
export function dnsLabel(model: string): string {
  const label = model
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 48)
    .replace(/^-+|-+$/g, '');
  return label || 'model';
}

/** The Deployment's and the Service's name: `pipelab-model-<model as a DNS label>`. */
export function deploymentName(model: string): string {
  return `pipelab-model-${dnsLabel(model)}`;
}

/** Object metadata, labels and selector shared by both objects. */
function common(spec: ServedModelSpec): {
  name: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
} {
  const name = deploymentName(spec.model);
  const selector = { [K8S_KEYS.name]: 'pipelab-model-server', [K8S_KEYS.instance]: name };
  return {
    name,
    selector,
    labels: {
      ...selector,
      [K8S_KEYS.managedBy]: 'pipelab',
      [K8S_KEYS.model]: dnsLabel(spec.model),
    },
  };
}

/** The Deployment (apps/v1) serving `spec.version`. */
export function deploymentManifest(spec: ServedModelSpec) {
  const { name, labels, selector } = common(spec);
  const annotations: Record<string, string> = {
    [K8S_KEYS.version]: String(spec.version),
    [K8S_KEYS.modelUri]: spec.modelUri,
  };
  if (spec.gateDecision) annotations[K8S_KEYS.gate] = spec.gateDecision;
  const probe = (path: string, period: number) => ({
    httpGet: { path, port: 'http' },
    periodSeconds: period,
    failureThreshold: 3,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: spec.namespace, labels, annotations },
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      progressDeadlineSeconds: 600,
      template: {
        metadata: { labels, annotations },
        spec: {
          containers: [
            {
              name: 'model-server',
              image: spec.image,
              command: ['pipelab-component'],
              args: [
                'serve',
                '--host',
                '0.0.0.0',
                '--port',
                String(SERVER_PORT),
                '--models-dir',
                '/models',
                '--model-name',
                spec.model,
                '--model-uri',
                spec.modelUri,
                '--version',
                String(spec.version),
              ],
              ports: [{ name: 'http', containerPort: SERVER_PORT, protocol: 'TCP' }],
              readinessProbe: probe('/readyz', 5),
              livenessProbe: probe('/healthz', 10),
              volumeMounts: [{ name: 'models', mountPath: '/models' }],
            },
          ],
          volumes: [{ name: 'models', emptyDir: {} }],
        },
      },
    },
  };
}

/** The Service (v1) in front of the Deployment. */
export function serviceManifest(spec: ServedModelSpec) {
  const { name, labels, selector } = common(spec);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: spec.namespace, labels },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'http', port: SERVER_PORT, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}
