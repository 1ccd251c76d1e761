// The public booking page: /book/{eventTypeId}[?date=YYYY-MM-DD&zone=Area/City]
import { api, browserZone, knownZone, knownZones, todayIn, addDays, mondayOf, formatLocalDate, formatDateIn, formatTimeIn, el, showFieldErrors } from './api.js';

const RangeDays = 14; // one slots call per fortnight
const $ = (id) => document.getElementById(id);
const eventTypeId = location.pathname.split('/').filter(Boolean).pop();
const query = new URLSearchParams(location.search);
// The last first day of a fortnight the API can list (its dates end with the year 9999).
const LastRangeStart = '9999-12-01';
/** A real calendar date (not 2031-02-30) whose fortnight the API can list, else null. */
const validDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s ?? '') && s <= LastRangeStart
  && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s ? s : null;

const state = {
  eventType: null,
  // A zone the browser does not know (a mistyped or hostile link) falls back to the visitor's own.
  zone: knownZone(query.get('zone')) || browserZone(),
  rangeStart: null,
  selectedDate: validDate(query.get('date')),
  slotsByDate: new Map(),
  selectedSlot: null,   // the slot's start string, sent back exactly
  submission: null,     // {fingerprint, key}: a retry of the same submission reuses its Idempotency-Key
  loadSeq: 0,
};

function showError(text) { $('message').textContent = text ?? ''; }

async function loadEventType() {
  const result = await api(`/api/event-types/${encodeURIComponent(eventTypeId)}`);
  $('event').removeAttribute('aria-busy');
  if (!result.ok) {
    $('event-title').textContent = 'Not available';
    $('load-error').textContent = result.status === 404 ? 'This booking page does not exist or is no longer active.' : (result.problem.title ?? 'Could not load this page.');
    return false;
  }
  const e = state.eventType = result.data;
  document.title = `${e.title} · ${e.organizer?.name ?? 'Book a time'}`;
  $('organizer-name').textContent = e.organizer?.name ?? '';
  $('event-title').textContent = e.title;
  $('event-duration').textContent = `${e.durationMinutes} min`;
  $('event-location').textContent = e.location ? `Where: ${e.location}` : '';
  $('event-description').textContent = e.description ?? '';
  return true;
}

function fillZones() {
  const select = $('zone');
  for (const zone of knownZones(state.zone)) select.append(el('option', { value: zone, text: zone.replaceAll('_', ' '), selected: zone === state.zone }));
  select.addEventListener('change', () => {
    state.zone = select.value;
    state.selectedSlot = null;
    const today = todayIn(state.zone);
    if (state.rangeStart < today) state.rangeStart = today;
    loadSlots();
  });
}

/** One call for the whole range; slots come with offsets of the asked zone, so their date is local. */
async function loadSlots({ keepMessage = false } = {}) {
  const seq = ++state.loadSeq;
  const from = state.rangeStart, to = addDays(from, RangeDays - 1);
  $('slots').setAttribute('aria-busy', 'true');
  const result = await api(`/api/event-types/${eventTypeId}/slots?from=${from}&to=${to}&timeZone=${encodeURIComponent(state.zone)}`);
  if (seq !== state.loadSeq) return; // a newer range or zone was asked for meanwhile
  $('slots').removeAttribute('aria-busy');
  if (!keepMessage) showError('');
  state.slotsByDate = new Map();
  if (!result.ok) {
    showError(result.problem.detail ?? result.problem.title ?? 'Could not load free times.');
  } else {
    for (const slot of result.data.slots) {
      const date = slot.start.slice(0, 10);
      if (!state.slotsByDate.has(date)) state.slotsByDate.set(date, []);
      state.slotsByDate.get(date).push(slot);
    }
  }
  if (!state.selectedDate || state.selectedDate < from || state.selectedDate > to) {
    state.selectedDate = [...state.slotsByDate.keys()].sort()[0] ?? from;
  }
  if (state.selectedSlot && !(state.slotsByDate.get(state.selectedDate) ?? []).some(s => s.start === state.selectedSlot)) state.selectedSlot = null;
  render();
}

function render() {
  const from = state.rangeStart, to = addDays(from, RangeDays - 1);
  $('range-label').textContent = `${formatLocalDate(from, { day: 'numeric', month: 'short' })} – ${formatLocalDate(to, { day: 'numeric', month: 'short', year: 'numeric' })}`;
  $('earlier').disabled = from <= todayIn(state.zone);

  const dates = $('dates');
  dates.replaceChildren();
  for (let i = 0; i < RangeDays; i++) {
    const date = addDays(from, i);
    const count = state.slotsByDate.get(date)?.length ?? 0;
    dates.append(el('button', {
      type: 'button', 'aria-pressed': String(date === state.selectedDate), dataset: { date },
      'aria-label': `${formatLocalDate(date)}: ${count ? `${count} free times` : 'no free times'}`,
      disabled: count === 0 && date !== state.selectedDate,
      onclick: () => { state.selectedDate = date; state.selectedSlot = null; render(); },
    }, el('span', { text: formatLocalDate(date, { weekday: 'short' }) }), el('span', { class: 'day', text: formatLocalDate(date, { day: 'numeric' }) })));
  }

  const slots = state.slotsByDate.get(state.selectedDate) ?? [];
  $('slots-heading').textContent = formatLocalDate(state.selectedDate);
  $('no-slots').hidden = slots.length > 0;
  const list = $('slots');
  list.replaceChildren(...slots.map(slot => el('li', {}, el('button', {
    type: 'button', class: 'slot', 'aria-pressed': String(slot.start === state.selectedSlot), dataset: { start: slot.start },
    text: slot.start.slice(11, 16),
    onclick: () => { state.selectedSlot = slot.start; showError(''); render(); $('name').focus(); },
  }))));

  $('chosen').textContent = state.selectedSlot
    ? `${formatLocalDate(state.selectedSlot.slice(0, 10))}, ${state.selectedSlot.slice(11, 16)} (${state.zone})`
    : 'Choose a time first.';
  $('submit').disabled = !state.selectedSlot;
}

function moveRange(days) {
  const today = todayIn(state.zone);
  let start = addDays(state.rangeStart, days);
  if (start < today) start = today;
  if (!/^\d{4}-/.test(start) || start > LastRangeStart) start = LastRangeStart; // years past 9999 print as +010000
  state.rangeStart = start;
  state.selectedDate = null;
  state.selectedSlot = null;
  loadSlots();
}

async function submit(event) {
  event.preventDefault();
  if (!state.selectedSlot) return;
  const form = event.target;
  const body = {
    eventTypeId, start: state.selectedSlot,
    name: form.name.value.trim(), email: form.email.value.trim(), notes: form.notes.value.trim() || null,
  };
  const fingerprint = JSON.stringify(body);
  if (state.submission?.fingerprint !== fingerprint) state.submission = { fingerprint, key: crypto.randomUUID() };
  $('submit').disabled = true;
  showError('');
  showFieldErrors(form, null);
  const result = await api('/api/bookings', { method: 'POST', body, headers: { 'Idempotency-Key': state.submission.key } });
  $('submit').disabled = false;
  if (result.ok) return confirm(result.data);

  switch (result.problem.token) {
    case 'slot-unavailable':
      state.submission = null;
      state.selectedSlot = null;
      showError('That time was just taken — pick another.');
      await loadSlots({ keepMessage: true });
      break;
    case 'outside-availability':
      state.submission = null;
      state.selectedSlot = null;
      showError('That time is no longer offered — pick another.');
      await loadSlots({ keepMessage: true });
      break;
    case 'validation':
      showFieldErrors(form, result.problem);
      showError('Please check the highlighted fields.');
      break;
    case 'retry':
    case 'network':
      showError('We could not confirm your booking. Please press Book again: you will not be booked twice.');
      break;
    default:
      showError(result.problem.detail ?? result.problem.title ?? 'Booking failed.');
  }
}

function confirm(booking) {
  $('booking').hidden = true;
  $('confirmation').hidden = false;
  const zone = state.zone;
  const host = state.eventType.organizer?.name ?? 'your host';
  $('confirmation-heading').textContent = booking.status === 'Pending' ? 'Booking requested' : 'You are booked';
  $('confirmation-text').textContent = booking.status === 'Pending'
    ? `${state.eventType.title} with ${host} is requested: ${host} confirms each booking, and the time is held for you meanwhile.`
    : `${state.eventType.title} with ${host} is booked.`;
  $('confirmation-time').textContent = `${formatDateIn(booking.start, zone)}, ${formatTimeIn(booking.start, zone)} – ${formatTimeIn(booking.end, zone)}`;
  $('confirmation-zone').textContent = `Times in ${zone}`;
  $('confirmation-email').textContent = booking.email;
  // Only organizers who confirmed their address have their bookers mailed: say so only then.
  $('confirmation-mailed').hidden = !state.eventType.organizer?.mailsBookers;
  $('manage-link').href = `/manage/${booking.id}?token=${encodeURIComponent(booking.manageToken)}`;
  $('calendar-link').href = `/api/bookings/${booking.id}/calendar.ics?token=${encodeURIComponent(booking.manageToken)}`;
  $('confirmation').scrollIntoView({ block: 'start' });
}

async function start() {
  if (!(await loadEventType())) return;
  $('booking').hidden = false;
  fillZones();
  const today = todayIn(state.zone);
  state.rangeStart = state.selectedDate && state.selectedDate > today ? (mondayOf(state.selectedDate) > today ? mondayOf(state.selectedDate) : today) : today;
  if (state.selectedDate && state.selectedDate < today) state.selectedDate = null;
  $('earlier').addEventListener('click', () => moveRange(-RangeDays));
  $('later').addEventListener('click', () => moveRange(RangeDays));
  $('jump').addEventListener('change', (e) => {
    const date = validDate(e.target.value);
    if (!date) return;
    const today = todayIn(state.zone);
    state.selectedDate = date < today ? today : date;
    state.rangeStart = mondayOf(state.selectedDate) > today ? mondayOf(state.selectedDate) : today;
    state.selectedSlot = null;
    loadSlots();
  });
  $('book-form').addEventListener('submit', submit);
  await loadSlots();
}

start();
