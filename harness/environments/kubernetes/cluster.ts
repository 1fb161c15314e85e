import type { Readable, Writable } from 'node:stream';

/** An object as the API server returns it; only the parts drdrill reads are typed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    resourceVersion?: string;
    /** A Date when the client deserialised a known kind, a string otherwise. */
    creationTimestamp?: unknown;
    deletionTimestamp?: unknown;
  };
  [key: string]: unknown;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export function refOf(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
}

export interface ExecOptions {
  /**
   * Bytes sent on the stdin channel. The channel is never half-closed (the v4 protocol cannot), so the
   * command must read exactly `length` bytes; see `readExactly` in pod-scripts.ts.
   */
  stdin?: { stream: Readable; length: number };
  /** Stream stdout here instead of buffering it. */
  stdout?: Writable;
  timeoutMs?: number;
}

export interface ExecResult {
  /** The command's exit code (from the status channel). */
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** A local TCP port that reaches a pod's port (kubectl port-forward). */
export interface LocalForward {
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Where a pod's files live and which port PostgreSQL listens on, as seen by commands exec'd in the pod.
 * A real cluster: the container's own root and 5432. The simulated cluster runs pods as local processes, so
 * each pod gets a directory and a port of its own.
 */
export interface PodLayout {
  root: string;
  port: number;
  /** listen_addresses: every interface of the pod, or loopback for the simulated cluster's local processes. */
  listen: string;
}

/**
 * Everything drdrill asks of a Kubernetes cluster. `KubeClientCluster` implements it over
 * @kubernetes/client-node; the simulated cluster of the L3 tests implements it in memory.
 */
export interface Cluster {
  /** The kubeconfig context (or "in-cluster"), for messages. */
  readonly context: string;
  readonly server: string;
  /** True for the in-memory cluster of the tests: nothing it times is a measured RTO. */
  readonly simulated: boolean;
  /** GET /version: the server's gitVersion. */
  serverVersion(): Promise<string>;
  /** Server-side apply under field manager "drdrill", forcing ownership of the fields drdrill sets. */
  apply<T extends KubeObject>(obj: T): Promise<T>;
  /** The object, or undefined when it does not exist (404). */
  get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined>;
  list<T extends KubeObject>(
    apiVersion: string,
    kind: string,
    opts?: { namespace?: string; labelSelector?: string },
  ): Promise<T[]>;
  /** False when the object was already gone (404). */
  delete(ref: ObjectRef, opts?: DeleteOptions): Promise<boolean>;
  /** JSON merge patch (application/merge-patch+json). */
  mergePatch<T extends KubeObject>(ref: ObjectRef, patch: Record<string, unknown>): Promise<T>;
  /**
   * Watches one object until `done` holds (it receives undefined once the object is deleted); throws a
   * DrillError naming `what` after timeoutMs.
   */
  watchUntil<T extends KubeObject>(
    ref: ObjectRef,
    done: (obj: T | undefined) => boolean,
    opts: { timeoutMs: number; what: string; signal?: AbortSignal },
  ): Promise<T | undefined>;
  exec(namespace: string, pod: string, container: string, command: string[], opts?: ExecOptions): Promise<ExecResult>;
  portForward(namespace: string, pod: string, port: number): Promise<LocalForward>;
  podLayout(namespace: string, pod: string): PodLayout;
  /** Where processes inside the cluster reach a Service's port. */
  serviceAddress(namespace: string, service: string, port: number): { host: string; port: number };
  /** Where processes inside the cluster reach one pod of a StatefulSet (through its headless Service). */
  podAddress(namespace: string, service: string, pod: string): { host: string; port: number };
  close(): Promise<void>;
}
