/* The tenant's event stream for portal pages: one WebSocket to /ws/events/, reconnected with backoff.
 *
 * CentrexEvents.listen({path, tenant, onOpen(reconnected), onEvent(event), onClose(loggedOut)}):
 * only events of the page's tenant reach onEvent; after a reconnect onOpen is told so (events may have
 * been missed meanwhile); close code 4401 (not logged in any more) ends the reconnecting.
 */
(function () {
  "use strict";

  function listen(options) {
    var attempts = 0;

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + window.location.host + options.path);
      socket.onopen = function () {
        options.onOpen(attempts > 0);
        attempts = 0;
      };
      socket.onmessage = function (message) {
        var event;
        try {
          event = JSON.parse(message.data);
        } catch (error) {
          return;
        }
        if (event && event.tenant === options.tenant) {
          options.onEvent(event);
        }
      };
      socket.onclose = function (close) {
        var loggedOut = close.code === 4401;
        options.onClose(loggedOut);
        if (loggedOut) {
          return;
        }
        attempts += 1;
        setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, attempts)));
      };
    }

    connect();
  }

  window.CentrexEvents = { listen: listen };
})();
