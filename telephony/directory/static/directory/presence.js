/* Extension list: keeps each extension's line state and presence live without polling.
 *
 * - Listens to the tenant's event stream (/ws/events/); a presence.changed event names the
 *   extension (data.extension_id) and its new line_state and presence. The matching row's two
 *   cells get the badge the server rendered (and translated) for that value in <template id="presence-badges">.
 * - After a reconnect, events may have been missed: the page is fetched once and its rows' states
 *   are copied over (no polling otherwise).
 */
(function () {
  "use strict";

  var root = document.getElementById("extension-presence");
  var badges = document.getElementById("presence-badges");
  if (!root || !badges) {
    return;
  }
  var lastSeq = {}; // extension id -> the seq of the last presence applied

  function show(selector, visible) {
    var element = root.querySelector(selector);
    if (element) {
      element.hidden = !visible;
    }
  }

  function setCell(row, attribute, value) {
    var cell = row.querySelector("[" + attribute + "]");
    var badge = badges.content.querySelector("[" + attribute + '="' + CSS.escape(value) + '"]');
    if (!cell || !badge || cell.getAttribute(attribute) === value) {
      return;
    }
    cell.setAttribute(attribute, value);
    cell.innerHTML = badge.innerHTML;
  }

  function apply(extensionId, lineState, presence) {
    var row = root.querySelector('tr[data-extension-id="' + CSS.escape(extensionId) + '"]');
    if (!row) {
      return; // not on this page
    }
    setCell(row, "data-line-state", lineState);
    setCell(row, "data-presence", presence);
  }

  function resync() {
    fetch(window.location.href, { credentials: "same-origin", redirect: "manual", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("extension list: " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        page.querySelectorAll("tr[data-extension-id]").forEach(function (row) {
          var line = row.querySelector("[data-line-state]");
          var presence = row.querySelector("[data-presence]");
          if (line && presence) {
            apply(row.dataset.extensionId, line.getAttribute("data-line-state"), presence.getAttribute("data-presence"));
          }
        });
      })
      .catch(function () {
        /* logged out or re-authentication needed: the states stay as they were until a reload */
      });
  }

  window.CentrexEvents.listen({
    path: root.dataset.eventsPath,
    tenant: root.dataset.tenant,
    onOpen: function (reconnected) {
      show("[data-presence-live]", true);
      show("[data-presence-offline]", false);
      if (reconnected) {
        resync();
      }
    },
    onEvent: function (event) {
      if (event.type === "presence" && event.op === "changed" && event.data) {
        // Events of the gateway and of the web processes may arrive out of order: keep the newest. A
        // far smaller seq means the live state started afresh (Redis emptied), not a late event.
        var id = String(event.data.extension_id);
        var seq = Number(event.data.seq) || 0;
        var last = lastSeq[id] || 0;
        if (seq && seq <= last && last - seq < 1000) {
          return;
        }
        if (seq) {
          lastSeq[id] = seq;
        }
        apply(id, String(event.data.line_state), String(event.data.presence));
      }
    },
    onClose: function () {
      show("[data-presence-live]", false);
      show("[data-presence-offline]", true);
    },
  });
})();
