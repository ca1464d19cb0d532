/** A minimal browser for `app.request` tests: keeps cookies, reads the CSRF token from the last page, posts forms. */
import type { Hono } from 'hono'

type App = Pick<Hono, 'request'>

export interface Page {
  status: number
  location: string | null
  html: string
  res: Response
}

export class WebClient {
  readonly cookies = new Map<string, string>()
  /** CSRF token of the last page that had a form. */
  csrf = ''

  constructor(
    private readonly app: App,
    private readonly origin = 'http://localhost:3000',
  ) {}

  async get(path: string): Promise<Page> {
    return this.send(path, { method: 'GET' })
  }

  /** Posts a form; the CSRF token of the last page is added unless `csrf: false` or a token is given. */
  async post(
    path: string,
    form: Record<string, string> = {},
    opts: { csrf?: string | false; headers?: Record<string, string> } = {},
  ): Promise<Page> {
    const body = new URLSearchParams(form)
    const token = opts.csrf === undefined ? this.csrf : opts.csrf
    if (token !== false && !('_csrf' in form)) body.set('_csrf', token)
    return this.send(path, {
      method: 'POST',
      body: body.toString(),
      // Browsers send Origin with every POST; the app's hono/csrf check wants it (or Sec-Fetch-Site).
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Origin: this.origin,
        ...opts.headers,
      },
    })
  }

  /** GET, following redirects (up to 5). */
  async open(path: string): Promise<Page> {
    let page = await this.get(path)
    for (let i = 0; i < 5 && page.location; i++) page = await this.get(page.location)
    return page
  }

  async follow(page: Page): Promise<Page> {
    let p = page
    for (let i = 0; i < 5 && p.location; i++) p = await this.get(p.location)
    return p
  }

  private async send(path: string, init: RequestInit): Promise<Page> {
    const headers = new Headers(init.headers)
    if (this.cookies.size)
      headers.set('Cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const res = await this.app.request(new URL(path, this.origin).toString(), { ...init, headers })
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    const html = await res.text()
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
    if (token) this.csrf = token
    const raw = res.headers.get('Location')
    const url = raw ? new URL(raw, this.origin) : null
    // Same-origin redirects as a path (what the app sends), others in full (e.g. to Exist).
    const location = url
      ? url.origin === this.origin
        ? url.pathname + url.search
        : url.href
      : null
    return { status: res.status, location, html, res }
  }
}

/** Visible text of an HTML page, roughly: tags dropped, entities for quotes and ampersands decoded. */
export function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
}
