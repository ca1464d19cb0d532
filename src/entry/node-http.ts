/**
 * The HTTP transport of the Node runtime: node:http(s) with kept-alive connections. Against the
 * loopback fakes it spends about half the CPU per request of Node's fetch (undici's web streams
 * and Response objects), the largest single cost of an unchanged user's sync (README "Capacity").
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import https from 'node:https'
import type { Readable } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import type { HttpTransport } from '../clients/http-transport.ts'

/** No API answer we read comes near this; past it the answer is refused rather than held in memory. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024

export function nodeHttpTransport(): HttpTransport {
  // Kept-alive: one TLS handshake per API host and concurrent run, not one per request.
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  }
  return (req) =>
    new Promise((resolve, reject) => {
      const url = new URL(req.url)
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        reject(new Error(`cannot call ${url.protocol} URLs`))
        return
      }
      const headers =
        req.body === undefined
          ? req.headers
          : { ...req.headers, 'Content-Length': String(Buffer.byteLength(req.body)) }
      let settled = false
      const fail = (error: Error) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        outgoing.destroy()
        reject(error)
      }
      const outgoing = (url.protocol === 'https:' ? https : http).request(
        url,
        { method: req.method, headers, agent: agents[url.protocol] },
        (res) => {
          // A peer that hangs up mid-body: Node says "aborted", or only flags the message incomplete.
          const cut = () => fail(new Error('the connection closed before the answer ended'))
          res.on('error', cut)
          res.on('close', () => {
            if (!res.complete) cut()
          })
          // Bytes first and one decode at the end: a flat string for JSON.parse, not a rope of chunks.
          const chunks: Buffer[] = []
          let size = 0
          const body = decoded(res, fail)
          body.on('data', (chunk: Buffer) => {
            chunks.push(chunk)
            size += chunk.length
            if (size > MAX_ANSWER_BYTES) fail(new Error('the answer is larger than 64 MB'))
          })
          body.on('end', () => {
            if (settled) return
            settled = true
            clearTimeout(timer)
            const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString()
            const status = res.statusCode ?? 0
            resolve({ status, header: (name) => headerValue(res.headers, name), text })
          })
        },
      )
      const timer = setTimeout(
        () => fail(new Error(`no answer within ${req.timeoutMs / 1000} s`)),
        req.timeoutMs,
      )
      outgoing.on('error', fail)
      outgoing.end(req.body)
    })
}

/** We never ask for compression, but a server may send it anyway; fetch would undo it too. */
function decoded(res: IncomingMessage, fail: (error: Error) => void): Readable {
  const encoding = res.headers['content-encoding']?.trim().toLowerCase()
  const inflate =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined
  if (!inflate) return res
  inflate.on('error', (error) =>
    fail(new Error(`the ${encoding} answer is corrupt: ${error.message}`)),
  )
  return res.pipe(inflate)
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name.toLowerCase()]
  if (value === undefined) return null
  return Array.isArray(value) ? value.join(', ') : value
}
