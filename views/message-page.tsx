/** A page with a heading and a few sentences: after Disconnect, and for refused or unknown requests. */
import type { Child } from 'hono/jsx'
import { Layout, type NavKey, type PageContext } from './layout.tsx'

export function MessagePage(props: {
  ctx: PageContext
  title: string
  nav?: NavKey
  children: Child
}) {
  return (
    <Layout title={props.title} ctx={props.ctx} nav={props.nav ?? null}>
      <h1>{props.title}</h1>
      <section class="card">{props.children}</section>
    </Layout>
  )
}
