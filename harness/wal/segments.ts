/** WAL segment names: TTTTTTTTLLLLLLLLSSSSSSSS (timeline, log, segment), for 16 MB segments. */
export const SEGMENT_NAME = /^[0-9A-F]{24}$/;
const SEGMENTS_PER_LOG = 0x100;

export function isSegmentName(name: string): boolean {
  return SEGMENT_NAME.test(name);
}

export function segmentNumber(name: string): { timeline: number; n: number } {
  return {
    timeline: parseInt(name.slice(0, 8), 16),
    n: parseInt(name.slice(8, 16), 16) * SEGMENTS_PER_LOG + parseInt(name.slice(16, 24), 16),
  };
}

export function segmentName(timeline: number, n: number): string {
  const hex = (v: number) => v.toString(16).toUpperCase().padStart(8, '0');
  return hex(timeline) + hex(Math.floor(n / SEGMENTS_PER_LOG)) + hex(n % SEGMENTS_PER_LOG);
}

export function nextSegment(name: string, step = 1): string {
  const { timeline, n } = segmentNumber(name);
  return segmentName(timeline, n + step);
}

/** The segment holding an LSN such as "0/3000060", for 16 MB segments. */
export function segmentOfLsn(timeline: number, lsn: string): string {
  const [hi, lo] = lsn.split('/').map((x) => parseInt(x, 16)) as [number, number];
  return segmentName(timeline, hi * SEGMENTS_PER_LOG + Math.floor(lo / 0x1000000));
}

export function lsnToNumber(lsn: string): bigint {
  const [hi, lo] = lsn.split('/').map((x) => BigInt(parseInt(x, 16))) as [bigint, bigint];
  return (hi << 32n) + lo;
}

/** Segments missing between `from` and the newest archived segment of the same timeline. */
export function firstGap(archived: string[], from: string): { missing: string; newest: string } | undefined {
  const { timeline, n: start } = segmentNumber(from);
  const have = new Set(
    archived
      .filter(isSegmentName)
      .filter((s) => segmentNumber(s).timeline === timeline)
      .map((s) => segmentNumber(s).n),
  );
  const newest = Math.max(...have);
  if (!Number.isFinite(newest)) return undefined;
  for (let n = start; n < newest; n++)
    if (!have.has(n)) return { missing: segmentName(timeline, n), newest: segmentName(timeline, newest) };
  return undefined;
}
