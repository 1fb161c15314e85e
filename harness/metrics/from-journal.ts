import type { Journal, Verdict } from '../engine/journal.js';
import type { MetricName, Sample } from './families.js';

export const VERDICTS: readonly Verdict[] = ['passed', 'failed', 'error', 'interrupted', 'timedout', 'skipped'];

/** The labels that name one drill's series: its name and the environment kind it ran on. */
export interface DrillKey {
  drill: string;
  environment: string;
}

export function drillKey(journal: Journal): DrillKey {
  return {
    drill: journal.drill,
    environment: journal.environment?.kind ?? journal.scenario?.parsed?.environment?.kind ?? 'native',
  };
}

export function keyString(key: DrillKey): string {
  return `${key.drill}\u0000${key.environment}`;
}

export function finishedAtSeconds(journal: Journal): number {
  return Date.parse(journal.finishedAt) / 1000;
}

/**
 * The samples one journal gives, except the last success of earlier runs (see merge.ts). Figures the run did not
 * measure are absent, never zero. Fields added after schema version 1 (rto.dataRestoredSeconds, rto.outage,
 * rpo.tables, backup.*, restore.*, detection.*) are read when present.
 */
export function samplesFromJournal(journal: Journal): Sample[] {
  const key = drillKey(journal);
  const out: Sample[] = [];
  const add = (name: MetricName, value: unknown, extra: Record<string, string> = {}) => {
    if (typeof value === 'number' && Number.isFinite(value)) out.push({ name, labels: { ...key, ...extra }, value });
  };
  const m = journal.measurements as Record<string, unknown>;
  const rto = record(m.rto);
  const rpo = record(m.rpo);
  const backup = record(m.backup);
  const restore = record(m.restore);
  const detection = record(m.detection);

  const finished = finishedAtSeconds(journal);
  add('drdrill_last_run_timestamp_seconds', finished);
  if (journal.verdict === 'passed') add('drdrill_last_success_timestamp_seconds', finished);
  for (const v of VERDICTS) add('drdrill_verdict', v === journal.verdict ? 1 : 0, { verdict: v });
  add('drdrill_run_duration_seconds', journal.seconds);

  add('drdrill_rto_service_seconds', rto.serviceSeconds);
  add('drdrill_rto_verified_seconds', rto.verifiedSeconds);
  add('drdrill_rto_data_restored_seconds', rto.dataRestoredSeconds);
  add('drdrill_rto_outage_seconds', rto.outage === 'none' ? 0 : record(rto.outage).seconds);
  add('drdrill_rpo_lost_acked_writes', rpo.lostAckedWrites);
  add('drdrill_rpo_lost_seconds', rpo.lostSeconds);
  for (const [table, counts] of perTable(rpo.tables))
    add('drdrill_rpo_table_lost_acked_writes', counts.lost, { table });

  for (const b of newestPerMethod(journal.backups ?? []))
    add('drdrill_backup_size_bytes', b.bytes, { method: b.method, origin: 'drill' });
  if (typeof backup.method === 'string')
    add('drdrill_backup_size_bytes', backup.bytes, { method: backup.method, origin: 'existing' });
  add('drdrill_backup_age_seconds', backup.ageSeconds);

  add('drdrill_restore_duration_seconds', restore.seconds);
  add('drdrill_restore_size_bytes', restore.bytes);
  const seconds = restore.seconds;
  if (typeof restore.bytes === 'number' && typeof seconds === 'number' && seconds > 0)
    add('drdrill_restore_throughput_bytes_per_second', restore.bytes / seconds);

  if (typeof detection.alert === 'string') {
    add('drdrill_detection_pending_seconds', detection.pendingSeconds, { alert: detection.alert });
    add('drdrill_detection_firing_seconds', detection.firingSeconds, { alert: detection.alert });
  }
  return out;
}

function newestPerMethod(backups: Journal['backups']): Journal['backups'] {
  const newest = new Map<string, Journal['backups'][number]>();
  for (const b of backups) {
    const seen = newest.get(b.method);
    if (!seen || Date.parse(b.finishedAt) >= Date.parse(seen.finishedAt)) newest.set(b.method, b);
  }
  return [...newest.values()];
}

/** rpo.tables as a map by table name, or as a list of entries that name their table. */
function perTable(tables: unknown): [string, Record<string, unknown>][] {
  if (Array.isArray(tables))
    return tables
      .map(record)
      .filter((t) => typeof t.table === 'string')
      .map((t) => [t.table as string, t]);
  return Object.entries(record(tables)).map(([table, counts]) => [table, record(counts)]);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
