import type { Server } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Every connection a test server has open, a TLS handshake in progress included
 * (`closeAllConnections` knows only those that reached HTTP), so stopping the server can drop
 * them all: clients keep connections alive, and open some ahead of any request.
 */
export class OpenConnections {
  /** Connections accepted so far (TCP; a TLS server's handshakes may still be under way). */
  accepted = 0;
  private readonly sockets = new Set<Duplex>();

  constructor(server: Server) {
    server.on('connection', (socket: Duplex) => {
      this.accepted += 1;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Drops every open connection, as a server's idle timeout or restart would. */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}
