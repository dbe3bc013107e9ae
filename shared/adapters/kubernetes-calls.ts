/** How the client-node helpers reach the API: every call named (for errors) and retried on transient failures. */
export interface KubeCalls {
  call<T>(what: string, request: () => Promise<T>): Promise<T>;
  /** Like `call`, but a 404 answers undefined instead of throwing. */
  find<T>(what: string, request: () => Promise<T>): Promise<T | undefined>;
}
