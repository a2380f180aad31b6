// Admin: console users (list, create, delete; users from the gateway
// config are read-only) and the audit log with filters and paging.

import {h, clear, button, fmtTime, select, toast} from '../dom.js';
import {get, post, del, esc} from '../api.js';

const ROLES = ['commander', 'pilot', 'operator', 'admin'].map((r) => [r, r]);

/** mount shows users and the audit log. */
export function mount(root) {
  const users = h('tbody', {'data-testid': 'users-rows'});
  const form = userForm(() => loadUsers());
  const audit = auditLog();
  root.append(h('section', {class: 'admin-view', 'data-testid': 'admin-view'},
    h('h2', {}, 'Users'),
    h('table', {class: 'table'}, h('thead', {}, h('tr', {}, ['Name', 'Role', 'Sites', 'Source', 'Created', ''].map((t) => h('th', {}, t)))), users),
    form,
    h('h2', {}, 'Audit log'), audit.el));

  const loadUsers = async () => {
    try {
      const r = await get('/api/users');
      clear(users).append(...(r.items || r || []).map((u) => h('tr', {'data-testid': 'user-row', 'data-user': u.name},
        h('td', {}, u.name), h('td', {}, u.role), h('td', {}, (u.sites || []).join(', ')), h('td', {}, u.source || 'console'),
        h('td', {}, fmtTime(u.created)),
        h('td', {}, u.source === 'config' ? '' : button('Delete', {class: 'small danger', 'data-testid': 'user-delete', onclick: async () => {
          if (!confirm(`Delete user ${u.name}?`)) return;
          try { await del(`/api/users/${esc(u.name)}`); loadUsers(); } catch (e) { toast(e.message, 'error'); }
        }})))));
    } catch (e) { toast(`Users: ${e.message}`, 'error'); }
  };
  loadUsers();
  audit.load(true);
  return () => {};
}

// userForm creates a user; the password goes only into the POST body.
function userForm(created) {
  const name = h('input', {placeholder: 'name', required: true, 'data-testid': 'user-name', 'aria-label': 'name'});
  const role = select({'data-testid': 'user-role', 'aria-label': 'role'}, ROLES, 'commander');
  const sites = h('input', {placeholder: 'sites, comma separated, * for all', required: true, 'data-testid': 'user-sites', 'aria-label': 'sites'});
  const pass = h('input', {type: 'password', placeholder: 'password', autocomplete: 'new-password', required: true, 'data-testid': 'user-password', 'aria-label': 'password'});
  const err = h('span', {class: 'error', 'data-testid': 'user-error'});
  const form = h('form', {class: 'toolbar', 'data-testid': 'user-form'}, name, role, sites, pass, h('button', {type: 'submit', 'data-testid': 'user-create'}, 'Create user'), err);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    const list = sites.value.split(',').map((s) => s.trim()).filter(Boolean);
    try {
      await post('/api/users', {name: name.value.trim(), role: role.value, sites: list, password: pass.value});
      form.reset();
      created();
    } catch (ex) { err.textContent = ex.message; }
  });
  return form;
}

// auditLog is the filtered, paged audit table.
function auditLog() {
  const f = {
    who: h('input', {placeholder: 'who', 'data-testid': 'audit-who', 'aria-label': 'who'}),
    action: h('input', {placeholder: 'action (prefix)', 'data-testid': 'audit-action', 'aria-label': 'action'}),
    site: h('input', {placeholder: 'site', 'data-testid': 'audit-site', 'aria-label': 'site'}),
    from: h('input', {type: 'datetime-local', 'data-testid': 'audit-from', 'aria-label': 'from'}),
    to: h('input', {type: 'datetime-local', 'data-testid': 'audit-to', 'aria-label': 'to'}),
  };
  const rows = h('tbody', {'data-testid': 'audit-rows'});
  const more = button('Load more', {'data-testid': 'audit-more', hidden: true});
  const form = h('form', {class: 'toolbar', 'data-testid': 'audit-filter'}, Object.values(f), h('button', {type: 'submit'}, 'Filter'));
  let cursor = '';
  const iso = (v) => (v ? new Date(v).toISOString() : '');
  const load = async (reset) => {
    if (reset) { clear(rows); cursor = ''; }
    try {
      const r = await get('/api/audit', {who: f.who.value, action: f.action.value, site: f.site.value,
        from: iso(f.from.value), to: iso(f.to.value), limit: 100, cursor});
      rows.append(...(r.items || []).map((a) => h('tr', {'data-testid': 'audit-row', class: a.status >= 400 ? 'refused' : ''},
        h('td', {}, fmtTime(a.time)), h('td', {}, a.who), h('td', {}, a.role), h('td', {}, a.action),
        h('td', {}, a.object), h('td', {}, a.site), h('td', {}, a.status), h('td', {}, a.detail || ''))));
      cursor = r.next || '';
      more.hidden = !cursor;
    } catch (e) { toast(`Audit: ${e.message}`, 'error'); }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); load(true); });
  more.addEventListener('click', () => load(false));
  const el = h('div', {}, form, h('table', {class: 'table'},
    h('thead', {}, h('tr', {}, ['Time', 'Who', 'Role', 'Action', 'Object', 'Site', 'Status', 'Detail'].map((t) => h('th', {}, t)))), rows), more);
  return {el, load};
}
