import { KNOWN_METRICS } from '../harness/scenario/objectives.js';
import type { CheckStatus, PhaseStatus, Verdict } from '../harness/engine/journal.js';

/** "41.2 s", "2 min 05 s", "1 h 02 min": readable by people who were not there. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 10) return `${trimZeros(seconds.toFixed(2))} s`;
  if (seconds < 100) return `${trimZeros(seconds.toFixed(1))} s`;
  if (seconds < 600) return `${Math.round(seconds)} s`;
  if (seconds < 3600) {
    const s = Math.round(seconds % 60);
    return s ? `${Math.floor(seconds / 60)} min ${pad(s)} s` : `${Math.floor(seconds / 60)} min`;
  }
  const m = Math.round((seconds % 3600) / 60);
  return m ? `${Math.floor(seconds / 3600)} h ${pad(m)} min` : `${Math.floor(seconds / 3600)} h`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[i]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "14:03:07" in UTC, the time zone every drill journal is written in. */
export function formatClock(iso: string): string {
  return iso.slice(11, 19);
}

/** "2025-10-21 14:03:07 UTC" */
export function formatDateTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export function formatDate(iso: string): string {
  return iso.slice(0, 10);
}

export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 100)} %`;
}

const METRIC_LABELS: Record<string, string> = {
  'rto.serviceSeconds': 'RTO',
  'rto.dataRestoredSeconds': 'RTO (data restored)',
  'rto.verifiedSeconds': 'RTO (data verified)',
  'rpo.lostAckedWrites': 'RPO',
  'rpo.lostSeconds': 'RPO (seconds of lost writes)',
  'rpo.lostBeforeTarget': 'RPO (writes lost before the recovery target)',
  'rpo.discardedAfterTarget': 'writes discarded after the recovery target',
  'detection.pendingSeconds': 'alert pending after the fault',
  'detection.firingSeconds': 'time to detect (alert firing)',
  'migration.writeDowntimeSeconds': 'write downtime at the switch',
  'migration.lagAtCutoverSeconds': 'replication lag at cutover',
  'migration.freezeSeconds': 'write freeze of the switch',
  'migration.copy.seconds': 'copy time',
  'migration.divergentRows': 'rows differing old vs new',
  'restore.seconds': 'restore time',
  'backup.ageSeconds': 'backup age',
};

export function metricLabel(metric: string): string {
  return METRIC_LABELS[metric] ?? metric;
}

export function isTimeMetric(metric: string): boolean {
  return KNOWN_METRICS[metric] === 'seconds' || metric.startsWith('rto.');
}

export function formatMetric(metric: string, value: number | null | undefined): string {
  if (value === null || value === undefined) return 'not measured';
  if (isTimeMetric(metric)) return formatSeconds(value);
  const noun = metric.endsWith('Rows') ? 'row' : 'write';
  return `${formatCount(value)} ${noun}${value === 1 ? '' : 's'}`;
}

const VERDICT_WORDS: Record<Verdict, string> = {
  passed: 'PASSED',
  failed: 'FAILED',
  error: 'ERROR',
  interrupted: 'INTERRUPTED',
  timedout: 'TIMED OUT',
  skipped: 'SKIPPED',
};

export function verdictWord(verdict: Verdict): string {
  return VERDICT_WORDS[verdict];
}

export function statusSymbol(
  status: PhaseStatus | CheckStatus | 'met' | 'missed' | 'not-measured' | 'not-tested' | 'not-met',
): string {
  switch (status) {
    case 'passed':
    case 'met':
      return '✔';
    case 'failed':
    case 'missed':
    case 'not-met':
      return '✘';
    case 'error':
    case 'timedout':
    case 'interrupted':
      return '⚠';
    default:
      return '–';
  }
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
