import { createWriteStream, type WriteStream } from 'node:fs';
import pg from 'pg';
import type { ConnectionInfo } from '../environments/types.js';
import type { Logger } from '../util/logger.js';
import { sleep } from '../util/retry.js';
import { CREATE_LEDGER_SQL, INSERT_LEDGER_SQL } from './ledger-table.js';

export interface Ack {
  seq: number;
  /** Wall-clock epoch ms when the commit was acknowledged. */
  ackAt: number;
  /** Wall-clock epoch ms when the INSERT was sent. */
  sentAt: number;
  /** Index of the target (0 = original primary; each retarget adds one). */
  target: number;
}

export interface FailedWrite {
  seq: number;
  at: number;
  target: number;
  error: string;
  /** The statement may have committed: the connection broke after it was sent. */
  ambiguous: boolean;
}

export interface LedgerTarget {
  index: number;
  label: string;
  since: number;
  conn: ConnectionInfo;
}

/**
 * Commits numbered rows at a fixed rate and records each acknowledged one, in memory and in an append-only
 * file (`seq,ackAt,sentAt,target`). When the server goes away it records the failures and keeps retrying
 * with backoff, and it follows a new primary when told to.
 */
export class LedgerWriter {
  readonly acks: Ack[] = [];
  readonly failures: FailedWrite[] = [];
  readonly targets: LedgerTarget[] = [];
  private _seq = 0;
  private _client?: pg.Client;
  private _running = false;
  private _loop?: Promise<void>;
  private _file?: WriteStream;
  private _wake?: () => void;

  constructor(private readonly _opts: { rate: number | 'max'; ackFile: string; logger: Logger }) {}

  static async createTable(conn: ConnectionInfo): Promise<void> {
    const c = new pg.Client(conn);
    c.on('error', () => {});
    await c.connect();
    try {
      await c.query(CREATE_LEDGER_SQL);
    } finally {
      await c.end();
    }
  }

  get lastSeq(): number {
    return this._seq;
  }
  get currentTarget(): LedgerTarget | undefined {
    return this.targets.at(-1);
  }

  start(conn: ConnectionInfo, label = 'primary'): void {
    if (this._running) throw new Error('ledger writer already running');
    this._file = createWriteStream(this._opts.ackFile, { flags: 'a' });
    this.targets.push({ index: 0, label, since: Date.now(), conn });
    this._running = true;
    this._loop = this._run();
  }

  /** Points the writer at a new primary; writes resume there. */
  retarget(conn: ConnectionInfo, label: string): void {
    this.targets.push({ index: this.targets.length, label, since: Date.now(), conn });
    this._opts.logger.debug(`ledger: retargeted to ${label} (${conn.host}:${conn.port})`);
    void this._client?.end().catch(() => {});
    this._client = undefined;
    this._wake?.();
  }

  async stop(): Promise<void> {
    if (!this._running) return;
    this._running = false;
    this._wake?.();
    await this._loop;
    await this._client?.end().catch(() => {});
    this._client = undefined;
    await new Promise<void>((r) => (this._file ? this._file.end(r) : r()));
  }

  /** Resolves once `n` more writes have been acknowledged (or the timeout passes). */
  async waitForAcks(n: number, timeoutMs: number): Promise<boolean> {
    const goal = this.acks.length + n;
    const deadline = Date.now() + timeoutMs;
    while (this.acks.length < goal && Date.now() < deadline) await sleep(20);
    return this.acks.length >= goal;
  }

  firstAckOnTarget(index: number): Ack | undefined {
    return this.acks.find((a) => a.target === index);
  }

  private async _run(): Promise<void> {
    const interval = this._opts.rate === 'max' ? 0 : 1000 / this._opts.rate;
    let next = performance.now();
    let backoff = 50;
    while (this._running) {
      if (interval > 0) {
        const wait = next - performance.now();
        if (wait > 0) await this._sleep(wait);
        next = Math.max(next + interval, performance.now() - interval);
        if (!this._running) break;
      }
      const target = this.currentTarget!;
      let client: pg.Client;
      try {
        client = await this._connect(target);
      } catch (err) {
        this._recordFailure(undefined, target.index, err, false);
        await this._sleep(backoff);
        backoff = Math.min(backoff * 2, 1000);
        continue;
      }
      const seq = ++this._seq;
      const sentAt = Date.now();
      try {
        await client.query(INSERT_LEDGER_SQL, [seq]);
        const ack: Ack = { seq, ackAt: Date.now(), sentAt, target: target.index };
        this.acks.push(ack);
        this._file!.write(`${seq},${ack.ackAt},${sentAt},${target.index}\n`);
        backoff = 50;
      } catch (err) {
        this._recordFailure(seq, target.index, err, isConnectionError(err));
        if (this._client === client) {
          void client.end().catch(() => {});
          this._client = undefined;
        }
        await this._sleep(backoff);
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  }

  private async _connect(target: LedgerTarget): Promise<pg.Client> {
    if (this._client) return this._client;
    const client = new pg.Client({
      ...target.conn,
      connectionTimeoutMillis: 1500,
      query_timeout: 10_000,
      application_name: 'drdrill-ledger',
    });
    client.on('error', () => {
      if (this._client === client) this._client = undefined;
    });
    await client.connect().catch(async (err) => {
      await client.end().catch(() => {});
      throw err;
    });
    this._client = client;
    return client;
  }

  private _recordFailure(seq: number | undefined, target: number, err: unknown, ambiguous: boolean): void {
    const message = err instanceof Error ? err.message : String(err);
    this.failures.push({
      seq: seq ?? 0,
      at: Date.now(),
      target,
      error: message,
      ambiguous: ambiguous && seq !== undefined,
    });
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
  const code = (err as { code?: string })?.code;
  return (
    /Connection terminated|ECONNRESET|EPIPE|Query read timeout|terminating connection/.test(msg) ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03'
  );
}

/** Reads an ack file written by LedgerWriter (tests count from it independently). */
export function parseAckFile(text: string): Ack[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [seq, ackAt, sentAt, target] = line.split(',').map(Number);
      return { seq: seq!, ackAt: ackAt!, sentAt: sentAt!, target: target! };
    });
}
