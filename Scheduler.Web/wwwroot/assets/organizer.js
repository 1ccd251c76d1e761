// An organizer's public page: /u/{organizerId} lists what can be booked with them, each linking to
// its booking page.
import { api, el } from './api.js';

const $ = (id) => document.getElementById(id);
const organizerId = location.pathname.split('/').filter(Boolean).pop();

async function start() {
  const result = await api(`/api/organizers/${encodeURIComponent(organizerId)}`);
  $('organizer').removeAttribute('aria-busy');
  if (!result.ok) {
    $('organizer-name').textContent = 'Not found';
    $('load-error').textContent = result.status === 404
      ? 'Nobody offers bookings at this address (the link may be old, or the organizer offers nothing right now).'
      : (result.problem.title ?? 'Could not load the page.');
    return;
  }
  const { organizer, eventTypes } = result.data;
  document.title = `Book a time with ${organizer.name}`;
  $('organizer-name').textContent = organizer.name;
  $('organizer-intro').textContent = 'Pick what you would like to book.';
  $('offers').replaceChildren(...eventTypes.map(e => el('li', { class: 'card', dataset: { eventTypeId: e.id } },
    el('h2', {}, el('a', { href: `/book/${encodeURIComponent(e.id)}`, text: e.title })),
    el('ul', { class: 'meta' },
      el('li', { text: `${e.durationMinutes} min` }),
      e.location ? el('li', { text: e.location }) : null,
      e.requiresConfirmation ? el('li', { text: 'confirmed by the organizer' }) : null),
    e.description ? el('p', { text: e.description }) : null)));
}

start();
