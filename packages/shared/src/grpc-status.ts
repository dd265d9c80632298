/**
 * The gRPC status codes the error model maps to (the numbers are fixed by the gRPC spec). Kept
 * here rather than imported from @grpc/grpc-js so that loading the error model never loads a
 * transport; grpc/grpc.test.ts checks them against grpc-js's own enum.
 */
export const GRPC_STATUS = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
