/* A session that ends while the page is open (expired, signed out elsewhere, account disabled): the next data
   request answers 401, and the page goes to the sign-in form instead of silently showing stale figures. */
(function () {
  const fetch0 = window.fetch;
  window.fetch = function (...args) {
    return fetch0.apply(this, args).then(function (response) {
      if (response.status === 401 && String(response.url).includes("/_dash-")) {
        const here = window.location.pathname + window.location.search;
        window.location.assign("/login?next=" + encodeURIComponent(here));
        return new Promise(function () {}); // the page is leaving: Dash gets no answer to handle
      }
      return response;
    });
  };
})();
