// Progressive enhancement only: every form works without this file (the CSP allows no inline script).
// Forms that run a sync (Sync now, saving a mapping) take a few seconds: show that it is running and for
// how long, and stop double submits.
document.addEventListener('submit', (event) => {
  const form = event.target
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-progress')) return
  if (form.dataset.busy === 'yes') {
    event.preventDefault()
    return
  }
  form.dataset.busy = 'yes'
  const progress = form.querySelector('.progress')
  const text = form.querySelector('.progress-text')
  const button =
    event.submitter instanceof HTMLButtonElement
      ? event.submitter
      : form.querySelector('button[type=submit]')
  const started = Date.now()
  if (progress) progress.hidden = false
  // Disabled after the submit has started, so the browser still sends the form (and the button's value).
  setTimeout(() => {
    for (const b of form.querySelectorAll('button[type=submit]')) b.disabled = true
    if (button) button.textContent = 'Syncing…'
  }, 0)
  const base = text ? text.textContent : ''
  setInterval(() => {
    if (text) text.textContent = `${base} ${Math.round((Date.now() - started) / 1000)} s`
  }, 1000)
})
