// The assistant without page reloads: send the same form in the background and swap in the
// conversation the server answers with. Without JavaScript the forms post as usual.
const root = () => document.getElementById('assistant')

async function send (form) {
  const busy = form.querySelector('button')
  if (busy) busy.disabled = true
  const response = await fetch(form.action, {
    method: 'POST',
    body: new FormData(form),
    credentials: 'same-origin',
    headers: { Accept: 'text/html' }
  })
  const page = new DOMParser().parseFromString(await response.text(), 'text/html')
  const fresh = page.getElementById('assistant')
  const summary = page.querySelector('.govuk-error-summary')
  if (!fresh) { window.location.assign('/assistant'); return }
  root().replaceWith(fresh)
  document.title = page.title
  for (const old of document.querySelectorAll('.govuk-error-summary')) old.remove()
  if (summary) {
    fresh.prepend(summary)
    summary.setAttribute('tabindex', '-1')
    summary.focus()
  } else {
    const replies = fresh.querySelectorAll('.tellonce-chat__from')
    const latest = replies[replies.length - 1]
    if (latest) latest.focus()
  }
  wire()
}

function wire () {
  root().dataset.live = 'true' // for tests: the forms now send in the background
  for (const form of root().querySelectorAll('form[data-assistant]')) {
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      send(form).catch(() => form.submit())
    })
  }
}

if (root()) wire()
