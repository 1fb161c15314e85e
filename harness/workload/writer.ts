import { createWriteStream, type WriteStream } from 'node:fs';
import type pg from 'pg';
import { budgetMs } from '../engine/budgets.js';
import type { ConnectionInfo } from '../environments/types.js';
import { now } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { connectClient, withClient } from '../util/pg-client.js';
import { ackLine, changeLines } from './ack-files.js';
import { CREATE_LEDGER_SQL, LEDGER_TABLE } from './ledger-table.js';
import type { Ack, FailedWrite, PlannedWrite, WriteProfile } from './writes.js';

export interface WorkloadTarget {
  index: number;
  label: string;
  /** Epoch ms (monotonic clock) when the writer was pointed at it. */
  since: number;
  conn: ConnectionInfo;
}

export interface WorkloadWriterOptions {
  rate: number | 'max';
  profile: WriteProfile;
  /** `seq,ackAt,sentAt,target,txid,lsn,serverAt,kind` per acknowledged write. */
  ackFile: string;
  /** `seq,table,op,key,column,value` per dataset row an acknowledged write changed. */
  changeFile: string;
  logger: Logger;
}

/**
 * The application under test: commits numbered writes at a fixed rate, each one statement that inserts its
 * ledger row and changes the dataset (per the write profile), and records every acknowledged one in memory
 * and in append-only files. When the server goes away it records the failures and retries with backoff; it
 * follows a new primary when told to.
 */
export class WorkloadWriter {
  readonly acks: Ack[] = [];
  readonly failures: FailedWrite[] = [];
  readonly targets: WorkloadTarget[] = [];
  private _seq = 0;
  private _client?: { target: number; client: pg.Client };
  private _running = false;
  private _loop?: Promise<void>;
  private _acksOut?: WriteStream;
  private _changesOut?: WriteStream;
  private _wake?: () => void;
  private _gate?: { release: () => void; opened: Promise<void> };
  private _busy = false;
  private _idle: (() => void)[] = [];
  private _mirror?: { label: string; conn: ConnectionInfo; since: number; client?: pg.Client };
  /** Dual-target mode: writes that committed on the first target but not on the mirror, per table. */
  readonly divergence: Record<string, { writes: number; firstSeq: number; lastSeq: number; error: string }> = {};
  /** Writes acknowledged by both targets in dual-target mode. */
  mirroredAcks = 0;

  constructor(private readonly _opts: WorkloadWriterOptions) {}

  static async createTable(conn: ConnectionInfo): Promise<void> {
    await withClient(conn, (c) => c.query(CREATE_LEDGER_SQL));
  }

  get profile(): WriteProfile {
    return this._opts.profile;
  }

  get lastSeq(): number {
    return this._seq;
  }

  get currentTarget(): WorkloadTarget | undefined {
    return this.targets.at(-1);
  }

  get running(): boolean {
    return this._running;
  }

  start(conn: ConnectionInfo, label = 'primary'): void {
    if (this._running) throw new Error('workload writer already running');
    this._acksOut = createWriteStream(this._opts.ackFile, { flags: 'a' });
    this._changesOut = createWriteStream(this._opts.changeFile, { flags: 'a' });
    this.targets.push({ index: 0, label, since: now(), conn });
    this._running = true;
    this._loop = this._run();
  }

  /** Points the writer at a new primary; the connection to the old one is closed and never reused. */
  retarget(conn: ConnectionInfo, label: string): void {
    this.targets.push({ index: this.targets.length, label, since: now(), conn });
    this._opts.logger.debug(`workload: retargeted to ${label} (${conn.host}:${conn.port})`);
    // A write in flight finishes where it was sent; the next one connects to the new primary.
    this._wake?.();
  }

  /**
   * Holds the writer between two writes: resolves once no write is in flight, and no write is sent until
   * resume(). What happens meanwhile is one consistent cut of everything the writer wrote.
   */
  async pause(): Promise<void> {
    if (!this._gate) {
      let release!: () => void;
      const opened = new Promise<void>((r) => (release = r));
      this._gate = { release, opened };
    }
    this._wake?.();
    if (this._busy) await new Promise<void>((r) => this._idle.push(r));
  }

  resume(): void {
    const gate = this._gate;
    this._gate = undefined;
    gate?.release();
  }

  get paused(): boolean {
    return this._gate !== undefined;
  }

  /** Runs fn between two writes (the writer paused), then lets it go on. */
  async between<T>(fn: () => Promise<T>): Promise<T> {
    await this.pause();
    try {
      return await fn();
    } finally {
      this.resume();
    }
  }

  /**
   * Dual-target mode: every write that commits on the current target is then written to this one too (the
   * profile's mirror statement), and acknowledged only when both committed. A write the mirror refused is not
   * acknowledged and counts as a divergence of the tables it changed.
   */
  mirrorTo(conn: ConnectionInfo, label: string): void {
    this._dropMirror();
    this._mirror = { label, conn, since: now() };
    this._opts.logger.debug(`workload: writing to ${label} too (${conn.host}:${conn.port})`);
  }

  stopMirror(): void {
    this._dropMirror();
  }

  get mirrorLabel(): string | undefined {
    return this._mirror?.label;
  }

  async stop(): Promise<void> {
    if (!this._running) return;
    this._running = false;
    this.resume();
    this._wake?.();
    await this._loop;
    this._dropClient();
    this._dropMirror();
    await Promise.all([this._acksOut, this._changesOut].map((s) => new Promise<void>((r) => (s ? s.end(r) : r()))));
  }

  private async _run(): Promise<void> {
    const interval = this._opts.rate === 'max' ? 0 : 1000 / this._opts.rate;
    let next = performance.now();
    let backoff = 50;
    const failed = async () => {
      await this._sleep(backoff);
      backoff = Math.min(backoff * 2, 1000);
    };
    while (this._running) {
      if (interval > 0) {
        const wait = next - performance.now();
        if (wait > 0) await this._sleep(wait);
        next = Math.max(next + interval, performance.now() - interval);
        if (!this._running) break;
      }
      if (this._gate) {
        await this._gate.opened;
        next = performance.now();
        continue;
      }
      this._busy = true;
      try {
        backoff = (await this._writeOnce(failed)) ?? backoff;
      } finally {
        this._busy = false;
        for (const r of this._idle.splice(0)) r();
      }
    }
  }

  /** One write: the new backoff after a success, undefined after a failure (already waited for). */
  private async _writeOnce(failed: () => Promise<void>): Promise<number | undefined> {
    const target = this.currentTarget!;
    let client: pg.Client;
    try {
      client = await this._connect(target);
    } catch (err) {
      this._recordFailure(undefined, target.index, 'connect', err, false);
      await failed();
      return undefined;
    }
    const seq = ++this._seq;
    const write = this._opts.profile.next(seq);
    const sentAt = now();
    try {
      const result = await client.query<Record<string, unknown>>(write.sql, [seq, ...write.params]);
      const row = result.rows[0] ?? {};
      if (this._mirror && !(await this._mirrorWrite(seq, write, row))) {
        await failed();
        return undefined;
      }
      const ack: Ack = {
        seq,
        ackAt: now(),
        sentAt,
        target: target.index,
        txid: String(row.txid),
        lsn: String(row.lsn),
        serverAt: Number(row.server_ms),
        kind: write.kind,
        changes: write.changes(row),
      };
      this.acks.push(ack);
      this._opts.profile.acknowledged(ack);
      this._acksOut!.write(ackLine(ack));
      this._changesOut!.write(changeLines(ack));
      return 50;
    } catch (err) {
      this._recordFailure(seq, target.index, write.kind, err, isConnectionError(err));
      if (isConnectionError(err)) this._dropClient();
      await failed();
      return undefined;
    }
  }

  /** Writes what the first target committed to the mirror too; false (and a divergence) if it refused. */
  private async _mirrorWrite(seq: number, write: PlannedWrite, row: Record<string, unknown>): Promise<boolean> {
    const mirror = this._mirror!;
    const tables = [LEDGER_TABLE, ...new Set(write.changes(row).map((c) => c.table))];
    try {
      if (!write.mirror) throw new Error(`the ${this._opts.profile.name} profile cannot mirror a ${write.kind} write`);
      const planned = write.mirror(row);
      mirror.client ??= await connectClient(mirror.conn, {
        connectTimeoutMs: 1500,
        queryTimeoutMs: budgetMs('write'),
        applicationName: 'drdrill-workload-mirror',
      });
      await mirror.client.query(planned.sql, [seq, ...planned.params]);
      this.mirroredAcks++;
      return true;
    } catch (err) {
      const message = `${mirror.label}: ${err instanceof Error ? err.message : String(err)}`;
      for (const t of tables) {
        const d = (this.divergence[t] ??= { writes: 0, firstSeq: seq, lastSeq: seq, error: message });
        d.writes++;
        d.lastSeq = seq;
      }
      this._recordFailure(seq, this.currentTarget!.index, write.kind, new Error(message), false);
      if (isConnectionError(err)) this._dropMirror();
      return false;
    }
  }

  private _dropMirror(): void {
    const held = this._mirror?.client;
    this._mirror = undefined;
    void held?.end().catch(() => {});
  }

  private async _connect(target: WorkloadTarget): Promise<pg.Client> {
    if (this._client?.target === target.index) return this._client.client;
    this._dropClient();
    const client = await connectClient(target.conn, {
      connectTimeoutMs: 1500,
      queryTimeoutMs: budgetMs('write'),
      applicationName: 'drdrill-workload',
    });
    // A retarget while connecting: this connection goes to an old primary and must not be used.
    if (this.currentTarget?.index !== target.index) {
      await client.end().catch(() => {});
      throw new Error(`retargeted to ${this.currentTarget?.label} while connecting to ${target.label}`);
    }
    client.on('error', () => {
      if (this._client?.client === client) this._client = undefined;
    });
    this._client = { target: target.index, client };
    return client;
  }

  private _dropClient(): void {
    const held = this._client;
    this._client = undefined;
    void held?.client.end().catch(() => {});
  }

  private _recordFailure(seq: number | undefined, target: number, kind: string, err: unknown, ambiguous: boolean) {
    const message = err instanceof Error ? err.message : String(err);
    this.failures.push({ seq: seq ?? 0, at: now(), target, kind, error: message, ambiguous: ambiguous && !!seq });
  }

  private _sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this._wake = done;
    });
  }
}

/** An error after the statement was sent on a broken connection: it may or may not have committed. */
function isConnectionError(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | undefined)?.code;
  return (
    /Connection terminated|ECONNRESET|EPIPE|Query read timeout|terminating connection/.test(msg) ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03'
  );
}
