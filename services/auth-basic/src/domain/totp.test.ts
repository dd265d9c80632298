import { generateTotpSecret, matchTotpStep, totpCode } from './totp.js';

describe('matchTotpStep', () => {
  const now = Date.UTC(2026, 0, 1, 0, 0, 15);
  const secret = generateTotpSecret();
  const step = Math.floor(now / 30_000);
  it('returns the absolute step of a code within ±1 step', () => {
    expect(matchTotpStep(totpCode(secret, now), secret, now)).toBe(step);
    expect(matchTotpStep(totpCode(secret, now - 30_000), secret, now)).toBe(step - 1);
    expect(matchTotpStep(totpCode(secret, now + 30_000), secret, now)).toBe(step + 1);
  });
  it('rejects codes two steps away and malformed codes', () => {
    expect(matchTotpStep(totpCode(secret, now - 60_000), secret, now)).toBeNull();
    expect(matchTotpStep('12345', secret, now)).toBeNull();
    expect(matchTotpStep('abcdef', secret, now)).toBeNull();
  });
});
