import { describe, expect, it } from 'vitest';
import { Interruption, TaskRunner, type Task } from './task-runner.js';

/** Tasks that each register their own teardown once they have made something, as drill resources do. */
function tasks(runner: TaskRunner, log: string[], failAt?: string): Task[] {
  return ['a', 'b', 'c'].map((t) => ({
    title: t,
    run: async () => {
      log.push(`run ${t}`);
      runner.addTeardown(`teardown ${t}`, async () => void log.push(`teardown ${t}`));
      if (t === failAt) throw new Error(`boom in ${t}`);
    },
  }));
}

describe('TaskRunner', () => {
  it('runs teardowns in reverse order after success', async () => {
    const log: string[] = [];
    const runner = new TaskRunner(new AbortController().signal);
    expect((await runner.run(tasks(runner, log))).status).toBe('passed');
    await runner.runTeardowns(() => {});
    expect(log).toEqual(['run a', 'run b', 'run c', 'teardown c', 'teardown b', 'teardown a']);
  });

  it('still tears down the failed task and everything before it, and runs nothing after it', async () => {
    const log: string[] = [];
    const runner = new TaskRunner(new AbortController().signal);
    const result = await runner.run(tasks(runner, log, 'b'));
    await runner.runTeardowns(() => {});
    expect(result).toMatchObject({ status: 'failed', at: 'b' });
    expect(log).toEqual(['run a', 'run b', 'teardown b', 'teardown a']);
  });

  it('stops at an abort and reports it as interrupted', async () => {
    const controller = new AbortController();
    const runner = new TaskRunner(controller.signal);
    const log: string[] = [];
    const slow: Task[] = [
      {
        title: 'slow',
        run: () => {
          runner.addTeardown('teardown slow', async () => void log.push('teardown slow'));
          return new Promise((r) => setTimeout(r, 300));
        },
      },
      { title: 'never', run: async () => void log.push('run never') },
    ];
    setTimeout(() => controller.abort(new Interruption('interrupted', 'SIGINT received')), 20);
    const result = await runner.run(slow);
    await runner.runTeardowns(() => {});
    expect(result).toMatchObject({ status: 'interrupted', at: 'slow' });
    expect(log).toEqual(['teardown slow']);
  });

  it('lets a step cut short finish creating what it was creating, then tears that down too', async () => {
    const controller = new AbortController();
    const runner = new TaskRunner(controller.signal);
    const log: string[] = [];
    const creating: Task = {
      title: 'create container',
      run: async () => {
        await new Promise((r) => setTimeout(r, 200));
        runner.addTeardown('remove container', async () => void log.push('remove container'));
      },
    };
    setTimeout(() => controller.abort(new Interruption('interrupted', 'SIGINT received')), 20);
    expect(await runner.run([creating], { settleMs: 5000 })).toMatchObject({
      status: 'interrupted',
      at: 'create container',
    });
    await runner.runTeardowns(() => {});
    expect(log).toEqual(['remove container']);
  });

  it('gives up waiting for a hung step after the settle budget and tears down the rest', async () => {
    const controller = new AbortController();
    const runner = new TaskRunner(controller.signal);
    const log: string[] = [];
    runner.addTeardown('stop postgres', async () => void log.push('stop postgres'));
    const hung: Task = { title: 'restore', run: () => new Promise(() => {}) };
    setTimeout(() => controller.abort(new Interruption('timedout', 'deadline passed')), 20);
    const t0 = Date.now();
    expect(await runner.run([hung], { settleMs: 100 })).toMatchObject({ status: 'timedout', at: 'restore' });
    expect(Date.now() - t0).toBeLessThan(2000);
    await runner.runTeardowns(() => {});
    expect(log).toEqual(['stop postgres']);
  });

  it('keeps tearing down when a teardown fails', async () => {
    const runner = new TaskRunner(new AbortController().signal);
    const log: string[] = [];
    runner.addTeardown('first', async () => void log.push('first'));
    runner.addTeardown('broken', async () => {
      throw new Error('umount: busy');
    });
    const errors: string[] = [];
    await runner.runTeardowns((title, err) => errors.push(`${title}: ${(err as Error).message}`));
    expect(errors).toEqual(['broken: umount: busy']);
    expect(log).toEqual(['first']);
  });
});
