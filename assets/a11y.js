/* Accessibility the pages' components do not bring by themselves (docs/accessibility.md):
   1. Dash 4's radio items and checklists are drawn as a listbox of options each holding a native input (an option may
      not hold a control; the list has no name): the native inputs say it all, so the list becomes a named radio group
      (or group) and the options plain labels.
   2. Dash 4's dropdown takes the keyboard on a hidden input that hands focus to its button; the button itself takes
      it here, named by the field's label and its value.
   3. The date range's wrapper carries popup attributes a plain box may not, and labels of ids that do not exist.
   4. Every chart gets a text alternative: a one-line summary as its name and its data as a table, one key away.
   5. The municipality card: Escape goes back to the ranking, onto the place it was opened from.
   A mutation observer reapplies 1–3 after React draws again (it sets the roles it owns on every change). */
(function () {
  "use strict";

  var WORDS = {
    ru: {
      data: "Данные графика", chart: "График", series: "ряд", from: "от", to: "до", last: "последнее",
      values: "значений", empty: "нет данных", value: "Значение", name: "Название",
    },
    en: {
      data: "Chart data", chart: "Chart", series: "series", from: "from", to: "to", last: "latest",
      values: "values", empty: "no data", value: "Value", name: "Name",
    },
  };

  function lang() { return document.documentElement.lang === "en" ? "en" : "ru"; }
  function words() { return WORDS[lang()]; }

  function labelOf(id) {
    var label = id && document.querySelector('label[for="' + CSS.escape(id) + '"]');
    if (label && !label.id) { label.id = id + "-label"; }
    return label;
  }

  function fixOptionLists(root) {
    root.querySelectorAll(".dash-options-list[role=listbox]").forEach(function (list) {
      if (!list.querySelector("input")) { return; }  // a dropdown's own listbox of options stays one
      list.setAttribute("role", list.classList.contains("dash-radioitems") ? "radiogroup" : "group");
      var label = labelOf(list.id);
      if (label) { list.setAttribute("aria-labelledby", label.id); }
    });
    root.querySelectorAll(".dash-options-list:not([role=listbox]) .dash-options-list-option").forEach(function (option) {
      if (option.hasAttribute("role")) { option.removeAttribute("role"); }
      if (option.hasAttribute("aria-selected")) { option.removeAttribute("aria-selected"); }  // React sets it again
    });
  }

  function fixDropdowns(root) {
    root.querySelectorAll("input.dash-dropdown-focus-target").forEach(function (proxy) {
      if (proxy.tabIndex !== -1) { proxy.tabIndex = -1; }
    });
    root.querySelectorAll("button.dash-dropdown").forEach(function (button) {
      if (!button.disabled && button.tabIndex !== 0) { button.tabIndex = 0; }
      var label = labelOf(button.id);
      var named = button.getAttribute("aria-labelledby") || "";
      if (label && named.split(" ")[0] !== label.id) {
        button.setAttribute("aria-labelledby", (label.id + " " + named).trim());
      }
    });
  }

  function fixDateRanges(root) {
    root.querySelectorAll(".dash-datepicker-input-wrapper").forEach(function (box) {
      ["aria-expanded", "aria-haspopup", "aria-disabled", "type"].forEach(function (name) {
        if (box.hasAttribute(name)) { box.removeAttribute(name); }
      });
      if (box.getAttribute("role") !== "group") { box.setAttribute("role", "group"); }
      var input = box.querySelector("input");
      var label = input && labelOf(input.id);
      var named = box.getAttribute("aria-labelledby");
      if (label && named !== label.id) { box.setAttribute("aria-labelledby", label.id); }
      if (!label && named) { box.removeAttribute("aria-labelledby"); }
    });
  }

  /* Charts: a summary («График: обращения по дням — 30 значений, от 12 до 340, последнее 210») and a table. */
  function number(value) {
    return typeof value === "number" ? value.toLocaleString(lang() === "en" ? "en-GB" : "ru-RU", { maximumFractionDigits: 1 }) : String(value);
  }

  function category(value) {
    // a day on the axis (2026-11-14, or with a time) reads as the page writes days: 14.11.2026 / 2026-11-14
    var day = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d:\d\d))?/.exec(String(value));
    if (!day || lang() === "en") { return plain(value); }
    return day[3] + "." + day[2] + "." + day[1] + (day[4] && day[4] !== "00:00" ? " " + day[4] : "");
  }

  function plain(text) {
    var box = document.createElement("div");
    box.innerHTML = String(text == null ? "" : text).replace(/<br\s*\/?>/gi, " ");
    return box.textContent.trim();
  }

  function titleOf(gd) {
    var layout = gd.layout || {};
    var title = layout.title && (layout.title.text || layout.title);
    if (typeof title === "string" && plain(title)) { return plain(title); }
    var holder = gd.closest("section, .panel, .wall-panel, .card, figure");
    var heading = holder && holder.querySelector("h2, h3, h4, .wall-panel-title");
    var named = layout.yaxis && layout.yaxis.title;
    var axis = plain(named && (typeof named === "string" ? named : named.text));
    return (heading ? heading.textContent.trim() : words().chart) + (axis ? " — " + axis : "");
  }

  function columnsOf(trace) {
    // [category, value] pairs of one trace, whatever its kind
    var categories, values;
    if (trace.type === "pie") {
      categories = trace.labels; values = trace.values;
    } else if (trace.locations && trace.z) {
      categories = trace.hovertext || trace.text || trace.locations; values = trace.z;
    } else if (trace.orientation === "h") {
      categories = trace.y; values = trace.x;
    } else if (trace.x && trace.y) {
      categories = trace.x; values = trace.y;
    } else if (trace.text && (trace.lat || trace.lon)) {
      categories = trace.text; values = trace.customdata || [];
    }
    categories = Array.prototype.slice.call(categories || []);
    values = Array.prototype.slice.call(values || []);
    return categories.map(function (c, i) { return [category(c), values[i]]; });
  }

  function seriesOf(gd) {
    return (gd.data || [])
      .filter(function (trace) {  // a helper trace (outlines, labels) takes no hover
        return trace.visible !== false && trace.hoverinfo !== "skip" && trace.hoverinfo !== "none";
      })
      .map(function (trace, i) { return { name: plain(trace.name) || words().value + (i ? " " + (i + 1) : ""), rows: columnsOf(trace) }; })
      .filter(function (series) { return series.rows.length; });
  }

  function summaryOf(title, series) {
    if (!series.length) { return title + ": " + words().empty; }
    var parts = series.slice(0, 3).map(function (s) {
      var numbers = s.rows.map(function (r) { return r[1]; }).filter(function (v) { return typeof v === "number" && isFinite(v); });
      if (!numbers.length) { return s.name + " — " + s.rows.length + " " + words().values; }
      return s.name + " — " + s.rows.length + " " + words().values + ", " + words().from + " " +
        number(Math.min.apply(null, numbers)) + " " + words().to + " " + number(Math.max.apply(null, numbers)) +
        ", " + words().last + " " + number(numbers[numbers.length - 1]);
    });
    return title + ": " + parts.join("; ");
  }

  function tableOf(series) {
    var table = document.createElement("table");
    var categories = [];
    var seen = {};
    series.forEach(function (s) {
      s.rows.forEach(function (r) { if (!seen[r[0]]) { seen[r[0]] = true; categories.push(r[0]); } });
    });
    var head = table.createTHead().insertRow();
    [words().name].concat(series.map(function (s) { return s.name; })).forEach(function (text) {
      var th = document.createElement("th"); th.scope = "col"; th.textContent = text; head.appendChild(th);
    });
    var body = table.createTBody();
    var lookup = series.map(function (s) {
      var map = {}; s.rows.forEach(function (r) { map[r[0]] = r[1]; }); return map;
    });
    categories.forEach(function (category) {
      var row = body.insertRow();
      var th = document.createElement("th"); th.scope = "row"; th.textContent = category; row.appendChild(th);
      lookup.forEach(function (map) {
        var value = map[category];
        row.insertCell().textContent = value == null || value === "" ? "—" : number(value);
      });
    });
    return table;
  }

  function describe(gd) {
    var holder = gd.closest(".dash-graph") || gd.parentElement;
    if (!holder) { return; }
    var title = titleOf(gd);
    var series = seriesOf(gd);
    var summary = summaryOf(title, series);
    holder.setAttribute("role", "figure");
    holder.setAttribute("aria-label", summary);
    gd.querySelectorAll("svg.main-svg").forEach(function (svg) { svg.setAttribute("aria-hidden", "true"); });
    var details = holder.querySelector(":scope > details.chart-data");
    if (!details) {
      details = document.createElement("details");
      details.className = "chart-data";
      details.appendChild(document.createElement("summary"));
      holder.appendChild(details);
    }
    details.querySelector("summary").textContent = words().data + ": " + title;
    var old = details.querySelector("table");
    var table = tableOf(series);
    if (old) { details.replaceChild(table, old); } else { details.appendChild(table); }
  }

  function watchCharts(root) {
    root.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      if (gd.tsurDescribed || typeof gd.on !== "function") { return; }
      gd.tsurDescribed = true;
      gd.on("plotly_afterplot", function () { describe(gd); });
      describe(gd);
    });
  }

  /* The card: Escape closes it; focus goes to its heading when it opens and back to its place in the ranking after. */
  var openedFrom = null;
  document.addEventListener("click", function (event) {
    var item = event.target.closest && event.target.closest(".rank-item");
    if (item) { openedFrom = item.id; }
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var card = document.getElementById("municipality-card");
    if (!card || document.querySelector(".dash-dropdown-content")) { return; }
    var back = card.querySelector("button.back");
    if (back) { event.preventDefault(); back.click(); }
  });

  var cardShown = false;
  function followCard() {
    var card = document.getElementById("municipality-card");
    if (card && !cardShown) {
      var heading = card.querySelector(".card-title");
      if (heading && openedFrom) { heading.tabIndex = -1; heading.focus(); }
    }
    if (!card && cardShown && openedFrom) {
      var item = document.getElementById(openedFrom);
      if (item) { item.focus(); }
    }
    cardShown = !!card;
  }

  var pending = false;
  function fixAll() {
    pending = false;
    fixOptionLists(document);
    fixDropdowns(document);
    fixDateRanges(document);
    watchCharts(document);
    followCard();
  }
  function schedule() {
    if (!pending) { pending = true; window.requestAnimationFrame(fixAll); }
  }
  function start() {
    fixAll();
    new MutationObserver(schedule).observe(document.body, {
      childList: true, subtree: true, attributes: true,
      attributeFilter: ["role", "aria-selected", "aria-expanded", "tabindex", "aria-labelledby"],
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
