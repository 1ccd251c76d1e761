// Follows a mailed verification link: /verify-email#token=... (the token never leaves the browser
// except in the one POST that uses it; a fragment is not sent to servers nor in a Referer). It asks
// first: whoever holds the account's password gets what was booked with the address, so only the one
// who signed up should confirm; the address's owner who did not takes the account over with a reset.
import { api, takeFragmentToken, showNotice } from './api.js';

const $ = (id) => document.getElementById(id);
const token = takeFragmentToken();
const say = (kind, text) => showNotice($('message'), kind, text);

if (!token) {
  $('choice').hidden = true;
  say('error', 'This page needs the link from the mail.');
}

$('not-me').addEventListener('click', () => {
  $('choice').hidden = true;
  $('not-me-help').hidden = false;
});

$('confirm').addEventListener('click', async () => {
  $('confirm').disabled = true;
  const result = await api('/api/auth/verify-email', { method: 'POST', body: { token } });
  $('confirm').disabled = false;
  $('choice').hidden = true;
  if (result.ok) {
    say('success', `Thank you: ${result.data.email} is confirmed. Bookings made with it now show in your account.`);
  } else {
    say('error', result.problem.token === 'invalid-verification'
      ? 'This link is not valid any more (it was used already or is older than 24 hours). Sign in to ask for a new one.'
      : (result.problem.title ?? 'Could not confirm the address.'));
  }
});
