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
    // a screen that asks for reduced motion keeps its first panel and says why the others do not come
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var active = config.panels[still ? 0 : (n || 0) % config.panels.length];
    var classes = config.layout_order.map(function (name) {
      if (config.panels.indexOf(name) < 0) { return "wall-panel off"; }
      return name === active ? "wall-panel active" : "wall-panel";
    });
    var dots = config.panels.map(function (name) { return name === active ? "●" : "○"; }).join(" ");
    return [classes, still && config.panels.length > 1 ? config.texts.still : dots];
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

/* The map is fitted to its panel by the server from the panel's measured size: the panel changes size after the page
   opens (the strips under it appear, the window is resized), so it is measured again then and the map re-fitted. */
(function () {
  var last = null;
  var timer = null;
  function measure() {
    var el = document.getElementById("wall-map");
    if (!el || !window.dash_clientside || !window.dash_clientside.set_props) { return; }
    var box = el.getBoundingClientRect();
    if (!box.width || !box.height) { return; }  // a hidden panel measures nothing
    var size = [Math.round(box.width), Math.round(box.height), window.innerHeight || 1080];
    if (last && Math.abs(size[0] - last[0]) < 8 && Math.abs(size[1] - last[1]) < 8 && size[2] === last[2]) { return; }
    last = size;
    window.dash_clientside.set_props("wall-size", { data: size });
  }
  function later() { clearTimeout(timer); timer = setTimeout(measure, 400); }
  var watched = null;
  new MutationObserver(function () {
    var el = document.getElementById("wall-map");
    if (el && el !== watched && window.ResizeObserver) {
      watched = el;
      new ResizeObserver(later).observe(el);
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();

/* Town names on the wall's map: white on every colour of the scale, so each gets a dark halo — plotly draws them
   with MapLibre but exposes no halo, so it is set on MapLibre's own text layers after each drawing. */
(function () {
  function halo(gd) {
    var sub = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    var map = sub && sub.map;
    if (!map || !map.getStyle || !map.getStyle()) { return; }
    var width = Math.max(1.5, (window.innerHeight || 1080) / 540);
    (map.getStyle().layers || []).forEach(function (layer) {
      if (layer.type !== "symbol") { return; }
      map.setPaintProperty(layer.id, "text-halo-color", "rgba(11, 15, 20, 0.92)");
      map.setPaintProperty(layer.id, "text-halo-width", width);
      map.setPaintProperty(layer.id, "text-halo-blur", 0.5);
    });
  }
  var hooked = null;
  new MutationObserver(function () {
    var gd = document.querySelector("#wall-map .js-plotly-plot");
    if (gd && gd !== hooked && gd.on) {
      hooked = gd;
      gd.on("plotly_afterplot", function () { halo(gd); });
      halo(gd);
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
