// Login: user and password; the API's error text is shown as it came.

import {h} from '../dom.js';
import {login} from '../api.js';

/** mount shows the login form; done(user) is called once signed in. */
export function mount(root, {done}) {
  const user = h('input', {id: 'login-user', name: 'user', autocomplete: 'username', required: true, 'data-testid': 'login-user'});
  const pass = h('input', {id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'login-password'});
  const err = h('p', {class: 'error', role: 'alert', 'data-testid': 'login-error', hidden: true});
  const submit = h('button', {type: 'submit', 'data-testid': 'login-submit'}, 'Sign in');
  const form = h('form', {class: 'login card', 'data-testid': 'login-form', novalidate: true},
    h('h1', {}, 'Argus command center'),
    h('label', {for: 'login-user'}, 'User'), user,
    h('label', {for: 'login-password'}, 'Password'), pass,
    err, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    if (!user.value || !pass.value) {
      showError(err, 'Enter a user name and a password.');
      return;
    }
    submit.disabled = true;
    try {
      const r = await login(user.value, pass.value);
      pass.value = '';
      done(r.user);
    } catch (ex) {
      const wait = ex.retryAfter ? ` (try again in ${ex.retryAfter} s)` : '';
      showError(err, ex.message + wait);
    } finally {
      submit.disabled = false;
    }
  });
  root.append(h('section', {class: 'login-view', 'data-testid': 'login-view'}, form));
  user.focus();
  return () => {};
}

function showError(el, msg) {
  el.textContent = msg;
  el.hidden = false;
}
