// oidc-provider 9.13 prints "Unsupported runtime" once at import on Node 20: a version check, not a
// failure (it runs; every test here runs on Node 20). That exact line is dropped so the service's
// stderr stays for real problems; every other warning passes. Import its values from here only.
const original = console.warn;
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
  original(...args);
};
const mod = await import('oidc-provider');
console.warn = original;

export const Provider = mod.default;
export const { errors, interactionPolicy } = mod;
