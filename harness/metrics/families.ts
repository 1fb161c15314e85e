/**
 * Every metric drdrill publishes. All are gauges: each value describes the last run of one drill (a lost-write
 * count of 3 then 0 is two runs, not a counter going backwards), so none ends in `_total`. Base units only.
 * Every series carries the labels `drill` and `environment`; `labels` lists any others.
 */
export interface MetricFamily {
  help: string;
  /** OpenMetrics unit; the name ends with `_<unit>`. */
  unit?: 'seconds' | 'bytes' | 'bytes_per_second';
  labels: readonly string[];
}

export const BASE_LABELS = ['drill', 'environment'] as const;

export const METRIC_FAMILIES = {
  drdrill_last_run_timestamp_seconds: {
    help: 'Unix time the last run of the drill finished, whatever its verdict.',
    unit: 'seconds',
    labels: [],
  },
  drdrill_last_success_timestamp_seconds: {
    help: 'Unix time the last passing run of the drill finished; kept from earlier runs when the last one did not pass.',
    unit: 'seconds',
    labels: [],
  },
  drdrill_verdict: {
    help: 'Verdict of the last run of the drill: 1 for its verdict, 0 for the others.',
    labels: ['verdict'],
  },
  drdrill_run_duration_seconds: {
    help: 'Wall time of the last run of the drill, from provision to teardown.',
    unit: 'seconds',
    labels: [],
  },
  drdrill_rto_service_seconds: {
    help: 'RTO: from the fault to the first acknowledged write on the recovered primary (rto.serviceSeconds).',
    unit: 'seconds',
    labels: [],
  },
  drdrill_rto_verified_seconds: {
    help: 'RTO: from the fault to the data verified (rto.verifiedSeconds).',
    unit: 'seconds',
    labels: [],
  },
  drdrill_rto_data_restored_seconds: {
    help: 'RTO: from the fault to the damaged data back (rto.dataRestoredSeconds).',
    unit: 'seconds',
    labels: [],
  },
  drdrill_rto_outage_seconds: {
    help: 'Seconds the ledger could not write during the last run (rto.outage; 0 when there was none).',
    unit: 'seconds',
    labels: [],
  },
  drdrill_rpo_lost_acked_writes: {
    help: 'RPO: acknowledged ledger writes missing after recovery (rpo.lostAckedWrites).',
    labels: [],
  },
  drdrill_rpo_lost_seconds: {
    help: 'RPO: seconds between the first and the last lost acknowledged write (rpo.lostSeconds).',
    unit: 'seconds',
    labels: [],
  },
  drdrill_rpo_table_lost_acked_writes: {
    help: 'RPO per table: acknowledged writes to the table missing after recovery (rpo.tables).',
    labels: ['table'],
  },
  drdrill_backup_size_bytes: {
    help: 'Size of the newest backup of each method; origin is drill for a backup the drill took, existing for a backup a restore test restored.',
    unit: 'bytes',
    labels: ['method', 'origin'],
  },
  drdrill_backup_age_seconds: {
    help: 'Age of the restored backup when the restore test started (backup.ageSeconds).',
    unit: 'seconds',
    labels: [],
  },
  drdrill_restore_duration_seconds: {
    help: 'Wall time of the restore (restore.seconds).',
    unit: 'seconds',
    labels: [],
  },
  drdrill_restore_size_bytes: {
    help: 'Bytes the restore fetched (restore.bytes).',
    unit: 'bytes',
    labels: [],
  },
  drdrill_restore_throughput_bytes_per_second: {
    help: 'Restore throughput: restore.bytes over restore.seconds.',
    unit: 'bytes_per_second',
    labels: [],
  },
  drdrill_detection_pending_seconds: {
    help: 'From the fault to the alert pending, its expression true (detection.pendingSeconds).',
    unit: 'seconds',
    labels: ['alert'],
  },
  drdrill_detection_firing_seconds: {
    help: "From the fault to the alert firing: pending plus the rule's for (detection.firingSeconds).",
    unit: 'seconds',
    labels: ['alert'],
  },
} as const satisfies Record<string, MetricFamily>;

export type MetricName = keyof typeof METRIC_FAMILIES;

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRIC_FAMILIES, name);
}

/** One sample: a family, its labels (drill and environment included) and a finite value. */
export interface Sample {
  name: MetricName;
  labels: Record<string, string>;
  value: number;
}
