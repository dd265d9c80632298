/** The `extensions.code` of the first error of a Directus-shaped body (`{errors:[{extensions:{code}}]}`). */
export function errorCodeOfBody(body: unknown): string | undefined {
  return (body as { errors?: Array<{ extensions?: { code?: string } }> } | undefined)?.errors?.[0]?.extensions?.code;
}

/** The stable error code of a response: a fetch Response (read here) or an already-read `{ body }`. */
export function errorCode(res: Response): Promise<string | undefined>;
export function errorCode(result: { body: unknown }): string | undefined;
export function errorCode(x: Response | { body: unknown }): Promise<string | undefined> | string | undefined {
  if (x instanceof Response) return x.json().then(errorCodeOfBody, () => undefined);
  return errorCodeOfBody(x.body);
}
