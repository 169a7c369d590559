// Progressive enhancement only: every page works without this file.
// Starts the GOV.UK Frontend components the resident pages use (error summary focus, character
// counts, conditional radios, menu toggle, double-click protection on buttons).
import {
  Button,
  CharacterCount,
  Checkboxes,
  ErrorSummary,
  NotificationBanner,
  Radios,
  ServiceNavigation,
  SkipLink,
  createAll
} from 'govuk-frontend'

for (const Component of [
  Button,
  CharacterCount,
  Checkboxes,
  ErrorSummary,
  NotificationBanner,
  Radios,
  ServiceNavigation,
  SkipLink
]) {
  createAll(Component)
}

// Filter the list of all services as the resident types in the search box (the form still
// searches on the server when submitted). Each service lists the word stems it is found by
// ("pothol", "fine"...), so a typed word matches a stem it begins with ("potholes") or that begins it.
const search = document.querySelector('[data-cs-service-search]')
if (search) {
  const input = search.querySelector('input[type="search"]')
  const items = document.querySelectorAll('[data-cs-service]')
  const found = (terms, word) =>
    terms.some((term) => term.startsWith(word) || (term.length >= 3 && word.startsWith(term)))
  input?.addEventListener('input', () => {
    const words = input.value.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word.length > 1)
    for (const item of items) {
      const terms = (item.getAttribute('data-cs-service') ?? '').split(' ')
      item.hidden = !words.every((word) => found(terms, word))
    }
  })
}

// Back office: choosing a response template puts its words in the reason box, to read or adapt
// before saving (without JavaScript, the server uses the template's words when the box is empty).
for (const picker of document.querySelectorAll('select[data-cs-fills]')) {
  const box = document.getElementById(picker.getAttribute('data-cs-fills') ?? '')
  picker.addEventListener('change', () => {
    const text = picker.selectedOptions[0]?.getAttribute('data-text')
    if (box && text) {
      box.value = text
      box.dispatchEvent(new Event('input'))
    }
  })
}
