import { describe, expect, it } from 'vitest';
import { standaloneEnvironment } from '../../testing/standalone-env.js';
import { childProcesses, isSameProcess, processStartTime } from '../../util/proc.js';

describe('server processes of a SIGKILLed postmaster', () => {
  it('one that never notices its postmaster died is stopped with the instance', async () => {
    const { env, close } = await standaloneEnvironment('orphans');
    try {
      const instance = await env.createInstance({ name: 'primary', initdb: true });
      await instance.start();
      const postmaster = (instance as unknown as { pid: number }).pid;
      const checkpointer = childProcesses(postmaster).find((c) => c.cmd.includes('checkpointer'))!;
      expect(checkpointer).toBeDefined();
      // A stopped process stands in for one blocked on a lock of the dead server: it cannot see the death.
      process.kill(checkpointer.pid, 'SIGSTOP');
      await instance.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 500));
      expect(isSameProcess(checkpointer.pid, checkpointer.startTime)).toBe(true);
      await instance.stop('immediate');
      expect(processStartTime(checkpointer.pid)).toBeUndefined();
    } finally {
      await close();
    }
  });
});
