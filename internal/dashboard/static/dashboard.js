// x0tta6bl4 node dashboard: live updates by Server-Sent Events. The pages work without this file;
// it only keeps the counts and the incident timeline fresh and announces new incidents in the
// page's live region. The "Pause live updates" button stops and resumes the stream.
"use strict";
(function () {
	var status = document.querySelector("[data-live-status]");
	var toggle = document.getElementById("live-toggle");
	var announcer = document.getElementById("live-announcer");
	var timeline = document.getElementById("timeline");
	if (!status || !toggle || !announcer || !window.EventSource) {
		return;
	}
	var source = null;
	var digest = null;
	var paused = false;

	function setStatus(text) {
		status.textContent = text;
	}

	function announce(text) {
		var p = document.createElement("p");
		p.textContent = text;
		announcer.appendChild(p);
		while (announcer.childNodes.length > 5) {
			announcer.removeChild(announcer.firstChild);
		}
	}

	function refreshTimeline(fresh) {
		if (!timeline) {
			return;
		}
		var url = timeline.getAttribute("data-fragment");
		fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
			.then(function (r) {
				if (!r.ok) {
					throw new Error("status " + r.status);
				}
				return r.text();
			})
			.then(function (html) {
				// The fragment is rendered and escaped by the node's html/template.
				timeline.innerHTML = html;
				fresh.forEach(function (id) {
					var li = document.getElementById("incident-" + id);
					if (li) {
						li.classList.add("new");
					}
				});
			})
			.catch(function (err) {
				setStatus("on, but the timeline could not be refreshed (" + err.message + "); reload the page");
			});
	}

	function onState(ev) {
		var s;
		try {
			s = JSON.parse(ev.data);
		} catch (e) {
			return;
		}
		document.querySelectorAll("[data-live]").forEach(function (el) {
			var k = el.getAttribute("data-live");
			if (Object.prototype.hasOwnProperty.call(s, k)) {
				el.textContent = String(s[k]);
			}
		});
		var fresh = [];
		(s.new || []).forEach(function (n) {
			announce(n.text);
			fresh.push(n.id);
		});
		if (digest !== null && s.digest !== digest) {
			refreshTimeline(fresh);
		}
		digest = s.digest;
		setStatus("on");
	}

	function start() {
		source = new EventSource("/ui/events");
		source.addEventListener("state", onState);
		source.onerror = function () {
			setStatus("reconnecting…");
		};
		setStatus("connecting…");
	}

	function stop() {
		if (source) {
			source.close();
			source = null;
		}
		setStatus("paused; the page is not updated");
	}

	toggle.hidden = false;
	toggle.addEventListener("click", function () {
		paused = !paused;
		toggle.setAttribute("aria-pressed", paused ? "true" : "false");
		if (paused) {
			stop();
		} else {
			start();
		}
	});
	start();
})();
