import { createServer } from 'node:http';
import { freePort } from '@gatehouse/shared/testing';
import { callbackPage } from './callback-page.js';
import { listenForCallback } from './loopback-callback.js';

describe('the loopback callback listener', () => {
  it('answers a response with a wrong state 400 and keeps waiting for the real one, which it hands over', async () => {
    const l = await listenForCallback(await freePort());
    try {
      const hit = l.wait('right-state', 10_000);
      const forged = await fetch(`${l.redirectUri}?code=attacker-code&state=wrong-state`);
      expect(forged.status).toBe(400);
      expect(await forged.text()).toMatch(/does not belong to the sign-in in progress/);
      const noState = await fetch(`${l.redirectUri}?code=attacker-code`);
      expect(noState.status).toBe(400);
      // An error response with a wrong state cannot abort the login either.
      expect((await fetch(`${l.redirectUri}?error=access_denied&state=wrong-state`)).status).toBe(400);
      const real = fetch(`${l.redirectUri}?code=good-code&state=right-state&iss=${encodeURIComponent('https://idp.example')}`);
      const got = await hit;
      expect(got).toMatchObject({ code: 'good-code', iss: 'https://idp.example' });
      got.finish(callbackPage(200, 'Signed in', 'You may close this window.'));
      const page = await real;
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await page.text()).toMatch(/You may close this window/);
      // Done: a late response is refused too.
      expect((await fetch(`${l.redirectUri}?code=late&state=right-state`)).status).toBe(400);
    } finally {
      await l.close();
    }
  });

  it('fails the login on an error response carrying the right state', async () => {
    const l = await listenForCallback(await freePort());
    try {
      const hit = l.wait('s', 10_000);
      const res = fetch(`${l.redirectUri}?error=access_denied&state=s`);
      await expect(hit).rejects.toThrow(/refused.*access_denied/);
      expect((await res).status).toBe(400);
    } finally {
      await l.close();
    }
  });

  it('serves only GET on /api/auth/callback, only on 127.0.0.1', async () => {
    const l = await listenForCallback(await freePort());
    try {
      const u = new URL(l.redirectUri);
      expect(u.hostname).toBe('127.0.0.1');
      expect(u.pathname).toBe('/api/auth/callback');
      expect((await fetch(`${u.origin}/other`)).status).toBe(404);
      expect((await fetch(l.redirectUri, { method: 'POST' })).status).toBe(405);
    } finally {
      await l.close();
    }
  });

  it('takes the next port when the first is busy', async () => {
    const port = await freePort();
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(port, '127.0.0.1', () => r()));
    const l = await listenForCallback(port);
    try {
      expect(Number(new URL(l.redirectUri).port)).not.toBe(port);
    } finally {
      await l.close();
      busy.close();
    }
  });

  it('gives up after the timeout with a message saying what to do', async () => {
    const l = await listenForCallback(await freePort());
    try {
      await expect(l.wait('s', 50)).rejects.toThrow(/no sign-in within.*gatehouse login/);
    } finally {
      await l.close();
    }
  });
});
