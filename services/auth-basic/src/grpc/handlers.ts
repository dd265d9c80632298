/**
 * A generated `XxxServiceHandlers` without its string index signature. The generated interface
 * extends grpc-js's UntypedServiceImplementation, whose index signature @gatehouse/shared's
 * AsyncHandlers maps to `never`, which would reject every method; dropping it keeps the named RPCs
 * (a new RPC in the proto is then a type error in the implementation). Belongs in shared's AsyncHandlers.
 */
export type RpcMethods<H> = { [K in keyof H as string extends K ? never : K]: H[K] };
