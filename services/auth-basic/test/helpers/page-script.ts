import { Script, createContext } from 'node:vm';

/** The HTML-unescaped text of `&#NN;` / `&amp;`-style entities, as a browser's DOM would read it. */
export function unescapeHtml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The value of `attr` on the element with `id` in `page`, unescaped (undefined when absent). */
export function attrOf(page: string, id: string, attr: string): string | undefined {
  const tag = new RegExp(`<[a-z]+ [^>]*id="${id}"[^>]*>`).exec(page)?.[0];
  const m = tag && new RegExp(` ${attr}="([^"]*)"`).exec(tag);
  return m ? unescapeHtml(m[1]!) : undefined;
}

export function inlineScript(page: string): string {
  const m = /<script nonce="[^"]+">([\s\S]*?)<\/script>/.exec(page);
  if (!m) throw new Error('no inline script');
  return m[1]!;
}

interface FakeField {
  value: string;
  minLength: number;
  maxLength: number;
  focus(): void;
}
export interface FakeForm {
  elements: Record<string, FakeField>;
  dataset: Record<string, string>;
  hidden: boolean;
  button: { disabled: boolean };
  status: { textContent: string; className: string };
  /** Dispatches `submit` and resolves when the script has re-enabled the button (its work is done). */
  submit(): Promise<void>;
}

/**
 * Runs a page's real inline script against a minimal DOM: the forms and status lines it looks up by
 * id, `location`, `history`, and a `fetch` that resolves relative URLs against `base` (the service)
 * and records the responses. No browser, but the exact code the page ships.
 */
export function runPageScript(
  page: string,
  base: string,
  forms: Record<string, { fields: Record<string, string>; dataset?: Record<string, string> }>,
) {
  const navigations: string[] = [];
  const replacedUrls: string[] = [];
  const responses: Response[] = [];
  const made: Record<string, FakeForm> = {};
  const listeners = new Map<string, (ev: { preventDefault(): void }) => void>();
  const elements = new Map<string, unknown>();
  for (const [id, spec] of Object.entries(forms)) {
    const fields: Record<string, FakeField> = {};
    for (const [name, value] of Object.entries(spec.fields)) {
      const attrs = new RegExp(`<input [^>]*name="${name}"[^>]*>`).exec(page)?.[0] ?? '';
      fields[name] = {
        value,
        minLength: Number(/minlength="(\d+)"/.exec(attrs)?.[1] ?? -1),
        maxLength: Number(/maxlength="(\d+)"/.exec(attrs)?.[1] ?? -1),
        focus: () => undefined,
      };
    }
    const button = { disabled: true };
    const status = { textContent: '', className: '' };
    const form: FakeForm & { querySelector(): unknown; addEventListener(t: string, fn: (ev: { preventDefault(): void }) => void): void } = {
      elements: fields,
      dataset: spec.dataset ?? {},
      hidden: false,
      button,
      status,
      querySelector: () => button,
      addEventListener: (_t, fn) => void listeners.set(id, fn),
      async submit() {
        listeners.get(id)!({ preventDefault: () => undefined });
        for (let i = 0; i < 500 && button.disabled; i++) await new Promise((r) => setTimeout(r, 10));
      },
    };
    made[id] = form;
    elements.set(id, form);
    elements.set(`${id}-status`, status);
  }
  const done = { hidden: true };
  elements.set('done', done);
  const context = createContext({
    document: { getElementById: (id: string) => elements.get(id) ?? null },
    location: { pathname: '/page', assign: (u: string) => void navigations.push(u) },
    history: { replaceState: (_s: unknown, _t: string, u: string) => void replacedUrls.push(u) },
    fetch: async (url: string, init: RequestInit) => {
      const res = await fetch(new URL(url, base), init);
      responses.push(res.clone());
      return res;
    },
  });
  new Script(inlineScript(page)).runInContext(context);
  return { forms: made, done, navigations, replacedUrls, responses };
}
