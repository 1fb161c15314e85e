import { DrillError, errorMessage } from '../engine/errors.js';
import type { Journal } from '../engine/journal.js';
import { registerSecret } from '../util/logger.js';
import { parseExposition, renderExposition, TEXT_CONTENT_TYPE } from './exposition.js';
import { drillKey, keyString, type DrillKey } from './from-journal.js';
import { mergeRuns } from './merge.js';

export const PUSHGATEWAY_JOB = 'drdrill';
const TIMEOUT_MS = 10_000;

/**
 * `--pushgateway <url>`: one group per drill and environment (job "drdrill", grouping labels drill and
 * environment), replaced with PUT on every run. The last success is read back from the gateway first, so a
 * failed run does not erase it. Credentials in the URL (https://user:pass@host) become a Basic header and never
 * appear in messages.
 */
export class Pushgateway {
  private constructor(
    /** The base URL without credentials. */
    readonly url: string,
    private readonly _headers: Record<string, string>,
  ) {}

  /** Before any drill starts: a valid http(s) URL whose Pushgateway answers /-/ready. */
  static async open(url: string): Promise<Pushgateway> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new DrillError('invalid-config', `--pushgateway ${url}: not a URL; expected e.g. http://pushgateway:9091`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new DrillError(
        'invalid-config',
        `--pushgateway: expected an http:// or https:// URL, got ${parsed.protocol}`,
      );
    const headers: Record<string, string> = {};
    if (parsed.username || parsed.password) {
      const user = decodeURIComponent(parsed.username);
      const password = decodeURIComponent(parsed.password);
      registerSecret(password);
      headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      parsed.username = '';
      parsed.password = '';
    }
    const gateway = new Pushgateway(parsed.href.replace(/\/+$/, ''), headers);
    await gateway._request('GET', '/-/ready', undefined, 'missing-prerequisite');
    return gateway;
  }

  /** Pushes each drill's newest run; returns the group paths it replaced. */
  async push(journals: Journal[]): Promise<string[]> {
    const keys = new Map<string, DrillKey>(journals.map((j) => [keyString(drillKey(j)), drillKey(j)]));
    const published = parseExposition(await this._request('GET', '/metrics'), `${this.url}/metrics`, {
      foreign: 'ignore',
      keep: (labels) => labels.job === PUSHGATEWAY_JOB && keys.has(keyString(labels as unknown as DrillKey)),
    });
    const merged = mergeRuns(published, journals);
    const pushed: string[] = [];
    for (const [k, key] of keys) {
      const samples = merged.filter((s) => keyString(s.labels as unknown as DrillKey) === k);
      const path = groupPath(key);
      await this._request('PUT', path, renderExposition(samples, 'text'));
      pushed.push(`${this.url}${path}`);
    }
    return pushed;
  }

  private async _request(
    method: 'GET' | 'PUT',
    path: string,
    body?: string,
    failure: 'error' | 'missing-prerequisite' = 'error',
  ): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        body,
        headers: body === undefined ? this._headers : { ...this._headers, 'content-type': TEXT_CONTENT_TYPE },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? errorMessage(err);
      throw new DrillError(failure, `--pushgateway ${this.url}: ${method} ${path} failed (${cause})`);
    }
    const text = await res.text();
    if (!res.ok)
      throw new DrillError(
        failure,
        `--pushgateway ${this.url}: ${method} ${path} answered ${res.status} ${res.statusText}: ${text.trim().slice(0, 300)}`,
      );
    return text;
  }
}

/** /metrics/job/drdrill/drill/<d>/environment/<e>; a value with a slash (or empty) goes base64url-encoded. */
export function groupPath(key: DrillKey): string {
  const segment = (name: string, value: string) =>
    value === '' || value.includes('/')
      ? `/${name}@base64/${Buffer.from(value).toString('base64url') || '='}`
      : `/${name}/${encodeURIComponent(value)}`;
  return `/metrics/job/${PUSHGATEWAY_JOB}${segment('drill', key.drill)}${segment('environment', key.environment)}`;
}
