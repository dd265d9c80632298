import { serverTarget } from './server-target.js';

describe('serverTarget', () => {
  it('defaults to the local proxy, its gRPC entry on 9201', () => {
    expect(serverTarget({}, {})).toEqual({ server: 'http://127.0.0.1:9200', grpcServer: '127.0.0.1:9201' });
  });

  it('takes --server over GATEHOUSE_SERVER, and its host for the gRPC entry', () => {
    expect(serverTarget({ server: 'https://gh.example.com/' }, { GATEHOUSE_SERVER: 'http://other:1' })).toEqual({
      server: 'https://gh.example.com',
      grpcServer: 'gh.example.com:9201',
    });
    expect(serverTarget({}, { GATEHOUSE_SERVER: 'http://[::1]:9200' }).grpcServer).toBe('[::1]:9201');
  });

  it('takes --grpc-server over PROXY_GRPC_ENDPOINT (what gatehouse apikeys reads)', () => {
    expect(serverTarget({ grpcServer: 'a:1' }, { PROXY_GRPC_ENDPOINT: 'b:2' }).grpcServer).toBe('a:1');
    expect(serverTarget({}, { PROXY_GRPC_ENDPOINT: 'b:2' }).grpcServer).toBe('b:2');
  });

  it("follows the stored login's target unless another server is named", () => {
    const stored = { server: 'http://127.0.0.1:5000', grpcServer: '127.0.0.1:5001' };
    expect(serverTarget({}, {}, stored)).toEqual(stored);
    expect(serverTarget({ server: 'http://127.0.0.1:5000' }, {}, stored)).toEqual(stored);
    expect(serverTarget({ server: 'http://127.0.0.1:6000' }, {}, stored).grpcServer).toBe('127.0.0.1:9201');
  });

  it.each(['not a url', 'ftp://x', 'http://u:p@x', 'http://x/?q=1'])('refuses --server %s', (s) => {
    expect(() => serverTarget({ server: s }, {})).toThrow(/--server/);
  });

  it('refuses a --grpc-server that is not host:port', () => {
    expect(() => serverTarget({ grpcServer: 'http://x:1' }, {})).toThrow(/--grpc-server/);
  });
});
