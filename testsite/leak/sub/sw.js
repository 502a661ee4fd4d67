// A first-party service worker that imports a vendor script: it runs with
// no guard. guard-service-worker.html registers it.
importScripts("http://analytics.localhost:" + location.port + "/a.js?s=service-worker");
