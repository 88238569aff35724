import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the OS picks it; another process could still take it before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Where a replica of an http member listens: its member's port plus its task slot minus one. Replicas on host
 * networking may share one network (nodes on one host, or two tasks on one node), so each slot gets its own port.
 */
export function replicaPort(port: number, slot: number | undefined): number {
  return port + Math.max(0, (slot ?? 1) - 1);
}
