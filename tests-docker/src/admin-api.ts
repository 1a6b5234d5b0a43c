// The admin APIs the tests read (bearer token SCALEOUT_ADMIN_TOKEN).

export async function adminGet<T>(port: number, path: string, token: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`GET ${path} on :${port} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

/** A server of an LB pool (GET /api/pools/:pool/servers). */
export interface LbServer {
  name: string;
  address: string;
  state: string;
  healthy: boolean;
  source?: string;
}

export function lbServers(port: number, token: string, pool = 'web'): Promise<LbServer[]> {
  return adminGet<LbServer[]>(port, `/api/pools/${pool}/servers`, token);
}

/** The writer a db-proxy agreed on (GET /api/writer). */
export async function proxyWriter(port: number, token: string): Promise<string | null> {
  const w = await adminGet<{ writer: string | null }>(port, '/api/writer', token);
  return w.writer;
}

export interface ProxyBackend {
  name: string;
  role: string;
  state: string;
  readOnly: boolean | null;
}

export async function proxyBackends(port: number, token: string): Promise<ProxyBackend[]> {
  return (await adminGet<{ backends: ProxyBackend[] }>(port, '/api/backends', token)).backends;
}
