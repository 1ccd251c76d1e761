// Views and cancels one booking with its manage token: /manage/{bookingId}?token=...
import { api, browserZone, formatDateIn, formatTimeIn } from './api.js';

const $ = (id) => document.getElementById(id);
const bookingId = location.pathname.split('/').filter(Boolean).pop();
const token = new URLSearchParams(location.search).get('token') ?? '';
const zone = browserZone();
const withToken = (path) => `${path}?token=${encodeURIComponent(token)}`;

function show(booking) {
  $('time').textContent = `${formatDateIn(booking.start, zone)}, ${formatTimeIn(booking.start, zone)} – ${formatTimeIn(booking.end, zone)}`;
  $('zone').textContent = `Times in ${zone}`;
  $('booker').textContent = `${booking.name} <${booking.email}>`;
  $('calendar-link').href = withToken(`/api/bookings/${encodeURIComponent(booking.id)}/calendar.ics`);
  const status = $('status');
  status.textContent = booking.status;
  status.className = `status ${booking.status}`;
  const cancelled = booking.status === 'Cancelled';
  $('cancel-form').hidden = cancelled;
  $('cancelled-note').hidden = !cancelled;
  if (cancelled) {
    const by = booking.cancelledBy === 'organizer' ? 'The organizer cancelled this booking.' : 'This booking is cancelled.';
    $('cancelled-note').textContent = by + (booking.cancellationReason ? ` Reason: ${booking.cancellationReason}` : '');
  }
  $('pending-note').hidden = booking.status !== 'Pending';
  $('details').hidden = false;
}

async function start() {
  const result = await api(withToken(`/api/bookings/${encodeURIComponent(bookingId)}`));
  $('booking').removeAttribute('aria-busy');
  if (!result.ok) {
    $('message').textContent = result.status === 404 ? 'This booking link is not valid.' : (result.problem.title ?? 'Could not load the booking.');
    return;
  }
  show(result.data);
  const eventType = await api(`/api/event-types/${result.data.eventTypeId}`);
  if (eventType.ok) {
    $('title').textContent = eventType.data.title;
    $('organizer-name').textContent = eventType.data.organizer?.name ?? '';
    $('location').textContent = eventType.data.location ? `Where: ${eventType.data.location}` : '';
  }
  $('cancel-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('cancel').disabled = true;
    $('message').textContent = '';
    const reason = $('reason').value.trim() || null;
    const cancelled = await api(withToken(`/api/bookings/${bookingId}/cancel`), { method: 'POST', body: { reason } });
    $('cancel').disabled = false;
    if (cancelled.ok) show(cancelled.data);
    else $('message').textContent = cancelled.problem.detail ?? cancelled.problem.title ?? 'Could not cancel.';
  });
}

start();
