const RAW = Symbol('html');
/** Markup that is already safe: made by `html` (its values escaped) or by `trusted` (constants). */
export interface SafeHtml {
  readonly [RAW]: string;
}
type Value = string | number | SafeHtml | readonly SafeHtml[];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(v: Value): string {
  if (typeof v === 'string') return escapeHtml(v);
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return (v as readonly SafeHtml[]).map((x) => x[RAW]).join('');
  return (v as SafeHtml)[RAW];
}

/** A template whose every interpolated value is HTML-escaped unless it is already SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  return { [RAW]: strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]!) : ''), '') };
}

/** A constant of this code base (a script, a style sheet), used as is. Never request data. */
export function trusted(constant: string): SafeHtml {
  return { [RAW]: constant };
}

/** The markup as a string, to send. */
export function renderHtml(h: SafeHtml): string {
  return h[RAW];
}
