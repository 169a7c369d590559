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
// searches on the server when submitted).
const search = document.querySelector('[data-cs-service-search]')
if (search) {
  const input = search.querySelector('input[type="search"]')
  const items = document.querySelectorAll('[data-cs-service]')
  input?.addEventListener('input', () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean)
    for (const item of items) {
      const text = item.getAttribute('data-cs-service') ?? ''
      item.hidden = !words.every((word) => text.includes(word))
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
