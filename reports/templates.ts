import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from '../harness/util/paths.js';

export type TemplateKind = 'html' | 'text';

const TEMPLATE_DIR = join(packageRoot(), 'reports', 'templates');
const instances = new Map<TemplateKind, typeof Handlebars>();
const compiled = new Map<string, Handlebars.TemplateDelegate>();

/**
 * Renders reports/templates/<name> with the given view. HTML templates escape every value;
 * text templates (Markdown) do not, and escape table cells with the `cell` helper instead.
 */
export function renderTemplate(name: string, view: unknown): string {
  const kind: TemplateKind = name.endsWith('.html.hbs') ? 'html' : 'text';
  const key = `${kind}:${name}`;
  let template = compiled.get(key);
  if (!template) {
    template = handlebars(kind).compile(readFileSync(join(TEMPLATE_DIR, name), 'utf8'), {
      noEscape: kind === 'text',
      strict: false,
    });
    compiled.set(key, template);
  }
  return template(view);
}

function handlebars(kind: TemplateKind): typeof Handlebars {
  let hb = instances.get(kind);
  if (hb) return hb;
  hb = Handlebars.create();
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
  hb.registerHelper('raw', (svg: string) => new hb.SafeString(svg));
  // Markdown table cells: a pipe or a newline would break the row.
  hb.registerHelper('cell', (value: string | number | boolean | null | undefined) =>
    String(value ?? '')
      .replace(/\|/g, '\\|')
      .replace(/\r?\n/g, '<br>'),
  );
  hb.registerHelper(
    'code',
    (value: string | number | boolean | null | undefined) => '`' + String(value ?? '').replace(/`/g, 'ˋ') + '`',
  );
  for (const file of readdirSync(join(TEMPLATE_DIR, 'partials'))) {
    const [partial] = file.split('.');
    hb.registerPartial(partial!, readFileSync(join(TEMPLATE_DIR, 'partials', file), 'utf8'));
  }
  instances.set(kind, hb);
  return hb;
}
