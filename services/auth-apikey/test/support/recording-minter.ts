import type { TokenMinter } from '../../src/domain/ports.js';

/** A TokenMinter for domain tests: records what it was asked to mint and answers a readable stand-in. */
export class RecordingMinter implements TokenMinter {
  readonly minted: Array<Parameters<TokenMinter['mint']>[0]> = [];

  mint(p: Parameters<TokenMinter['mint']>[0]): Promise<string> {
    this.minted.push(p);
    return Promise.resolve(`token:${p.user.id}:${p.keyId}:${p.generation}:${p.scopes.join(' ')}`);
  }
}
