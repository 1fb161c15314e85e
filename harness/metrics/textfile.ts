import { constants } from 'node:fs';
import { access, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { DrillError, errorMessage } from '../engine/errors.js';
import type { Journal } from '../engine/journal.js';
import { parseExposition, renderExposition } from './exposition.js';
import type { Sample } from './families.js';
import { mergeRuns } from './merge.js';

/**
 * `--metrics <file>`: OpenMetrics for node_exporter's textfile collector (`--collector.textfile.directory`; it
 * reads `*.prom`). One file holds every drill run with it, each drill's series replaced by its newest run.
 */
export class MetricsFile {
  readonly path: string;

  private constructor(path: string) {
    this.path = path;
  }

  /** Before any drill starts: the file, if it exists, must be drdrill's; its directory must be writable. */
  static async open(path: string): Promise<MetricsFile> {
    const file = new MetricsFile(resolve(path));
    const info = await stat(file.path).catch(() => undefined);
    if (info?.isDirectory())
      throw new DrillError(
        'invalid-config',
        `--metrics ${path}: is a directory; give a file such as ${join(path, 'drdrill.prom')}`,
      );
    await file.read();
    const dir = await nearestExisting(dirname(file.path));
    await access(dir, constants.W_OK).catch(() => {
      throw new DrillError('invalid-config', `--metrics ${path}: ${dir} is not writable`);
    });
    return file;
  }

  async read(): Promise<Sample[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new DrillError('invalid-config', `--metrics ${this.path}: cannot read (${errorMessage(err)})`);
    }
    return parseExposition(text, this.path, { foreign: 'refuse' });
  }

  /**
   * Merges the runs into what the file holds and replaces it atomically: a temp file in the same directory
   * (not ending in .prom, so the collector never reads it half-written), then rename.
   */
  async write(journals: Journal[]): Promise<void> {
    const text = renderExposition(mergeRuns(await this.read(), journals), 'openmetrics');
    await mkdir(dirname(this.path), { recursive: true });
    const temp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.tmp`);
    try {
      await writeFile(temp, text, { mode: 0o644 });
      await rename(temp, this.path);
    } catch (err) {
      await rm(temp, { force: true });
      throw new DrillError('error', `--metrics ${this.path}: cannot write (${errorMessage(err)})`, { cause: err });
    }
  }
}

async function nearestExisting(dir: string): Promise<string> {
  for (let d = dir; ; d = dirname(d)) {
    if (await stat(d).catch(() => undefined)) return d;
    if (dirname(d) === d) return d;
  }
}
