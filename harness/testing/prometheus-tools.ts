import { findTool, installHint, type PrometheusTool } from '../metrics/tools.js';

/**
 * The Prometheus tools a test file needs, or the reason it is skipped, printed once so a missing Debian package
 * shows as SKIPPED in the output, never as a silent pass (scripts/test.sh installs them as root on Debian).
 */
export function prometheusToolsOrSkip(what: string, tools: PrometheusTool[]): { skip?: string } {
  const missing = tools.filter((t) => !findTool(t));
  if (!missing.length) return {};
  const reason = missing.map(installHint).join('; ');
  console.warn(`SKIPPED ${what}: ${reason}`);
  return { skip: reason };
}
