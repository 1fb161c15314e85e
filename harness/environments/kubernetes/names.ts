import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

/** The same label keys as the container environments: `drdrill gc` finds leftovers by them. */
export const RUN_LABEL = 'org.drdrill.run';
export const DRILL_LABEL = 'org.drdrill.drill';
export const INSTANCE_LABEL = 'org.drdrill.instance';
export const COMPONENT_LABEL = 'org.drdrill.component';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'drdrill' } as const;
/** host:pid of the drdrill process that owns a namespace (an annotation: label values cannot hold ":"). */
export const OWNER_ANNOTATION = 'org.drdrill.owner';
export const RUN_ID_ANNOTATION = 'org.drdrill.run-id';
export const FIELD_MANAGER = 'drdrill';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** RFC 1123 label: what namespaces, Services and most object names must be. */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/**
 * A DNS label made from free text: lower-cased, other characters replaced by "-", and, when too long, cut
 * with a short hash of the whole so two long names never collide.
 */
export function dnsLabel(text: string, max = 63): string {
  const clean = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (clean.length <= max && clean) return clean;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${clean.slice(0, max - 9).replace(/-+$/, '')}-${hash}`;
}

/** The namespace of one drill run: `<prefix>-<runId>`, cut to 63 characters. */
export function namespaceFor(prefix: string, runId: string): string {
  return dnsLabel(`${prefix}-${runId}`);
}

/** runIds hold the drill name and may pass 63 characters; the label keeps them unique when cut. */
export function runLabelValue(runId: string): string {
  return isLabelValue(runId) ? runId : dnsLabel(runId);
}

export function runLabels(runId: string, drill: string): Record<string, string> {
  return { ...MANAGED_BY, [RUN_LABEL]: runLabelValue(runId), [DRILL_LABEL]: dnsLabel(drill) };
}

export function ownerAnnotations(runId: string): Record<string, string> {
  return { [OWNER_ANNOTATION]: `${hostname()}:${process.pid}`, [RUN_ID_ANNOTATION]: runId };
}

/**
 * StatefulSet names end up in the pod name (`<name>-0`) and in the controller-revision-hash label
 * (`<name>-<10 characters>`), which must stay a 63-character label value: 52 characters at most.
 */
export function statefulSetName(instance: string): string {
  return dnsLabel(instance, 52);
}

export function podOf(statefulSet: string): string {
  return `${statefulSet}-0`;
}

export function dataClaimOf(statefulSet: string, volume: 'data' | 'wal' = 'data'): string {
  return `${volume}-${podOf(statefulSet)}`;
}
