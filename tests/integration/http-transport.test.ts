/** The two HTTP transports (node:http for Node, fetch for Workers) against a loopback server: same answers, same failures. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fetchTransport, type HttpTransport } from '../../src/clients/http-transport.ts'
import { nodeHttpTransport } from '../../src/entry/node-http.ts'

type Route = (req: IncomingMessage, body: string, res: ServerResponse) => void

const routes: Record<string, Route> = {
  '/echo': (req, body, res) => {
    res.setHeader('Set-Cookie', ['a=1', 'b=2'])
    res.setHeader('X-Next-ID', '42')
    res.setHeader('Content-Type', 'application/json; charset=utf-8')
    res.end(
      JSON.stringify({
        method: req.method,
        url: req.url,
        auth: req.headers.authorization,
        length: req.headers['content-length'] ?? null,
        body,
      }),
    )
  },
  '/gzip': (_req, _body, res) => {
    res.setHeader('Content-Encoding', 'gzip')
    res.end(gzipSync(JSON.stringify({ zipped: 'Zoë ☕' })))
  },
  '/hang': () => {},
  '/cut': (_req, _body, res) => {
    res.writeHead(200, { 'Content-Length': '1000' })
    res.write('[{"id":1},')
    setTimeout(() => res.socket?.destroy(), 20)
  },
  '/moved': (_req, _body, res) => {
    res.writeHead(302, { Location: 'http://example.invalid/' })
    res.end()
  },
  '/down': (_req, _body, res) => {
    res.writeHead(503)
    res.end('<html>down</html>')
  },
}

let server: Server
let base: string
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => routes[new URL(req.url!, 'http://x').pathname]!(req, body, res))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const transports: [string, () => HttpTransport][] = [
  ['node:http', () => nodeHttpTransport()],
  ['fetch', () => fetchTransport(globalThis.fetch)],
]

describe.each(transports)('%s transport', (_name, make) => {
  const send = make()
  const get = (path: string, timeoutMs = 2_000) =>
    send({ method: 'GET', url: base + path, headers: {}, timeoutMs })

  it('sends method, query, headers and a UTF-8 body; reads status, headers and text', async () => {
    const answer = await send({
      method: 'POST',
      url: `${base}/echo?start_date=2026-11-19T00%3A00%3A00Z`,
      headers: { Authorization: 'Bearer x', 'Content-Type': 'application/json' },
      body: '[{"name":"Zoë ☕"}]',
      timeoutMs: 2_000,
    })
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text)).toEqual({
      method: 'POST',
      url: '/echo?start_date=2026-11-19T00%3A00%3A00Z',
      auth: 'Bearer x',
      length: String(Buffer.byteLength('[{"name":"Zoë ☕"}]')),
      body: '[{"name":"Zoë ☕"}]',
    })
    expect(answer.header('x-next-id')).toBe('42')
    expect(answer.header('X-NEXT-ID')).toBe('42')
    expect(answer.header('Retry-After')).toBeNull()
  })

  it('undoes a compression the server applied unasked', async () => {
    expect(JSON.parse((await get('/gzip')).text)).toEqual({ zipped: 'Zoë ☕' })
  })

  it('answers error statuses and redirects as they are (no following, no throwing)', async () => {
    expect((await get('/down')).status).toBe(503)
    expect((await get('/down')).text).toBe('<html>down</html>')
    const moved = await get('/moved')
    expect(moved.status).toBe(302)
    expect(moved.header('location')).toBe('http://example.invalid/')
  })

  it('gives up on a server that never answers, at the timeout', async () => {
    const started = performance.now()
    await expect(get('/hang', 300)).rejects.toThrow('no answer within 0.3 s')
    expect(performance.now() - started).toBeLessThan(2_000)
  })

  it('fails an answer cut off mid-body instead of returning half of it', async () => {
    await expect(get('/cut')).rejects.toThrow()
  })

  it('fails when nothing listens', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    await expect(
      send({ method: 'GET', url: `http://127.0.0.1:${port}/`, headers: {}, timeoutMs: 2_000 }),
    ).rejects.toThrow(/ECONNREFUSED/)
  })

  it('keeps working on the kept-alive connection after failures', async () => {
    await expect(get('/hang', 100)).rejects.toThrow()
    const answers = await Promise.all(Array.from({ length: 20 }, () => get('/echo')))
    expect(answers.every((a) => a.status === 200)).toBe(true)
  })
})

describe('node:http transport', () => {
  it('says why an answer cut off mid-body failed', async () => {
    await expect(
      nodeHttpTransport()({ method: 'GET', url: `${base}/cut`, headers: {}, timeoutMs: 2_000 }),
    ).rejects.toThrow('the connection closed before the answer ended')
  })

  it('refuses URLs that are not http or https', async () => {
    await expect(
      nodeHttpTransport()({
        method: 'GET',
        url: 'file:///etc/passwd',
        headers: {},
        timeoutMs: 100,
      }),
    ).rejects.toThrow('cannot call file: URLs')
  })
})
