import { connect } from 'node:net';
import { CONTROL_PORT, DB_PORT, LB_HTTP_PORT, MC_PORT, PROXY_PORT, SESSION_PORT, WEB_PORT, controlHost, stackAddress } from '../stack-spec.js';

/** The main listeners of a stack on `net` (one per tier is enough to tell a stack runs there). */
export function stackListeners(net: string): { name: string; host: string; port: number }[] {
  return [
    { name: 'control', host: controlHost(net), port: CONTROL_PORT },
    { name: 'lb1', host: stackAddress(net, 1, 1), port: LB_HTTP_PORT },
    { name: 'lb2', host: stackAddress(net, 1, 2), port: LB_HTTP_PORT },
    { name: 'web1', host: stackAddress(net, 2, 1), port: WEB_PORT },
    { name: 'session1', host: stackAddress(net, 3, 1), port: SESSION_PORT },
    { name: 'mc1', host: stackAddress(net, 4, 1), port: MC_PORT },
    { name: 'proxy1', host: stackAddress(net, 5, 1), port: PROXY_PORT },
    { name: 'db1', host: stackAddress(net, 6, 1), port: DB_PORT },
  ];
}

function accepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(true)); // a SYN that is neither refused nor answered: something (paused) holds it
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Which of the stack's listeners on `net` already accept connections. */
export async function listenersInUse(net: string, timeoutMs = 500): Promise<string[]> {
  const list = stackListeners(net);
  const used = await Promise.all(list.map((l) => accepts(l.host, l.port, timeoutMs)));
  return list.filter((_, i) => used[i]).map((l) => `${l.name} ${l.host}:${l.port}`);
}
