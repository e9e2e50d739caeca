import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { unreachableBrokers, unreachableMessage } from './reachable.ts';

describe('unreachableBrokers', () => {
  it('is undefined as soon as one bootstrap server accepts a connection', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const open = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => open.listen(0, '127.0.0.1', resolve));
    try {
      const openPort = (open.address() as { port: number }).port;
      assert.equal(await unreachableBrokers([`127.0.0.1:${port}`, `127.0.0.1:${openPort}`]), undefined);
      const failures = await unreachableBrokers([`127.0.0.1:${port}`]);
      assert.deepEqual(failures, [{ broker: `127.0.0.1:${port}`, reason: 'connection refused: nothing listens there' }]);
      assert.equal(unreachableMessage(failures!, 'Set X.'), `cannot reach Kafka: tried 127.0.0.1:${port} (connection refused: nothing listens there). Set X.`);
    } finally {
      open.close();
    }
  });
});
