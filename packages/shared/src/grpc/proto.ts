import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type GrpcObject } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import type { ProtoGrpcType as TokensProto } from '../gen/tokens.js';
import type { ProtoGrpcType as UsersProto } from '../gen/users.js';
import type { ProtoGrpcType as AppTokensProto } from '../gen/apptokens.js';
import type { ProtoGrpcType as LoginProto } from '../gen/login.js';
import type { ProtoGrpcType as MgmtProto } from '../gen/auth.js';
import type { ProtoGrpcType as ApiKeysProto } from '../gen/apikeys.js';

/** The repository's proto/ folder (three levels above dist/grpc/). */
export const PROTO_DIR = fileURLToPath(new URL('../../../../proto/', import.meta.url));

export const PROTO_FILES = [
  'gatehouse/v1/principal.proto',
  'gatehouse/v1/tokens.proto',
  'gatehouse/v1/users.proto',
  'gatehouse/v1/apptokens.proto',
  'login/v1/login.proto',
  'mgmt/v1alpha1/auth.proto',
  'apikeys/apikeys.proto',
];

/** Loader options; `make proto` generates the TypeScript types with the same ones. */
export const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export type GatehouseProtos = TokensProto & UsersProto & AppTokensProto & LoginProto & MgmtProto & ApiKeysProto;

let cached: GatehouseProtos | undefined;

/** Every Gatehouse gRPC package, loaded once per process. */
export function loadProtos(): GatehouseProtos {
  cached ??= loadPackageDefinition(loadSync(PROTO_FILES, LOADER_OPTIONS)) as unknown as GatehouseProtos & GrpcObject;
  return cached;
}
