/** A confirmation step for a destructive action: what exactly happens, then one POST button (or back). */
import type { Child } from 'hono/jsx'
import { CsrfField, Layout, type PageContext } from './layout.tsx'

export function ConfirmPage(props: {
  ctx: PageContext
  title: string
  action: string
  button: string
  danger?: boolean
  cancelHref: string
  children: Child
}) {
  return (
    <Layout title={props.title} ctx={props.ctx}>
      <h1>{props.title}</h1>
      <section class="card warning">{props.children}</section>
      <form method="post" action={props.action} class="actions">
        <CsrfField token={props.ctx.csrf} />
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit" class={props.danger ? 'danger' : 'primary'}>
          {props.button}
        </button>
        <a class="button" href={props.cancelHref}>
          Cancel
        </a>
      </form>
    </Layout>
  )
}
