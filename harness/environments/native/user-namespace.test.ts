import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/run-cli.js';
import { processStartTime } from '../../util/proc.js';
import { blockingSysctl, UserNamespace, userNamespaceSupport } from './user-namespace.js';

describe('size-limited volumes in an unprivileged user namespace', () => {
  const support = userNamespaceSupport();
  if (!support.ok) process.stdout.write(`skip: user namespaces: ${support.reason}\n`);

  it.skipIf(!support.ok)(
    'a tmpfs in the namespace gives a real ENOSPC, grows by remount, and goes with it',
    async () => {
      const mount = join(tempDir('drdrill-userns-'), 'volume');
      mkdirSync(mount);
      const ns = await UserNamespace.start();
      try {
        await ns.mount(mount, 4);
        expect(() => writeFileSync(ns.hostPath(join(mount, 'big')), Buffer.alloc(6 * 1024 * 1024))).toThrow(/ENOSPC/);
        // Only the namespace sees the mount; the directory stays empty outside it.
        expect(execFileSync('ls', ['-A', mount], { encoding: 'utf8' })).toBe('');
        await ns.remount(mount, 16);
        writeFileSync(ns.hostPath(join(mount, 'big')), Buffer.alloc(6 * 1024 * 1024));
        const [file, args] = ns.wrap('sh', ['-c', `id -u; ls "${mount}"; df -m "${mount}" | tail -1`]);
        const inside = execFileSync(file, args, { encoding: 'utf8' }).trim().split('\n');
        expect(inside[0]).toBe(String(process.getuid!()));
        expect(inside[1]).toBe('big');
        expect(inside[2]).toMatch(/^drdrill-tmpfs\s+16\s/);
        await ns.umount(mount);
      } finally {
        await ns.stop();
      }
      expect(processStartTime(ns.pid)).toBeUndefined();
      await expect(ns.mount(mount, 4)).rejects.toThrow(/user namespace holder \(pid \d+\) exited/);
    },
  );

  it('names the sysctl that forbids user namespaces', () => {
    const sysctls = (values: Record<string, string>) => (name: string) => values[name];
    expect(blockingSysctl(sysctls({ 'kernel.unprivileged_userns_clone': '0' }))).toBe(
      'unprivileged user namespaces are disabled (sysctl kernel.unprivileged_userns_clone = 0)',
    );
    expect(blockingSysctl(sysctls({ 'user.max_user_namespaces': '0' }))).toBe(
      'user namespaces are disabled (sysctl user.max_user_namespaces = 0)',
    );
    expect(blockingSysctl(sysctls({ 'kernel.apparmor_restrict_unprivileged_userns': '1' }))).toMatch(
      /AppArmor .* kernel\.apparmor_restrict_unprivileged_userns = 1/,
    );
    expect(blockingSysctl(sysctls({ 'user.max_user_namespaces': '63229' }))).toBeUndefined();
  });
});
