// The organizer dashboard: bookings and notifications kept live over SignalR, event types and
// weekly availability editors. The access token lives in sessionStorage (per tab, gone on close).
import { api, browserZone, knownZones, formatShortIn, formatTimeIn, formatLocalDate, el, showFieldErrors, showNotice } from './api.js';

const $ = (id) => document.getElementById(id);
const TokenKey = 'scheduler.accessToken';
const Days = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const zone = browserZone();

const state = { token: sessionStorage.getItem(TokenKey), me: null, eventTypes: new Map(), bookings: new Map(), unread: 0, connection: null };
const call = (path, options = {}) => api(path, { ...options, token: state.token }).then(result => {
  // A password change ends this tab's token on purpose; it signs in again itself.
  if (result.status === 401 && state.token && !state.changingPassword) signOut();
  return result;
});

// Runs an action with its buttons disabled, so a double click sends it once.
async function busy(buttons, action) {
  const list = [].concat(buttons).filter(Boolean);
  if (list.some(b => b.disabled)) return;
  for (const b of list) b.disabled = true;
  try { return await action(); } finally { for (const b of list) b.disabled = false; }
}
const submitButtons = (form) => [...form.querySelectorAll('button[type=submit]')];

// ---- sign in / out ----
async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  $('sign-in-error').textContent = '';
  $('sign-in-submit').disabled = true;
  const failed = await signInWith(form.email.value.trim(), form.password.value);
  $('sign-in-submit').disabled = false;
  if (failed) {
    $('sign-in-error').textContent = failed.problem.token === 'invalid-credentials' ? 'Wrong email or password.'
      : (failed.problem.detail ?? failed.problem.title ?? 'Could not sign in.');
    return;
  }
  form.reset();
  await showApp();
}

// Mails a reset link to the address typed above, if it has an account (the answer never says).
async function forgotPassword() {
  const email = $('sign-in-email');
  $('sign-in-error').textContent = '';
  if (!email.value.trim() || !email.checkValidity()) {
    $('sign-in-error').textContent = 'Type your email address above first.';
    email.focus();
    return;
  }
  $('forgot-password').disabled = true;
  const result = await api('/api/auth/forgot-password', { method: 'POST', body: { email: email.value.trim() } });
  $('forgot-password').disabled = false;
  const message = $('forgot-message');
  message.hidden = false;
  message.className = result.ok ? 'notice success' : 'notice error';
  message.textContent = result.ok
    ? `If ${email.value.trim()} has an account, a link to choose a new password is on its way there. It works once, for an hour.`
    : (result.problem.title ?? 'Could not ask for a link.');
}

// Signs in with an address and password; returns the failed result, or null once the app shows.
async function signInWith(email, password) {
  const result = await api('/api/auth/token', { method: 'POST', body: { email, password } });
  if (!result.ok) return result;
  state.token = result.data.accessToken;
  sessionStorage.setItem(TokenKey, state.token);
  return null;
}

function zoneOptions(select, selected) {
  select.replaceChildren(...knownZones(selected).map(z => el('option', { value: z, text: z.replaceAll('_', ' '), selected: z === selected })));
}

function showSignUp(show) {
  $('sign-in').hidden = show;
  $('sign-up').hidden = !show;
  if (show) {
    zoneOptions($('sign-up-zone'), zone);
    $('sign-up-error').textContent = '';
    $('sign-up-name').focus();
  }
}

async function signUp(event) {
  event.preventDefault();
  const form = event.target;
  $('sign-up-error').textContent = '';
  $('sign-up-submit').disabled = true;
  const body = { name: form.name.value.trim(), email: form.email.value.trim(), password: form.password.value, timeZone: form.timeZone.value };
  const result = await api('/api/users', { method: 'POST', body });
  showFieldErrors(form, result.ok ? null : result.problem);
  if (!result.ok) {
    $('sign-up-submit').disabled = false;
    $('sign-up-error').textContent = result.problem.token === 'email-taken'
      ? 'This address has an account already: sign in, or use “Forgot your password?” there if it is yours.'
      : result.problem.token === 'validation' ? 'Please check the fields below.' : (result.problem.title ?? 'Could not create the account.');
    return;
  }
  const failed = await signInWith(body.email, body.password);
  $('sign-up-submit').disabled = false;
  if (failed) {
    showSignUp(false);
    $('sign-in-email').value = body.email;
    $('sign-in-error').textContent = `Your account is created, but signing in failed (${failed.problem.detail ?? failed.problem.title ?? 'try again'}): sign in here.`;
    return;
  }
  form.reset();
  $('sign-up').hidden = true;
  await showApp();
}

function signOut() {
  // Signing out ends the token on the server too (a copy left elsewhere is worthless from now on).
  if (state.token) api('/api/auth/revoke', { method: 'POST', body: {}, token: state.token });
  sessionStorage.removeItem(TokenKey);
  state.token = null;
  state.connection?.stop();
  state.connection = null;
  $('app').hidden = true;
  for (const id of ['sign-out', 'notifications-button', 'live']) $(id).hidden = true;
  $('me').textContent = '';
  // Nothing of this account stays on the page for whoever signs in next.
  editEventType(null);
  $('bookings-filter').value = '';
  for (const id of ['block-form', 'override-form', 'profile-form', 'password-form']) { $(id).reset(); showFieldErrors($(id), null); }
  for (const id of ['block-message', 'override-message', 'profile-message', 'password-message', 'availability-message', 'forgot-message']) $(id).textContent = '';
  for (const id of ['bookings', 'past', 'notifications', 'event-types', 'rules', 'blocks', 'overrides', 'my-bookings']) $(id).replaceChildren();
  $('past-bookings').open = false;
  showFeed(null);
  $('feed-form').reset();
  $('feed-error').textContent = '';
  state.morePast = null;
  state.bookings.clear();
  state.eventTypes = new Map();
  $('my-bookings-card').hidden = true;
  $('sign-up').hidden = true;
  $('sign-in').hidden = false;
}

async function showApp() {
  const me = await call('/api/me');
  if (!me.ok) { signOut(); return; }
  state.me = me.data;
  $('sign-in').hidden = true;
  $('app').hidden = false;
  for (const id of ['sign-out', 'notifications-button', 'live']) $(id).hidden = false;
  showProfile();
  $('bookings-zone').textContent = `Times in ${zone}`;
  await connect(); // before loading, so nothing published in between is missed
  await Promise.all([loadBookings(), loadNotifications(), loadEventTypes(), loadRules(), loadBlocks(), loadOverrides(), loadMyBookings(), loadFeed()]);
}

// ---- live updates ----
async function connect() {
  if (!window.signalR) { setLive('unavailable'); return; }
  const connection = new signalR.HubConnectionBuilder()
    .withUrl('/hubs/notifications', { accessTokenFactory: () => state.token })
    .withAutomaticReconnect()
    .build();
  connection.on('BookingChanged', onBookingChanged);
  connection.on('Notification', onNotification);
  connection.onreconnecting(() => setLive('reconnecting'));
  // Whatever happened while disconnected is not replayed: reload the lists.
  connection.onreconnected(() => { setLive('connected'); loadBookings(); loadNotifications(); loadMyBookings(); });
  connection.onclose(() => setLive('disconnected'));
  state.connection = connection;
  try {
    await connection.start();
    setLive('connected');
  } catch {
    setLive('disconnected');
  }
}

function setLive(live) {
  const node = $('live');
  node.dataset.state = live;
  node.textContent = live === 'connected' ? '● live' : live;
}

function onBookingChanged(change) {
  const booking = change.booking;
  // Changes to bookings I made with other organizers reach me too; this list is my calendar.
  if (state.me && booking.organizerId !== state.me.id) { loadMyBookings(); return; }
  if (change.kind === 'cancelled' || booking.status === 'Cancelled') removeBooking(booking.id);
  else if (bookingsFilter() && booking.status !== bookingsFilter()) removeBooking(booking.id);
  else upsertBooking(booking);
}

function onNotification(notification) {
  const list = $('notifications');
  if (list.querySelector(`[data-notification-id="${notification.id}"]`)) return;
  list.prepend(notificationItem(notification));
  if (!notification.readAt) setUnread(state.unread + 1);
}

// ---- bookings ----
const bookingsFilter = () => $('bookings-filter').value;

async function loadBookings() {
  const status = bookingsFilter();
  const result = await call(`/api/bookings?limit=100${status ? `&status=${status}` : ''}`);
  if (status !== bookingsFilter()) return; // the filter changed meanwhile: that load wins
  if (!result.ok) return;
  state.bookings.clear();
  $('bookings').replaceChildren();
  if (showBookings(result) === 0) await moreBookings();
}

// One page of the listing, and where the next one is (the Link header).
// Returns how many rows it showed (cancelled bookings are not shown).
function showBookings(result) {
  let shown = 0;
  for (const booking of result.data) if (booking.status !== 'Cancelled') { upsertBooking(booking); shown++; }
  state.moreBookings = result.next;
  $('more-bookings').hidden = !result.next;
  updateEmpty();
  return shown;
}

// The next page with something to show: pages of only cancelled bookings are skipped (a few at most).
async function moreBookings() {
  for (let pages = 0; pages < 20 && state.moreBookings; pages++) {
    const result = await call(state.moreBookings);
    if (!result.ok || showBookings(result) > 0) return;
  }
}

function upsertBooking(booking) {
  if (new Date(booking.end) < new Date()) return;
  state.bookings.set(booking.id, booking);
  const row = el('tr', { dataset: { bookingId: booking.id, start: booking.start } },
    el('td', { text: formatShortIn(booking.start, zone) }),
    el('td', { text: state.eventTypes.get(booking.eventTypeId)?.title ?? '' }),
    el('td', {}, el('span', { class: 'booker-name', text: booking.name }), el('br'), el('a', { class: 'booker-email', href: `mailto:${encodeURIComponent(booking.email)}`, text: booking.email }),
      booking.notes ? el('div', { class: 'booker-notes muted', text: booking.notes }) : null),
    el('td', {}, el('span', { class: `status ${booking.status}`, text: booking.status })),
    el('td', { class: 'actions' }, ...bookingActions(booking)));
  const body = $('bookings');
  body.querySelector(`[data-booking-id="${booking.id}"]`)?.remove();
  const later = [...body.children].find(r => new Date(r.dataset.start) > new Date(booking.start));
  body.insertBefore(row, later ?? null);
  updateEmpty();
}

// Pending: confirm or decline; confirmed: cancel. Declining and cancelling ask for a reason, which the
// booker reads in their notification and on the manage page.
function bookingActions(booking) {
  const cancel = el('button', { type: 'button', class: 'secondary', text: booking.status === 'Pending' ? 'Decline' : 'Cancel',
    onclick: (e) => askReason(booking, e.target.closest('td')) });
  if (booking.status !== 'Pending') return [cancel];
  return [el('button', { type: 'button', class: 'confirm', text: 'Confirm', onclick: (e) => confirmBooking(booking, e.target) }), cancel];
}

async function confirmBooking(booking, button) {
  button.disabled = true;
  const result = await call(`/api/bookings/${booking.id}/confirm`, { method: 'POST' });
  if (result.ok && bookingsFilter() && result.data.status !== bookingsFilter()) removeBooking(booking.id);
  else if (result.ok) upsertBooking(result.data);
  else showActionError(button.closest('td'), result.problem, booking);
}

function askReason(booking, cell) {
  const reason = el('input', { name: 'reason', maxlength: 1000, placeholder: 'Reason, for the booker (optional)', 'aria-label': `Reason for cancelling ${booking.name}'s booking` });
  const form = el('form', { class: 'row cancel-form' }, reason,
    el('button', { type: 'submit', class: 'danger', text: booking.status === 'Pending' ? 'Decline booking' : 'Cancel booking' }),
    el('button', { type: 'button', class: 'secondary', text: 'Keep', onclick: () => cell.replaceChildren(...bookingActions(booking)) }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const button of form.querySelectorAll('button')) button.disabled = true;
    const body = reason.value.trim() ? { reason: reason.value.trim() } : {};
    const result = await call(`/api/bookings/${booking.id}/cancel`, { method: 'POST', body });
    if (result.ok) removeBooking(booking.id);
    else showActionError(cell, result.problem, booking);
  });
  cell.replaceChildren(form);
  reason.focus();
}

function showActionError(cell, problem, booking) {
  cell.replaceChildren(el('span', { class: 'field-error', role: 'alert', text: problem.detail ?? problem.title ?? 'That did not work.' }),
    ...bookingActions(booking));
}

function removeBooking(id) {
  state.bookings.delete(id);
  $('bookings').querySelector(`[data-booking-id="${id}"]`)?.remove();
  updateEmpty();
}

function updateEmpty() {
  $('no-bookings').hidden = $('bookings').children.length > 0;
  $('no-bookings').textContent = bookingsFilter() === 'Pending' ? 'Nothing waits for your confirmation.' : 'No upcoming bookings.';
}

// ---- past bookings ----
// Loaded when the card is opened (and again on each opening): what has ended, most recent first, a
// page at a time. Not kept live: the past changes only when a booking ends.
async function loadPast() {
  const result = await call('/api/bookings?past=true&limit=50');
  if (!result.ok || !$('past-bookings').open) return;
  $('past').replaceChildren();
  showPast(result);
}

function showPast(result) {
  $('past').append(...result.data.map(pastRow));
  state.morePast = result.next;
  $('more-past').hidden = !result.next;
  $('no-past').hidden = $('past').children.length > 0;
}

async function morePast() {
  if (!state.morePast) return;
  const result = await call(state.morePast);
  if (result.ok) showPast(result);
}

function pastRow(booking) {
  const start = new Date(booking.start);
  // The year too when it is not this year's: the past reaches back further than the upcoming list.
  const sameYear = start.getFullYear() === new Date().getFullYear();
  const when = sameYear ? formatShortIn(booking.start, zone)
    : `${new Intl.DateTimeFormat(undefined, { timeZone: zone, day: 'numeric', month: 'short', year: 'numeric' }).format(start)}, ${formatTimeIn(start, zone)}`;
  const status = [el('span', { class: `status ${booking.status}`, text: booking.status })];
  if (booking.status === 'Cancelled') {
    status.push(el('div', { class: 'muted', text: `${booking.cancelledBy === 'booker' ? 'by the booker' : 'by you'}${booking.cancellationReason ? `: ${booking.cancellationReason}` : ''}` }));
  }
  return el('tr', { dataset: { bookingId: booking.id } },
    el('td', { text: when }),
    el('td', { text: state.eventTypes.get(booking.eventTypeId)?.title ?? '' }),
    el('td', {}, el('span', { class: 'booker-name', text: booking.name }), el('br'), el('a', { class: 'booker-email', href: `mailto:${encodeURIComponent(booking.email)}`, text: booking.email })),
    el('td', {}, ...status));
}

// ---- calendar feed ----
// A secret address calendar apps subscribe to; the server keeps only its hash, so the address is
// shown once, when it is made.
async function loadFeed() {
  const result = await call('/api/me/calendar-feed');
  showFeed(result.ok ? result.data.createdAt : null);
}

function showFeed(createdAt, url = null) {
  $('feed-status').textContent = createdAt
    ? `Your feed address made ${formatShortIn(createdAt, zone)} is working. If you no longer have it, make a new one: the old one then stops working, as it does when you sign out everywhere or change your password.`
    : 'Make an address your calendar app subscribes to, and your bookings (the last month\'s and all upcoming ones) appear there beside your other appointments, updated as they come in.';
  $('feed-create').textContent = createdAt ? 'Make a new feed address' : 'Make a feed address';
  $('feed-delete').hidden = !createdAt;
  $('feed-new').hidden = !url;
  $('feed-url').value = url ?? '';
}

// Asks for the password: an address that outlives this sign-in should need more than this tab's token.
async function createFeed(event) {
  const form = event.target;
  $('feed-error').textContent = '';
  const result = await call('/api/me/calendar-feed', { method: 'POST', body: { currentPassword: form.currentPassword.value } });
  if (!result.ok) {
    $('feed-error').textContent = result.problem.errors?.currentPassword ? 'That is not your password.' : (result.problem.detail ?? result.problem.title ?? 'Could not make the address.');
    return;
  }
  form.reset();
  showFeed(result.data.createdAt, result.data.url);
  $('feed-url').select();
}

async function deleteFeed() {
  const result = await call('/api/me/calendar-feed', { method: 'DELETE' });
  if (result.ok) showFeed(null);
}

// ---- notifications ----
async function loadNotifications() {
  const [list, unread] = await Promise.all([call('/api/notifications?limit=50'), call('/api/notifications/unread-count')]);
  if (list.ok) {
    $('notifications').replaceChildren(...list.data.map(notificationItem));
    setMoreNotifications(list.next);
  }
  if (unread.ok) setUnread(unread.data.count);
}

function setMoreNotifications(next) {
  state.moreNotifications = next;
  $('more-notifications').hidden = !next;
}

async function moreNotifications() {
  if (!state.moreNotifications) return;
  const result = await call(state.moreNotifications);
  if (!result.ok) return;
  const list = $('notifications');
  for (const n of result.data) if (!list.querySelector(`[data-notification-id="${n.id}"]`)) list.append(notificationItem(n));
  setMoreNotifications(result.next);
}

function notificationItem(n) {
  const item = el('li', { class: n.readAt ? '' : 'unread', dataset: { notificationId: n.id } },
    el('span', { class: 'muted', text: formatShortIn(n.sentAt, zone) }),
    el('span', { class: 'spacer', text: n.message }));
  if (!n.readAt) item.append(el('button', { type: 'button', class: 'secondary', text: 'Mark read', onclick: () => markRead(n.id, item) }));
  return item;
}

async function markRead(id, item) {
  const result = await call(`/api/notifications/${id}/read`, { method: 'POST' });
  if (!result.ok) return;
  if (item.classList.contains('unread')) setUnread(state.unread - 1);
  item.classList.remove('unread');
  item.querySelector('button')?.remove();
}

function setUnread(count) {
  state.unread = Math.max(0, count);
  const badge = $('unread-badge');
  badge.textContent = String(state.unread);
  badge.dataset.count = String(state.unread);
  badge.setAttribute('aria-label', `${state.unread} unread notifications`);
}

// ---- event types ----
async function loadEventTypes() {
  const result = await call('/api/event-types');
  if (!result.ok) return;
  state.eventTypes = new Map(result.data.map(e => [e.id, e]));
  renderEventTypes();
  for (const row of $('bookings').children) {
    const booking = state.bookings.get(row.dataset.bookingId);
    if (booking) row.children[1].textContent = state.eventTypes.get(booking.eventTypeId)?.title ?? '';
  }
}

function renderEventTypes() {
  $('event-types').replaceChildren(...[...state.eventTypes.values()].map(e => el('li', { dataset: { eventTypeId: e.id } },
    el('div', { class: 'row' },
      el('strong', { text: e.title }), el('span', { class: 'muted', text: `${e.durationMinutes} min` }),
      el('span', { class: `status ${e.active ? 'Confirmed' : 'Cancelled'}`, text: e.active ? 'active' : 'inactive' }),
      e.requiresConfirmation ? el('span', { class: 'status Pending', text: 'you confirm' }) : null,
      e.listed ? el('span', { class: 'status', text: 'on your page' }) : null),
    el('div', { class: 'row' },
      el('a', { class: 'booking-link', href: `/book/${e.id}`, target: '_blank', text: 'Booking page' }),
      el('button', { type: 'button', class: 'secondary', text: 'Edit', onclick: () => editEventType(e) }),
      el('button', { type: 'button', class: 'secondary', text: e.active ? 'Deactivate' : 'Activate', onclick: (ev) => busy(ev.target, () => saveEventType({ ...e, active: !e.active }, e.id)) }),
      el('button', { type: 'button', class: 'secondary', text: 'Delete', onclick: (ev) => askDelete(e, ev.target.closest('li')) })))));
}

// Deleting asks first; an event type with upcoming bookings asks again, whether to cancel them (their
// bookers are told) or keep it.
function askDelete(e, item) {
  const row = el('div', { class: 'row delete-confirm', role: 'group', 'aria-label': `Delete ${e.title}` });
  const keep = el('button', { type: 'button', class: 'secondary', text: 'Keep', onclick: () => row.remove() });
  const ask = (text, cancelBookings) => row.replaceChildren(el('span', { text }),
    el('button', { type: 'button', class: 'danger', text: cancelBookings ? 'Delete and cancel them' : 'Delete',
      onclick: (ev) => busy(ev.target, () => deleteEventType(e, cancelBookings, ask, row)) }), keep);
  ask(`Delete “${e.title}”? Its booking page stops working; past bookings stay.`, false);
  item.querySelector('.delete-confirm')?.remove();
  item.append(row);
}

async function deleteEventType(e, cancelBookings, ask, row) {
  const result = await call(`/api/event-types/${e.id}${cancelBookings ? '?cancelBookings=true' : ''}`, { method: 'DELETE' });
  if (result.ok) {
    state.eventTypes.delete(e.id);
    if ($('event-type-form').id.value === e.id) editEventType(null);
    renderEventTypes();
  } else if (result.problem.token === 'has-bookings') {
    ask(`“${e.title}” has upcoming bookings. Cancel them (each booker is told) and delete it?`, true);
  } else {
    row.replaceChildren(el('span', { class: 'field-error', role: 'alert', text: result.problem.title ?? 'Could not delete it.' }));
  }
}

function editEventType(e) {
  const form = $('event-type-form');
  form.id.value = e?.id ?? '';
  form.title.value = e?.title ?? '';
  form.description.value = e?.description ?? '';
  form.durationMinutes.value = e?.durationMinutes ?? 30;
  form.location.value = e?.location ?? '';
  form.active.checked = e?.active ?? true;
  form.requiresConfirmation.checked = e?.requiresConfirmation ?? false;
  form.listed.checked = e?.listed ?? false;
  form.reminderMinutes.value = e?.reminderMinutes ?? 60;
  for (const key of LIMITS) form[key].value = e?.[key] ?? '';
  $('event-type-form-heading').textContent = e ? `Edit “${e.title}”` : 'New event type';
  $('event-type-save').textContent = e ? 'Save' : 'Create';
  $('event-type-cancel').hidden = !e;
  showFieldErrors(form, null);
  $('event-type-error').textContent = '';
  if (e) form.title.focus();
}

// The scheduling limits: an empty field is "no limit" (null).
const LIMITS = ['slotIntervalMinutes', 'bufferBeforeMinutes', 'bufferAfterMinutes', 'minimumNoticeMinutes', 'maxDaysInFuture',
  'maxBookingsPerDay', 'maxBookingsPerWeek'];
const KEPT_SETTINGS = ['requiresConfirmation', 'listed', 'reminderMinutes', ...LIMITS];
const numberOrNull = (input) => input.value.trim() === '' ? null : Number(input.value);

async function saveEventType(e, id) {
  const body = { title: e.title, description: e.description, durationMinutes: Number(e.durationMinutes), location: e.location, active: e.active, requiresConfirmation: e.requiresConfirmation ?? false };
  // PUT replaces: settings the form does not show are sent back as stored, not reset.
  const stored = id ? state.eventTypes.get(id) : undefined;
  for (const key of KEPT_SETTINGS) {
    const value = key in e ? e[key] : stored?.[key];
    if (value !== undefined) body[key] = value;
  }
  const result = id
    ? await call(`/api/event-types/${id}`, { method: 'PUT', body })
    : await call('/api/event-types', { method: 'POST', body });
  if (result.ok) {
    state.eventTypes.set(result.data.id, result.data);
    renderEventTypes();
  }
  return result;
}

async function submitEventType(event) {
  event.preventDefault();
  const form = event.target;
  const id = form.id.value || null;
  const existing = id ? state.eventTypes.get(id) : null;
  const result = await saveEventType({
    ...existing, title: form.title.value.trim(), description: form.description.value, durationMinutes: form.durationMinutes.value,
    location: form.location.value.trim(), active: form.active.checked, requiresConfirmation: form.requiresConfirmation.checked,
    listed: form.listed.checked,
    reminderMinutes: numberOrNull(form.reminderMinutes) ?? 60,
    ...Object.fromEntries(LIMITS.map(key => [key, numberOrNull(form[key])])),
  }, id);
  showFieldErrors(form, result.ok ? null : result.problem);
  $('event-type-error').textContent = result.ok ? '' : (result.problem.detail ?? result.problem.title ?? 'Could not save.');
  if (result.ok) editEventType(null);
}

// ---- bookings I made with other organizers ----
const publicEventTypes = new Map();

async function publicEventType(id) {
  if (!publicEventTypes.has(id)) publicEventTypes.set(id, call(`/api/event-types/${id}`).then(r => r.ok ? r.data : null));
  return publicEventTypes.get(id);
}

// Loads overlap (live changes, reconnects, Show more): each knows its run, and only the latest one's
// results land, each page in one step.
let myBookingsRun = 0;

async function loadMyBookings() {
  const run = ++myBookingsRun;
  const result = await call('/api/bookings?role=booker&limit=100');
  if (!result.ok || run !== myBookingsRun) return;
  await showMyBookings(result, run, true);
}

async function showMyBookings(result, run, replace) {
  const mine = result.data.filter(b => b.organizerId !== state.me.id && b.status !== 'Cancelled' && new Date(b.end) >= new Date());
  const items = await Promise.all(mine.map(async (b) => {
    const type = await publicEventType(b.eventTypeId);
    const what = type ? `${type.title} with ${type.organizer?.name ?? 'an organizer'}` : 'A booking';
    const item = el('li', { dataset: { bookingId: b.id } },
      el('strong', { text: what }),
      el('span', { class: 'muted spacer', text: formatShortIn(b.start, zone) }),
      el('span', { class: `status ${b.status}`, text: b.status }),
      el('button', { type: 'button', class: 'secondary', text: 'Cancel', 'aria-label': `Cancel ${what}`, onclick: (e) => busy(e.target, () => cancelMine(b, item)) }));
    return item;
  }));
  if (run !== myBookingsRun) return;
  if (replace) $('my-bookings').replaceChildren(...items);
  else $('my-bookings').append(...items);
  state.moreMine = result.next;
  $('more-mine').hidden = !result.next;
  $('my-bookings-card').hidden = $('my-bookings').children.length === 0 && !result.next;
}

async function moreMine() {
  if (!state.moreMine) return;
  const run = myBookingsRun;
  const result = await call(state.moreMine);
  if (result.ok && run === myBookingsRun) await showMyBookings(result, run, false);
}

async function cancelMine(booking, item) {
  const result = await call(`/api/bookings/${booking.id}/cancel`, { method: 'POST', body: {} });
  if (result.ok) {
    item.remove();
    $('my-bookings-card').hidden = $('my-bookings').children.length === 0;
  } else {
    item.append(el('span', { class: 'field-error', role: 'alert', text: result.problem.detail ?? result.problem.title ?? 'Could not cancel.' }));
  }
}

// ---- time off ----
async function loadBlocks() {
  const result = await call('/api/events/blocked');
  if (!result.ok) return;
  $('blocks').replaceChildren(...result.data.map(block => el('li', { dataset: { eventId: block.id } },
    el('strong', { text: block.title }),
    el('span', { class: 'muted spacer', text: `${formatShortIn(block.start, zone)} – ${formatShortIn(block.end, zone)}` }),
    el('button', { type: 'button', class: 'secondary', text: 'Remove', 'aria-label': `Remove ${block.title}`, onclick: (e) => busy(e.target, () => removeBlock(block.id)) }))));
  if (result.data.length === 0) $('blocks').append(el('li', { class: 'muted', text: 'None.' }));
}

async function blockTime(event) {
  event.preventDefault();
  const form = event.target;
  // datetime-local is the browser's wall clock: the Date reads it in the browser's zone.
  const instant = (value) => value ? new Date(value).toISOString() : '';
  const result = await call('/api/events', { method: 'POST', body: { title: form.title.value.trim(), start: instant(form.start.value), end: instant(form.end.value) } });
  showFieldErrors(form, result.ok ? null : result.problem);
  showNotice($('block-message'), result.ok ? 'success' : 'error', result.ok ? 'Blocked.' : (result.problem.title ?? 'Could not block the time.'));
  if (result.ok) { form.start.value = ''; form.end.value = ''; await loadBlocks(); }
}

async function removeBlock(id) {
  const result = await call(`/api/events/${id}`, { method: 'DELETE' });
  showNotice($('block-message'), result.ok ? 'success' : 'error', result.ok ? 'Removed: its slots are offered again.' : (result.problem.title ?? 'Could not remove it.'));
  await loadBlocks();
}

async function loadOverrides() {
  $('overrides-zone').textContent = `Replace the weekly hours of one date (in your profile's zone, ${state.me.timeZone}).`;
  const result = await call('/api/availability/overrides');
  if (!result.ok) return;
  $('overrides').replaceChildren(...result.data.map(o => el('li', { dataset: { date: o.date } },
    el('strong', { text: formatLocalDate(o.date, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }) }),
    el('span', { class: 'muted spacer', text: o.unavailable || o.intervals.length === 0 ? 'day off' : o.intervals.map(i => `${i.startTime}–${i.endTime}`).join(', ') }),
    el('button', { type: 'button', class: 'secondary', text: 'Remove', 'aria-label': `Remove the override of ${o.date}`, onclick: (e) => busy(e.target, () => removeOverride(o.date)) }))));
  if (result.data.length === 0) $('overrides').append(el('li', { class: 'muted', text: 'None: every date follows the weekly hours.' }));
}

async function saveOverride(event) {
  event.preventDefault();
  const form = event.target;
  const start = form.startTime.value, end = form.endTime.value;
  const body = start || end ? { intervals: [{ startTime: start, endTime: end }] } : { unavailable: true };
  const result = await call(`/api/availability/overrides/${encodeURIComponent(form.date.value)}`, { method: 'PUT', body });
  showFieldErrors(form, result.ok ? null : result.problem);
  const detail = result.ok ? '' : Object.values(result.problem.errors ?? {}).flat().join(' ');
  showNotice($('override-message'), result.ok ? 'success' : 'error', result.ok ? 'Saved.' : `${result.problem.title ?? 'Could not save.'} ${detail}`.trim());
  if (result.ok) { form.reset(); await loadOverrides(); }
}

async function removeOverride(date) {
  const result = await call(`/api/availability/overrides/${encodeURIComponent(date)}`, { method: 'DELETE' });
  showNotice($('override-message'), result.ok ? 'success' : 'error', result.ok ? 'Removed: that date follows the weekly hours again.' : (result.problem.title ?? 'Could not remove it.'));
  await loadOverrides();
}

// ---- account ----
function showProfile() {
  const me = state.me;
  $('me').textContent = me.name;
  $('my-page').href = `/u/${me.id}`;
  $('my-page').textContent = `${location.origin}/u/${me.id}`;
  $('availability-zone').textContent = `Local times in your profile's zone, ${me.timeZone}.`;
  const form = $('profile-form');
  form.name.value = me.name;
  zoneOptions(form.timeZone, me.timeZone);
  $('password-form').username.value = me.email;
  $('verify-banner').hidden = me.emailVerified;
  $('verify-text').textContent = me.emailVerified ? ''
    : `Confirm your address: we mailed a link to ${me.email}. Until you follow it, bookings made earlier with that address stay hidden from your account, and your bookers get no mail from us (their booking, its link, your confirmations).`;
}

async function saveProfile(event) {
  event.preventDefault();
  const form = event.target;
  const result = await call('/api/me', { method: 'PATCH', body: { name: form.name.value.trim(), timeZone: form.timeZone.value } });
  showFieldErrors(form, result.ok ? null : result.problem);
  showNotice($('profile-message'), result.ok ? 'success' : 'error', result.ok ? 'Profile saved.' : (result.problem.title ?? 'Could not save.'));
  if (result.ok) { state.me = result.data; showProfile(); loadOverrides(); }
}

// A new password ends every token, this tab's too: sign in again with it, then reconnect live updates.
async function changePassword(event) {
  event.preventDefault();
  const form = event.target;
  const password = form.password.value;
  state.changingPassword = true;
  try {
    await changePasswordTo(form, password);
  } finally {
    state.changingPassword = false;
  }
}

async function changePasswordTo(form, password) {
  const result = await call('/api/me', { method: 'PATCH', body: { currentPassword: form.currentPassword.value, password } });
  showFieldErrors(form, result.ok ? null : result.problem);
  if (!result.ok) {
    showNotice($('password-message'), 'error', result.problem.token === 'validation' ? 'Please check the fields above.'
      : (result.problem.detail ?? result.problem.title ?? 'Could not change the password.'));
    return;
  }
  form.currentPassword.value = '';
  form.password.value = '';
  await state.connection?.stop();
  const failed = await signInWith(result.data.email, password);
  if (failed) { signOut(); return; }
  await connect();
  showNotice($('password-message'), 'success', 'Password changed. Every other device is signed out.');
  await loadFeed(); // a new password ends the feed address too
}

async function signOutEverywhere() {
  const result = await call('/api/auth/revoke', { method: 'POST', body: { everywhere: true } });
  if (result.ok || result.status === 401) signOut();
}

async function resendVerification() {
  const button = $('resend-verification');
  button.disabled = true;
  const result = await call('/api/me/verify-email', { method: 'POST' });
  button.disabled = false;
  if (result.ok) $('verify-text').textContent = `A new link is on its way to ${state.me.email}.`;
  else if (result.problem.token === 'already-verified') { state.me = { ...state.me, emailVerified: true }; showProfile(); }
  else if (result.problem.token === 'rate-limited') $('verify-text').textContent = 'A link was mailed less than a minute ago (or five are still valid): please look for it, or ask again in a minute.';
  else $('verify-text').textContent = result.problem.title ?? 'Could not send a link.';
}

// ---- availability ----
async function loadRules() {
  const result = await call('/api/availability');
  if (!result.ok) return;
  $('rules').replaceChildren(...result.data.map(ruleRow));
}

function ruleRow(rule = { dayOfWeek: 'Monday', startTime: '09:00', endTime: '17:00' }) {
  const label = (text) => el('span', { class: 'visually-hidden', text });
  return el('li', {}, el('div', { class: 'row' },
    el('label', {}, label('Day'), el('select', { name: 'dayOfWeek' }, ...Days.map(d => el('option', { value: d, text: d, selected: d === rule.dayOfWeek })))),
    el('label', {}, label('From'), el('input', { name: 'startTime', value: rule.startTime, pattern: '\\d{2}:\\d{2}', size: 5, 'aria-label': 'From' })),
    el('span', { text: '–' }),
    el('label', {}, label('To'), el('input', { name: 'endTime', value: rule.endTime, pattern: '\\d{2}:\\d{2}', size: 5, 'aria-label': 'To' })),
    el('button', { type: 'button', class: 'secondary', text: 'Remove', onclick: (e) => e.target.closest('li').remove() })));
}

async function saveRules() {
  const rules = [...$('rules').children].map(li => ({
    dayOfWeek: li.querySelector('[name=dayOfWeek]').value,
    startTime: li.querySelector('[name=startTime]').value.trim(),
    endTime: li.querySelector('[name=endTime]').value.trim(),
  }));
  const result = await call('/api/availability', { method: 'PUT', body: rules });
  const message = $('availability-message');
  message.className = `notice ${result.ok ? 'success' : 'error'}`;
  if (result.ok) {
    message.textContent = 'Availability saved.';
    $('rules').replaceChildren(...result.data.map(ruleRow));
  } else {
    const errors = result.problem.errors ? Object.entries(result.problem.errors).map(([f, m]) => `${f}: ${[].concat(m).join(' ')}`).join('; ') : '';
    message.textContent = `${result.problem.title ?? 'Could not save.'} ${errors}`;
  }
}

// ---- start ----
$('sign-in-form').addEventListener('submit', signIn);
$('forgot-password').addEventListener('click', forgotPassword);
$('sign-out').addEventListener('click', signOut);
$('show-sign-up').addEventListener('click', () => showSignUp(true));
$('show-sign-in').addEventListener('click', () => showSignUp(false));
$('sign-up-form').addEventListener('submit', signUp);
$('profile-form').addEventListener('submit', (e) => { e.preventDefault(); busy(submitButtons(e.target), () => saveProfile(e)); });
$('password-form').addEventListener('submit', (e) => { e.preventDefault(); busy(submitButtons(e.target), () => changePassword(e)); });
$('sign-out-everywhere').addEventListener('click', signOutEverywhere);
$('resend-verification').addEventListener('click', resendVerification);
$('block-form').addEventListener('submit', (e) => { e.preventDefault(); busy(submitButtons(e.target), () => blockTime(e)); });
$('more-bookings').addEventListener('click', moreBookings);
$('bookings-filter').addEventListener('change', loadBookings);
$('feed-form').addEventListener('submit', (e) => { e.preventDefault(); busy(submitButtons(e.target), () => createFeed(e)); });
$('feed-delete').addEventListener('click', (e) => busy(e.target, deleteFeed));
$('past-bookings').addEventListener('toggle', () => { if ($('past-bookings').open) loadPast(); });
$('more-past').addEventListener('click', (e) => busy(e.target, morePast));
$('more-notifications').addEventListener('click', moreNotifications);
$('more-mine').addEventListener('click', (e) => busy(e.target, moreMine));
$('override-form').addEventListener('submit', (e) => { e.preventDefault(); busy(submitButtons(e.target), () => saveOverride(e)); });
$('notifications-button').addEventListener('click', () => {
  const panel = $('notifications-panel');
  panel.hidden = !panel.hidden;
  $('notifications-button').setAttribute('aria-expanded', String(!panel.hidden));
});
$('read-all').addEventListener('click', async () => {
  for (const item of [...$('notifications').querySelectorAll('li.unread')]) await markRead(item.dataset.notificationId, item);
});
$('event-type-form').addEventListener('submit', (e) => { e.preventDefault(); busy(submitButtons(e.target), () => submitEventType(e)); });
$('event-type-cancel').addEventListener('click', () => editEventType(null));
$('add-rule').addEventListener('click', () => $('rules').append(ruleRow()));
$('save-rules').addEventListener('click', saveRules);
if (state.token) showApp(); else signOut();
