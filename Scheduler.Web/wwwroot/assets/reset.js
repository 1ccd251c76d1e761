// Follows a mailed password-reset link: /reset-password#token=... (the token never leaves the
// browser except in the one POST that uses it; a fragment is not sent to servers nor in a Referer).
import { api, showFieldErrors, takeFragmentToken, showNotice } from './api.js';

const $ = (id) => document.getElementById(id);
const token = takeFragmentToken();
const say = (kind, text) => showNotice($('message'), kind, text);

if (!token) {
  $('reset-form').hidden = true;
  say('error', 'This page needs the link from the mail. Ask for a new one from the dashboard’s sign-in.');
}

$('reset-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  showFieldErrors(form, null);
  if (form.password.value !== form.confirm.value) {
    showFieldErrors(form, { errors: { password: ['The two passwords differ.'] } });
    return;
  }
  $('reset-submit').disabled = true;
  const result = await api('/api/auth/reset-password', { method: 'POST', body: { token, password: form.password.value } });
  $('reset-submit').disabled = false;
  if (result.ok) {
    form.hidden = true;
    say('success', `Your password is changed, and ${result.data.email} is confirmed. Sign in with the new password.`);
  } else if (result.problem.token === 'validation') {
    showFieldErrors(form, result.problem);
  } else {
    form.hidden = result.problem.token === 'invalid-reset';
    say('error', result.problem.token === 'invalid-reset'
      ? 'This link is not valid any more (it was used already, a newer one was used, or it is older than an hour). Ask for a new one from the dashboard’s sign-in.'
      : (result.problem.title ?? 'Could not change the password.'));
  }
});
