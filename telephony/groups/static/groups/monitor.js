/* Activity monitor: keeps the server-rendered state live without polling.
 *
 * - Listens to the tenant's event stream (/ws/events/); after an event that changes what the
 *   monitor shows (registration, call, presence, configuration) it fetches the server-rendered
 *   fragment once and swaps it in. Events arriving during a fetch cause one more fetch after it.
 * - Schedules one fetch at the instant the server says the time range changes next
 *   (data-refresh-at, corrected by the server's clock in data-server-now).
 * - Moves the clock on at each minute, in the company's time zone; that touches no server.
 */
(function () {
  "use strict";

  var root = document.getElementById("activity-monitor");
  if (!root) {
    return;
  }
  var live = document.getElementById("monitor-live");
  var clock = document.getElementById("monitor-clock");
  var types = root.dataset.eventTypes.split(" ");
  var MAX_TIMEOUT = 2147483647; // setTimeout's largest delay (about 24.8 days)
  var clockOffset = Number(clock.dataset.serverNow) - Date.now(); // server clock minus ours
  var boundaryTimer = null;
  var fetching = false;
  var fetchAgain = false;

  function show(selector, visible) {
    var element = root.querySelector(selector);
    if (element) {
      element.hidden = !visible;
    }
  }

  function scheduleBoundary() {
    clearTimeout(boundaryTimer);
    var state = document.getElementById("monitor-state");
    if (!state || !state.dataset.refreshAt) {
      return;
    }
    var offset = Number(state.dataset.serverNow) - Date.now();
    var delay = Number(state.dataset.refreshAt) - (Date.now() + offset) + 1000; // a second after the boundary
    boundaryTimer = setTimeout(refresh, Math.min(Math.max(delay, 1000), MAX_TIMEOUT));
  }

  function refresh() {
    if (fetching) {
      fetchAgain = true;
      return;
    }
    fetching = true;
    fetch(root.dataset.fragmentUrl, { credentials: "same-origin", redirect: "manual", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("monitor fragment: " + response.status); // logged out, or no longer an admin
        }
        return response.text();
      })
      .then(function (html) {
        live.innerHTML = html;
        show("[data-monitor-stale]", false);
        scheduleBoundary();
      })
      .catch(function () {
        show("[data-monitor-stale]", true);
      })
      .finally(function () {
        fetching = false;
        if (fetchAgain) {
          fetchAgain = false;
          refresh();
        }
      });
  }

  function tick() {
    var now = new Date(Date.now() + clockOffset);
    var format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      dateStyle: "full",
      timeStyle: "short",
      timeZone: clock.dataset.timeZone,
    });
    clock.textContent = format.format(now);
    clock.dateTime = now.toISOString();
    setTimeout(tick, 60000 - (now.getTime() % 60000) + 50);
  }

  root.querySelector("[data-monitor-refresh]").addEventListener("click", function (event) {
    event.preventDefault();
    refresh();
  });
  tick();
  scheduleBoundary();
  window.CentrexEvents.listen({
    path: root.dataset.eventsPath,
    tenant: root.dataset.tenant,
    onOpen: function (reconnected) {
      show("[data-monitor-live]", true);
      show("[data-monitor-offline]", false);
      if (reconnected) {
        refresh(); // events may have been missed while disconnected
      }
    },
    onEvent: function (event) {
      if (types.indexOf(event.type) !== -1) {
        refresh();
      }
    },
    onClose: function (loggedOut) {
      show("[data-monitor-live]", false);
      show("[data-monitor-offline]", true);
      if (loggedOut) {
        show("[data-monitor-stale]", true); // the page must be reloaded
      }
    },
  });
})();
