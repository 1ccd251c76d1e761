// Follows a mailed verification link: /verify-email#token=... (the token never leaves the browser
// except in this one POST; a fragment is not sent to servers nor in a Referer).
import { api } from './api.js';

const message = document.getElementById('message');
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
// Drop the secret from the address bar and history once read.
history.replaceState(null, '', location.pathname);

const result = await api('/api/auth/verify-email', { method: 'POST', body: { token } });
document.getElementById('verify').removeAttribute('aria-busy');
if (result.ok) {
  message.className = 'notice success';
  message.textContent = `Thank you: ${result.data.email} is confirmed. Bookings made with it now show in your account.`;
} else {
  message.className = 'notice error';
  message.textContent = result.problem.token === 'invalid-verification'
    ? 'This link is not valid any more (it was used already or is older than 24 hours). Sign in to ask for a new one.'
    : (result.problem.title ?? 'Could not confirm the address.');
}
