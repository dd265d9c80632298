import type { handleUnaryCall } from '@grpc/grpc-js';
import type { GatehouseProtos } from '@gatehouse/shared';

/**
 * The generated `AppTokenServiceHandlers` type is not exported by @gatehouse/shared (its package
 * exports stop at the index), so it is derived here from the service definition's (de)serializers:
 * what the server receives (requestDeserialize) and what it sends (responseSerialize).
 */
type Definition = GatehouseProtos['gatehouse']['v1']['AppTokenService']['service'];
type In<K extends keyof Definition> = Definition[K] extends { requestDeserialize: (b: Buffer) => infer R } ? R : never;
type Out<K extends keyof Definition> = Definition[K] extends { responseSerialize: (v: infer R) => Buffer } ? R : never;

export type AppTokenServiceHandlers = { [K in keyof Definition]: handleUnaryCall<In<K>, Out<K>> };

export type ListAppTokensRequest = In<'ListAppTokens'>;
export type AppTokenInfo = NonNullable<Out<'CreateAppToken'>['info']>;
