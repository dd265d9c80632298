import { parse } from 'graphql';
import { mutationFieldCount } from './graphql-limits.js';

const login = 'auth_login(email: "a@b.c", password: "p") { expires }';

describe('mutationFieldCount', () => {
  it('counts one mutation as one, and queries as none', () => {
    expect(mutationFieldCount(parse(`mutation { ${login} }`))).toBe(1);
    expect(mutationFieldCount(parse('{ server_ping }'))).toBe(0);
  });

  it('attack: hundreds of aliased auth_login in one request count one each', () => {
    const aliased = Array.from({ length: 300 }, (_, i) => `a${i}: ${login}`).join(' ');
    expect(mutationFieldCount(parse(`mutation { ${aliased} }`))).toBe(300);
  });

  it('attack: fragments spread many times count as often as they run, at linear cost', () => {
    // F0 holds 2 logins; every F(i+1) spreads F(i) twice: F30 runs 2^31 logins.
    const defs = [`fragment F0 on Mutation { a: ${login} b: ${login} }`];
    for (let i = 0; i < 30; i++) defs.push(`fragment F${i + 1} on Mutation { ...F${i} ...F${i} }`);
    const started = performance.now();
    expect(mutationFieldCount(parse(`mutation { ...F30 } ${defs.join(' ')}`))).toBe(2 ** 31);
    expect(performance.now() - started).toBeLessThan(100);
    expect(mutationFieldCount(parse(`mutation { ... on Mutation { x: ${login} y: ${login} } }`))).toBe(2);
  });

  it('takes the largest mutation of the document, and survives a fragment cycle', () => {
    expect(mutationFieldCount(parse(`mutation A { ${login} } mutation B { x: ${login} y: ${login} }`))).toBe(2);
    expect(mutationFieldCount(parse('mutation { ...C } fragment C on Mutation { ...D } fragment D on Mutation { ...C }'))).toBe(0);
  });
});
