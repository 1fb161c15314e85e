import { z } from 'zod';

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?)?(?:\s*(\S+))?$/;

/**
 * Why PostgreSQL would refuse `text` as a recovery_target_time (a timestamptz in ISO 8601 form:
 * `2026-05-01 12:00:00+02`, `2026-05-01T10:00:00Z`, `2026-05-01 12:00 Europe/Berlin`); undefined when it
 * is one. Checked before anything runs, so a typo never reaches a restore that has already taken minutes.
 */
export function timestampProblem(text: string): string | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return 'is not a timestamp such as "2026-05-01 12:00:00+00"';
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((v) => Number(v ?? 0));
  if (month! < 1 || month! > 12) return `has month ${month}; months are 1 to 12`;
  const days = new Date(Date.UTC(year!, month, 0)).getUTCDate();
  if (day! < 1 || day! > days) return `has day ${day}; ${year}-${String(month).padStart(2, '0')} has ${days} days`;
  if (hour > 24 || (hour === 24 && (minute > 0 || second > 0))) return `has hour ${hour}; hours are 0 to 23`;
  if (minute > 59) return `has minute ${minute}; minutes are 0 to 59`;
  if (second > 60) return `has second ${second}; seconds are 0 to 59`;
  const zone = m[7];
  if (zone && !isTimeZone(zone))
    return `has time zone "${zone}", which is neither an offset (+02, -05:30, Z) nor a known zone name`;
  return undefined;
}

function isTimeZone(zone: string): boolean {
  const offset = /^[+-](\d{1,2})(?::?(\d{2}))?$/.exec(zone);
  if (offset) return Number(offset[1]) <= 15 && Number(offset[2] ?? 0) <= 59;
  if (zone === 'Z' || zone === 'z') return true;
  // A zone abbreviation (CET, PST, ...): PostgreSQL checks it against its timezone_abbreviations.
  if (/^[A-Z]{3,5}$/.test(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A scenario field holding such a timestamp. */
export const timestampText = z.string().superRefine((text, ctx) => {
  const problem = timestampProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
