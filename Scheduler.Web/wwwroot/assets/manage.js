// Views and cancels one booking with its manage token: /manage/{bookingId}?token=...
import { api, browserZone, formatDateIn, formatTimeIn } from './api.js';

const $ = (id) => document.getElementById(id);
const lastSegment = location.pathname.split('/').filter(Boolean).pop();
// Any id the server's route takes (with or without hyphens); /manage itself names none.
const bookingId = /^[0-9a-f]{8}-?([0-9a-f]{4}-?){3}[0-9a-f]{12}$/i.test(lastSegment ?? '') ? lastSegment : null;
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
  const ended = new Date(booking.end) <= new Date();
  $('cancel-form').hidden = cancelled || ended;
  $('cancelled-note').hidden = !cancelled;
  if (cancelled) {
    const by = booking.cancelledBy === 'organizer' ? 'The organizer cancelled this booking.' : 'This booking is cancelled.';
    $('cancelled-note').textContent = by + (booking.cancellationReason ? ` Reason: ${booking.cancellationReason}` : '');
  }
  $('pending-note').hidden = booking.status !== 'Pending' || ended;
  $('ended-note').hidden = cancelled || !ended;
  $('details').hidden = false;
}

// "Lost your link?": mails the address the links to its upcoming bookings (the answer is the same
// whether or not anything was booked with it).
function offerLinks() {
  $('links-form').hidden = false;
  $('links-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('links-send').disabled = true;
    $('message').textContent = '';
    $('links-sent').hidden = true;
    const sent = await api('/api/bookings/links', { method: 'POST', body: { email: $('links-email').value.trim() } });
    $('links-send').disabled = false;
    if (sent.ok) $('links-sent').hidden = false;
    else $('message').textContent = sent.problem.errors?.email?.[0] ?? sent.problem.detail ?? sent.problem.title ?? 'Could not send the links.';
  });
}

async function start() {
  if (!bookingId) {
    $('booking').removeAttribute('aria-busy');
    $('title').textContent = 'Find your bookings';
    offerLinks();
    return;
  }
  const result = await api(withToken(`/api/bookings/${encodeURIComponent(bookingId)}`));
  $('booking').removeAttribute('aria-busy');
  if (!result.ok) {
    $('message').textContent = result.status === 404
      ? 'This booking link is not valid. Enter your address below and we mail you the links to your bookings.'
      : (result.problem.title ?? 'Could not load the booking.');
    if (result.status === 404) offerLinks();
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
