// Measures the heat map's container so the server fits the region to the real map size.
window.dash_clientside = Object.assign({}, window.dash_clientside);
window.dash_clientside.tsur = Object.assign({}, window.dash_clientside.tsur, {
    mapSize: function (_search) {
      var el = document.getElementById("heat-map");
      if (!el) { return window.dash_clientside.no_update; }
      var box = el.getBoundingClientRect();
      return [Math.round(box.width) || 1000, Math.round(box.height) || 640];
    }
});
