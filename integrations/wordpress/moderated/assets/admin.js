/* moderated settings page: connection test, "send now", and the import with progress. */
(function () {
	'use strict';
	var cfg = window.moderatedAdmin;
	if (!cfg) {
		return;
	}

	function format(text) {
		var args = Array.prototype.slice.call(arguments, 1);
		var next = 0;
		return text.replace(/%(?:(\d+)\$)?s/g, function (_, n) {
			var value = n ? args[Number(n) - 1] : args[next++];
			return String(value);
		});
	}

	function post(action, nonce, fields) {
		var body = new URLSearchParams();
		body.set('action', action);
		body.set('nonce', nonce);
		Object.keys(fields || {}).forEach(function (k) {
			body.set(k, fields[k]);
		});
		return fetch(cfg.ajaxUrl, {method: 'POST', credentials: 'same-origin', body: body})
			.then(function (res) {
				return res.text().then(function (text) {
					var json = null;
					try {
						json = JSON.parse(text);
					} catch (e) {
						json = null;
					}
					if (!json || typeof json.success !== 'boolean') {
						throw new Error(format(cfg.i18n.requestFailed, res.status));
					}
					if (!json.success) {
						throw new Error(json.data && json.data.message ? json.data.message : format(cfg.i18n.requestFailed, res.status));
					}
					return json.data;
				});
			});
	}

	function value(id) {
		var el = document.getElementById(id);
		return el ? el.value : '';
	}

	// Test connection, with the values in the form (saved or not).
	var test = document.getElementById('moderated-test');
	var results = document.getElementById('moderated-test-result');
	if (test && results) {
		test.addEventListener('click', function () {
			test.disabled = true;
			results.textContent = '';
			var li = document.createElement('li');
			li.textContent = cfg.i18n.testing;
			results.appendChild(li);
			post('moderated_test', cfg.nonces.test, {
				url: value('moderated-url'),
				site: value('moderated-site'),
				site_token: value('moderated-site-token'),
				moderator_token: value('moderated-moderator-token'),
				timeout: value('moderated-timeout')
			}).then(function (data) {
				results.textContent = '';
				data.checks.forEach(function (check) {
					var item = document.createElement('li');
					item.className = check.ok === true ? 'moderated-ok' : (check.ok === false ? 'moderated-bad' : 'moderated-info');
					item.textContent = check.text;
					results.appendChild(item);
				});
			}).catch(function (err) {
				results.textContent = '';
				var item = document.createElement('li');
				item.className = 'moderated-bad';
				item.textContent = err.message;
				results.appendChild(item);
			}).then(function () {
				test.disabled = false;
				results.setAttribute('data-done', '1');
			});
		});
	}

	// Send the waiting comments and decisions now.
	var sendNow = document.getElementById('moderated-send-now');
	var sendResult = document.getElementById('moderated-send-result');
	if (sendNow && sendResult) {
		sendNow.addEventListener('click', function () {
			sendNow.disabled = true;
			sendResult.textContent = cfg.i18n.sending;
			post('moderated_send_now', cfg.nonces.sendNow, {}).then(function (data) {
				sendResult.textContent = data.message;
			}).catch(function (err) {
				sendResult.textContent = err.message;
			}).then(function () {
				sendNow.disabled = false;
			});
		});
	}

	// The import: one batch per request until done.
	var start = document.getElementById('moderated-backfill');
	var bar = document.getElementById('moderated-backfill-progress');
	var status = document.getElementById('moderated-backfill-status');
	var leftEl = document.getElementById('moderated-backfill-left');
	if (start && bar && status) {
		start.addEventListener('click', function () {
			var total = Number(leftEl ? leftEl.getAttribute('data-left') : 0) || 0;
			var done = 0;
			var imported = 0;
			var labelled = 0;
			var failed = 0;
			start.disabled = true;
			bar.hidden = false;
			bar.max = Math.max(total, 1);
			bar.value = 0;
			status.removeAttribute('data-state');
			status.textContent = cfg.i18n.importing;

			function step(cursor) {
				return post('moderated_backfill', cfg.nonces.backfill, {cursor: String(cursor)}).then(function (data) {
					imported += data.imported;
					labelled += data.labelled;
					failed += data.failed;
					done += data.imported + data.failed;
					total = Math.max(total, done + data.left);
					bar.max = Math.max(total, 1);
					bar.value = done;
					(data.notes || []).forEach(function (note) {
						var p = document.createElement('p');
						p.className = 'moderated-note';
						p.textContent = note;
						status.parentNode.insertBefore(p, status.nextSibling);
					});
					if (data.done) {
						bar.value = bar.max;
						status.textContent = format(cfg.i18n.finished, imported, labelled, failed);
						status.setAttribute('data-state', 'finished');
						return null;
					}
					status.textContent = format(cfg.i18n.progress, done, total);
					return step(data.cursor);
				});
			}

			step(0).catch(function (err) {
				status.textContent = format(cfg.i18n.stopped, err.message);
				status.setAttribute('data-state', 'stopped');
			}).then(function () {
				start.disabled = false;
			});
		});
	}
}());
