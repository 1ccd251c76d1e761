// Shared helpers for the pages: JSON calls to the API and time formatting. No framework.

/** Calls the API; resolves to {ok, status, data, problem} and never throws for HTTP errors. */
export async function api(path, { method = 'GET', body, token, headers = {} } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (token) init.headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    return { ok: false, status: 0, data: null, problem: { title: 'The server could not be reached.', token: 'network' } };
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  // A paged listing names its next page in `Link: <url>; rel="next"`.
  const next = /<([^>]+)>\s*;\s*rel="next"/.exec(response.headers.get('Link') ?? '')?.[1] ?? null;
  if (response.ok) return { ok: true, status: response.status, data, problem: null, next };
  const problem = data && typeof data === 'object' ? data : { title: response.statusText };
  problem.token = typeof problem.type === 'string' ? problem.type.split('/').pop() : 'error';
  return { ok: false, status: response.status, data: null, problem };
}

/** The browser's IANA time zone. */
export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The zone if the browser knows it (a `?zone=` from a link may not be one), else null. */
export function knownZone(zone) {
  if (!zone) return null;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** Every zone the browser knows, with the given ones first if missing. */
export function knownZones(...extra) {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const all = new Set([...zones, ...extra.filter(Boolean), 'UTC']);
  return [...all].sort();
}

/** Today's date (YYYY-MM-DD) in a zone. */
export function todayIn(zone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** A YYYY-MM-DD date moved by some days. */
export function addDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Monday of the week holding a YYYY-MM-DD date. */
export function mondayOf(date) {
  const weekday = (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
  return addDays(date, -weekday);
}

/** "Monday, 3 March 2031" for a YYYY-MM-DD date (no zone involved: it is already local). */
export function formatLocalDate(date, options = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }) {
  return new Intl.DateTimeFormat(undefined, { ...options, timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

/** "Monday, 3 March 2031" of an instant in a zone. */
export function formatDateIn(instant, zone) {
  return new Intl.DateTimeFormat(undefined, { timeZone: zone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(instant));
}

/** "14:30" of an instant in a zone (24-hour clock, so it reads the same everywhere). */
export function formatTimeIn(instant, zone) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(instant));
}

/** "Mon 3 Mar, 14:30" of an instant in a zone, for tables. */
export function formatShortIn(instant, zone) {
  const d = new Date(instant);
  const day = new Intl.DateTimeFormat(undefined, { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short' }).format(d);
  return `${day}, ${formatTimeIn(d, zone)}`;
}

/** Creates an element: el('p', {class: 'x', text: 'hi'}, child...). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** Shows field errors from a validation problem next to form fields named like the API's fields. */
export function showFieldErrors(form, problem) {
  for (const node of form.querySelectorAll('.field-error')) node.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  if (!problem?.errors) return;
  for (const [field, messages] of Object.entries(problem.errors)) {
    const input = form.elements.namedItem(field);
    const slot = form.querySelector(`[data-error-for="${field}"]`);
    if (input instanceof HTMLElement) input.setAttribute('aria-invalid', 'true');
    if (slot) slot.textContent = [].concat(messages).join(' ');
  }
}

/**
 * The secret of a mailed link (`#token=…`), then gone from the address bar and history. A fragment
 * never reaches a server or a Referer; the page sends it only in the one POST that uses it.
 */
export function takeFragmentToken() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  history.replaceState(null, '', location.pathname + location.search);
  return token;
}

/** Shows a success or error notice in an element. */
export function showNotice(element, kind, text) {
  element.className = `notice ${kind}`;
  element.textContent = text;
}
