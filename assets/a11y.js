/* Accessibility the pages' components do not bring by themselves (docs/accessibility.md):
   1. Dash 4's radio items and checklists are drawn as a listbox of options each holding a native input (an option may
      not hold a control; the list has no name): the native inputs say it all, so the list becomes a named radio group
      (or group) and the options plain labels.
   2. Dash 4's dropdown takes the keyboard on a hidden input that hands focus to its button; the button itself takes
      it here, named by the field's label and its value.
   3. The date range's wrapper carries popup attributes a plain box may not, and labels of ids that do not exist.
   4. Every chart gets a text alternative: a one-line summary as its name and its data as a table, one key away.
   5. The municipality card: Escape goes back to the ranking, onto the place it was opened from; a control redrawn
      under the keyboard keeps the focus; a briefing sheet that scrolls sideways takes the keyboard; the map's
      library's English names are given in the page's language, and icons are hidden from screen readers.
   A mutation observer reapplies 1–3 after React draws again (it sets the roles it owns on every change). */
(function () {
  "use strict";

  var WORDS = {
    ru: {
      data: "Данные графика", chart: "График", from: "от", to: "до", last: "последнее", empty: "нет данных",
      value: "Значение", name: "Название", highest: "больше всего", lowest: "меньше всего", missing: "без данных",
      map: "Карта: муниципалитет выбирается в рейтинге рядом", attribution: "Источники карты",
    },
    en: {
      data: "Chart data", chart: "Chart", from: "from", to: "to", last: "latest", empty: "no data",
      value: "Value", name: "Name", highest: "highest", lowest: "lowest", missing: "no data",
      map: "Map: choose a municipality in the ranking beside it", attribution: "Map sources",
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
      var existing = named.split(" ").filter(function (id) { return id && document.getElementById(id); });
      if (label && existing[0] !== label.id) { existing.unshift(label.id); }
      if (existing.join(" ") !== named) { button.setAttribute("aria-labelledby", existing.join(" ")); }
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

  /* Charts: a summary («Время ответа и сроки — часы: Медиана — 7 значений, от 1 до 4, последнее 2») and a table.
     A figure may say what its table is (``layout.meta.a11y``: columns and rows — the maps do: a row per
     municipality); otherwise the table is read off its data series, leaving out helpers and provisional tails. */
  function number(value) {
    return typeof value === "number" ? value.toLocaleString(lang() === "en" ? "en-GB" : "ru-RU", { maximumFractionDigits: 1 }) : String(value);
  }

  function count(n) {
    if (lang() === "en") { return n + (n === 1 ? " value" : " values"); }
    var tens = n % 100, ones = n % 10;
    var word = tens >= 11 && tens <= 14 ? "значений" : ones === 1 ? "значение" : ones >= 2 && ones <= 4 ? "значения" : "значений";
    return n + " " + word;
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

  function finite(v) { return typeof v === "number" && isFinite(v); }

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

  function pairsOf(trace) {
    // [category, value] pairs of one trace, whatever its kind
    var categories, values;
    if (trace.type === "pie") {
      categories = trace.labels; values = trace.values;
    } else if (trace.orientation === "h") {
      categories = trace.y; values = trace.x;
    } else {
      categories = trace.x; values = trace.y;
    }
    categories = Array.prototype.slice.call(categories || []);
    values = Array.prototype.slice.call(values || []);
    return categories.map(function (c, i) { return [category(c), values[i]]; });
  }

  function seriesTable(gd) {
    var seen = {};
    var series = (gd.data || []).filter(function (trace) {
      if (trace.visible === false || trace.legendgroup === "provisional") { return false; }
      var helper = trace.hoverinfo === "skip" || trace.hoverinfo === "none";
      return !helper || (trace.name && trace.showlegend !== false);  // a dashed «прошлый период» is data too
    }).map(function (trace, i) {
      return { name: plain(trace.name) || words().value + (i ? " " + (i + 1) : ""), rows: pairsOf(trace) };
    }).filter(function (s) {
      if (!s.rows.length || seen[s.name]) { return false; }
      seen[s.name] = true;
      return true;
    });
    var categories = [], known = {};
    series.forEach(function (s) {
      s.rows.forEach(function (r) { if (!known[r[0]]) { known[r[0]] = true; categories.push(r[0]); } });
    });
    var lookup = series.map(function (s) {
      var map = {}; s.rows.forEach(function (r) { map[r[0]] = r[1]; }); return map;
    });
    return {
      kind: "series",
      columns: [words().name].concat(series.map(function (s) { return s.name; })),
      rows: categories.map(function (c) { return [c].concat(lookup.map(function (map) { return map[c]; })); }),
    };
  }

  function mapRows(gd) {
    // the traces a map marks as its places: a name (its hover's first field) and the value it is coloured by
    var rows = [];
    (gd.data || []).forEach(function (trace) {
      if (trace.meta !== "a11y" && trace.meta !== "a11y-none") { return; }
      (trace.customdata || []).forEach(function (custom, i) {
        var value = trace.meta === "a11y" && trace.z ? trace.z[i] : null;
        rows.push([plain(custom[0]), finite(value) ? value : null]);
      });
    });
    return rows.sort(function (a, b) {
      return (b[1] === null ? -Infinity : b[1]) - (a[1] === null ? -Infinity : a[1]);
    });
  }

  function tableOf(gd) {
    var meta = gd.layout && gd.layout.meta && gd.layout.meta.a11y;
    if (!meta || !meta.columns) { return seriesTable(gd); }
    return meta.rows ? meta : { kind: meta.kind, columns: meta.columns, rows: mapRows(gd) };
  }

  function summaryOf(title, data) {
    if (!data.rows.length) { return title + ": " + words().empty; }
    if (data.kind === "map") {
      var known = data.rows.filter(function (r) { return finite(r[1]); });
      if (!known.length) { return title + ": " + words().empty; }
      var top = known[0], bottom = known[known.length - 1];
      var text = title + " (" + data.columns[1] + "): " + words().highest + " — " + top[0] + ", " + number(top[1]) +
        "; " + words().lowest + " — " + bottom[0] + ", " + number(bottom[1]);
      var missing = data.rows.length - known.length;
      return text + (missing ? "; " + words().missing + " — " + missing : "");
    }
    var parts = data.columns.slice(1, 5).map(function (name, k) {
      var numbers = data.rows.map(function (r) { return r[k + 1]; }).filter(finite);
      if (!numbers.length) { return name + " — " + words().empty; }
      return name + " — " + count(numbers.length) + ", " + words().from + " " + number(Math.min.apply(null, numbers)) +
        " " + words().to + " " + number(Math.max.apply(null, numbers)) + ", " + words().last + " " +
        number(numbers[numbers.length - 1]);
    });
    return title + ": " + parts.join("; ");
  }

  function tableElement(data) {
    var table = document.createElement("table");
    var head = table.createTHead().insertRow();
    data.columns.forEach(function (text) {
      var th = document.createElement("th"); th.scope = "col"; th.textContent = text; head.appendChild(th);
    });
    var body = table.createTBody();
    data.rows.forEach(function (row) {
      var tr = body.insertRow();
      var th = document.createElement("th"); th.scope = "row"; th.textContent = row[0]; tr.appendChild(th);
      row.slice(1).forEach(function (value) {
        tr.insertCell().textContent = value == null || value === "" ? "—" : number(value);
      });
    });
    return table;
  }

  function describe(gd) {
    var holder = gd.closest(".dash-graph") || gd.parentElement;
    if (!holder) { return; }
    var title = titleOf(gd);
    var data = tableOf(gd);
    holder.setAttribute("role", "figure");
    holder.setAttribute("aria-label", summaryOf(title, data));
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
    var table = tableElement(data);
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
    // only where the card is what the keyboard is on: an Escape in a calendar or a dropdown is theirs
    if (!card || !(card.contains(event.target) || event.target === document.body)) { return; }
    var back = card.querySelector("button.back");
    if (back) { event.preventDefault(); back.click(); }
  });

  /* A control redrawn under the keyboard (a tile or a point filters the page, which draws them again) leaves focus
     on nothing: it goes back to the control of the same id, if the new drawing has one. */
  var lastFocused = null;
  document.addEventListener("focusin", function (event) { lastFocused = event.target; });
  function keepFocus() {
    var active = document.activeElement;
    if (!lastFocused || document.contains(lastFocused) || (active && active !== document.body)) { return; }
    var again = lastFocused.id && document.getElementById(lastFocused.id);
    if (again) { again.focus({ preventScroll: true }); }
    lastFocused = again || null;
  }

  /* A briefing sheet that scrolls sideways (a narrow window, 200 % zoom) can be scrolled from the keyboard. */
  function scrollableSheets(root) {
    root.querySelectorAll(".sheet").forEach(function (sheet) {
      var scrolls = sheet.scrollWidth > sheet.clientWidth + 1;
      if (scrolls && sheet.getAttribute("tabindex") !== "0") {
        var heading = sheet.querySelector("h1, h2");
        sheet.setAttribute("tabindex", "0");
        sheet.setAttribute("role", "region");
        sheet.setAttribute("aria-label", heading ? heading.textContent.trim() : words().data);
      } else if (!scrolls && sheet.hasAttribute("tabindex")) {
        ["tabindex", "role", "aria-label"].forEach(function (name) { sheet.removeAttribute(name); });
      }
    });
  }

  /* Dash's calendar speaks English whatever the page's language (it takes no locale): on a Russian page its
     months, weekdays and buttons are put into Russian, its year field named, and each day named by its full date. */
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December"];
  var RU_MONTHS = ["Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь",
    "Ноябрь", "Декабрь"];
  var RU_OF_MONTH = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
    "октября", "ноября", "декабря"];
  var RU_DAYS = { Mo: "Пн", Tu: "Вт", We: "Ср", Th: "Чт", Fr: "Пт", Sa: "Сб", Su: "Вс" };
  var RU_BUTTONS = { "Previous month": "Предыдущий месяц", "Next month": "Следующий месяц",
    "Decrease value": "Год назад", "Increase value": "Год вперёд" };

  function russianText(text) {
    var month = MONTHS.indexOf(text);
    if (month >= 0) { return RU_MONTHS[month]; }
    var header = /^(\w+) (\d{4})$/.exec(text);
    if (header && MONTHS.indexOf(header[1]) >= 0) { return RU_MONTHS[MONTHS.indexOf(header[1])] + " " + header[2]; }
    return RU_DAYS[text] || null;
  }

  function fixCalendars(root) {
    root.querySelectorAll(".dash-datepicker-content, .dash-dropdown-content")  // the month list is a dropdown's
      .forEach(function (box) {
        if (lang() === "ru") {
          var walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
          for (var node = walker.nextNode(); node; node = walker.nextNode()) {
            var text = russianText(node.nodeValue.trim());
            if (text && text !== node.nodeValue) { node.nodeValue = text; }
          }
          box.querySelectorAll("[aria-label]").forEach(function (el) {
            var said = RU_BUTTONS[el.getAttribute("aria-label")];
            if (said) { el.setAttribute("aria-label", said); }
          });
        }
      });
    root.querySelectorAll(".dash-datepicker-content input.dash-input-element").forEach(function (year) {
      var name = lang() === "en" ? "Year" : "Год";
      if (year.getAttribute("aria-label") !== name) { year.setAttribute("aria-label", name); }
    });
    root.querySelectorAll(".dash-datepicker-content table.dash-datepicker-calendar").forEach(function (month) {
      var header = month.querySelector(".dash-datepicker-calendar-month-header");
      var parts = header && /^(\S+) (\d{4})$/.exec(header.textContent.trim());
      if (!parts) { return; }
      var index = RU_MONTHS.indexOf(parts[1]) >= 0 ? RU_MONTHS.indexOf(parts[1]) : MONTHS.indexOf(parts[1]);
      month.querySelectorAll("td[tabindex]").forEach(function (cell) {
        var day = cell.textContent.trim();
        var chosen = /selected|range|highlight/.test(cell.className);
        var name = (lang() === "en" ? day + " " + MONTHS[index] + " " + parts[2]
          : day + " " + RU_OF_MONTH[index] + " " + parts[2]) + (chosen ? (lang() === "en" ? ", chosen" : ", выбрано") : "");
        if (cell.getAttribute("aria-label") !== name) { cell.setAttribute("aria-label", name); }
      });
    });
  }

  /* Names in the page's language for what the map library names in English; icons are not images to read. */
  function nameTheRest(root) {
    root.querySelectorAll(".maplibregl-canvas").forEach(function (canvas) {
      if (canvas.getAttribute("aria-label") !== words().map) { canvas.setAttribute("aria-label", words().map); }
    });
    root.querySelectorAll(".maplibregl-ctrl-attrib-button").forEach(function (button) {
      if (button.getAttribute("aria-label") !== words().attribution) {
        button.setAttribute("aria-label", words().attribution);
        button.setAttribute("title", words().attribution);
      }
    });
    root.querySelectorAll("svg.dash-dropdown-trigger-icon, svg.dash-datepicker-range-arrow, .modebar-btn svg, #js-plotly-tester")
      .forEach(function (icon) {
        if (icon.getAttribute("aria-hidden") !== "true") { icon.setAttribute("aria-hidden", "true"); }
      });
  }

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
    keepFocus();
    scrollableSheets(document);
    nameTheRest(document);
    fixCalendars(document);
  }
  function schedule() {
    if (!pending) { pending = true; window.requestAnimationFrame(fixAll); }
  }
  function start() {
    fixAll();
    new MutationObserver(schedule).observe(document.body, {
      childList: true, subtree: true, attributes: true, characterData: true,
      attributeFilter: ["role", "aria-selected", "aria-expanded", "tabindex", "aria-labelledby", "aria-label"],
    });
    window.addEventListener("resize", schedule);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
