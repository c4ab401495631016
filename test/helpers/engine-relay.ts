import net from 'node:net';

/**
 * A remote engine made of the local one: a TCP listener relaying every connection to the engine's
 * unix socket. The server sees only `tcp://127.0.0.1:PORT`, so it must copy code in and read the
 * attach stream, while the engine stays real. Used by the tests and by bench/docker.ts.
 */
export async function engineRelay(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    // As a remote engine's own socket would be (Go sets TCP_NODELAY by default).
    client.setNoDelay(true);
    const engine = net.connect('/var/run/docker.sock');
    for (const s of [client, engine]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(engine).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port } = relay.address() as net.AddressInfo;
  return {
    url: `tcp://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}
