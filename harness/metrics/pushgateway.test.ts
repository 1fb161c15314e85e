import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../../reports/fixtures/index.js';
import type { Journal } from '../engine/journal.js';
import { prometheusToolsOrSkip } from '../testing/prometheus-tools.js';
import { tempDir } from '../testing/run-cli.js';
import { freePort } from '../util/ports.js';
import { startLoopbackDaemon, type LoopbackDaemon } from './loopback-daemon.js';
import { groupPath, Pushgateway } from './pushgateway.js';

const tools = prometheusToolsOrSkip('pushes to the real Pushgateway', ['pushgateway']);

describe.skipIf(Boolean(tools.skip))('--pushgateway against the real prometheus-pushgateway', () => {
  let gw: LoopbackDaemon | undefined;
  const page = async () => (await fetch(`${gw!.url}/metrics`)).text();
  /** The value of one series on the page, as a number (the Pushgateway prints 1.761055415806e+09). */
  const series = (text: string, name: string, labels: string) => {
    const found = text.match(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm'))?.[1];
    return found === undefined ? undefined : Number(found);
  };

  beforeAll(async () => {
    // In memory only: the Debian default persists to /var/lib/prometheus.
    gw = await startLoopbackDaemon({
      tool: 'pushgateway',
      args: (listen) => [`--web.listen-address=${listen}`, '--persistence.file=', '--log.level=warn'],
      readyPath: '/-/ready',
    });
  });
  afterAll(() => gw?.stop());

  it('replaces one group per drill and environment under job drdrill, keeping the last success', async () => {
    const pushgateway = await Pushgateway.open(gw!.url);
    const passed = loadFixture('passed');
    expect(await pushgateway.push([passed, loadFixture('failed')])).toEqual([
      `${gw!.url}/metrics/job/drdrill/drill/accidental-delete/environment/native`,
      `${gw!.url}/metrics/job/drdrill/drill/replica-failover/environment/native`,
    ]);
    const labels = 'drill="accidental-delete",environment="native",instance="",job="drdrill"';
    let text = await page();
    expect(series(text, 'drdrill_rto_service_seconds', labels)).toBe(41.217);
    expect(series(text, 'drdrill_verdict', `${labels},verdict="passed"`)).toBe(1);
    expect(series(text, 'drdrill_last_success_timestamp_seconds', labels)).toBe(Date.parse(passed.finishedAt) / 1000);
    expect(series(text, 'drdrill_rpo_lost_acked_writes', labels.replace('accidental-delete', 'replica-failover'))).toBe(
      37,
    );

    // The next run fails before measuring anything: its figures go, the last success stays.
    const failed = { ...loadFixture('interrupted'), drill: 'accidental-delete', verdict: 'failed' } as Journal;
    await pushgateway.push([failed]);
    text = await page();
    expect(series(text, 'drdrill_verdict', `${labels},verdict="failed"`)).toBe(1);
    expect(series(text, 'drdrill_verdict', `${labels},verdict="passed"`)).toBe(0);
    expect(series(text, 'drdrill_rto_service_seconds', labels)).toBeUndefined();
    expect(series(text, 'drdrill_last_success_timestamp_seconds', labels)).toBe(Date.parse(passed.finishedAt) / 1000);
    expect(series(text, 'push_failure_time_seconds', labels)).toBe(0);
  });

  it('refuses an unreachable gateway before anything runs (exit 3), and a URL that is not http', async () => {
    const port = await freePort();
    await expect(Pushgateway.open(`http://127.0.0.1:${port}`)).rejects.toMatchObject({
      exitCode: 'missing-prerequisite',
      message: `--pushgateway http://127.0.0.1:${port}: GET /-/ready failed (ECONNREFUSED)`,
    });
    await expect(Pushgateway.open('ftp://example.org')).rejects.toMatchObject({ exitCode: 'invalid-config' });
  });

  it('sends credentials from the URL as Basic auth and never shows them', async () => {
    // A test-only password; the Pushgateway's web config holds its bcrypt hash.
    const webConfig = join(tempDir('drdrill-pushgateway-'), 'web.yml');
    writeFileSync(webConfig, 'basic_auth_users:\n  ci: $2b$04$g6.PH5PL8ymPFooTIFuPhODPZCDDhpAtT.ewNoBHZVNFJZlrMYUP.\n');
    const secured = await startLoopbackDaemon({
      tool: 'pushgateway',
      args: (listen) => [`--web.listen-address=${listen}`, '--persistence.file=', `--web.config.file=${webConfig}`],
      readyPath: '/metrics',
      ready: (status) => status === 401,
    });
    try {
      const gateway = await Pushgateway.open(secured.url.replace('http://', 'http://ci:s3cr3t-pw@'));
      expect(gateway.url).toBe(secured.url);
      await gateway.push([loadFixture('passed')]);
      const err = await Pushgateway.open(secured.url.replace('http://', 'http://ci:wrong-pw@')).then(
        () => new Error('opened'),
        (e: Error) => e,
      );
      expect(err.message).toContain(`--pushgateway ${secured.url}: GET /-/ready answered 401 Unauthorized`);
      expect(err.message).not.toContain('wrong-pw');
    } finally {
      await secured.stop();
    }
  });
});

describe('Pushgateway group paths', () => {
  it('encode values with a slash in base64url, as the Pushgateway API requires', () => {
    expect(groupPath({ drill: 'smoke', environment: 'native' })).toBe(
      '/metrics/job/drdrill/drill/smoke/environment/native',
    );
    expect(groupPath({ drill: 'a/b', environment: 'native' })).toBe(
      '/metrics/job/drdrill/drill@base64/YS9i/environment/native',
    );
  });
});
