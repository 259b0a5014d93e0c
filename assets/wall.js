// Wall screen: panel rotation, the region's clock and the «данные устарели» badge, all in the browser.
window.dash_clientside = Object.assign({}, window.dash_clientside);
window.dash_clientside.tsur = Object.assign({}, window.dash_clientside.tsur, {
  wallMapSize: function (_config) {
    // the map's box (hidden panels measure nothing: a wall-sized guess) and the screen's height, which every text
    // on the wall is sized from
    var el = document.getElementById("wall-map");
    var box = el ? el.getBoundingClientRect() : { width: 0, height: 0 };
    return [Math.round(box.width) || 1800, Math.round(box.height) || 700, window.innerHeight || 1080];
  },
  wallRotate: function (n, config) {
    var active = config.panels[(n || 0) % config.panels.length];
    var classes = config.layout_order.map(function (name) {
      if (config.panels.indexOf(name) < 0) { return "wall-panel off"; }
      return name === active ? "wall-panel active" : "wall-panel";
    });
    var dots = config.panels.map(function (name) { return name === active ? "●" : "○"; }).join(" ");
    return [classes, dots];
  },
  wallGood: function (stamp) {
    return stamp ? Date.now() : window.dash_clientside.no_update;
  },
  wallClock: function (_n, lastGood, config) {
    var locale = config.lang === "en" ? "en-GB" : "ru-RU";
    var now = new Date(Date.now() + (window.tsurClockOffset || 0));  // offset: set by tests only
    var time = new Intl.DateTimeFormat(locale, { timeZone: config.timezone, hour: "2-digit", minute: "2-digit" });
    var date = new Intl.DateTimeFormat(locale, { timeZone: config.timezone, weekday: "long", day: "numeric", month: "long" });
    var clock = time.format(now) + " · " + date.format(now);
    var limit = config.stale_minutes * 60 * 1000;
    window.tsurWallOpened = window.tsurWallOpened || now.getTime();
    if (lastGood && now.getTime() - lastGood <= limit) { return [clock, "", "wall-stale"]; }
    if (!lastGood && now.getTime() - window.tsurWallOpened < 30000) { return [clock, "", "wall-stale"]; }
    var text = lastGood ? config.texts.stale.replace("{time}", time.format(new Date(lastGood))) : config.texts.waiting;
    return [clock, text, "wall-stale on"];
  }
});

/* The critical strip: when its points do not fit, it scrolls to the end and back at a reading pace (about 12 % of the
   screen's width a second); a screen that asks for no motion gets it wrapped onto more lines instead (wall.css). */
(function () {
  function fitTicker() {
    var ticker = document.getElementById("wall-ticker");
    var track = ticker && ticker.querySelector(".wall-ticker-track");
    var text = ticker && ticker.querySelector(".wall-ticker-text");
    if (!track || !text) { return; }
    var overflow = text.scrollWidth - track.clientWidth;
    var scrolling = overflow > 2;
    ticker.classList.toggle("scrolling", scrolling);
    if (scrolling) {
      ticker.style.setProperty("--ticker-shift", -overflow + "px");
      ticker.style.setProperty("--ticker-seconds", Math.max(8, overflow / (window.innerWidth * 0.12) / 0.76) + "s");
    }
  }
  var watching = null;
  new MutationObserver(function () {
    var ticker = document.getElementById("wall-ticker");
    if (ticker && ticker !== watching) {
      watching = ticker;
      new MutationObserver(fitTicker).observe(ticker, { childList: true, subtree: true, characterData: true });
      fitTicker();
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
  window.addEventListener("resize", fitTicker);
})();
