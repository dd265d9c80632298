import { listenerBase } from './listener-base.js';

describe('listenerBase', () => {
  it.each([
    ['0.0.0.0', 'http://127.0.0.1:9210'],
    ['', 'http://127.0.0.1:9210'],
    ['::', 'http://[::1]:9210'],
    ['[::]', 'http://[::1]:9210'],
    ['10.1.2.3', 'http://10.1.2.3:9210'],
    ['[fd00::5]', 'http://[fd00::5]:9210'],
    ['127.0.0.1', 'http://127.0.0.1:9210'],
  ])('reaches a listener bound to "%s" at %s', (host, url) => expect(listenerBase(host, 9210)).toBe(url));
});
