import { describe, expect, it } from 'vitest';
import { Interruption, TaskRunner, type Task } from './task-runner.js';

function tasks(log: string[], failAt?: string): Task<object>[] {
  return ['a', 'b', 'c'].map((t) => ({
    title: t,
    setup: async () => {
      log.push(`setup ${t}`);
      if (t === failAt) throw new Error(`boom in ${t}`);
    },
    teardown: async () => void log.push(`teardown ${t}`),
  }));
}

describe('TaskRunner', () => {
  it('runs teardowns in reverse order after success', async () => {
    const log: string[] = [];
    const runner = new TaskRunner<object>(new AbortController().signal);
    expect((await runner.run(tasks(log), {})).status).toBe('passed');
    await runner.runTeardowns(() => {});
    expect(log).toEqual(['setup a', 'setup b', 'setup c', 'teardown c', 'teardown b', 'teardown a']);
  });

  it('still tears down the failed task and everything before it', async () => {
    const log: string[] = [];
    const runner = new TaskRunner<object>(new AbortController().signal);
    const result = await runner.run(tasks(log, 'b'), {});
    await runner.runTeardowns(() => {});
    expect(result).toMatchObject({ status: 'failed', at: 'b' });
    expect(log).toEqual(['setup a', 'setup b', 'teardown b', 'teardown a']);
  });

  it('stops at an abort and reports it as interrupted', async () => {
    const controller = new AbortController();
    const runner = new TaskRunner<object>(controller.signal);
    const log: string[] = [];
    const slow: Task<object>[] = [
      {
        title: 'slow',
        setup: () => new Promise((r) => setTimeout(r, 5000)),
        teardown: async () => void log.push('teardown slow'),
      },
      { title: 'never', setup: async () => void log.push('setup never') },
    ];
    setTimeout(() => controller.abort(new Interruption('interrupted', 'SIGINT received')), 20);
    const result = await runner.run(slow, {});
    await runner.runTeardowns(() => {});
    expect(result).toMatchObject({ status: 'interrupted', at: 'slow' });
    expect(log).toEqual(['teardown slow']);
  });

  it('keeps tearing down when a teardown fails', async () => {
    const runner = new TaskRunner<object>(new AbortController().signal);
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
